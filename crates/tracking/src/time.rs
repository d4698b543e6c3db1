//! Event timestamp parsing. Sources write times in many layouts (ISO 8601 with offset,
//! "YYYY-MM-DD HH:MM:SS" in a named zone, UPS `20251203` + `141500`, Chinese
//! "2025年12月03日 14:15", "Dec 3, 2025 2:15 pm"); all end as local civil time + offset + UTC.

use crate::event::{EventTime, OffsetBasis, RawTimestamp, TimePrecision};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How a numeric date that does not start with a four-digit year is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Only year-first dates are accepted; "03/12/2025" is rejected as ambiguous.
    #[default]
    YearFirst,
    DayFirst,
    MonthFirst,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeError {
    #[error("timestamp is empty")]
    Empty,
    #[error("timestamp '{value}' is not a date/time: {detail}")]
    Unparsed { value: String, detail: String },
    #[error("timestamp '{value}' has an impossible date or time: {detail}")]
    Invalid { value: String, detail: String },
    #[error(
        "timestamp '{value}' has a day/month order that cannot be told apart; configure the source's date order"
    )]
    AmbiguousDayMonth { value: String },
    #[error("utc_offset '{value}' is not an offset like +08:00, -0500, GMT+8 or Z")]
    BadOffset { value: String },
    #[error("time_zone '{value}' is not a known IANA time zone")]
    UnknownZone { value: String },
    #[error(
        "timestamp '{value}' is local time without an offset, and neither utc_offset, time_zone, a single-zone location country or state/province nor a carrier default zone is known"
    )]
    NoOffset { value: String },
}

/// Zones to fall back on when the timestamp and its fields do not say.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZoneFallbacks<'a> {
    /// Zone of the event location's country, when that country has exactly one.
    pub country: Option<(&'a str, &'a TimeZone)>,
    /// Zone of the event location's state or province, in a country with several zones.
    pub region: Option<(&'a str, &'a TimeZone)>,
    pub carrier_default: Option<(&'a str, &'a TimeZone)>,
}

/// What the text itself said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLocal {
    pub datetime: DateTime,
    pub precision: TimePrecision,
    pub offset_seconds: Option<i32>,
    pub zone: Option<String>,
}

/// Parses a raw timestamp and resolves its offset. DST gaps and folds in a named zone are
/// resolved "compatibly": a time in a gap moves forward by the gap, a time in a fold takes the
/// earlier (pre-transition) offset — the same rule RFC 5545 and Temporal use.
pub fn resolve(
    raw: &RawTimestamp,
    order: DateOrder,
    fallbacks: ZoneFallbacks<'_>,
) -> Result<EventTime, TimeError> {
    resolve_with_zone(raw, None, order, fallbacks)
}

/// As [`resolve`], with `raw.time_zone` already looked up by the caller (a cache hit); `None`
/// means "look it up here".
pub fn resolve_with_zone(
    raw: &RawTimestamp,
    given_zone: Option<(&str, &TimeZone)>,
    order: DateOrder,
    fallbacks: ZoneFallbacks<'_>,
) -> Result<EventTime, TimeError> {
    if let Some(utc) = parse_epoch(&raw.value) {
        return epoch_event_time(raw, utc, given_zone, fallbacks);
    }
    let parsed = parse_local(&raw.value, order)?;
    if let Some(secs) = parsed.offset_seconds {
        return with_offset(&parsed, secs, OffsetBasis::InTimestamp);
    }
    if let Some(zone_name) = &parsed.zone {
        let tz = get_zone(zone_name)?;
        return with_zone(&parsed, zone_name, &tz, OffsetBasis::InTimestamp);
    }
    if let Some(off) = raw.utc_offset.as_deref().filter(|s| !s.trim().is_empty()) {
        let secs = parse_offset_field(off)?;
        return with_offset(&parsed, secs, OffsetBasis::GivenOffset);
    }
    if let Some((name, tz)) = given_zone {
        return with_zone(&parsed, name, tz, OffsetBasis::GivenZone);
    }
    if let Some(zone) = raw.time_zone.as_deref().filter(|s| !s.trim().is_empty()) {
        let zone = zone.trim();
        let tz = get_zone(zone)?;
        return with_zone(&parsed, zone, &tz, OffsetBasis::GivenZone);
    }
    if let Some((name, tz)) = fallbacks.country {
        return with_zone(&parsed, name, tz, OffsetBasis::CountryZone);
    }
    if let Some((name, tz)) = fallbacks.region {
        return with_zone(&parsed, name, tz, OffsetBasis::RegionZone);
    }
    if let Some((name, tz)) = fallbacks.carrier_default {
        return with_zone(&parsed, name, tz, OffsetBasis::CarrierDefault);
    }
    Err(TimeError::NoOffset {
        value: raw.value.clone(),
    })
}

/// Unix epoch seconds (10 digits) or milliseconds (13 digits), as some APIs send.
fn parse_epoch(value: &str) -> Option<Timestamp> {
    let v = value.trim();
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = v.parse().ok()?;
    match v.len() {
        10 => Timestamp::from_second(n).ok(),
        13 => Timestamp::from_millisecond(n).ok(),
        _ => None,
    }
}

