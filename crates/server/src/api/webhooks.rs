//! Incoming tracking webhooks: one endpoint per source, HMAC-signed bodies, and the decoding of
//! event bodies (a JSON list of events or a DHL / UPS / FedEx tracking payload) shared with the
//! JSON event endpoint and the command line.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tradelane_store::{Actor, RawIngestOptions};
use tradelane_tracking::spreadsheet::parse_leg;
use tradelane_tracking::{Location, RawEvent, RawTimestamp, parsers};

use super::shipments::{IngestResponse, RawEventDoc};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Header carrying `sha256=<hex HMAC-SHA256 of the raw body>` keyed with the source's secret.
pub const SIGNATURE_HEADER: &str = "x-tradelane-signature";

/// The signature header value for `body` under `secret` (for senders and tests).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Constant-time check of a `sha256=<hex>` signature.
pub fn signature_valid(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// A body that could be read, with the elements that could not (index, why).
#[derive(Debug, Default)]
pub struct DecodedEvents {
    pub events: Vec<RawEvent>,
    pub errors: Vec<(usize, String)>,
}

fn text_at(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match v.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// One event object of a JSON list. Friendly spellings are accepted (`time` or `timestamp` as
/// text or as `{value, utc_offset, time_zone}`; `location` as text or object; `description`
/// for `text`); the object itself is kept as the payload.
pub fn event_from_json(v: &Value, source: &str, default_carrier: &str) -> Result<RawEvent, String> {
    if !v.is_object() {
        return Err(format!(
            "expected an event object with tracking_number, time and code or text; got {}",
            excerpt(v)
        ));
    }
    let timestamp = match v
        .get("timestamp")
        .or_else(|| v.get("time"))
        .or_else(|| v.get("occurred_at"))
    {
        Some(Value::String(s)) => RawTimestamp::new(s.trim()),
        Some(Value::Number(n)) => RawTimestamp::new(n.to_string()),
        Some(obj @ Value::Object(_)) => serde_json::from_value::<RawTimestamp>(obj.clone())
            .map_err(|e| format!("field timestamp: {e}"))?,
        Some(other) => {
            return Err(format!(
                "field timestamp: expected text such as 2025-12-03T14:00:00+08:00, got {}",
                excerpt(other)
            ));
        }
        None => RawTimestamp::default(),
    };
    let timestamp = RawTimestamp {
        utc_offset: timestamp.utc_offset.or_else(|| text_at(v, &["utc_offset"])),
        time_zone: timestamp
            .time_zone
            .or_else(|| text_at(v, &["time_zone", "zone"])),
        ..timestamp
    };
    let mut location = match v.get("location") {
        Some(Value::String(s)) => Location {
            text: Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            ..Location::default()
        },
        Some(obj @ Value::Object(_)) => serde_json::from_value::<Location>(obj.clone())
            .map_err(|e| format!("field location: {e}"))?,
        _ => Location::default(),
    };
    if location.country_code.is_none() {
        location.country_code = text_at(v, &["country_code", "country"]);
    }
    Ok(RawEvent {
        source: source.to_string(),
        carrier: text_at(v, &["carrier"]).unwrap_or_else(|| default_carrier.to_string()),
        tracking_number: text_at(v, &["tracking_number", "trackingNumber", "number"])
            .unwrap_or_default(),
        code: text_at(v, &["code", "event_code"]),
        category: text_at(v, &["category", "status"]),
        text: text_at(v, &["text", "description", "message"]),
        location,
        timestamp,
        leg_hint: text_at(v, &["leg"]).and_then(|l| parse_leg(&l)),
        payload: Some(v.clone()),
    })
}

fn excerpt(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// Reads an event body: a JSON list of events, `{"events": [...]}`, or a DHL unified, UPS or
/// FedEx tracking response. An error for the whole body means nothing in it was usable.
pub fn decode_events(
    body: &str,
    source: &str,
    default_carrier: &str,
) -> Result<DecodedEvents, String> {
    let root: Value =
        serde_json::from_str(body).map_err(|e| format!("body is not valid JSON: {e}"))?;
    let list = match &root {
        Value::Array(items) => Some(items.as_slice()),
        Value::Object(o) => match o.get("events") {
            Some(Value::Array(items)) => Some(items.as_slice()),
            _ => None,
        },
        _ => None,
    };
    if let Some(items) = list {
        let mut out = DecodedEvents::default();
        for (i, item) in items.iter().enumerate() {
            match event_from_json(item, source, default_carrier) {
                Ok(e) => out.events.push(e),
                Err(e) => out.errors.push((i, e)),
            }
        }
        return Ok(out);
    }
    let parsed = if root.get("shipments").is_some() {
        parsers::dhl_unified::parse(body, source)
    } else if root.get("trackResponse").is_some() {
        parsers::ups::parse(body, source)
    } else if root.get("output").is_some() {
        parsers::fedex::parse(body, source)
    } else {
        return Err(
            "body is neither a list of events, {\"events\": [...]}, nor a DHL (shipments), \
             UPS (trackResponse) or FedEx (output) tracking response"
                .into(),
        );
    };
    let parsed = parsed.map_err(|e| e.to_string())?;
    Ok(DecodedEvents {
        events: parsed.events,
        errors: Vec::new(),
    })
}

/// Receive tracking events from a source. The body must be signed: header
/// `X-Tradelane-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the source's
/// secret>`. A missing or wrong signature is 401 and nothing is stored. Each event is
/// processed on its own (errors listed per event); replays change nothing.
#[utoipa::path(post, path = "/webhooks/{source_id}", tag = "tracking",
    params(("source_id" = i64, Path, description = "webhook source id"),
        ("X-Tradelane-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of the body>")),
    request_body(description = "a list of events, or a DHL / UPS / FedEx tracking response",
        content((Vec<RawEventDoc> = "application/json"))),
    security(()),
    responses(
        (status = 200, description = "processed; per-event errors listed", body = IngestResponse),
        (status = 401, description = "unknown source, missing or wrong signature; nothing stored", body = ErrorBody),
        (status = 422, description = "unreadable body", body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    Path(source_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<IngestResponse>> {
    let id = source_id
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError::Unauthorized)?;
    // Unknown, disabled and badly signed all answer the same: a caller without the secret
    // learns nothing about which sources exist.
    let source = state
        .store
        .webhook_source(id)
        .await?
        .filter(|s| !s.disabled)
        .ok_or(ApiError::Unauthorized)?;
    let header = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !signature_valid(&source.secret, &body, header) {
        return Err(ApiError::Unauthorized);
    }
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::validation("body", "", "UTF-8 JSON"))?;
    let label = format!("webhook:{}", source.name);
    let decoded = decode_events(text, &label, &source.carrier)
        .map_err(|e| ApiError::validation("body", "", &e))?;
    let actor = Actor::new(source.org_id, None, label);
    let report = state
        .store
        .ingest_raw(
            &actor,
            &*state.store.org_normalizer(source.org_id).await?,
            decoded.events,
            &RawIngestOptions {
                create_missing: false,
                default_carrier: Some(source.carrier.clone()),
            },
        )
        .await?;
    Ok(Json(IngestResponse::for_decoded(report, &decoded.errors)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_right_secret_and_body() {
        let sig = sign("s3cret-s3cret-s3cret", b"[1]");
        assert!(signature_valid("s3cret-s3cret-s3cret", b"[1]", Some(&sig)));
        assert!(!signature_valid("s3cret-s3cret-s3cret", b"[2]", Some(&sig)));
        assert!(!signature_valid("other-other-other!", b"[1]", Some(&sig)));
        assert!(!signature_valid("s3cret-s3cret-s3cret", b"[1]", None));
        assert!(!signature_valid(
            "s3cret-s3cret-s3cret",
            b"[1]",
            Some("sha256=zz")
        ));
        assert!(!signature_valid(
            "s3cret-s3cret-s3cret",
            b"[1]",
            Some(sig.trim_start_matches("sha256="))
        ));
    }

    #[test]
    fn friendly_event_objects_decode_and_bad_ones_are_reported_by_index() {
        let body = r#"[
            {"tracking_number": "YT123", "time": "2025-12-03 10:00", "time_zone": "Asia/Shanghai",
             "description": "已揽收", "location": "深圳"},
            "not an event",
            {"tracking_number": "YT123", "timestamp": {"value": "2025-12-04T10:00:00+08:00"},
             "code": "X", "location": {"city": "Leipzig", "country_code": "DE"}, "leg": "last_mile"}
        ]"#;
        let d = decode_events(body, "test", "yunexpress").unwrap();
        assert_eq!(d.events.len(), 2);
        assert_eq!(d.errors.len(), 1);
        assert_eq!(d.errors[0].0, 1);
        assert_eq!(d.events[0].carrier, "yunexpress");
        assert_eq!(
            d.events[0].timestamp.time_zone.as_deref(),
            Some("Asia/Shanghai")
        );
        assert_eq!(d.events[0].location.text.as_deref(), Some("深圳"));
        assert_eq!(d.events[1].location.country_code.as_deref(), Some("DE"));
        assert!(d.events[1].leg_hint.is_some());
        assert!(d.events[0].payload.is_some());
    }

    #[test]
    fn unknown_bodies_are_refused_whole() {
        assert!(decode_events("{\"hello\": 1}", "t", "ups").is_err());
        assert!(decode_events("not json", "t", "ups").is_err());
    }
}
