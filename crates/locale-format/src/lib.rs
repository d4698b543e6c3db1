//! Locale formatting of numbers, money amounts and dates for listings, with ICU4X 2.x
//! (the `icu` project's `icu_decimal`, `icu_datetime`, `icu_calendar` and `icu_locale_core`
//! components with their compiled CLDR data). Pure: no I/O, no clock.
//!
//! What ICU does and what is ours:
//! - **ICU (CLDR data):** the digits, the decimal separator, the grouping separator and the
//!   grouping sizes of every number (`1,234.5` en-US, `1.234,5` de-DE, `1 234,5` with U+202F
//!   NARROW NO-BREAK SPACE fr-FR; es-ES and it-IT group only from five digits: `1234,5`,
//!   `12.345,5`), and the whole of every date
//!   (order, month names, separators, era/script conventions) through `DateTimeFormatter` with
//!   the Gregorian calendar.
//! - **Table data here (not ICU):** for money, ICU4X 2.x has no stable currency formatter
//!   (it lives in `icu_experimental`, which this workspace does not use). So an amount is
//!   rounded half-up to the currency's ISO 4217 minor units (`tradelane-domain`'s table: JPY 0,
//!   EUR 2, BHD 3), that number is formatted by ICU's decimal formatter, and the currency is
//!   added from [`currency_symbol`] (a small table of symbols; other currencies show their ISO
//!   code) at the side [`symbol_after`] says (after the number with U+00A0 NO-BREAK SPACE for
//!   German, French, Spanish and Italian, before it otherwise). Those two tables are
//!   conventions we wrote down, not CLDR data.
//!
//! The locales tradelane writes listings in: en-US, en-GB, de-DE, fr-FR, es-ES, it-IT, ja-JP,
//! zh-Hant, zh-CN (and anything else ICU knows, with CLDR fallback for the rest).

use icu_calendar::{Date, Gregorian};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_decimal::DecimalFormatter;
use icu_decimal::input::Decimal as IcuDecimal;
use icu_locale_core::Locale;
use rust_decimal::{Decimal, RoundingStrategy};
use tradelane_domain::Currency;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("locale {0:?} is not a BCP 47 tag such as de-DE")]
    Locale(String),
    #[error("no formatting data for {0}")]
    Data(String),
    #[error("date {0} is out of range")]
    Date(String),
}

/// How long a date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateLength {
    /// `11/27/26`, `27.11.26`.
    Short,
    /// `Nov 27, 2026`, `27.11.2026`.
    #[default]
    Medium,
    /// `November 27, 2026`, `27. November 2026`.
    Long,
}

/// Formatters for one locale, built once and reused.
pub struct LocaleFormat {
    tag: String,
    language: String,
    decimal: DecimalFormatter,
    dates: [FixedCalendarDateTimeFormatter<Gregorian, YMD>; 3],
}

impl std::fmt::Debug for LocaleFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocaleFormat({})", self.tag)
    }
}

/// Parses a tag the way tradelane spells locales (`zh-Hant`, `de_DE`, `en`).
pub fn parse_locale(tag: &str) -> Result<Locale, FormatError> {
    Locale::try_from_str(&tag.trim().replace('_', "-"))
        .map_err(|_| FormatError::Locale(tag.to_string()))
}

impl LocaleFormat {
    pub fn new(tag: &str) -> Result<LocaleFormat, FormatError> {
        let locale = parse_locale(tag)?;
        let data = |e: &dyn std::fmt::Display| FormatError::Data(format!("{tag}: {e}"));
        let decimal = DecimalFormatter::try_new((&locale).into(), Default::default())
            .map_err(|e| data(&e))?;
        let date = |fs: YMD| {
            FixedCalendarDateTimeFormatter::<Gregorian, YMD>::try_new((&locale).into(), fs)
                .map_err(|e| data(&e))
        };
        Ok(LocaleFormat {
            tag: locale.to_string(),
            language: locale.id.language.as_str().to_string(),
            decimal,
            dates: [
                date(YMD::short())?,
                date(YMD::medium())?,
                date(YMD::long())?,
            ],
        })
    }

