//! Customs: HS 2022 structure validation, declaration consistency checks and declaration documents (commercial
//! invoice, packing list, CN23-style declaration) with totals that add up. Rendering (PDF/XLSX) is done by the
//! caller from these models.

mod checks;
mod document;
mod hs_table;
mod keywords;

pub use checks::{
    CheckOptions, Finding, FindingCode, Severity, check_declaration, check_description, check_hs,
    lithium_transport_note,
};
pub use document::{
    Cn23Category, Declaration, DeclarationError, DeclarationLine, DocumentKind, Package, Party,
    Totals,
};
pub use hs_table::{HS_EDITION, HsLevelMissing, HsTable};
pub use keywords::{chapters_suggested_by, is_vague_description};
