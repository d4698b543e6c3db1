//! Source-language text left in a translated listing.
//!
//! Two signals, both deterministic and explainable to a reviewer:
//! - script: Han, kana or Hangul in a listing whose language does not use them, Chinese
//!   function characters in a Japanese listing, simplified characters in a zh-Hant
//!   listing (and traditional in zh-Hans) via OpenCC;
//! - function words: a clause of a Latin-script listing whose function words belong to
//!   another language (data/language.toml).
//!
//! A trigram detector (whatlang) was not used: listing segments are short, full of
//! brand names, model numbers and loanwords ("Smartphone", "Power Bank"), and a
//! detector's guess on 6 words cannot be explained to the reviewer; counting the
//! function words of each language can, and it never fires on a clause without them.

use std::collections::{BTreeMap, HashSet};

use crate::text::{fold, is_cjk, is_han, is_hangul, is_kana, words};

/// A run of text in a script the listing language does not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignRun {
    pub start: usize,
    pub end: usize,
    pub script: &'static str,
}

/// Runs of CJK characters (joined across spaces and CJK punctuation) in `text`.
pub fn cjk_runs(text: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut cur: Option<(usize, usize)> = None;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if is_cjk(c) {
            cur = Some(cur.map_or((i, end), |(s, _)| (s, end)));
        } else if cur.is_some() && (is_cjk_punct(c) || c == ' ') {
            // keep the run open; trimmed when it closes
        } else if let Some(run) = cur.take() {
            out.push(run);
        }
    }
    out.extend(cur);
    out
}

fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0x30FB)
}

fn script_of(run: &str) -> &'static str {
    if run.chars().any(is_kana) {
        "Japanese"
    } else if run.chars().any(is_hangul) {
        "Korean"
    } else {
        "Chinese"
    }
}

/// CJK text in a listing whose language is written without it.
pub fn foreign_script_runs(text: &str, lang: &str) -> Vec<ForeignRun> {
    if matches!(lang, "zh" | "ja" | "ko") {
        return Vec::new();
    }
    cjk_runs(text)
        .into_iter()
        .map(|(s, e)| ForeignRun {
            start: s,
            end: e,
            script: script_of(&text[s..e]),
        })
        .collect()
}

/// Characters that are everyday Chinese but not Japanese (function words and
/// simplified forms Japanese never uses).
const CHINESE_ONLY: &str = "这们个为说时对发实还么吗呢吧让给从过该请您购买适质优颜码规格产";

/// Han runs in a Japanese listing that read as Chinese: a stretch of at least four
/// ideographs without kana that holds a character Japanese does not use.
pub fn chinese_in_japanese(text: &str) -> Vec<ForeignRun> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut cur: Option<(usize, usize)> = None;
    for (i, c) in text.char_indices() {
        if is_han(c) {
            let end = i + c.len_utf8();
            cur = Some(cur.map_or((i, end), |(s, _)| (s, end)));
        } else if cur.is_some() && is_cjk_punct(c) && !is_kana(c) {
            // punctuation inside a Chinese sentence keeps the run open
        } else if let Some(r) = cur.take() {
            runs.push(r);
        }
    }
    runs.extend(cur);
    runs.into_iter()
        .filter(|&(s, e)| {
            let run = &text[s..e];
            run.chars().filter(|&c| is_han(c)).count() >= 4
                && run.chars().any(|c| CHINESE_ONLY.contains(c))
        })
        .map(|(s, e)| ForeignRun {
            start: s,
            end: e,
            script: "Chinese",
        })
        .collect()
}

/// A clause of the field that reads as another language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignClause {
    pub start: usize,
    pub end: usize,
    pub lang: String,
}

/// Clauses: split at sentence punctuation, line breaks, bullets and " - " / " | ".
fn clauses(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(
            c,
            '.' | '!' | '?' | ';' | '\n' | '•' | '|' | '。' | '·' | ':' | '【' | '】' | '(' | ')'
        ) {
            out.push((start, i));
            start = i + c.len_utf8();
        }
    }
    out.push((start, text.len()));
    out.into_iter()
        .map(|(s, e)| {
            let slice = &text[s..e];
            let lead = slice.len() - slice.trim_start().len();
            let trail = slice.len() - slice.trim_end().len();
            (s + lead, e - trail)
        })
        .filter(|(s, e)| e > s)
        .collect()
}

pub struct MarkerSets {
    sets: BTreeMap<String, HashSet<String>>,
}

impl MarkerSets {
    pub fn new(profiles: &BTreeMap<String, crate::data::LanguageProfile>) -> Self {
        MarkerSets {
            sets: profiles
                .iter()
                .map(|(k, p)| (k.clone(), p.markers.iter().map(|m| fold(m)).collect()))
                .collect(),
        }
    }

