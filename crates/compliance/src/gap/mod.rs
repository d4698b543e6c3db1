//! Gap report: requirements against the documents on file, per SKU × market.
//!
//! Matching: a document evidences a requirement when it is for the SKU, the SKU's family or the whole seller
//! (seller documents count for every SKU; registrations of `scope = "seller"` are usually filed that way), its
//! type is one the requirement accepts, it names one of the requirement's standards when the requirement lists
//! any (prefix match ignoring case and spaces, "EN 71-1:2014" matches "EN 71"), and its market list is empty
//! (any market) or contains the market. A document that lists requirement ids in `covers` evidences exactly those.
//!
//! Dates: a document is valid from `issued` through `expires` inclusive. On `today` after `expires` it is
//! expired and never counts as valid; within `expiring_within_days` of `expires` it is expiring (still met).
//! A document issued after `today` does not count yet. When several documents match, the one valid longest wins.

use crate::requirements::{BlockTarget, NotCovered, ProductProfile, Requirement, RequirementPack};
use jiff::civil::Date;
use std::collections::HashMap;
use tradelane_domain::{Country, SkuCode};

/// Which SKUs a document is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocSubject {
    /// One SKU.
    Sku(SkuCode),
    /// Every SKU of a family (e.g. colour variants sharing a test report).
    Family(String),
    /// Every SKU carrying a catalogue tag (the vault's way of naming a family).
    Tag(String),
    /// The seller as a whole (registrations, responsible person agreements).
    Seller,
}

/// A document on file (certificate, test report, declaration, registration...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnFileDocument {
    /// Stable id in the vault.
    pub id: String,
    /// Document type, as used in the pack's `satisfied_by` (e.g. "test_report", "eu_doc").
    pub doc_type: String,
    /// Standards the document covers ("EN 71-1:2014+A1:2018").
    pub standards: Vec<String>,
    /// Markets it is valid for; empty = any market.
    pub markets: Vec<Country>,
    /// Requirement ids it explicitly evidences; when non-empty, only those.
    pub covers: Vec<String>,
    /// Which SKUs it is for.
    pub subject: DocSubject,
    /// Issue date.
    pub issued: Date,
    /// Last valid day, if it expires.
    pub expires: Option<Date>,
}

/// One SKU to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapSku {
    /// SKU code.
    pub code: SkuCode,
    /// Family, when documents are shared across variants.
    pub family: Option<String>,
    /// Catalogue tags: documents filed for a tag count for every SKU carrying it.
    pub tags: Vec<String>,
    /// The product profile the requirements are chosen by.
    pub profile: ProductProfile,
}

impl GapSku {
    /// A SKU with its profile derived from the catalogue record (see [`crate::requirements::derive_profile`]).
    pub fn from_record(record: &tradelane_domain::SkuRecord, family: Option<String>) -> GapSku {
        GapSku {
            code: record.code.clone(),
            family,
            tags: record.tags.clone(),
            profile: crate::requirements::derive_profile(record).profile,
        }
    }
}

/// Status of one requirement for one SKU in one market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineStatus {
    /// Evidenced by a valid document.
    Met {
        /// Index of the document in the input slice.
        doc: usize,
        /// Its expiry, if any.
        expires: Option<Date>,
    },
    /// Evidenced, but the document expires within the warning window.
    Expiring {
        /// Index of the document.
        doc: usize,
        /// Last valid day.
        expires: Date,
        /// Days from today to the expiry (0 = expires today).
        days_left: i32,
    },
    /// The only matching documents have expired.
    Expired {
        /// Index of the most recently expired document.
        doc: usize,
        /// Its last valid day.
        expired_on: Date,
    },
    /// No matching document.
    Missing,
    /// A handling rule with no document to file (e.g. state of charge at most 30 %); shown as an instruction.
    Instruction,
}

