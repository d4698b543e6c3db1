//! Marketplace field rules that are not lexicon scans: lengths, characters, repeated
//! words and all-caps words.

use std::collections::{HashMap, HashSet};

use crate::data::{MarketRule, RuleKind};
use crate::finding::{Field, NewFinding};
use crate::model::Finding;
use crate::text::{fold, words};

pub struct RuleContext<'a> {
    /// Folded function words of the listing language (exempt from repeat counting).
    pub function_words: Option<&'a HashSet<String>>,
    /// Upper-case abbreviations that are not shouting.
    pub abbreviations: &'a HashSet<String>,
    /// Byte ranges of this field that hold a brand or do-not-translate term: the
    /// character and capitalisation rules do not apply inside them.
    pub protected: &'a [(usize, usize)],
}

fn inside(protected: &[(usize, usize)], s: usize, e: usize) -> bool {
    protected.iter().any(|&(a, b)| a <= s && e <= b)
}

pub fn check(rule: &MarketRule, field: Field<'_>, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let base = |en: String, zh: String, fix: Option<String>| NewFinding {
        rule_id: &rule.id,
        entry_id: None,
        severity: rule.severity,
        en,
        zh,
        fix,
        source: Some(&rule.source),
    };
    match &rule.kind {
        RuleKind::MaxChars { limit } => {
            let count = field.text.chars().count();
            if count > *limit {
                let cut = cut_at_word(field.text, *limit, |_| 1);
                out.push(field.finding(
                    Some((cut, field.text.len())),
                    base(
                        format!(
                            "{} has {count} characters, the limit is {limit}; the marked text does not fit.",
                            field.field.label()
                        ),
                        format!(
                            "{}共 {count} 个字符，上限 {limit}；标记部分超出。",
                            field.field.label_zh()
                        ),
                        Some(String::new()),
                    ),
                ));
            }
        }
        RuleKind::MaxBytes { limit } => {
            let bytes = field.text.len();
            if bytes > *limit {
                let cut = cut_at_word(field.text, *limit, char::len_utf8);
                out.push(field.finding(
                    Some((cut, bytes)),
                    base(
                        format!(
                            "{} is {bytes} bytes in UTF-8, the limit is {limit} bytes (accented letters count 2, CJK characters 3); the marked text is dropped.",
                            field.field.label()
                        ),
                        format!(
                            "{}按 UTF-8 计 {bytes} 字节，上限 {limit} 字节（重音字母计 2，中日文字符计 3）；标记部分会被丢弃。",
                            field.field.label_zh()
                        ),
                        Some(String::new()),
                    ),
                ));
            }
        }
        RuleKind::MaxItems { .. } => {} // counted over all bullets in engine.rs
        RuleKind::ForbiddenChars { chars } => {
            for (i, c) in field.text.char_indices() {
                if chars.contains(c) && !inside(ctx.protected, i, i + c.len_utf8()) {
                    let replacement = if c == '_' { " " } else { "" };
                    out.push(field.finding(
                        Some((i, i + c.len_utf8())),
                        base(
                            format!(
                                "Character '{c}' is not allowed in the {}.",
                                field.field.label()
                            ),
                            format!("{}中不允许使用字符“{c}”。", field.field.label_zh()),
                            Some(replacement.to_string()),
                        ),
                    ));
                }
            }
        }
        RuleKind::MaxWordRepeats { limit } => {
            let mut seen: HashMap<String, usize> = HashMap::new();
            for w in words(field.text) {
                if !w.text.chars().any(char::is_alphabetic)
                    || w.text.chars().count() < 2
                    || w.text.chars().any(|c| c.is_ascii_digit())
                {
                    continue;
                }
                let key = fold(w.text);
                if ctx.function_words.is_some_and(|f| f.contains(&key)) {
                    continue;
                }
                let n = seen.entry(key).or_insert(0);
                *n += 1;
                if *n == limit + 1 {
                    out.push(field.finding(
                        Some((w.start, w.end)),
                        base(
                            format!(
                                "'{}' appears more than {limit} times in the {}.",
                                w.text,
                                field.field.label()
                            ),
                            format!(
                                "“{}”在{}中出现超过 {limit} 次。",
                                w.text,
                                field.field.label_zh()
                            ),
                            Some(String::new()),
                        ),
                    ));
                }
            }
        }
        RuleKind::AllCaps => {
            for w in words(field.text) {
                let letters = w.text.chars().filter(|c| c.is_alphabetic()).count();
                if letters < 2
                    || w.text.chars().any(|c| c.is_ascii_digit())
                    || !w
                        .text
                        .chars()
                        .filter(|c| c.is_alphabetic())
                        .all(char::is_uppercase)
                    || ctx.abbreviations.contains(&w.text.to_uppercase())
                    || inside(ctx.protected, w.start, w.end)
                {
                    continue;
                }
                let mut fixed = String::new();
                for (k, c) in w.text.chars().enumerate() {
                    if k == 0 {
                        fixed.push(c);
                    } else {
                        fixed.extend(c.to_lowercase());
                    }
                }
                out.push(field.finding(
                    Some((w.start, w.end)),
                    base(
                        format!(
                            "'{}' is written in capitals; only abbreviations may be all caps.",
                            w.text
                        ),
                        format!("“{}”全部大写；只有缩写可以全大写。", w.text),
                        Some(fixed),
                    ),
                ));
            }
        }
        RuleKind::Lexicon { .. } | RuleKind::Html { .. } => {} // engine.rs / html.rs
    }
}

