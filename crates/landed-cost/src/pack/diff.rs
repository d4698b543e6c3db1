//! What changed between two versions of a landed-cost rule pack: rules added, removed and changed (keyed by
//! section and id), with their dates and the fields that differ, optionally limited to the destinations and HS
//! codes an organisation sells.

use super::RulePack;
use crate::hs::HsDigits;
use jiff::civil::Date;
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

/// One field that differs, values as JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field path, e.g. "rate.ad_valorem", "meta.effective_from".
    pub field: String,
    /// Old value (None = absent).
    pub old: Option<String>,
    /// New value (None = absent).
    pub new: Option<String>,
}

/// A rule's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Effective {
    /// First day.
    pub from: Date,
    /// Last day (None = open-ended).
    pub to: Option<Date>,
}

/// One changed rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackChange {
    /// "market", "duty", "additional_duty", "tax", "low_value" or "fee".
    pub section: &'static str,
    /// Rule id.
    pub id: String,
    /// Kind.
    pub kind: ChangeKind,
    /// Where the rule applies: a country, a tariff territory ("EU") or "*".
    pub scope: String,
    /// HS prefix the rule is keyed on, if any.
    pub hs: Option<String>,
    /// Dates in the old pack.
    pub old_effective: Option<Effective>,
    /// Dates in the new pack.
    pub new_effective: Option<Effective>,
    /// Fields that differ (Changed only).
    pub fields: Vec<FieldChange>,
    /// The rule is uncertain in the version that has it (the new one when both do).
    pub uncertain: bool,
}

/// Which changes to report; empty lists mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackDiffFilter {
    /// Destination countries sold to; a rule of a tariff territory (EU) counts for its member markets.
    pub countries: Vec<Country>,
    /// HS codes of the SKUs sold (any length); a duty or tax rule counts when its prefix and one code overlap.
    pub hs_codes: Vec<HsDigits>,
}

