//! UPS Track API v1 (`GET /api/track/v1/details/{inquiryNumber}`):
//! `trackResponse.shipment[].package[]` with `trackingNumber`, `deliveryDate[]` and
//! `activity[]` of `date` (YYYYMMDD), `time` (HHMMSS), `gmtDate`/`gmtTime`/`gmtOffset`,
//! `status.type` (I, P, M, D, X, RS...), `status.code`, `status.description` and
//! `location.address` (`city`, `stateProvince`, `postalCode`, `countryCode`).

use super::{ParseError, ParsedPayload, ShipmentSummary, array_at, parse_json, str_at};
use crate::event::{Location, RawEvent, RawTimestamp};
use serde_json::Value;

pub const CARRIER: &str = "ups";

pub fn parse(body: &str, source: &str) -> Result<ParsedPayload, ParseError> {
    let root = parse_json(body)?;
    let track = root.get("trackResponse").ok_or_else(|| ParseError::Shape {
        path: "$.trackResponse".into(),
        expected: "an object (UPS Track API response)",
    })?;
    let mut out = ParsedPayload::default();
    for (i, shipment) in array_at(track, "shipment", "$.trackResponse")?
        .iter()
        .enumerate()
    {
        let spath = format!("$.trackResponse.shipment[{i}]");
        let inquiry = str_at(shipment, &["inquiryNumber"]);
        // "Tracking Information Not Found" and similar arrive as warnings, not HTTP errors.
        let warned = !array_at(shipment, "warnings", &spath)?.is_empty();
        let packages = array_at(shipment, "package", &spath)?;
        if packages.is_empty()
            && let Some(tn) = &inquiry
        {
            out.shipments.push(ShipmentSummary {
                tracking_number: tn.clone(),
                estimated_delivery: None,
                not_found: warned,
                service: None,
            });
        }
        for (j, package) in packages.iter().enumerate() {
            let ppath = format!("{spath}.package[{j}]");
            let tracking_number = str_at(package, &["trackingNumber"])
                .or_else(|| inquiry.clone())
                .ok_or_else(|| ParseError::Shape {
                    path: format!("{ppath}.trackingNumber"),
                    expected: "the tracking number as a string",
                })?;
            let estimated = array_at(package, "deliveryDate", &ppath)?
                .iter()
                .find(|d| matches!(str_at(d, &["type"]).as_deref(), Some("SDD" | "RDD" | "EDD")))
                .and_then(|d| str_at(d, &["date"]));
            out.shipments.push(ShipmentSummary {
                tracking_number: tracking_number.clone(),
                estimated_delivery: estimated,
                not_found: false,
                service: str_at(package, &["service", "description"]),
            });
            for activity in array_at(package, "activity", &ppath)? {
                out.events
                    .push(event_of(activity, &tracking_number, source));
            }
        }
    }
    Ok(out)
}

fn event_of(a: &Value, tracking_number: &str, source: &str) -> RawEvent {
    let date = str_at(a, &["date"]).unwrap_or_default();
    let time = str_at(a, &["time"]).unwrap_or_default();
    let offset = str_at(a, &["gmtOffset"]);
    let timestamp = match (&offset, str_at(a, &["gmtDate"]), str_at(a, &["gmtTime"])) {
        (Some(off), _, _) => RawTimestamp {
            value: format!("{date} {time}").trim().to_string(),
            utc_offset: Some(off.clone()),
            time_zone: None,
        },
        // Without an offset the GMT fields still pin the instant (local time is then unknown).
        (None, Some(gd), Some(gt)) => RawTimestamp {
            value: format!("{gd} {gt}"),
            utc_offset: Some("Z".into()),
            time_zone: None,
        },
        _ => RawTimestamp::new(format!("{date} {time}").trim().to_string()),
    };
    let address = a.get("location").and_then(|l| l.get("address"));
    let location = match address {
        Some(ad) => Location {
            text: None,
            city: str_at(ad, &["city"]),
            region: str_at(ad, &["stateProvince"]),
            postal_code: str_at(ad, &["postalCode"]),
            country_code: str_at(ad, &["countryCode"]).or_else(|| str_at(ad, &["country"])),
        },
        None => Location::default(),
    };
    RawEvent {
        source: source.to_string(),
        carrier: CARRIER.to_string(),
        tracking_number: tracking_number.to_string(),
        code: str_at(a, &["status", "code"]),
        category: str_at(a, &["status", "type"]),
        text: str_at(a, &["status", "description"]),
        location,
        timestamp,
        leg_hint: None,
        payload: Some(a.clone()),
    }
}

/// UPS error bodies: `{"response": {"errors": [{"code": "...", "message": "..."}]}}`.
pub fn errors(body: &str) -> Vec<(String, String)> {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return Vec::new();
    };
    v.get("response")
        .and_then(|r| r.get("errors"))
        .and_then(Value::as_array)
        .map(|errs| {
            errs.iter()
                .map(|e| {
                    (
                        str_at(e, &["code"]).unwrap_or_default(),
                        str_at(e, &["message"]).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IncidentReason, MappingSet, Normalizer, Status};

    const FIXTURE: &str = include_str!("../../tests/fixtures/ups_track_v1.json");

    #[test]
    fn parses_documented_shape_and_normalises() {
        let parsed = parse(FIXTURE, "ups_api").unwrap();
        assert_eq!(parsed.events.len(), 7);
        assert_eq!(parsed.shipments[0].tracking_number, "1Z023E2X0214323462");
        assert_eq!(
            parsed.shipments[0].estimated_delivery.as_deref(),
            Some("20251206")
        );
        let n = Normalizer::new(MappingSet::builtin().unwrap());
        let out = n.normalize_batch(&parsed.events);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let first = &out.events[0];
        assert_eq!(first.status, Status::DeliveryFailed);
        assert_eq!(first.reason, Some(IncidentReason::RecipientAbsent));
        assert_eq!(first.time.local.to_string(), "2025-12-05T14:15:00");
        assert_eq!(first.time.offset_seconds, -5 * 3600);
        assert_eq!(first.time.utc.to_string(), "2025-12-05T19:15:00Z");
        let state = crate::derive_state(&out.events);
        assert_eq!(state.status, Status::DeliveryFailed);
        assert_eq!(
            state.first_scan.as_ref().map(|e| e.status),
            Some(Status::PickedUp)
        );
        // The not-found inquiry is reported, not dropped.
        assert!(
            parsed
                .shipments
                .iter()
                .any(|s| s.not_found && s.tracking_number == "1Z0000000000000000")
        );
    }

    #[test]
    fn wrong_shapes_and_errors() {
        assert!(
            parse(r#"{"foo": 1}"#, "x")
                .unwrap_err()
                .to_string()
                .contains("trackResponse")
        );
        let err = parse(r#"{"trackResponse": {"shipment": [{"package": 5}]}}"#, "x").unwrap_err();
        assert!(err.to_string().contains("shipment[0].package"), "{err}");
        assert_eq!(
            errors(
                r#"{"response":{"errors":[{"code":"151018","message":"Invalid tracking number"}]}}"#
            ),
            vec![("151018".to_string(), "Invalid tracking number".to_string())]
        );
    }
}
