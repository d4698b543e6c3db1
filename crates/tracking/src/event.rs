//! Raw events as sources deliver them, and normalised events in the one status language.

use crate::status::{IncidentReason, LegKind, Status};
use jiff::Timestamp;
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an event happened, as far as the source says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// The location exactly as the source wrote it (e.g. "LEIPZIG - GERMANY", "深圳市").
    pub text: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country_code: Option<String>,
}

impl Location {
    pub fn is_empty(&self) -> bool {
        self.text.is_none()
            && self.city.is_none()
            && self.region.is_none()
            && self.postal_code.is_none()
            && self.country_code.is_none()
    }

    /// Canonical form used in dedup keys: the same place written with different spacing or case
    /// is the same place.
    pub fn canonical(&self) -> String {
        let mut out = Vec::new();
        self.write_canonical(&mut |b| out.extend_from_slice(b));
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Streams the canonical form (lower-cased, whitespace collapsed, fields separated by `|`).
    pub fn write_canonical(&self, sink: &mut dyn FnMut(&[u8])) {
        for part in [
            &self.text,
            &self.city,
            &self.region,
            &self.postal_code,
            &self.country_code,
        ] {
            if let Some(p) = part {
                write_folded(sink, p);
            }
            sink(b"|");
        }
    }
}

/// Lower-cases and collapses whitespace.
fn write_folded(sink: &mut dyn FnMut(&[u8]), s: &str) {
    let mut pending_space = false;
    let mut buf = [0u8; 4];
    for ch in s.trim().chars() {
        if ch.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            sink(b" ");
            pending_space = false;
        }
        if ch.is_ascii() {
            sink(&[ch.to_ascii_lowercase() as u8]);
        } else {
            for lower in ch.to_lowercase() {
                sink(lower.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Tracking numbers are compared without spaces, dashes and case.
pub fn canonical_tracking_number(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return s.to_string();
    }
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// An event's time as the source wrote it. `value` may carry its own offset; otherwise the
/// offset or IANA zone given next to it decides, then the location's country (when the country
/// has one zone), then the carrier's documented default zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawTimestamp {
    pub value: String,
    /// e.g. "+08:00", "-0500", "GMT+8", "Z".
    pub utc_offset: Option<String>,
    /// IANA name, e.g. "Europe/Berlin".
    pub time_zone: Option<String>,
}

impl RawTimestamp {
    pub fn new(value: impl Into<String>) -> Self {
        RawTimestamp {
            value: value.into(),
            utc_offset: None,
            time_zone: None,
        }
    }
}

/// One tracking event exactly as a source delivered it. Nothing is dropped: the payload keeps
/// whatever the source sent so that a new mapping can re-classify it later.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawEvent {
    /// Where it came from: an API connector, a webhook endpoint, an uploaded file.
    pub source: String,
    /// Carrier id or alias as the source names it (`ups`, `DHL`, `云途`...).
    pub carrier: String,
    pub tracking_number: String,
    /// The most specific event code (DHL Express event code, FedEx scan event type, UPS
    /// activity status code, Canada Post event identifier).
    pub code: Option<String>,
    /// A coarse status class some carriers send beside the code (UPS status type I/P/M/D/X/RS,
    /// DHL unified statusCode `transit`/`delivered`/`failure`, FedEx derived status code).
    pub category: Option<String>,
    /// Event description in any language.
    pub text: Option<String>,
    pub location: Location,
    pub timestamp: RawTimestamp,
    /// The leg the source knows the event belongs to (e.g. a warehouse feed).
    pub leg_hint: Option<LegKind>,
    pub payload: Option<serde_json::Value>,
}

/// How precise the source's time was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePrecision {
    Second,
    Minute,
    /// Date only; the time is taken as local midnight.
    Day,
}

/// Where the UTC offset of an event's time came from — weaker bases are worth showing to
/// operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetBasis {
    /// The timestamp text itself carried an offset or `Z`.
    InTimestamp,
    GivenOffset,
    GivenZone,
    /// The event location's country has a single time zone.
    CountryZone,
    /// The event location's state or province has a single (or a clear majority) time zone.
    RegionZone,
    /// The carrier's documented reporting zone (e.g. Beijing time for Chinese carriers).
    CarrierDefault,
}

/// An event time as local civil time with its UTC offset, and the UTC instant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventTime {
    pub local: DateTime,
    pub offset_seconds: i32,
    pub utc: Timestamp,
    /// The IANA zone when one was used.
    pub zone: Option<String>,
    pub precision: TimePrecision,
    pub basis: OffsetBasis,
}

impl EventTime {
    /// `+08:00` style.
    pub fn offset_string(&self) -> String {
        let s = self.offset_seconds;
        let sign = if s < 0 { '-' } else { '+' };
        let a = s.unsigned_abs();
        format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
    }
}

