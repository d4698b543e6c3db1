//! The screening index and the screening itself; plus the naive pairwise scan used as a benchmark baseline.

use super::fold::{Folded, compact};
use super::{Field, Finding, Listing, Mark, MatchKind};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// Keys of the deletion table are already 64-bit hashes: hashing them again would only cost time.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// FNV-1a for the short word keys: much cheaper than SipHash, and the keys are not attacker-chosen in a way that
/// matters (a slow lookup only slows one screening).
#[derive(Default)]
struct FnvHasher(u64);

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf29ce484222325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
        self.0 = h;
    }
}

type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;
type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<FnvHasher>>;
type FnvSet<K> = HashSet<K, BuildHasherDefault<FnvHasher>>;

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
    id: Arc<str>,
    text: Arc<str>,
    owner: Arc<str>,
    basic_words: String,
    compact_len: usize,
}

/// A prepared watchlist; build once, screen many listings (Send + Sync, share it across threads).
pub struct ScreeningIndex {
    marks: Vec<Prepared>,
    /// Skeleton word sequence ("air pods") -> marks.
    by_words: FnvMap<String, Vec<u32>>,
    max_words: usize,
    /// Compact skeletons of marks (len >= MIN_CONTAINED_LEN), deduplicated; pattern i -> marks.
    automaton: Option<AhoCorasick>,
    pattern_marks: Vec<Vec<u32>>,
    /// Deletion-variant hash -> range in `deletion_marks`.
    deletions: IdMap<(u32, u32)>,
    /// One bit per deletion hash (bit-sliced, ~8 bits per entry): most query variants are not in the table, and
    /// this small bitmap answers "no" without a cache miss in the large map.
    deletion_filter: Vec<u64>,
    filter_mask: u64,
    deletion_marks: Vec<u32>,
    chars_of: Vec<Vec<char>>,
    allow: HashSet<String>,
}

/// Polynomial hash base (odd, so multiplication is invertible mod 2^64).
const BASE: u64 = 0x100000001b3;

/// Hashes of every string obtained by deleting up to `k` (at most 2) characters of `chars`, computed in O(1)
/// each from prefix hashes: hash(a + b) = hash(a) * BASE^|b| + hash(b), all mod 2^64. May contain duplicates
/// (deleting either of two equal neighbours); callers deduplicate candidates, not hashes.
fn deletion_hashes(chars: &[char], k: usize, out: &mut Vec<u64>) {
    const MAX: usize = MAX_FUZZY_LEN + 3;
    let n = chars.len();
    if n >= MAX {
        return;
    }
    let mut prefix = [0u64; MAX];
    let mut pow = [1u64; MAX];
    for (i, c) in chars.iter().enumerate() {
        prefix[i + 1] = prefix[i].wrapping_mul(BASE).wrapping_add(*c as u64 + 1);
        pow[i + 1] = pow[i].wrapping_mul(BASE);
    }
    // Hash of chars[a..b].
    let range = |a: usize, b: usize| prefix[b].wrapping_sub(prefix[a].wrapping_mul(pow[b - a]));
    let join = |h1: u64, h2: u64, len2: usize| h1.wrapping_mul(pow[len2]).wrapping_add(h2);
    out.push(prefix[n]);
    if k >= 1 {
        for (i, left) in prefix.iter().enumerate().take(n) {
            out.push(join(*left, range(i + 1, n), n - i - 1));
        }
    }
    if k >= 2 {
        for (i, &left) in prefix.iter().enumerate().take(n) {
            for j in i + 1..n {
                let mid = join(left, range(i + 1, j), j - i - 1);
                out.push(join(mid, range(j + 1, n), n - j - 1));
            }
        }
    }
}

/// Levenshtein distance if it is at most `limit`, else None (stops early; fixed-size rows, no allocation).
fn bounded_levenshtein(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    const MAX: usize = 64;
    if a.len().abs_diff(b.len()) > limit || b.len() >= MAX {
        return None;
    }
    let mut prev = [0usize; MAX];
    let mut cur = [0usize; MAX];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j;
    }
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

/// Bit of the deletion filter for hash `h` (high bits: the map's bucket choice uses the low ones).
fn filter_bit(h: u64, mask: u64) -> u64 {
    (h >> 29 ^ h) & mask
}

