//! Dated exchange rates with their source, and the ECB euro reference rate CSV (eurofxref-hist layout).
//!
//! Rounding: a rate is stored exactly as published and cross rates through the base currency are exact
//! Decimal quotients (28 significant digits), never rounded. A converted amount is rounded once, half-up,
//! to the target currency's minor unit, where the engine reports it.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use thiserror::Error;
use tradelane_domain::Currency;

/// Why an FX table could not be read or a rate could not be found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FxError {
    /// The CSV has no usable header.
    #[error("FX file: {0}")]
    BadHeader(String),
    /// A cell could not be read.
    #[error("FX file line {line}, column '{column}': '{value}' {expected}")]
    BadCell {
        /// 1-based line number in the file.
        line: usize,
        /// Column header.
        column: String,
        /// Cell text.
        value: String,
        /// What was expected.
        expected: String,
    },
    /// No rate for a currency on or before a date.
    #[error(
        "no {currency} exchange rate in '{source_name}' on or before {date}{}",
        latest.map(|d| format!(" (the latest earlier rate, {d}, is older than {max_age_days} days)")).unwrap_or_default()
    )]
    MissingRate {
        /// Currency without a rate.
        currency: Currency,
        /// Date asked for.
        date: Date,
        /// Source of the table.
        source_name: String,
        /// The latest rate found that was too old, if any.
        latest: Option<Date>,
        /// Allowed age.
        max_age_days: i32,
    },
}

/// One rate used in a conversion, as recorded on a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FxRate {
    /// Currency converted from.
    pub from: Currency,
    /// Currency converted to.
    pub to: Currency,
    /// Units of `to` per one unit of `from` (exact, unrounded).
    pub rate: Decimal,
    /// Date the conversion was asked for.
    pub requested_date: Date,
    /// Publication date of the rate actually used (the last one on or before `requested_date`); for a cross
    /// rate, the older of the two legs' dates.
    pub rate_date: Date,
    /// Source of the rates, e.g. "ECB euro foreign exchange reference rates".
    pub source: Arc<str>,
}

/// Rates of many currencies against one base currency, by publication date.
#[derive(Debug, Clone)]
pub struct FxTable {
    base: Currency,
    source: Arc<str>,
    max_age_days: i32,
    /// Monthly tables hold one rate per month, dated the 1st, valid for that month only.
    monthly: bool,
    series: HashMap<Currency, Vec<(Date, Decimal)>>,
}

impl FxTable {
    /// An empty table of rates quoted as units of currency per one `base`.
    pub fn new(base: Currency, source: impl Into<String>) -> Self {
        FxTable {
            base,
            source: Arc::from(source.into()),
            max_age_days: 10,
            monthly: false,
            series: HashMap::new(),
        }
    }

    /// How old the last publication may be before a lookup fails (default 10 days: covers weekends and
    /// the longest TARGET holiday gaps, but not a currency that stopped being published).
    pub fn with_max_age_days(mut self, days: i32) -> Self {
        self.max_age_days = days.max(0);
        self
    }

    /// The base currency.
    pub fn base(&self) -> Currency {
        self.base
    }

    /// The source name recorded on every rate.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Adds or replaces the rate of `currency` (units per one base) published on `date`.
    pub fn insert(&mut self, date: Date, currency: Currency, units_per_base: Decimal) {
        if currency == self.base {
            return;
        }
        let series = self.series.entry(currency).or_default();
        match series.binary_search_by(|(d, _)| d.cmp(&date)) {
            Ok(i) => series[i].1 = units_per_base,
            Err(i) => series.insert(i, (date, units_per_base)),
        }
    }

