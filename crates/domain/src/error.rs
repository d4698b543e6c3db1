//! The one error type of the domain crate: every variant names the offending value and what was expected.

use crate::money::Currency;
use thiserror::Error;

/// Why a value could not become a domain type; messages are written for a seller, not a developer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A currency code that is not an ISO 4217 currency with minor units.
    #[error("unknown currency '{0}': {hint}", hint = crate::money::currency_hint(.0))]
    UnknownCurrency(String),
    /// A country code that is not an assigned ISO 3166-1 alpha-2 code.
    #[error("unknown country '{0}': {hint}", hint = crate::country::country_hint(.0))]
    UnknownCountry(String),
    /// A subdivision code outside the supported US states/territories and Canadian provinces/territories.
    #[error(
        "unknown subdivision '{0}': expected a US state or territory (such as US-CA) or a Canadian province or territory (such as CA-ON)"
    )]
    UnknownSubdivision(String),
    /// A malformed HS code or prefix.
    #[error("invalid HS code '{value}': {reason}")]
    InvalidHsCode {
        /// The text as given.
        value: String,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// Arithmetic between two different currencies.
    #[error("currency mismatch: cannot combine {left} with {right}; convert one of them first")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// A malformed weight or dimension.
    #[error("invalid measure '{value}': {reason}")]
    InvalidMeasure {
        /// The text as given.
        value: String,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// Not one of the 11 Incoterms 2020 rules.
    #[error("unknown Incoterm '{0}': {hint}", hint = crate::incoterm::incoterm_hint(.0))]
    UnknownIncoterm(String),
    /// A language tag outside the supported BCP 47 subset.
    #[error("invalid locale '{0}': expected a language tag such as en, en-US, zh-CN or zh-Hant-TW")]
    InvalidLocale(String),
    /// A language tag that is valid but has no user-interface translation.
    #[error("unsupported interface language '{0}': expected en or zh-CN")]
    UnsupportedUiLang(String),
    /// A malformed SKU code.
    #[error("invalid SKU code '{value}': {reason}")]
    InvalidSkuCode {
        /// The text as given.
        value: String,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// A battery label that could not be understood.
    #[error("unrecognised battery label '{value}': {reason}")]
    InvalidBattery {
        /// The text as given.
        value: String,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// A number too large for exact decimal arithmetic (beyond about 7.9e28) or for the target integer.
    #[error("number too large: the result exceeds the exact decimal range")]
    Overflow,
    /// Any other invalid field.
    #[error("invalid {field} '{value}': expected {expected}")]
    Invalid {
        /// The field that was invalid.
        field: &'static str,
        /// The value as given.
        value: String,
        /// What was expected instead.
        expected: String,
    },
}