impl ScreeningIndex {
    fn may_have_deletion(&self, h: u64) -> bool {
        let bit = filter_bit(h, self.filter_mask);
        self.deletion_filter
            .get((bit / 64) as usize)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    /// Builds the index; marks whose compact skeleton equals an allowlisted brand's are left out.
    pub fn new(watchlist: &[Mark], allowlist: &[String]) -> ScreeningIndex {
        let allow: HashSet<String> = allowlist
            .iter()
            .map(|a| compact(a))
            .filter(|c| !c.is_empty())
            .collect();
        let mut idx = ScreeningIndex {
            marks: Vec::new(),
            by_words: FnvMap::default(),
            max_words: 1,
            automaton: None,
            pattern_marks: Vec::new(),
            deletions: IdMap::default(),
            deletion_filter: Vec::new(),
            filter_mask: 0,
            deletion_marks: Vec::new(),
            chars_of: Vec::new(),
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
                scratch.sort_unstable();
                scratch.dedup();
                del_pairs.extend(scratch.iter().map(|h| (*h, id)));
            }
            idx.marks.push(Prepared {
                id: Arc::from(mark.id.as_str()),
                text: Arc::from(mark.text.as_str()),
                owner: Arc::from(mark.owner.as_str()),
                basic_words: folded
                    .tokens
                    .iter()
                    .map(|t| t.basic.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                compact_len: chars.len(),
                mark: mark.clone(),
            });
            idx.chars_of.push(chars);
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
        let bits = (idx.deletions.len() * 8)
            .next_power_of_two()
            .clamp(64, 1 << 27);
        idx.filter_mask = bits as u64 - 1;
        idx.deletion_filter = vec![0; bits / 64];
        for h in idx.deletions.keys() {
            let bit = filter_bit(*h, idx.filter_mask);
            idx.deletion_filter[(bit / 64) as usize] |= 1 << (bit % 64);
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
        // Occurrences of allowlisted brands (original byte spans): findings inside them are the seller's own brand.
        let own_spans: Vec<(usize, usize)> = self
            .allow
            .iter()
            .flat_map(|a| {
                folded
                    .compact
                    .match_indices(a.as_str())
                    .filter_map(|(at, m)| {
                        let first = folded.origin.get(at)?;
                        let last = folded.origin.get(at + m.len() - 1)?;
                        Some((first.0 as usize, last.1 as usize))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        // Best match per mark in this field: (kind, start, end, distance); findings are built once at the end.
        let mut best: FnvMap<u32, (MatchKind, usize, usize, usize)> = FnvMap::default();
        let mut offer = |id: u32, kind: MatchKind, start: usize, end: usize, distance: usize| {
            if best.get(&id).is_some_and(|b| b.0 <= kind) || !self.class_ok(id, classes) {
                return;
            }
            if !self.allow.is_empty()
                && (self.allow.contains(&compact(&text[start..end]))
                    || own_spans.iter().any(|&(a, b)| a <= start && end <= b))
            {
                return;
            }
            best.insert(id, (kind, start, end, distance));
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
            let starts: FnvSet<usize> = tokens.iter().map(|t| t.compact_start).collect();
            let ends: FnvSet<usize> = tokens
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
            let mut chars: Vec<char> = Vec::new();
            let mut seen: FnvSet<u32> = FnvSet::default();
            for i in 0..tokens.len() {
                chars.clear();
                for n in 0..2.min(tokens.len() - i) {
                    chars.extend(tokens[i + n].skeleton.chars());
                    if chars.len() < MIN_FUZZY_LEN - 1 || chars.len() > MAX_FUZZY_LEN + 2 {
                        continue;
                    }
                    let k = if chars.len() >= 7 { 2 } else { 1 };
                    hashes.clear();
                    deletion_hashes(&chars, k, &mut hashes);
                    seen.clear();
                    for h in &hashes {
                        if !self.may_have_deletion(*h) {
                            continue;
                        }
                        let Some(&(s, len)) = self.deletions.get(h) else {
                            continue;
                        };
                        for &id in &self.deletion_marks[s as usize..(s + len) as usize] {
                            if !seen.insert(id) {
                                continue;
                            }
                            let mark_chars = &self.chars_of[id as usize];
                            let limit = max_distance(mark_chars.len());
                            if let Some(d) = bounded_levenshtein(&chars, mark_chars, limit)
                                && d > 0
                            {
                                offer(id, MatchKind::Fuzzy, tokens[i].start, tokens[i + n].end, d);
                            }
                        }
                    }
                }
            }
        }
        out.extend(best.into_iter().map(|(id, (kind, start, end, distance))| {
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
            Finding {
                mark_id: Arc::clone(&p.id),
                mark_text: Arc::clone(&p.text),
                owner: Arc::clone(&p.owner),
                field,
                kind,
                score: (base + bonus).min(1.0),
                span: (start, end),
                evidence: text[start..end].to_string(),
                distance: distance as u8,
            }
        }));
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
    fn deletion_hashes_agree_with_hashing_the_shortened_string() {
        let word: Vec<char> = "playstation".chars().collect();
        let mut all = Vec::new();
        deletion_hashes(&word, 2, &mut all);
        for (i, j) in [(0, 1), (3, 7), (9, 10)] {
            let shorter: Vec<char> = word
                .iter()
                .enumerate()
                .filter(|(x, _)| *x != i && *x != j)
                .map(|(_, c)| *c)
                .collect();
            let mut h = Vec::new();
            deletion_hashes(&shorter, 0, &mut h);
            assert!(all.contains(&h[0]));
        }
        assert_eq!(all.len(), 1 + 11 + 55);
    }

    #[test]
    fn distance_scales_with_length() {
        assert_eq!(max_distance(4), 0);
        assert_eq!(max_distance(5), 1);
        assert_eq!(max_distance(8), 1);
        assert_eq!(max_distance(9), 2);
    }
}
