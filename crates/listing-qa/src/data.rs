//! The rule data this crate ships (TOML under `data/`, embedded at build time) and its
//! parsing. Everything is parsed from `&str`, so a newer pack can be loaded at run time
//! by the caller without a new release.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Deserialize;

use crate::model::{FieldKind, Severity};

pub const MARKETPLACES_TOML: &str = include_str!("../data/marketplaces.toml");
pub const LEXICON_TOML: &str = include_str!("../data/lexicon.toml");
pub const LANGUAGE_TOML: &str = include_str!("../data/language.toml");
pub const ABBREVIATIONS_TOML: &str = include_str!("../data/abbreviations.toml");
pub const SIZES_TOML: &str = include_str!("../data/sizes.toml");
pub const UNITS_TOML: &str = include_str!("../data/units.toml");

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{file}: not valid rule data: {message}")]
    Parse { file: &'static str, message: String },
    #[error("{file}: entry `{id}`: {message}")]
    Invalid {
        file: &'static str,
        id: String,
        message: String,
    },
}

fn parse<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> Result<T, DataError> {
    toml::from_str(text).map_err(|e| DataError::Parse {
        file,
        message: e.to_string(),
    })
}

// ------------------------------------------------------------------ marketplaces

#[derive(Debug, Clone, Deserialize)]
pub struct MarketplacesFile {
    #[serde(default)]
    pub marketplace: Vec<Marketplace>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Marketplace {
    pub id: String,
    #[serde(default)]
    pub rule: Vec<MarketRule>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MarketRule {
    pub id: String,
    pub field: String,
    #[serde(flatten)]
    pub kind: RuleKind,
    pub severity: Severity,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub source: String,
    #[serde(default)]
    pub uncertain: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    MaxChars { limit: usize },
    MaxBytes { limit: usize },
    MaxItems { limit: usize },
    ForbiddenChars { chars: String },
    MaxWordRepeats { limit: usize },
    AllCaps,
    Lexicon { categories: Vec<String> },
    Html { allowed_tags: Vec<String> },
}

impl MarketRule {
    pub fn field_kind(&self) -> Option<FieldKind> {
        FieldKind::parse(&self.field)
    }

    /// In force on `date` (both ends inclusive); with no date every rule applies.
    pub fn in_force(&self, date: Option<Date>) -> bool {
        let Some(d) = date else { return true };
        d >= self.effective_from && self.effective_to.is_none_or(|to| d <= to)
    }
}

pub fn parse_marketplaces(text: &str) -> Result<Vec<Marketplace>, DataError> {
    const FILE: &str = "marketplaces.toml";
    let file: MarketplacesFile = parse(FILE, text)?;
    for m in &file.marketplace {
        for r in &m.rule {
            if r.field_kind().is_none() {
                return Err(DataError::Invalid {
                    file: FILE,
                    id: r.id.clone(),
                    message: format!(
                        "field `{}` is not one of title, bullet, description, search_terms",
                        r.field
                    ),
                });
            }
        }
    }
    Ok(file.marketplace)
}

// ------------------------------------------------------------------ lexicon

#[derive(Debug, Clone, Deserialize)]
pub struct LexiconFile {
    #[serde(default)]
    pub entry: Vec<LexiconEntry>,
}

/// One lexicon entry: a group of terms sharing a reason.
#[derive(Debug, Clone, Deserialize)]
pub struct LexiconEntry {
    pub id: String,
    pub category: String,
    /// Listing language (`en`, `de`, ...) or `*` for every listing.
    pub lang: String,
    pub severity: Severity,
    pub terms: Vec<String>,
    #[serde(default)]
    pub except: Vec<String>,
    /// ISO country codes or `EU`; empty = every market.
    #[serde(default)]
    pub regions: Vec<String>,
    pub note: String,
    pub fix: Option<String>,
    /// When the rule behind the entry starts / stops applying (inclusive); open when
    /// absent.
    #[serde(default)]
    pub effective_from: Option<Date>,
    #[serde(default)]
    pub effective_to: Option<Date>,
}

impl LexiconEntry {
    pub fn in_force(&self, date: Option<Date>) -> bool {
        let Some(d) = date else { return true };
        self.effective_from.is_none_or(|f| d >= f) && self.effective_to.is_none_or(|t| d <= t)
    }
}

/// Categories only a marketplace rule switches on.
pub const MARKETPLACE_ONLY_CATEGORIES: [&str; 2] = ["promo", "search_terms_temporary"];

pub fn parse_lexicon(file: &'static str, text: &str) -> Result<Vec<LexiconEntry>, DataError> {
    let parsed: LexiconFile = parse(file, text)?;
    for e in &parsed.entry {
        if e.terms.iter().any(|t| t.trim().is_empty()) || e.terms.is_empty() {
            return Err(DataError::Invalid {
                file,
                id: e.id.clone(),
                message: "terms must be a non-empty list of non-empty strings".into(),
            });
        }
        if e.note.trim().is_empty() {
            return Err(DataError::Invalid {
                file,
                id: e.id.clone(),
                message: "every entry needs a note saying why it is listed".into(),
            });
        }
    }
    Ok(parsed.entry)
}

// ------------------------------------------------------------------ languages

#[derive(Debug, Clone, Deserialize, Default)]
pub struct LanguageProfile {
    #[serde(default)]
    pub function_words: Vec<String>,
    #[serde(default)]
    pub markers: Vec<String>,
    /// Words for 0..12 (index = value).
    #[serde(default)]
    pub number_words: Vec<String>,
}

pub fn parse_languages(text: &str) -> Result<BTreeMap<String, LanguageProfile>, DataError> {
    parse("language.toml", text)
}

#[derive(Debug, Clone, Deserialize)]
struct AbbreviationsFile {
    allowed: Vec<String>,
}

pub fn parse_abbreviations(text: &str) -> Result<Vec<String>, DataError> {
    let f: AbbreviationsFile = parse("abbreviations.toml", text)?;
    Ok(f.allowed)
}

// ------------------------------------------------------------------ sizes

#[derive(Debug, Clone, Deserialize)]
pub struct SizesFile {
    pub table: Vec<SizeTable>,
    pub context: SizeContext,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SizeTable {
    pub id: String,
    pub kind: String,
    pub gender: String,
    pub tolerance: rust_decimal::Decimal,
    /// System (`EU`, `UK`, `US`, `JP`, `CN`, `FR`, `IT`) to `[low, high]`.
    pub rows: Vec<BTreeMap<String, [rust_decimal::Decimal; 2]>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SizeContext {
    pub shoes: Vec<String>,
    pub apparel: Vec<String>,
    pub men: Vec<String>,
    pub women: Vec<String>,
}

pub fn parse_sizes(text: &str) -> Result<SizesFile, DataError> {
    parse("sizes.toml", text)
}

// ------------------------------------------------------------------ units

#[derive(Debug, Clone, Deserialize)]
struct UnitsFile {
    unit: Vec<UnitDef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UnitDef {
    pub id: String,
    pub dimension: String,
    pub factor: rust_decimal::Decimal,
    pub system: String,
    pub aliases: Vec<String>,
}

pub fn parse_units(text: &str) -> Result<Vec<UnitDef>, DataError> {
    let f: UnitsFile = parse("units.toml", text)?;
    Ok(f.unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_parses() {
        let m = parse_marketplaces(MARKETPLACES_TOML);
        assert!(m.is_ok(), "{m:?}");
        let l = parse_lexicon("lexicon.toml", LEXICON_TOML);
        assert!(l.is_ok(), "{l:?}");
        assert!(parse_languages(LANGUAGE_TOML).is_ok());
        assert!(parse_abbreviations(ABBREVIATIONS_TOML).is_ok());
        let s = parse_sizes(SIZES_TOML);
        assert!(s.is_ok(), "{s:?}");
        let u = parse_units(UNITS_TOML);
        assert!(u.is_ok(), "{u:?}");
    }

    #[test]
    fn lexicon_covers_required_languages_with_notes() {
        let entries = parse_lexicon("lexicon.toml", LEXICON_TOML).unwrap_or_default();
        for lang in ["en", "de", "fr", "es", "it", "ja", "zh"] {
            for cat in ["claim_medical", "claim_eco", "cultural", "promo"] {
                assert!(
                    entries.iter().any(|e| e.lang == lang && e.category == cat),
                    "no {cat} entry for {lang}"
                );
            }
        }
    }

    #[test]
    fn bad_field_is_reported_with_rule_id() {
        let text = r#"
[[marketplace]]
id = "x"
[[marketplace.rule]]
id = "x.headline.len"
field = "headline"
kind = "max_chars"
limit = 3
severity = "error"
effective_from = "2025-01-01"
source = "test"
"#;
        let err = parse_marketplaces(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("x.headline.len") && err.contains("headline"),
            "{err}"
        );
    }

    #[test]
    fn entry_without_note_is_rejected() {
        let text = "[[entry]]\nid='a'\ncategory='cultural'\nlang='en'\nseverity='warning'\nterms=['x']\nnote=' '\n";
        assert!(parse_lexicon("t.toml", text).is_err());
    }
}