/// The byte offset where text stops fitting `limit` (each char weighing `weight`),
/// moved back to the start of the word it falls in so the fitting part ends on a
/// whole word.
fn cut_at_word(text: &str, limit: usize, weight: impl Fn(char) -> usize) -> usize {
    let mut used = 0;
    let mut cut = text.len();
    for (i, c) in text.char_indices() {
        used += weight(c);
        if used > limit {
            cut = i;
            break;
        }
    }
    let next_is_word = text[cut..]
        .chars()
        .next()
        .is_some_and(|c| !c.is_whitespace());
    if next_is_word
        && let Some(ws) = text[..cut].rfind(char::is_whitespace)
        && ws > 0
    {
        return ws;
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldRef, Severity};

    fn rule(kind: RuleKind) -> MarketRule {
        MarketRule {
            id: "t.rule".into(),
            field: "title".into(),
            kind,
            severity: Severity::Error,
            effective_from: jiff::civil::date(2025, 1, 1),
            effective_to: None,
            source: "test".into(),
            uncertain: false,
        }
    }

    fn run(kind: RuleKind, text: &str) -> Vec<Finding> {
        let abbr: HashSet<String> = ["USB", "LED"].iter().map(|s| s.to_string()).collect();
        let fw: HashSet<String> = ["and", "for", "with", "und", "für", "mit"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ctx = RuleContext {
            function_words: Some(&fw),
            abbreviations: &abbr,
            protected: &[],
        };
        let mut out = Vec::new();
        check(
            &rule(kind),
            Field {
                field: FieldRef::Title,
                text,
            },
            &ctx,
            &mut out,
        );
        out
    }

    #[test]
    fn length_counts_scalar_values_not_bytes() {
        let cjk = "中".repeat(200);
        assert!(run(RuleKind::MaxChars { limit: 200 }, &cjk).is_empty());
        let long = format!("{cjk}文");
        let f = run(RuleKind::MaxChars { limit: 200 }, &long);
        assert_eq!(f.len(), 1);
        let emoji = "🙂".repeat(201);
        assert_eq!(run(RuleKind::MaxChars { limit: 200 }, &emoji).len(), 1);
    }

    #[test]
    fn overflow_span_starts_at_a_word() {
        let t = "alpha beta gamma";
        let f = run(RuleKind::MaxChars { limit: 12 }, t);
        assert_eq!(f[0].excerpt.as_deref(), Some(" gamma"));
    }

    #[test]
    fn bytes_count_utf8() {
        let t = "ä".repeat(125); // 250 bytes, 125 chars
        let f = run(RuleKind::MaxBytes { limit: 249 }, &t);
        assert_eq!(f.len(), 1);
        assert!(run(RuleKind::MaxBytes { limit: 249 }, &"ä".repeat(124)).is_empty());
    }

    #[test]
    fn forbidden_chars_each_reported() {
        let f = run(
            RuleKind::ForbiddenChars {
                chars: "!$?_{}^¬¦".into(),
            },
            "Great lamp! Only $9? yes_no",
        );
        assert_eq!(f.len(), 4);
        assert!(
            run(
                RuleKind::ForbiddenChars {
                    chars: "!$?".into()
                },
                "Desk lamp, 3 modes"
            )
            .is_empty()
        );
    }

    #[test]
    fn word_repeats_ignore_function_words_and_case() {
        let f = run(
            RuleKind::MaxWordRepeats { limit: 2 },
            "Lamp for desk and lamp for bed and LAMP for office",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].excerpt.as_deref(), Some("LAMP"));
        assert!(
            run(
                RuleKind::MaxWordRepeats { limit: 2 },
                "Kabel für Kabel und mehr"
            )
            .is_empty()
        );
        let de = run(RuleKind::MaxWordRepeats { limit: 2 }, "Lampe Lampe lampe");
        assert_eq!(de.len(), 1);
    }

    #[test]
    fn all_caps_except_abbreviations() {
        let f = run(
            RuleKind::AllCaps,
            "SUPER Bright LED Lamp with USB XR200 ÜBERGRÖSSE",
        );
        let ex: Vec<_> = f.iter().filter_map(|f| f.excerpt.clone()).collect();
        assert_eq!(ex, vec!["SUPER", "ÜBERGRÖSSE"]);
        assert_eq!(
            f[0].fix.as_ref().map(|x| x.replacement.as_str()),
            Some("Super")
        );
        assert!(run(RuleKind::AllCaps, "Bright LED Lamp, USB powered").is_empty());
    }
}
