//! The screening index and the screening itself; plus the naive pairwise scan used as a benchmark baseline.

use super::fold::{Folded, compact};
use super::{Field, Finding, Listing, Mark, MatchKind};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use std::collections::{HashMap, HashSet};

/// Longest word sequence of a mark looked up as whole words.
const MAX_MARK_WORDS: usize = 4;
/// Shortest compact mark used for contained/spacing matches.
const MIN_CONTAINED_LEN: usize = 4;
/// Shortest compact mark (and text) used for fuzzy matches.
const MIN_FUZZY_LEN: usize = 5;
/// Longest compact text span considered for fuzzy matches (bounds the deletion neighbourhood).
const MAX_FUZZY_LEN: usize = 24;

/// Edit distance allowed for a mark of `len` characters: scaled by length so short marks stay strict.
fn max_distance(len: usize) -> usize {
    match len {
        0..MIN_FUZZY_LEN => 0,
        MIN_FUZZY_LEN..=8 => 1,
        _ => 2,
    }
}

struct Prepared {
    mark: Mark,
    basic_words: String,
    compact_len: usize,
}

/// A prepared watchlist; build once, screen many listings (Send + Sync, share it across threads).
pub struct ScreeningIndex {
    marks: Vec<Prepared>,
    /// Skeleton word sequence ("air pods") -> marks.
    by_words: HashMap<String, Vec<u32>>,
    max_words: usize,
    /// Compact skeletons of marks (len >= MIN_CONTAINED_LEN), deduplicated; pattern i -> marks.
    automaton: Option<AhoCorasick>,
    pattern_marks: Vec<Vec<u32>>,
    /// Deletion-variant hash -> range in `deletion_marks`.
    deletions: HashMap<u64, (u32, u32)>,
    deletion_marks: Vec<u32>,
    compact_of: Vec<String>,
    allow: HashSet<String>,
}

