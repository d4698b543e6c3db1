//! Caller-supplied term lists: the organisation glossary and the trademark watchlist.

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

use crate::locale::Locale;
use crate::text::{Folded, at_word_boundaries, fold};

/// Term → translation per locale (`de-DE`, or `de` for every German locale).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GlossaryTerm {
    pub source: String,
    #[serde(default)]
    pub translations: BTreeMap<String, String>,
}

/// A term the organisation never wants in some markets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ForbiddenTerm {
    pub term: String,
    /// Locale tags (`de-DE`), regions (`DE`, `EU`) or marketplace ids (`amazon`);
    /// empty = everywhere.
    #[serde(default)]
    pub markets: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Glossary {
    #[serde(default)]
    pub terms: Vec<GlossaryTerm>,
    /// Brand names, model numbers: must appear in the target exactly as written.
    #[serde(default)]
    pub do_not_translate: Vec<String>,
    #[serde(default)]
    pub forbidden: Vec<ForbiddenTerm>,
}

impl GlossaryTerm {
    /// The required translation for `locale`: exact tag first, then the language.
    pub fn translation_for(&self, locale: &str) -> Option<&str> {
        let lang = Locale::parse(locale).lang;
        self.translations
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(locale))
            .or_else(|| {
                self.translations
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&lang))
            })
            .map(|(_, v)| v.as_str())
    }
}

impl ForbiddenTerm {
    pub fn applies(&self, locale_tag: &str, marketplace: &str) -> bool {
        if self.markets.is_empty() {
            return true;
        }
        let locale = Locale::parse(locale_tag);
        self.markets.iter().any(|m| {
            m.eq_ignore_ascii_case(locale_tag)
                || m.eq_ignore_ascii_case(marketplace)
                || (locale.region.is_some() && locale.in_regions(std::slice::from_ref(m)))
        })
    }
}

/// Whole-word (or CJK) occurrences of a folded needle in folded text, as folded ranges.
pub fn find_folded(hay: &Folded, needle: &str) -> Vec<(usize, usize)> {
    if needle.is_empty() {
        return Vec::new();
    }
    hay.text
        .match_indices(needle)
        .map(|(at, m)| (at, at + m.len()))
        .filter(|&(s, e)| at_word_boundaries(&hay.text, s, e))
        .collect()
}

/// A brand or trademark to screen titles and copy for.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WatchTerm {
    pub term: String,
    /// Who owns the mark (shown to the reviewer).
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Watchlist compiled once (the compliance module supplies the terms), matched case-
/// and diacritic-insensitively as whole words.
#[derive(Debug, Default)]
pub struct Watchlist {
    terms: Vec<WatchTerm>,
    folded: Vec<String>,
    ac: Option<AhoCorasick>,
}

impl Watchlist {
    pub fn new(terms: Vec<WatchTerm>) -> Watchlist {
        let terms: Vec<WatchTerm> = terms
            .into_iter()
            .filter(|t| !fold(t.term.trim()).is_empty())
            .collect();
        let folded: Vec<String> = terms.iter().map(|t| fold(t.term.trim())).collect();
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&folded)
            .ok();
        Watchlist { terms, folded, ac }
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// (term index, folded start, folded end)
    pub fn find(&self, hay: &Folded) -> Vec<(usize, usize, usize)> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        ac.find_iter(hay.text.as_str())
            .filter(|m| at_word_boundaries(&hay.text, m.start(), m.end()))
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect()
    }

    pub fn term(&self, i: usize) -> Option<&WatchTerm> {
        self.terms.get(i)
    }

    pub fn folded(&self, i: usize) -> Option<&str> {
        self.folded.get(i).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_falls_back_to_language() {
        let t = GlossaryTerm {
            source: "power bank".into(),
            translations: [
                ("de".to_string(), "Powerbank".to_string()),
                ("fr-FR".to_string(), "batterie externe".to_string()),
            ]
            .into_iter()
            .collect(),
        };
        assert_eq!(t.translation_for("de-AT"), Some("Powerbank"));
        assert_eq!(t.translation_for("fr-FR"), Some("batterie externe"));
        assert_eq!(t.translation_for("it-IT"), None);
    }

    #[test]
    fn forbidden_markets() {
        let f = ForbiddenTerm {
            term: "x".into(),
            markets: vec!["EU".into()],
            note: None,
        };
        assert!(f.applies("de-DE", "amazon"));
        assert!(!f.applies("en-US", "amazon"));
    }

    #[test]
    fn watchlist_ignores_case_and_diacritics() {
        let w = Watchlist::new(vec![WatchTerm {
            term: "Nestlé".into(),
            owner: None,
            note: None,
        }]);
        let hay = Folded::new("Kaffeekapseln kompatibel mit NESTLE Maschinen");
        assert_eq!(w.find(&hay).len(), 1);
        assert!(w.find(&Folded::new("Nestlings")).is_empty());
    }
}
