//! Shipment tracking normalisation engine: carrier codes to one status taxonomy. Pure.
//!
//! Data flow: a source delivers [`RawEvent`]s (a carrier API payload parsed by [`parsers`], a
//! webhook, an uploaded spreadsheet) → [`Normalizer::normalize`] maps each to a
//! [`NormalizedEvent`] using the carrier mapping files under `mappings/` → [`derive_state`]
//! folds a shipment's events into a [`ShipmentState`] → [`eta`] and [`exceptions`] evaluate it
//! against transit history and exception rules at a given `now`. Nothing here does I/O or reads
//! the clock.

pub mod connector;
pub mod detect;
pub mod eta;
pub mod event;
pub mod exceptions;
pub mod mapping;
pub mod model;
pub mod normalize;
pub mod parsers;
pub mod spreadsheet;
pub mod state;
pub mod status;
pub mod time;
pub mod unmapped;

#[cfg(test)]
mod carrier_cases;

pub use event::{
    DedupKey, EventTime, Location, MatchedOn, NormalizedEvent, OffsetBasis, RawEvent, RawTimestamp,
    TimePrecision,
};
pub use mapping::{MappingError, MappingSet};
pub use normalize::{BatchOutcome, Classification, EventError, Normalizer};
pub use state::{ShipmentState, derive_state, derive_state_of};
pub use status::{IncidentReason, LegKind, Status};
pub use unmapped::UnmappedReport;