impl LineStatus {
    /// Short machine name: met, expiring, expired, missing, instruction.
    pub fn name(&self) -> &'static str {
        match self {
            LineStatus::Met { .. } => "met",
            LineStatus::Expiring { .. } => "expiring",
            LineStatus::Expired { .. } => "expired",
            LineStatus::Missing => "missing",
            LineStatus::Instruction => "instruction",
        }
    }

    /// True when the requirement is currently evidenced (met or expiring).
    pub fn is_valid(&self) -> bool {
        matches!(self, LineStatus::Met { .. } | LineStatus::Expiring { .. })
    }
}

/// One requirement's status, with the rule for its reason and source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapLine<'p> {
    /// The rule.
    pub requirement: &'p Requirement,
    /// The status.
    pub status: LineStatus,
}

impl GapLine<'_> {
    /// Human-readable reason: which document, which dates, what is missing.
    pub fn reason(&self, docs: &[OnFileDocument]) -> String {
        let r = self.requirement;
        let doc_id = |i: usize| docs.get(i).map(|d| d.id.as_str()).unwrap_or("?");
        let wanted = if r.standards.is_empty() {
            r.satisfied_by.join(" or ")
        } else {
            format!(
                "{} naming {}",
                r.satisfied_by.join(" or "),
                r.standards.join(" / ")
            )
        };
        let conditional = r
            .conditional
            .as_deref()
            .map(|c| format!(" (conditional: {c})"))
            .unwrap_or_default();
        match &self.status {
            LineStatus::Met {
                doc,
                expires: Some(e),
            } => {
                format!("{}: document {} valid until {e}", r.id, doc_id(*doc))
            }
            LineStatus::Met { doc, expires: None } => {
                format!("{}: document {} (no expiry)", r.id, doc_id(*doc))
            }
            LineStatus::Expiring {
                doc,
                expires,
                days_left,
            } => format!(
                "{}: document {} expires {expires} ({days_left} days left): renew it",
                r.id,
                doc_id(*doc)
            ),
            LineStatus::Expired { doc, expired_on } => format!(
                "{}: document {} expired on {expired_on}: not valid, file a current {wanted}",
                r.id,
                doc_id(*doc)
            ),
            LineStatus::Missing => format!("{}: no {wanted} on file{conditional}", r.id),
            LineStatus::Instruction => format!("{}: handling rule: {}", r.id, r.title_en),
        }
    }
}

/// The overall state of one SKU × market cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellStatus {
    /// Every requirement met (none expiring).
    Met,
    /// Every requirement met, at least one expiring.
    Expiring,
    /// At least one requirement missing or expired.
    Missing,
    /// No requirement applies (the pack covers the market and category, nothing triggers).
    NotApplicable,
    /// The pack does not cover the market or category: no statement is made.
    NotCovered(NotCovered),
}

/// One SKU × market cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapCell<'p> {
    /// Index of the SKU in the input slice.
    pub sku: usize,
    /// Market.
    pub market: Country,
    /// Overall state.
    pub status: CellStatus,
    /// One line per applicable requirement (empty when not covered).
    pub lines: Vec<GapLine<'p>>,
}

impl GapCell<'_> {
    /// One-line explanation of the cell for tables and exports.
    pub fn summary(&self) -> String {
        let count = |f: fn(&LineStatus) -> bool| self.lines.iter().filter(|l| f(&l.status)).count();
        match &self.status {
            CellStatus::NotCovered(nc) => nc.to_string(),
            CellStatus::NotApplicable => {
                format!("no requirement applies in {}", self.market.code())
            }
            _ => format!(
                "{} met, {} expiring, {} expired, {} missing, {} handling rules",
                count(|s| matches!(s, LineStatus::Met { .. })),
                count(|s| matches!(s, LineStatus::Expiring { .. })),
                count(|s| matches!(s, LineStatus::Expired { .. })),
                count(|s| matches!(s, LineStatus::Missing)),
                count(|s| matches!(s, LineStatus::Instruction)),
            ),
        }
    }

    /// Lines that block `target`: required, blocking for it, and missing or expired.
    pub fn blocking(&self, target: BlockTarget) -> impl Iterator<Item = &GapLine<'_>> {
        self.lines.iter().filter(move |l| {
            l.requirement.blocks(target)
                && matches!(l.status, LineStatus::Missing | LineStatus::Expired { .. })
        })
    }
}

