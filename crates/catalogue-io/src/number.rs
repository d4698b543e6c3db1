//! Reading numbers typed in spreadsheets, with the file's decimal separator.
//!
//! Rule: the decimal separator is `.`, except in semicolon-delimited CSV, where it is `,`
//! (that is what Excel writes in locales with a decimal comma, which is exactly why it picks
//! the semicolon as delimiter there). [`crate::ImportOptions::decimal_separator`] overrides it.
//! The other character, and spaces, are accepted only as thousands separators in correct
//! groups of three (`1,234.5` / `1.234,5` / `1 234,5`). A number with a thousands separator
//! and no decimal part (`1,500` in a dot file) is read as thousands and flagged as ambiguous,
//! so the report can warn. Anything else is an error naming the expected form; nothing is
//! guessed. Exponents are refused (a product weight of `1E+03` is a spreadsheet accident).

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::delimiter::Delimiter;
use crate::sheet::SourceFormat;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalSeparator {
    Dot,
    Comma,
}

impl DecimalSeparator {
    /// The separator a sheet's numbers are written with, by the rule in the module docs.
    pub fn for_format(format: &SourceFormat) -> DecimalSeparator {
        match format {
            SourceFormat::Csv {
                delimiter: Delimiter::Semicolon,
                ..
            } => DecimalSeparator::Comma,
            _ => DecimalSeparator::Dot,
        }
    }

    fn char(self) -> char {
        match self {
            DecimalSeparator::Dot => '.',
            DecimalSeparator::Comma => ',',
        }
    }

    fn grouping(self) -> char {
        match self {
            DecimalSeparator::Dot => ',',
            DecimalSeparator::Comma => '.',
        }
    }

    /// What a number should look like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            DecimalSeparator::Dot => {
                "a number with '.' as decimal separator, such as 1.5 or 1,234.5"
            }
            DecimalSeparator::Comma => {
                "a number with ',' as decimal separator (this file is semicolon-delimited), \
                 such as 1,5 or 1.234,5"
            }
        }
    }
}

/// A number read from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedNumber {
    pub value: Decimal,
    /// Only a thousands separator and no decimals, e.g. `1,500`: could be misread by a person.
    pub ambiguous: bool,
}

/// Parses a number written with `separator` as decimal separator; `Err` carries what was expected.
pub fn parse_number(text: &str, separator: DecimalSeparator) -> Result<ParsedNumber, &'static str> {
    let folded = crate::mapping::fold_width(text);
    let trimmed = folded.trim();
    let (negative, body) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let expected = separator.expected();
    let (integer, fraction) = match body.split_once(separator.char()) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(fraction) = fraction
        && (fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(expected);
    }
    let (digits, grouped) = integer_digits(integer, separator.grouping()).ok_or(expected)?;
    if digits.is_empty() && fraction.is_none() {
        return Err(expected);
    }
    let mut plain = String::with_capacity(digits.len() + 8);
    if negative {
        plain.push('-');
    }
    plain.push_str(if digits.is_empty() { "0" } else { &digits });
    if let Some(fraction) = fraction {
        plain.push('.');
        plain.push_str(fraction);
    }
    let value =
        Decimal::from_str(&plain).map_err(|_| "a number of at most 28 significant digits")?;
    Ok(ParsedNumber {
        value,
        ambiguous: grouped && fraction.is_none(),
    })
}

/// The digits of an integer part, allowing thousands separators in groups of three.
/// Returns the digits and whether any separator was used.
fn integer_digits(integer: &str, grouping: char) -> Option<(String, bool)> {
    if integer.bytes().all(|b| b.is_ascii_digit()) {
        return Some((integer.to_owned(), false));
    }
    let is_space = |c: char| matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}');
    let groups: Vec<&str> = integer
        .split(|c: char| c == grouping || is_space(c))
        .collect();
    let (first, rest) = groups.split_first()?;
    let ok = (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| (groups.concat(), true))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    use super::*;

    fn dot(text: &str) -> Result<Decimal, &'static str> {
        parse_number(text, DecimalSeparator::Dot).map(|n| n.value)
    }

    fn comma(text: &str) -> Result<Decimal, &'static str> {
        parse_number(text, DecimalSeparator::Comma).map(|n| n.value)
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(dot("1.5"), Ok(dec!(1.5)));
        assert_eq!(dot(" 12 "), Ok(dec!(12)));
        assert_eq!(dot("-0.25"), Ok(dec!(-0.25)));
        assert_eq!(dot("+3"), Ok(dec!(3)));
        assert_eq!(dot(".5"), Ok(dec!(0.5)));
        assert_eq!(dot("１．５"), Ok(dec!(1.5)));
        assert_eq!(dot("0.30000000000000004"), Ok(dec!(0.30000000000000004)));
    }

    #[test]
    fn decimal_comma_in_semicolon_files() {
        assert_eq!(comma("1,5"), Ok(dec!(1.5)));
        assert_eq!(comma("1.234,5"), Ok(dec!(1234.5)));
        assert_eq!(comma("1 234,5"), Ok(dec!(1234.5)));
        assert_eq!(comma("12"), Ok(dec!(12)));
        assert!(
            comma("1.5").is_err(),
            "a dot cannot be a thousands separator before 1 digit"
        );
        assert!(dot("1,5").is_err());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(dot("1,234,567.89"), Ok(dec!(1234567.89)));
        assert_eq!(dot("1\u{00A0}234.5"), Ok(dec!(1234.5)));
        assert!(dot("12,34.5").is_err());
        assert!(dot("1234,567.5").is_err());
        let n = parse_number("1,500", DecimalSeparator::Dot).unwrap();
        assert_eq!(
            n,
            ParsedNumber {
                value: dec!(1500),
                ambiguous: true
            }
        );
        assert!(
            !parse_number("1,500.0", DecimalSeparator::Dot)
                .unwrap()
                .ambiguous
        );
    }

    #[test]
    fn junk_is_refused() {
        for bad in [
            "", " ", "-", "abc", "1.2.3", "1e3", "1E+03", "12kg", "1..5", "1.", "--1", "NaN",
        ] {
            assert!(dot(bad).is_err(), "{bad:?}");
        }
        assert!(dot("99999999999999999999999999999999").is_err());
    }

    #[test]
    fn separator_follows_the_delimiter() {
        let semicolon = SourceFormat::Csv {
            encoding: crate::DetectedEncoding::Utf8,
            delimiter: Delimiter::Semicolon,
            delimiter_found: true,
        };
        assert_eq!(
            DecimalSeparator::for_format(&semicolon),
            DecimalSeparator::Comma
        );
        assert_eq!(
            DecimalSeparator::for_format(&SourceFormat::Xlsx { sheet: "S".into() }),
            DecimalSeparator::Dot
        );
    }

    proptest! {
        #[test]
        fn displayed_decimals_read_back(mantissa in any::<i64>(), scale in 0u32..10) {
            let value = Decimal::new(mantissa, scale);
            prop_assert_eq!(dot(&value.to_string()), Ok(value));
            let with_comma = value.to_string().replace('.', ",");
            prop_assert_eq!(comma(&with_comma), Ok(value));
        }
    }
}
