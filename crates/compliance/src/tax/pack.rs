//! The threshold pack format (`data/thresholds.toml`): registration thresholds and filing cadences.

use crate::dates::{DateRange, de_date, de_opt_date};
use crate::requirements::PackError;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use tradelane_domain::{Country, Currency, Subdivision};

const BUILTIN: &str = include_str!("../../data/thresholds.toml");

/// Where a threshold counts sales; serialised as written ("EU", "AU", "US-CA").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarketScope {
    /// One country.
    Country(Country),
    /// All EU member states together.
    Eu,
    /// A US state or Canadian province.
    Subdivision(Subdivision),
}

impl MarketScope {
    /// Parses "EU", "AU" or "US-CA".
    pub fn parse(text: &str) -> Result<MarketScope, String> {
        if text == "EU" {
            Ok(MarketScope::Eu)
        } else if text.len() == 2 {
            Country::parse(text)
                .map(MarketScope::Country)
                .map_err(|e| e.to_string())
        } else {
            Subdivision::parse(text)
                .map(MarketScope::Subdivision)
                .map_err(|e| e.to_string())
        }
    }

    /// The market's country (or None for the EU aggregate).
    pub fn country(&self) -> Option<Country> {
        match self {
            MarketScope::Country(c) => Some(*c),
            MarketScope::Eu => None,
            MarketScope::Subdivision(s) => Some(s.country()),
        }
    }

    /// True when a sale to `country` / `subdivision` counts in this market.
    pub fn includes(&self, country: Country, subdivision: Option<Subdivision>) -> bool {
        match self {
            MarketScope::Country(c) => *c == country,
            MarketScope::Eu => country.is_eu_member(),
            MarketScope::Subdivision(s) => subdivision == Some(*s),
        }
    }
}

impl Serialize for MarketScope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for MarketScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MarketScope::Country(c) => f.write_str(c.code()),
            MarketScope::Eu => f.write_str("EU"),
            MarketScope::Subdivision(s) => f.write_str(s.code()),
        }
    }
}

/// How the threshold is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdTest {
    /// Sales amount above the amount.
    Amount,
    /// Amount or number of transactions reached.
    AmountOrTransactions,
    /// Amount and number of transactions reached.
    AmountAndTransactions,
    /// No threshold: obliged from the first sale.
    FirstSale,
    /// A scheme the seller may opt into; nothing to reach.
    Optional,
    /// No sales tax in that jurisdiction.
    NoSalesTax,
    /// Registration required when the seller holds stock in the market (no threshold).
    StockHeld,
}

/// The period sales are measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The 12 months ending on the day measured.
    #[serde(rename = "rolling_12_months")]
    Rolling12Months,
    /// The 4 calendar quarters before the current one.
    #[serde(rename = "rolling_4_quarters")]
    Rolling4Quarters,
    /// The previous calendar year or the current one so far, whichever reaches the threshold.
    PreviousOrCurrentCalendarYear,
    /// The previous calendar year.
    PreviousCalendarYear,
    /// The current calendar year so far.
    CurrentCalendarYear,
    /// The calendar year two years before (Japan's base period).
    CalendarYearTwoYearsPrior,
}

/// Whether marketplace-collected sales count toward the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketplaceSales {
    /// Counted.
    Counted,
    /// Excluded (the marketplace facilitator / deemed supplier collects and files).
    Excluded,
}

/// Which sellers a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SellerFilter {
    /// Every seller.
    Any,
    /// Sellers not established in the market.
    NonEstablished,
    /// Sellers established in an EU member state.
    EuEstablished,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    id: String,
    market: String,
    currency: String,
    test: ThresholdTest,
    period: Period,
    #[serde(default)]
    amount: Option<Decimal>,
    #[serde(default)]
    transactions: Option<u64>,
    #[serde(default)]
    global_turnover_above: Option<Decimal>,
    marketplace_sales: MarketplaceSales,
    seller: SellerFilter,
    #[serde(default)]
    scheme: Option<String>,
    #[serde(deserialize_with = "de_date")]
    effective_from: jiff::civil::Date,
    #[serde(default, deserialize_with = "de_opt_date")]
    effective_to: Option<jiff::civil::Date>,
    source: String,
    facts: String,
    uncertain: bool,
    #[serde(default)]
    note: Option<String>,
}

