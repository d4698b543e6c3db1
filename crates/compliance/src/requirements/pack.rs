//! The requirements pack format (TOML) and its validation.
//!
//! ```toml
//! format_version = 1
//! pack_id = "tradelane-requirements"
//! pack_version = "2026.11.26-1"
//!
//! [[coverage]]                      # which market x category pairs the pack answers for
//! markets = ["EU"]                  # "EU" = the 27 member states, "*" = every market, else ISO alpha-2
//! categories = ["electrical", "toy"]
//! effective_from = "2021-07-16"
//!
//! [[requirement]]
//! id = "EU-RED"
//! kind = "certificate"              # mark | certificate | test_report | declaration | registration | label | document | transport
//! title_en = "..."                  # title_zh optional
//! markets = ["EU"]
//! categories = ["electrical"]       # optional: default every category
//! when = [{ has_radio = true }]     # optional: any one condition (all its fields) must hold; empty = always
//! satisfied_by = ["eu_doc", "test_report"]   # document types that evidence it
//! standards = ["EN 300 328"]        # optional: a document must name one of these (prefix match)
//! scope = "sku"                     # sku | seller | shipment
//! blocks = ["listing", "shipment"]  # what a missing item blocks; [] = advisory only
//! conditional = "..."               # optional: the seller must judge whether it applies; never blocks
//! effective_from = "2014-04-20"     # effective_to optional, inclusive
//! source = "Directive 2014/53/EU"
//! facts = "FACTS.md §6a"
//! uncertain = false
//! ```
//! Unknown fields are errors (typos). Loading returns every problem at once.

use crate::dates::{DateRange, de_date, de_opt_date};
use crate::requirements::profile::{Category, ProductProfile};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use tradelane_domain::{BatteryChemistry, BatteryPacking, Country, EU_MEMBERS};

const BUILTIN: &str = include_str!("../../data/requirements.toml");

/// A problem in a requirements pack, naming the rule and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct PackError {
    /// "requirement #3 (id 'EU-RED'), field 'markets'" or "pack".
    pub location: String,
    /// What was wrong and what was expected.
    pub message: String,
}

/// What kind of evidence a requirement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    /// A conformity mark on product/packaging (CE, UKCA, PSE, KC, RCM).
    Mark,
    /// A certificate issued by a third party (FCC ID grant, TELEC, Diamond PSE).
    Certificate,
    /// A test report against a standard.
    TestReport,
    /// A declaration by the manufacturer or importer (EU DoC, SDoC, CPC).
    Declaration,
    /// A registration with an authority or scheme (LUCID, WEEE, CPNP, MoCRA listing).
    Registration,
    /// Label content (warnings, fibre composition, Triman, responsible person address).
    Label,
    /// Other documents (technical file, SDS, safety report).
    Document,
    /// A transport rule for dangerous goods (lithium batteries by air).
    Transport,
}

/// Who a requirement is fulfilled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Per SKU (or SKU family).
    Sku,
    /// Once per seller (registrations such as LUCID).
    Seller,
    /// Per shipment (transport documents, eFiling at entry).
    Shipment,
}

/// What a missing item blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockTarget {
    /// Exporting a listing to a marketplace of that market.
    Listing,
    /// Shipping goods to that market.
    Shipment,
}

/// The markets a rule names: `*`, `EU` and country codes, kept as written for diffs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "Vec<String>")]
pub struct MarketSet {
    tokens: Vec<String>,
    all: bool,
    countries: Vec<Country>,
}

impl From<MarketSet> for Vec<String> {
    fn from(m: MarketSet) -> Self {
        m.tokens
    }
}

impl MarketSet {
    /// Parses "*", "EU" and ISO alpha-2 codes.
    pub fn parse(tokens: &[String]) -> Result<MarketSet, String> {
        let mut set = MarketSet {
            tokens: tokens.to_vec(),
            all: false,
            countries: Vec::new(),
        };
        if tokens.is_empty() {
            return Err(
                "no markets: expected at least one of \"*\", \"EU\" or a country code".into(),
            );
        }
        for t in tokens {
            match t.as_str() {
                "*" => set.all = true,
                "EU" => set.countries.extend(EU_MEMBERS),
                code => set
                    .countries
                    .push(Country::parse(code).map_err(|e| e.to_string())?),
            }
        }
        Ok(set)
    }

