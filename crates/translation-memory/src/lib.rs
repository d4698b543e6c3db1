//! Translation memory engine: stored segment pairs (source text → approved target text) and
//! lookups that return exact and fuzzy matches with a score. Pure: no I/O, no clock; the
//! caller loads segments (from the store) and keeps the index.
//!
//! Score = `floor(100 × (1 − d / max(len_a, len_b)))` where `d` is the Levenshtein distance in
//! characters between the case-folded, whitespace-collapsed texts; 100 is kept for an exact
//! match (same text after whitespace collapsing, case included), a match that differs only in
//! case scores 99, anything else at most 98.
//!
//! Fuzzy lookup is a character-trigram index with a count filter that never drops a segment
//! the score threshold admits: one edit changes at most three trigram positions, so a segment
//! within distance `d` shares at least `|grams(query)| − 3d` distinct trigrams with the query
//! (strings padded so that every position is covered). Candidates come from the rarest
//! `|grams| − T + 1` trigrams of the query (prefix filter), are counted against the rest,
//! length-filtered, and verified with a banded edit distance. [`TmIndex::linear_scan`] is the
//! naive reference it is tested and benchmarked against.
//!
//! ```
//! use tradelane_tm::{TmIndex, TmQuery, TmSegment};
//!
//! let mut tm = TmIndex::new();
//! tm.insert(TmSegment {
//!     id: 1,
//!     source_locale: "zh-CN".into(),
//!     target_locale: "de-DE".into(),
//!     source: "无线蓝牙耳机，降噪".into(),
//!     target: "Kabellose Bluetooth-Kopfhörer mit Geräuschunterdrückung".into(),
//!     provenance: "listing 7 approved".into(),
//! });
//! let hits = tm.lookup(&TmQuery::new("zh-Hans", "de-DE", "无线蓝牙耳机，主动降噪"));
//! assert_eq!(hits.len(), 1);
//! assert!(hits[0].score >= 75 && !hits[0].exact);
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// One stored pair: `source` in `source_locale` translated to `target` in `target_locale`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmSegment {
    /// The caller's id (the store row id); ids are unique in an index.
    pub id: i64,
    pub source_locale: String,
    pub target_locale: String,
    pub source: String,
    pub target: String,
    /// Where the pair came from ("listing 42 approved by ana@…", "import tm.csv row 7").
    pub provenance: String,
}

/// A lookup: which language pair, which text, how similar a match must be, how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmQuery<'a> {
    pub source_locale: &'a str,
    pub target_locale: &'a str,
    pub text: &'a str,
    /// Lowest score returned (0..=100). Default 70.
    pub min_score: u8,
    /// Most matches returned, best first. Default 5.
    pub limit: usize,
}

impl<'a> TmQuery<'a> {
    pub fn new(source_locale: &'a str, target_locale: &'a str, text: &'a str) -> Self {
        TmQuery {
            source_locale,
            target_locale,
            text,
            min_score: DEFAULT_MIN_SCORE,
            limit: DEFAULT_LIMIT,
        }
    }

    pub fn min_score(mut self, score: u8) -> Self {
        self.min_score = score.min(100);
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
}

pub const DEFAULT_MIN_SCORE: u8 = 70;
pub const DEFAULT_LIMIT: usize = 5;

/// In pairs larger than [`FULL_SCAN_MAX`], at most this many candidates (those sharing the most
/// trigrams with the query) are verified with the edit distance.
pub const MAX_VERIFIED: usize = 400;

/// Pairs up to this many segments are scanned whole for segments sharing no trigram with the
/// query, so small memories answer exactly like [`TmIndex::linear_scan`].
pub const FULL_SCAN_MAX: usize = 2_000;

/// A match: the stored segment and how close its source is to the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmMatch {
    pub segment_id: i64,
    /// 0..=100; 100 only for an exact match.
    pub score: u8,
    /// Same source text (whitespace collapsed, case kept): safe to reuse without review of
    /// the source side.
    pub exact: bool,
    pub source: String,
    pub target: String,
    pub provenance: String,
}

