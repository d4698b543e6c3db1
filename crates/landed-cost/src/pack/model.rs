//! The validated, typed rules of a pack. Built only by the loader, so every value here has been checked.

use crate::hs::HsDigits;
use crate::rate::DutyRate;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use tradelane_domain::{Country, Currency, RoundingMode, Subdivision};

/// What every rule carries: identity, dates, source and confidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleMeta {
    /// Unique id within the pack.
    pub id: String,
    /// Document or URL the figure comes from.
    pub source: String,
    /// First civil day (destination time zone) on which the rule applies.
    pub effective_from: Date,
    /// Last civil day on which the rule applies; `None` = open-ended.
    pub effective_to: Option<Date>,
    /// True when the figure is not confirmed, temporary or litigated.
    pub uncertain: bool,
    /// Optional English note.
    pub note_en: Option<String>,
    /// Optional Chinese note.
    pub note_zh: Option<String>,
}

impl RuleMeta {
    /// True when the rule applies on `date` (both ends inclusive).
    #[inline]
    pub fn in_force(&self, date: Date) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date <= to)
    }

    /// True when the two date ranges share at least one day.
    pub fn overlaps(&self, other: &RuleMeta) -> bool {
        let starts_before_other_ends = other
            .effective_to
            .is_none_or(|to| self.effective_from <= to);
        let other_starts_before_self_ends = self
            .effective_to
            .is_none_or(|to| other.effective_from <= to);
        starts_before_other_ends && other_starts_before_self_ends
    }
}

/// Whether the customs value includes international freight and insurance to the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Valuation {
    /// Cost, insurance and freight to the place of entry.
    Cif,
    /// Free on board at export: freight and insurance excluded.
    Fob,
}

/// What the import tax base adds to the customs value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TaxBase {
    /// Customs duty and additional duties are part of the base.
    pub duty: bool,
    /// International freight and insurance are part of the base (only meaningful with FOB valuation).
    pub freight_insurance: bool,
    /// Fees marked `in_tax_base` are part of the base.
    pub fees: bool,
}

/// One destination country: its currency, tariff territory, valuation, tax base and rounding.
#[derive(Debug, Clone, Serialize)]
pub struct Market {
    /// Rule metadata.
    pub meta: RuleMeta,
    /// Destination country.
    pub country: Country,
    /// Currency duties and taxes are assessed in.
    pub currency: Currency,
    /// Id of the tariff territory whose duty rules apply ("EU" for the 27 member states, else the country).
    pub customs_territory: String,
    /// Customs valuation basis.
    pub valuation: Valuation,
    /// Import tax base composition.
    pub tax_base: TaxBase,
    /// How every figure is rounded to the currency's minor unit.
    pub rounding: RoundingMode,
    /// IANA time zone the rule dates are civil dates in.
    pub time_zone: String,
    /// A province/state must be given (taxes differ by subdivision).
    pub subdivision_required: bool,
}

/// A customs duty rule: base tariff when `layer` is `None`, an additional duty layer otherwise.
#[derive(Debug, Clone, Serialize)]
pub struct DutyRule {
    /// Rule metadata.
    pub meta: RuleMeta,
    /// Tariff territory ("EU", "US", ...).
    pub territory: String,
    /// HS prefix the rule covers.
    pub prefix: HsDigits,
    /// Prefixes under `prefix` the rule does not cover.
    pub exclude: Vec<HsDigits>,
    /// Only for goods of these origins (empty = any origin).
    pub origins: Vec<Country>,
    /// Not for goods of these origins.
    pub exclude_origins: Vec<Country>,
    /// The rate.
    pub rate: DutyRate,
    /// Additional-duty layer ("section_301", "section_122", ...); `None` = base (MFN) tariff.
    pub layer: Option<String>,
}

impl DutyRule {
    /// True when the rule covers goods of `origin` with code `code` on `date` (prefix match assumed).
    #[inline]
    pub fn applies(&self, code: &HsDigits, origin: Country, date: Date) -> bool {
        self.meta.in_force(date)
            && (self.origins.is_empty() || self.origins.contains(&origin))
            && !self.exclude_origins.contains(&origin)
            && !self.exclude.iter().any(|x| code.starts_with(x))
    }
}

