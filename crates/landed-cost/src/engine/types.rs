//! Request, result and error types of the engine.

use crate::fx::{FxError, FxRate};
use crate::pack::{
    DutyRule, FeeRule, LowValueRule, RuleMeta, SalesChannel, TaxRule, TransportMode, Valuation,
};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use std::sync::Arc;
use thiserror::Error;
use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money, RoundingMode, Subdivision};

/// One order line to quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// HS code as declared in the destination (6 to 10 digits).
    pub hs_code: HsCode,
    /// Country of origin of the goods.
    pub origin: Country,
    /// Price of the whole line (all units), excluding international freight and insurance.
    pub value: Money,
    /// Number of units (pairs for footwear); must be positive.
    pub quantity: Decimal,
    /// Net weight of the whole line in kilograms.
    pub net_weight_kg: Decimal,
    /// Volume of the whole line in litres, where a duty is charged per litre.
    #[serde(default)]
    pub volume_litres: Option<Decimal>,
    /// Area of the whole line in square metres, where a duty is charged per m².
    #[serde(default)]
    pub area_m2: Option<Decimal>,
    /// Product category for category-based reduced tax rates ("books", "children_clothing", "food" ...).
    #[serde(default)]
    pub category: Option<String>,
}

/// Where the goods are imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// Country of import.
    pub country: Country,
    /// US state or Canadian province, where taxes depend on it.
    #[serde(default)]
    pub subdivision: Option<Subdivision>,
}

/// A shipment to quote: lines, destination, transport, terms, seller facts and the date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteRequest {
    /// Order lines (one consignment).
    pub lines: Vec<QuoteLine>,
    /// Destination.
    pub destination: Destination,
    /// Transport mode.
    pub mode: TransportMode,
    /// Incoterm: DDP makes the seller pay import charges; any other term leaves them to the buyer.
    pub incoterm: Incoterm,
    /// International freight to the destination border, for the whole consignment.
    #[serde(default)]
    pub freight: Option<Money>,
    /// Insurance for the whole consignment.
    #[serde(default)]
    pub insurance: Option<Money>,
    /// Seller tax registrations: "IOSS", "UK_VAT", "AU_GST", "NZ_GST", "NO_VOEC", "CH_VAT", "SG_OVR", "CA_GST",
    /// or a US state code such as "US-CA" for sales tax.
    #[serde(default)]
    pub registrations: Vec<String>,
    /// Marketplace deemed supplier or own shop.
    pub channel: SalesChannel,
    /// Carrier name, for carrier disbursement/handling fees ("DHL", "FedEx" ...).
    #[serde(default)]
    pub carrier: Option<String>,
    /// Civil date of import in the destination's time zone: selects the rules in force.
    pub date: Date,
    /// Currency the seller keeps accounts in; totals are also given in it.
    pub seller_currency: Currency,
}

/// What a figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// Customs duty from the tariff (or a regime's replacement rate).
    Duty,
    /// Additional duty layer (Section 301, Section 122 ...).
    AdditionalDuty,
    /// Flat duty per item category (EU EUR 3).
    FlatDuty,
    /// One global rate covering duty and import tax (Mexico courier regime).
    GlobalTax,
    /// VAT/GST/HST/PST/consumption tax on import, or collected at sale under a low-value regime.
    ImportTax,
    /// Sales tax collected at sale (US states).
    SalesTax,
    /// A fee.
    Fee,
}

impl ComponentKind {
    /// True for duties (all kinds).
    pub fn is_duty(self) -> bool {
        matches!(
            self,
            ComponentKind::Duty | ComponentKind::AdditionalDuty | ComponentKind::FlatDuty
        )
    }

    /// True for taxes (including the global rate).
    pub fn is_tax(self) -> bool {
        matches!(
            self,
            ComponentKind::ImportTax | ComponentKind::SalesTax | ComponentKind::GlobalTax
        )
    }
}

/// Who collects a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Collector {
    /// Customs / the carrier at the border.
    Border,
    /// The seller at the sale (under its registration).
    Seller,
    /// The marketplace at the sale (deemed supplier / facilitator).
    Marketplace,
}

/// Who bears a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    /// The seller (DDP, or fees charged to the seller).
    Seller,
    /// The buyer (DAP and other terms at the border; in the price when collected at sale).
    Buyer,
}

/// The rule a figure came from.
#[derive(Debug, Clone)]
pub enum RuleRef {
    /// A duty or additional duty rule.
    Duty(Arc<DutyRule>),
    /// A tax rule.
    Tax(Arc<TaxRule>),
    /// A low-value regime.
    LowValue(Arc<LowValueRule>),
    /// A fee rule.
    Fee(Arc<FeeRule>),
}