/// The index key of a language pair: sources match by language (and Chinese script), targets by
/// their full tag (en-US and en-GB are different targets). Chinese: zh, zh-CN, zh-SG and
/// zh-Hans are Simplified; zh-TW, zh-HK, zh-MO and zh-Hant are Traditional.
pub fn pair_key(source_locale: &str, target_locale: &str) -> String {
    let source = canonical_locale(source_locale);
    let source_lang = if source.starts_with("zh-") {
        source.clone()
    } else {
        source.split('-').next().unwrap_or("").to_string()
    };
    format!("{source_lang}>{}", canonical_locale(target_locale))
}

/// Lower-case BCP 47 tag with `_` → `-`, Chinese folded to `zh-hans` / `zh-hant`.
pub fn canonical_locale(tag: &str) -> String {
    let t = tag.trim().replace('_', "-").to_ascii_lowercase();
    let mut parts = t.split('-');
    let lang = parts.next().unwrap_or("");
    if lang == "zh" || lang == "cmn" {
        let rest: Vec<&str> = parts.collect();
        let traditional = rest
            .iter()
            .any(|p| matches!(*p, "hant" | "tw" | "hk" | "mo"));
        return if traditional { "zh-hant" } else { "zh-hans" }.to_string();
    }
    t
}

/// NFC, whitespace runs collapsed to one space, trimmed: the text an exact match compares.
pub fn canonical_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// [`canonical_text`] case-folded, as chars: what the fuzzy score compares.
fn folded_chars(canonical: &str) -> Vec<char> {
    canonical.chars().flat_map(char::to_lowercase).collect()
}

/// Padding char outside any text (a noncharacter).
const PAD: char = '\u{FDD0}';
const Q: usize = 3;

fn gram_key(a: char, b: char, c: char) -> u64 {
    ((a as u64) << 42) | ((b as u64) << 21) | (c as u64)
}