/// Parameters of a gap report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GapOptions {
    /// The day the report is for.
    pub today: Date,
    /// A valid document expiring within this many days is reported as expiring (e.g. 90).
    pub expiring_within_days: i32,
}

/// Pre-indexed documents, so each SKU looks only at its own, its family's and the seller's documents.
pub struct DocIndex<'d> {
    docs: &'d [OnFileDocument],
    by_sku: HashMap<&'d str, Vec<usize>>,
    by_family: HashMap<&'d str, Vec<usize>>,
    by_tag: HashMap<&'d str, Vec<usize>>,
    seller: Vec<usize>,
}

impl<'d> DocIndex<'d> {
    /// Indexes `docs` by subject.
    pub fn new(docs: &'d [OnFileDocument]) -> Self {
        let mut index = DocIndex {
            docs,
            by_sku: HashMap::new(),
            by_family: HashMap::new(),
            by_tag: HashMap::new(),
            seller: Vec::new(),
        };
        for (i, d) in docs.iter().enumerate() {
            match &d.subject {
                DocSubject::Sku(code) => index.by_sku.entry(code.as_str()).or_default().push(i),
                DocSubject::Family(f) => index.by_family.entry(f.as_str()).or_default().push(i),
                DocSubject::Tag(t) => index.by_tag.entry(t.as_str()).or_default().push(i),
                DocSubject::Seller => index.seller.push(i),
            }
        }
        index
    }

    fn candidates<'a>(&'a self, sku: &'a GapSku) -> impl Iterator<Item = usize> + 'a {
        let own = self.by_sku.get(sku.code.as_str()).into_iter().flatten();
        let family = sku
            .family
            .as_deref()
            .and_then(|f| self.by_family.get(f))
            .into_iter()
            .flatten();
        let tags = sku
            .tags
            .iter()
            .filter_map(|t| self.by_tag.get(t.as_str()))
            .flatten();
        own.chain(family)
            .chain(tags)
            .chain(self.seller.iter())
            .copied()
    }
}

fn normalise_standard(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

fn doc_matches(doc: &OnFileDocument, r: &Requirement, market: Country) -> bool {
    if !doc.markets.is_empty() && !doc.markets.contains(&market) {
        return false;
    }
    if !doc.covers.is_empty() {
        return doc.covers.iter().any(|c| c == &r.id);
    }
    if !r.satisfied_by.iter().any(|t| t == &doc.doc_type) {
        return false;
    }
    r.standards.is_empty()
        || doc.standards.iter().any(|have| {
            let have = normalise_standard(have);
            r.standards
                .iter()
                .any(|want| have.starts_with(&normalise_standard(want)))
        })
}

/// Status of one requirement for one SKU, by the rules in the module documentation.
pub fn line_status(
    r: &Requirement,
    sku: &GapSku,
    market: Country,
    index: &DocIndex<'_>,
    options: GapOptions,
) -> LineStatus {
    if r.satisfied_by.is_empty() {
        return LineStatus::Instruction;
    }
    let mut best_valid: Option<(usize, Option<Date>)> = None;
    let mut best_expired: Option<(usize, Date)> = None;
    for i in index.candidates(sku) {
        let doc = &index.docs[i];
        if doc.issued > options.today || !doc_matches(doc, r, market) {
            continue;
        }
        match doc.expires {
            Some(e) if e < options.today => {
                if best_expired.is_none_or(|(_, b)| e > b) {
                    best_expired = Some((i, e));
                }
            }
            expires => {
                let better = match (best_valid, expires) {
                    (None, _) => true,
                    (Some((_, None)), _) => false,
                    (Some((_, Some(_))), None) => true,
                    (Some((_, Some(b))), Some(e)) => e > b,
                };
                if better {
                    best_valid = Some((i, expires));
                }
            }
        }
    }
    match (best_valid, best_expired) {
        (Some((doc, Some(expires))), _) => {
            let days_left = (expires - options.today).get_days();
            if days_left <= options.expiring_within_days {
                LineStatus::Expiring {
                    doc,
                    expires,
                    days_left,
                }
            } else {
                LineStatus::Met {
                    doc,
                    expires: Some(expires),
                }
            }
        }
        (Some((doc, None)), _) => LineStatus::Met { doc, expires: None },
        (None, Some((doc, expired_on))) => LineStatus::Expired { doc, expired_on },
        (None, None) => LineStatus::Missing,
    }
}

/// The gap report for every SKU × market, cells in SKU-major order.
///
/// Requirement selection is cached per distinct (profile, market), so a catalogue of many similar SKUs costs
/// one rule evaluation per profile, not per SKU.
pub fn gap_report<'p>(
    pack: &'p RequirementPack,
    skus: &[GapSku],
    markets: &[Country],
    docs: &[OnFileDocument],
    options: GapOptions,
) -> Vec<GapCell<'p>> {
    let index = DocIndex::new(docs);
    let mut cache: HashMap<(&ProductProfile, Country), Result<Vec<&'p Requirement>, NotCovered>> =
        HashMap::new();
    let mut cells = Vec::with_capacity(skus.len() * markets.len());
    for (si, sku) in skus.iter().enumerate() {
        for &market in markets {
            let reqs = cache
                .entry((&sku.profile, market))
                .or_insert_with(|| pack.requirements_for(&sku.profile, market, options.today));
            cells.push(cell_for(si, sku, market, reqs, &index, options));
        }
    }
    cells
}

