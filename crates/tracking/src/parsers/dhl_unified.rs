//! DHL Shipment Tracking – Unified API (`GET /track/shipments`): `shipments[]` with `id`,
//! `service`, `estimatedTimeOfDelivery` and `events[]` of `timestamp`, `statusCode`
//! (pre-transit / transit / delivered / failure / unknown), `status`, `description` and
//! `location.address` (`addressLocality`, `postalCode`, `countryCode`).

use super::{ParseError, ParsedPayload, ShipmentSummary, array_at, parse_json, str_at};
use crate::event::{Location, RawEvent, RawTimestamp};
use serde_json::Value;

/// Carrier id for a DHL service: Express events use the DHL Express mapping; other DHL
/// services (parcel-de, ecommerce, freight...) fall back to the generic rules under their own id.
pub fn carrier_for_service(service: Option<&str>) -> String {
    match service.map(str::trim) {
        None | Some("") | Some("express") => "dhl_express".to_string(),
        Some(other) => format!("dhl_{}", other.replace('-', "_")),
    }
}

/// Parses a response body. `source` names the connector or webhook the body came from.
pub fn parse(body: &str, source: &str) -> Result<ParsedPayload, ParseError> {
    let root = parse_json(body)?;
    if !root.is_object() {
        return Err(ParseError::Shape {
            path: "$".into(),
            expected: "an object with a shipments array",
        });
    }
    let mut out = ParsedPayload::default();
    for (i, shipment) in array_at(&root, "shipments", "$")?.iter().enumerate() {
        let path = format!("$.shipments[{i}]");
        let tracking_number = str_at(shipment, &["id"]).ok_or_else(|| ParseError::Shape {
            path: format!("{path}.id"),
            expected: "the tracking number as a string",
        })?;
        let service = str_at(shipment, &["service"]);
        let carrier = carrier_for_service(service.as_deref());
        out.shipments.push(ShipmentSummary {
            tracking_number: tracking_number.clone(),
            estimated_delivery: str_at(shipment, &["estimatedTimeOfDelivery"]),
            not_found: false,
            service: service.clone(),
        });
        for event in array_at(shipment, "events", &path)? {
            out.events
                .push(event_of(event, &tracking_number, &carrier, source));
        }
    }
    Ok(out)
}

fn event_of(e: &Value, tracking_number: &str, carrier: &str, source: &str) -> RawEvent {
    let status = str_at(e, &["status"]);
    let description = str_at(e, &["description"]);
    // Both fields carry wording; join them when they differ so text rules see everything.
    let text = match (status, description) {
        (Some(s), Some(d)) if d.to_lowercase().contains(&s.to_lowercase()) => Some(d),
        (Some(s), Some(d)) => Some(format!("{s} | {d}")),
        (s, d) => d.or(s),
    };
    let address = e.get("location").and_then(|l| l.get("address"));
    let location = match address {
        Some(a) => Location {
            text: str_at(a, &["addressLocality"]),
            city: None,
            region: None,
            postal_code: str_at(a, &["postalCode"]),
            country_code: str_at(a, &["countryCode"]),
        },
        None => Location::default(),
    };
    RawEvent {
        source: source.to_string(),
        carrier: carrier.to_string(),
        tracking_number: tracking_number.to_string(),
        code: None,
        category: str_at(e, &["statusCode"]),
        text,
        location,
        timestamp: RawTimestamp::new(str_at(e, &["timestamp"]).unwrap_or_default()),
        leg_hint: None,
        payload: Some(e.clone()),
    }
}

/// DHL answers errors as RFC 7807 problem documents: `{"status": 404, "title": ..., "detail": ...}`.
pub fn problem(body: &str) -> Option<(u16, String)> {
    let v: Value = serde_json::from_str(body).ok()?;
    let status = v
        .get("status")?
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())?;
    let detail = str_at(&v, &["detail"])
        .or_else(|| str_at(&v, &["title"]))
        .unwrap_or_default();
    Some((status, detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MappingSet, Normalizer, Status};

    const FIXTURE: &str = include_str!("../../tests/fixtures/dhl_unified_express.json");

    #[test]
    fn parses_documented_shape_and_normalises() {
        let parsed = parse(FIXTURE, "dhl_api").unwrap();
        assert_eq!(parsed.shipments.len(), 1);
        assert_eq!(parsed.shipments[0].tracking_number, "7777777770");
        assert_eq!(
            parsed.shipments[0].estimated_delivery.as_deref(),
            Some("2025-12-05T18:00:00+01:00")
        );
        assert_eq!(parsed.events.len(), 6);
        let e = &parsed.events[0];
        assert_eq!(e.carrier, "dhl_express");
        assert_eq!(e.location.country_code.as_deref(), Some("DE"));
        assert!(e.payload.is_some());
        let n = Normalizer::new(MappingSet::builtin().unwrap());
        let out = n.normalize_batch(&parsed.events);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let statuses: Vec<Status> = out.events.iter().map(|e| e.status).collect();
        assert_eq!(
            statuses,
            vec![
                Status::Delivered,
                Status::OutForDelivery,
                Status::CustomsCleared,
                Status::InTransit,
                Status::InTransit,
                Status::PickedUp,
            ]
        );
        // Local time without offset in Germany resolves through the country's zone.
        let delivered = &out.events[0];
        assert_eq!(delivered.time.offset_seconds, 3600);
        assert_eq!(crate::derive_state(&out.events).status, Status::Delivered);
    }

    #[test]
    fn other_services_get_their_own_carrier_id() {
        assert_eq!(carrier_for_service(Some("parcel-de")), "dhl_parcel_de");
        assert_eq!(carrier_for_service(None), "dhl_express");
    }

    #[test]
    fn wrong_shapes_are_errors_naming_the_path() {
        assert!(matches!(parse("[]", "x"), Err(ParseError::Shape { .. })));
        let err = parse(r#"{"shipments": {"id": 1}}"#, "x").unwrap_err();
        assert!(err.to_string().contains("$.shipments"), "{err}");
        let err = parse(r#"{"shipments": [{"events": []}]}"#, "x").unwrap_err();
        assert!(err.to_string().contains("$.shipments[0].id"), "{err}");
        assert!(matches!(parse("{not json", "x"), Err(ParseError::Json(_))));
        assert_eq!(parse(r#"{"shipments": []}"#, "x").unwrap().events.len(), 0);
    }

    #[test]
    fn problem_documents() {
        assert_eq!(
            problem(
                r#"{"title":"No result found","status":404,"detail":"No shipment with given tracking number found."}"#
            ),
            Some((404, "No shipment with given tracking number found.".into()))
        );
    }
}