/// Filing frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Calendar months.
    Monthly,
    /// Calendar quarters.
    Quarterly,
    /// Calendar years.
    Annual,
}

/// One filing cadence and due-date rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilingRule {
    /// Id.
    pub id: String,
    /// Scheme it files (matches a threshold's `scheme`).
    pub scheme: String,
    /// Frequency.
    pub cadence: Cadence,
    /// Whole months after the period end.
    #[serde(default)]
    pub months_after: Option<u32>,
    /// Day of that month (0 = last day).
    #[serde(default)]
    pub day: Option<u8>,
    /// Days added after that.
    #[serde(default)]
    pub extra_days: Option<u32>,
    /// Days after the period end, instead of months.
    #[serde(default)]
    pub days_after: Option<u32>,
    /// Months after the period end for the October-December quarter.
    #[serde(default)]
    pub q4_months_after: Option<u32>,
    /// First day the rule applies (periods starting on or after).
    #[serde(deserialize_with = "de_date")]
    pub effective_from: jiff::civil::Date,
    /// Last day, inclusive.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub effective_to: Option<jiff::civil::Date>,
    /// Source.
    pub source: String,
    /// FACTS.md section.
    pub facts: String,
    /// Not confirmed.
    pub uncertain: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    format_version: u32,
    pack_id: String,
    pack_version: String,
    #[serde(default)]
    threshold: Vec<RawThreshold>,
    #[serde(default)]
    filing: Vec<FilingRule>,
}

/// One registration threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThresholdRule {
    /// Id, stable across versions.
    pub id: String,
    /// Market.
    pub market: MarketScope,
    /// Currency of the amount.
    pub currency: Currency,
    /// Test.
    pub test: ThresholdTest,
    /// Measurement period.
    pub period: Period,
    /// Amount.
    pub amount: Option<Decimal>,
    /// Transactions.
    pub transactions: Option<u64>,
    /// Extra condition: the seller's global turnover must exceed this (rule currency).
    pub global_turnover_above: Option<Decimal>,
    /// Marketplace sales counted or excluded.
    pub marketplace_sales: MarketplaceSales,
    /// Which sellers.
    pub seller: SellerFilter,
    /// Filing scheme once registered.
    pub scheme: Option<String>,
    /// Validity.
    pub effective: DateRange,
    /// Source.
    pub source: String,
    /// FACTS.md section.
    pub facts: String,
    /// Not confirmed.
    pub uncertain: bool,
    /// Note.
    pub note: Option<String>,
}

/// A validated threshold pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdPack {
    /// Id.
    pub pack_id: String,
    /// Edition.
    pub pack_version: String,
    /// Thresholds.
    pub thresholds: Vec<ThresholdRule>,
    /// Filing rules.
    pub filings: Vec<FilingRule>,
}

impl ThresholdPack {
    /// The pack shipped with tradelane (FACTS.md §5, §5a).
    pub fn builtin() -> Result<ThresholdPack, Vec<PackError>> {
        ThresholdPack::from_toml_str(BUILTIN)
    }

