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
        let unknown = || DomainError::UnknownCurrency(code.to_string());
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
            value: s.to_string(),
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
