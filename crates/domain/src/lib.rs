//! Domain types of tradelane: money, currencies, countries, HS codes, measures, incoterms, locales and SKU
//! records. Types only, no I/O: every value is validated at construction and errors name the value and what
//! was expected.
//!
//! ```
//! use tradelane_domain::{Currency, Dimensions, HsCode, Money, RoundingMode, Weight};
//! use tradelane_domain::Decimal;
//!
//! let price = Money::new(Decimal::new(1999, 2), Currency::parse("eur")?);
//! let vat = price.mul(Decimal::new(19, 2)).round(RoundingMode::HalfUp);
//! assert_eq!(vat.to_string(), "3.80 EUR");
//!
//! let hs = HsCode::parse("8507.60.00")?;
//! assert_eq!(hs.subheading(), "850760");
//!
//! let gross = Weight::parse("1.5 公斤")?;
//! let volumetric = Dimensions::parse("40x30x20 cm")?.volumetric_weight_kg(Decimal::from(5000))?;
//! let chargeable = gross.to_kg().max(volumetric);
//! assert_eq!(chargeable, Decimal::new(48, 1));
//! # Ok::<(), tradelane_domain::DomainError>(())
//! ```

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

#[cfg(test)]
mod hostile_input {
    //! Every parser must answer arbitrary text with a value or an error, never a panic, and errors stay short.
    use super::*;
    use proptest::prelude::*;

    fn check<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<(), TestCaseError> {
        if let Err(e) = result {
            prop_assert!(
                e.to_string().len() < 1000,
                "error message too long: {}",
                e.to_string().len()
            );
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn parsers_never_panic(text in "\\PC{0,60}|[0-9a-zA-Z .,x*×-]{0,30}") {
            check(Currency::parse(&text))?;
            check(Country::parse(&text))?;
            check(Subdivision::parse(&text))?;
            check(Subdivision::parse_for(Country::US, &text))?;
            check(HsCode::parse(&text))?;
            check(HsPrefix::parse(&text))?;
            check(Incoterm::parse(&text))?;
            check(Locale::parse(&text))?;
            check(UiLang::parse(&text))?;
            check(SkuCode::parse(&text))?;
            check(Battery::parse_label(&text))?;
            check(Weight::parse(&text))?;
            check(Dimensions::parse(&text))?;
            check(text.parse::<Money>())?;
            let _ = UiLang::from_accept_language(&text);
        }

        #[test]
        fn parsed_values_print_back_to_themselves(text in "[0-9A-Za-z .-]{0,16}") {
            if let Ok(c) = Currency::parse(&text) { prop_assert_eq!(Currency::parse(c.code()), Ok(c)); }
            if let Ok(c) = Country::parse(&text) { prop_assert_eq!(Country::parse(c.code()), Ok(c)); }
            if let Ok(h) = HsCode::parse(&text) { prop_assert_eq!(HsCode::parse(h.as_str()), Ok(h)); }
            if let Ok(l) = Locale::parse(&text) { prop_assert_eq!(Locale::parse(l.as_str()), Ok(l)); }
            if let Ok(s) = SkuCode::parse(&text) { prop_assert_eq!(SkuCode::parse(s.as_str()), Ok(s)); }
        }
    }
}