/// How an import tax is collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxCollection {
    /// Charged on importation (import VAT/GST).
    Import,
    /// Charged on the sale by the seller or marketplace (US sales tax).
    Sale,
}

/// A VAT/GST/sales tax rate: standard (no prefix, no category), reduced by HS prefix, or by product category.
#[derive(Debug, Clone, Serialize)]
pub struct TaxRule {
    /// Rule metadata.
    pub meta: RuleMeta,
    /// Country levying the tax.
    pub country: Country,
    /// Subdivision levying or required for the tax (HST/PST/QST provinces, US states).
    pub subdivision: Option<Subdivision>,
    /// Tax name: "VAT", "GST", "HST", "PST", "QST", "JCT", "IVA", "ICMS", "sales_tax" ...
    pub tax: String,
    /// Percent (19 means 19 %).
    pub rate: Decimal,
    /// HS prefix for a reduced rate.
    pub prefix: Option<HsDigits>,
    /// Product category for a reduced rate (matched against the line's category).
    pub category: Option<String>,
    /// "standard", "reduced", "super_reduced", "zero" ...
    pub level: String,
    /// Import or sale.
    pub collection: TaxCollection,
    /// Taxes this one replaces where it applies (HST replaces GST).
    pub replaces: Vec<String>,
    /// Tax computed "por dentro": base = (value) / (1 - rate) (Brazil ICMS).
    pub inclusive_base: bool,
}

/// What a low-value threshold is compared against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueBasis {
    /// Sum of the goods' prices, excluding freight and insurance (EU/UK "intrinsic value").
    IntrinsicConsignment,
    /// Price of each single item (Norway VOEC: per item).
    IntrinsicItem,
    /// Sum of the customs values (with freight and insurance where the valuation is CIF).
    CustomsValueConsignment,
    /// The import tax the consignment would owe (Switzerland: tax of CHF 5 or less is not collected).
    TaxAmount,
    /// Duty plus import tax the consignment would owe (New Zealand: under NZD 60 not collected).
    DutyAndTaxAmount,
}

/// What a low-value regime does to customs duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DutyTreatment {
    /// Does not change duty.
    Unchanged,
    /// No duty.
    Exempt,
    /// The normal tariff applies (relief explicitly withdrawn).
    Normal,
    /// A flat amount per distinct tariff subheading (first `digits` digits) in the consignment (EU EUR 3).
    FlatPerCategory {
        /// Amount per category.
        amount: Decimal,
        /// Currency of the amount.
        currency: Currency,
        /// Digits that define a category.
        digits: u8,
    },
    /// One ad valorem rate on the customs value replaces the tariff, optionally less a deduction per consignment
    /// (Brazil Remessa Conforme: 60 % less USD 20).
    AdValorem {
        /// Percent.
        rate: Decimal,
        /// Amount deducted from the consignment's duty.
        deduction: Option<(Decimal, Currency)>,
    },
    /// One global rate covering duty and import tax together (Mexico courier "tasa global").
    Global {
        /// Percent.
        rate: Decimal,
    },
}

/// What a low-value regime does to import tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxTreatment {
    /// Does not change tax.
    Unchanged,
    /// No import tax.
    Exempt,
    /// Import tax at the border.
    Border,
    /// Tax charged at the sale by the registered seller or the marketplace (IOSS, UK VAT, AU GST, VOEC ...).
    AtSale,
    /// Covered by a global rate.
    Included,
}

/// A transport mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportMode {
    /// Postal service (UPU mail).
    Postal,
    /// Express courier (DHL, FedEx, UPS ...).
    Express,
    /// Air freight.
    AirFreight,
    /// Sea freight.
    SeaFreight,
}

impl TransportMode {
    /// Parses "postal", "express", "air_freight", "sea_freight" (also "air", "sea", "courier").
    pub fn parse(text: &str) -> Option<TransportMode> {
        Some(
            match text
                .trim()
                .to_ascii_lowercase()
                .replace(['-', ' '], "_")
                .as_str()
            {
                "postal" | "post" | "mail" => TransportMode::Postal,
                "express" | "courier" | "express_courier" => TransportMode::Express,
                "air_freight" | "air" => TransportMode::AirFreight,
                "sea_freight" | "sea" | "ocean" => TransportMode::SeaFreight,
                _ => return None,
            },
        )
    }
}