/// An epoch instant is exact; the zone only decides how its local time is shown.
fn epoch_event_time(
    raw: &RawTimestamp,
    utc: Timestamp,
    given_zone: Option<(&str, &TimeZone)>,
    fallbacks: ZoneFallbacks<'_>,
) -> Result<EventTime, TimeError> {
    let zone: Option<(String, TimeZone)> = if let Some((n, tz)) = given_zone {
        Some((n.to_string(), tz.clone()))
    } else if let Some(off) = raw.utc_offset.as_deref().filter(|s| !s.trim().is_empty()) {
        let secs = parse_offset_field(off)?;
        let offset = Offset::from_seconds(secs).map_err(|_| TimeError::BadOffset {
            value: off.to_string(),
        })?;
        return Ok(EventTime {
            local: offset.to_datetime(utc),
            offset_seconds: secs,
            utc,
            zone: None,
            precision: TimePrecision::Second,
            basis: OffsetBasis::InTimestamp,
        });
    } else if let Some(z) = raw.time_zone.as_deref().filter(|s| !s.trim().is_empty()) {
        Some((z.trim().to_string(), get_zone(z.trim())?))
    } else {
        fallbacks
            .country
            .or(fallbacks.carrier_default)
            .map(|(n, tz)| (n.to_string(), tz.clone()))
    };
    let (name, offset) = match zone {
        Some((n, tz)) => (Some(n), tz.to_offset(utc)),
        None => (None, Offset::UTC),
    };
    Ok(EventTime {
        local: offset.to_datetime(utc),
        offset_seconds: offset.seconds(),
        utc,
        zone: name,
        precision: TimePrecision::Second,
        basis: OffsetBasis::InTimestamp,
    })
}

fn get_zone(name: &str) -> Result<TimeZone, TimeError> {
    TimeZone::get(name).map_err(|_| TimeError::UnknownZone {
        value: name.to_string(),
    })
}

fn with_offset(p: &ParsedLocal, secs: i32, basis: OffsetBasis) -> Result<EventTime, TimeError> {
    let offset = Offset::from_seconds(secs).map_err(|e| TimeError::Invalid {
        value: format!("{secs}s"),
        detail: e.to_string(),
    })?;
    let utc = offset
        .to_timestamp(p.datetime)
        .map_err(|e| TimeError::Invalid {
            value: p.datetime.to_string(),
            detail: e.to_string(),
        })?;
    Ok(EventTime {
        local: p.datetime,
        offset_seconds: secs,
        utc,
        zone: None,
        precision: p.precision,
        basis,
    })
}

fn with_zone(
    p: &ParsedLocal,
    name: &str,
    tz: &TimeZone,
    basis: OffsetBasis,
) -> Result<EventTime, TimeError> {
    let utc = tz
        .to_ambiguous_timestamp(p.datetime)
        .compatible()
        .map_err(|e| TimeError::Invalid {
            value: p.datetime.to_string(),
            detail: e.to_string(),
        })?;
    let offset = tz.to_offset(utc);
    // In a DST gap the wall clock shown is the one after the jump, which is what clocks read.
    let local = offset.to_datetime(utc);
    Ok(EventTime {
        local,
        offset_seconds: offset.seconds(),
        utc,
        zone: Some(name.to_string()),
        precision: p.precision,
        basis,
    })
}

/// Parses an offset given in its own field: `+08:00`, `+0800`, `+8`, `-05`, `GMT+8`,
/// `UTC-03:30`, `Z`, `UTC`.
pub fn parse_offset_field(s: &str) -> Result<i32, TimeError> {
    let bad = || TimeError::BadOffset {
        value: s.to_string(),
    };
    let mut c = Cursor::new(s.trim());
    let secs = c.offset().ok_or_else(bad)?;
    c.skip_spaces();
    if !c.done() {
        return Err(bad());
    }
    Ok(secs)
}

/// Parses the text of a timestamp without resolving the zone.
pub fn parse_local(value: &str, order: DateOrder) -> Result<ParsedLocal, TimeError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(TimeError::Empty);
    }
    let unparsed = |detail: &str| TimeError::Unparsed {
        value: value.to_string(),
        detail: detail.to_string(),
    };
    // A bracketed IANA zone suffix (RFC 9557), e.g. "...+01:00[Europe/Paris]".
    let (body, zone) = match (trimmed.rfind('['), trimmed.ends_with(']')) {
        (Some(open), true) => (
            &trimmed[..open],
            Some(trimmed[open + 1..trimmed.len() - 1].to_string()),
        ),
        _ => (trimmed, None),
    };
    let mut c = Cursor::new(body);
    let (y, m, d) = c.date(order, value)?;
    c.skip_separators();
    let mut precision = TimePrecision::Day;
    let (mut hh, mut mm, mut ss, mut ns) = (0i8, 0i8, 0i8, 0i32);
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let (h, mi, s, n, prec) = c.time().ok_or_else(|| {
            unparsed("expected a time like 14:15, 14:15:00 or 141500 after the date")
        })?;
        (hh, mm, ss, ns, precision) = (h, mi, s, n, prec);
        c.skip_spaces();
        if let Some(pm) = c.meridiem() {
            if !(1..=12).contains(&hh) {
                return Err(TimeError::Invalid {
                    value: value.to_string(),
                    detail: format!("hour {hh} with AM/PM"),
                });
            }
            hh = match (pm, hh) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
        }
    }
    c.skip_spaces();
    let offset_seconds = if c.done() {
        None
    } else {
        Some(c.offset().ok_or_else(|| {
            unparsed("unexpected text after the time; expected an offset like +08:00 or Z")
        })?)
    };
    c.skip_spaces();
    if !c.done() {
        return Err(unparsed("unexpected trailing text"));
    }
    if hh == 24 && mm == 0 && ss == 0 && ns == 0 {
        return Err(TimeError::Invalid {
            value: value.to_string(),
            detail: "24:00 is not accepted; write 00:00 of the next day".into(),
        });
    }
    let datetime = DateTime::new(y, m, d, hh, mm, ss, ns).map_err(|e| TimeError::Invalid {
        value: value.to_string(),
        detail: e.to_string(),
    })?;
    Ok(ParsedLocal {
        datetime,
        precision,
        offset_seconds,
        zone,
    })
}

struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            s,
            b: s.as_bytes(),
            i: 0,
        }
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn rest(&self) -> &'a str {
        self.s.get(self.i..).unwrap_or("")
    }
    fn eat_str(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    fn eat_ci(&mut self, lit: &str) -> bool {
        let rest = self.rest().as_bytes();
        if rest.len() >= lit.len() && rest[..lit.len()].eq_ignore_ascii_case(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|b| b == b' ' || b == b'\t') {
            self.i += 1;
        }
    }
    fn skip_separators(&mut self) {
        while let Some(b' ' | b'\t' | b',' | b'T' | b't') = self.peek() {
            self.i += 1;
        }
    }
    /// Up to `max` digits; returns (value, count).
    fn digits(&mut self, max: usize) -> (u32, usize) {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            match self.peek() {
                Some(b) if b.is_ascii_digit() => {
                    v = v * 10 + u32::from(b - b'0');
                    n += 1;
                    self.i += 1;
                }
                _ => break,
            }
        }
        (v, n)
    }
    fn count_digits_ahead(&self) -> usize {
        self.b[self.i.min(self.b.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }
    fn date_sep(&mut self) -> bool {
        match self.peek() {
            Some(b'-' | b'/' | b'.') => {
                self.i += 1;
                true
            }
            _ => self.eat_str("年") || self.eat_str("月"),
        }
    }

    fn date(&mut self, order: DateOrder, value: &str) -> Result<(i16, i8, i8), TimeError> {
        let finish = |y: u32, m: u32, d: u32| -> Result<(i16, i8, i8), TimeError> {
            let invalid = |detail: String| TimeError::Invalid {
                value: value.to_string(),
                detail,
            };
            Ok((
                i16::try_from(y).map_err(|_| invalid(format!("year {y}")))?,
                i8::try_from(m).map_err(|_| invalid(format!("month {m}")))?,
                i8::try_from(d).map_err(|_| invalid(format!("day {d}")))?,
            ))
        };
        self.skip_weekday();
        let unparsed = |detail: &str| TimeError::Unparsed {
            value: value.to_string(),
            detail: detail.to_string(),
        };
        let lead = self.count_digits_ahead();
        let (y, m, d) = if lead == 8 || lead == 14 || lead == 12 {
            // Compact YYYYMMDD, optionally followed directly by HHMM[SS].
            let (y, _) = self.digits(4);
            let (m, _) = self.digits(2);
            let (d, _) = self.digits(2);
            (y, m, d)
        } else if lead == 4 {
            let (y, _) = self.digits(4);
            if !self.date_sep() {
                return Err(unparsed("expected '-', '/', '.' or '年' after the year"));
            }
            let (m, mn) = self.digits(2);
            if mn == 0 || !self.date_sep() {
                return Err(unparsed("expected a month and a separator"));
            }
            let (d, dn) = self.digits(2);
            if dn == 0 {
                return Err(unparsed("expected a day of month"));
            }
            self.eat_str("日");
            (y, m, d)
        } else if lead == 1 || lead == 2 {
            let (a, _) = self.digits(2);
            let save = self.i;
            if self.date_sep() && self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
                // "03-Dec-2025"
                let m = self
                    .month_name()
                    .ok_or_else(|| unparsed("expected a month name"))?;
                if !self.date_sep() {
                    self.skip_spaces();
                }
                let (y, yn) = self.digits(4);
                if yn != 4 {
                    return Err(unparsed("expected a four-digit year"));
                }
                return finish(y, m, a);
            }
            self.i = save;
            if self.date_sep() {
                let (b, bn) = self.digits(2);
                if bn == 0 || !self.date_sep() {
                    return Err(unparsed("expected day, month and year"));
                }
                let (y, yn) = self.digits(4);
                if yn != 4 {
                    return Err(unparsed("expected a four-digit year"));
                }
                match order {
                    DateOrder::DayFirst => (y, b, a),
                    DateOrder::MonthFirst => (y, a, b),
                    DateOrder::YearFirst => {
                        return Err(TimeError::AmbiguousDayMonth {
                            value: value.to_string(),
                        });
                    }
                }
            } else {
                // "3 Dec 2025"
                self.skip_spaces();
                let m = self
                    .month_name()
                    .ok_or_else(|| unparsed("expected a month name"))?;
                self.skip_spaces();
                let (y, yn) = self.digits(4);
                if yn != 4 {
                    return Err(unparsed("expected a four-digit year"));
                }
                (y, m, a)
            }
        } else if lead == 0 {
            // "Dec 3, 2025" / "December 03 2025"
            let m = self.month_name().ok_or_else(|| {
                unparsed("expected a date starting with a year, a day or a month name")
            })?;
            self.skip_spaces();
            let (d, dn) = self.digits(2);
            if dn == 0 {
                return Err(unparsed("expected a day after the month name"));
            }
            self.eat_str(",");
            self.skip_spaces();
            let (y, yn) = self.digits(4);
            if yn != 4 {
                return Err(unparsed("expected a four-digit year"));
            }
            (y, m, d)
        } else {
            return Err(unparsed("unexpected number of leading digits"));
        };
        finish(y, m, d)
    }

    /// Skips a leading weekday name ("Wed, 03 Dec 2025 ...", "Wednesday 3 December 2025").
    fn skip_weekday(&mut self) {
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        let word = self.s.get(start..self.i).unwrap_or("").to_ascii_lowercase();
        if word.len() >= 3 && DAYS.iter().any(|d| word.starts_with(d)) {
            self.eat_str(".");
            self.eat_str(",");
            self.skip_spaces();
        } else {
            self.i = start;
        }
    }

    fn month_name(&mut self) -> Option<u32> {
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        let word = self.s.get(start..self.i)?.to_ascii_lowercase();
        self.eat_str(".");
        if word.len() < 3 {
            self.i = start;
            return None;
        }
        let pos = MONTHS.iter().position(|m| word.starts_with(m));
        if pos.is_none() {
            self.i = start;
        }
        pos.map(|p| p as u32 + 1)
    }

    /// HH:MM[:SS[.fff]] or HHMM[SS]; hours may be one digit when colon-separated.
    fn time(&mut self) -> Option<(i8, i8, i8, i32, TimePrecision)> {
        let lead = self.count_digits_ahead();
        let (h, m, s, prec);
        let mut ns = 0i32;
        if lead == 4 || lead == 6 {
            h = self.digits(2).0;
            m = self.digits(2).0;
            if lead == 6 {
                s = self.digits(2).0;
                prec = TimePrecision::Second;
            } else {
                s = 0;
                prec = TimePrecision::Minute;
            }
        } else if lead == 1 || lead == 2 {
            h = self.digits(2).0;
            if !(self.eat_str(":")
                || self.eat_str("时")
                || self.eat_str("點")
                || self.eat_str("点"))
            {
                return None;
            }
            let (mv, mn) = self.digits(2);
            if mn != 2 {
                return None;
            }
            m = mv;
            self.eat_str("分");
            if self.eat_str(":") {
                let (sv, sn) = self.digits(2);
                if sn != 2 {
                    return None;
                }
                s = sv;
                self.eat_str("秒");
                prec = TimePrecision::Second;
            } else {
                s = 0;
                prec = TimePrecision::Minute;
            }
        } else {
            return None;
        }
        if prec == TimePrecision::Second && matches!(self.peek(), Some(b'.' | b',')) {
            let save = self.i;
            self.i += 1;
            let (frac, n) = self.digits(9);
            if n == 0 {
                self.i = save;
            } else {
                ns = (frac * 10u32.pow(9 - n as u32)) as i32;
                // Digits beyond nanoseconds carry no meaning for tracking.
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.i += 1;
                }
            }
        }
        Some((h as i8, m as i8, s as i8, ns, prec))
    }

    /// `AM`/`PM`/`a.m.`/`p.m.` → Some(is_pm).
    fn meridiem(&mut self) -> Option<bool> {
        for (lit, pm) in [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true)] {
            let save = self.i;
            if self.eat_ci(lit) {
                if self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
                    self.i = save;
                    continue;
                }
                return Some(pm);
            }
        }
        None
    }

    /// `Z`, `±HH[:MM]`, `±HHMM`, `UTC`/`GMT` optionally followed by `±H[H][:MM]`.
    fn offset(&mut self) -> Option<i32> {
        if self.eat_str("Z") || self.eat_str("z") {
            return Some(0);
        }
        let named = self.eat_ci("utc") || self.eat_ci("gmt");
        self.skip_spaces();
        let sign = match self.peek() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ if named => return Some(0),
            _ => return None,
        };
        self.i += 1;
        let lead = self.count_digits_ahead();
        let (h, mnt) = if lead == 4 {
            let h = self.digits(2).0;
            (h, self.digits(2).0)
        } else if lead == 1 || lead == 2 {
            let h = self.digits(2).0;
            let m = if self.eat_str(":") {
                let (m, n) = self.digits(2);
                if n != 2 {
                    return None;
                }
                m
            } else {
                0
            };
            (h, m)
        } else {
            return None;
        };
        if h > 18 || mnt > 59 {
            return None;
        }
        Some(sign * (h as i32 * 3600 + mnt as i32 * 60))
    }
}

