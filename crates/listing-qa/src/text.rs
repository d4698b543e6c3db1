//! Text primitives shared by every check: folding for case- and diacritic-insensitive
//! matching with a map back to the original bytes, script classes and word boundaries.

use serde::{Deserialize, Serialize};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A span inside one field, given both ways because the UI (JavaScript strings, char
/// cursors) and Rust slicing need different units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Offset in Unicode scalar values from the start of the field.
    pub char_start: usize,
    pub char_end: usize,
    /// Offset in UTF-8 bytes from the start of the field.
    pub byte_start: usize,
    pub byte_end: usize,
}

impl Span {
    /// Builds a span from byte offsets that lie on char boundaries of `text`.
    /// Offsets off a boundary are moved outwards to the nearest boundary so a
    /// span can always be sliced.
    pub fn from_bytes(text: &str, mut start: usize, mut end: usize) -> Span {
        end = end.min(text.len());
        start = start.min(end);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let char_start = text[..start].chars().count();
        let char_end = char_start + text[start..end].chars().count();
        Span {
            char_start,
            char_end,
            byte_start: start,
            byte_end: end,
        }
    }

    /// The slice of `text` this span covers, if it is a valid span of `text`.
    pub fn slice<'a>(&self, text: &'a str) -> Option<&'a str> {
        text.get(self.byte_start..self.byte_end)
    }
}

/// A field folded for matching: lower case, diacritics removed, full-width ASCII made
/// half-width, `ß` made `ss`. `starts[i]`/`ends[i]` give the original byte range of
/// the char that produced folded byte `i`.
#[derive(Debug, Default, Clone)]
pub struct Folded {
    pub text: String,
    starts: Vec<u32>,
    ends: Vec<u32>,
}

impl Folded {
    pub fn new(original: &str) -> Folded {
        let mut out = Folded {
            text: String::with_capacity(original.len()),
            starts: Vec::with_capacity(original.len()),
            ends: Vec::with_capacity(original.len()),
        };
        for (start, c) in original.char_indices() {
            let end = start + c.len_utf8();
            let before = out.text.len();
            fold_char_into(c, &mut out.text);
            let added = out.text.len() - before;
            // Field lengths are bounded far below 4 GiB by the callers; saturate anyway
            // so a hostile input cannot wrap the map.
            let (s, e) = (
                u32::try_from(start).unwrap_or(u32::MAX),
                u32::try_from(end).unwrap_or(u32::MAX),
            );
            out.starts.extend(std::iter::repeat_n(s, added));
            out.ends.extend(std::iter::repeat_n(e, added));
        }
        out
    }

    /// Original byte range for folded byte range `[start, end)`.
    pub fn original_range(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if start >= end || end > self.text.len() {
            return None;
        }
        Some((self.starts[start] as usize, self.ends[end - 1] as usize))
    }
}

/// Folds one string the same way `Folded::new` does, without the map (for lexicon terms).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char_into(c, &mut out);
    }
    out
}

fn fold_char_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    // Full-width ASCII variants (common in Chinese-typed text) fold to ASCII.
    if ('\u{FF01}'..='\u{FF5E}').contains(&c) {
        if let Some(a) = char::from_u32(c as u32 - 0xFF01 + 0x21) {
            out.push(a.to_ascii_lowercase());
        }
        return;
    }
    match c {
        'ß' | 'ẞ' => {
            out.push_str("ss");
            return;
        }
        '\u{2019}' | '\u{2018}' | '\u{02BC}' => {
            out.push('\'');
            return;
        }
        '\u{00A0}' | '\u{202F}' | '\u{2009}' | '\u{3000}' => {
            out.push(' ');
            return;
        }
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' => {
            out.push('-');
            return;
        }
        _ => {}
    }
    if is_combining_mark(c) {
        return;
    }
    let mut base = ['\0'; 4];
    let mut n = 0;
    decompose_canonical(c, |d| {
        if !is_combining_mark(d) && n < base.len() {
            base[n] = d;
            n += 1;
        }
    });
    for &d in &base[..n] {
        for l in d.to_lowercase() {
            if !is_combining_mark(l) {
                out.push(l);
            }
        }
    }
}