    /// Parses and validates; returns every problem found.
    pub fn from_toml_str(text: &str) -> Result<ThresholdPack, Vec<PackError>> {
        let raw: RawPack = toml::from_str(text).map_err(|e| {
            vec![PackError {
                location: "pack".into(),
                message: e.to_string(),
            }]
        })?;
        let mut errors = Vec::new();
        if raw.format_version != 1 {
            errors.push(PackError {
                location: "pack, field 'format_version'".into(),
                message: format!("{} is not supported: expected 1", raw.format_version),
            });
        }
        let mut ids = HashSet::new();
        let mut thresholds: Vec<ThresholdRule> = Vec::new();
        for (i, r) in raw.threshold.into_iter().enumerate() {
            let loc = |f: &str| format!("threshold #{} (id '{}'), field '{f}'", i + 1, r.id);
            let mut err = |f: &str, m: String| {
                errors.push(PackError {
                    location: loc(f),
                    message: m,
                })
            };
            if !ids.insert(r.id.clone()) {
                err("id", "is used twice: ids must be unique".into());
            }
            let market = MarketScope::parse(&r.market);
            let currency = Currency::parse(&r.currency);
            let needs_amount = matches!(
                r.test,
                ThresholdTest::Amount
                    | ThresholdTest::AmountOrTransactions
                    | ThresholdTest::AmountAndTransactions
            );
            if needs_amount && r.amount.is_none_or(|a| a <= Decimal::ZERO) {
                err(
                    "amount",
                    "is missing or not positive: this test needs an amount".into(),
                );
            }
            if matches!(
                r.test,
                ThresholdTest::AmountOrTransactions | ThresholdTest::AmountAndTransactions
            ) && r.transactions.is_none_or(|t| t == 0)
            {
                err(
                    "transactions",
                    "is missing: this test needs a number of transactions".into(),
                );
            }
            if r.effective_to.is_some_and(|to| to < r.effective_from) {
                err("effective_to", "is before effective_from".into());
            }
            let (market, currency) = match (market, currency) {
                (Ok(m), Ok(c)) => (m, c),
                (m, c) => {
                    if let Err(e) = m {
                        err("market", e);
                    }
                    if let Err(e) = c {
                        err("currency", e.to_string());
                    }
                    continue;
                }
            };
            let effective = DateRange {
                from: r.effective_from,
                to: r.effective_to,
            };
            if let Some(other) = thresholds.iter().find(|o| {
                o.market == market
                    && o.seller == r.seller
                    && o.effective.from <= effective.to.unwrap_or(jiff::civil::Date::MAX)
                    && effective.from <= o.effective.to.unwrap_or(jiff::civil::Date::MAX)
            }) {
                err(
                    "effective_from",
                    format!(
                        "dates {} overlap rule '{}' ({}) for the same market",
                        effective.label(),
                        other.id,
                        other.effective.label()
                    ),
                );
            }
            thresholds.push(ThresholdRule {
                id: r.id,
                market,
                currency,
                test: r.test,
                period: r.period,
                amount: r.amount,
                transactions: r.transactions,
                global_turnover_above: r.global_turnover_above,
                marketplace_sales: r.marketplace_sales,
                seller: r.seller,
                scheme: r.scheme,
                effective,
                source: r.source,
                facts: r.facts,
                uncertain: r.uncertain,
                note: r.note,
            });
        }
        for (i, f) in raw.filing.iter().enumerate() {
            let loc = format!("filing #{} (id '{}')", i + 1, f.id);
            if !ids.insert(f.id.clone()) {
                errors.push(PackError {
                    location: format!("{loc}, field 'id'"),
                    message: "is used twice".into(),
                });
            }
            if f.days_after.is_none() && f.months_after.is_none() {
                errors.push(PackError {
                    location: loc.clone(),
                    message: "needs months_after (with day) or days_after".into(),
                });
            }
            if f.day.is_some_and(|d| d > 31) {
                errors.push(PackError {
                    location: format!("{loc}, field 'day'"),
                    message: "must be 0 (last day) to 31".into(),
                });
            }
        }
        if errors.is_empty() {
            Ok(ThresholdPack {
                pack_id: raw.pack_id,
                pack_version: raw.pack_version,
                thresholds,
                filings: raw.filing,
            })
        } else {
            Err(errors)
        }
    }
}