fn fnv(s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Every string obtained by deleting up to `k` characters of `chars`, as hashes (deduplicated).
fn deletion_hashes(chars: &[char], k: usize, out: &mut Vec<u64>) {
    let mut buf = String::with_capacity(chars.len() * 2);
    let mut push = |skip: &[usize], out: &mut Vec<u64>| {
        buf.clear();
        for (i, c) in chars.iter().enumerate() {
            if !skip.contains(&i) {
                buf.push(*c);
            }
        }
        out.push(fnv(buf.as_bytes()));
    };
    let n = chars.len();
    push(&[], out);
    if k >= 1 {
        for i in 0..n {
            push(&[i], out);
        }
    }
    if k >= 2 {
        for i in 0..n {
            for j in i + 1..n {
                push(&[i, j], out);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// Levenshtein distance if it is at most `limit`, else None (banded, stops early).
fn bounded_levenshtein(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= limit).then_some(d)
}

impl ScreeningIndex {
    /// Builds the index; marks whose compact skeleton equals an allowlisted brand's are left out.
    pub fn new(watchlist: &[Mark], allowlist: &[String]) -> ScreeningIndex {
        let allow: HashSet<String> = allowlist
            .iter()
            .map(|a| compact(a))
            .filter(|c| !c.is_empty())
            .collect();
        let mut idx = ScreeningIndex {
            marks: Vec::new(),
            by_words: HashMap::new(),
            max_words: 1,
            automaton: None,
            pattern_marks: Vec::new(),
            deletions: HashMap::new(),
            deletion_marks: Vec::new(),
            compact_of: Vec::new(),
            allow,
        };
        let mut patterns: HashMap<String, usize> = HashMap::new();
        let mut pattern_list: Vec<String> = Vec::new();
        let mut del_pairs: Vec<(u64, u32)> = Vec::new();
        let mut scratch = Vec::new();
        for mark in watchlist {
            let folded = Folded::new(&mark.text);
            let compact_text = folded.compact.clone();
            if compact_text.is_empty() || idx.allow.contains(&compact_text) {
                continue;
            }
            let id = idx.marks.len() as u32;
            let words: Vec<&str> = folded.tokens.iter().map(|t| t.skeleton.as_str()).collect();
            if words.len() <= MAX_MARK_WORDS {
                idx.max_words = idx.max_words.max(words.len());
                idx.by_words.entry(words.join(" ")).or_default().push(id);
            }
            let chars: Vec<char> = compact_text.chars().collect();
            if chars.len() >= MIN_CONTAINED_LEN {
                let p = *patterns.entry(compact_text.clone()).or_insert_with(|| {
                    pattern_list.push(compact_text.clone());
                    idx.pattern_marks.push(Vec::new());
                    pattern_list.len() - 1
                });
                idx.pattern_marks[p].push(id);
            }
            let k = max_distance(chars.len());
            if k > 0 && chars.len() <= MAX_FUZZY_LEN {
                scratch.clear();
                deletion_hashes(&chars, k, &mut scratch);
                del_pairs.extend(scratch.iter().map(|h| (*h, id)));
            }
            idx.marks.push(Prepared {
                basic_words: folded
                    .tokens
                    .iter()
                    .map(|t| t.basic.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                compact_len: chars.len(),
                mark: mark.clone(),
            });
            idx.compact_of.push(compact_text);
        }
        if !pattern_list.is_empty() {
            idx.automaton = AhoCorasickBuilder::new()
                .match_kind(AcMatchKind::Standard)
                .build(&pattern_list)
                .ok();
        }
        del_pairs.sort_unstable();
        let mut i = 0;
        while i < del_pairs.len() {
            let h = del_pairs[i].0;
            let start = idx.deletion_marks.len() as u32;
            while i < del_pairs.len() && del_pairs[i].0 == h {
                idx.deletion_marks.push(del_pairs[i].1);
                i += 1;
            }
            idx.deletions
                .insert(h, (start, idx.deletion_marks.len() as u32 - start));
        }
        idx
    }

    /// Number of marks indexed (after the allowlist).
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    /// True when no mark is indexed.
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Screens every field of `listing`; one finding per (mark, field), the strongest kind, ordered by score.
    pub fn screen(&self, listing: &Listing) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (field, text) in listing.fields() {
            self.screen_field(field, text, &listing.classes, &mut findings);
        }
        findings.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.mark_id.cmp(&b.mark_id)));
        findings
    }

    /// Screens one text.
    pub fn screen_text(&self, field: Field, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        self.screen_field(field, text, &[], &mut out);
        out
    }

    fn class_ok(&self, id: u32, classes: &[u16]) -> bool {
        let mark = &self.marks[id as usize].mark;
        classes.is_empty()
            || mark.classes.is_empty()
            || mark.classes.iter().any(|c| classes.contains(c))
    }

    fn screen_field(&self, field: Field, text: &str, classes: &[u16], out: &mut Vec<Finding>) {
        let folded = Folded::new(text);
        if folded.tokens.is_empty() {
            return;
        }
        // Best finding per mark in this field.
        let mut best: HashMap<u32, Finding> = HashMap::new();
        let mut offer = |id: u32, kind: MatchKind, start: usize, end: usize, distance: usize| {
            if !self.class_ok(id, classes) {
                return;
            }
            let evidence = &text[start..end];
            if self.allow.contains(&compact(evidence)) {
                return;
            }
            let p = &self.marks[id as usize];
            let base = match kind {
                MatchKind::Exact => 1.0,
                MatchKind::Folded => 0.95,
                MatchKind::LookAlike => 0.9,
                MatchKind::Spacing => 0.85,
                MatchKind::Contained => 0.6 + 0.2 * (p.compact_len.min(12) as f32 / 12.0),
                MatchKind::Fuzzy => 0.8 * (1.0 - distance as f32 / p.compact_len.max(1) as f32),
            };
            let bonus = if field == Field::Brand { 0.05 } else { 0.0 };
            let score = (base + bonus).min(1.0);
            let finding = Finding {
                mark_id: p.mark.id.clone(),
                mark_text: p.mark.text.clone(),
                owner: p.mark.owner.clone(),
                field,
                kind,
                score,
                span: (start, end),
                evidence: evidence.to_string(),
                distance: distance as u8,
            };
            match best.get(&id) {
                Some(b) if b.kind <= kind => {}
                _ => {
                    best.insert(id, finding);
                }
            }
        };
        let tokens = &folded.tokens;
        // 1. Whole-word sequences.
        let mut key = String::new();
        for i in 0..tokens.len() {
            key.clear();
            for n in 0..self.max_words.min(tokens.len() - i) {
                let t = &tokens[i + n];
                if n > 0 {
                    key.push(' ');
                }
                key.push_str(&t.skeleton);
                if let Some(ids) = self.by_words.get(key.as_str()) {
                    let (start, end) = (tokens[i].start, t.end);
                    let evidence = &text[start..end];
                    let basic = fold_basic_words(&tokens[i..=i + n]);
                    for &id in ids {
                        let p = &self.marks[id as usize];
                        let kind = if evidence == p.mark.text {
                            MatchKind::Exact
                        } else if basic == p.basic_words {
                            MatchKind::Folded
                        } else {
                            MatchKind::LookAlike
                        };
                        offer(id, kind, start, end, 0);
                    }
                }
            }
        }
        // 2. Spacing and contained, on the compact skeleton.
        if let Some(ac) = &self.automaton {
            let starts: HashSet<usize> = tokens.iter().map(|t| t.compact_start).collect();
            let ends: HashSet<usize> = tokens
                .iter()
                .map(|t| t.compact_start + t.skeleton.len())
                .collect();
            for m in ac.find_overlapping_iter(&folded.compact) {
                let (cs, ce) = (m.start(), m.end());
                let aligned_start = starts.contains(&cs);
                let aligned_end = ends.contains(&ce);
                let ids = &self.pattern_marks[m.pattern().as_usize()];
                let (Some(first), Some(last)) = (folded.origin.get(cs), folded.origin.get(ce - 1))
                else {
                    continue;
                };
                let (start, end) = (first.0 as usize, last.1 as usize);
                for &id in ids {
                    let kind = if aligned_start && aligned_end {
                        MatchKind::Spacing
                    } else if self.marks[id as usize].compact_len > MIN_CONTAINED_LEN
                        || aligned_start
                        || aligned_end
                    {
                        MatchKind::Contained
                    } else {
                        continue;
                    };
                    offer(id, kind, start, end, 0);
                }
            }
        }
        // 3. Fuzzy on single words and word pairs.
        if !self.deletions.is_empty() {
            let mut hashes = Vec::new();
            let mut span = String::new();
            for i in 0..tokens.len() {
                span.clear();
                for n in 0..2.min(tokens.len() - i) {
                    span.push_str(&tokens[i + n].skeleton);
                    let chars: Vec<char> = span.chars().collect();
                    if chars.len() < MIN_FUZZY_LEN - 1 || chars.len() > MAX_FUZZY_LEN + 2 {
                        continue;
                    }
                    let k = if chars.len() >= 7 { 2 } else { 1 };
                    hashes.clear();
                    deletion_hashes(&chars, k, &mut hashes);
                    let mut seen: HashSet<u32> = HashSet::new();
                    for h in &hashes {
                        let Some(&(s, len)) = self.deletions.get(h) else {
                            continue;
                        };
                        for &id in &self.deletion_marks[s as usize..(s + len) as usize] {
                            if !seen.insert(id) {
                                continue;
                            }
                            let p = &self.marks[id as usize];
                            let limit = max_distance(p.compact_len);
                            let mark_chars: Vec<char> =
                                self.compact_of[id as usize].chars().collect();
                            if let Some(d) = bounded_levenshtein(&chars, &mark_chars, limit)
                                && d > 0
                            {
                                offer(id, MatchKind::Fuzzy, tokens[i].start, tokens[i + n].end, d);
                            }
                        }
                    }
                }
            }
        }
        out.extend(best.into_values());
    }
}

fn fold_basic_words(tokens: &[super::fold::Token]) -> String {
    tokens
        .iter()
        .map(|t| t.basic.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The naive baseline: every mark against every field, by substring search on the compact skeleton and a
/// full edit-distance comparison against every word. Same folding, no index. For benchmarks and cross-checks.
pub fn naive_screen(watchlist: &[Mark], listing: &Listing) -> Vec<(String, Field)> {
    let mut out = Vec::new();
    for (field, text) in listing.fields() {
        let folded = Folded::new(text);
        let words: Vec<Vec<char>> = folded
            .tokens
            .iter()
            .map(|t| t.skeleton.chars().collect())
            .collect();
        for mark in watchlist {
            let c = compact(&mark.text);
            if c.is_empty() {
                continue;
            }
            let mark_chars: Vec<char> = c.chars().collect();
            let whole_word = folded.tokens.iter().any(|t| t.skeleton == c);
            let contained = c.len() >= MIN_CONTAINED_LEN && folded.compact.contains(&c);
            let fuzzy = max_distance(mark_chars.len()) > 0
                && words.iter().any(|w| {
                    bounded_levenshtein(w, &mark_chars, max_distance(mark_chars.len())).is_some()
                });
            if whole_word || contained || fuzzy {
                out.push((mark.id.clone(), field));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_is_bounded() {
        let a: Vec<char> = "airpods".chars().collect();
        let b: Vec<char> = "airpod".chars().collect();
        assert_eq!(bounded_levenshtein(&a, &b, 1), Some(1));
        let c: Vec<char> = "aerpads".chars().collect();
        assert_eq!(bounded_levenshtein(&a, &c, 1), None);
        assert_eq!(bounded_levenshtein(&a, &c, 2), Some(2));
    }

    #[test]
    fn distance_scales_with_length() {
        assert_eq!(max_distance(4), 0);
        assert_eq!(max_distance(5), 1);
        assert_eq!(max_distance(8), 1);
        assert_eq!(max_distance(9), 2);
    }
}
