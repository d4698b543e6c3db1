//! The quote engine: request + pack + FX -> itemised, explained figures.
//!
//! Order of work: convert lines to the destination currency; apportion freight and insurance by value;
//! customs value by the market's valuation basis; choose the low-value regimes; duty (tariff or regime
//! treatment) and additional duties; fees that form part of the tax base; import taxes on the market's base;
//! remaining fees; totals. Every figure is rounded to the destination currency's minor unit with the
//! market's rounding mode as soon as it is produced, and totals are sums of those rounded figures.

mod explain;
mod fees;
mod lookup;
mod regime;
mod types;

pub use lookup::{find_base_duty, find_base_duty_linear};
pub use types::*;

use crate::fx::{FxRate, FxTable};
use crate::hs::{HsDigits, PrefixIndex};
use crate::pack::*;
use jiff::civil::Date;
use rust_decimal::Decimal;
use std::sync::Arc;
use tradelane_domain::{Currency, Money, RoundingMode};

/// Exchange rates into the destination currency, looked up once per currency and recorded.
pub(crate) struct FxCache<'a> {
    table: &'a FxTable,
    date: Date,
    to: Currency,
    rates: Vec<(Currency, Decimal)>,
    pub used: Vec<FxRate>,
}

impl<'a> FxCache<'a> {
    fn new(table: &'a FxTable, date: Date, to: Currency) -> Self {
        FxCache {
            table,
            date,
            to,
            rates: Vec::new(),
            used: Vec::new(),
        }
    }

    /// Units of the destination currency per one `from`.
    pub fn rate(&mut self, from: Currency) -> Result<Decimal, QuoteError> {
        if from == self.to {
            return Ok(Decimal::ONE);
        }
        if let Some((_, r)) = self.rates.iter().find(|(c, _)| *c == from) {
            return Ok(*r);
        }
        let rate = self.table.rate(from, self.to, self.date)?;
        let r = rate.rate;
        self.rates.push((from, r));
        self.used.push(rate);
        Ok(r)
    }

    /// `amount` of `from` in the destination currency, exact.
    pub fn convert(&mut self, amount: Decimal, from: Currency) -> Result<Decimal, QuoteError> {
        let r = self.rate(from)?;
        amount.checked_mul(r).ok_or(QuoteError::Overflow)
    }
}

/// Everything the stages share about one request.
pub(crate) struct Ctx<'a> {
    pub pack: &'a RulePack,
    pub req: &'a QuoteRequest,
    pub market: &'a Arc<Market>,
    pub links: &'a MarketLinks,
    /// Duty tries of the market's territory, resolved once per quote.
    pub base_trie: Option<&'a PrefixIndex>,
    pub additional_trie: Option<&'a PrefixIndex>,
    pub currency: Currency,
    pub rounding: RoundingMode,
    pub minor: u32,
    pub importer_pays: Payer,
}

impl Ctx<'_> {
    #[inline]
    pub fn round(&self, value: Decimal) -> Decimal {
        self.rounding.round(value, self.minor)
    }
    #[inline]
    pub fn money(&self, value: Decimal) -> Money {
        Money::new(value, self.currency)
    }
    pub fn has_registration(&self, name: &str) -> bool {
        self.req
            .registrations
            .iter()
            .any(|r| r.trim().eq_ignore_ascii_case(name))
    }
    pub fn sale_collector(&self) -> Collector {
        match self.req.channel {
            SalesChannel::Marketplace => Collector::Marketplace,
            SalesChannel::OwnShop => Collector::Seller,
        }
    }
}

/// Per-line working figures.
pub(crate) struct Work {
    pub code: HsDigits,
    pub value: Decimal,
    pub share: Decimal,
    pub customs_value: Decimal,
    pub components: Vec<Component>,
    pub duty_total: Decimal,
    pub fees_in_base: Decimal,
}

