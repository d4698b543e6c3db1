//! Rule packs: the versioned TOML format (see RULEPACK.md), its validation, and the lookup indexes.

pub mod diff;
mod index;
mod load;
mod model;
mod reader;

pub use index::{MarketLinks, PackIndex};
pub use model::*;

use jiff::civil::Date;
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// The rule format version this build reads.
pub const FORMAT_VERSION: i64 = 1;

/// One problem found while loading a pack: where (section, position, rule id, field) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleError {
    /// Section of the file: "duty", "tax", "low_value", "fee", "market", "pack" ...
    pub section: String,
    /// 1-based position of the rule within its section (0 for pack-level problems).
    pub position: usize,
    /// Id of the rule, when it has one.
    pub rule_id: Option<String>,
    /// Field at fault.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.position == 0 {
            return match &self.rule_id {
                Some(id) => write!(
                    f,
                    "{} (id '{}'), field '{}': {}",
                    self.section, id, self.field, self.message
                ),
                None => write!(
                    f,
                    "{}: field '{}': {}",
                    self.section, self.field, self.message
                ),
            };
        }
        match &self.rule_id {
            Some(id) => write!(
                f,
                "{} #{} (id '{}'), field '{}': {}",
                self.section, self.position, id, self.field, self.message
            ),
            None => write!(
                f,
                "{} #{}, field '{}': {}",
                self.section, self.position, self.field, self.message
            ),
        }
    }
}

impl std::error::Error for RuleError {}

/// Identity of a pack, recorded on every quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackMeta {
    /// Format version of the file.
    pub format_version: i64,
    /// Stable id of the pack ("tradelane-builtin").
    pub pack_id: String,
    /// Version of this edition of the pack.
    pub pack_version: String,
    /// Publication date.
    pub published: Date,
    /// Optional description.
    pub description: Option<String>,
}

/// A validated rule pack with its lookup indexes. Cheap to share: wrap in an `Arc` for concurrent quoting.
#[derive(Debug, Clone)]
pub struct RulePack {
    pub(crate) meta: PackMeta,
    pub(crate) markets: Vec<Arc<Market>>,
    pub(crate) duties: Vec<Arc<DutyRule>>,
    pub(crate) taxes: Vec<Arc<TaxRule>>,
    pub(crate) low_value: Vec<Arc<LowValueRule>>,
    pub(crate) fees: Vec<Arc<FeeRule>>,
    pub(crate) index: PackIndex,
    /// `meta.pack_id` and `meta.pack_version`, shared with every quote without copying.
    pub(crate) ids: (Arc<str>, Arc<str>),
}

/// Counts of rules by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleCounts {
    /// Markets.
    pub markets: usize,
    /// Base duty rules.
    pub duties: usize,
    /// Additional duty rules.
    pub additional_duties: usize,
    /// Tax rules.
    pub taxes: usize,
    /// Low-value regimes.
    pub low_value: usize,
    /// Fees.
    pub fees: usize,
}

impl RuleCounts {
    /// All rules.
    pub fn total(&self) -> usize {
        self.markets
            + self.duties
            + self.additional_duties
            + self.taxes
            + self.low_value
            + self.fees
    }
}

const BUILTIN_TOML: &str = include_str!("../../packs/builtin.toml");

/// The pack shipped with tradelane, written from the project's fact sheet.
pub fn builtin_pack() -> Result<RulePack, Vec<RuleError>> {
    RulePack::from_toml_str(BUILTIN_TOML)
}

/// The TOML text of the built-in pack (for `rules check`, export, or layering user rules on top).
pub fn builtin_pack_toml() -> &'static str {
    BUILTIN_TOML
}

impl RulePack {
    /// Parses and validates a pack; every problem is reported, each with section, rule id and field.
    pub fn from_toml_str(text: &str) -> Result<RulePack, Vec<RuleError>> {
        load::load(text)
    }

    /// Builds a pack from already typed rules (importers, generated packs), running the same validation.
    pub fn from_rules(meta: PackMeta, rules: PackRules) -> Result<RulePack, Vec<RuleError>> {
        load::assemble(meta, rules, Vec::new())
    }

    /// Adds the rules of `other` to this pack (a user overlay on the built-in pack), re-validating the result.
    /// Unless `meta` is given, the result keeps this pack's id and its version reads
    /// `<this version>+<other id>@<other version>`, so a quote records both.
    pub fn merged(
        &self,
        other: &RulePack,
        meta: Option<PackMeta>,
    ) -> Result<RulePack, Vec<RuleError>> {
        let mut rules = self.rules();
        let extra = other.rules();
        rules.markets.extend(extra.markets);
        rules.duties.extend(extra.duties);
        rules.taxes.extend(extra.taxes);
        rules.low_value.extend(extra.low_value);
        rules.fees.extend(extra.fees);
        let meta = meta.unwrap_or_else(|| PackMeta {
            pack_version: format!(
                "{}+{}@{}",
                self.meta.pack_version, other.meta.pack_id, other.meta.pack_version
            ),
            ..self.meta.clone()
        });
        load::assemble(meta, rules, Vec::new())
    }

    /// Copies of all rules, by kind.
    pub fn rules(&self) -> PackRules {
        PackRules {
            markets: self.markets.iter().map(|r| (**r).clone()).collect(),
            duties: self.duties.iter().map(|r| (**r).clone()).collect(),
            taxes: self.taxes.iter().map(|r| (**r).clone()).collect(),
            low_value: self.low_value.iter().map(|r| (**r).clone()).collect(),
            fees: self.fees.iter().map(|r| (**r).clone()).collect(),
        }
    }

    /// Identity of the pack.
    pub fn meta(&self) -> &PackMeta {
        &self.meta
    }

    /// Markets (destination countries) with their dates.
    pub fn markets(&self) -> impl Iterator<Item = &Market> {
        self.markets.iter().map(|m| &**m)
    }

    /// Base and additional duty rules.
    pub fn duties(&self) -> impl Iterator<Item = &DutyRule> {
        self.duties.iter().map(|r| &**r)
    }

    /// Tax rules.
    pub fn taxes(&self) -> impl Iterator<Item = &TaxRule> {
        self.taxes.iter().map(|r| &**r)
    }

    /// Low-value regimes.
    pub fn low_value_rules(&self) -> impl Iterator<Item = &LowValueRule> {
        self.low_value.iter().map(|r| &**r)
    }

    /// Fee rules.
    pub fn fees(&self) -> impl Iterator<Item = &FeeRule> {
        self.fees.iter().map(|r| &**r)
    }

    /// Number of nodes in the HS-prefix tries (memory indicator).
    pub fn index_nodes(&self) -> usize {
        self.index.trie_nodes()
    }

    /// Number of rules by kind.
    pub fn counts(&self) -> RuleCounts {
        let additional = self.duties.iter().filter(|d| d.layer.is_some()).count();
        RuleCounts {
            markets: self.markets.len(),
            duties: self.duties.len() - additional,
            additional_duties: additional,
            taxes: self.taxes.len(),
            low_value: self.low_value.len(),
            fees: self.fees.len(),
        }
    }
}

/// Typed rules by kind, as input to [`RulePack::from_rules`].
#[derive(Debug, Clone, Default)]
pub struct PackRules {
    /// Markets.
    pub markets: Vec<Market>,
    /// Base and additional duties.
    pub duties: Vec<DutyRule>,
    /// Taxes.
    pub taxes: Vec<TaxRule>,
    /// Low-value regimes.
    pub low_value: Vec<LowValueRule>,
    /// Fees.
    pub fees: Vec<FeeRule>,
}

#[cfg(test)]
mod tests;