impl RuleRef {
    /// Metadata of the rule.
    pub fn meta(&self) -> &RuleMeta {
        match self {
            RuleRef::Duty(r) => &r.meta,
            RuleRef::Tax(r) => &r.meta,
            RuleRef::LowValue(r) => &r.meta,
            RuleRef::Fee(r) => &r.meta,
        }
    }
}

/// How a figure was computed; rendered into the English and Chinese explanations.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// Tariff duty; `clamp` says whether the minimum or maximum applied.
    Tariff {
        /// "min", "max" or none.
        clamp: Option<&'static str>,
    },
    /// Duty relieved by a low-value regime (the regime is in `Component::regime`).
    DutyExempt,
    /// Flat amount per item category.
    FlatPerCategory {
        /// Category (HS digits) charged.
        category: String,
        /// Amount per category in its own currency.
        per_category: Money,
    },
    /// A regime's ad valorem duty rate, with deduction.
    RegimeRate {
        /// Percent.
        rate: Decimal,
        /// Deduction applied to this line.
        deduction: Option<Money>,
    },
    /// Global rate.
    Global {
        /// Percent.
        rate: Decimal,
    },
    /// Tax at a rate on a base.
    Tax {
        /// Percent.
        rate: Decimal,
        /// Base computed "por dentro".
        inclusive: bool,
    },
    /// Tax relieved by a low-value regime.
    TaxExempt,
    /// Fee: units charged and whether a minimum/maximum applied.
    Fee {
        /// Units charged (1 per consignment, lines, categories, items).
        units: Decimal,
        /// "min", "max" or none.
        clamp: Option<&'static str>,
    },
}

/// One figure of a quote, with the rule, source, dates and confidence it rests on.
#[derive(Debug, Clone)]
pub struct Component {
    /// What the figure is.
    pub kind: ComponentKind,
    /// Amount in the destination currency, rounded to its minor unit.
    pub amount: Money,
    /// Base the rate was applied to (customs value, tax base ...), when there is one.
    pub base: Option<Money>,
    /// The rule that produced the figure.
    pub rule: RuleRef,
    /// The low-value regime that changed the figure, if any.
    pub regime: Option<Arc<LowValueRule>>,
    /// Who collects it.
    pub collected_by: Collector,
    /// Who bears it.
    pub paid_by: Payer,
    /// How it was computed.
    pub detail: Detail,
}

impl Component {
    /// Id of the producing rule.
    pub fn rule_id(&self) -> &str {
        &self.rule.meta().id
    }
    /// Source of the producing rule.
    pub fn source(&self) -> &str {
        &self.rule.meta().source
    }
    /// First day the producing rule applies.
    pub fn effective_from(&self) -> Date {
        self.rule.meta().effective_from
    }
    /// Last day the producing rule applies (`None` = open).
    pub fn effective_to(&self) -> Option<Date> {
        self.rule.meta().effective_to
    }
    /// True when the producing rule, or the regime that changed the figure, is uncertain.
    pub fn uncertain(&self) -> bool {
        self.rule.meta().uncertain || self.regime.as_ref().is_some_and(|r| r.meta.uncertain)
    }
    /// Short label: tax name, duty layer or fee name.
    pub fn label(&self) -> &str {
        match &self.rule {
            RuleRef::Duty(d) => d.layer.as_deref().unwrap_or("duty"),
            RuleRef::Tax(t) => &t.tax,
            RuleRef::LowValue(_) => match self.kind {
                ComponentKind::GlobalTax => "global rate",
                _ => "duty",
            },
            RuleRef::Fee(f) => &f.name,
        }
    }
    /// One-line explanation in English.
    pub fn explanation_en(&self) -> String {
        super::explain::english(self)
    }
    /// One-line explanation in Chinese.
    pub fn explanation_zh(&self) -> String {
        super::explain::chinese(self)
    }
}

impl Serialize for Component {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Component", 16)?;
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("label", self.label())?;
        s.serialize_field("amount", &self.amount)?;
        s.serialize_field("base", &self.base)?;
        s.serialize_field("rule_id", self.rule_id())?;
        s.serialize_field("source", self.source())?;
        s.serialize_field("effective_from", &self.effective_from())?;
        s.serialize_field("effective_to", &self.effective_to())?;
        s.serialize_field("uncertain", &self.uncertain())?;
        s.serialize_field(
            "regime_id",
            &self.regime.as_ref().map(|r| r.meta.id.as_str()),
        )?;
        s.serialize_field("collected_by", &self.collected_by)?;
        s.serialize_field("paid_by", &self.paid_by)?;
        s.serialize_field("explanation_en", &self.explanation_en())?;
        s.serialize_field("explanation_zh", &self.explanation_zh())?;
        let meta = self.rule.meta();
        s.serialize_field("note_en", &meta.note_en)?;
        s.serialize_field("note_zh", &meta.note_zh)?;
        s.end()
    }
}