    /// True when the rule applies in `market`.
    pub fn contains(&self, market: Country) -> bool {
        self.all || self.countries.contains(&market)
    }

    /// True when the rule names any of `markets` (or applies everywhere).
    pub fn intersects(&self, markets: &[Country]) -> bool {
        self.all || markets.iter().any(|m| self.countries.contains(m))
    }

    /// The tokens as written.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }
}

/// One condition on the product; every field given must hold. Absent fields do not constrain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Intentional radio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_radio: Option<bool>,
    /// Mains powered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mains_powered: Option<bool>,
    /// Electrical or electronic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electrical: Option<bool>,
    /// AC adapter / charger / power strip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ac_adapter: Option<bool>,
    /// Has a lithium battery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery: Option<bool>,
    /// Battery chemistry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chemistry: Option<BatteryChemistry>,
    /// Battery packing, any of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packing: Option<Vec<BatteryPacking>>,
    /// Button or coin cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_cell: Option<bool>,
    /// Whether the battery rating (Wh for lithium-ion, g for lithium metal) is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_known: Option<bool>,
    /// Watt-hours strictly above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wh_above: Option<Decimal>,
    /// Watt-hours at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wh_at_most: Option<Decimal>,
    /// Lithium grams strictly above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grams_above: Option<Decimal>,
    /// Lithium grams at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grams_at_most: Option<Decimal>,
    /// A children's product whose upper intended age is below this many years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children_under: Option<u8>,
    /// Food contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub food_contact: Option<bool>,
    /// Cosmetic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosmetic: Option<bool>,
    /// Textile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub textile: Option<bool>,
}

fn flag(name: &str, want: Option<bool>, have: bool) -> Result<(), String> {
    match want {
        Some(w) if w != have => Err(if w {
            format!("not {name}")
        } else {
            format!("is {name}")
        }),
        _ => Ok(()),
    }
}

