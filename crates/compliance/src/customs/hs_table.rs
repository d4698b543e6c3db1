//! The HS 2022 structure (chapters, headings, 6-digit subheadings), embedded as codes only.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Facts: WCO Harmonized System 2022 edition (FACTS.md §9); code list provenance in data/README.md.
const HS2022_TEXT: &str = include_str!("../../data/hs2022_subheadings.txt");

/// Name of the edition the table holds, reported with every structural finding.
pub const HS_EDITION: &str = "HS 2022";

/// Valid chapters, headings and subheadings of one HS edition.
#[derive(Debug, Clone)]
pub struct HsTable {
    chapters: HashSet<u8>,
    headings: HashSet<u16>,
    subheadings: HashSet<u32>,
}

/// What part of a code is missing from the nomenclature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HsLevelMissing {
    /// The 2-digit chapter does not exist.
    Chapter,
    /// The chapter exists, the 4-digit heading does not.
    Heading,
    /// The heading exists, the 6-digit subheading does not.
    Subheading,
}

impl HsTable {
    /// Parses the compact format: `HHHH ss ss ...` per line, `#` comments.
    pub fn parse(text: &str) -> Result<HsTable, String> {
        let mut table = HsTable {
            chapters: HashSet::new(),
            headings: HashSet::new(),
            subheadings: HashSet::new(),
        };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_ascii_whitespace();
            let heading = parts.next().unwrap_or_default();
            let h: u16 = parse_digits(heading, 4)
                .ok_or_else(|| format!("line {}: heading '{heading}' is not 4 digits", n + 1))?
                as u16;
            table.chapters.insert((h / 100) as u8);
            table.headings.insert(h);
            for sub in parts {
                let s = parse_digits(sub, 2).ok_or_else(|| {
                    format!("line {}: subheading suffix '{sub}' is not 2 digits", n + 1)
                })?;
                table.subheadings.insert(h as u32 * 100 + s);
            }
        }
        Ok(table)
    }

    /// The embedded HS 2022 table.
    pub fn hs2022() -> &'static HsTable {
        static TABLE: OnceLock<HsTable> = OnceLock::new();
        // The embedded file is checked by a unit test; an empty table is the harmless fallback.
        TABLE.get_or_init(|| {
            HsTable::parse(HS2022_TEXT).unwrap_or_else(|_| HsTable {
                chapters: HashSet::new(),
                headings: HashSet::new(),
                subheadings: HashSet::new(),
            })
        })
    }

    /// Counts of (chapters, headings, subheadings).
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.chapters.len(),
            self.headings.len(),
            self.subheadings.len(),
        )
    }

    /// Checks the first 6 digits of `digits` (at least 2 digits long); None when every level exists.
    pub fn missing_level(&self, digits: &str) -> Option<HsLevelMissing> {
        let chapter = digits.get(..2).and_then(|d| parse_digits(d, 2))?;
        if !self.chapters.contains(&(chapter as u8)) {
            return Some(HsLevelMissing::Chapter);
        }
        if let Some(h) = digits.get(..4).and_then(|d| parse_digits(d, 4))
            && !self.headings.contains(&(h as u16))
        {
            return Some(HsLevelMissing::Heading);
        }
        if let Some(s) = digits.get(..6).and_then(|d| parse_digits(d, 6))
            && !self.subheadings.contains(&s)
        {
            return Some(HsLevelMissing::Subheading);
        }
        None
    }

    /// True when the 6-digit subheading exists.
    pub fn has_subheading(&self, six: &str) -> bool {
        six.len() == 6 && self.missing_level(six).is_none()
    }
}

fn parse_digits(text: &str, len: usize) -> Option<u32> {
    if text.len() == len && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_has_the_hs2022_counts() {
        let table = HsTable::parse(HS2022_TEXT).unwrap();
        assert_eq!(table.counts(), (97, 1229, 5613));
    }

    #[test]
    fn levels_are_checked_in_order() {
        let t = HsTable::hs2022();
        assert_eq!(t.missing_level("850760"), None);
        assert_eq!(t.missing_level("8507600010"), None);
        assert_eq!(t.missing_level("770000"), Some(HsLevelMissing::Chapter));
        assert_eq!(t.missing_level("8599"), Some(HsLevelMissing::Heading));
        assert_eq!(t.missing_level("850799"), Some(HsLevelMissing::Subheading));
        // 8517.12 (mobile phones) was replaced by 8517.13/8517.14 in HS 2022.
        assert_eq!(t.missing_level("851712"), Some(HsLevelMissing::Subheading));
        assert!(t.has_subheading("851713"));
    }

    #[test]
    fn malformed_lines_are_reported_with_line_number() {
        let err = HsTable::parse("0101 21\n01x2 10").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }
}