/// Quotes one consignment. Pure: the same pack, FX table and request always give the same quote.
pub fn quote(pack: &RulePack, fx: &FxTable, req: &QuoteRequest) -> Result<Quote, QuoteError> {
    if req.lines.is_empty() {
        return Err(QuoteError::EmptyRequest);
    }
    let country = req.destination.country;
    let market_index = market_for(pack, country, req.date)?;
    let market = &pack.markets[market_index];
    let links = &pack.index.links[market_index];
    if let Some(sub) = req.destination.subdivision {
        if sub.country() != country {
            return Err(QuoteError::InvalidLine {
                line: 0,
                message: format!(
                    "subdivision {} is not in destination {}",
                    sub.code(),
                    country.code()
                ),
            });
        }
    } else if market.subdivision_required {
        return Err(QuoteError::SubdivisionRequired {
            country: country.code().into(),
            example: if country.code() == "CA" {
                "CA-ON"
            } else {
                "US-CA"
            },
        });
    }
    let currency = market.currency;
    let ctx = Ctx {
        pack,
        req,
        market,
        links,
        base_trie: pack.index.base_duty.get(&market.customs_territory),
        additional_trie: pack.index.additional_duty.get(&market.customs_territory),
        currency,
        rounding: market.rounding,
        minor: currency.minor_units(),
        importer_pays: if req.incoterm.seller_pays_import_duties_and_taxes() {
            Payer::Seller
        } else {
            Payer::Buyer
        },
    };
    let mut fx = FxCache::new(fx, req.date, currency);
    let mut notes = Vec::new();

    // Values in the destination currency, and freight + insurance apportioned by value.
    let mut work = Vec::with_capacity(req.lines.len());
    let mut total_value = Decimal::ZERO;
    for (i, line) in req.lines.iter().enumerate() {
        if line.quantity <= Decimal::ZERO {
            return Err(QuoteError::InvalidLine {
                line: i + 1,
                message: format!("quantity {} must be positive", line.quantity),
            });
        }
        if line.value.is_negative() || line.net_weight_kg.is_sign_negative() {
            return Err(QuoteError::InvalidLine {
                line: i + 1,
                message: "value and weight must not be negative".into(),
            });
        }
        let code =
            HsDigits::parse_code(line.hs_code.as_str()).map_err(|e| QuoteError::InvalidLine {
                line: i + 1,
                message: e,
            })?;
        let value = ctx.round(fx.convert(line.value.amount(), line.value.currency())?);
        total_value += value;
        work.push(Work {
            code,
            value,
            share: Decimal::ZERO,
            customs_value: Decimal::ZERO,
            components: Vec::with_capacity(4),
            duty_total: Decimal::ZERO,
            fees_in_base: Decimal::ZERO,
        });
    }
    let mut freight_insurance = Decimal::ZERO;
    for m in [req.freight, req.insurance].into_iter().flatten() {
        if m.is_negative() {
            return Err(QuoteError::InvalidLine {
                line: 0,
                message: "freight and insurance must not be negative".into(),
            });
        }
        freight_insurance += fx.convert(m.amount(), m.currency())?;
    }
    let freight_insurance = ctx.round(freight_insurance);
    apportion(&ctx, &mut work, freight_insurance, total_value);
    for w in &mut work {
        w.customs_value = match market.valuation {
            Valuation::Cif => w.value + w.share,
            Valuation::Fob => w.value,
        };
    }

    // Low-value regimes, then duties.
    let regimes = regime::choose(&ctx, &mut fx, &work)?;
    regime::apply_duties(&ctx, &mut fx, &mut work, &regimes)?;

    // Fees that enter the tax base are known before taxes; the rest come after.
    let mut shipment = Vec::new();
    fees::apply(&ctx, &mut fx, &mut work, &mut shipment, true)?;
    regime::apply_taxes(&ctx, &mut work, &regimes, &mut notes)?;
    fees::apply(&ctx, &mut fx, &mut work, &mut shipment, false)?;

    // Lines and totals; consignment fees are shared out to lines by customs value for per-line landed cost.
    let shipment_total: Decimal = shipment.iter().map(|c| c.amount.amount()).sum();
    let customs_total: Decimal = work.iter().map(|w| w.customs_value).sum();
    let count = work.len();
    let mut shared = Decimal::ZERO;
    let mut lines = Vec::with_capacity(count);
    for (i, w) in work.into_iter().enumerate() {
        let total: Decimal = w.components.iter().map(|c| c.amount.amount()).sum();
        let share = if i + 1 == count {
            shipment_total - shared
        } else if customs_total.is_zero() {
            ctx.round(shipment_total / Decimal::from(count))
        } else {
            ctx.round(shipment_total * w.customs_value / customs_total)
        };
        shared += share;
        lines.push(LineQuote {
            index: i,
            hs_code: w.code.to_string(),
            value: ctx.money(w.value),
            freight_insurance_share: ctx.money(w.share),
            customs_value: ctx.money(w.customs_value),
            components: w.components,
            total: ctx.money(total),
            shipment_share: ctx.money(share),
            landed_cost: ctx.money(w.value + w.share + total + share),
        });
    }
    let totals = totals(&ctx, &lines, &shipment, total_value, freight_insurance);
    // The seller-currency rate is looked up now (a missing rate is an error of the quote); the conversion of
    // the totals happens on demand in `Quote::totals_seller`.
    let seller_rate = if req.seller_currency == currency {
        None
    } else {
        Some(fx.table.rate(currency, req.seller_currency, req.date)?)
    };
    let mut fx_rates = fx.used;
    if let Some(rate) = &seller_rate {
        fx_rates.push(rate.clone());
    }
    Ok(Quote {
        pack_id: Arc::clone(&pack.ids.0),
        pack_version: Arc::clone(&pack.ids.1),
        date: req.date,
        country,
        subdivision: req.destination.subdivision,
        market_rule_id: Arc::clone(&links.id),
        valuation: market.valuation,
        apportionment: "freight and insurance apportioned to lines in proportion to line value; the rounding remainder goes to the last line",
        regime: regimes.outcome(&ctx),
        lines,
        shipment,
        totals,
        seller_currency: req.seller_currency,
        seller_rate,
        fx_rates,
        notes,
    })
}

