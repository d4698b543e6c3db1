//! Field-level difference of two audit snapshots (JSON objects), for showing what changed.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

fn show(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// Changed leaf fields in key order. A missing side (create / delete) shows as empty.
pub fn changes(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let mut left = Vec::new();
    let mut right = Vec::new();
    if let Some(b) = before {
        flatten("", b, &mut left);
    }
    if let Some(a) = after {
        flatten("", a, &mut right);
    }
    let mut fields: Vec<&String> = left.iter().chain(right.iter()).map(|(k, _)| k).collect();
    fields.sort();
    fields.dedup();
    let lookup = |side: &[(String, Value)], key: &str| {
        side.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    fields
        .into_iter()
        .filter_map(|field| {
            let b = lookup(&left, field);
            let a = lookup(&right, field);
            let (bs, as_) = (show(b.as_ref()), show(a.as_ref()));
            (bs != as_).then(|| FieldChange {
                field: if field.is_empty() {
                    "value".to_string()
                } else {
                    field.clone()
                },
                before: bs,
                after: as_,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_changed_fields_are_listed() {
        let before = json!({"title": "Cable", "unit_value": {"amount": "1.50", "currency": "USD"}, "tags": ["a"]});
        let after = json!({"title": "Cable 2m", "unit_value": {"amount": "1.50", "currency": "USD"}, "tags": ["a", "b"]});
        let c = changes(Some(&before), Some(&after));
        assert_eq!(
            c,
            vec![
                FieldChange {
                    field: "tags".into(),
                    before: "[\"a\"]".into(),
                    after: "[\"a\",\"b\"]".into()
                },
                FieldChange {
                    field: "title".into(),
                    before: "Cable".into(),
                    after: "Cable 2m".into()
                },
            ]
        );
    }

    #[test]
    fn creation_lists_every_field() {
        let after = json!({"code": "A1", "battery": {"kind": "none"}});
        let c = changes(None, Some(&after));
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].field, "battery.kind");
        assert_eq!(c[0].before, "");
    }

    #[test]
    fn identical_snapshots_have_no_changes() {
        let v = json!({"a": 1});
        assert!(changes(Some(&v), Some(&v)).is_empty());
        assert!(changes(None, None).is_empty());
    }
}