    /// Stretches of `text` whose function words belong to a language other than `lang`.
    ///
    /// Within each clause, a run starts at a marker word of another language and goes on
    /// over neutral words (nouns, brand names) and further markers of that language; a
    /// marker of the listing's language ends it. A run is reported when it has at least
    /// 4 words and either 3 markers, or 2 markers in a clause without a single marker of
    /// the listing's language. So "und you can wear it every day" is caught inside a
    /// German sentence, while "Plug and Play" or "Power Bank" are not.
    pub fn foreign_clauses(&self, text: &str, lang: &str) -> Vec<ForeignClause> {
        struct Run<'l> {
            lang: &'l str,
            first: usize,
            last: usize,
            markers: usize,
        }
        let own_set = self.sets.get(lang);
        let mut out = Vec::new();
        for (s, e) in clauses(text) {
            let ws: Vec<_> = words(&text[s..e])
                .into_iter()
                .filter(|w| w.text.chars().any(char::is_alphabetic) && !w.text.chars().any(is_cjk))
                .collect();
            if ws.len() < 4 {
                continue;
            }
            let folded: Vec<String> = ws.iter().map(|w| fold(w.text)).collect();
            let own_in_clause = folded
                .iter()
                .any(|w| own_set.is_some_and(|set| set.contains(w)));
            let mut runs: Vec<Run<'_>> = Vec::new();
            let mut cur: Option<Run<'_>> = None;
            for (i, w) in folded.iter().enumerate() {
                if own_set.is_some_and(|set| set.contains(w)) {
                    runs.extend(cur.take());
                    continue;
                }
                let foreign = self
                    .sets
                    .iter()
                    .find(|(l, set)| l.as_str() != lang && set.contains(w))
                    .map(|(l, _)| l.as_str());
                match (&mut cur, foreign) {
                    (Some(r), Some(l)) if r.lang == l => {
                        r.last = i;
                        r.markers += 1;
                    }
                    (_, Some(l)) => {
                        runs.extend(cur.take());
                        cur = Some(Run {
                            lang: l,
                            first: i,
                            last: i,
                            markers: 1,
                        });
                    }
                    (Some(r), None) => r.last = i,
                    (None, None) => {}
                }
            }
            runs.extend(cur);
            for r in runs {
                let len = r.last - r.first + 1;
                let enough = r.markers >= 3 || (r.markers >= 2 && !own_in_clause);
                if len >= 4 && enough {
                    out.push(ForeignClause {
                        start: s + ws[r.first].start,
                        end: s + ws[r.last].end,
                        lang: r.lang.to_string(),
                    });
                }
            }
        }
        out
    }
}

/// Characters of `text` that every regional OpenCC conversion (generic, Taiwan, Hong
/// Kong) changes into the listing's script: simplified characters in a Traditional
/// listing, or the reverse.
pub fn wrong_chinese_script(text: &str, want_traditional: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (s, e) in cjk_runs(text) {
        let run = &text[s..e];
        let Some(flags) = crate::zh::wrong_script_chars(run, want_traditional) else {
            continue;
        };
        let mut pending: Option<(usize, usize)> = None;
        for ((i, a), wrong) in run.char_indices().zip(flags) {
            let (cs, ce) = (s + i, s + i + a.len_utf8());
            if wrong && is_han(a) {
                pending = Some(pending.map_or((cs, ce), |(ps, _)| (ps, ce)));
            } else if let Some(p) = pending.take() {
                out.push(p);
            }
        }
        out.extend(pending);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{LANGUAGE_TOML, parse_languages};

    fn markers() -> MarkerSets {
        MarkerSets::new(&parse_languages(LANGUAGE_TOML).unwrap_or_default())
    }

    #[test]
    fn han_in_german_listing() {
        let t = "Kabellose Maus 无线鼠标, leise";
        let r = foreign_script_runs(t, "de");
        assert_eq!(r.len(), 1);
        assert_eq!(&t[r[0].start..r[0].end], "无线鼠标");
        assert!(foreign_script_runs("这是中文", "zh").is_empty());
        assert!(foreign_script_runs("Kabellose Maus 🙂 leise", "de").is_empty());
    }

    #[test]
    fn chinese_left_in_japanese() {
        let t = "ワイヤレスマウス 这是高品质的产品";
        assert!(chinese_in_japanese("基本的な使い方、効果的に").is_empty());
        let r = chinese_in_japanese(t);
        assert_eq!(r.len(), 1);
        assert!(chinese_in_japanese("静音設計のワイヤレスマウス、電池寿命12か月").is_empty());
    }

    #[test]
    fn english_clause_in_german_listing() {
        let m = markers();
        let t = "Kabellose Maus mit leisen Tasten. The mouse is easy to use with your laptop.";
        let r = m.foreign_clauses(t, "de");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].lang, "en");
        assert!(t[r[0].start..r[0].end].starts_with("The mouse"));
        let mixed = "Das Kleid ist sehr schön und you can wear it every day with your friends";
        let r = m.foreign_clauses(mixed, "de");
        assert_eq!(r.len(), 1);
        assert_eq!(
            &mixed[r[0].start..r[0].end],
            "you can wear it every day with your friends"
        );
        assert!(
            m.foreign_clauses("Adapter mit Plug and Play für Laptop und PC", "de")
                .is_empty()
        );
    }

    #[test]
    fn loanwords_do_not_trigger() {
        let m = markers();
        assert!(
            m.foreign_clauses(
                "Power Bank mit USB-C, Smartphone und Tablet Ladegerät",
                "de"
            )
            .is_empty()
        );
        assert!(
            m.foreign_clauses("Souris sans fil pour ordinateur portable et PC", "fr")
                .is_empty()
        );
        assert!(
            m.foreign_clauses(
                "Ratón inalámbrico con batería recargable para portátil",
                "es"
            )
            .is_empty()
        );
    }

    #[test]
    fn simplified_in_traditional_listing() {
        let t = "無線滑鼠，这款产品很安靜";
        let r = wrong_chinese_script(t, true);
        let spans: Vec<&str> = r.iter().map(|&(s, e)| &t[s..e]).collect();
        assert!(spans.iter().any(|s| s.contains('这')), "{spans:?}");
        assert!(wrong_chinese_script("無線滑鼠，這款產品很安靜", true).is_empty());
        assert!(wrong_chinese_script("台灣製造的檯燈，吃飯時也能用", true).is_empty());
    }
}
