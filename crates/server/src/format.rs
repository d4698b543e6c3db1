//! Locale-aware display of numbers, money and dates for the UI.
//! Both UI locales group thousands with "," and use "." as decimal separator (CLDR for en and
//! zh-Hans); they differ in date patterns. Kept behind this one module so a CLDR library
//! (icu) can replace it without touching templates.

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use tradelane_domain::UiLang;

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Groups the integer digits of an already-rounded decimal string ("-1234.5" -> "-1,234.5").
fn group_thousands(plain: &str) -> String {
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits: Vec<char> = int_part.chars().collect();
    let mut grouped = String::with_capacity(plain.len() + digits.len() / 3);
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(*c);
    }
    let mut out = format!("{sign}{grouped}");
    if let Some(f) = frac_part {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A decimal with exactly `scale` fraction digits (banker's rounding is not wanted for display:
/// half away from zero, as people round).
pub fn number(value: Decimal, scale: u32, _lang: UiLang) -> String {
    let rounded =
        value.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let mut text = rounded.to_string();
    // `to_string` drops trailing zeros only when the scale is smaller; pad to the wanted scale.
    let have = text.split_once('.').map_or(0, |(_, f)| f.len()) as u32;
    if have < scale {
        if have == 0 {
            text.push('.');
        }
        for _ in have..scale {
            text.push('0');
        }
    }
    group_thousands(&text)
}

/// A decimal shown with as many fraction digits as it has (weights, dimensions).
pub fn quantity(value: Decimal, lang: UiLang) -> String {
    let normal = value.normalize();
    number(normal, normal.scale(), lang)
}

/// Amount with the currency's minor unit count and the ISO code ("1,234.50 USD").
pub fn money(amount: Decimal, currency_code: &str, minor_units: u32, lang: UiLang) -> String {
    format!("{} {currency_code}", number(amount, minor_units, lang))
}

pub fn date(d: Date, lang: UiLang) -> String {
    match lang {
        UiLang::En => {
            let month = MONTHS_EN[(d.month() as usize).saturating_sub(1) % 12];
            format!("{month} {}, {}", d.day(), d.year())
        }
        UiLang::ZhCn => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
    }
}

/// Date and time of day in UTC (the server does not know the viewer's zone).
pub fn timestamp(ts: Timestamp, lang: UiLang) -> String {
    let utc = ts.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let day = date(utc.date(), lang);
    format!("{day} {:02}:{:02} UTC", utc.hour(), utc.minute())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn numbers_group_and_pad() {
        assert_eq!(number(d("1234.5"), 2, UiLang::En), "1,234.50");
        assert_eq!(number(d("1234.5"), 2, UiLang::ZhCn), "1,234.50");
        assert_eq!(number(d("0"), 2, UiLang::En), "0.00");
        assert_eq!(number(d("999"), 0, UiLang::En), "999");
        assert_eq!(number(d("1000"), 0, UiLang::En), "1,000");
        assert_eq!(number(d("-1234567.891"), 2, UiLang::En), "-1,234,567.89");
        assert_eq!(number(d("0.005"), 2, UiLang::En), "0.01");
        assert_eq!(number(d("12.3456"), 3, UiLang::En), "12.346");
    }

    #[test]
    fn quantities_keep_their_digits() {
        assert_eq!(quantity(d("0.250"), UiLang::En), "0.25");
        assert_eq!(quantity(d("1500"), UiLang::En), "1,500");
    }

    #[test]
    fn money_uses_minor_units() {
        assert_eq!(money(d("1234.5"), "USD", 2, UiLang::En), "1,234.50 USD");
        assert_eq!(money(d("1234.5"), "JPY", 0, UiLang::ZhCn), "1,235 JPY");
    }

    #[test]
    fn dates_per_locale() {
        let day = jiff::civil::date(2026, 11, 26);
        assert_eq!(date(day, UiLang::En), "Nov 26, 2026");
        assert_eq!(date(day, UiLang::ZhCn), "2026年11月26日");
        let jan = jiff::civil::date(2027, 1, 5);
        assert_eq!(date(jan, UiLang::En), "Jan 5, 2027");
    }

    #[test]
    fn timestamps_in_utc() {
        let ts: Timestamp = "2026-11-26T21:05:09Z".parse().unwrap();
        assert_eq!(timestamp(ts, UiLang::En), "Nov 26, 2026 21:05 UTC");
        assert_eq!(timestamp(ts, UiLang::ZhCn), "2026年11月26日 21:05 UTC");
    }

    proptest::proptest! {
        #[test]
        fn grouping_never_changes_the_value(units in -10_000_000_000i64..10_000_000_000i64) {
            let value = Decimal::new(units, 2);
            let shown = number(value, 2, UiLang::En);
            let back = Decimal::from_str(&shown.replace(',', "")).unwrap();
            proptest::prop_assert_eq!(back, value);
        }
    }
}
