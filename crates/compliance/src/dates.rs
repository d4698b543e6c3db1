//! Dated-rule helpers shared by the packs: inclusive effective ranges and date parsing for TOML strings.

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};

/// Inclusive validity of a rule: `from` ..= `to` (`to` None = open-ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DateRange {
    /// First day the rule applies.
    pub from: Date,
    /// Last day it applies, inclusive; None while in force indefinitely.
    pub to: Option<Date>,
}

impl DateRange {
    /// True when `date` falls inside the range, both ends included.
    pub fn contains(&self, date: Date) -> bool {
        date >= self.from && self.to.is_none_or(|to| date <= to)
    }

    /// "2024-12-13..open" / "2026-02-24..2026-07-24", as shown in diffs and reasons.
    pub fn label(&self) -> String {
        match self.to {
            Some(to) => format!("{}..{}", self.from, to),
            None => format!("{}..open", self.from),
        }
    }
}

/// Reads a civil date written as a TOML string ("2024-12-13") or a TOML local date (2024-12-13).
pub(crate) fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let value = toml::Value::deserialize(d)?;
    date_from_value(&value).map_err(serde::de::Error::custom)
}

/// Same as [`de_date`] for optional fields.
pub(crate) fn de_opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let value = Option::<toml::Value>::deserialize(d)?;
    value
        .map(|v| date_from_value(&v).map_err(serde::de::Error::custom))
        .transpose()
}

fn date_from_value(value: &toml::Value) -> Result<Date, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) => dt.to_string(),
        other => {
            return Err(format!(
                "expected a date such as \"2024-12-13\", got {other}"
            ));
        }
    };
    text.parse::<Date>()
        .map_err(|e| format!("'{text}' is not a date YYYY-MM-DD: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn range_includes_both_ends() {
        let r = DateRange {
            from: date(2026, 1, 1),
            to: Some(date(2026, 6, 30)),
        };
        assert!(r.contains(date(2026, 1, 1)));
        assert!(r.contains(date(2026, 6, 30)));
        assert!(!r.contains(date(2025, 12, 31)));
        assert!(!r.contains(date(2026, 7, 1)));
        let open = DateRange {
            from: date(2026, 1, 1),
            to: None,
        };
        assert!(open.contains(date(2099, 1, 1)));
        assert_eq!(open.label(), "2026-01-01..open");
    }
}