/// The IANA zone of a state or province of a country with several zones, keyed "US-NY", for the
/// regions where one zone covers all of it or nearly all of its people. Regions split between
/// zones with large populations on both sides (US: KY, TN, SD; Canada: NL, NU; Australia: none
/// excluded) are absent: an event there needs an offset or zone from its source. Where a small
/// part differs (e.g. the El Paso corner of Texas, the Florida panhandle, north-western
/// Ontario), the majority zone is used and the event's basis says `region_zone`.
pub fn zone_of_region(country: &str, region: &str) -> Option<&'static str> {
    zone_of_place(country, region, None)
}

/// As [`zone_of_region`], first looking at the city: carrier hubs in regions split between
/// zones (UPS Worldport in Louisville, the FedEx hubs in Memphis and Indianapolis) and the
/// larger cities on the minority side of a majority-zone region (El Paso, Pensacola).
pub fn zone_of_place(country: &str, region: &str, city: Option<&str>) -> Option<&'static str> {
    let country_up = country.trim().to_ascii_uppercase();
    let mut region_up = region.trim().to_ascii_uppercase();
    if let Some(rest) = region_up.strip_prefix(&format!("{country_up}-")) {
        region_up = rest.to_string();
    }
    if let Some(city) = city {
        let city = city.trim().to_ascii_uppercase();
        let by_city = match (country_up.as_str(), region_up.as_str(), city.as_str()) {
            ("US", "KY", "LOUISVILLE" | "LEXINGTON" | "HEBRON" | "ERLANGER" | "COVINGTON") => {
                Some("America/New_York")
            }
            ("US", "KY", "BOWLING GREEN" | "PADUCAH" | "OWENSBORO") => Some("America/Chicago"),
            ("US", "TN", "MEMPHIS" | "NASHVILLE" | "CLARKSVILLE" | "MURFREESBORO" | "JACKSON") => {
                Some("America/Chicago")
            }
            ("US", "TN", "KNOXVILLE" | "CHATTANOOGA" | "JOHNSON CITY") => Some("America/New_York"),
            ("US", "IN", "INDIANAPOLIS" | "FORT WAYNE" | "PLAINFIELD" | "SOUTH BEND") => {
                Some("America/Indiana/Indianapolis")
            }
            ("US", "IN", "GARY" | "HAMMOND" | "EVANSVILLE") => Some("America/Chicago"),
            ("US", "SD", "SIOUX FALLS" | "ABERDEEN") => Some("America/Chicago"),
            ("US", "SD", "RAPID CITY") => Some("America/Denver"),
            ("US", "TX", "EL PASO") => Some("America/Denver"),
            ("US", "FL", "PENSACOLA") => Some("America/Chicago"),
            _ => None,
        };
        if by_city.is_some() {
            return by_city;
        }
    }
    let (country, region) = (country_up, region_up);
    let zone = match (country.as_str(), region.as_str()) {
        (
            "US",
            "CT" | "DE" | "DC" | "GA" | "ME" | "MD" | "MA" | "NH" | "NJ" | "NY" | "NC" | "OH"
            | "PA" | "RI" | "SC" | "VT" | "VA" | "WV" | "FL",
        ) => "America/New_York",
        ("US", "MI") => "America/Detroit",
        (
            "US",
            "AL" | "AR" | "IL" | "IA" | "LA" | "MN" | "MS" | "MO" | "OK" | "WI" | "TX" | "KS"
            | "NE" | "ND",
        ) => "America/Chicago",
        ("US", "CO" | "MT" | "NM" | "UT" | "WY") => "America/Denver",
        ("US", "ID") => "America/Boise",
        ("US", "AZ") => "America/Phoenix",
        ("US", "CA" | "WA" | "OR" | "NV") => "America/Los_Angeles",
        ("US", "AK") => "America/Anchorage",
        ("US", "HI") => "Pacific/Honolulu",
        ("US", "PR") => "America/Puerto_Rico",
        ("US", "VI") => "America/St_Thomas",
        ("US", "GU") => "Pacific/Guam",
        ("CA", "ON" | "QC") => "America/Toronto",
        ("CA", "BC") => "America/Vancouver",
        ("CA", "AB" | "NT") => "America/Edmonton",
        ("CA", "SK") => "America/Regina",
        ("CA", "MB") => "America/Winnipeg",
        ("CA", "NB") => "America/Moncton",
        ("CA", "NS" | "PE") => "America/Halifax",
        ("CA", "YT") => "America/Whitehorse",
        ("AU", "NSW" | "ACT") => "Australia/Sydney",
        ("AU", "VIC") => "Australia/Melbourne",
        ("AU", "QLD") => "Australia/Brisbane",
        ("AU", "SA") => "Australia/Adelaide",
        ("AU", "WA") => "Australia/Perth",
        ("AU", "TAS") => "Australia/Hobart",
        ("AU", "NT") => "Australia/Darwin",
        _ => return None,
    };
    Some(zone)
}

