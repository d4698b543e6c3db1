//! Comparing every valid card for one shipment: totals in one currency, sorted.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Currency, Money, RoundingMode};

use crate::card::{NotQuoted, Priced, RateCard};
use crate::lane::Lane;
use crate::mode::Mode;
use crate::shipment::Shipment;

/// What to compare in: the target currency and rates (units of target per one unit of another
/// currency). Cards in a currency without a rate are left out with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FxTable {
    pub rates: BTreeMap<Currency, Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub card_id: String,
    pub forwarder: String,
    pub mode: Mode,
    pub lane: String,
    pub source: String,
    /// The price in the card's own currency with its breakdown.
    pub priced: Priced,
    /// Total in the comparison currency, rounded half-up to its minor units.
    pub total: Money,
    /// Total ÷ actual gross kg, 4 decimals.
    pub per_kg: Option<Money>,
    /// Total ÷ units (sellable units when given, otherwise cartons), 4 decimals.
    pub per_unit: Option<Money>,
    pub transit_days: (u32, u32),
    /// FX rate used (1 when the card is in the comparison currency).
    pub fx_rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    pub card_id: String,
    pub forwarder: String,
    pub reason: NotQuoted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub currency: Currency,
    /// Cheapest first; equal totals by fewer transit days, then card id.
    pub quotes: Vec<Quote>,
    pub excluded: Vec<Excluded>,
}

impl Comparison {
    pub fn cheapest(&self) -> Option<&Quote> {
        self.quotes.first()
    }
}

/// Quotes a shipment on every card covering `lane` and valid on the ship date.
pub fn compare(
    shipment: &Shipment,
    lane: &Lane,
    cards: &[RateCard],
    currency: Currency,
    fx: &FxTable,
) -> Comparison {
    let totals = shipment.totals();
    let units = shipment.units.unwrap_or(totals.cartons);
    let mut quotes = Vec::new();
    let mut excluded = Vec::new();
    for card in cards {
        match quote_one(card, shipment, &totals, lane, currency, fx, units) {
            Ok(q) => quotes.push(q),
            Err(reason) => excluded.push(Excluded {
                card_id: card.id.clone(),
                forwarder: card.forwarder.clone(),
                reason,
            }),
        }
    }
    quotes.sort_by(|a, b| {
        a.total
            .amount()
            .cmp(&b.total.amount())
            .then(a.transit_days.cmp(&b.transit_days))
            .then_with(|| a.card_id.cmp(&b.card_id))
    });
    Comparison {
        currency,
        quotes,
        excluded,
    }
}

fn quote_one(
    card: &RateCard,
    shipment: &Shipment,
    totals: &crate::shipment::Totals,
    lane: &Lane,
    currency: Currency,
    fx: &FxTable,
    units: u64,
) -> Result<Quote, NotQuoted> {
    if !card.lane.covers(lane) {
        return Err(NotQuoted::OtherLane {
            lane: card.lane.to_string(),
        });
    }
    card.validity(shipment.ship_date)?;
    let fx_rate = if card.currency == currency {
        Decimal::ONE
    } else {
        *fx.rates.get(&card.currency).ok_or(NotQuoted::NoFxRate {
            from: card.currency,
            to: currency,
        })?
    };
    let priced = card.price(shipment, totals)?;
    let total = priced
        .total
        .checked_convert(fx_rate, currency)
        .map_err(|_| NotQuoted::Overflow)?
        .round(RoundingMode::HalfUp);
    let per = |divisor: Decimal| {
        (divisor > Decimal::ZERO).then(|| {
            Money::new(total.amount() / divisor, currency).round_dp(4, RoundingMode::HalfUp)
        })
    };
    Ok(Quote {
        card_id: card.id.clone(),
        forwarder: card.forwarder.clone(),
        mode: card.mode,
        lane: card.lane.to_string(),
        source: card.source.clone(),
        per_kg: per(totals.weight_kg),
        per_unit: per(Decimal::from(units)),
        total,
        priced,
        transit_days: card.transit_days,
        fx_rate,
    })
}

/// The obvious way to compare, kept as the benchmark baseline: price every card, collect, then
/// sort by re-pricing inside the comparator (what a spreadsheet-style "sort by computed column"
/// does). Same result as [`compare`], much more work.
pub fn compare_naive(
    shipment: &Shipment,
    lane: &Lane,
    cards: &[RateCard],
    currency: Currency,
    fx: &FxTable,
) -> Vec<String> {
    let mut valid: Vec<&RateCard> = cards
        .iter()
        .filter(|c| {
            compare(shipment, lane, std::slice::from_ref(*c), currency, fx)
                .quotes
                .len()
                == 1
        })
        .collect();
    let total_of = |c: &RateCard| {
        compare(shipment, lane, std::slice::from_ref(c), currency, fx)
            .quotes
            .first()
            .map(|q| (q.total.amount(), q.transit_days))
    };
    valid.sort_by(|a, b| total_of(a).cmp(&total_of(b)).then_with(|| a.id.cmp(&b.id)));
    valid.into_iter().map(|c| c.id.clone()).collect()
}
