//! FedEx Track API (`POST /track/v1/trackingnumbers`):
//! `output.completeTrackResults[].trackResults[]` with `trackingNumberInfo.trackingNumber`,
//! `latestStatusDetail`, `estimatedDeliveryTimeWindow`, `error` and `scanEvents[]` of `date`
//! (ISO 8601 with offset), `eventType`, `eventDescription`, `derivedStatusCode`,
//! `exceptionCode`, `exceptionDescription` and `scanLocation` (`city`,
//! `stateOrProvinceCode`, `postalCode`, `countryCode`).

use super::{ParseError, ParsedPayload, ShipmentSummary, array_at, parse_json, str_at};
use crate::event::{Location, RawEvent, RawTimestamp};
use serde_json::Value;

pub const CARRIER: &str = "fedex";

pub fn parse(body: &str, source: &str) -> Result<ParsedPayload, ParseError> {
    let root = parse_json(body)?;
    let output = root.get("output").ok_or_else(|| ParseError::Shape {
        path: "$.output".into(),
        expected: "an object (FedEx Track API response)",
    })?;
    let mut out = ParsedPayload::default();
    for (i, complete) in array_at(output, "completeTrackResults", "$.output")?
        .iter()
        .enumerate()
    {
        let cpath = format!("$.output.completeTrackResults[{i}]");
        let outer_number = str_at(complete, &["trackingNumber"]);
        for (j, result) in array_at(complete, "trackResults", &cpath)?
            .iter()
            .enumerate()
        {
            let rpath = format!("{cpath}.trackResults[{j}]");
            let tracking_number = str_at(result, &["trackingNumberInfo", "trackingNumber"])
                .or_else(|| outer_number.clone())
                .ok_or_else(|| ParseError::Shape {
                    path: format!("{rpath}.trackingNumberInfo.trackingNumber"),
                    expected: "the tracking number as a string",
                })?;
            let not_found = result.get("error").is_some_and(|e| !e.is_null());
            out.shipments.push(ShipmentSummary {
                tracking_number: tracking_number.clone(),
                estimated_delivery: str_at(
                    result,
                    &["estimatedDeliveryTimeWindow", "window", "ends"],
                )
                .or_else(|| str_at(result, &["standardTransitTimeWindow", "window", "ends"])),
                not_found,
                service: str_at(result, &["serviceDetail", "description"]),
            });
            for event in array_at(result, "scanEvents", &rpath)? {
                out.events.push(event_of(event, &tracking_number, source));
            }
        }
    }
    Ok(out)
}

fn event_of(e: &Value, tracking_number: &str, source: &str) -> RawEvent {
    // The exception description says why (e.g. "Customer not available or business closed");
    // keep it in the text so reason rules see it.
    let text = match (
        str_at(e, &["eventDescription"]),
        str_at(e, &["exceptionDescription"]),
    ) {
        (Some(d), Some(x)) if d != x => Some(format!("{d} | {x}")),
        (d, x) => d.or(x),
    };
    let loc = e.get("scanLocation");
    let location = match loc {
        Some(l) => Location {
            text: None,
            city: str_at(l, &["city"]),
            region: str_at(l, &["stateOrProvinceCode"]),
            postal_code: str_at(l, &["postalCode"]),
            country_code: str_at(l, &["countryCode"]),
        },
        None => Location::default(),
    };
    RawEvent {
        source: source.to_string(),
        carrier: CARRIER.to_string(),
        tracking_number: tracking_number.to_string(),
        code: str_at(e, &["eventType"]),
        category: str_at(e, &["derivedStatusCode"]),
        text,
        location,
        timestamp: RawTimestamp::new(str_at(e, &["date"]).unwrap_or_default()),
        leg_hint: None,
        payload: Some(e.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IncidentReason, MappingSet, Normalizer, Status};

    const FIXTURE: &str = include_str!("../../tests/fixtures/fedex_track.json");

    #[test]
    fn parses_documented_shape_and_normalises() {
        let parsed = parse(FIXTURE, "fedex_api").unwrap();
        assert_eq!(parsed.events.len(), 6);
        assert_eq!(parsed.shipments.len(), 2);
        assert!(parsed.shipments[1].not_found);
        let n = Normalizer::new(MappingSet::builtin().unwrap());
        let out = n.normalize_batch(&parsed.events);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let statuses: Vec<Status> = out.events.iter().map(|e| e.status).collect();
        assert_eq!(
            statuses,
            vec![
                Status::DeliveryFailed,
                Status::OutForDelivery,
                Status::CustomsCleared,
                Status::InTransit,
                Status::PickedUp,
                Status::InfoReceived,
            ]
        );
        assert_eq!(out.events[0].reason, Some(IncidentReason::BusinessClosed));
        assert_eq!(out.events[0].time.offset_seconds, -6 * 3600);
        let state = crate::derive_state(&out.events);
        assert_eq!(state.status, Status::DeliveryFailed);
    }

    #[test]
    fn wrong_shape_names_the_path() {
        assert!(
            parse("{}", "x")
                .unwrap_err()
                .to_string()
                .contains("$.output")
        );
        let err = parse(
            r#"{"output":{"completeTrackResults":[{"trackResults":[{}]}]}}"#,
            "x",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("trackResults[0].trackingNumberInfo"),
            "{err}"
        );
    }
}
