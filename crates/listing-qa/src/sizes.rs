//! Shoe and apparel size equivalences ("EU 42 / US 9") checked against data/sizes.toml.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::data::{SizeTable, SizesFile};
use crate::text::{Folded, at_word_boundaries, fold};

const SYSTEMS: [(&str, &str); 9] = [
    ("EUR", "EU"),
    ("EU", "EU"),
    ("UK", "UK"),
    ("USA", "US"),
    ("US", "US"),
    ("JP", "JP"),
    ("CN", "CN"),
    ("FR", "FR"),
    ("IT", "IT"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct SizeMention {
    pub system: &'static str,
    pub value: Decimal,
    pub start: usize,
    pub end: usize,
}

/// "EU 42", "US9.5", "UK: 8", "42码" (Chinese sizes in EU numbering).
pub fn mentions(text: &str) -> Vec<SizeMention> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let word_start = i == 0
            || !text[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        let hit = word_start
            .then(|| SYSTEMS.iter().find(|(k, _)| text[i..].starts_with(k)))
            .flatten();
        if let Some((key, system)) = hit {
            let mut j = i + key.len();
            let mut seps = 0;
            while j < b.len() && matches!(b[j], b' ' | b':' | b'-' | b'.') && seps < 2 {
                j += 1;
                seps += 1;
            }
            let num_start = j;
            while j < b.len()
                && (b[j].is_ascii_digit()
                    || (b[j] == b'.' || b[j] == b',')
                        && j + 1 < b.len()
                        && b[j + 1].is_ascii_digit())
            {
                j += 1;
            }
            let after_ok = text[j..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() || crate::text::is_cjk(c));
            if j > num_start
                && after_ok
                && let Ok(v) = Decimal::from_str(&text[num_start..j].replace(',', "."))
            {
                // "CN 42" is the older Chinese numbering, which follows EU; the
                // current standard (GB/T 3293.1) is foot length in mm ("CN 265").
                let system = if *system == "CN" && v < Decimal::from(100) {
                    "EU"
                } else {
                    *system
                };
                out.push(SizeMention {
                    system,
                    value: v,
                    start: i,
                    end: j,
                });
                i = j;
                continue;
            }
        }
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if (text[j..].starts_with('码') || text[j..].starts_with('碼'))
                && let Ok(v) = Decimal::from_str(&text[i..j])
            {
                let end = j + '码'.len_utf8();
                let system = if v >= Decimal::from(100) { "CN" } else { "EU" };
                out.push(SizeMention {
                    system,
                    value: v,
                    start: i,
                    end,
                });
                i = end;
                continue;
            }
            i = j;
            continue;
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// Groups of mentions that state one equivalence: neighbours joined by "=", "/", "(".
pub fn groups(text: &str, ms: &[SizeMention]) -> Vec<Vec<SizeMention>> {
    let mut out: Vec<Vec<SizeMention>> = Vec::new();
    for m in ms {
        let joined = out.last().and_then(|g| g.last()).is_some_and(|prev| {
            let gap = &text[prev.end..m.start];
            gap.chars().count() <= 6 && gap.chars().all(|c| " =/()|,-≈~（）／＝".contains(c))
        });
        match out.last_mut() {
            Some(g) if joined => g.push(m.clone()),
            _ => out.push(vec![m.clone()]),
        }
    }
    out.retain(|g| g.len() > 1);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeContext {
    pub kind: Option<&'static str>,
    pub gender: Option<&'static str>,
}

fn has_any(folded: &Folded, words: &[String]) -> bool {
    words.iter().any(|w| {
        let w = fold(w);
        folded
            .text
            .match_indices(w.as_str())
            .any(|(at, _)| at_word_boundaries(&folded.text, at, at + w.len()))
    })
}

/// Which table the listing is about, from its words. Mixed or no signal leaves the
/// question open, and then every table is tried.
pub fn context(data: &SizesFile, listing_text: &str) -> SizeContext {
    let f = Folded::new(listing_text);
    let shoes = has_any(&f, &data.context.shoes);
    let apparel = has_any(&f, &data.context.apparel);
    let men = has_any(&f, &data.context.men);
    let women = has_any(&f, &data.context.women);
    SizeContext {
        kind: match (shoes, apparel) {
            (true, false) => Some("shoes"),
            (false, true) => Some("apparel"),
            _ => None,
        },
        gender: match (men, women) {
            (true, false) => Some("men"),
            (false, true) => Some("women"),
            _ => None,
        },
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SizeProblem {
    pub anchor: SizeMention,
    pub wrong: SizeMention,
    /// "table: low–high" for each table row that matched the anchor.
    pub expected: Vec<(String, Decimal, Decimal)>,
}

fn in_range(v: Decimal, r: &[Decimal; 2], tol: Decimal) -> bool {
    v >= r[0] - tol && v <= r[1] + tol
}

/// Checks each mention of a group against the group's first mention.
pub fn check_group(data: &SizesFile, ctx: SizeContext, group: &[SizeMention]) -> Vec<SizeProblem> {
    let tables: Vec<&SizeTable> = data
        .table
        .iter()
        .filter(|t| ctx.kind.is_none_or(|k| t.kind == k))
        .filter(|t| ctx.gender.is_none_or(|g| t.gender == g))
        .collect();
    let mut out = Vec::new();
    let Some(anchor) = group.first() else {
        return out;
    };
    for other in &group[1..] {
        if other.system == anchor.system {
            continue;
        }
        let mut expected = Vec::new();
        let mut ok = false;
        for t in &tables {
            for row in &t.rows {
                let (Some(ra), Some(rb)) = (row.get(anchor.system), row.get(other.system)) else {
                    continue;
                };
                if !in_range(anchor.value, ra, Decimal::ZERO) {
                    continue;
                }
                if in_range(other.value, rb, t.tolerance) {
                    ok = true;
                }
                expected.push((t.id.clone(), rb[0], rb[1]));
            }
        }
        if !ok && !expected.is_empty() {
            out.push(SizeProblem {
                anchor: anchor.clone(),
                wrong: other.clone(),
                expected,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{SIZES_TOML, parse_sizes};

    fn data() -> Option<SizesFile> {
        parse_sizes(SIZES_TOML).ok()
    }

    fn problems(text: &str) -> Vec<SizeProblem> {
        let Some(d) = data() else { return vec![] };
        let ctx = context(&d, text);
        let ms = mentions(text);
        groups(text, &ms)
            .iter()
            .flat_map(|g| check_group(&d, ctx, g))
            .collect()
    }

    #[test]
    fn finds_mentions() {
        let ms = mentions("Size EU 42 / US9.5 / UK: 8, 42码");
        let sys: Vec<_> = ms.iter().map(|m| m.system).collect();
        assert_eq!(sys, vec!["EU", "US", "UK", "EU"]);
        assert!(mentions("Tell us 42 things").is_empty());
        let cn: Vec<_> = mentions("CN 42 / CN 265")
            .iter()
            .map(|m| m.system)
            .collect();
        assert_eq!(cn, vec!["EU", "CN"]);
    }

    #[test]
    fn wrong_shoe_size_flagged() {
        let p = problems("Men's running shoes, EU 42 = US 12");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].wrong.system, "US");
        assert!(problems("Men's running shoes, EU 42 = US 9 = UK 8").is_empty());
        assert!(problems("Damen Sneaker EU 38 / US 7.5 / UK 5").is_empty());
        assert_eq!(problems("Damen Sneaker EU 38 / US 7.5 / UK 8").len(), 1);
    }

    #[test]
    fn unknown_gender_accepts_either() {
        // EU 40 is US 7–7.5 for men and 8.5–9 for women.
        assert!(problems("Sneaker EU 40 / US 9").is_empty());
        assert!(problems("Sneaker EU 40 / US 7").is_empty());
        assert_eq!(problems("Sneaker EU 40 / US 11").len(), 1);
    }

    #[test]
    fn apparel_table() {
        assert!(problems("Women's dress UK 10 / US 6 / EU 38").is_empty());
        assert_eq!(problems("Women's dress UK 10 / US 10").len(), 1);
    }

    #[test]
    fn chinese_mm_sizes() {
        assert!(problems("Men's shoes CN 265 / EU 42").is_empty());
        assert_eq!(problems("Men's shoes CN 265 / US 12").len(), 1);
    }
}
