use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FreightError {
    #[error("carton {carton}: {field} is {value}; expected {expected}")]
    InvalidCarton {
        carton: String,
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("rate card {card}: {problem}")]
    InvalidCard { card: String, problem: String },
    #[error("lane {0:?}: expected ORIGIN-DESTINATION such as CNSZX-USLAX")]
    InvalidLane(String),
    #[error("cost split: {0}")]
    Split(String),
    #[error("pool: {0}")]
    Pool(String),
    #[error("amount too large to compute")]
    Overflow,
}

impl From<tradelane_domain::DomainError> for FreightError {
    fn from(_: tradelane_domain::DomainError) -> Self {
        FreightError::Overflow
    }
}
