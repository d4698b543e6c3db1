//! Freight engines of tradelane: forwarder rate cards, chargeable weight, quote comparison and the
//! consolidation (拼柜) cost split. Pure: data in, data out; no files, no clock, no network.
//!
//! - [`import_cards`] / [`import_cartons`]: rate cards and carton lists from a [`Sheet`] (read
//!   with [`read_bytes`]: CSV in UTF-8/GBK or XLSX), English or Chinese headers, row errors naming
//!   row, column and what was expected.
//! - [`compare`]: every card covering the lane and valid on the ship date priced for a shipment,
//!   cheapest first (ties: fewer transit days), each with its breakdown; cards left out
//!   (expired, other lane, battery refused, no FX rate) are listed with the reason.
//! - [`split_pool`]: a pool's total split by weight-or-measure (or volume, or weight), exact to
//!   the minor unit by largest remainder; [`PoolSplit::view_for`] shows one participant only its
//!   own cartons, share and saving against its cheapest solo quote.
//!
//! ```
//! use rust_decimal_macros::dec;
//! use tradelane_freight::*;
//!
//! let csv = "forwarder,origin,destination,mode,currency,rates,min_charge,valid_from,valid_to,transit_days\n\
//!            FastAir,CNSZX,US,air,USD,0:6.5;100:5.2,60,2026-01-01,2026-12-31,6-8\n\
//!            OldCard,CNSZX,US,air,USD,1,0,2025-01-01,2025-12-31,6\n";
//! let cards = import_cards(&read_bytes(csv.as_bytes()).unwrap(), "rates.csv");
//! assert!(cards.errors.is_empty());
//! let carton = Carton::new("A", [dec!(60), dec!(50), dec!(40)], dec!(15), 4).unwrap();
//! let shipment = Shipment::new(vec![carton], "2026-03-02".parse().unwrap());
//! let usd = tradelane_domain::Currency::parse("USD").unwrap();
//! let cmp = compare(&shipment, &Lane::parse("CNSZX-USLAX").unwrap(), &cards.cards, usd, &FxTable::default());
//! // 4 × 60×50×40 cm = 480,000 cm³ ÷ 6000 = 80 kg volumetric > 60 kg actual; 80 × 6.5 = 520,
//! // but the 100 kg break costs 100 × 5.2 = 520 too: 520.00 USD.
//! assert_eq!(cmp.quotes[0].total.to_string(), "520.00 USD");
//! // The expired card is never quoted.
//! assert_eq!(cmp.quotes.len(), 1);
//! assert_eq!(cmp.excluded[0].reason.describe(), "expired on 2025-12-31");
//! ```

mod card;
mod cartons;
mod compare;
mod error;
mod import;
mod lane;
mod mode;
mod pool;
mod sheet;
mod shipment;
mod split;

pub use card::{
    Break, ChargeLine, NotQuoted, Priced, RateCard, Surcharge, SurchargeAmount, SurchargeKind,
    container_capacity,
};
pub use cartons::{CartonImport, CartonLine, import_cartons};
pub use compare::{Comparison, Excluded, FxTable, Quote, compare, compare_naive};
pub use error::FreightError;
pub use import::{CardImport, import_cards, parse_breaks};
pub use lane::Lane;
pub use mode::{Basis, Mode};
pub use pool::{
    ContainerLoad, ContainerProfile, ContainerShare, ContainerWhy, DgLoad, MAX_POOL_CARTONS,
    MAX_PROFILES, ParticipantOutcome, PlannedContainer, PoolInput, PoolNote, PoolParticipant,
    PoolPlan, PoolSettings, PoolStats, UnplacedCartons, UnplacedWhy, fcl_profiles, plan_pool,
};
pub use sheet::{CellError, read_bytes};
pub use shipment::{Carton, Shipment, Totals};
pub use split::{
    Participant, ParticipantView, PoolSplit, SplitMethod, largest_remainder, split_pool,
};
pub use tradelane_catalogue_io::Sheet;

#[cfg(test)]
mod pool_tests;
#[cfg(test)]
mod tests;