    /// The locale as ICU normalised it.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// A decimal number with the digits it has (`1234.50` keeps its trailing zero).
    pub fn number(&self, value: Decimal) -> String {
        // rust_decimal's plain string keeps the scale; ICU's decimal parses it exactly.
        match IcuDecimal::try_from_str(&value.to_string()) {
            Ok(d) => self.decimal.format(&d).to_string(),
            Err(_) => value.to_string(),
        }
    }

    /// A number rounded half-up to `places` decimal places, always showing them.
    pub fn number_fixed(&self, value: Decimal, places: u32) -> String {
        let mut v = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
        v.rescale(places);
        self.number(v)
    }

    /// A money amount: ICU's number at the currency's minor units plus the symbol or ISO code
    /// from our table (see the crate documentation for which part is which).
    pub fn money(&self, amount: Decimal, currency: Currency) -> String {
        let number = self.number_fixed(amount, currency.minor_units());
        let symbol = currency_symbol(currency.code(), &self.tag);
        if symbol_after(&self.language) {
            format!("{number}\u{a0}{symbol}")
        } else if symbol.chars().all(|c| c.is_ascii_alphabetic()) {
            // An ISO code before the number reads better with a space.
            format!("{symbol}\u{a0}{number}")
        } else {
            format!("{symbol}{number}")
        }
    }

    /// A calendar date (Gregorian).
    pub fn date(&self, date: jiff::civil::Date, length: DateLength) -> Result<String, FormatError> {
        let d = Date::try_new_gregorian(
            i32::from(date.year()),
            u8::try_from(date.month()).map_err(|_| FormatError::Date(date.to_string()))?,
            u8::try_from(date.day()).map_err(|_| FormatError::Date(date.to_string()))?,
        )
        .map_err(|_| FormatError::Date(date.to_string()))?;
        let f = match length {
            DateLength::Short => &self.dates[0],
            DateLength::Medium => &self.dates[1],
            DateLength::Long => &self.dates[2],
        };
        Ok(f.format(&d).to_string())
    }
}

/// Whether the currency goes after the number (table data, not CLDR): German, French,
/// Spanish, Italian, Dutch, Polish, Swedish write `12,50 €`; English, Japanese and Chinese
/// write `€12.50`, `¥1,235`, `NT$1,235`.
pub fn symbol_after(language: &str) -> bool {
    matches!(language, "de" | "fr" | "es" | "it" | "nl" | "pl" | "sv")
}

/// The currency sign used in listings (table data, not CLDR); the ISO code when the table has
/// none or the sign would be ambiguous in the market (`$` outside the US is written `US$`).
pub fn currency_symbol(code: &str, locale: &str) -> String {
    let us = locale == "en-US" || locale == "en";
    match code {
        "EUR" => "€".into(),
        "GBP" => "£".into(),
        "USD" if us => "$".into(),
        "USD" => "US$".into(),
        "JPY" if locale.starts_with("ja") => "￥".into(),
        "JPY" => "JP¥".into(),
        "CNY" if locale == "zh-CN" => "¥".into(),
        "CNY" => "CN¥".into(),
        "TWD" if locale.starts_with("zh") => "NT$".into(),
        "HKD" => "HK$".into(),
        other => other.to_string(),
    }
}

/// Formats with a fresh formatter (build a [`LocaleFormat`] to format many values).
pub fn format_number(locale: &str, value: Decimal) -> Result<String, FormatError> {
    Ok(LocaleFormat::new(locale)?.number(value))
}

pub fn format_money(
    locale: &str,
    amount: Decimal,
    currency: Currency,
) -> Result<String, FormatError> {
    Ok(LocaleFormat::new(locale)?.money(amount, currency))
}

