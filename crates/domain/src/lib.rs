//! Domain types of tradelane: money, currencies, countries, HS codes, measures, incoterms, locales and SKU
//! records. Types only, no I/O: every value is validated at construction and errors name the value and what
//! was expected.

mod country;
mod error;
mod hs;
mod incoterm;
mod locale;
mod measure;
mod money;
mod sku;
mod text;

pub use country::{Country, EU_MEMBERS, Subdivision};
pub use error::DomainError;
pub use hs::{HsCode, HsPrefix, NationalNomenclature, national_code_length, national_nomenclature};
pub use incoterm::Incoterm;
pub use locale::{Locale, UiLang};
pub use measure::{Dimensions, LengthUnit, Weight, WeightUnit};
pub use money::{Currency, Money, RoundingMode};
pub use rust_decimal::Decimal;
pub use sku::{
    Battery, BatteryChemistry, BatteryPacking, FieldError, SKU_CODE_MAX_CHARS, SkuCode, SkuRecord,
    TITLE_MAX_CHARS,
};
