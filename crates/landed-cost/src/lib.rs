//! Landed cost and import tax engine over dated rule packs. Pure: no I/O, no clock, no database.
//!
//! * [`pack`]: the rule pack format (TOML, see RULEPACK.md), its validation and lookup indexes; [`builtin_pack`].
//! * [`fx`]: dated exchange rates and the ECB reference rate CSV.
//! * [`engine`]: [`quote`] a shipment of order lines into itemised, explained, dated figures.
//! * [`import`]: parsers for official tariff files (US HTS CSV, UK Global Tariff CSV) into duty rules.

pub mod engine;
pub mod fx;
pub mod hs;
pub mod import;
pub mod pack;
pub mod rate;

pub use engine::{
    Collector, Component, ComponentKind, Destination, Payer, Quote, QuoteError, QuoteLine,
    QuoteRequest, quote,
};
pub use fx::{FxError, FxRate, FxTable};
pub use hs::HsDigits;
pub use pack::{RuleError, RulePack, builtin_pack};
pub use rate::{DutyRate, MeasureUnit, SpecificDuty, parse_duty_rate};
