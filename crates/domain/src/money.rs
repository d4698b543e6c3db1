//! Currencies (ISO 4217) and exact decimal money with explicit rounding.

use crate::error::DomainError;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// An ISO 4217 currency that has minor units (precious metals, units of account and test codes are refused).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

macro_rules! currency_consts {
    ($($code:ident),* $(,)?) => {
        impl Currency {
            $(
                #[doc = concat!("The ISO 4217 currency ", stringify!($code), ".")]
                pub const $code: Currency = Currency(iso_currency::Currency::$code);
            )*
        }
    };
}

// The currencies tradelane's markets and suppliers use most; any other ISO code is reachable through `parse`.
currency_consts!(
    AED, AUD, BRL, CAD, CHF, CLP, CNY, CZK, DKK, EUR, GBP, HKD, HUF, IDR, ILS, INR, JPY, KRW, KWD,
    MXN, MYR, NOK, NZD, PHP, PLN, RON, SAR, SEK, SGD, THB, TRY, TWD, USD, VND, ZAR,
);

impl Currency {
    /// Parses an ISO 4217 alphabetic code, ignoring surrounding whitespace and letter case.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let code = text.trim();
        let unknown = || DomainError::UnknownCurrency(crate::text::excerpt(code));
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(unknown());
        }
        let upper = code.to_ascii_uppercase();
        match iso_currency::Currency::from_code(&upper) {
            // Codes without an exponent (XAU, XDR, XTS ...) are not money a seller invoices in.
            Some(c) if c.exponent().is_some() => Ok(Currency(c)),
            _ => Err(unknown()),
        }
    }

    /// The three-letter ISO 4217 code, e.g. "EUR".
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// Number of decimal places of the minor unit (JPY 0, EUR 2, KWD 3).
    pub fn minor_units(&self) -> u32 {
        // Every accepted currency has an exponent (checked in `parse`); 2 is the ISO default.
        self.0.exponent().map_or(2, u32::from)
    }

    /// The English name of the currency, e.g. "Euro".
    pub fn name(&self) -> &str {
        self.0.name()
    }
}

/// A short explanation for an unknown currency code, used in error messages.
pub(crate) fn currency_hint(text: &str) -> String {
    let hint = match text.trim().to_ascii_uppercase().as_str() {
        "RMB" | "人民币" | "元" => "the ISO 4217 code of the Chinese yuan is CNY",
        "€" | "EURO" | "EUROS" => "the ISO 4217 code of the euro is EUR",
        "£" | "UKP" | "STG" => "the ISO 4217 code of the pound sterling is GBP",
        "$" | "US$" | "USD$" => "use the ISO 4217 code, such as USD, CAD or AUD",
        "¥" | "￥" => "use CNY for the Chinese yuan or JPY for the Japanese yen",
        "NTD" | "NT$" => "the ISO 4217 code of the New Taiwan dollar is TWD",
        _ => "expected an ISO 4217 code such as EUR, USD, CNY",
    };
    hint.to_string()
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    /// Alphabetical by code, so sorted lists read naturally.
    fn cmp(&self, other: &Self) -> Ordering {
        self.code().cmp(other.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Currency::parse(&text).map_err(de::Error::custom)
    }
}

/// How to round a decimal to fewer places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Nearest; ties away from zero (2.345 -> 2.35, -2.345 -> -2.35): commercial rounding.
    HalfUp,
    /// Nearest; ties to the even digit (2.345 -> 2.34, 2.355 -> 2.36): banker's rounding.
    HalfEven,
    /// Toward zero, i.e. truncation (2.349 -> 2.34, -2.349 -> -2.34).
    Down,
    /// Away from zero (2.341 -> 2.35, -2.341 -> -2.35).
    Up,
    /// Toward negative infinity (2.349 -> 2.34, -2.341 -> -2.35).
    Floor,
    /// Toward positive infinity (2.341 -> 2.35, -2.349 -> -2.34).
    Ceiling,
}

impl RoundingMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
            RoundingMode::Floor => RoundingStrategy::ToNegativeInfinity,
            RoundingMode::Ceiling => RoundingStrategy::ToPositiveInfinity,
        }
    }

    /// Rounds `value` to `dp` decimal places with this mode.
    pub fn round(self, value: Decimal, dp: u32) -> Decimal {
        value.round_dp_with_strategy(dp, self.strategy())
    }
}

