//! Text folding for trademark matching.
//!
//! Two levels, both per character so every folded character keeps the byte span it came from:
//! - **basic**: compatibility decomposition (full-width "ＡＰＰＬＥ" -> "APPLE", ligatures), combining marks
//!   removed ("Pokémon" -> "Pokemon"), lowercase;
//! - **skeleton**: basic plus look-alikes mapped to one Latin letter: Cyrillic and Greek homoglyphs
//!   ("Аррlе" with Cyrillic А, р -> "apple"), digits and symbols used as letters (0 -> o, 1 | ! i -> l,
//!   5 $ -> s, @ -> a, 3 -> e). Both the watchlist and the text are folded the same way, so mapping "i" to
//!   "l" costs nothing in precision ("iPhone" and "lPhone" share a skeleton on purpose).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Maps a Cyrillic or Greek letter that looks like a Latin one; other characters unchanged.
fn homoglyph(c: char) -> char {
    match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' | 'є' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'і' | 'ї' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'һ' => 'h',
        // Greek
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ω' => 'w',
        'ζ' => 'z',
        _ => c,
    }
}

/// Maps a Cyrillic or Greek capital that looks like a Latin capital (Greek 'Ν' is Latin 'N', although its
/// lowercase 'ν' looks like 'v', so capitals are mapped before lowercasing).
fn homoglyph_upper(c: char) -> char {
    match c {
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'Е' | 'Ε' => 'E',
        'Ζ' => 'Z',
        'Н' | 'Η' => 'H',
        'І' | 'Ι' => 'I',
        'Ј' => 'J',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'Ν' => 'N',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'С' | 'Ϲ' => 'C',
        'Ѕ' => 'S',
        'Т' | 'Τ' => 'T',
        'У' | 'Υ' => 'Y',
        'Х' | 'Χ' => 'X',
        _ => c,
    }
}

/// Digits and symbols commonly used in place of letters.
fn lookalike(c: char) -> char {
    match c {
        '0' => 'o',
        '1' | '|' | '!' | 'i' => 'l',
        '5' | '$' => 's',
        '@' => 'a',
        '3' => 'e',
        other => other,
    }
}

/// Calls `out(basic, skeleton)` for every folded character `c` produces (zero, one or more).
pub fn fold_char(c: char, mut out: impl FnMut(char, char)) {
    decompose_compatible(c, |d| {
        if is_combining_mark(d) {
            return;
        }
        let latin = homoglyph_upper(d);
        if latin != d {
            let basic = d.to_lowercase().next().unwrap_or(d);
            out(basic, lookalike(latin.to_ascii_lowercase()));
            return;
        }
        for lower in d.to_lowercase() {
            // Lowercasing can yield new decomposable or combining characters ('İ' -> "i\u{307}").
            decompose_compatible(lower, |l| {
                if !is_combining_mark(l) {
                    out(l, lookalike(homoglyph(l)));
                }
            });
        }
    });
}

/// True for characters that belong to a word in the skeleton (letters, digits and the symbols used as letters).
pub fn is_word_char(skeleton: char) -> bool {
    skeleton.is_alphanumeric()
}

/// The basic fold of a whole string.
pub fn fold_basic(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, |b, _| s.push(b));
    }
    s
}

/// The skeleton of a whole string.
pub fn skeleton(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, |_, k| s.push(k));
    }
    s
}

/// The skeleton with everything but word characters removed ("i-Phone" -> "lphone", "Air Pods" -> "airpods").
pub fn compact(text: &str) -> String {
    skeleton(text)
        .chars()
        .filter(|c| is_word_char(*c))
        .collect()
}

/// One word of a folded text, with its span in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Basic fold of the word.
    pub basic: String,
    /// Skeleton of the word.
    pub skeleton: String,
    /// Byte offset of the first original character.
    pub start: usize,
    /// Byte offset just past the last original character.
    pub end: usize,
    /// Offset of the word in the compact string (bytes).
    pub compact_start: usize,
}

/// A field's words plus its compact skeleton with a map back to original byte offsets.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    /// Words in order.
    pub tokens: Vec<Token>,
    /// All word skeletons concatenated.
    pub compact: String,
    /// For each byte of `compact`, the (start, end) of the original character it came from.
    pub origin: Vec<(u32, u32)>,
}

impl Folded {
    /// Tokenises and folds `text`.
    pub fn new(text: &str) -> Folded {
        let mut f = Folded::default();
        let mut current: Option<Token> = None;
        for (start, c) in text.char_indices() {
            let end = start + c.len_utf8();
            let mut any_word = false;
            let mut pieces: [(char, char); 4] = [('\0', '\0'); 4];
            let mut n = 0;
            fold_char(c, |b, k| {
                if n < pieces.len() {
                    pieces[n] = (b, k);
                    n += 1;
                }
            });
            for &(b, k) in &pieces[..n] {
                if !is_word_char(k) {
                    continue;
                }
                any_word = true;
                let tok = current.get_or_insert_with(|| Token {
                    basic: String::new(),
                    skeleton: String::new(),
                    start,
                    end,
                    compact_start: f.compact.len(),
                });
                tok.basic.push(b);
                tok.skeleton.push(k);
                tok.end = end;
                let before = f.compact.len();
                f.compact.push(k);
                for _ in before..f.compact.len() {
                    f.origin.push((start as u32, end as u32));
                }
            }
            if !any_word && let Some(tok) = current.take() {
                f.tokens.push(tok);
            }
        }
        if let Some(tok) = current.take() {
            f.tokens.push(tok);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_case_diacritics_width_and_homoglyphs() {
        assert_eq!(fold_basic("Pokémon ＡＰＰＬＥ"), "pokemon apple");
        assert_eq!(skeleton("Аррlе"), "apple"); // Cyrillic А, р, р, Latin l, Cyrillic е
        assert_eq!(compact("i-Phone"), compact("IPHONE"));
        assert_eq!(compact("Air Pods"), "alrpods");
        assert_eq!(compact("N1KE"), compact("nike"));
        assert_eq!(compact("ΝΙΚΕ"), compact("nike")); // Greek capitals
    }

    #[test]
    fn tokens_keep_original_spans() {
        let text = "Best ＡＩＲ-pods case";
        let f = Folded::new(text);
        let words: Vec<&str> = f.tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(words, vec!["Best", "ＡＩＲ", "pods", "case"]);
        assert_eq!(f.compact, "bestalrpodscase");
        assert_eq!(f.origin.len(), f.compact.len());
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,40}") {
            let once = skeleton(&s);
            prop_assert_eq!(skeleton(&once), once.clone());
            let basic = fold_basic(&s);
            prop_assert_eq!(fold_basic(&basic), basic);
        }

        #[test]
        fn origin_spans_are_char_boundaries(s in "\\PC{0,40}") {
            let f = Folded::new(&s);
            for &(a, b) in &f.origin {
                prop_assert!(s.is_char_boundary(a as usize) && s.is_char_boundary(b as usize));
            }
        }
    }
}