/// Scripts that do not separate words with spaces: a match ending in one of them needs
/// no word-boundary check on that side.
pub fn is_cjk(c: char) -> bool {
    is_han(c) || is_kana(c) || is_hangul(c)
}

pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3005 | 0x3007)
}

pub fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F)
}

pub fn is_hangul(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F)
}

/// A char that continues a word: letters, digits and combining marks.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Checks the word boundaries of folded match `[start, end)` in `folded`. Sides whose
/// edge char is CJK are not checked.
pub fn at_word_boundaries(folded: &str, start: usize, end: usize) -> bool {
    let first = folded[start..end].chars().next();
    let last = folded[start..end].chars().next_back();
    let (Some(first), Some(last)) = (first, last) else {
        return false;
    };
    // A CJK neighbour is a boundary too: "LX-300は" in Japanese has no space.
    let left_ok = is_cjk(first)
        || !is_word_char(first)
        || folded[..start]
            .chars()
            .next_back()
            .is_none_or(|p| !is_word_char(p) || is_cjk(p));
    let right_ok = is_cjk(last)
        || !is_word_char(last)
        || folded[end..]
            .chars()
            .next()
            .is_none_or(|n| !is_word_char(n) || is_cjk(n));
    left_ok && right_ok
}

/// A word of a field with its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Splits on anything that is not a word char, keeping inner apostrophes (l'eau, don't)
/// and inner hyphens out (hyphenated compounds are counted as their parts).
pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let inner_apostrophe = (c == '\'' || c == '\u{2019}')
            && start.is_some()
            && iter.peek().is_some_and(|&(_, n)| n.is_alphabetic());
        if is_word_char(c) || inner_apostrophe {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            out.push(Word {
                text: &text[s..i],
                start: s,
                end: i,
            });
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &text[s..],
            start: s,
            end: text.len(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_case_diacritics_and_width() {
        assert_eq!(fold("Ünïcödé"), "unicode");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("ＦＲＥＥ"), "free");
        assert_eq!(fold("GUÉRIT"), "guerit");
        assert_eq!(fold("送料無料"), "送料無料");
    }

    #[test]
    fn folded_maps_back_to_original_bytes() {
        let s = "Café 🙂 GUÉRIT";
        let f = Folded::new(s);
        let at = f.text.find("guerit").unwrap_or(usize::MAX);
        let (a, b) = f.original_range(at, at + 6).unwrap_or((0, 0));
        assert_eq!(&s[a..b], "GUÉRIT");
    }

    #[test]
    fn decomposed_input_maps_whole_cluster() {
        // "é" written as e + U+0301 folds to "e"; the span must include the mark.
        let s = "gue\u{301}rit vite";
        let f = Folded::new(s);
        assert_eq!(f.text, "guerit vite");
        let (a, b) = f.original_range(0, 6).unwrap_or((0, 0));
        assert_eq!(&s[a..b], "gue\u{301}rit");
    }

    #[test]
    fn boundaries() {
        assert!(at_word_boundaries("it cures pain", 3, 8));
        assert!(!at_word_boundaries("procures", 3, 8));
        assert!(at_word_boundaries("这款送料無料商品", 6, 18));
        assert!(at_word_boundaries("lx-300は", 0, 6));
    }

    #[test]
    fn span_counts_chars_not_bytes() {
        let s = "🙂é中x";
        let sp = Span::from_bytes(s, 4, 9);
        assert_eq!((sp.char_start, sp.char_end), (1, 3));
        assert_eq!(sp.slice(s), Some("é中"));
        let inside = Span::from_bytes(s, 1, 2);
        assert_eq!(inside.slice(s), Some("🙂"));
    }

    #[test]
    fn words_keep_inner_apostrophes() {
        let w: Vec<&str> = words("l'eau, don't-stop 5V")
            .iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(w, vec!["l'eau", "don't", "stop", "5V"]);
    }
}
