//! Building findings with spans that are always valid slices of the field.

use crate::model::{FieldRef, Finding, Fix, Message, Severity};
use crate::text::Span;

/// One target field under check.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    pub field: FieldRef,
    pub text: &'a str,
}

pub struct NewFinding<'a> {
    pub rule_id: &'a str,
    pub entry_id: Option<&'a str>,
    pub severity: Severity,
    pub en: String,
    pub zh: String,
    pub fix: Option<String>,
    pub source: Option<&'a str>,
}

impl Field<'_> {
    /// A finding over bytes `[start, end)` of this field (or none when `range` is None).
    pub fn finding(&self, range: Option<(usize, usize)>, f: NewFinding<'_>) -> Finding {
        let span = range.map(|(s, e)| Span::from_bytes(self.text, s, e));
        Finding {
            rule_id: f.rule_id.to_string(),
            entry_id: f.entry_id.map(str::to_string),
            severity: f.severity,
            field: self.field,
            excerpt: span.and_then(|s| s.slice(self.text)).map(str::to_string),
            span,
            message: Message { en: f.en, zh: f.zh },
            fix: f.fix.map(|replacement| Fix { replacement }),
            source: f.source.map(str::to_string),
            uncertain: false,
        }
    }
}