/// The IANA zone of countries that observe a single civil time across their territory, so an
/// event located there can be placed in time without an explicit offset. Countries with several
/// zones (US, CA, AU, BR, MX, RU, ID, ES with the Canaries, PT with the Azores...) are absent on
/// purpose: guessing there would be silently wrong by hours.
pub fn single_zone_of_country(iso2: &str) -> Option<&'static str> {
    let code = iso2.trim();
    if code.len() != 2 {
        return None;
    }
    let up = [
        code.as_bytes()[0].to_ascii_uppercase(),
        code.as_bytes()[1].to_ascii_uppercase(),
    ];
    Some(match &up {
        b"CN" => "Asia/Shanghai",
        b"HK" => "Asia/Hong_Kong",
        b"MO" => "Asia/Macau",
        b"TW" => "Asia/Taipei",
        b"JP" => "Asia/Tokyo",
        b"KR" => "Asia/Seoul",
        b"SG" => "Asia/Singapore",
        b"MY" => "Asia/Kuala_Lumpur",
        b"TH" => "Asia/Bangkok",
        b"VN" => "Asia/Ho_Chi_Minh",
        b"PH" => "Asia/Manila",
        b"IN" => "Asia/Kolkata",
        b"PK" => "Asia/Karachi",
        b"BD" => "Asia/Dhaka",
        b"AE" => "Asia/Dubai",
        b"SA" => "Asia/Riyadh",
        b"QA" => "Asia/Qatar",
        b"IL" => "Asia/Jerusalem",
        b"TR" => "Europe/Istanbul",
        b"GB" => "Europe/London",
        b"IE" => "Europe/Dublin",
        b"DE" => "Europe/Berlin",
        b"FR" => "Europe/Paris",
        b"NL" => "Europe/Amsterdam",
        b"BE" => "Europe/Brussels",
        b"LU" => "Europe/Luxembourg",
        b"AT" => "Europe/Vienna",
        b"CH" => "Europe/Zurich",
        b"IT" => "Europe/Rome",
        b"PL" => "Europe/Warsaw",
        b"CZ" => "Europe/Prague",
        b"SK" => "Europe/Bratislava",
        b"HU" => "Europe/Budapest",
        b"SE" => "Europe/Stockholm",
        b"DK" => "Europe/Copenhagen",
        b"NO" => "Europe/Oslo",
        b"FI" => "Europe/Helsinki",
        b"GR" => "Europe/Athens",
        b"RO" => "Europe/Bucharest",
        b"BG" => "Europe/Sofia",
        b"HR" => "Europe/Zagreb",
        b"SI" => "Europe/Ljubljana",
        b"EE" => "Europe/Tallinn",
        b"LV" => "Europe/Riga",
        b"LT" => "Europe/Vilnius",
        b"UA" => "Europe/Kyiv",
        b"ZA" => "Africa/Johannesburg",
        b"EG" => "Africa/Cairo",
        b"NG" => "Africa/Lagos",
        b"KE" => "Africa/Nairobi",
        b"NZ" => "Pacific/Auckland",
        b"CO" => "America/Bogota",
        b"PE" => "America/Lima",
        b"AR" => "America/Argentina/Buenos_Aires",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(v: &str) -> RawTimestamp {
        RawTimestamp::new(v)
    }

    fn utc(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn iso_with_offset() {
        let t = resolve(
            &raw("2025-12-03T14:15:00+08:00"),
            DateOrder::YearFirst,
            ZoneFallbacks::default(),
        )
        .unwrap();
        assert_eq!(t.utc, utc("2025-12-03T06:15:00Z"));
        assert_eq!(t.offset_seconds, 8 * 3600);
        assert_eq!(t.local.to_string(), "2025-12-03T14:15:00");
        assert_eq!(t.basis, OffsetBasis::InTimestamp);
        let z = resolve(
            &raw("2025-12-03T06:15:00.123Z"),
            DateOrder::YearFirst,
            ZoneFallbacks::default(),
        )
        .unwrap();
        assert_eq!(z.utc, utc("2025-12-03T06:15:00.123Z"));
        let compact = resolve(
            &raw("2025-12-03T14:15:00-0500"),
            DateOrder::YearFirst,
            ZoneFallbacks::default(),
        )
        .unwrap();
        assert_eq!(compact.utc, utc("2025-12-03T19:15:00Z"));
    }

    #[test]
    fn naive_local_with_given_zone_and_offset() {
        let mut r = raw("2025-12-03 14:15:00");
        r.time_zone = Some("Asia/Shanghai".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.utc, utc("2025-12-03T06:15:00Z"));
        assert_eq!(t.zone.as_deref(), Some("Asia/Shanghai"));
        assert_eq!(t.basis, OffsetBasis::GivenZone);
        let mut r = raw("2025-12-03 14:15");
        r.utc_offset = Some("GMT+8".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.utc, utc("2025-12-03T06:15:00Z"));
        assert_eq!(t.precision, TimePrecision::Minute);
    }

    #[test]
    fn ups_compact_date_and_time() {
        let mut r = raw("20251203 141500");
        r.utc_offset = Some("-05:00".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.utc, utc("2025-12-03T19:15:00Z"));
        let mut r = raw("20251203141500");
        r.utc_offset = Some("-0500".into());
        assert_eq!(
            resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default())
                .unwrap()
                .utc,
            utc("2025-12-03T19:15:00Z")
        );
    }

    #[test]
    fn chinese_layouts() {
        for v in [
            "2025-12-03 14:15:00",
            "2025/12/03 14:15:00",
            "2025年12月03日 14:15:00",
            "2025年12月3日 14时15分",
        ] {
            let mut r = raw(v);
            r.time_zone = Some("Asia/Shanghai".into());
            let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
            assert_eq!(t.utc, utc("2025-12-03T06:15:00Z"), "{v}");
        }
    }

    #[test]
    fn english_month_names_and_meridiem() {
        let mut r = raw("December 3, 2025, 2:15 pm");
        r.time_zone = Some("America/New_York".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.utc, utc("2025-12-03T19:15:00Z"));
        let mut r = raw("3 Dec 2025 12:05 AM");
        r.time_zone = Some("Europe/London".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.utc, utc("2025-12-03T00:05:00Z"));
    }

    #[test]
    fn weekday_prefix_and_month_name_dates() {
        let t = resolve(
            &raw("Wed, 03 Dec 2025 14:15:00 GMT"),
            DateOrder::YearFirst,
            ZoneFallbacks::default(),
        )
        .unwrap();
        assert_eq!(t.utc, utc("2025-12-03T14:15:00Z"));
        let mut r = raw("03-Dec-2025 14:15");
        r.time_zone = Some("Asia/Tokyo".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.utc, utc("2025-12-03T05:15:00Z"));
        let mut r = raw("Wednesday 3 December 2025 9:05 am");
        r.time_zone = Some("Europe/London".into());
        assert_eq!(
            resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default())
                .unwrap()
                .utc,
            utc("2025-12-03T09:05:00Z")
        );
    }

    #[test]
    fn day_first_needs_configuration() {
        let mut r = raw("03/12/2025 14:15");
        r.time_zone = Some("Europe/London".into());
        assert!(matches!(
            resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()),
            Err(TimeError::AmbiguousDayMonth { .. })
        ));
        let t = resolve(&r, DateOrder::DayFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.local.date(), jiff::civil::date(2025, 12, 3));
        let t = resolve(&r, DateOrder::MonthFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.local.date(), jiff::civil::date(2025, 3, 12));
    }

    #[test]
    fn date_only_is_local_midnight_with_day_precision() {
        let mut r = raw("2025-12-03");
        r.time_zone = Some("Asia/Tokyo".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.precision, TimePrecision::Day);
        assert_eq!(t.utc, utc("2025-12-02T15:00:00Z"));
    }

    #[test]
    fn dst_gap_moves_forward_and_fold_takes_earlier_offset() {
        // Europe/Berlin springs forward 2025-03-30 02:00 → 03:00.
        let mut r = raw("2025-03-30 02:30:00");
        r.time_zone = Some("Europe/Berlin".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.utc, utc("2025-03-30T01:30:00Z"));
        assert_eq!(t.local.to_string(), "2025-03-30T03:30:00");
        assert_eq!(t.offset_seconds, 7200);
        // Falls back 2025-10-26 03:00 → 02:00; 02:30 happens twice.
        let mut r = raw("2025-10-26 02:30:00");
        r.time_zone = Some("Europe/Berlin".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.offset_seconds, 7200);
        assert_eq!(t.utc, utc("2025-10-26T00:30:00Z"));
        // With an explicit offset the second occurrence is exact.
        let t = resolve(
            &raw("2025-10-26T02:30:00+01:00"),
            DateOrder::YearFirst,
            ZoneFallbacks::default(),
        )
        .unwrap();
        assert_eq!(t.utc, utc("2025-10-26T01:30:00Z"));
    }

    #[test]
    fn region_zones_cover_single_zone_states_only() {
        assert_eq!(zone_of_region("US", "ny"), Some("America/New_York"));
        assert_eq!(zone_of_region("us", "US-CA"), Some("America/Los_Angeles"));
        assert_eq!(zone_of_region("CA", "ON"), Some("America/Toronto"));
        assert_eq!(zone_of_region("AU", "QLD"), Some("Australia/Brisbane"));
        // Split between zones with many people on both sides: no guess.
        assert_eq!(zone_of_region("US", "KY"), None);
        assert_eq!(zone_of_region("US", "TN"), None);
        assert_eq!(zone_of_region("DE", "BY"), None);
        assert_eq!(
            zone_of_place("US", "KY", Some("Louisville")),
            Some("America/New_York")
        );
        assert_eq!(
            zone_of_place("US", "TN", Some("MEMPHIS")),
            Some("America/Chicago")
        );
        assert_eq!(
            zone_of_place("US", "TX", Some("El Paso")),
            Some("America/Denver")
        );
        assert_eq!(
            zone_of_place("US", "TX", Some("Dallas")),
            Some("America/Chicago")
        );
        for (c, r) in [
            ("US", "TX"),
            ("US", "HI"),
            ("CA", "NS"),
            ("AU", "NT"),
            ("US", "GU"),
        ] {
            let name = zone_of_region(c, r).unwrap();
            assert!(TimeZone::get(name).is_ok(), "{name}");
        }
        let ny = TimeZone::get("America/New_York").unwrap();
        let fb = ZoneFallbacks {
            region: Some(("America/New_York", &ny)),
            ..ZoneFallbacks::default()
        };
        let t = resolve(&raw("2025-12-05 10:12:00"), DateOrder::YearFirst, fb).unwrap();
        assert_eq!(t.basis, OffsetBasis::RegionZone);
        assert_eq!(t.utc, utc("2025-12-05T15:12:00Z"));
    }

    #[test]
    fn fallbacks_in_order() {
        let cn = TimeZone::get("Asia/Shanghai").unwrap();
        let de = TimeZone::get("Europe/Berlin").unwrap();
        let r = raw("2025-12-03 14:15:00");
        let fb = ZoneFallbacks {
            country: Some(("Europe/Berlin", &de)),
            region: None,
            carrier_default: Some(("Asia/Shanghai", &cn)),
        };
        let t = resolve(&r, DateOrder::YearFirst, fb).unwrap();
        assert_eq!(t.basis, OffsetBasis::CountryZone);
        assert_eq!(t.utc, utc("2025-12-03T13:15:00Z"));
        let fb = ZoneFallbacks {
            country: None,
            region: None,
            carrier_default: Some(("Asia/Shanghai", &cn)),
        };
        assert_eq!(
            resolve(&r, DateOrder::YearFirst, fb).unwrap().basis,
            OffsetBasis::CarrierDefault
        );
        assert!(matches!(
            resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()),
            Err(TimeError::NoOffset { .. })
        ));
    }

    #[test]
    fn epoch_seconds_and_millis() {
        let mut r = raw("1764771300000");
        r.time_zone = Some("Asia/Shanghai".into());
        let t = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
        assert_eq!(t.utc, utc("2025-12-03T14:15:00Z"));
        assert_eq!(t.local.to_string(), "2025-12-03T22:15:00");
        let t = resolve(
            &raw("1764771300"),
            DateOrder::YearFirst,
            ZoneFallbacks::default(),
        )
        .unwrap();
        assert_eq!(t.utc, utc("2025-12-03T14:15:00Z"));
        assert_eq!(t.offset_seconds, 0);
    }

    #[test]
    fn bracketed_zone_suffix() {
        let t = resolve(
            &raw("2025-12-03T14:15:00[Europe/Paris]"),
            DateOrder::YearFirst,
            ZoneFallbacks::default(),
        )
        .unwrap();
        assert_eq!(t.utc, utc("2025-12-03T13:15:00Z"));
    }

    #[test]
    fn malformed_inputs_are_errors_not_panics() {
        for v in [
            "",
            "   ",
            "yesterday",
            "2025-13-03 10:00",
            "2025-02-30",
            "2025-12-03 25:00",
            "2025-12-03 14:15 +99:00",
            "2025-12-03 14:15 garbage",
            "20251203 1415001",
            "2025-12-03T",
            "２０２５-12-03",
        ] {
            let mut r = raw(v);
            r.time_zone = Some("UTC".into());
            let out = resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default());
            if v == "2025-12-03T" {
                assert!(out.is_ok(), "{v}: trailing T is a separator");
            } else {
                assert!(out.is_err(), "{v} should fail, got {out:?}");
            }
        }
        let mut r = raw("2025-12-03 10:00");
        r.time_zone = Some("Mars/Olympus".into());
        assert!(matches!(
            resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()),
            Err(TimeError::UnknownZone { .. })
        ));
        r.time_zone = None;
        r.utc_offset = Some("eight".into());
        assert!(matches!(
            resolve(&r, DateOrder::YearFirst, ZoneFallbacks::default()),
            Err(TimeError::BadOffset { .. })
        ));
    }

    #[test]
    fn single_zone_countries_only() {
        assert_eq!(single_zone_of_country("cn"), Some("Asia/Shanghai"));
        assert_eq!(single_zone_of_country("US"), None);
        assert_eq!(single_zone_of_country("AU"), None);
        for code in ["CN", "DE", "GB", "JP", "NZ", "AR"] {
            assert!(
                TimeZone::get(single_zone_of_country(code).unwrap()).is_ok(),
                "{code}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(s in "\\PC{0,40}") {
            let _ = parse_local(&s, DateOrder::DayFirst);
        }

        #[test]
        fn offset_round_trip(secs in -18i32*4..=18*4, y in 1990i16..2100, mo in 1i8..=12, d in 1i8..=28, h in 0i8..24, mi in 0i8..60) {
            let secs = secs * 900; // quarter hours
            let sign = if secs < 0 { '-' } else { '+' };
            let a = secs.unsigned_abs();
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60);
            let t = resolve(&raw(&text), DateOrder::YearFirst, ZoneFallbacks::default()).unwrap();
            let expected: Timestamp = text.parse().unwrap();
            proptest::prop_assert_eq!(t.utc, expected);
            proptest::prop_assert_eq!(t.offset_seconds, secs);
        }
    }
}
