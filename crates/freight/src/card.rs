//! Forwarder rate cards and how one card prices one shipment.
//!
//! Pricing rules (each is stated on the quote's breakdown):
//! * Chargeable quantity by basis: per kg = greater of actual and volumetric weight (cm³ ÷ divisor;
//!   express 5000, air 6000, FACTS.md §7), rounded up to the card's step (0.5 kg for air and
//!   express by default); per cbm = revenue tons W/M, greater of m³ and metric tons; per container =
//!   containers needed by loadable volume and payload (FACTS.md §7 practical figures).
//! * Weight breaks with the break-point rule (as in IATA air cargo practice): the charge is the
//!   lower of quantity × rate of its band and, for every higher break, break minimum × that rate.
//!   So more weight never costs less within a card.
//! * Minimum charge applies to the base freight; surcharges are added on top.
//! * Every line is rounded half-up to the card currency's minor units; the total is their sum.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Currency, Money, RoundingMode};

use crate::lane::Lane;
use crate::mode::{Basis, Mode};
use crate::shipment::{Shipment, Totals};

/// A rate applying from `min_qty` chargeable units upwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Break {
    pub min_qty: Decimal,
    pub rate: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurchargeKind {
    Fuel,
    PeakSeason,
    RemoteArea,
    Battery,
    CustomsClearance,
    Other,
}

impl SurchargeKind {
    pub fn label(self) -> &'static str {
        match self {
            SurchargeKind::Fuel => "fuel surcharge",
            SurchargeKind::PeakSeason => "peak season surcharge",
            SurchargeKind::RemoteArea => "remote area surcharge",
            SurchargeKind::Battery => "battery surcharge",
            SurchargeKind::CustomsClearance => "customs clearance",
            SurchargeKind::Other => "other surcharge",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "per", content = "value")]
pub enum SurchargeAmount {
    /// Percent of the base freight (after the minimum charge), e.g. 18.5 for 18.5 %.
    PercentOfBase(Decimal),
    PerShipment(Decimal),
    /// Per chargeable unit of the card's basis (kg, W/M or container).
    PerChargeableUnit(Decimal),
    /// Per kilogram of actual gross weight.
    PerActualKg(Decimal),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Surcharge {
    pub kind: SurchargeKind,
    pub amount: SurchargeAmount,
    /// Ship dates (inclusive) the surcharge applies to; always when `None`.
    pub window: Option<(Date, Date)>,
}

/// One forwarder's price for one lane and mode, valid between two dates (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateCard {
    pub id: String,
    pub forwarder: String,
    pub lane: Lane,
    pub mode: Mode,
    pub currency: Currency,
    pub basis: Basis,
    /// Sorted by `min_qty`, the first at 0.
    pub breaks: Vec<Break>,
    pub min_charge: Decimal,
    /// cm³ per kg for volumetric weight; the mode's default when `None`.
    pub divisor: Option<Decimal>,
    /// Chargeable kilograms are rounded up to a multiple of this (0.5 kg in air and express).
    pub rounding_step: Option<Decimal>,
    /// Container type for per-container cards (20GP, 40GP, 40HQ, 45HQ).
    pub container: Option<String>,
    pub accepts_battery: bool,
    pub surcharges: Vec<Surcharge>,
    pub valid_from: Date,
    pub valid_to: Date,
    pub transit_days: (u32, u32),
    /// Where the card came from (file and row), shown on every quote.
    pub source: String,
}

/// Practical loadable m³ and typical payload kg per container (FACTS.md §7).
pub fn container_capacity(code: &str) -> Option<(Decimal, Decimal)> {
    let (cbm, kg) = match code.trim().to_uppercase().as_str() {
        "20GP" | "20DV" | "20'" => (28, 28_200),
        "40GP" | "40DV" | "40'" => (58, 26_700),
        "40HQ" | "40HC" => (68, 26_500),
        "45HQ" | "45HC" => (76, 27_700),
        _ => return None,
    };
    Some((Decimal::from(cbm), Decimal::from(kg)))
}

