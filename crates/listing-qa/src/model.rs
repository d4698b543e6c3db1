//! Inputs and outputs of the QA engine.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::text::Span;

/// A listing as it will be published: one SKU on one marketplace in one locale.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Listing {
    /// `amazon`, `ebay`, `shopify`, `temu`, `tiktok` (case-insensitive); unknown
    /// marketplaces get only the market-independent checks.
    pub marketplace: String,
    /// BCP 47 tag of the target: `de-DE`, `en-US`, `ja-JP`, `zh-Hant`, ...
    pub locale: String,
    pub title: String,
    #[serde(default)]
    pub bullets: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub search_terms: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// The listing the target was translated from (usually zh-CN or en).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceListing {
    pub locale: String,
    pub title: String,
    #[serde(default)]
    pub bullets: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub search_terms: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Which field of the listing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum FieldRef {
    Title,
    Bullet(usize),
    Description,
    SearchTerms,
}

impl FieldRef {
    pub fn kind(self) -> FieldKind {
        match self {
            FieldRef::Title => FieldKind::Title,
            FieldRef::Bullet(_) => FieldKind::Bullet,
            FieldRef::Description => FieldKind::Description,
            FieldRef::SearchTerms => FieldKind::SearchTerms,
        }
    }

    /// 标题, 要点[3] (1-based for readers), 描述, 搜索词.
    pub fn label_zh(self) -> String {
        match self {
            FieldRef::Bullet(i) => format!("要点[{}]", i + 1),
            other => other.kind().as_zh().to_string(),
        }
    }

    /// `title`, `bullet[2]`, `description`, `search_terms`.
    pub fn label(self) -> String {
        match self {
            FieldRef::Bullet(i) => format!("bullet[{i}]"),
            other => other.kind().as_str().to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Title,
    Bullet,
    Description,
    SearchTerms,
}

impl FieldKind {
    pub const ALL: [FieldKind; 4] = [
        FieldKind::Title,
        FieldKind::Bullet,
        FieldKind::Description,
        FieldKind::SearchTerms,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Title => "title",
            FieldKind::Bullet => "bullet",
            FieldKind::Description => "description",
            FieldKind::SearchTerms => "search_terms",
        }
    }

    pub fn as_zh(self) -> &'static str {
        match self {
            FieldKind::Title => "标题",
            FieldKind::Bullet => "要点",
            FieldKind::Description => "描述",
            FieldKind::SearchTerms => "搜索词",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn parse(s: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A message in the two UI languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub en: String,
    pub zh: String,
}

/// Replace the text under `Finding::span` (or the whole field when the finding has no
/// span) with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id of the rule family, e.g. `amazon.title.max_length`, `claim.medical`.
    pub rule_id: String,
    /// The lexicon entry or table row that matched, when the rule is data-driven.
    pub entry_id: Option<String>,
    pub severity: Severity,
    pub field: FieldRef,
    /// Where in the target field; `None` when the problem is an absence (a number or a
    /// glossary term missing from the target).
    pub span: Option<Span>,
    /// The text under `span`, so a reader can check it without slicing.
    pub excerpt: Option<String>,
    pub message: Message,
    pub fix: Option<Fix>,
    /// The public rule text this check enforces (style guide, regulation).
    pub source: Option<String>,
    /// The marketplace figure behind the rule could not be confirmed against the
    /// marketplace's current page: advice, not a certain rejection.
    pub uncertain: bool,
}