/// An exact amount in one currency; arithmetic never rounds unless asked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount in a currency, kept exactly as given (no rounding).
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Zero in `currency`, shown with the currency's minor-unit places.
    pub fn zero(currency: Currency) -> Self {
        Money::from_minor_units(0, currency)
    }

    /// An amount given in minor units, e.g. 1234 EUR cents -> 12.34 EUR, 1234 JPY -> 1234 JPY.
    pub fn from_minor_units(minor: i64, currency: Currency) -> Self {
        Money {
            amount: Decimal::new(minor, currency.minor_units()),
            currency,
        }
    }

    /// The exact amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency of the amount.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    fn same_currency(&self, other: &Money) -> Result<(), DomainError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(DomainError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// Sum of two amounts in the same currency.
    pub fn checked_add(&self, other: &Money) -> Result<Money, DomainError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(DomainError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Difference of two amounts in the same currency.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, DomainError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(DomainError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Exact product with a factor (quantity, rate); panics only beyond about 7.9e28, use `checked_mul` for untrusted factors.
    pub fn mul(&self, factor: Decimal) -> Money {
        Money::new(self.amount * factor, self.currency)
    }

    /// Exact product with a factor, or `Overflow`.
    pub fn checked_mul(&self, factor: Decimal) -> Result<Money, DomainError> {
        let amount = self
            .amount
            .checked_mul(factor)
            .ok_or(DomainError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Rounds to the currency's minor units (EUR 2 places, JPY 0, KWD 3).
    pub fn round(&self, mode: RoundingMode) -> Money {
        self.round_dp(self.currency.minor_units(), mode)
    }

    /// Rounds to `dp` decimal places, e.g. 4 for unit prices.
    pub fn round_dp(&self, dp: u32, mode: RoundingMode) -> Money {
        Money::new(mode.round(self.amount, dp), self.currency)
    }

    /// The amount in minor units after rounding with `mode` (12.345 EUR HalfUp -> 1235).
    pub fn to_minor_units(&self, mode: RoundingMode) -> Result<i64, DomainError> {
        let minor = self.currency.minor_units();
        let rounded = mode.round(self.amount, minor);
        let factor = Decimal::from(10_i64.pow(minor));
        let scaled = rounded.checked_mul(factor).ok_or(DomainError::Overflow)?;
        i64::try_from(scaled.trunc()).map_err(|_| DomainError::Overflow)
    }

    /// Compares two amounts in the same currency (2.50 EUR == 2.5 EUR).
    pub fn checked_cmp(&self, other: &Money) -> Result<Ordering, DomainError> {
        self.same_currency(other)?;
        Ok(self.amount.cmp(&other.amount))
    }

    /// The amount without its sign.
    pub fn abs(&self) -> Money {
        Money::new(self.amount.abs(), self.currency)
    }

    /// True when the amount is below zero (refunds, credits).
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// True when the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// The same amount with the sign flipped.
    pub fn negate(&self) -> Money {
        Money::new(-self.amount, self.currency)
    }

    /// Converts with `rate` (units of `to` per one unit of this currency), unrounded; panics only beyond about 7.9e28.
    pub fn convert(&self, rate: Decimal, to: Currency) -> Money {
        Money::new(self.amount * rate, to)
    }

    /// Converts with `rate` (units of `to` per one unit of this currency), or `Overflow`.
    pub fn checked_convert(&self, rate: Decimal, to: Currency) -> Result<Money, DomainError> {
        let amount = self.amount.checked_mul(rate).ok_or(DomainError::Overflow)?;
        Ok(Money::new(amount, to))
    }

    /// Sum of amounts that must all be in `currency`; an empty list sums to zero.
    pub fn sum<I>(items: I, currency: Currency) -> Result<Money, DomainError>
    where
        I: IntoIterator,
        I::Item: Borrow<Money>,
    {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |total, item| {
                total.checked_add(item.borrow())
            })
    }
}

impl fmt::Display for Money {
    /// "12.34 EUR": at least the currency's minor-unit places, more when the amount is unrounded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let amount = if self.amount.is_zero() {
            Decimal::ZERO
        } else {
            self.amount
        };
        let text = amount.to_string();
        let minor = self.currency.minor_units() as usize;
        let shown = match text.split_once('.') {
            Some((_, fraction)) => fraction.len(),
            None => 0,
        };
        f.write_str(&text)?;
        if shown < minor {
            if shown == 0 {
                f.write_str(".")?;
            }
            for _ in shown..minor {
                f.write_str("0")?;
            }
        }
        write!(f, " {}", self.currency)
    }
}

