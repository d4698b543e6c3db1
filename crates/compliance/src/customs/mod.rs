//! Customs: HS 2022 structure validation, declaration checks and document totals.

mod hs_table;

pub use hs_table::{HS_EDITION, HsLevelMissing, HsTable};
