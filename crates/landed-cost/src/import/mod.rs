//! Importers for official tariff files: pure parsers from text to duty rules.

mod common;
pub mod uk_tariff;
pub mod us_hts;

pub use common::{ImportError, ImportOptions, ImportReport};
pub use uk_tariff::{UkColumn, import_uk_tariff_csv};
pub use us_hts::import_us_hts_csv;