/// Outcome of the low-value regimes for the consignment.
#[derive(Debug, Clone, Serialize)]
pub struct RegimeOutcome {
    /// Regime applied to duty (id), if any.
    pub duty_regime: Option<String>,
    /// Regime applied to tax (id), if any.
    pub tax_regime: Option<String>,
    /// "exempt", "collected_at_sale", "border", "global_rate", "flat_per_category" ...: one word for the UI.
    pub summary: &'static str,
    /// Who collects import tax.
    pub tax_collected_by: Option<Collector>,
}

/// The figures of one line.
#[derive(Debug, Clone, Serialize)]
pub struct LineQuote {
    /// Position of the line in the request (0-based).
    pub index: usize,
    /// HS code quoted.
    pub hs_code: String,
    /// Line price converted to the destination currency.
    pub value: Money,
    /// Share of freight and insurance apportioned to the line by value.
    pub freight_insurance_share: Money,
    /// Customs value (CIF: value + share; FOB: value).
    pub customs_value: Money,
    /// Duties, taxes and line fees.
    pub components: Vec<Component>,
    /// Sum of the components.
    pub total: Money,
    /// This line's share of the consignment-level figures (fees), apportioned by customs value with the rounding
    /// remainder on the last line; for a per-SKU landed cost.
    pub shipment_share: Money,
    /// value + freight/insurance share + total + shipment share: what the line costs landed.
    pub landed_cost: Money,
}

/// Totals of a quote in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Sum of customs values.
    pub customs_value: Money,
    /// All duties.
    pub duties: Money,
    /// All taxes.
    pub taxes: Money,
    /// All fees.
    pub fees: Money,
    /// duties + taxes + fees.
    pub total: Money,
    /// Part collected at the border.
    pub at_border: Money,
    /// Part collected at the sale.
    pub at_sale: Money,
    /// Part borne by the seller.
    pub paid_by_seller: Money,
    /// Part borne by the buyer.
    pub paid_by_buyer: Money,
    /// Goods + freight + insurance + all charges.
    pub landed_cost: Money,
}

/// A complete quote. Serialises with every field plus `totals_seller`.
#[derive(Debug, Clone)]
pub struct Quote {
    /// Pack id used.
    pub pack_id: Arc<str>,
    /// Pack version used.
    pub pack_version: Arc<str>,
    /// Date quoted.
    pub date: Date,
    /// Destination country.
    pub country: Country,
    /// Destination subdivision.
    pub subdivision: Option<Subdivision>,
    /// Market rule used (valuation, rounding, currency).
    pub market_rule_id: Arc<str>,
    /// Valuation basis applied.
    pub valuation: Valuation,
    /// How freight and insurance were apportioned, in words.
    pub apportionment: &'static str,
    /// Low-value regime outcome.
    pub regime: RegimeOutcome,
    /// Per-line figures.
    pub lines: Vec<LineQuote>,
    /// Consignment-level figures (fees per consignment).
    pub shipment: Vec<Component>,
    /// Totals in the destination currency.
    pub totals: Totals,
    /// The seller's currency.
    pub seller_currency: Currency,
    /// Rate from the destination currency to the seller's (`None` when they are the same); also in `fx_rates`.
    pub seller_rate: Option<FxRate>,
    /// Every FX rate used.
    pub fx_rates: Vec<FxRate>,
    /// Remarks for the user (registration duties, taxes not collected ...).
    pub notes: Vec<String>,
}

#[derive(Serialize)]
struct QuoteOut<'a> {
    pack_id: &'a str,
    pack_version: &'a str,
    date: Date,
    country: Country,
    subdivision: Option<Subdivision>,
    market_rule_id: &'a str,
    valuation: Valuation,
    apportionment: &'static str,
    regime: &'a RegimeOutcome,
    lines: &'a [LineQuote],
    shipment: &'a [Component],
    totals: &'a Totals,
    seller_currency: Currency,
    totals_seller: Totals,
    fx_rates: &'a [FxRate],
    notes: &'a [String],
}

