//! What changed between two versions of a rule pack: added, removed and changed rules (keyed by id), with their
//! dates and the fields that differ, filtered to the markets (and categories) the organisation sells.

use crate::dates::DateRange;
use crate::requirements::{Category, Requirement, RequirementPack};
use crate::tax::{FilingRule, MarketScope, ThresholdPack, ThresholdRule};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tradelane_domain::Country;

/// Kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// In the new pack only.
    Added,
    /// In the old pack only.
    Removed,
    /// In both, with different content.
    Changed,
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field path, e.g. "effective.from", "amount", "when".
    pub field: String,
    /// Old value as text (None = absent).
    pub old: Option<String>,
    /// New value as text (None = absent).
    pub new: Option<String>,
}

/// One changed rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    /// Rule id.
    pub id: String,
    /// Kind.
    pub kind: ChangeKind,
    /// Markets the rule names (new version, or old when removed).
    pub markets: Vec<String>,
    /// Dates in the old pack.
    pub old_effective: Option<DateRange>,
    /// Dates in the new pack.
    pub new_effective: Option<DateRange>,
    /// Fields that differ (Changed only).
    pub fields: Vec<FieldChange>,
}

/// Which rules to report; empty lists mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffFilter {
    /// Markets sold to.
    pub markets: Vec<Country>,
    /// Product categories sold.
    pub categories: Vec<Category>,
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn fields_of<T: Serialize>(rule: &T) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(v) = toml::Value::try_from(rule) {
        flatten("", &v, &mut out);
    }
    out
}

fn field_changes(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Vec<FieldChange> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            old: old.get(k).cloned(),
            new: new.get(k).cloned(),
        })
        .collect()
}

fn diff_by_id<'a, T: Serialize + 'a>(
    old: impl Iterator<Item = (&'a str, &'a T)>,
    new: impl Iterator<Item = (&'a str, &'a T)>,
    keep: impl Fn(&T) -> bool,
    markets: impl Fn(&T) -> Vec<String>,
    effective: impl Fn(&T) -> DateRange,
) -> Vec<RuleChange> {
    let old: BTreeMap<&str, &T> = old.collect();
    let new: BTreeMap<&str, &T> = new.collect();
    let mut out = Vec::new();
    for (id, n) in &new {
        match old.get(id) {
            None if keep(n) => out.push(RuleChange {
                id: id.to_string(),
                kind: ChangeKind::Added,
                markets: markets(n),
                old_effective: None,
                new_effective: Some(effective(n)),
                fields: Vec::new(),
            }),
            Some(o) if keep(n) || keep(o) => {
                let fields = field_changes(&fields_of(*o), &fields_of(*n));
                if !fields.is_empty() {
                    out.push(RuleChange {
                        id: id.to_string(),
                        kind: ChangeKind::Changed,
                        markets: markets(n),
                        old_effective: Some(effective(o)),
                        new_effective: Some(effective(n)),
                        fields,
                    });
                }
            }
            _ => {}
        }
    }
    for (id, o) in &old {
        if !new.contains_key(id) && keep(o) {
            out.push(RuleChange {
                id: id.to_string(),
                kind: ChangeKind::Removed,
                markets: markets(o),
                old_effective: Some(effective(o)),
                new_effective: None,
                fields: Vec::new(),
            });
        }
    }
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.id.cmp(&b.id)));
    out
}

/// Differences between two requirements packs, for the markets and categories in `filter`.
pub fn diff_requirements(
    old: &RequirementPack,
    new: &RequirementPack,
    filter: &DiffFilter,
) -> Vec<RuleChange> {
    let keep = |r: &Requirement| {
        (filter.markets.is_empty() || r.markets.intersects(&filter.markets))
            && (filter.categories.is_empty()
                || r.categories
                    .as_ref()
                    .is_none_or(|c| c.iter().any(|x| filter.categories.contains(x))))
    };
    diff_by_id(
        old.requirements.iter().map(|r| (r.id.as_str(), r)),
        new.requirements.iter().map(|r| (r.id.as_str(), r)),
        keep,
        |r| r.markets.tokens().to_vec(),
        |r| r.effective,
    )
}