/// A sales channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesChannel {
    /// A marketplace that is the deemed supplier / marketplace facilitator for tax.
    Marketplace,
    /// The seller's own shop.
    OwnShop,
}

/// A low-value consignment regime: threshold, what it does to duty and tax, and who collects.
#[derive(Debug, Clone, Serialize)]
pub struct LowValueRule {
    /// Rule metadata.
    pub meta: RuleMeta,
    /// Territory or country the regime applies to ("EU", "GB", ...).
    pub scope: String,
    /// Threshold; `None` = no value limit.
    pub threshold: Option<(Decimal, Currency)>,
    /// What the threshold is compared with.
    pub basis: ValueBasis,
    /// True: value <= threshold qualifies; false: value < threshold.
    pub inclusive: bool,
    /// Effect on duty.
    pub duty: DutyTreatment,
    /// Effect on tax.
    pub tax: TaxTreatment,
    /// The regime needs this seller registration ("IOSS", "UK_VAT", ...), unless `marketplace_qualifies`.
    pub requires_registration: Option<String>,
    /// A marketplace deemed supplier satisfies the registration requirement.
    pub marketplace_qualifies: bool,
    /// Only for marketplace sales (Brazil Remessa Conforme).
    pub requires_marketplace: bool,
    /// Only for these transport modes (empty = all).
    pub modes: Vec<TransportMode>,
    /// Only for these origins (empty = all).
    pub origins: Vec<Country>,
    /// Not for these origins.
    pub exclude_origins: Vec<Country>,
    /// Lines under these prefixes do not get the regime (Japan: leather bags, knitted apparel ...).
    pub exclude_hs: Vec<HsDigits>,
    /// Higher wins when several regimes qualify; equal precedence is an ambiguity error.
    pub precedence: i32,
}

/// What an ad valorem fee is a percentage of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeBasis {
    /// Customs value (US: entered value).
    CustomsValue,
    /// Duties plus import taxes advanced by the carrier (carrier disbursement fees).
    DutyAndTax,
}

/// How often a fee is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeUnit {
    /// Once per consignment (entry).
    Consignment,
    /// Once per declaration line.
    Line,
    /// Once per distinct tariff subheading (HS6) in the consignment.
    Hs6,
    /// Once per item (quantity).
    Item,
}

/// Who bears a fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeePayer {
    /// Whoever pays the import charges (seller under DDP, buyer otherwise).
    Importer,
    /// Always the seller (or its platform).
    Seller,
}

/// A fee charged on import: customs processing, port, national parcel or carrier fees.
#[derive(Debug, Clone, Serialize)]
pub struct FeeRule {
    /// Rule metadata.
    pub meta: RuleMeta,
    /// Territory or country, or "*" for any destination (carrier fees).
    pub scope: String,
    /// Short name ("MPF", "HMF", "parcel fee", "disbursement fee").
    pub name: String,
    /// Flat amount per `unit` (with `currency`), or
    pub amount: Option<Decimal>,
    /// percent of `basis`.
    pub percent: Option<Decimal>,
    /// Basis of `percent`.
    pub basis: FeeBasis,
    /// Charging unit of a flat amount; ad valorem fees are per consignment.
    pub unit: FeeUnit,
    /// Currency of amounts, minimum, maximum and value limits.
    pub currency: Currency,
    /// Minimum fee.
    pub minimum: Option<Decimal>,
    /// Maximum fee.
    pub maximum: Option<Decimal>,
    /// Currency of the value limits (defaults to `currency`).
    pub value_currency: Currency,
    /// Charged only when the consignment value is above this.
    pub value_above: Option<Decimal>,
    /// Charged only when the consignment value is at most this.
    pub value_at_most: Option<Decimal>,
    /// Charged only when the consignment value is below this.
    pub value_below: Option<Decimal>,
    /// What the value limits compare.
    pub value_basis: ValueBasis,
    /// Only for these transport modes (empty = all).
    pub modes: Vec<TransportMode>,
    /// Only for this carrier (case-insensitive), e.g. disbursement fees.
    pub carrier: Option<String>,
    /// Only for these origins.
    pub origins: Vec<Country>,
    /// Not for these origins.
    pub exclude_origins: Vec<Country>,
    /// Part of the import tax base.
    pub in_tax_base: bool,
    /// Who bears it.
    pub payer: FeePayer,
}