impl FromStr for Money {
    type Err = DomainError;
    /// Parses "12.34 EUR" or "EUR 12.34".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || DomainError::Invalid {
            field: "money",
            value: crate::text::excerpt(s),
            expected: "an amount and an ISO 4217 currency code, such as \"12.34 EUR\"".to_string(),
        };
        let mut parts = s.split_whitespace();
        let (first, second) = match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), None) => (a, b),
            _ => return Err(invalid()),
        };
        let (amount, code) = if first.bytes().all(|b| b.is_ascii_alphabetic()) {
            (second, first)
        } else {
            (first, second)
        };
        let currency = Currency::parse(code)?;
        let amount = parse_decimal(amount).ok_or_else(invalid)?;
        Ok(Money::new(amount, currency))
    }
}

/// Parses a plain decimal ("-12.5", "1e3" refused) without losing digits.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let plain = !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().filter(|&b| b == b'.').count() <= 1
        && body.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

#[derive(Serialize)]
struct MoneyRepr<'a> {
    amount: &'a Decimal,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MoneyRepr {
            amount: &self.amount,
            currency: self.currency,
        }
        .serialize(serializer)
    }
}

/// A decimal read from a string or an integer; floats are refused because they are not exact.
pub(crate) struct ExactDecimal(pub(crate) Decimal);