impl Condition {
    /// Ok when the product meets every field; otherwise the first field that fails, as a reason.
    pub fn check(&self, p: &ProductProfile) -> Result<(), String> {
        flag("radio equipment", self.has_radio, p.has_radio)?;
        flag("mains powered", self.mains_powered, p.mains_powered)?;
        flag("electrical", self.electrical, p.electrical)?;
        flag("an AC adapter/charger", self.ac_adapter, p.ac_adapter)?;
        flag(
            "fitted with a lithium battery",
            self.battery,
            p.battery.is_some(),
        )?;
        flag("food contact", self.food_contact, p.food_contact)?;
        flag("a cosmetic", self.cosmetic, p.cosmetic)?;
        flag("a textile product", self.textile, p.textile)?;
        if let Some(under) = self.children_under {
            match p.child_max_age {
                Some(age) if age < under => {}
                Some(age) => return Err(format!("for children up to {age}, not under {under}")),
                None => return Err("not a children's product".into()),
            }
        }
        let needs_battery = self.chemistry.is_some()
            || self.packing.is_some()
            || self.button_cell.is_some()
            || self.rating_known.is_some()
            || self.wh_above.is_some()
            || self.wh_at_most.is_some()
            || self.grams_above.is_some()
            || self.grams_at_most.is_some();
        if !needs_battery {
            return Ok(());
        }
        let Some(b) = &p.battery else {
            return Err("no lithium battery".into());
        };
        if let Some(c) = self.chemistry
            && c != b.chemistry
        {
            return Err(format!("battery chemistry is {:?}", b.chemistry));
        }
        if let Some(packings) = &self.packing
            && !packings.contains(&b.packing)
        {
            return Err(format!("battery packing is {:?}", b.packing));
        }
        flag("a button/coin cell", self.button_cell, b.button_cell)?;
        let rating = match b.chemistry {
            BatteryChemistry::LiIon => b.watt_hours,
            BatteryChemistry::LiMetal => b.lithium_grams,
        };
        flag("of known rating", self.rating_known, rating.is_some())?;
        let bound = |value: Option<Decimal>, limit: Option<Decimal>, above: bool, unit: &str| {
            let Some(limit) = limit else { return Ok(()) };
            match value {
                None => Err(format!("battery {unit} rating unknown")),
                Some(v) if above && v <= limit => Err(format!("{v} {unit} is not above {limit}")),
                Some(v) if !above && v > limit => Err(format!("{v} {unit} is above {limit}")),
                Some(_) => Ok(()),
            }
        };
        bound(b.watt_hours, self.wh_above, true, "Wh")?;
        bound(b.watt_hours, self.wh_at_most, false, "Wh")?;
        bound(b.lithium_grams, self.grams_above, true, "g")?;
        bound(b.lithium_grams, self.grams_at_most, false, "g")?;
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    kind: RequirementKind,
    title_en: String,
    #[serde(default)]
    title_zh: Option<String>,
    markets: Vec<String>,
    #[serde(default)]
    categories: Option<Vec<Category>>,
    #[serde(default)]
    when: Vec<Condition>,
    #[serde(default)]
    satisfied_by: Vec<String>,
    #[serde(default)]
    standards: Vec<String>,
    scope: Scope,
    #[serde(default = "default_blocks")]
    blocks: Vec<BlockTarget>,
    #[serde(default)]
    conditional: Option<String>,
    #[serde(deserialize_with = "de_date")]
    effective_from: jiff::civil::Date,
    #[serde(default, deserialize_with = "de_opt_date")]
    effective_to: Option<jiff::civil::Date>,
    source: String,
    facts: String,
    uncertain: bool,
    #[serde(default)]
    note: Option<String>,
}

fn default_blocks() -> Vec<BlockTarget> {
    vec![BlockTarget::Listing, BlockTarget::Shipment]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoverage {
    markets: Vec<String>,
    categories: Vec<Category>,
    #[serde(deserialize_with = "de_date")]
    effective_from: jiff::civil::Date,
    #[serde(default, deserialize_with = "de_opt_date")]
    effective_to: Option<jiff::civil::Date>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    format_version: u32,
    pack_id: String,
    pack_version: String,
    #[serde(default)]
    coverage: Vec<RawCoverage>,
    #[serde(default)]
    requirement: Vec<RawRequirement>,
}

/// One requirement rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Unique id in the pack, stable across versions (diffs key on it).
    pub id: String,
    /// Kind of evidence.
    pub kind: RequirementKind,
    /// Title in English.
    pub title_en: String,
    /// Title in Chinese, when authored.
    pub title_zh: Option<String>,
    /// Markets.
    pub markets: MarketSet,
    /// Categories in scope (None = every category).
    pub categories: Option<Vec<Category>>,
    /// Conditions (any one must hold; empty = always).
    pub when: Vec<Condition>,
    /// Document types that evidence it.
    pub satisfied_by: Vec<String>,
    /// Standards a document must name one of (empty = any).
    pub standards: Vec<String>,
    /// Per SKU, per seller or per shipment.
    pub scope: Scope,
    /// What a missing item blocks (empty = advisory).
    pub blocks: Vec<BlockTarget>,
    /// When set, the seller must judge whether it applies; such items never block.
    pub conditional: Option<String>,
    /// Validity.
    pub effective: DateRange,
    /// Legal source.
    pub source: String,
    /// FACTS.md section the rule was authored from.
    pub facts: String,
    /// Not confirmed, temporary, litigated or from background knowledge.
    pub uncertain: bool,
    /// Extra note.
    pub note: Option<String>,
}

impl Requirement {
    /// In force on `date`.
    pub fn in_force(&self, date: jiff::civil::Date) -> bool {
        self.effective.contains(date)
    }

    /// The category is in the rule's scope.
    pub fn category_matches(&self, category: Category) -> bool {
        self.categories
            .as_ref()
            .is_none_or(|c| c.contains(&category))
    }

