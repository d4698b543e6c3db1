//! Product compliance engines of tradelane. Everything here is pure: data in, data out, no I/O and no clock
//! (`today` is always a parameter). Rule data is embedded TOML parsed from `&str`, so a newer pack can be
//! loaded at run time with the same parsers.
//!
//! - [`requirements`]: what a product needs per destination market (marks, certificates, registrations,
//!   labels, documents, transport rules), from a dated and sourced rule pack; unknown markets or categories
//!   give [`requirements::NotCovered`], never an empty "compliant" list.
//! - [`gap`]: requirements against the documents on file, per SKU × market, with expiry handling and the
//!   items that block a listing export or a shipment.
//! - [`screening`]: trademark screening of listing text against a watchlist, with an allowlist.
//! - [`customs`]: HS 2022 structure validation, declaration consistency checks, document totals.
//! - [`tax`]: tax-registration thresholds, percent reached, projected crossing date, filing calendar.
//! - [`diff`]: what changed between two versions of a requirements or threshold pack.

pub mod customs;
pub mod dates;
pub mod diff;
pub mod gap;
pub mod requirements;
pub mod screening;
pub mod tax;

pub use dates::DateRange;