/// Why a card gives no quote for a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum NotQuoted {
    Expired { valid_to: Date },
    NotYetValid { valid_from: Date },
    OtherLane { lane: String },
    BatteryRefused,
    NoFxRate { from: Currency, to: Currency },
    UnknownContainer { container: String },
    Overflow,
}

impl NotQuoted {
    pub fn describe(&self) -> String {
        match self {
            NotQuoted::Expired { valid_to } => format!("expired on {valid_to}"),
            NotQuoted::NotYetValid { valid_from } => format!("valid only from {valid_from}"),
            NotQuoted::OtherLane { lane } => format!("priced for lane {lane}"),
            NotQuoted::BatteryRefused => "does not carry cartons with batteries".into(),
            NotQuoted::NoFxRate { from, to } => format!("no exchange rate {from}→{to} given"),
            NotQuoted::UnknownContainer { container } => {
                format!("unknown container type {container:?}")
            }
            NotQuoted::Overflow => "amounts too large to compute".into(),
        }
    }
}

/// One line of a quote's breakdown, in the card currency, rounded to minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeLine {
    pub label: String,
    pub amount: Money,
    /// How the amount was computed, e.g. "138.5 kg × 32.00 (break 100 kg)".
    pub explain: String,
}

/// A card's price for a shipment in the card's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priced {
    pub chargeable_qty: Decimal,
    pub chargeable_unit: String,
    /// How the chargeable quantity was found.
    pub chargeable_explain: String,
    pub lines: Vec<ChargeLine>,
    pub total: Money,
}

const ROUND: RoundingMode = RoundingMode::HalfUp;

impl RateCard {
    /// Whether the card may be quoted for a ship date (validity is inclusive at both ends).
    pub fn validity(&self, date: Date) -> Result<(), NotQuoted> {
        if date > self.valid_to {
            Err(NotQuoted::Expired {
                valid_to: self.valid_to,
            })
        } else if date < self.valid_from {
            Err(NotQuoted::NotYetValid {
                valid_from: self.valid_from,
            })
        } else {
            Ok(())
        }
    }

    fn divisor(&self) -> Option<Decimal> {
        self.divisor
            .or_else(|| self.mode.default_divisor())
            .filter(|d| *d > Decimal::ZERO)
    }

    fn step(&self) -> Option<Decimal> {
        self.rounding_step
            .or(match self.mode {
                Mode::Air | Mode::Express => Some(Decimal::new(5, 1)),
                _ => None,
            })
            .filter(|s| *s > Decimal::ZERO)
    }

    /// Chargeable quantity in the card's basis, with how it was found.
    pub fn chargeable(&self, totals: &Totals) -> Result<(Decimal, String), NotQuoted> {
        match self.basis {
            Basis::PerKg => {
                let actual = totals.weight_kg;
                let (raw, explain) = match self.divisor() {
                    Some(divisor) => {
                        let volumetric = totals
                            .volume_cm3
                            .checked_div(divisor)
                            .ok_or(NotQuoted::Overflow)?;
                        let shown = volumetric.round_dp(2);
                        (
                            actual.max(volumetric),
                            format!(
                                "greater of actual {actual} kg and volumetric {shown} kg \
                                 ({} cm³ ÷ {divisor})",
                                totals.volume_cm3.normalize()
                            ),
                        )
                    }
                    None => (actual, format!("actual {actual} kg")),
                };
                match self.step() {
                    Some(step) => {
                        let up = (raw / step).ceil() * step;
                        Ok((
                            up.normalize(),
                            format!("{explain}, rounded up to {step} kg"),
                        ))
                    }
                    None => Ok((raw.normalize(), explain)),
                }
            }
            Basis::PerCbm => {
                let cbm = totals.volume_cbm();
                let tons = totals.weight_kg / Decimal::from(1000);
                Ok((
                    cbm.max(tons).normalize(),
                    format!(
                        "W/M: greater of {} m³ and {} t (1 m³ = 1000 kg)",
                        cbm.round_dp(3).normalize(),
                        tons.round_dp(3).normalize()
                    ),
                ))
            }
            Basis::PerContainer => {
                let code = self.container.clone().unwrap_or_else(|| "40HQ".into());
                let (cbm_cap, kg_cap) =
                    container_capacity(&code).ok_or(NotQuoted::UnknownContainer {
                        container: code.clone(),
                    })?;
                let by_volume = (totals.volume_cbm() / cbm_cap).ceil();
                let by_weight = (totals.weight_kg / kg_cap).ceil();
                let n = by_volume.max(by_weight).max(Decimal::ONE);
                Ok((
                    n,
                    format!(
                        "{n} × {code} (loadable {cbm_cap} m³, payload {kg_cap} kg per container)"
                    ),
                ))
            }
        }
    }