/// Identity of an event across replays: the same carrier event delivered twice (or by two
/// sources) gets the same key. 128-bit FNV-1a over the canonical carrier, tracking number,
/// code (or text when there is no code), UTC second and location; the algorithm is fixed so
/// keys stored today still match after an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DedupKey(pub String);

impl fmt::Display for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl DedupKey {
    pub fn compute(
        carrier: &str,
        tracking_number: &str,
        code_or_text: &str,
        utc: Timestamp,
        location: &Location,
    ) -> DedupKey {
        let mut h = Fnv128::new();
        h.write(carrier.as_bytes());
        h.sep();
        h.write(tracking_number.as_bytes());
        h.sep();
        // Upper-cased on the fly: no allocation on the hot path.
        let mut buf = [0u8; 4];
        for ch in code_or_text.trim().chars().flat_map(char::to_uppercase) {
            h.write(ch.encode_utf8(&mut buf).as_bytes());
        }
        h.sep();
        h.write(&utc.as_second().to_be_bytes());
        h.sep();
        location.write_canonical(&mut |bytes| h.write(bytes));
        DedupKey(hex128(h.finish()))
    }
}

fn hex128(v: u128) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for i in (0..32).rev() {
        out.push(HEX[((v >> (i * 4)) & 0xf) as usize] as char);
    }
    out
}

struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    fn new() -> Self {
        Fnv128(Self::OFFSET)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u128::from(*b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }
    fn sep(&mut self) {
        self.write(&[0x1f]);
    }
    fn finish(&self) -> u128 {
        self.0
    }
}

/// Which input decided an event's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedOn {
    Code,
    Text,
    Category,
    /// No rule matched; status is `unknown`.
    Nothing,
}

/// An event in the one status language, with everything needed to explain it. The derived
/// order is only a deterministic tie-break; time order is `time.utc`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NormalizedEvent {
    pub dedup_key: DedupKey,
    pub source: String,
    /// Canonical carrier id (mapping file id), or the source's name when no mapping knows it.
    pub carrier: String,
    /// Canonical tracking number (no spaces or dashes, upper case).
    pub tracking_number: String,
    pub status: Status,
    pub reason: Option<IncidentReason>,
    pub leg: LegKind,
    /// The leg the source said the event belongs to, kept for re-classification.
    pub source_leg: Option<LegKind>,
    pub time: EventTime,
    pub location: Location,
    pub raw_code: Option<String>,
    pub raw_category: Option<String>,
    pub raw_text: Option<String>,
    /// Id of the mapping rule that decided the status (`ups.code.FS`, `generic.text.zh.signed`).
    pub rule_id: Option<String>,
    pub matched_on: MatchedOn,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_key_is_stable_and_ignores_formatting_noise() {
        let t = Timestamp::new(1_764_771_300, 0).unwrap();
        let a = Location {
            city: Some("Leipzig ".into()),
            country_code: Some("DE".into()),
            ..Location::default()
        };
        let b = Location {
            city: Some("LEIPZIG".into()),
            country_code: Some("de".into()),
            ..Location::default()
        };
        let k1 = DedupKey::compute("dhl_express", "1234567890", "pu", t, &a);
        let k2 = DedupKey::compute("dhl_express", "1234567890", "PU ", t, &b);
        assert_eq!(k1, k2);
        assert_eq!(k1.0.len(), 32);
        let k3 = DedupKey::compute(
            "dhl_express",
            "1234567890",
            "PU",
            t + jiff::SignedDuration::from_secs(1),
            &a,
        );
        assert_ne!(k1, k3);
    }

    #[test]
    fn dedup_key_value_is_pinned() {
        let t = Timestamp::new(0, 0).unwrap();
        let k = DedupKey::compute("ups", "1Z", "D", t, &Location::default());
        // Stored keys must keep matching after an upgrade: this value may never change.
        assert_eq!(k.0, "46df69b828459d17655dab5162e72234");
        assert_ne!(
            k,
            DedupKey::compute("ups", "1Z", "I", t, &Location::default())
        );
    }

    #[test]
    fn tracking_numbers_canonicalise() {
        assert_eq!(canonical_tracking_number(" 1z 999-aa1 "), "1Z999AA1");
    }

    #[test]
    fn offset_string_formats_negative_and_half_hours() {
        let t = EventTime {
            local: jiff::civil::date(2025, 1, 1).at(0, 0, 0, 0),
            offset_seconds: -(3 * 3600 + 1800),
            utc: Timestamp::new(0, 0).unwrap(),
            zone: None,
            precision: TimePrecision::Second,
            basis: OffsetBasis::GivenOffset,
        };
        assert_eq!(t.offset_string(), "-03:30");
    }
}
