//! Lexicon matching: every term that applies to one (marketplace, language, field kind)
//! compiled into one Aho-Corasick automaton, leftmost-longest, over folded text, with
//! word-boundary checks after matching.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::data::{LexiconEntry, MARKETPLACE_ONLY_CATEGORIES};
use crate::text::{Folded, at_word_boundaries, fold};

/// What a pattern stands for: the entry, and the marketplace rule that switched the
/// entry's category on (for promotional terms), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub entry: usize,
    pub rule: Option<usize>,
}

#[derive(Debug)]
pub struct CompiledLexicon {
    ac: Option<AhoCorasick>,
    hits: Vec<Vec<Hit>>,
}

/// A match of one pattern in a folded field.
#[derive(Debug, Clone, Copy)]
pub struct LexMatch {
    pub folded_start: usize,
    pub folded_end: usize,
    pub pattern: usize,
}

impl CompiledLexicon {
    /// `enabled(entry) -> Vec<Option<rule>>`: for each entry, whether it takes part and
    /// under which marketplace rules.
    pub fn build(entries: &[LexiconEntry], enabled: impl Fn(usize) -> Vec<Option<usize>>) -> Self {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut hits: Vec<Vec<Hit>> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let rules = enabled(i);
            if rules.is_empty() {
                continue;
            }
            for t in &e.terms {
                let f = fold(t.trim());
                if f.is_empty() {
                    continue;
                }
                let p = *index.entry(f.clone()).or_insert_with(|| {
                    patterns.push(f);
                    hits.push(Vec::new());
                    patterns.len() - 1
                });
                for &rule in &rules {
                    let hit = Hit { entry: i, rule };
                    if !hits[p].contains(&hit) {
                        hits[p].push(hit);
                    }
                }
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .ok()
        };
        CompiledLexicon { ac, hits }
    }

    pub fn pattern_count(&self) -> usize {
        self.hits.len()
    }

    pub fn hits(&self, pattern: usize) -> &[Hit] {
        self.hits.get(pattern).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whole-word (or CJK) matches in `folded`.
    pub fn find(&self, folded: &Folded) -> Vec<LexMatch> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        ac.find_iter(folded.text.as_str())
            .filter(|m| at_word_boundaries(&folded.text, m.start(), m.end()))
            .map(|m| LexMatch {
                folded_start: m.start(),
                folded_end: m.end(),
                pattern: m.pattern().as_usize(),
            })
            .collect()
    }
}

/// Whether an entry takes part in scans regardless of marketplace.
pub fn is_market_independent(entry: &LexiconEntry) -> bool {
    !MARKETPLACE_ONLY_CATEGORIES.contains(&entry.category.as_str())
}

/// True when `m` lies inside one of the entry's harmless longer phrases.
pub fn excepted(entry: &LexiconEntry, folded: &str, m: &LexMatch) -> bool {
    entry.except.iter().any(|ex| {
        let ex = fold(ex);
        if ex.is_empty() {
            return false;
        }
        let lo = floor_boundary(folded, m.folded_start.saturating_sub(ex.len()));
        let hi = ceil_boundary(folded, (m.folded_end + ex.len()).min(folded.len()));
        folded[lo..hi].match_indices(ex.as_str()).any(|(at, _)| {
            let s = lo + at;
            s <= m.folded_start && s + ex.len() >= m.folded_end
        })
    })
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn entry(id: &str, terms: &[&str], except: &[&str]) -> LexiconEntry {
        LexiconEntry {
            id: id.into(),
            category: "claim_medical".into(),
            lang: "en".into(),
            severity: Severity::Error,
            terms: terms.iter().map(|s| s.to_string()).collect(),
            except: except.iter().map(|s| s.to_string()).collect(),
            regions: vec![],
            note: "n".into(),
            fix: None,
            effective_from: None,
            effective_to: None,
        }
    }

    #[test]
    fn longest_whole_word_match_wins() {
        let es = [entry("a", &["cure", "cure for"], &[])];
        let lex = CompiledLexicon::build(&es, |_| vec![None]);
        let f = Folded::new("A CURE FOR colds; procure nothing");
        let ms = lex.find(&f);
        assert_eq!(ms.len(), 1);
        assert_eq!(&f.text[ms[0].folded_start..ms[0].folded_end], "cure for");
    }

    #[test]
    fn duplicate_terms_keep_every_entry() {
        let es = [entry("a", &["x y"], &[]), entry("b", &["X Y"], &[])];
        let lex = CompiledLexicon::build(&es, |_| vec![None]);
        assert_eq!(lex.pattern_count(), 1);
        assert_eq!(lex.hits(0).len(), 2);
    }

    #[test]
    fn exception_phrase_suppresses() {
        let es = [entry("a", &["corona"], &["corona-bier"])];
        let lex = CompiledLexicon::build(&es, |_| vec![None]);
        let f = Folded::new("Kühlschrank für Corona-Bier");
        let ms = lex.find(&f);
        assert_eq!(ms.len(), 1);
        assert!(excepted(&es[0], &f.text, &ms[0]));
        let g = Folded::new("Schutz vor Corona");
        let ms = lex.find(&g);
        assert!(!excepted(&es[0], &g.text, &ms[0]));
    }
}
