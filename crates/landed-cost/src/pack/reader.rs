//! Field-by-field reading of one rule table, collecting every problem instead of stopping at the first.

use super::RuleError;
use crate::hs::HsDigits;
use jiff::civil::Date;
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::str::FromStr;
use toml::{Table, Value};
use tradelane_domain::{Country, Currency, Subdivision};

/// Reads typed fields from one rule table and records errors against the rule's section, position and id.
pub(crate) struct Reader<'a> {
    pub section: &'static str,
    pub position: usize,
    pub id: Option<String>,
    table: &'a Table,
    used: BTreeSet<String>,
    pub errors: Vec<RuleError>,
}

impl<'a> Reader<'a> {
    pub fn new(section: &'static str, position: usize, table: &'a Table) -> Self {
        let mut reader = Reader {
            section,
            position,
            id: None,
            table,
            used: BTreeSet::new(),
            errors: Vec::new(),
        };
        reader.id = reader.opt_str("id");
        reader
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(RuleError {
            section: self.section.to_string(),
            position: self.position,
            rule_id: self.id.clone(),
            field: field.to_string(),
            message: message.into(),
        });
    }

    fn get(&mut self, key: &str) -> Option<&'a Value> {
        self.used.insert(key.to_string());
        self.table.get(key)
    }

    /// Reports keys that no reader asked for: almost always a typo.
    pub fn finish(mut self, extra_allowed: &[&str]) -> Vec<RuleError> {
        let unknown: Vec<String> = self
            .table
            .keys()
            .filter(|k| !self.used.contains(*k) && !extra_allowed.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.error(
                &key,
                "unknown field (check the spelling against RULEPACK.md)",
            );
        }
        self.errors
    }

    pub fn opt_str(&mut self, key: &str) -> Option<String> {
        match self.get(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                let t = other.type_str();
                self.error(key, format!("expected a string, found {t}"));
                None
            }
        }
    }

    pub fn str(&mut self, key: &str) -> Option<String> {
        let value = self.opt_str(key);
        if value.is_none() && !self.table.contains_key(key) {
            self.error(key, "missing (required)");
        }
        value.filter(|s| !s.trim().is_empty())
    }

    pub fn bool(&mut self, key: &str, default: bool) -> bool {
        match self.get(key) {
            None => default,
            Some(Value::Boolean(b)) => *b,
            Some(other) => {
                let t = other.type_str();
                self.error(key, format!("expected true or false, found {t}"));
                default
            }
        }
    }

    pub fn opt_int(&mut self, key: &str) -> Option<i64> {
        match self.get(key) {
            None => None,
            Some(Value::Integer(i)) => Some(*i),
            Some(other) => {
                let t = other.type_str();
                self.error(key, format!("expected an integer, found {t}"));
                None
            }
        }
    }

    /// A decimal given as a string ("6.5"), an integer or a float (floats are read by their shortest text).
    pub fn opt_decimal(&mut self, key: &str) -> Option<Decimal> {
        let text = match self.get(key)? {
            Value::String(s) => s.trim().trim_end_matches('%').to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            other => {
                let t = other.type_str();
                self.error(key, format!("expected a number such as \"6.5\", found {t}"));
                return None;
            }
        };
        match Decimal::from_str(&text) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(key, format!("'{text}' is not a decimal number"));
                None
            }
        }
    }

    pub fn decimal_in(
        &mut self,
        key: &str,
        min: Decimal,
        max: Decimal,
        required: bool,
    ) -> Option<Decimal> {
        let value = self.opt_decimal(key);
        match value {
            None if required && !self.table.contains_key(key) => {
                self.error(key, "missing (required)");
                None
            }
            Some(v) if v < min || v > max => {
                self.error(key, format!("{v} is out of range: expected {min} to {max}"));
                None
            }
            other => other,
        }
    }

    pub fn opt_date(&mut self, key: &str) -> Option<Date> {
        let text = match self.get(key)? {
            Value::String(s) => s.clone(),
            Value::Datetime(dt) => dt.to_string(),
            other => {
                let t = other.type_str();
                self.error(key, format!("expected a date YYYY-MM-DD, found {t}"));
                return None;
            }
        };
        match Date::from_str(text.trim()) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(key, format!("'{text}' is not a date: expected YYYY-MM-DD"));
                None
            }
        }
    }

    pub fn date(&mut self, key: &str) -> Option<Date> {
        if !self.table.contains_key(key) {
            self.error(key, "missing (required)");
            return None;
        }
        self.opt_date(key)
    }

    pub fn str_list(&mut self, key: &str) -> Vec<String> {
        match self.get(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        other => {
                            let t = other.type_str();
                            self.error(
                                key,
                                format!("expected a list of strings, found an item of type {t}"),
                            );
                        }
                    }
                }
                out
            }
            Some(Value::String(s)) => vec![s.clone()],
            Some(other) => {
                let t = other.type_str();
                self.error(key, format!("expected a list of strings, found {t}"));
                Vec::new()
            }
        }
    }

    pub fn currency(&mut self, key: &str, required: bool) -> Option<Currency> {
        let text = if required {
            self.str(key)
        } else {
            self.opt_str(key)
        }?;
        match Currency::parse(&text) {
            Ok(c) => Some(c),
            Err(e) => {
                self.error(key, e.to_string());
                None
            }
        }
    }

    pub fn country(&mut self, key: &str) -> Option<Country> {
        let text = self.str(key)?;
        self.parse_country(key, &text)
    }

    pub fn parse_country(&mut self, key: &str, text: &str) -> Option<Country> {
        match Country::parse(text) {
            Ok(c) => Some(c),
            Err(e) => {
                self.error(key, e.to_string());
                None
            }
        }
    }

    pub fn countries(&mut self, key: &str) -> Vec<Country> {
        let texts = self.str_list(key);
        texts
            .iter()
            .filter_map(|t| self.parse_country(key, t))
            .collect()
    }

    pub fn subdivision(&mut self, key: &str) -> Option<Subdivision> {
        let text = self.opt_str(key)?;
        match Subdivision::parse(&text) {
            Ok(s) => Some(s),
            Err(e) => {
                self.error(key, e.to_string());
                None
            }
        }
    }

    pub fn prefix(&mut self, key: &str, required: bool) -> Option<HsDigits> {
        let text = if required {
            self.str(key)
        } else {
            self.opt_str(key)
        }?;
        if text.trim() == "*" {
            return Some(HsDigits::any());
        }
        match HsDigits::parse_prefix(&text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(key, format!("malformed HS prefix: {e}"));
                None
            }
        }
    }

    pub fn prefixes(&mut self, key: &str) -> Vec<HsDigits> {
        let texts = self.str_list(key);
        let mut out = Vec::new();
        for t in texts {
            match HsDigits::parse_prefix(&t) {
                Ok(p) => out.push(p),
                Err(e) => self.error(key, format!("malformed HS prefix: {e}")),
            }
        }
        out
    }

    /// A territory/scope id: a country code or an upper-case union id such as "EU"; "*" when `any` is allowed.
    pub fn scope(&mut self, key: &str, any: bool) -> Option<String> {
        let text = self.str(key)?;
        let t = text.trim().to_ascii_uppercase();
        let ok = (any && t == "*")
            || (t.len() >= 2
                && t.len() <= 12
                && t.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'));
        if ok {
            Some(t)
        } else {
            self.error(key, format!("'{text}' is not a territory: expected a country code such as \"GB\" or a union id such as \"EU\""));
            None
        }
    }

    /// A choice among fixed words.
    pub fn choice<T: Copy>(
        &mut self,
        key: &str,
        options: &[(&str, T)],
        default: Option<T>,
    ) -> Option<T> {
        let Some(text) = self.opt_str(key) else {
            if default.is_none() && !self.table.contains_key(key) {
                self.error(key, "missing (required)");
            }
            return default;
        };
        let wanted = text.trim().to_ascii_lowercase();
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == wanted) {
            return Some(*v);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        self.error(key, format!("'{text}' is not one of: {}", names.join(", ")));
        default
    }

    pub fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }
}