/// One rule flattened for comparison.
struct Flat {
    scope: String,
    hs: Option<HsDigits>,
    effective: Effective,
    uncertain: bool,
    fields: BTreeMap<String, String>,
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
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

fn flat<T: Serialize>(
    rule: &T,
    meta: &super::RuleMeta,
    scope: String,
    hs: Option<HsDigits>,
) -> Flat {
    let mut fields = BTreeMap::new();
    if let Ok(v) = serde_json::to_value(rule) {
        flatten("", &v, &mut fields);
    }
    Flat {
        scope,
        hs,
        effective: Effective {
            from: meta.effective_from,
            to: meta.effective_to,
        },
        uncertain: meta.uncertain,
        fields,
    }
}

/// Every rule of a pack keyed by (section, id).
fn rules_of(pack: &RulePack) -> BTreeMap<(&'static str, String), Flat> {
    let mut out = BTreeMap::new();
    for m in pack.markets() {
        out.insert(
            ("market", m.meta.id.clone()),
            flat(m, &m.meta, m.country.code().to_string(), None),
        );
    }
    for d in pack.duties() {
        let section = if d.layer.is_some() {
            "additional_duty"
        } else {
            "duty"
        };
        out.insert(
            (section, d.meta.id.clone()),
            flat(d, &d.meta, d.territory.clone(), Some(d.prefix)),
        );
    }
    for t in pack.taxes() {
        let scope = t
            .subdivision
            .map_or_else(|| t.country.code().to_string(), |s| s.code().to_string());
        out.insert(
            ("tax", t.meta.id.clone()),
            flat(t, &t.meta, scope, t.prefix),
        );
    }
    for l in pack.low_value_rules() {
        out.insert(
            ("low_value", l.meta.id.clone()),
            flat(l, &l.meta, l.scope.clone(), None),
        );
    }
    for f in pack.fees() {
        out.insert(
            ("fee", f.meta.id.clone()),
            flat(f, &f.meta, f.scope.clone(), None),
        );
    }
    out
}

/// The scopes (countries and tariff territories, "*") the filter's countries fall under, from either pack.
fn wanted_scopes(old: &RulePack, new: &RulePack, countries: &[Country]) -> BTreeSet<String> {
    let mut scopes: BTreeSet<String> = BTreeSet::new();
    scopes.insert("*".into());
    for c in countries {
        scopes.insert(c.code().to_string());
        for m in old.markets().chain(new.markets()) {
            if m.country == *c {
                scopes.insert(m.customs_territory.clone());
            }
        }
    }
    scopes
}

fn hs_overlaps(rule: Option<HsDigits>, codes: &[HsDigits]) -> bool {
    match rule {
        None => true,
        Some(p) => p.is_empty() || codes.iter().any(|c| c.starts_with(&p) || p.starts_with(c)),
    }
}

/// Differences between two versions of a pack, sorted by kind, section and id.
pub fn diff_packs(old: &RulePack, new: &RulePack, filter: &PackDiffFilter) -> Vec<PackChange> {
    let scopes = wanted_scopes(old, new, &filter.countries);
    let keep = |f: &Flat| {
        let scope_ok = filter.countries.is_empty()
            || scopes.contains(&f.scope)
            || filter
                .countries
                .iter()
                .any(|c| f.scope.starts_with(&format!("{}-", c.code())));
        scope_ok && (filter.hs_codes.is_empty() || hs_overlaps(f.hs, &filter.hs_codes))
    };
    let old_rules = rules_of(old);
    let new_rules = rules_of(new);
    let mut out = Vec::new();
    for ((section, id), n) in &new_rules {
        match old_rules.get(&(*section, id.clone())) {
            None if keep(n) => out.push(PackChange {
                section,
                id: id.clone(),
                kind: ChangeKind::Added,
                scope: n.scope.clone(),
                hs: n.hs.map(|h| h.to_string()),
                old_effective: None,
                new_effective: Some(n.effective),
                fields: Vec::new(),
                uncertain: n.uncertain,
            }),
            Some(o) if keep(n) || keep(o) => {
                let keys: BTreeSet<&String> = o.fields.keys().chain(n.fields.keys()).collect();
                let fields: Vec<FieldChange> = keys
                    .into_iter()
                    .filter(|k| o.fields.get(*k) != n.fields.get(*k))
                    .map(|k| FieldChange {
                        field: k.clone(),
                        old: o.fields.get(k).cloned(),
                        new: n.fields.get(k).cloned(),
                    })
                    .collect();
                if !fields.is_empty() {
                    out.push(PackChange {
                        section,
                        id: id.clone(),
                        kind: ChangeKind::Changed,
                        scope: n.scope.clone(),
                        hs: n.hs.map(|h| h.to_string()),
                        old_effective: Some(o.effective),
                        new_effective: Some(n.effective),
                        fields,
                        uncertain: n.uncertain,
                    });
                }
            }
            _ => {}
        }
    }
    for ((section, id), o) in &old_rules {
        if !new_rules.contains_key(&(*section, id.clone())) && keep(o) {
            out.push(PackChange {
                section,
                id: id.clone(),
                kind: ChangeKind::Removed,
                scope: o.scope.clone(),
                hs: o.hs.map(|h| h.to_string()),
                old_effective: Some(o.effective),
                new_effective: None,
                fields: Vec::new(),
                uncertain: o.uncertain,
            });
        }
    }
    out.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(a.section.cmp(b.section))
            .then(a.id.cmp(&b.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::builtin_pack_toml;

    fn pack(text: &str) -> RulePack {
        RulePack::from_toml_str(text).expect("valid pack")
    }

    #[test]
    fn identical_packs_have_no_changes() {
        let p = pack(builtin_pack_toml());
        assert!(diff_packs(&p, &p, &PackDiffFilter::default()).is_empty());
    }

    #[test]
    fn added_removed_and_changed_rules_with_dates_and_filters() {
        let base = builtin_pack_toml();
        let old = pack(base);
        // Changed: Germany's standard VAT rate; removed: the Italian parcel fee; added: a Japanese duty line.
        let mut edited = base
            .replace(
                "{ id = \"VAT-DE-standard\", country = \"DE\", rate = \"19\", effective_from = 2024-01-01 },",
                "{ id = \"VAT-DE-standard\", country = \"DE\", rate = \"21\", effective_from = 2027-01-01 },\n  { id = \"VAT-DE-standard-until-2026\", country = \"DE\", rate = \"19\", effective_from = 2024-01-01, effective_to = 2026-12-31 },",
            )
            .replace("id = \"IT-PARCEL-FEE\"", "id = \"IT-PARCEL-FEE-2\"");
        // A new line at the top of the Japanese subheading schedule.
        let jp = edited
            .find("id_prefix = \"JP-MFN\"\nterritory = \"JP\"\ncurrency = \"JPY\"")
            .expect("JP schedule");
        let lines_at = jp + edited[jp..].find("lines = [\n").expect("lines") + "lines = [\n".len();
        edited.insert_str(lines_at, "  { hs = \"9503.00.10\", rate = \"3%\" },\n");
        assert_ne!(edited, base, "the fixture edits must apply");
        let new = pack(&edited);
        let all = diff_packs(&old, &new, &PackDiffFilter::default());
        let summary: Vec<(ChangeKind, &str, &str)> = all
            .iter()
            .map(|c| (c.kind, c.section, c.id.as_str()))
            .collect();
        assert!(
            summary.contains(&(ChangeKind::Changed, "tax", "VAT-DE-standard")),
            "{summary:?}"
        );
        assert!(summary.contains(&(ChangeKind::Added, "tax", "VAT-DE-standard-until-2026")));
        assert!(summary.contains(&(ChangeKind::Added, "fee", "IT-PARCEL-FEE-2")));
        assert!(summary.contains(&(ChangeKind::Removed, "fee", "IT-PARCEL-FEE")));
        let de = all.iter().find(|c| c.id == "VAT-DE-standard").unwrap();
        assert_eq!(
            de.old_effective.unwrap().from,
            jiff::civil::date(2024, 1, 1)
        );
        assert_eq!(
            de.new_effective.unwrap().from,
            jiff::civil::date(2027, 1, 1)
        );
        let fields: Vec<&str> = de.fields.iter().map(|f| f.field.as_str()).collect();
        assert!(
            fields.contains(&"rate") && fields.contains(&"meta.effective_from"),
            "{fields:?}"
        );
        let rate = de.fields.iter().find(|f| f.field == "rate").unwrap();
        assert_eq!(
            (rate.old.as_deref(), rate.new.as_deref()),
            (Some("\"19\""), Some("\"21\""))
        );
        // Selling only to Germany: the Italian fee and the Japanese duty are not shown.
        let de_only = diff_packs(
            &old,
            &new,
            &PackDiffFilter {
                countries: vec![Country::DE],
                hs_codes: vec![],
            },
        );
        assert!(
            de_only
                .iter()
                .all(|c| c.scope == "DE" || c.scope == "EU" || c.scope == "*")
        );
        assert!(de_only.iter().any(|c| c.id == "VAT-DE-standard"));
        assert!(!de_only.iter().any(|c| c.id.starts_with("IT-PARCEL")));
        // Japan and toys: the new 9503.00.10 line is reported; for phone chargers it is not.
        let jp_toys = diff_packs(
            &old,
            &new,
            &PackDiffFilter {
                countries: vec![Country::JP],
                hs_codes: vec![HsDigits::parse_prefix("950300").unwrap()],
            },
        );
        assert_eq!(jp_toys.len(), 1, "{jp_toys:?}");
        assert_eq!(jp_toys[0].kind, ChangeKind::Added);
        assert_eq!(jp_toys[0].hs.as_deref(), Some("95030010"));
        let jp_chargers = diff_packs(
            &old,
            &new,
            &PackDiffFilter {
                countries: vec![Country::JP],
                hs_codes: vec![HsDigits::parse_prefix("850440").unwrap()],
            },
        );
        assert!(jp_chargers.is_empty(), "{jp_chargers:?}");
    }
}
