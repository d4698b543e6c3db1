//! Trademark screening of listing text against a watchlist of marks, with an allowlist of the seller's own and
//! licensed brands.
//!
//! Match kinds, strongest first: exact (same characters), folded (differs only in case, accents or full-width
//! forms), look-alike (homoglyphs or digits/symbols for letters: "N1KE", Cyrillic "Аррle"), spacing (same
//! letters, different word breaks: "Air Pods", "i-Phone", "airpods" for "Air Pods"), contained (the mark inside a
//! longer word: "SuperAirPodsCase"), fuzzy (edit distance 1 for marks of 5-8 letters, 2 from 9 letters, on whole
//! words or word pairs). Marks shorter than 4 letters match only as whole words, since as substrings they occur
//! everywhere.
//!
//! Index: a hash map from the skeleton of each mark's word sequence (exact, folded, look-alike); an
//! Aho-Corasick automaton over the marks' compact skeletons (spacing, contained); a symmetric-deletion
//! neighbourhood table for fuzzy matches (every string within edit distance k of a mark shares a deletion
//! variant with it), verified by a bounded edit distance.
//!
//! Allowlist rule: a watchlist mark whose compact skeleton equals an allowlisted brand's is never indexed, and
//! a finding whose evidence text folds to an allowlisted brand, or lies inside an occurrence of one (a watchlist
//! mark "Anke" inside the seller's own brand "Anker"), is dropped.

mod fold;
mod index;

pub use fold::{Folded, Token, compact, fold_basic, skeleton};
pub use index::{ScreeningIndex, naive_screen};

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One mark on the watchlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Stable id (registration number or own id).
    pub id: String,
    /// The mark as registered, e.g. "AirPods".
    pub text: String,
    /// Nice classes it is registered in; empty = all.
    #[serde(default)]
    pub classes: Vec<u16>,
    /// Owner.
    #[serde(default)]
    pub owner: String,
}

/// Which field of a listing the evidence is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "field", content = "index")]
pub enum Field {
    /// The title.
    Title,
    /// The n-th bullet point (0-based).
    Bullet(usize),
    /// The brand field.
    Brand,
    /// The n-th image file name.
    ImageFileName(usize),
}

/// How the text matched the mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Character for character.
    Exact,
    /// Same after case, accent and width folding.
    Folded,
    /// Same after mapping homoglyphs and digits used as letters.
    LookAlike,
    /// Same letters with different spacing or punctuation.
    Spacing,
    /// The mark inside a longer word.
    Contained,
    /// Within the edit-distance limit.
    Fuzzy,
}

/// One finding: which mark, where, how, and how strong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Id of the mark (shared with the index, so a finding costs no copy of the mark).
    pub mark_id: Arc<str>,
    /// The mark's text.
    pub mark_text: Arc<str>,
    /// Owner of the mark.
    pub owner: Arc<str>,
    /// Field of the listing.
    pub field: Field,
    /// Kind of match.
    pub kind: MatchKind,
    /// 0..=1, higher is more certain; brand-field matches are raised by 0.05 (capped at 1).
    pub score: f32,
    /// Byte range of the evidence in the field's text.
    pub span: (usize, usize),
    /// The evidence text as written.
    pub evidence: String,
    /// Edit distance for fuzzy matches (0 otherwise).
    pub distance: u8,
}

/// The text of one listing to screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// Title.
    pub title: String,
    /// Bullet points.
    #[serde(default)]
    pub bullets: Vec<String>,
    /// Brand field.
    #[serde(default)]
    pub brand: Option<String>,
    /// Image file names or URLs (the last path segment without extension is screened).
    #[serde(default)]
    pub image_file_names: Vec<String>,
    /// Nice classes of the product; when non-empty, only marks registered in one of them (or in none) count.
    #[serde(default)]
    pub classes: Vec<u16>,
}

impl Listing {
    /// (field, text) pairs to screen.
    pub fn fields(&self) -> Vec<(Field, &str)> {
        let mut out = vec![(Field::Title, self.title.as_str())];
        out.extend(
            self.bullets
                .iter()
                .enumerate()
                .map(|(i, b)| (Field::Bullet(i), b.as_str())),
        );
        if let Some(b) = &self.brand {
            out.push((Field::Brand, b.as_str()));
        }
        out.extend(
            self.image_file_names
                .iter()
                .enumerate()
                .map(|(i, n)| (Field::ImageFileName(i), file_stem(n))),
        );
        out
    }
}

/// The last path segment of a file name or URL, without query and extension.
fn file_stem(name: &str) -> &str {
    let no_query = name.split(['?', '#']).next().unwrap_or(name);
    let last = no_query.rsplit(['/', '\\']).next().unwrap_or(no_query);
    match last.rfind('.') {
        Some(dot) if dot > 0 => &last[..dot],
        _ => last,
    }
}

#[cfg(test)]
mod tests;