    /// Base freight for a chargeable quantity by the break-point rule, before the minimum charge.
    pub fn base_for(&self, qty: Decimal) -> Option<(Decimal, String)> {
        let band = self.breaks.iter().rev().find(|b| b.min_qty <= qty)?;
        let mut best = (
            qty.checked_mul(band.rate)?,
            format!(
                "{} {} × {} (break {})",
                qty,
                self.basis.unit(),
                band.rate,
                band.min_qty
            ),
        );
        for higher in self.breaks.iter().filter(|b| b.min_qty > qty) {
            let charge = higher.min_qty.checked_mul(higher.rate)?;
            if charge < best.0 {
                best = (
                    charge,
                    format!(
                        "{} {} × {} (break-point: charged as the {} break)",
                        higher.min_qty,
                        self.basis.unit(),
                        higher.rate,
                        higher.min_qty
                    ),
                );
            }
        }
        Some(best)
    }

    /// Prices a shipment on this card (lane and validity are checked by the caller, see
    /// [`crate::compare`]; battery acceptance is checked here).
    pub fn price(&self, shipment: &Shipment, totals: &Totals) -> Result<Priced, NotQuoted> {
        if totals.battery && !self.accepts_battery {
            return Err(NotQuoted::BatteryRefused);
        }
        let (qty, chargeable_explain) = self.chargeable(totals)?;
        let (mut base, mut base_explain) = self.base_for(qty).ok_or(NotQuoted::Overflow)?;
        if base < self.min_charge {
            base_explain = format!("minimum charge {} (computed {})", self.min_charge, base);
            base = self.min_charge;
        }
        let money = |amount: Decimal| Money::new(amount, self.currency).round(ROUND);
        let base_money = money(base);
        let mut lines = vec![ChargeLine {
            label: "base freight".into(),
            amount: base_money,
            explain: base_explain,
        }];
        for s in &self.surcharges {
            if let Some((from, to)) = s.window
                && (shipment.ship_date < from || shipment.ship_date > to)
            {
                continue;
            }
            let applies = match s.kind {
                SurchargeKind::Battery => totals.battery,
                SurchargeKind::RemoteArea => shipment.remote_area,
                _ => true,
            };
            if !applies {
                continue;
            }
            let (amount, explain) = match s.amount {
                SurchargeAmount::PercentOfBase(pct) => (
                    base.checked_mul(pct).ok_or(NotQuoted::Overflow)? / Decimal::ONE_HUNDRED,
                    format!("{pct} % of base freight {base_money}"),
                ),
                SurchargeAmount::PerShipment(v) => (v, "per shipment".to_string()),
                SurchargeAmount::PerChargeableUnit(v) => (
                    qty.checked_mul(v).ok_or(NotQuoted::Overflow)?,
                    format!("{qty} {} × {v}", self.basis.unit()),
                ),
                SurchargeAmount::PerActualKg(v) => (
                    totals.weight_kg.checked_mul(v).ok_or(NotQuoted::Overflow)?,
                    format!("{} kg × {v}", totals.weight_kg),
                ),
            };
            let explain = match s.window {
                Some((from, to)) => format!("{explain}; ship dates {from} to {to}"),
                None => explain,
            };
            lines.push(ChargeLine {
                label: s.kind.label().into(),
                amount: money(amount),
                explain,
            });
        }
        let total = Money::sum(lines.iter().map(|l| l.amount), self.currency)
            .map_err(|_| NotQuoted::Overflow)?;
        Ok(Priced {
            chargeable_qty: qty,
            chargeable_unit: self.basis.unit().to_string(),
            chargeable_explain,
            lines,
            total,
        })
    }
}
