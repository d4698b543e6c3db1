//! HS code digits and the prefix index used for longest-prefix rule lookup.

use std::fmt;

/// The digits of an HS code or prefix (1 to 10 digits), stored inline so lookups never allocate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsDigits {
    digits: [u8; 10],
    len: u8,
}

impl HsDigits {
    /// Parses a prefix of 2 to 10 digits; dots and spaces are ignored ("8517.62" -> 851762).
    pub fn parse_prefix(text: &str) -> Result<Self, String> {
        Self::parse_range(text, 2, 10)
    }

    /// The empty prefix: matches every code (written "*" in packs).
    pub fn any() -> Self {
        HsDigits {
            digits: [0; 10],
            len: 0,
        }
    }

    /// Parses a full code of 6 to 10 digits; dots and spaces are ignored.
    pub fn parse_code(text: &str) -> Result<Self, String> {
        Self::parse_range(text, 6, 10)
    }

    fn parse_range(text: &str, min: usize, max: usize) -> Result<Self, String> {
        let mut digits = [0u8; 10];
        let mut len = 0usize;
        for ch in text.trim().chars() {
            match ch {
                '0'..='9' => {
                    if len == max {
                        return Err(format!("'{text}' has more than {max} digits"));
                    }
                    digits[len] = ch as u8 - b'0';
                    len += 1;
                }
                '.' | ' ' => {}
                other => {
                    return Err(format!(
                        "'{text}' contains '{other}': expected {min} to {max} digits, dots allowed"
                    ));
                }
            }
        }
        if len < min {
            return Err(format!(
                "'{text}' has {len} digits: expected {min} to {max}"
            ));
        }
        Ok(HsDigits {
            digits,
            len: len as u8,
        })
    }

    /// Number of digits.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True for the empty prefix (never produced by the parsers).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digits as numbers 0-9.
    pub fn digits(&self) -> &[u8] {
        &self.digits[..self.len as usize]
    }

    /// True when `self` begins with all digits of `prefix`.
    pub fn starts_with(&self, prefix: &HsDigits) -> bool {
        prefix.len <= self.len
            && self.digits[..prefix.len as usize] == prefix.digits[..prefix.len as usize]
    }

    /// The first `n` digits (or all of them when shorter).
    pub fn truncated(&self, n: usize) -> HsDigits {
        let len = n.min(self.len as usize);
        let mut digits = [0u8; 10];
        digits[..len].copy_from_slice(&self.digits[..len]);
        HsDigits {
            digits,
            len: len as u8,
        }
    }
}

impl fmt::Display for HsDigits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len == 0 {
            return f.write_str("*");
        }
        for d in self.digits() {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for HsDigits {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Debug for HsDigits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HsDigits({self})")
    }
}

const NO_CHILD: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Node {
    children: [u32; 10],
    items: Vec<u32>,
}

impl Node {
    fn new() -> Self {
        Node {
            children: [NO_CHILD; 10],
            items: Vec::new(),
        }
    }
}

/// A digit trie from HS prefixes to rule indices. Lookup walks at most 10 nodes, whatever the number of rules.
#[derive(Debug, Clone)]
pub struct PrefixIndex {
    nodes: Vec<Node>,
}

impl Default for PrefixIndex {
    fn default() -> Self {
        PrefixIndex {
            nodes: vec![Node::new()],
        }
    }
}

impl PrefixIndex {
    /// Adds `item` under `prefix`; `None` files it at the root (matches every code).
    pub fn insert(&mut self, prefix: Option<&HsDigits>, item: u32) {
        let mut node = 0usize;
        if let Some(prefix) = prefix {
            for &d in prefix.digits() {
                let next = self.nodes[node].children[d as usize];
                node = if next == NO_CHILD {
                    self.nodes.push(Node::new());
                    let id = (self.nodes.len() - 1) as u32;
                    self.nodes[node].children[d as usize] = id;
                    id as usize
                } else {
                    next as usize
                };
            }
        }
        self.nodes[node].items.push(item);
    }

    /// The items filed under every prefix of `code`, deepest (most specific) first, with the prefix length.
    pub fn matches<'a>(&'a self, code: &HsDigits) -> impl Iterator<Item = (usize, &'a [u32])> + 'a {
        let mut path = [0u32; 11];
        let mut depth = 0usize;
        let mut node = 0usize;
        for &d in code.digits() {
            let next = self.nodes[node].children[d as usize];
            if next == NO_CHILD {
                break;
            }
            node = next as usize;
            depth += 1;
            path[depth] = next;
        }
        (0..=depth).rev().filter_map(move |level| {
            let items = &self.nodes[path[level] as usize].items;
            (!items.is_empty()).then_some((level, items.as_slice()))
        })
    }

    /// True when some prefix longer than `code` (extending it) has items: the code is too short for the tariff.
    pub fn has_longer(&self, code: &HsDigits) -> bool {
        let mut node = 0usize;
        for &d in code.digits() {
            let next = self.nodes[node].children[d as usize];
            if next == NO_CHILD {
                return false;
            }
            node = next as usize;
        }
        self.nodes[node].children.iter().any(|&c| c != NO_CHILD)
    }

    /// Number of trie nodes (for memory estimates in benchmarks).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefixes_with_dots_and_rejects_bad_ones() {
        assert_eq!(
            HsDigits::parse_prefix("8517.62").unwrap().to_string(),
            "851762"
        );
        assert_eq!(HsDigits::parse_prefix("61").unwrap().len(), 2);
        assert!(
            HsDigits::parse_prefix("6")
                .unwrap_err()
                .contains("1 digits")
        );
        assert!(HsDigits::parse_prefix("85a7").unwrap_err().contains("'a'"));
        assert!(HsDigits::parse_prefix("12345678901").is_err());
        assert!(HsDigits::parse_code("8517").is_err());
        assert!(HsDigits::parse_code("8517.62.00.90").is_ok());
    }

    #[test]
    fn trie_returns_deepest_match_first() {
        let mut index = PrefixIndex::default();
        index.insert(Some(&HsDigits::parse_prefix("85").unwrap()), 1);
        index.insert(Some(&HsDigits::parse_prefix("851762").unwrap()), 2);
        index.insert(Some(&HsDigits::parse_prefix("8518").unwrap()), 3);
        index.insert(None, 4);
        let code = HsDigits::parse_code("8517620090").unwrap();
        let found: Vec<(usize, Vec<u32>)> =
            index.matches(&code).map(|(l, i)| (l, i.to_vec())).collect();
        assert_eq!(found, vec![(6, vec![2]), (2, vec![1]), (0, vec![4])]);
    }
}