/// The same report without the per-profile cache: requirement selection runs again for every cell. The
/// baseline the benchmark compares [`gap_report`] against; results are identical.
pub fn gap_report_uncached<'p>(
    pack: &'p RequirementPack,
    skus: &[GapSku],
    markets: &[Country],
    docs: &[OnFileDocument],
    options: GapOptions,
) -> Vec<GapCell<'p>> {
    let index = DocIndex::new(docs);
    let mut cells = Vec::with_capacity(skus.len() * markets.len());
    for (si, sku) in skus.iter().enumerate() {
        for &market in markets {
            let reqs = pack.requirements_for(&sku.profile, market, options.today);
            cells.push(cell_for(si, sku, market, &reqs, &index, options));
        }
    }
    cells
}

fn cell_for<'p>(
    si: usize,
    sku: &GapSku,
    market: Country,
    reqs: &Result<Vec<&'p Requirement>, NotCovered>,
    index: &DocIndex<'_>,
    options: GapOptions,
) -> GapCell<'p> {
    let reqs = match reqs {
        Ok(r) => r,
        Err(nc) => {
            return GapCell {
                sku: si,
                market,
                status: CellStatus::NotCovered(nc.clone()),
                lines: Vec::new(),
            };
        }
    };
    let lines: Vec<GapLine<'p>> = reqs
        .iter()
        .map(|r| GapLine {
            requirement: r,
            status: line_status(r, sku, market, index, options),
        })
        .collect();
    let status = if lines.is_empty() {
        CellStatus::NotApplicable
    } else if lines.iter().any(|l| {
        matches!(l.status, LineStatus::Missing | LineStatus::Expired { .. })
            && l.requirement.conditional.is_none()
    }) {
        CellStatus::Missing
    } else if lines
        .iter()
        .any(|l| matches!(l.status, LineStatus::Expiring { .. }))
    {
        CellStatus::Expiring
    } else {
        CellStatus::Met
    };
    GapCell {
        sku: si,
        market,
        status,
        lines,
    }
}

/// One flat row of the gap report, ready for a CSV/XLSX export or an API response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GapRow {
    /// SKU code.
    pub sku: String,
    /// Market (ISO alpha-2).
    pub market: String,
    /// Requirement id ("" for a cell without lines).
    pub requirement: String,
    /// Requirement title (English).
    pub title: String,
    /// met | expiring | expired | missing | instruction | not_applicable | not_covered.
    pub status: String,
    /// Why, naming the document and dates.
    pub reason: String,
    /// Legal source of the rule.
    pub source: String,
    /// The rule is marked uncertain.
    pub uncertain: bool,
    /// The seller must judge whether it applies.
    pub conditional: bool,
}

