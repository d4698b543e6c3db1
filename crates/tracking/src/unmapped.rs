//! The "unmapped codes" report: which raw codes and texts no rule understood, how often, with
//! samples, so operators know what to map next.

use crate::event::NormalizedEvent;
use crate::status::Status;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How many distinct text samples are kept per code.
pub const MAX_SAMPLES: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnmappedKey {
    pub carrier: String,
    /// The raw code, or the category when there was no code; `None` for text-only events.
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedEntry {
    pub key: UnmappedKey,
    pub count: u64,
    pub text_samples: Vec<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// Aggregates `unknown` events by (carrier, code). Text-only events are grouped per carrier
/// with distinct text samples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnmappedReport {
    entries: HashMap<UnmappedKey, UnmappedEntry>,
}

impl UnmappedReport {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a NormalizedEvent>) -> Self {
        let mut r = Self::new();
        for e in events {
            r.add(e);
        }
        r
    }

    /// Counts the event if it is `unknown`; other events are ignored.
    pub fn add(&mut self, e: &NormalizedEvent) {
        if e.status != Status::Unknown {
            return;
        }
        let key = UnmappedKey {
            carrier: e.carrier.clone(),
            code: e
                .raw_code
                .clone()
                .or_else(|| e.raw_category.clone())
                .map(|c| c.trim().to_uppercase()),
        };
        let at = e.time.utc;
        let entry = self
            .entries
            .entry(key.clone())
            .or_insert_with(|| UnmappedEntry {
                key,
                count: 0,
                text_samples: Vec::new(),
                first_seen: at,
                last_seen: at,
            });
        entry.count += 1;
        entry.first_seen = entry.first_seen.min(at);
        entry.last_seen = entry.last_seen.max(at);
        if let Some(t) = &e.raw_text
            && entry.text_samples.len() < MAX_SAMPLES
            && !entry.text_samples.contains(t)
        {
            entry.text_samples.push(t.clone());
        }
    }

    /// Merges another report (e.g. from another batch or worker).
    pub fn merge(&mut self, other: UnmappedReport) {
        for (k, v) in other.entries {
            match self.entries.get_mut(&k) {
                None => {
                    self.entries.insert(k, v);
                }
                Some(e) => {
                    e.count += v.count;
                    e.first_seen = e.first_seen.min(v.first_seen);
                    e.last_seen = e.last_seen.max(v.last_seen);
                    for t in v.text_samples {
                        if e.text_samples.len() < MAX_SAMPLES && !e.text_samples.contains(&t) {
                            e.text_samples.push(t);
                        }
                    }
                }
            }
        }
    }

    /// Entries, most frequent first (ties by carrier and code, for a stable listing).
    pub fn entries(&self) -> Vec<&UnmappedEntry> {
        let mut v: Vec<&UnmappedEntry> = self.entries.values().collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        v
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::tests::ev;
    use crate::status::LegKind;

    #[test]
    fn aggregates_unknown_codes_with_samples() {
        let mut a = ev(Status::Unknown, LegKind::MainCarriage, 0, "zz");
        a.raw_text = Some("mystery".into());
        let mut b = ev(Status::Unknown, LegKind::MainCarriage, 5, "ZZ");
        b.raw_text = Some("mystery 2".into());
        let known = ev(Status::Delivered, LegKind::LastMile, 9, "DL");
        let r = UnmappedReport::from_events([&a, &b, &known, &a]);
        let entries = r.entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].count, 3);
        assert_eq!(entries[0].key.code.as_deref(), Some("ZZ"));
        assert_eq!(entries[0].text_samples, vec!["mystery", "mystery 2"]);
        assert_eq!(entries[0].first_seen, a.time.utc);
        assert_eq!(entries[0].last_seen, b.time.utc);
        let mut merged = UnmappedReport::new();
        merged.merge(r.clone());
        merged.merge(r);
        assert_eq!(merged.entries()[0].count, 6);
    }
}