/// Distinct padded trigrams of `chars`, sorted.
fn grams(chars: &[char]) -> Vec<u64> {
    let mut padded = Vec::with_capacity(chars.len() + 2 * (Q - 1));
    padded.extend([PAD; Q - 1]);
    padded.extend_from_slice(chars);
    padded.extend([PAD; Q - 1]);
    let mut out: Vec<u64> = padded
        .windows(Q)
        .map(|w| gram_key(w[0], w[1], w[2]))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Largest distance a segment of (max) length `len` may have and still score `min_score`.
fn max_distance(len: usize, min_score: u8) -> usize {
    len * (100 - usize::from(min_score.min(100))) / 100
}

fn score_of(distance: usize, la: usize, lb: usize) -> u8 {
    let len = la.max(lb);
    if len == 0 {
        return 100;
    }
    let s = 100 * (len - distance.min(len)) / len;
    s.min(98) as u8
}

/// Levenshtein distance between `a` and `b` if it is at most `k`, else None. Banded DP.
pub fn bounded_levenshtein(a: &[char], b: &[char], k: usize) -> Option<usize> {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > k {
        return None;
    }
    if la == 0 || lb == 0 {
        return Some(la.max(lb));
    }
    const INF: usize = usize::MAX / 2;
    let mut prev = vec![INF; lb + 1];
    let mut cur = vec![INF; lb + 1];
    for (j, p) in prev.iter_mut().enumerate().take(k.min(lb) + 1) {
        *p = j;
    }
    for i in 1..=la {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(lb);
        cur.fill(INF);
        if i <= k {
            cur[0] = i;
        }
        let mut row_min = cur[0];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let v = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[lb];
    (d <= k).then_some(d)
}

#[derive(Debug, Clone)]
struct Entry {
    segment: TmSegment,
    canonical: String,
    folded: Vec<char>,
}

#[derive(Debug, Default, Clone)]
struct PairIndex {
    entries: Vec<u32>,
    exact: HashMap<String, Vec<u32>>,
    gram_ids: HashMap<u64, u32>,
    postings: Vec<Vec<u32>>,
}

/// The memory of one organisation (or any set of segments), indexed for lookups.
#[derive(Debug, Default, Clone)]
pub struct TmIndex {
    entries: Vec<Entry>,
    by_id: HashMap<i64, u32>,
    pairs: HashMap<String, PairIndex>,
}

impl TmIndex {
    pub fn new() -> TmIndex {
        TmIndex::default()
    }

    pub fn from_segments(segments: impl IntoIterator<Item = TmSegment>) -> TmIndex {
        let mut tm = TmIndex::new();
        for s in segments {
            tm.insert(s);
        }
        tm
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a segment. Returns false (and changes nothing) when its id is already present or
    /// its source text is empty.
    pub fn insert(&mut self, segment: TmSegment) -> bool {
        if self.by_id.contains_key(&segment.id) {
            return false;
        }
        let canonical = canonical_text(&segment.source);
        if canonical.is_empty() {
            return false;
        }
        let Ok(idx) = u32::try_from(self.entries.len()) else {
            return false;
        };
        let folded = folded_chars(&canonical);
        let key = pair_key(&segment.source_locale, &segment.target_locale);
        let pair = self.pairs.entry(key).or_default();
        for g in grams(&folded) {
            let next = pair.postings.len() as u32;
            let id = *pair.gram_ids.entry(g).or_insert(next);
            if id == next {
                pair.postings.push(Vec::new());
            }
            pair.postings[id as usize].push(idx);
        }
        pair.entries.push(idx);
        pair.exact.entry(canonical.clone()).or_default().push(idx);
        self.by_id.insert(segment.id, idx);
        self.entries.push(Entry {
            segment,
            canonical,
            folded,
        });
        true
    }

    fn to_match(&self, idx: u32, score: u8, exact: bool) -> TmMatch {
        let s = &self.entries[idx as usize].segment;
        TmMatch {
            segment_id: s.id,
            score,
            exact,
            source: s.source.clone(),
            target: s.target.clone(),
            provenance: s.provenance.clone(),
        }
    }

    /// Score of entry `idx` against the query, if at least `min_score`.
    fn score_entry(
        &self,
        idx: u32,
        q_canon: &str,
        q_folded: &[char],
        min_score: u8,
    ) -> Option<(u8, bool)> {
        let e = &self.entries[idx as usize];
        if e.canonical == q_canon {
            return Some((100, true));
        }
        let (la, lb) = (q_folded.len(), e.folded.len());
        let k = max_distance(la.max(lb), min_score);
        if la.abs_diff(lb) > k {
            return None;
        }
        let d = bounded_levenshtein(q_folded, &e.folded, k)?;
        let score = if d == 0 { 99 } else { score_of(d, la, lb) };
        (score >= min_score).then_some((score, false))
    }

    fn finish(&self, mut found: Vec<(u32, u8, bool)>, limit: usize) -> Vec<TmMatch> {
        // Best score first; among equals the newest segment (highest id) first.
        found.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| {
                let ia = self.entries[a.0 as usize].segment.id;
                let ib = self.entries[b.0 as usize].segment.id;
                ib.cmp(&ia)
            })
        });
        found.truncate(limit);
        found
            .into_iter()
            .map(|(i, s, e)| self.to_match(i, s, e))
            .collect()
    }

    /// Exact and fuzzy matches for the query, best first.
    ///
    /// Candidates are the segments sharing trigrams with the query, visited by decreasing shared
    /// count; for each, `|grams(query)| − shared ≤ 3d` and `|len_a − len_b| ≤ d` bound the best
    /// score it could reach, so the walk stops as soon as no remaining candidate can beat the
    /// threshold or the current `limit`-th match. Segments sharing no trigram at all are visited
    /// only in pairs of at most [`FULL_SCAN_MAX`] segments, where the answer is exactly
    /// [`TmIndex::linear_scan`]'s (property-tested). In larger memories the walk verifies at most
    /// [`MAX_VERIFIED`] candidates, those sharing the most trigrams: the trigram bound alone is too
    /// weak at scores around 70 to exclude anything, so large memories trade exactness for a
    /// bounded lookup time; the benchmark counts how often the answer differs from the scan.
    pub fn lookup(&self, q: &TmQuery<'_>) -> Vec<TmMatch> {
        let q_canon = canonical_text(q.text);
        if q_canon.is_empty() || q.limit == 0 {
            return Vec::new();
        }
        let Some(pair) = self.pairs.get(&pair_key(q.source_locale, q.target_locale)) else {
            return Vec::new();
        };
        let q_folded = folded_chars(&q_canon);
        let min_score = q.min_score.min(100);
        let la = q_folded.len();
        if min_score == 100 {
            let found = pair
                .exact
                .get(&q_canon)
                .map(|v| v.iter().map(|&i| (i, 100, true)).collect())
                .unwrap_or_default();
            return self.finish(found, q.limit);
        }
        let q_grams: Vec<u64> = grams(&q_folded);
        let g = q_grams.len();
        // Shared distinct trigrams per segment (only the pair's segments get counted).
        // u16 halves the memory the random increments touch (100,000 segments: 200 KB, which
        // stays in a core's L2 cache); a count saturates rather than wraps.
        let mut counts: Vec<u16> = vec![0; self.entries.len()];
        let mut touched: Vec<u32> = Vec::new();
        for gram in &q_grams {
            if let Some(&id) = pair.gram_ids.get(gram) {
                for &idx in &pair.postings[id as usize] {
                    let c = &mut counts[idx as usize];
                    if *c == 0 {
                        touched.push(idx);
                    }
                    *c = c.saturating_add(1);
                }
            }
        }
        let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); g + 1];
        for &idx in &touched {
            buckets[(counts[idx as usize] as usize).min(g)].push(idx);
        }
        if pair.entries.len() <= FULL_SCAN_MAX {
            buckets[0] = pair
                .entries
                .iter()
                .copied()
                .filter(|&i| counts[i as usize] == 0)
                .collect();
        }
        // Best score a segment sharing `c` trigrams could reach (any length).
        let ub_any = |c: usize| -> u8 {
            let d = (g - c.min(g)).div_ceil(Q);
            if d == 0 {
                100
            } else {
                (100 * la / (la + d)) as u8
            }
        };
        // Best score of a segment of length `lb` sharing `c` trigrams.
        let ub_of = |c: usize, lb: usize| -> u8 {
            let d = (g - c.min(g)).div_ceil(Q).max(la.abs_diff(lb));
            let len = la.max(lb);
            if d == 0 {
                100
            } else {
                (100 * (len - d.min(len)) / len) as u8
            }
        };
        let mut found: Vec<(u32, u8, bool)> = Vec::new();
        // The `limit`-th best score so far (0 until there are `limit` matches).
        let mut floor_score = 0u8;
        let capped = pair.entries.len() > FULL_SCAN_MAX;
        let mut verified = 0usize;
        'walk: for c in (0..=g).rev() {
            let bound = ub_any(c);
            if bound < min_score || (found.len() >= q.limit && bound < floor_score) {
                break;
            }
            for &idx in &buckets[c] {
                if capped && verified >= MAX_VERIFIED {
                    break 'walk;
                }
                verified += 1;
                let lb = self.entries[idx as usize].folded.len();
                let ub = ub_of(c, lb);
                if ub < min_score || (found.len() >= q.limit && ub < floor_score) {
                    continue;
                }
                if let Some((s, ex)) = self.score_entry(idx, &q_canon, &q_folded, min_score) {
                    found.push((idx, s, ex));
                    if found.len() >= q.limit {
                        let mut scores: Vec<u8> = found.iter().map(|f| f.1).collect();
                        scores.sort_unstable_by(|a, b| b.cmp(a));
                        floor_score = scores[q.limit - 1];
                    }
                }
            }
        }
        self.finish(found, q.limit)
    }

    /// The naive reference: every segment of the pair scored with a full edit distance.
    /// Same answers as [`TmIndex::lookup`] (tested); used as the benchmark baseline.
    pub fn linear_scan(&self, q: &TmQuery<'_>) -> Vec<TmMatch> {
        let q_canon = canonical_text(q.text);
        if q_canon.is_empty() || q.limit == 0 {
            return Vec::new();
        }
        let key = pair_key(q.source_locale, q.target_locale);
        let q_folded = folded_chars(&q_canon);
        let mut found = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if pair_key(&e.segment.source_locale, &e.segment.target_locale) != key {
                continue;
            }
            let (score, exact) = if e.canonical == q_canon {
                (100, true)
            } else {
                let d = full_levenshtein(&q_folded, &e.folded);
                let s = if d == 0 {
                    99
                } else {
                    score_of(d, q_folded.len(), e.folded.len())
                };
                (s, false)
            };
            if score >= q.min_score {
                found.push((i as u32, score, exact));
            }
        }
        self.finish(found, q.limit)
    }

    /// Every stored segment, in insertion order.
    pub fn segments(&self) -> impl Iterator<Item = &TmSegment> {
        self.entries.iter().map(|e| &e.segment)
    }
}

/// Plain O(n·m) Levenshtein distance over chars.
pub fn full_levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests;