/// Differences between two threshold packs (thresholds and filing rules), for the markets in `markets`
/// (empty = all). A US state or Canadian province counts under its country; the EU aggregate under any member
/// state; a filing rule under the market its scheme is named after ("EU-IOSS", "GB-VAT", "US-CA").
pub fn diff_thresholds(
    old: &ThresholdPack,
    new: &ThresholdPack,
    markets: &[Country],
) -> Vec<RuleChange> {
    let wanted = |scope: Option<MarketScope>| {
        markets.is_empty()
            || match scope {
                Some(MarketScope::Eu) => markets.iter().any(|m| m.is_eu_member()),
                Some(other) => other.country().is_some_and(|c| markets.contains(&c)),
                None => true,
            }
    };
    let mut out = diff_by_id(
        old.thresholds.iter().map(|r| (r.id.as_str(), r)),
        new.thresholds.iter().map(|r| (r.id.as_str(), r)),
        |r: &ThresholdRule| wanted(Some(r.market)),
        |r| vec![r.market.to_string()],
        |r| r.effective,
    );
    let scheme_market = |f: &FilingRule| {
        let mut parts = f.scheme.splitn(3, '-');
        let first = parts.next().unwrap_or_default();
        let second = parts.next().unwrap_or_default();
        MarketScope::parse(&format!("{first}-{second}"))
            .or_else(|_| MarketScope::parse(first))
            .ok()
    };
    out.extend(diff_by_id(
        old.filings.iter().map(|r| (r.id.as_str(), r)),
        new.filings.iter().map(|r| (r.id.as_str(), r)),
        |f: &FilingRule| wanted(scheme_market(f)),
        |f| vec![f.scheme.clone()],
        |f| DateRange {
            from: f.effective_from,
            to: f.effective_to,
        },
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn identical_packs_have_no_changes() {
        let p = RequirementPack::builtin().unwrap();
        assert!(diff_requirements(&p, &p, &DiffFilter::default()).is_empty());
        let t = ThresholdPack::builtin().unwrap();
        assert!(diff_thresholds(&t, &t, &[]).is_empty());
    }

    #[test]
    fn added_removed_and_changed_requirements_with_filter() {
        let old = RequirementPack::builtin().unwrap();
        let mut new = old.clone();
        // Changed: the battery labelling date moves.
        let label = new
            .requirements
            .iter_mut()
            .find(|r| r.id == "EU-BATT-LABEL")
            .unwrap();
        label.effective.from = date(2027, 2, 18);
        // Removed: a US rule.
        new.requirements.retain(|r| r.id != "US-PROP65");
        // Added: a Japanese rule copied under a new id.
        let mut added = new
            .requirements
            .iter()
            .find(|r| r.id == "JP-RADIO")
            .unwrap()
            .clone();
        added.id = "JP-NEW".into();
        new.requirements.push(added);
        let all = diff_requirements(&old, &new, &DiffFilter::default());
        let kinds: Vec<(ChangeKind, &str)> = all.iter().map(|c| (c.kind, c.id.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (ChangeKind::Added, "JP-NEW"),
                (ChangeKind::Removed, "US-PROP65"),
                (ChangeKind::Changed, "EU-BATT-LABEL")
            ]
        );
        let changed = &all[2];
        assert_eq!(changed.fields.len(), 1);
        assert_eq!(changed.fields[0].field, "effective.from");
        assert_eq!(changed.fields[0].old.as_deref(), Some("\"2026-08-18\""));
        let de_only = diff_requirements(
            &old,
            &new,
            &DiffFilter {
                markets: vec![Country::DE],
                categories: vec![],
            },
        );
        assert_eq!(de_only.len(), 1);
        assert_eq!(de_only[0].id, "EU-BATT-LABEL");
        let textiles = diff_requirements(
            &old,
            &new,
            &DiffFilter {
                markets: vec![Country::DE],
                categories: vec![Category::Textile],
            },
        );
        // EU-BATT-LABEL has no category list (every category), so it stays.
        assert_eq!(textiles.len(), 1);
    }

    #[test]
    fn threshold_amount_change_is_reported_for_its_market() {
        let old = ThresholdPack::builtin().unwrap();
        let mut new = old.clone();
        let au = new
            .thresholds
            .iter_mut()
            .find(|t| t.id == "AU-GST")
            .unwrap();
        au.amount = Some(rust_decimal::Decimal::from(100000));
        let c = diff_thresholds(&old, &new, &[Country::AU]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].fields[0].field, "amount");
        assert!(diff_thresholds(&old, &new, &[Country::US]).is_empty());
    }

    #[test]
    fn filing_rule_changes_are_reported_under_their_scheme_market() {
        let old = ThresholdPack::builtin().unwrap();
        let mut new = old.clone();
        let ioss = new
            .filings
            .iter_mut()
            .find(|f| f.id == "EU-IOSS-MONTHLY")
            .unwrap();
        ioss.day = Some(20);
        let fr = diff_thresholds(&old, &new, &[Country::FR]);
        assert_eq!(fr.len(), 1);
        assert_eq!(fr[0].fields[0].field, "day");
        assert!(diff_thresholds(&old, &new, &[Country::JP]).is_empty());
    }
}