fn market_for(
    pack: &RulePack,
    country: tradelane_domain::Country,
    date: Date,
) -> Result<usize, QuoteError> {
    pack.index
        .markets
        .get(&country)
        .and_then(|ids| {
            ids.iter()
                .map(|&i| i as usize)
                .find(|&i| pack.markets[i].meta.in_force(date))
        })
        .ok_or_else(|| QuoteError::DestinationNotCovered {
            pack_id: pack.meta.pack_id.clone(),
            pack_version: pack.meta.pack_version.clone(),
            country: country.code().into(),
            date,
        })
}

fn apportion(ctx: &Ctx<'_>, work: &mut [Work], amount: Decimal, total_value: Decimal) {
    if amount.is_zero() {
        return;
    }
    let n = Decimal::from(work.len());
    let mut given = Decimal::ZERO;
    let last = work.len() - 1;
    for (i, w) in work.iter_mut().enumerate() {
        w.share = if i == last {
            amount - given
        } else if total_value.is_zero() {
            ctx.round(amount / n)
        } else {
            ctx.round(amount * w.value / total_value)
        };
        given += w.share;
    }
}

fn totals(
    ctx: &Ctx<'_>,
    lines: &[LineQuote],
    shipment: &[Component],
    goods: Decimal,
    freight_insurance: Decimal,
) -> Totals {
    let mut t = [Decimal::ZERO; 7]; // duties, taxes, fees, border, sale, seller, buyer
    for c in lines
        .iter()
        .flat_map(|l| l.components.iter())
        .chain(shipment.iter())
    {
        let a = c.amount.amount();
        if c.kind.is_duty() {
            t[0] += a;
        } else if c.kind.is_tax() {
            t[1] += a;
        } else {
            t[2] += a;
        }
        if c.collected_by == Collector::Border {
            t[3] += a;
        } else {
            t[4] += a;
        }
        if c.paid_by == Payer::Seller {
            t[5] += a;
        } else {
            t[6] += a;
        }
    }
    let total = t[0] + t[1] + t[2];
    let customs_value = lines.iter().map(|l| l.customs_value.amount()).sum();
    Totals {
        customs_value: ctx.money(customs_value),
        duties: ctx.money(t[0]),
        taxes: ctx.money(t[1]),
        fees: ctx.money(t[2]),
        total: ctx.money(total),
        at_border: ctx.money(t[3]),
        at_sale: ctx.money(t[4]),
        paid_by_seller: ctx.money(t[5]),
        paid_by_buyer: ctx.money(t[6]),
        landed_cost: ctx.money(goods + freight_insurance + total),
    }
}

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod props;
