//! Timestamps as stored: RFC 3339 UTC text with exactly six fractional digits, so that text order
//! is time order on both backends and a value reads back equal to what was written.

use jiff::Timestamp;

use crate::error::{Result, StoreError};

/// Drops precision below a microsecond, so the in-memory value equals what is stored.
pub fn truncate_to_micros(ts: Timestamp) -> Timestamp {
    // as_microsecond floors toward negative infinity for pre-1970 values too: fine for our use.
    Timestamp::from_microsecond(ts.as_microsecond()).unwrap_or(ts)
}

/// The current time at storage precision.
pub fn now() -> Timestamp {
    truncate_to_micros(Timestamp::now())
}

pub(crate) fn to_text(ts: Timestamp) -> String {
    truncate_to_micros(ts)
        .strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

pub(crate) fn from_text(column: &str, text: &str) -> Result<Timestamp> {
    text.parse::<Timestamp>().map_err(|e| {
        StoreError::corrupt(format!(
            "column {column} holds {text:?}, expected an RFC 3339 timestamp: {e}"
        ))
    })
}

pub(crate) fn opt_from_text(column: &str, text: Option<String>) -> Result<Option<Timestamp>> {
    text.map(|t| from_text(column, &t)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixed_width_utc_with_microseconds() {
        let ts: Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        assert_eq!(to_text(ts), "2026-01-02T03:04:05.000000Z");
        let ts: Timestamp = "2026-01-02T03:04:05.123456789+08:00".parse().unwrap();
        assert_eq!(to_text(ts), "2026-01-01T19:04:05.123456Z");
    }

    proptest! {
        #[test]
        fn text_order_is_time_order_and_round_trips(
            a in 0i64..4_102_444_800_000_000, b in 0i64..4_102_444_800_000_000
        ) {
            let ta = Timestamp::from_microsecond(a).unwrap();
            let tb = Timestamp::from_microsecond(b).unwrap();
            let (sa, sb) = (to_text(ta), to_text(tb));
            prop_assert_eq!(sa.len(), 27);
            prop_assert_eq!(sa.cmp(&sb), ta.cmp(&tb));
            prop_assert_eq!(from_text("t", &sa).unwrap(), ta);
        }
    }
}