    /// Currencies with at least one rate.
    pub fn currencies(&self) -> impl Iterator<Item = Currency> + '_ {
        self.series.keys().copied()
    }

    /// Number of (date, currency) rates held.
    pub fn len(&self) -> usize {
        self.series.values().map(Vec::len).sum()
    }

    /// True when no rate is held.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    fn leg(&self, currency: Currency, date: Date) -> Result<(Decimal, Date), FxError> {
        if currency == self.base {
            return Ok((Decimal::ONE, date));
        }
        let missing = |latest| FxError::MissingRate {
            currency,
            date,
            source_name: self.source.to_string(),
            latest,
            max_age_days: self.max_age_days,
        };
        let series = self.series.get(&currency).ok_or_else(|| missing(None))?;
        let idx = series.partition_point(|(d, _)| *d <= date);
        if idx == 0 {
            return Err(missing(None));
        }
        let (published, rate) = series[idx - 1];
        let too_old = if self.monthly {
            published != date.first_of_month()
        } else {
            (date - published).get_days() > self.max_age_days
        };
        if too_old {
            return Err(missing(Some(published)));
        }
        Ok((rate, published))
    }

    /// The rate from `from` to `to` valid on `date`: the last publication on or before it, crossed through
    /// the base currency when neither side is the base.
    pub fn rate(&self, from: Currency, to: Currency, date: Date) -> Result<FxRate, FxError> {
        let record = |rate, rate_date| FxRate {
            from,
            to,
            rate,
            requested_date: date,
            rate_date,
            source: Arc::clone(&self.source),
        };
        if from == to {
            return Ok(record(Decimal::ONE, date));
        }
        let (from_rate, from_date) = self.leg(from, date)?;
        let (to_rate, to_date) = self.leg(to, date)?;
        // units of `to` per `from` = (to per base) / (from per base)
        // A zero or negative stored rate cannot convert anything: report it as missing rather than dividing.
        if from_rate <= Decimal::ZERO || to_rate <= Decimal::ZERO {
            let bad = if from_rate <= Decimal::ZERO { from } else { to };
            return Err(FxError::MissingRate {
                currency: bad,
                date,
                source_name: self.source.to_string(),
                latest: None,
                max_age_days: self.max_age_days,
            });
        }
        let rate = to_rate
            .checked_div(from_rate)
            .ok_or_else(|| FxError::MissingRate {
                currency: from,
                date,
                source_name: self.source.to_string(),
                latest: None,
                max_age_days: self.max_age_days,
            })?;
        Ok(record(rate, from_date.min(to_date)))
    }

    /// The EU customs exchange rates derived from daily ECB rates (UCC-IA Art. 146, FACTS.md §8): for each month,
    /// the rate published on the penultimate Wednesday of the previous month (or the last publication before
    /// it) applies for the whole month. The result holds one rate per currency dated the 1st of each month, from
    /// the month after the first rate to the month after the last; lookups accept rates up to 31 days old.
    /// Keep it apart from the daily table: the two must not be mixed.
    pub fn eu_customs_monthly(&self) -> FxTable {
        let mut out = FxTable::new(
            self.base,
            "EU customs exchange rate (UCC-IA Art. 146): ECB rate of the penultimate Wednesday of the previous month",
        );
        out.max_age_days = 31;
        out.monthly = true;
        let dates = self.series.values().flat_map(|s| s.iter().map(|(d, _)| *d));
        let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) else {
            return out;
        };
        let mut month = first.first_of_month();
        while month <= last.first_of_month() {
            let Ok(next) = month.checked_add(jiff::Span::new().months(1)) else {
                break;
            };
            let fixing = penultimate_wednesday(month);
            for (currency, series) in &self.series {
                let idx = series.partition_point(|(d, _)| *d <= fixing);
                if idx > 0 {
                    let (published, rate) = series[idx - 1];
                    if (fixing - published).get_days() <= self.max_age_days {
                        out.insert(next, *currency, rate);
                    }
                }
            }
            month = next;
        }
        out
    }

    /// Reads the ECB `eurofxref-hist.csv` layout: a `Date` column then one column per currency (units per
    /// EUR), `N/A` for no rate, and a trailing empty column. Columns are taken by header name, not position;
    /// headers that are not ISO currencies with minor units (discontinued codes) are skipped.
    pub fn from_ecb_csv(text: &str) -> Result<FxTable, FxError> {
        let mut table = FxTable::new(Currency::EUR, "ECB euro foreign exchange reference rates");
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate();
        let (_, header) = lines
            .next()
            .ok_or_else(|| FxError::BadHeader("the file is empty".into()))?;
        let headers: Vec<&str> = header.split(',').map(str::trim).collect();
        if !headers
            .first()
            .is_some_and(|h| h.eq_ignore_ascii_case("date"))
        {
            return Err(FxError::BadHeader(format!(
                "first column is '{}', expected 'Date' (ECB eurofxref-hist layout)",
                headers.first().unwrap_or(&"")
            )));
        }
        let columns: Vec<Option<Currency>> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                if i == 0 || h.is_empty() {
                    None
                } else {
                    Currency::parse(h).ok()
                }
            })
            .collect();
        if columns.iter().all(Option::is_none) {
            return Err(FxError::BadHeader("no currency columns found".into()));
        }
        for (idx, line) in lines {
            let line_no = idx + 1;
            if line.trim().is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let date = Date::from_str(cells[0]).map_err(|_| FxError::BadCell {
                line: line_no,
                column: "Date".into(),
                value: cells[0].into(),
                expected: "is not a date: expected YYYY-MM-DD".into(),
            })?;
            for (col, cell) in cells.iter().enumerate().skip(1) {
                let Some(Some(currency)) = columns.get(col) else {
                    continue;
                };
                if cell.is_empty() || cell.eq_ignore_ascii_case("N/A") {
                    continue;
                }
                let rate = Decimal::from_str(cell)
                    .ok()
                    .filter(|r| *r > Decimal::ZERO)
                    .ok_or_else(|| FxError::BadCell {
                        line: line_no,
                        column: headers[col].to_string(),
                        value: cell.to_string(),
                        expected: "is not a positive rate or N/A".into(),
                    })?;
                table.insert(date, *currency, rate);
            }
        }
        Ok(table)
    }
}

