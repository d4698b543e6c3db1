//! Carrier tracking API payloads (JSON text) to [`crate::RawEvent`]s. Pure: the HTTP layer
//! fetches, these parse. A payload that is not the documented shape is an error for the whole
//! document; a single odd event is passed on as-is so the normaliser reports it per event.

pub mod dhl_unified;
pub mod fedex;
pub mod ups;

use serde_json::Value;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("payload is not valid JSON: {0}")]
    Json(String),
    #[error("payload field {path}: expected {expected}")]
    Shape {
        path: String,
        expected: &'static str,
    },
}

/// What a tracking response says beside its events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShipmentSummary {
    pub tracking_number: String,
    /// The carrier's estimated or scheduled delivery, as the carrier wrote it.
    pub estimated_delivery: Option<String>,
    /// The carrier answered but does not know this number (yet).
    pub not_found: bool,
    pub service: Option<String>,
}

/// The events and per-shipment facts parsed from one response.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedPayload {
    pub events: Vec<crate::RawEvent>,
    pub shipments: Vec<ShipmentSummary>,
}

pub(crate) fn parse_json(text: &str) -> Result<Value, ParseError> {
    serde_json::from_str(text).map_err(|e| ParseError::Json(e.to_string()))
}

/// A string at `path` (object keys), trimmed, non-empty; numbers are accepted as text.
pub(crate) fn str_at(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    match cur {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The array at `key`, or an error naming the path when present but not an array.
pub(crate) fn array_at<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a [Value], ParseError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a.as_slice()),
        Some(_) => Err(ParseError::Shape {
            path: format!("{path}.{key}"),
            expected: "an array",
        }),
    }
}