impl<'de> Deserialize<'de> for ExactDecimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ExactDecimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount written as a string, such as \"12.34\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ExactDecimal, E> {
                parse_decimal(v).map(ExactDecimal).ok_or_else(|| {
                    E::custom(format!(
                        "invalid amount '{v}': expected a decimal number such as \"12.34\""
                    ))
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ExactDecimal, E> {
                Ok(ExactDecimal(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ExactDecimal, E> {
                Ok(ExactDecimal(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ExactDecimal, E> {
                Err(E::custom(format!(
                    "amount {v} is a floating-point number: write it as a string, such as \"12.34\", to keep it exact"
                )))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Repr {
            amount: ExactDecimal,
            currency: Currency,
        }
        let repr = Repr::deserialize(deserializer)?;
        Ok(Money::new(repr.amount.0, repr.currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn eur(amount: Decimal) -> Money {
        Money::new(amount, Currency::EUR)
    }

    #[test]
    fn currency_parse_accepts_codes_in_any_case_and_padding() {
        assert_eq!(Currency::parse("EUR").unwrap(), Currency::EUR);
        assert_eq!(Currency::parse(" usd ").unwrap(), Currency::USD);
        assert_eq!(Currency::parse("cNy").unwrap().code(), "CNY");
        assert_eq!("GBP".parse::<Currency>().unwrap(), Currency::GBP);
        assert_eq!(Currency::parse("bhd").unwrap().minor_units(), 3);
    }

    #[test]
    fn currency_parse_rejects_unknown_and_hostile_text() {
        for bad in [
            "", "EURO", "EU", "E1R", "XAU", "XDR", "XXX", "XTS", "€", "E€R", "usd\0", "<script>",
            "'; --",
        ] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let long = "A".repeat(10_000);
        let err = Currency::parse(&long).unwrap_err().to_string();
        assert!(
            err.len() < 300,
            "error message must not echo huge input: {}",
            err.len()
        );
    }

    #[test]
    fn currency_errors_explain_what_was_expected() {
        let err = Currency::parse("EURO").unwrap_err();
        assert_eq!(err, DomainError::UnknownCurrency("EURO".into()));
        assert_eq!(
            err.to_string(),
            "unknown currency 'EURO': the ISO 4217 code of the euro is EUR"
        );
        assert!(
            Currency::parse("RMB")
                .unwrap_err()
                .to_string()
                .contains("CNY")
        );
        assert!(
            Currency::parse("QQQ")
                .unwrap_err()
                .to_string()
                .contains("such as EUR, USD, CNY")
        );
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        let cases = [
            ("JPY", 0),
            ("KRW", 0),
            ("VND", 0),
            ("CLP", 0),
            ("ISK", 0),
            ("KWD", 3),
            ("BHD", 3),
        ];
        for (code, units) in cases {
            assert_eq!(
                Currency::parse(code).unwrap().minor_units(),
                units,
                "{code}"
            );
        }
        for c in [
            Currency::EUR,
            Currency::USD,
            Currency::CNY,
            Currency::GBP,
            Currency::CAD,
        ] {
            assert_eq!(c.minor_units(), 2, "{c}");
        }
        assert_eq!(Currency::EUR.name(), "Euro");
    }

    #[test]
    fn currencies_order_alphabetically() {
        let mut list = [Currency::USD, Currency::CNY, Currency::EUR, Currency::AUD];
        list.sort();
        let codes: Vec<&str> = list.iter().map(Currency::code).collect();
        assert_eq!(codes, ["AUD", "CNY", "EUR", "USD"]);
    }

    #[test]
    fn currency_serde_is_the_code() {
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), "\"EUR\"");
        assert_eq!(
            serde_json::from_str::<Currency>("\"jpy\"").unwrap(),
            Currency::JPY
        );
        assert!(serde_json::from_str::<Currency>("\"EURO\"").is_err());
    }

    #[test]
    fn rounding_modes_on_ties_and_negatives() {
        use RoundingMode::*;
        let cases = [
            (dec!(2.345), HalfUp, dec!(2.35)),
            (dec!(-2.345), HalfUp, dec!(-2.35)),
            (dec!(2.345), HalfEven, dec!(2.34)),
            (dec!(2.355), HalfEven, dec!(2.36)),
            (dec!(2.349), Down, dec!(2.34)),
            (dec!(-2.349), Down, dec!(-2.34)),
            (dec!(2.341), Up, dec!(2.35)),
            (dec!(-2.341), Up, dec!(-2.35)),
            (dec!(-2.341), Floor, dec!(-2.35)),
            (dec!(2.349), Floor, dec!(2.34)),
            (dec!(-2.349), Ceiling, dec!(-2.34)),
            (dec!(2.341), Ceiling, dec!(2.35)),
        ];
        for (amount, mode, expected) in cases {
            assert_eq!(
                eur(amount).round(mode).amount(),
                expected,
                "{amount} {mode:?}"
            );
        }
    }

    #[test]
    fn rounding_uses_the_currency_minor_units() {
        let yen = Money::new(dec!(1234.5), Currency::JPY);
        assert_eq!(yen.round(RoundingMode::HalfUp).amount(), dec!(1235));
        assert_eq!(yen.round(RoundingMode::HalfEven).amount(), dec!(1234));
        let dinar = Money::new(dec!(1.23456), Currency::KWD);
        assert_eq!(dinar.round(RoundingMode::HalfUp).amount(), dec!(1.235));
        assert_eq!(
            eur(dec!(1.23456))
                .round_dp(4, RoundingMode::HalfUp)
                .amount(),
            dec!(1.2346)
        );
    }

    #[test]
    fn minor_units_conversion() {
        assert_eq!(
            Money::from_minor_units(1234, Currency::EUR).amount(),
            dec!(12.34)
        );
        assert_eq!(
            Money::from_minor_units(1234, Currency::JPY).amount(),
            dec!(1234)
        );
        assert_eq!(
            Money::from_minor_units(-5, Currency::KWD).amount(),
            dec!(-0.005)
        );
        assert_eq!(
            eur(dec!(12.345)).to_minor_units(RoundingMode::HalfUp),
            Ok(1235)
        );
        assert_eq!(
            eur(dec!(12.345)).to_minor_units(RoundingMode::HalfEven),
            Ok(1234)
        );
        assert_eq!(
            eur(dec!(-12.345)).to_minor_units(RoundingMode::HalfUp),
            Ok(-1235)
        );
        let huge = eur(Decimal::from(i64::MAX));
        assert_eq!(
            huge.to_minor_units(RoundingMode::HalfUp),
            Err(DomainError::Overflow)
        );
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies() {
        let a = eur(dec!(1));
        let b = Money::new(dec!(1), Currency::USD);
        let err = a.checked_add(&b).unwrap_err();
        assert_eq!(
            err,
            DomainError::CurrencyMismatch {
                left: Currency::EUR,
                right: Currency::USD
            }
        );
        assert!(err.to_string().contains("EUR") && err.to_string().contains("USD"));
        assert!(a.checked_sub(&b).is_err());
        assert!(Money::sum([a, b], Currency::EUR).is_err());
        assert!(Money::sum([a], Currency::USD).is_err());
    }

    #[test]
    fn arithmetic_is_exact_and_unrounded() {
        let price = eur(dec!(19.99));
        assert_eq!(price.mul(dec!(3)).amount(), dec!(59.97));
        assert_eq!(price.mul(dec!(0.19)).amount(), dec!(3.7981));
        assert_eq!(
            price.checked_add(&eur(dec!(0.01))).unwrap().amount(),
            dec!(20.00)
        );
        let converted = price.convert(dec!(7.8123), Currency::CNY);
        assert_eq!(converted.currency(), Currency::CNY);
        assert_eq!(converted.amount(), dec!(156.167877));
        assert_eq!(
            Money::sum(Vec::<Money>::new(), Currency::EUR).unwrap(),
            Money::zero(Currency::EUR)
        );
        let list = [eur(dec!(1.10)), eur(dec!(2.20))];
        assert_eq!(
            Money::sum(list.iter(), Currency::EUR).unwrap().amount(),
            dec!(3.30)
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let max = eur(Decimal::MAX);
        assert_eq!(max.checked_add(&max), Err(DomainError::Overflow));
        assert_eq!(max.checked_mul(dec!(2)), Err(DomainError::Overflow));
        assert_eq!(
            max.checked_convert(dec!(10), Currency::USD),
            Err(DomainError::Overflow)
        );
        assert_eq!(
            eur(Decimal::MIN).checked_sub(&max),
            Err(DomainError::Overflow)
        );
    }

    #[test]
    fn comparison_requires_one_currency() {
        assert_eq!(
            eur(dec!(2.50)).checked_cmp(&eur(dec!(2.5))),
            Ok(Ordering::Equal)
        );
        assert_eq!(eur(dec!(-3)).checked_cmp(&eur(dec!(2))), Ok(Ordering::Less));
        assert!(
            eur(dec!(1))
                .checked_cmp(&Money::new(dec!(1), Currency::USD))
                .is_err()
        );
        assert_eq!(eur(dec!(-3)).abs().amount(), dec!(3));
    }

    #[test]
    fn sign_predicates() {
        assert!(eur(dec!(-0.01)).is_negative());
        assert!(!eur(dec!(0)).is_negative());
        assert!(!eur(-Decimal::ZERO).is_negative());
        assert!(eur(dec!(0.000)).is_zero());
        assert_eq!(eur(dec!(5)).negate().amount(), dec!(-5));
    }

    #[test]
    fn display_shows_at_least_the_minor_unit_places() {
        assert_eq!(eur(dec!(12.34)).to_string(), "12.34 EUR");
        assert_eq!(eur(dec!(12.3)).to_string(), "12.30 EUR");
        assert_eq!(eur(dec!(12)).to_string(), "12.00 EUR");
        assert_eq!(eur(dec!(12.345)).to_string(), "12.345 EUR");
        assert_eq!(eur(dec!(-0.5)).to_string(), "-0.50 EUR");
        assert_eq!(eur(-Decimal::ZERO).to_string(), "0.00 EUR");
        assert_eq!(
            Money::new(dec!(1500), Currency::JPY).to_string(),
            "1500 JPY"
        );
        assert_eq!(Money::new(dec!(1), Currency::KWD).to_string(), "1.000 KWD");
        assert_eq!(Money::zero(Currency::USD).to_string(), "0.00 USD");
    }

    #[test]
    fn money_from_str() {
        assert_eq!("12.34 EUR".parse::<Money>().unwrap(), eur(dec!(12.34)));
        assert_eq!("eur -3".parse::<Money>().unwrap(), eur(dec!(-3)));
        for bad in [
            "",
            "12.34",
            "EUR",
            "12,34 EUR",
            "1e3 EUR",
            "12.34 EURO",
            "12.34 EUR extra",
            "abc EUR",
            "--1 EUR",
        ] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn money_serde_uses_string_amounts() {
        let m = eur(dec!(12.34));
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"12.34","currency":"EUR"}"#
        );
        let back: Money = serde_json::from_str(r#"{"amount":"12.34","currency":"eur"}"#).unwrap();
        assert_eq!(back, m);
        let whole: Money = serde_json::from_str(r#"{"amount":150,"currency":"EUR"}"#).unwrap();
        assert_eq!(whole.amount(), dec!(150));
        let float =
            serde_json::from_str::<Money>(r#"{"amount":12.34,"currency":"EUR"}"#).unwrap_err();
        assert!(float.to_string().contains("string"), "{float}");
        for bad in [
            r#"{"amount":"12.34","currency":"EURO"}"#,
            r#"{"amount":"twelve","currency":"EUR"}"#,
            r#"{"amount":"12.34"}"#,
            r#"{"amount":"1","currency":"EUR","extra":1}"#,
        ] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }

    fn currency() -> impl Strategy<Value = Currency> {
        prop::sample::select(vec![
            Currency::EUR,
            Currency::JPY,
            Currency::KWD,
            Currency::USD,
            Currency::CNY,
        ])
    }

    fn amount() -> impl Strategy<Value = Decimal> {
        (-1_000_000_000_000_000_i64..1_000_000_000_000_000, 0u32..=8)
            .prop_map(|(n, s)| Decimal::new(n, s))
    }

    fn mode() -> impl Strategy<Value = RoundingMode> {
        use RoundingMode::*;
        prop::sample::select(vec![HalfUp, HalfEven, Down, Up, Floor, Ceiling])
    }

    proptest! {
        #[test]
        fn add_then_sub_is_identity(a in amount(), b in amount(), c in currency()) {
            let (x, y) = (Money::new(a, c), Money::new(b, c));
            prop_assert_eq!(x.checked_add(&y).unwrap().checked_sub(&y).unwrap(), x);
        }

        #[test]
        fn rounding_leaves_at_most_minor_unit_places(a in amount(), c in currency(), m in mode()) {
            let rounded = Money::new(a, c).round(m).amount();
            prop_assert!(rounded.normalize().scale() <= c.minor_units());
        }

        #[test]
        fn nearest_rounding_moves_at_most_half_a_minor_unit(a in amount(), c in currency()) {
            let half = Decimal::new(5, c.minor_units() + 1);
            for m in [RoundingMode::HalfUp, RoundingMode::HalfEven] {
                let rounded = Money::new(a, c).round(m).amount();
                prop_assert!((rounded - a).abs() <= half, "{} -> {} ({:?})", a, rounded, m);
            }
        }

        #[test]
        fn directed_rounding_goes_the_stated_way(a in amount(), c in currency()) {
            let x = Money::new(a, c);
            prop_assert!(x.round(RoundingMode::Floor).amount() <= a);
            prop_assert!(x.round(RoundingMode::Ceiling).amount() >= a);
            prop_assert!(x.round(RoundingMode::Down).amount().abs() <= a.abs());
            prop_assert!(x.round(RoundingMode::Up).amount().abs() >= a.abs());
        }

        #[test]
        fn half_even_and_half_up_differ_only_on_exact_ties(a in amount(), c in currency()) {
            let x = Money::new(a, c);
            let up = x.round(RoundingMode::HalfUp).amount();
            let even = x.round(RoundingMode::HalfEven).amount();
            if up != even {
                let scaled = a * Decimal::from(10_i64.pow(c.minor_units()));
                prop_assert_eq!(scaled.fract().abs(), Decimal::new(5, 1), "{} is not a tie", a);
            }
        }

        #[test]
        fn minor_units_round_trip(n in any::<i64>(), c in currency(), m in mode()) {
            let x = Money::from_minor_units(n, c);
            prop_assert_eq!(x.to_minor_units(m).unwrap(), n);
        }

        #[test]
        fn to_minor_units_agrees_with_round(a in amount(), c in currency(), m in mode()) {
            let x = Money::new(a, c);
            let minor = x.to_minor_units(m).unwrap();
            prop_assert_eq!(Money::from_minor_units(minor, c).amount(), x.round(m).amount());
        }

        #[test]
        fn sum_equals_fold(amounts in prop::collection::vec(amount(), 0..20), c in currency()) {
            let items: Vec<Money> = amounts.iter().map(|a| Money::new(*a, c)).collect();
            let folded = amounts.iter().fold(Decimal::ZERO, |t, a| t + a);
            prop_assert_eq!(Money::sum(&items, c).unwrap().amount(), folded);
        }

        #[test]
        fn mixed_currencies_always_error(a in amount(), b in amount(), c1 in currency(), c2 in currency()) {
            prop_assume!(c1 != c2);
            let (x, y) = (Money::new(a, c1), Money::new(b, c2));
            let mismatch = DomainError::CurrencyMismatch { left: c1, right: c2 };
            prop_assert_eq!(x.checked_add(&y), Err(mismatch.clone()));
            prop_assert_eq!(x.checked_sub(&y), Err(mismatch));
            prop_assert!(Money::sum([x, y], c1).is_err());
        }

        #[test]
        fn serde_round_trips(a in amount(), c in currency()) {
            let x = Money::new(a, c);
            let json = serde_json::to_string(&x).unwrap();
            let back: Money = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, x);
            prop_assert_eq!(back.amount().scale(), a.scale());
        }

        #[test]
        fn display_parses_back(a in amount(), c in currency()) {
            let x = Money::new(a, c);
            prop_assert_eq!(x.to_string().parse::<Money>().unwrap().amount(), a);
        }
    }
}