/// The penultimate Wednesday of the month that `first_of_month` starts.
fn penultimate_wednesday(first_of_month: Date) -> Date {
    let last = first_of_month.last_of_month();
    let back = (i32::from(last.weekday().to_monday_zero_offset()) - 2).rem_euclid(7);
    let last_wednesday = last - jiff::Span::new().days(back);
    last_wednesday - jiff::Span::new().days(7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use rust_decimal_macros::dec;

    // Written in the published layout: newest first, N/A for a discontinued currency, trailing comma.
    const ECB: &str = "Date,USD,JPY,BGN,CYP,GBP,CNY,\n\
2026-06-05,1.1500,165.20,N/A,N/A,0.8500,8.2000,\n\
2026-06-04,1.1400,164.00,N/A,N/A,0.8400,8.1000,\n\
2026-06-01,1.1000,160.00,N/A,N/A,0.8000,8.0000,\n";

    #[test]
    fn reads_the_ecb_layout_and_skips_na() {
        let fx = FxTable::from_ecb_csv(ECB).unwrap();
        assert_eq!(fx.len(), 12);
        let r = fx
            .rate(Currency::EUR, Currency::USD, date(2026, 6, 4))
            .unwrap();
        assert_eq!(r.rate, dec!(1.14));
        assert_eq!(r.rate_date, date(2026, 6, 4));
        assert!(
            fx.rate(
                Currency::EUR,
                Currency::parse("BGN").unwrap(),
                date(2026, 6, 4)
            )
            .is_err()
        );
    }

    #[test]
    fn weekend_uses_last_published_day_and_records_it() {
        let fx = FxTable::from_ecb_csv(ECB).unwrap();
        // 2026-06-06 is a Saturday, 06-07 a Sunday: Friday's rate applies.
        let r = fx
            .rate(Currency::USD, Currency::EUR, date(2026, 6, 7))
            .unwrap();
        assert_eq!(r.rate_date, date(2026, 6, 5));
        assert_eq!(r.requested_date, date(2026, 6, 7));
        assert_eq!(r.rate, Decimal::ONE / dec!(1.15));
        // 06-02 and 06-03 are missing in the file: the 06-01 rate is used.
        assert_eq!(
            fx.rate(Currency::EUR, Currency::GBP, date(2026, 6, 3))
                .unwrap()
                .rate_date,
            date(2026, 6, 1)
        );
    }

    #[test]
    fn cross_rates_go_through_the_euro() {
        let fx = FxTable::from_ecb_csv(ECB).unwrap();
        let r = fx
            .rate(Currency::CNY, Currency::USD, date(2026, 6, 1))
            .unwrap();
        // 1 CNY = 1.1000 / 8.0000 USD = 0.1375 USD
        assert_eq!(r.rate, dec!(0.1375));
    }

    #[test]
    fn missing_and_stale_rates_are_errors() {
        let fx = FxTable::from_ecb_csv(ECB).unwrap();
        let before = fx
            .rate(Currency::EUR, Currency::USD, date(2026, 5, 31))
            .unwrap_err();
        assert!(
            before.to_string().contains("no USD exchange rate"),
            "{before}"
        );
        let stale = fx
            .rate(Currency::EUR, Currency::USD, date(2026, 7, 1))
            .unwrap_err();
        assert!(stale.to_string().contains("older than 10 days"), "{stale}");
        assert!(
            fx.rate(Currency::EUR, Currency::AUD, date(2026, 6, 1))
                .is_err()
        );
    }

    #[test]
    fn eu_customs_rate_is_the_penultimate_wednesday_of_the_previous_month() {
        // May 2026: Wednesdays 6, 13, 20, 27 -> penultimate 2026-05-20. Its rate applies for all of June.
        let mut daily = FxTable::new(Currency::EUR, "ECB");
        daily.insert(date(2026, 5, 19), Currency::USD, dec!(1.10));
        daily.insert(date(2026, 5, 20), Currency::USD, dec!(1.12));
        daily.insert(date(2026, 5, 27), Currency::USD, dec!(1.15));
        daily.insert(date(2026, 6, 30), Currency::USD, dec!(1.30));
        let monthly = daily.eu_customs_monthly();
        assert_eq!(penultimate_wednesday(date(2026, 5, 1)), date(2026, 5, 20));
        assert_eq!(penultimate_wednesday(date(2026, 6, 1)), date(2026, 6, 17));
        let r = monthly
            .rate(Currency::EUR, Currency::USD, date(2026, 6, 30))
            .unwrap();
        assert_eq!((r.rate, r.rate_date), (dec!(1.12), date(2026, 6, 1)));
        // July uses the June fixing (2026-06-17): the last publication before it is 2026-05-27, 21 days old, so
        // July has no customs rate and the lookup fails instead of reusing June's rate.
        assert!(
            monthly
                .rate(Currency::EUR, Currency::USD, date(2026, 7, 2))
                .is_err()
        );
        assert!(monthly.source().starts_with("EU customs exchange rate"));
    }

    #[test]
    fn a_zero_rate_is_refused_not_divided() {
        let mut fx = FxTable::new(Currency::EUR, "manual");
        fx.insert(date(2026, 6, 1), Currency::USD, Decimal::ZERO);
        fx.insert(date(2026, 6, 1), Currency::GBP, dec!(0.85));
        assert!(
            fx.rate(Currency::USD, Currency::GBP, date(2026, 6, 1))
                .is_err()
        );
        assert!(
            fx.rate(Currency::GBP, Currency::USD, date(2026, 6, 1))
                .is_err()
        );
    }

    #[test]
    fn bad_files_name_line_and_column() {
        assert!(matches!(
            FxTable::from_ecb_csv(""),
            Err(FxError::BadHeader(_))
        ));
        assert!(matches!(
            FxTable::from_ecb_csv("Day,USD\n"),
            Err(FxError::BadHeader(_))
        ));
        let err = FxTable::from_ecb_csv("Date,USD,\n2026-06-01,abc,\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "FX file line 2, column 'USD': 'abc' is not a positive rate or N/A"
        );
    }
}