/// Flattens cells into rows: one per requirement line, one per cell without lines (not covered / not applicable).
pub fn gap_rows(cells: &[GapCell<'_>], skus: &[GapSku], docs: &[OnFileDocument]) -> Vec<GapRow> {
    let mut rows = Vec::new();
    for cell in cells {
        let sku = skus
            .get(cell.sku)
            .map(|s| s.code.to_string())
            .unwrap_or_default();
        if cell.lines.is_empty() {
            let status = match cell.status {
                CellStatus::NotCovered(_) => "not_covered",
                _ => "not_applicable",
            };
            rows.push(GapRow {
                sku,
                market: cell.market.code().to_string(),
                requirement: String::new(),
                title: String::new(),
                status: status.to_string(),
                reason: cell.summary(),
                source: String::new(),
                uncertain: false,
                conditional: false,
            });
            continue;
        }
        for line in &cell.lines {
            let r = line.requirement;
            rows.push(GapRow {
                sku: sku.clone(),
                market: cell.market.code().to_string(),
                requirement: r.id.clone(),
                title: r.title_en.clone(),
                status: line.status.name().to_string(),
                reason: line.reason(docs),
                source: r.source.clone(),
                uncertain: r.uncertain,
                conditional: r.conditional.is_some(),
            });
        }
    }
    rows
}

/// Days before expiry at which a reminder is raised, largest first.
pub const EXPIRY_REMINDER_DAYS: [i32; 3] = [90, 60, 30];

/// The reminder due for a document, seen on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryReminder {
    /// Within `threshold` days of expiry (the smallest of [`EXPIRY_REMINDER_DAYS`] reached).
    Before {
        /// 90, 60 or 30.
        threshold: i32,
        /// Days from today to the last valid day (0 = expires today).
        days_left: i32,
    },
    /// Past its last valid day.
    Expired,
}

impl ExpiryReminder {
    /// Part of the alert's dedupe key: `90d`, `60d`, `30d`, `expired`. Each is raised once per document.
    pub fn key(&self) -> String {
        match self {
            ExpiryReminder::Before { threshold, .. } => format!("{threshold}d"),
            ExpiryReminder::Expired => "expired".into(),
        }
    }
}

/// Which reminder is due for a document whose last valid day is `expires`: none while more than 90 days remain,
/// then the smallest threshold reached (so a job that first looks 25 days before expiry raises the 30-day
/// reminder only, not all three), and `Expired` after the last valid day.
pub fn expiry_reminder(today: Date, expires: Date) -> Option<ExpiryReminder> {
    let days_left = (expires - today).get_days();
    if days_left < 0 {
        return Some(ExpiryReminder::Expired);
    }
    EXPIRY_REMINDER_DAYS
        .iter()
        .rev()
        .find(|t| days_left <= **t)
        .map(|&threshold| ExpiryReminder::Before {
            threshold,
            days_left,
        })
}

/// Why a listing export or shipment is blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker<'p> {
    /// The pack makes no statement for the market/category: nothing may be assumed compliant.
    NotCovered(NotCovered),
    /// A required item is missing or expired.
    Item(GapLine<'p>),
}

/// The items that block `target` for one SKU in one market on `options.today`: required (not conditional),
/// blocking for that target, and missing or expired. Not covered blocks too: tradelane never assumes
/// compliance it cannot show. An owner override is recorded by the caller, not here.
pub fn blocking_items<'p>(
    pack: &'p RequirementPack,
    sku: &GapSku,
    market: Country,
    docs: &[OnFileDocument],
    target: BlockTarget,
    options: GapOptions,
) -> Vec<Blocker<'p>> {
    let reqs = match pack.requirements_for(&sku.profile, market, options.today) {
        Ok(r) => r,
        Err(nc) => return vec![Blocker::NotCovered(nc)],
    };
    let index = DocIndex::new(docs);
    reqs.into_iter()
        .filter(|r| r.blocks(target))
        .filter_map(|r| {
            let status = line_status(r, sku, market, &index, options);
            matches!(status, LineStatus::Missing | LineStatus::Expired { .. }).then_some(
                Blocker::Item(GapLine {
                    requirement: r,
                    status,
                }),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