    /// Ok when any condition holds (or there is none); else the reason of the first condition.
    pub fn applies_to(&self, p: &ProductProfile) -> Result<(), String> {
        if self.when.is_empty() {
            return Ok(());
        }
        let mut first = None;
        for c in &self.when {
            match c.check(p) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        Err(first.unwrap_or_default())
    }

    /// Whether a missing item blocks `target`.
    pub fn blocks(&self, target: BlockTarget) -> bool {
        self.conditional.is_none() && self.blocks.contains(&target)
    }
}

/// Which market x category pairs a pack answers for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageRule {
    /// Markets.
    pub markets: MarketSet,
    /// Categories answered for.
    pub categories: Vec<Category>,
    /// Validity.
    pub effective: DateRange,
}

/// A validated requirements pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementPack {
    /// Stable id.
    pub pack_id: String,
    /// Edition.
    pub pack_version: String,
    /// Coverage.
    pub coverage: Vec<CoverageRule>,
    /// Rules in file order.
    pub requirements: Vec<Requirement>,
}

impl fmt::Display for MarketSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.tokens.join(","))
    }
}

impl RequirementPack {
    /// The pack shipped with tradelane (authored from FACTS.md §6).
    pub fn builtin() -> Result<RequirementPack, Vec<PackError>> {
        RequirementPack::from_toml_str(BUILTIN)
    }

    /// Parses and validates a pack; returns every problem found.
    pub fn from_toml_str(text: &str) -> Result<RequirementPack, Vec<PackError>> {
        let raw: RawPack = toml::from_str(text).map_err(|e| {
            vec![PackError {
                location: "pack".into(),
                message: e.to_string(),
            }]
        })?;
        let mut errors = Vec::new();
        if raw.format_version != 1 {
            errors.push(PackError {
                location: "pack, field 'format_version'".into(),
                message: format!("{} is not supported: expected 1", raw.format_version),
            });
        }
        let mut coverage = Vec::new();
        for (i, c) in raw.coverage.into_iter().enumerate() {
            let loc = |field: &str| format!("coverage #{}, field '{field}'", i + 1);
            match MarketSet::parse(&c.markets) {
                Ok(markets) => coverage.push(CoverageRule {
                    markets,
                    categories: c.categories,
                    effective: DateRange {
                        from: c.effective_from,
                        to: c.effective_to,
                    },
                }),
                Err(message) => errors.push(PackError {
                    location: loc("markets"),
                    message,
                }),
            }
        }
        let mut seen = HashSet::new();
        let mut requirements = Vec::new();
        for (i, r) in raw.requirement.into_iter().enumerate() {
            let loc =
                |field: &str| format!("requirement #{} (id '{}'), field '{field}'", i + 1, r.id);
            let mut err = |field: &str, message: String| {
                errors.push(PackError {
                    location: loc(field),
                    message,
                })
            };
            if r.id.trim().is_empty() {
                err("id", "is empty: every rule needs a stable id".into());
            }
            if !seen.insert(r.id.clone()) {
                err("id", "is used twice: ids must be unique".into());
            }
            if r.effective_to.is_some_and(|to| to < r.effective_from) {
                err("effective_to", "is before effective_from".into());
            }
            if r.source.trim().is_empty() {
                err("source", "is empty: every rule names its source".into());
            }
            if r.satisfied_by.is_empty() && r.kind != RequirementKind::Transport {
                err(
                    "satisfied_by",
                    "is empty: name the document types that evidence it".into(),
                );
            }
            let markets = match MarketSet::parse(&r.markets) {
                Ok(m) => m,
                Err(message) => {
                    err("markets", message);
                    continue;
                }
            };
            requirements.push(Requirement {
                id: r.id,
                kind: r.kind,
                title_en: r.title_en,
                title_zh: r.title_zh,
                markets,
                categories: r.categories,
                when: r.when,
                satisfied_by: r.satisfied_by,
                standards: r.standards,
                scope: r.scope,
                blocks: r.blocks,
                conditional: r.conditional,
                effective: DateRange {
                    from: r.effective_from,
                    to: r.effective_to,
                },
                source: r.source,
                facts: r.facts,
                uncertain: r.uncertain,
                note: r.note,
            });
        }
        if errors.is_empty() {
            Ok(RequirementPack {
                pack_id: raw.pack_id,
                pack_version: raw.pack_version,
                coverage,
                requirements,
            })
        } else {
            Err(errors)
        }
    }
}