impl Serialize for Quote {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        QuoteOut {
            pack_id: &self.pack_id,
            pack_version: &self.pack_version,
            date: self.date,
            country: self.country,
            subdivision: self.subdivision,
            market_rule_id: &self.market_rule_id,
            valuation: self.valuation,
            apportionment: self.apportionment,
            regime: &self.regime,
            lines: &self.lines,
            shipment: &self.shipment,
            totals: &self.totals,
            seller_currency: self.seller_currency,
            totals_seller: self.totals_seller(),
            fx_rates: &self.fx_rates,
            notes: &self.notes,
        }
        .serialize(serializer)
    }
}

impl Quote {
    /// The totals in the seller's currency: each figure converted with `seller_rate` and rounded half-up to the
    /// seller currency's minor unit on its own (so they may differ from a sum by a minor unit). Computed on
    /// demand; bulk pricing that needs only destination figures does not pay for it.
    pub fn totals_seller(&self) -> Totals {
        let Some(rate) = &self.seller_rate else {
            return self.totals.clone();
        };
        let to = self.seller_currency;
        let conv = |m: &Money| Money::new(m.amount() * rate.rate, to).round(RoundingMode::HalfUp);
        let t = &self.totals;
        Totals {
            customs_value: conv(&t.customs_value),
            duties: conv(&t.duties),
            taxes: conv(&t.taxes),
            fees: conv(&t.fees),
            total: conv(&t.total),
            at_border: conv(&t.at_border),
            at_sale: conv(&t.at_sale),
            paid_by_seller: conv(&t.paid_by_seller),
            paid_by_buyer: conv(&t.paid_by_buyer),
            landed_cost: conv(&t.landed_cost),
        }
    }

    /// Every component, lines first then shipment.
    pub fn components(&self) -> impl Iterator<Item = &Component> {
        self.lines
            .iter()
            .flat_map(|l| l.components.iter())
            .chain(self.shipment.iter())
    }
}

/// Why a quote could not be made. Never a silent zero.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum QuoteError {
    /// No lines.
    #[error("the request has no lines")]
    EmptyRequest,
    /// A line is not usable.
    #[error("line {line}: {message}")]
    InvalidLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The pack has no market rule for the destination on the date.
    #[error(
        "rule pack '{pack_id}' version {pack_version} does not cover destination {country} on {date}"
    )]
    DestinationNotCovered {
        /// Pack id.
        pack_id: String,
        /// Pack version.
        pack_version: String,
        /// Destination.
        country: String,
        /// Date.
        date: Date,
    },
    /// The destination's taxes depend on a province/state that was not given.
    #[error(
        "destination {country} needs a province or state (e.g. {example}): its taxes differ by subdivision"
    )]
    SubdivisionRequired {
        /// Destination.
        country: String,
        /// Example code.
        example: &'static str,
    },
    /// No duty rule covers the code.
    #[error(
        "line {line}: unknown HS code {hs_code}: no duty rule in force on {date} for territory {territory} (origin {origin}); the pack must hold a rule for this code or a prefix of it{hint}"
    )]
    UnknownHsCode {
        /// 1-based line number.
        line: usize,
        /// Code asked.
        hs_code: String,
        /// Tariff territory.
        territory: String,
        /// Origin.
        origin: String,
        /// Date.
        date: Date,
        /// Hint for the user: the tariff has rules for longer codes under this one.
        hint: &'static str,
    },
    /// No import tax rule for the destination.
    #[error(
        "line {line}: no {what} rule in force on {date} for {country}; the pack must hold a standard rate"
    )]
    NoTaxRule {
        /// 1-based line number.
        line: usize,
        /// Tax searched.
        what: String,
        /// Destination.
        country: String,
        /// Date.
        date: Date,
    },
    /// An exchange rate is missing.
    #[error(transparent)]
    Fx(#[from] FxError),
    /// Two rules equally specific for the same figure.
    #[error("{context}: rules {} are equally specific and both apply; the pack is ambiguous", rule_ids.join(", "))]
    AmbiguousRules {
        /// Where ("line 2 duty", "low-value regime for duty").
        context: String,
        /// Rules in conflict.
        rule_ids: Vec<String>,
    },
    /// A specific duty needs a measure the line lacks.
    #[error("line {line}: rule {rule_id} charges per {unit}, but the line gives no {unit}")]
    MissingMeasure {
        /// 1-based line number.
        line: usize,
        /// Rule.
        rule_id: String,
        /// Unit needed.
        unit: &'static str,
    },
    /// Arithmetic beyond the decimal range.
    #[error("amount too large to compute exactly")]
    Overflow,
}