pub fn format_date(
    locale: &str,
    date: jiff::civil::Date,
    length: DateLength,
) -> Result<String, FormatError> {
    LocaleFormat::new(locale)?.date(date, length)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn cur(c: &str) -> Currency {
        Currency::parse(c).unwrap()
    }

    /// Expected strings checked by hand against CLDR's conventions for each locale.
    #[test]
    fn numbers_per_locale() {
        let cases = [
            ("en-US", "1,234.5"),
            ("en-GB", "1,234.5"),
            ("de-DE", "1.234,5"),
            ("fr-FR", "1\u{202f}234,5"),
            ("es-ES", "1234,5"),
            ("it-IT", "1234,5"),
            ("ja-JP", "1,234.5"),
            ("zh-Hant", "1,234.5"),
            ("zh-CN", "1,234.5"),
        ];
        for (loc, want) in cases {
            assert_eq!(format_number(loc, d("1234.5")).unwrap(), want, "{loc}");
        }
        // Spanish and Italian group from five digits on (minimumGroupingDigits = 2 in the
        // CLDR data ICU4X 2.4 ships).
        assert_eq!(format_number("es-ES", d("12345.5")).unwrap(), "12.345,5");
        assert_eq!(format_number("it-IT", d("12345.5")).unwrap(), "12.345,5");
        assert_eq!(
            format_number("fr-FR", d("12345.5")).unwrap(),
            "12\u{202f}345,5"
        );
        assert_eq!(
            format_number("de-DE", d("-1234567.891")).unwrap(),
            "-1.234.567,891"
        );
        let de = LocaleFormat::new("de-DE").unwrap();
        assert_eq!(de.number_fixed(d("1234.5"), 2), "1.234,50");
        assert_eq!(de.number_fixed(d("0.125"), 2), "0,13", "half-up");
    }

    #[test]
    fn money_uses_minor_units_and_the_symbol_table() {
        let cases = [
            ("en-US", "1234.5", "USD", "$1,234.50"),
            ("en-GB", "1234.5", "GBP", "£1,234.50"),
            ("de-DE", "1234.5", "EUR", "1.234,50\u{a0}€"),
            ("fr-FR", "1234.5", "EUR", "1\u{202f}234,50\u{a0}€"),
            ("es-ES", "1234.5", "EUR", "1234,50\u{a0}€"),
            ("it-IT", "1234.5", "EUR", "1234,50\u{a0}€"),
            ("it-IT", "12345.5", "EUR", "12.345,50\u{a0}€"),
            ("ja-JP", "1234.5", "JPY", "￥1,235"),
            ("zh-Hant", "1234.5", "TWD", "NT$1,234.50"),
            ("zh-CN", "99.9", "CNY", "¥99.90"),
            ("de-DE", "12", "USD", "12,00\u{a0}US$"),
            ("en-US", "1.2345", "BHD", "BHD\u{a0}1.235"),
        ];
        for (loc, amount, c, want) in cases {
            assert_eq!(
                format_money(loc, d(amount), cur(c)).unwrap(),
                want,
                "{loc} {c}"
            );
        }
    }

    #[test]
    fn dates_per_locale() {
        let day = jiff::civil::date(2026, 11, 27);
        let cases = [
            ("en-US", "Nov 27, 2026"),
            ("en-GB", "27 Nov 2026"),
            ("de-DE", "27.11.2026"),
            ("fr-FR", "27 nov. 2026"),
            ("es-ES", "27 nov 2026"),
            ("it-IT", "27 nov 2026"),
            ("ja-JP", "2026/11/27"),
            ("zh-Hant", "2026年11月27日"),
            ("zh-CN", "2026年11月27日"),
        ];
        for (loc, want) in cases {
            assert_eq!(
                format_date(loc, day, DateLength::Medium).unwrap(),
                want,
                "{loc}"
            );
        }
        assert_eq!(
            format_date("de-DE", day, DateLength::Long).unwrap(),
            "27. November 2026"
        );
        assert_eq!(
            format_date("en-US", day, DateLength::Short).unwrap(),
            "11/27/26"
        );
    }

    #[test]
    fn bad_locale_is_an_error() {
        assert!(matches!(
            LocaleFormat::new("not a tag"),
            Err(FormatError::Locale(_))
        ));
    }
}
