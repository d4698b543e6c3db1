//! Landed cost and import tax engine over dated rule packs. Pure: no I/O, no clock, no database.
//!
//! * [`pack`]: the rule pack format (TOML, see RULEPACK.md), its validation and lookup indexes; [`builtin_pack`].
//! * [`fx`]: dated exchange rates and the ECB reference rate CSV.
//! * [`engine`]: [`quote`] a shipment of order lines into itemised, explained, dated figures.
//! * [`import`]: parsers for official tariff files (US HTS CSV, UK Global Tariff CSV) into duty rules.
//!
//! ```
//! use rust_decimal::Decimal;
//! use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money};
//! use tradelane_landed_cost::pack::{SalesChannel, TransportMode};
//! use tradelane_landed_cost::{Destination, FxTable, QuoteLine, QuoteRequest, builtin_pack, quote};
//!
//! let pack = builtin_pack().expect("the built-in pack is valid");
//! // The caller reads the ECB file; the library only parses text.
//! let fx = FxTable::from_ecb_csv("Date,USD,CNY,\n2026-07-01,1.25,8.75,\n").unwrap();
//! let request = QuoteRequest {
//!     lines: vec![QuoteLine {
//!         hs_code: HsCode::parse("6109.10.00").unwrap(),
//!         origin: Country::CN,
//!         value: Money::new(Decimal::from(100), Currency::EUR),
//!         quantity: Decimal::ONE,
//!         net_weight_kg: Decimal::new(2, 1),
//!         volume_litres: None,
//!         area_m2: None,
//!         category: None,
//!     }],
//!     destination: Destination { country: Country::DE, subdivision: None },
//!     mode: TransportMode::Postal,
//!     incoterm: Incoterm::Ddp,
//!     freight: Some(Money::new(Decimal::from(10), Currency::EUR)),
//!     insurance: None,
//!     registrations: vec!["IOSS".into()],
//!     channel: SalesChannel::OwnShop,
//!     carrier: None,
//!     date: "2026-07-01".parse().unwrap(),
//!     seller_currency: Currency::CNY,
//! };
//! let q = quote(&pack, &fx, &request).unwrap();
//! // EUR 3 flat duty for one item category; VAT 19 % on 110 + 3 = 21.47, collected at sale under IOSS.
//! assert_eq!(q.totals.duties.amount(), Decimal::from(3));
//! assert_eq!(q.totals.taxes.amount(), Decimal::new(2147, 2));
//! for c in q.components() {
//!     println!("{} [{} | {}]", c.explanation_en(), c.rule_id(), c.source());
//! }
//! ```

pub mod engine;
pub mod fx;
pub mod hs;
pub mod import;
pub mod pack;
pub mod rate;

pub use engine::{
    Collector, Component, ComponentKind, Destination, Payer, Quote, QuoteError, QuoteLine,
    QuoteRequest, quote,
};
pub use fx::{FxError, FxRate, FxTable};
pub use hs::HsDigits;
pub use pack::{RuleError, RulePack, builtin_pack};
pub use rate::{DutyRate, MeasureUnit, SpecificDuty, parse_duty_rate};
