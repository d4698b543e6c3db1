//! Splitting a consolidation pool's cost (拼柜) between participants.
//!
//! Each participant's basis is its chargeable weight-or-measure (revenue tons: greater of m³ and
//! metric tons), or its volume, or its weight. The pool total is split in minor units: everyone
//! gets the floor of its exact share, and the minor units left over go one each to the largest
//! fractional remainders (ties: earlier participant first). So the shares always sum exactly to
//! the total and the split is the same every time for the same input.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Money, RoundingMode};

use crate::error::FreightError;
use crate::shipment::{Carton, Totals};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitMethod {
    #[default]
    WeightOrMeasure,
    VolumeOnly,
    WeightOnly,
}

impl SplitMethod {
    pub fn basis_of(self, totals: &Totals) -> Decimal {
        match self {
            SplitMethod::WeightOrMeasure => totals.weight_or_measure(),
            SplitMethod::VolumeOnly => totals.volume_cbm(),
            SplitMethod::WeightOnly => totals.weight_kg,
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            SplitMethod::WeightOrMeasure => "W/M",
            SplitMethod::VolumeOnly => "m³",
            SplitMethod::WeightOnly => "kg",
        }
    }
}

/// An organisation (or one seller's shipment) with cartons in the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: String,
    pub cartons: Vec<Carton>,
    /// Its cheapest quote shipping alone (from [`crate::compare`]), in the pool currency.
    pub solo_best: Option<Money>,
}

/// What one participant is shown: only its own cartons, basis, share and saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantView {
    pub participant_id: String,
    pub cartons: Vec<Carton>,
    pub method: SplitMethod,
    pub basis: Decimal,
    pub basis_unit: String,
    /// Its fraction of the pool basis, e.g. 0.25.
    pub fraction: Decimal,
    pub share: Money,
    pub solo_best: Option<Money>,
    /// Solo cheapest minus share; negative when pooling costs it more.
    pub saving: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSplit {
    pub total: Money,
    pub method: SplitMethod,
    views: Vec<ParticipantView>,
}

impl PoolSplit {
    /// The view for one participant; nobody else's cartons or shares are in it.
    pub fn view_for(&self, participant_id: &str) -> Option<&ParticipantView> {
        self.views
            .iter()
            .find(|v| v.participant_id == participant_id)
    }

    /// All shares in participant order (for the pool organiser).
    pub fn shares(&self) -> impl Iterator<Item = (&str, Money)> {
        self.views
            .iter()
            .map(|v| (v.participant_id.as_str(), v.share))
    }
}

/// Splits `total` in proportion to `weights` by the largest-remainder rule, in minor units.
pub fn largest_remainder(total_minor: i64, weights: &[Decimal]) -> Result<Vec<i64>, FreightError> {
    if weights.iter().any(|w| *w < Decimal::ZERO) {
        return Err(FreightError::Split("a negative basis".into()));
    }
    let sum: Decimal = weights.iter().copied().sum();
    if sum <= Decimal::ZERO {
        return Err(FreightError::Split(
            "the participants' basis sums to zero; nothing to split by".into(),
        ));
    }
    let total = Decimal::from(total_minor);
    let mut floors = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = total
            .checked_mul(*w)
            .ok_or(FreightError::Overflow)?
            .checked_div(sum)
            .ok_or(FreightError::Overflow)?;
        let floor = exact.floor();
        floors.push(i64::try_from(floor).map_err(|_| FreightError::Overflow)?);
        remainders.push((exact - floor, i));
    }
    let mut left = total_minor - floors.iter().sum::<i64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    // Rounding in the division can leave `left` a unit off the count of participants; cycle.
    let n = remainders.len();
    let mut k = 0;
    while left > 0 {
        floors[remainders[k % n].1] += 1;
        left -= 1;
        k += 1;
    }
    while left < 0 {
        floors[remainders[n - 1 - (k % n)].1] -= 1;
        left += 1;
        k += 1;
    }
    Ok(floors)
}

/// Splits the pool's total cost between participants by `method`.
pub fn split_pool(
    total: Money,
    participants: &[Participant],
    method: SplitMethod,
) -> Result<PoolSplit, FreightError> {
    if total.is_negative() {
        return Err(FreightError::Split(format!(
            "pool total {total} is negative"
        )));
    }
    if participants.is_empty() {
        return Err(FreightError::Split("the pool has no participants".into()));
    }
    let currency = total.currency();
    let bases: Vec<Decimal> = participants
        .iter()
        .map(|p| method.basis_of(&Totals::of(&p.cartons)))
        .collect();
    let minor = total.to_minor_units(RoundingMode::HalfUp)?;
    let shares = largest_remainder(minor, &bases)?;
    let sum: Decimal = bases.iter().copied().sum();
    let mut views = Vec::with_capacity(participants.len());
    for ((p, basis), share_minor) in participants.iter().zip(&bases).zip(shares) {
        let share = Money::from_minor_units(share_minor, currency);
        let saving = match p.solo_best {
            Some(solo) => Some(solo.checked_sub(&share)?),
            None => None,
        };
        views.push(ParticipantView {
            participant_id: p.id.clone(),
            cartons: p.cartons.clone(),
            method,
            basis: *basis,
            basis_unit: method.unit().to_string(),
            fraction: (*basis / sum).round_dp(6),
            share,
            solo_best: p.solo_best,
            saving,
        });
    }
    Ok(PoolSplit {
        total: total.round(RoundingMode::HalfUp),
        method,
        views,
    })
}
