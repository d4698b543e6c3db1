//! Consolidation pools (拼柜): several participants' cartons on one lane and cut-off date, assigned to
//! containers (sea 20GP/40GP/40HQ/45HQ, air ULDs, trucks) at the lowest total price found, then each
//! container's price split between the participants in it.
//!
//! How the plan is found (each step is recorded on the container it decided, see [`ContainerWhy`]):
//! 1. Participants whose deadline is before the cut-off are left out and reported; cartons no
//!    profile can take (too large in every allowed orientation, heavier than every payload,
//!    dangerous goods no profile accepts) are reported with that reason.
//! 2. Greedy fill: for the cartons still to ship, every allowed profile is loaded by the 3D planner
//!    (`tradelane-loadplan`, so support, this-side-up, stacking and load-on-top rules hold); the
//!    profile with the lowest price per loaded W/M unit is taken, unless a profile that holds all the
//!    rest costs no more than that one plus the cheapest further container.
//! 3. Improvement: two containers whose cartons fit together in one cheaper container are merged;
//!    each container is moved to the cheapest profile its cartons still fit.
//! 4. Dangerous goods (the battery/DG flag) travel in their own containers, unless a profile allows
//!    mixing (`dg_mixing`); when one does, both ways are planned and the cheaper kept.
//! 5. Each container's price is split between the participants in it with [`split_pool`] (weight or
//!    measure by default); a participant's share is the sum over its containers, so the shares add
//!    up exactly to the pool total. Each participant's saving is its cheapest solo quote
//!    ([`compare`] over the pool's rate cards, or a quote it gave) minus its share.
//!
//! Deterministic: no clock. Every fit check runs the 3D planner for at most
//! [`PoolSettings::fit_iterations`] candidate plans with a fixed seed; the injected `should_stop`
//! only shortens the work (after it answers `true`, one profile per container and no improvement
//! pass), so a plan that never stopped early is the same on every machine.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Currency, Money, RoundingMode};
use tradelane_loadplan as lp;

use crate::card::RateCard;
use crate::cartons::CartonLine;
use crate::compare::{FxTable, compare};
use crate::error::FreightError;
use crate::lane::Lane;
use crate::mode::{Basis, Mode};
use crate::shipment::{Carton, Shipment, Totals};
use crate::split::{Participant, SplitMethod, split_pool};

/// Cartons in one pool; keeps every plan well within a request's time.
pub const MAX_POOL_CARTONS: u64 = 20_000;
/// Container profiles offered to one pool.
pub const MAX_PROFILES: usize = 24;

/// A load space the pool may book: inner size, payload and price per unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerProfile {
    /// 20GP, 40GP, 40HQ, 45HQ, LD3, PMC, TRUCK or a name of the caller's.
    pub code: String,
    pub mode: Mode,
    /// Inner length, width, height in millimetres.
    pub inner_mm: [i64; 3],
    pub payload_kg: Decimal,
    /// Price of one unit of this profile on the lane.
    pub price: Money,
    /// May carry dangerous goods (battery cartons) at all.
    #[serde(default = "yes")]
    pub accepts_dg: bool,
    /// Dangerous goods may share this profile with other cartons (otherwise they travel alone).
    #[serde(default)]
    pub dg_mixing: bool,
    /// Where the price comes from ("given", or a rate card).
    #[serde(default)]
    pub source: String,
}

fn yes() -> bool {
    true
}

impl ContainerProfile {
    /// A standard load space by code (see `tradelane_loadplan::presets::by_code`) at `price`.
    pub fn preset(code: &str, price: Money) -> Option<ContainerProfile> {
        let c = lp::presets::by_code(code)?;
        let mode = match c.name.as_str() {
            "LD3" | "PMC-LD" => Mode::Air,
            "TRUCK-13.6" => Mode::Truck,
            _ => Mode::SeaFcl,
        };
        Some(ContainerProfile {
            code: c.name.clone(),
            mode,
            inner_mm: c.dims,
            payload_kg: Decimal::from(c.payload_g.unwrap_or(0) / 1000),
            price,
            accepts_dg: true,
            dg_mixing: false,
            source: "given".into(),
        })
    }
}

/// Container profiles priced by per-container (FCL) rate cards valid on `date` for `lane`: the
/// cheapest card per container type, its price for one container including surcharges.
pub fn fcl_profiles(
    cards: &[RateCard],
    lane: &Lane,
    date: Date,
    currency: Currency,
    fx: &FxTable,
) -> Vec<ContainerProfile> {
    let mut best: BTreeMap<String, ContainerProfile> = BTreeMap::new();
    // One tiny carton: the card charges its minimum of one container, with its per-container
    // and per-shipment surcharges.
    let Ok(probe) = Carton::new(
        "probe",
        [Decimal::ONE, Decimal::ONE, Decimal::ONE],
        Decimal::ZERO,
        1,
    ) else {
        return Vec::new();
    };
    let shipment = Shipment::new(vec![probe], date);
    for card in cards
        .iter()
        .filter(|c| c.mode == Mode::SeaFcl && c.basis == Basis::PerContainer)
    {
        let code = card.container.clone().unwrap_or_else(|| "40HQ".into());
        let cmp = compare(&shipment, lane, std::slice::from_ref(card), currency, fx);
        let Some(q) = cmp.cheapest() else { continue };
        let Some(mut profile) = ContainerProfile::preset(&code, q.total) else {
            continue;
        };
        profile.source = format!("{} {}", card.forwarder, card.id);
        profile.accepts_dg = card.accepts_battery;
        let keep = best
            .get(&profile.code)
            .is_none_or(|b| q.total.amount() < b.price.amount());
        if keep {
            best.insert(profile.code.clone(), profile);
        }
    }
    best.into_values().collect()
}

/// One organisation (or one shipment of a seller) with cartons in the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolParticipant {
    pub id: String,
    pub name: String,
    /// The latest date its goods must leave; before the pool's cut-off means it cannot wait.
    #[serde(default)]
    pub deadline: Option<Date>,
    pub cartons: Vec<CartonLine>,
    /// A solo quote the participant has itself (its own forwarder), in any currency the pool
    /// can convert; compared with the pool's rate cards, the cheaper counts.
    #[serde(default)]
    pub solo_quote: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolInput {
    pub lane: Lane,
    pub cut_off: Date,
    pub currency: Currency,
    #[serde(default)]
    pub method: SplitMethod,
    /// Load spaces with a price; per-container cards in `cards` add profiles for codes not here.
    pub profiles: Vec<ContainerProfile>,
    pub participants: Vec<PoolParticipant>,
    /// Rate cards for the lane: solo quotes for every participant, and FCL container prices.
    #[serde(default)]
    pub cards: Vec<RateCard>,
    #[serde(default)]
    pub fx: FxTable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSettings {
    /// Candidate plans the 3D planner builds per fit check (1 = its greedy plan only).
    pub fit_iterations: u64,
    pub seed: u64,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            fit_iterations: 4,
            seed: 0x706f_6f6c,
        }
    }
}

/// Why a container has the profile it has; in the order the decisions were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum ContainerWhy {
    /// It holds all the cartons still to ship, at the lowest price of the profiles that do.
    CheapestForTheRest { cartons: u64 },
    /// Lowest price per loaded W/M unit among the profiles tried for the cartons still to ship.
    LowestCostPerWm { cost_per_wm: Money, cartons: u64 },
    /// The cartons of containers `from` fit together in this one, which costs `saving` less.
    Merged { from: Vec<u32>, saving: Money },
    /// Its cartons fit a cheaper profile; `saving` against `from`.
    Downsized { from: String, saving: Money },
    /// The time budget ran out: filled without comparing profiles.
    BudgetFallback,
}

impl ContainerWhy {
    pub fn describe(&self) -> String {
        match self {
            ContainerWhy::CheapestForTheRest { cartons } => {
                format!("cheapest profile that holds all {cartons} cartons still to ship")
            }
            ContainerWhy::LowestCostPerWm {
                cost_per_wm,
                cartons,
            } => format!(
                "lowest price per loaded W/M ({cost_per_wm} per W/M) for the {cartons} cartons still to ship"
            ),
            ContainerWhy::Merged { from, saving } => format!(
                "merged containers {} into one, {saving} less",
                from.iter()
                    .map(|n| format!("#{n}"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            ContainerWhy::Downsized { from, saving } => {
                format!("its cartons fit a cheaper profile than {from}, {saving} less")
            }
            ContainerWhy::BudgetFallback => {
                "time budget used up: filled without comparing profiles".into()
            }
        }
    }
}

/// Dangerous goods in a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DgLoad {
    None,
    /// Only dangerous-goods cartons.
    Only,
    /// Mixed with other cartons (the profile allows it).
    Mixed,
}

/// Cartons of one line of one participant in one container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerLoad {
    pub participant_id: String,
    pub carton_id: String,
    pub count: u32,
    pub volume_m3: Decimal,
    pub weight_kg: Decimal,
    pub dg: bool,
}

/// One participant's part of one container's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerShare {
    pub participant_id: String,
    pub cartons: u64,
    pub basis: Decimal,
    pub share: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedContainer {
    /// 1-based.
    pub number: u32,
    pub profile: String,
    pub mode: Mode,
    pub price: Money,
    pub price_source: String,
    pub dg: DgLoad,
    pub why: Vec<ContainerWhy>,
    pub cartons: u64,
    pub volume_m3: Decimal,
    pub weight_kg: Decimal,
    pub capacity_m3: Decimal,
    pub payload_kg: Decimal,
    /// Loaded volume over inner volume, percent, one decimal.
    pub volume_utilisation_pct: Decimal,
    /// Loaded weight over payload, percent, one decimal.
    pub weight_utilisation_pct: Decimal,
    pub loads: Vec<ContainerLoad>,
    pub shares: Vec<ContainerShare>,
}

/// Why cartons were not planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum UnplacedWhy {
    /// The participant's goods must leave before the pool closes.
    DeadlineBeforeCutOff {
        deadline: Date,
        cut_off: Date,
    },
    LargerThanEveryContainer,
    HeavierThanEveryPayload,
    /// Dangerous goods, and no profile of the pool accepts them.
    DangerousGoodsNotAccepted,
    /// The 3D planner found no position for them in any container (stacking or orientation rules).
    NoFit,
    /// The pool has no container profile.
    NoContainerProfiles,
}

impl UnplacedWhy {
    pub fn code(&self) -> &'static str {
        match self {
            UnplacedWhy::DeadlineBeforeCutOff { .. } => "deadline_before_cut_off",
            UnplacedWhy::LargerThanEveryContainer => "larger_than_every_container",
            UnplacedWhy::HeavierThanEveryPayload => "heavier_than_every_payload",
            UnplacedWhy::DangerousGoodsNotAccepted => "dangerous_goods_not_accepted",
            UnplacedWhy::NoFit => "no_fit",
            UnplacedWhy::NoContainerProfiles => "no_container_profiles",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            UnplacedWhy::DeadlineBeforeCutOff { deadline, cut_off } => {
                format!("deadline {deadline} is before the pool cut-off {cut_off}")
            }
            UnplacedWhy::LargerThanEveryContainer => {
                "larger than every container of the pool in every allowed orientation".into()
            }
            UnplacedWhy::HeavierThanEveryPayload => {
                "heavier than the payload of every container of the pool".into()
            }
            UnplacedWhy::DangerousGoodsNotAccepted => {
                "dangerous goods (battery), and no container of the pool accepts them".into()
            }
            UnplacedWhy::NoFit => {
                "no supported position found in any container (stacking, orientation)".into()
            }
            UnplacedWhy::NoContainerProfiles => "the pool has no container profile".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnplacedCartons {
    pub participant_id: String,
    pub carton_id: String,
    pub count: u32,
    pub reason: UnplacedWhy,
}

/// One participant's result: what it ships, what it pays, what it saves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantOutcome {
    pub participant_id: String,
    pub name: String,
    /// False when its deadline is before the cut-off (all its cartons are then unplaced).
    pub included: bool,
    pub cartons_placed: u64,
    pub cartons_unplaced: u64,
    pub volume_m3: Decimal,
    pub weight_kg: Decimal,
    pub basis: Decimal,
    pub basis_unit: String,
    /// Its share of the pool total, e.g. 0.25.
    pub fraction: Decimal,
    pub share: Money,
    /// Cheapest way to ship its placed cartons alone.
    pub solo_best: Option<Money>,
    /// Which card (or "own quote") gave `solo_best`.
    pub solo_source: Option<String>,
    /// Solo minus share; negative when pooling costs it more.
    pub saving: Option<Money>,
    /// Numbers of the containers its cartons are in.
    pub containers: Vec<u32>,
}

/// Facts about the plan as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "note")]
pub enum PoolNote {
    /// Dangerous goods in their own containers; `mixed_total` is what mixing would have cost.
    DgSegregated {
        total: Money,
        mixed_total: Option<Money>,
    },
    /// Dangerous goods mixed in profiles that allow it, cheaper than segregating.
    DgMixed {
        total: Money,
        segregated_total: Money,
    },
    /// The split method's basis was zero in a container (e.g. weight-only and weightless
    /// cartons): that container was split by volume.
    SplitByVolume { container: u32 },
    /// The time budget ran out before the plan could be improved.
    StoppedEarly,
}

impl PoolNote {
    pub fn describe(&self) -> String {
        match self {
            PoolNote::DgSegregated {
                total,
                mixed_total: Some(m),
            } => format!(
                "dangerous goods travel in their own containers: {total} in all, mixing would cost {m}"
            ),
            PoolNote::DgSegregated {
                total,
                mixed_total: None,
            } => format!(
                "dangerous goods travel in their own containers ({total} in all); no profile allows mixing"
            ),
            PoolNote::DgMixed {
                total,
                segregated_total,
            } => format!(
                "dangerous goods share containers that allow it: {total} in all, segregating would cost {segregated_total}"
            ),
            PoolNote::SplitByVolume { container } => format!(
                "container #{container}: nothing to split by with the chosen method, split by volume"
            ),
            PoolNote::StoppedEarly => {
                "time budget used up: the plan was not improved further".into()
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolStats {
    /// Runs of the 3D planner.
    pub fit_checks: u64,
    pub stopped_early: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolPlan {
    pub lane: String,
    pub cut_off: Date,
    pub currency: Currency,
    pub method: SplitMethod,
    pub containers: Vec<PlannedContainer>,
    /// Sum of the container prices.
    pub total: Money,
    pub participants: Vec<ParticipantOutcome>,
    pub unplaced: Vec<UnplacedCartons>,
    pub notes: Vec<PoolNote>,
    pub stats: PoolStats,
}

impl PoolPlan {
    /// What `viewer` may see. Everyone keeps the container figures (profile, price, utilisation)
    /// and its own carton lines, shares and saving; nobody sees another participant's carton
    /// lines. The organiser (`organiser = true`) also sees every participant's aggregate line
    /// (cartons, volume, weight, basis, share) without their solo quote or saving, and each
    /// container's shares; others see only their own entries.
    pub fn view_for(&self, viewer: &str, organiser: bool) -> PoolPlan {
        let mut plan = self.clone();
        for c in &mut plan.containers {
            c.loads.retain(|l| l.participant_id == viewer);
            if !organiser {
                c.shares.retain(|s| s.participant_id == viewer);
            }
        }
        plan.unplaced.retain(|u| u.participant_id == viewer);
        if organiser {
            for p in &mut plan.participants {
                if p.participant_id != viewer {
                    p.solo_best = None;
                    p.solo_source = None;
                    p.saving = None;
                }
            }
        } else {
            plan.participants.retain(|p| p.participant_id == viewer);
        }
        plan
    }

    pub fn placed_cartons(&self) -> u64 {
        self.containers.iter().map(|c| c.cartons).sum()
    }
}

/// Plans a pool. `should_stop` is the injected time budget (see the module notes).
pub fn plan_pool(
    input: &PoolInput,
    settings: &PoolSettings,
    should_stop: &dyn Fn() -> bool,
) -> Result<PoolPlan, FreightError> {
    let profiles = collect_profiles(input)?;
    let items = collect_items(input)?;
    let mut engine = Engine {
        profiles: &profiles,
        items: &items,
        settings,
        currency: input.currency,
        should_stop,
        stopped: false,
        fit_checks: 0,
        cache: BTreeMap::new(),
    };

    let mut unplaced: Vec<(usize, u32, UnplacedWhy)> = Vec::new();
    let mut counts = vec![0u32; items.len()];
    for (i, it) in items.iter().enumerate() {
        match engine.static_reason(it, input) {
            Some(reason) => unplaced.push((i, it.qty, reason)),
            None => counts[i] = it.qty,
        }
    }

    let mut notes = Vec::new();
    let all: Vec<usize> = (0..profiles.len()).collect();
    let dg_ok: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&p| profiles[p].accepts_dg)
        .collect();
    let mixing: Vec<usize> = dg_ok
        .iter()
        .copied()
        .filter(|&p| profiles[p].dg_mixing)
        .collect();
    let has_dg = counts.iter().zip(&items).any(|(n, it)| *n > 0 && it.dg);

    let (bins, left) = if !has_dg {
        engine.pack(counts, &all)
    } else {
        let general: Vec<u32> = counts
            .iter()
            .zip(&items)
            .map(|(n, it)| if it.dg { 0 } else { *n })
            .collect();
        let dg: Vec<u32> = counts
            .iter()
            .zip(&items)
            .map(|(n, it)| if it.dg { *n } else { 0 })
            .collect();
        let (mut seg_bins, mut seg_left) = engine.pack(general, &all);
        let (dg_bins, dg_left) = engine.pack(dg, &dg_ok);
        seg_bins.extend(dg_bins);
        for (a, b) in seg_left.iter_mut().zip(dg_left) {
            *a += b;
        }
        let seg_total = engine.total(&seg_bins);
        if mixing.is_empty() {
            notes.push(PoolNote::DgSegregated {
                total: money(seg_total, input.currency),
                mixed_total: None,
            });
            (seg_bins, seg_left)
        } else {
            let (mix_bins, mix_left) = engine.pack(counts, &mixing);
            let mix_total = engine.total(&mix_bins);
            let seg_unplaced: u32 = seg_left.iter().sum();
            let mix_unplaced: u32 = mix_left.iter().sum();
            if (mix_unplaced, mix_total) < (seg_unplaced, seg_total) {
                notes.push(PoolNote::DgMixed {
                    total: money(mix_total, input.currency),
                    segregated_total: money(seg_total, input.currency),
                });
                (mix_bins, mix_left)
            } else {
                notes.push(PoolNote::DgSegregated {
                    total: money(seg_total, input.currency),
                    mixed_total: Some(money(mix_total, input.currency)),
                });
                (seg_bins, seg_left)
            }
        }
    };
    for (i, n) in left.into_iter().enumerate() {
        if n > 0 {
            unplaced.push((i, n, UnplacedWhy::NoFit));
        }
    }
    if engine.stopped {
        notes.push(PoolNote::StoppedEarly);
    }
    let stats = PoolStats {
        fit_checks: engine.fit_checks,
        stopped_early: engine.stopped,
    };
    assemble(input, &profiles, &items, bins, unplaced, notes, stats)
}

/// One carton line of one participant, in planner units.
struct Item {
    participant: usize,
    line: usize,
    dims: [i64; 3],
    weight_g: u64,
    qty: u32,
    dg: bool,
    this_side_up: bool,
    stackable: bool,
    max_load_g: Option<u64>,
    /// W/M of one carton, the value a container gets for loading it.
    wm: Decimal,
    volume_mm3: i64,
}

/// A profile ready for the planner, price in the pool currency.
struct Prof {
    container: lp::Container,
    price: Decimal,
    accepts_dg: bool,
    dg_mixing: bool,
    source: String,
    mode: Mode,
    payload_kg: Decimal,
}

struct Bin {
    profile: usize,
    counts: Vec<u32>,
    why: Vec<ContainerWhy>,
}

fn money(amount: Decimal, currency: Currency) -> Money {
    Money::new(amount, currency).round(RoundingMode::HalfUp)
}

fn collect_profiles(input: &PoolInput) -> Result<Vec<Prof>, FreightError> {
    let mut profiles: Vec<ContainerProfile> = input.profiles.clone();
    for p in fcl_profiles(
        &input.cards,
        &input.lane,
        input.cut_off,
        input.currency,
        &input.fx,
    ) {
        if !profiles.iter().any(|q| q.code == p.code) {
            profiles.push(p);
        }
    }
    if profiles.len() > MAX_PROFILES {
        return Err(FreightError::Pool(format!(
            "{} container profiles; at most {MAX_PROFILES}",
            profiles.len()
        )));
    }
    let mut out = Vec::with_capacity(profiles.len());
    for p in profiles {
        let bad = |what: String| FreightError::Pool(format!("container {}: {what}", p.code));
        if p.inner_mm.iter().any(|d| *d <= 0 || *d > 100_000) {
            return Err(bad(format!(
                "inner size {:?} mm; expected each from 1 to 100000 mm",
                p.inner_mm
            )));
        }
        if p.payload_kg <= Decimal::ZERO || p.payload_kg > Decimal::from(1_000_000) {
            return Err(bad(format!(
                "payload {} kg; expected more than 0 and at most 1000000 kg",
                p.payload_kg
            )));
        }
        let price = if p.price.currency() == input.currency {
            p.price.amount()
        } else {
            let rate = input.fx.rates.get(&p.price.currency()).ok_or_else(|| {
                bad(format!(
                    "price in {} and no exchange rate to {}",
                    p.price.currency(),
                    input.currency
                ))
            })?;
            p.price
                .amount()
                .checked_mul(*rate)
                .ok_or(FreightError::Overflow)?
        };
        if price < Decimal::ZERO {
            return Err(bad(format!("negative price {}", p.price)));
        }
        let payload_g = (p.payload_kg * Decimal::from(1000)).floor();
        out.push(Prof {
            container: lp::Container::custom(
                p.code.clone(),
                p.inner_mm,
                Some(u64::try_from(payload_g).map_err(|_| FreightError::Overflow)?),
            ),
            price: money(price, input.currency).amount(),
            accepts_dg: p.accepts_dg,
            dg_mixing: p.dg_mixing,
            source: if p.source.is_empty() {
                "given".into()
            } else {
                p.source.clone()
            },
            mode: p.mode,
            payload_kg: p.payload_kg,
        });
    }
    Ok(out)
}

fn collect_items(input: &PoolInput) -> Result<Vec<Item>, FreightError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut items = Vec::new();
    let mut total: u64 = 0;
    for (pi, p) in input.participants.iter().enumerate() {
        if !seen.insert(p.id.as_str()) {
            return Err(FreightError::Pool(format!(
                "participant {:?} is listed twice",
                p.id
            )));
        }
        for (li, line) in p.cartons.iter().enumerate() {
            let invalid = |field: &'static str, value: String, expected: &'static str| {
                FreightError::InvalidCarton {
                    carton: line.id.clone(),
                    field,
                    value,
                    expected,
                }
            };
            let mut dims = [0i64; 3];
            for (k, field) in ["length", "width", "height"].into_iter().enumerate() {
                let mm = line.dims_mm[k];
                if mm <= Decimal::ZERO || mm > Decimal::from(100_000) {
                    return Err(invalid(
                        field,
                        mm.to_string(),
                        "a length greater than 0 and at most 100000 mm",
                    ));
                }
                dims[k] = i64::try_from(mm.ceil()).map_err(|_| FreightError::Overflow)?;
            }
            if line.weight_kg < Decimal::ZERO || line.weight_kg > Decimal::from(100_000) {
                return Err(invalid(
                    "weight",
                    line.weight_kg.to_string(),
                    "a weight from 0 to 100000 kg",
                ));
            }
            if line.qty == 0 {
                return Err(invalid("qty", "0".into(), "at least 1 carton"));
            }
            total += u64::from(line.qty);
            if total > MAX_POOL_CARTONS {
                return Err(FreightError::Pool(format!(
                    "more than {MAX_POOL_CARTONS} cartons in one pool"
                )));
            }
            let grams = |kg: Decimal| {
                u64::try_from((kg * Decimal::from(1000)).ceil()).map_err(|_| FreightError::Overflow)
            };
            let one = Carton {
                count: 1,
                ..line.to_carton()
            };
            items.push(Item {
                participant: pi,
                line: li,
                dims,
                weight_g: grams(line.weight_kg)?,
                qty: line.qty,
                dg: line.battery,
                this_side_up: line.this_side_up,
                stackable: line.stackable,
                max_load_g: line
                    .max_load_kg
                    .map(|kg| grams(kg.max(Decimal::ZERO)))
                    .transpose()?,
                wm: Totals::of(&[one]).weight_or_measure(),
                volume_mm3: dims[0] * dims[1] * dims[2],
            });
        }
    }
    Ok(items)
}

struct Engine<'a> {
    profiles: &'a [Prof],
    items: &'a [Item],
    settings: &'a PoolSettings,
    currency: Currency,
    should_stop: &'a dyn Fn() -> bool,
    stopped: bool,
    fit_checks: u64,
    cache: BTreeMap<(usize, Vec<u32>), Vec<u32>>,
}

struct Candidate {
    profile: usize,
    placed: Vec<u32>,
    ratio: Decimal,
}

impl Engine<'_> {
    fn stop(&mut self) -> bool {
        if !self.stopped && (self.should_stop)() {
            self.stopped = true;
        }
        self.stopped
    }

    fn fits_alone(&self, it: &Item, p: &Prof) -> (bool, bool) {
        let item = self.item_type(it, 1, 0);
        let size_ok = item.allowed_orientations().any(|o| {
            o.apply(item.dims)
                .iter()
                .zip(p.container.dims)
                .all(|(d, c)| *d <= c)
        });
        let weight_ok = p.container.payload_g.is_none_or(|g| it.weight_g <= g);
        (size_ok, weight_ok)
    }

    fn static_reason(&self, it: &Item, input: &PoolInput) -> Option<UnplacedWhy> {
        let participant = &input.participants[it.participant];
        if let Some(deadline) = participant.deadline
            && deadline < input.cut_off
        {
            return Some(UnplacedWhy::DeadlineBeforeCutOff {
                deadline,
                cut_off: input.cut_off,
            });
        }
        if self.profiles.is_empty() {
            return Some(UnplacedWhy::NoContainerProfiles);
        }
        let allowed: Vec<&Prof> = self
            .profiles
            .iter()
            .filter(|p| !it.dg || p.accepts_dg)
            .collect();
        if allowed.is_empty() {
            return Some(UnplacedWhy::DangerousGoodsNotAccepted);
        }
        let checks: Vec<(bool, bool)> = allowed.iter().map(|p| self.fits_alone(it, p)).collect();
        if checks.iter().any(|(s, w)| *s && *w) {
            None
        } else if checks.iter().all(|(s, _)| !*s) {
            Some(UnplacedWhy::LargerThanEveryContainer)
        } else {
            Some(UnplacedWhy::HeavierThanEveryPayload)
        }
    }

    fn item_type(&self, it: &Item, qty: u32, index: usize) -> lp::ItemType {
        let mut t = lp::ItemType::new(index.to_string(), it.dims, qty).with_weight_g(it.weight_g);
        if it.this_side_up {
            t = t.this_side_up();
        }
        if !it.stackable {
            t = t.non_stackable();
        }
        if let Some(g) = it.max_load_g {
            t = t.with_max_load_on_top_g(g);
        }
        t
    }

    /// Loads as many of `counts` as the 3D planner fits into profile `p`; returns the counts placed.
    fn fit(&mut self, p: usize, counts: &[u32]) -> Vec<u32> {
        let key = (p, counts.to_vec());
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let prof = &self.profiles[p];
        let mut index = Vec::new();
        let mut types = Vec::new();
        for (i, (it, n)) in self.items.iter().zip(counts).enumerate() {
            if *n == 0 {
                continue;
            }
            let (size_ok, weight_ok) = self.fits_alone(it, prof);
            if size_ok && weight_ok {
                index.push(i);
                types.push(self.item_type(it, *n, i));
            }
        }
        let mut placed = vec![0u32; counts.len()];
        if !types.is_empty() {
            let settings = lp::Settings {
                seed: self.settings.seed,
                max_iterations: Some(self.settings.fit_iterations.max(1)),
                ..lp::Settings::default()
            };
            if let Ok(problem) = lp::Problem::new(prof.container.clone(), types, settings) {
                self.fit_checks += 1;
                let stop = self.should_stop;
                let plan = lp::plan(&problem, stop);
                if plan.stats.stopped_early {
                    self.stopped = true;
                }
                for pl in &plan.placements {
                    if let Some(&i) = index.get(pl.item_index) {
                        placed[i] += 1;
                    }
                }
            }
        }
        self.cache.insert(key, placed.clone());
        placed
    }

    fn value(&self, counts: &[u32]) -> Decimal {
        counts
            .iter()
            .zip(self.items)
            .map(|(n, it)| it.wm * Decimal::from(*n))
            .sum()
    }

    fn total(&self, bins: &[Bin]) -> Decimal {
        bins.iter().map(|b| self.profiles[b.profile].price).sum()
    }

    /// Profiles a container holding `counts` may use, by the dangerous-goods rule.
    fn allowed_for(&self, counts: &[u32], within: &[usize]) -> Vec<usize> {
        let dg = counts.iter().zip(self.items).any(|(n, it)| *n > 0 && it.dg);
        let other = counts
            .iter()
            .zip(self.items)
            .any(|(n, it)| *n > 0 && !it.dg);
        within
            .iter()
            .copied()
            .filter(|&p| {
                let pr = &self.profiles[p];
                !dg || (pr.accepts_dg && (!other || pr.dg_mixing))
            })
            .collect()
    }

    /// Packs `counts` into containers of the `allowed` profiles; returns the containers and what
    /// could not be placed.
    fn pack(&mut self, counts: Vec<u32>, allowed: &[usize]) -> (Vec<Bin>, Vec<u32>) {
        let mut remaining = counts;
        let mut bins: Vec<Bin> = Vec::new();
        if allowed.is_empty() {
            return (bins, remaining);
        }
        let cheapest = allowed
            .iter()
            .map(|&p| self.profiles[p].price)
            .min()
            .unwrap_or(Decimal::ZERO);
        // The largest load space, used alone once the budget is spent.
        let largest = allowed
            .iter()
            .copied()
            .max_by_key(|&p| (self.profiles[p].container.volume(), std::cmp::Reverse(p)))
            .unwrap_or(0);
        while remaining.iter().any(|n| *n > 0) {
            let left: u64 = remaining.iter().map(|n| u64::from(*n)).sum();
            if self.stop() {
                let placed = self.fit(largest, &remaining);
                if placed.iter().all(|n| *n == 0) {
                    break;
                }
                for (r, p) in remaining.iter_mut().zip(&placed) {
                    *r -= p;
                }
                bins.push(Bin {
                    profile: largest,
                    counts: placed,
                    why: vec![ContainerWhy::BudgetFallback],
                });
                continue;
            }
            let mut best: Option<Candidate> = None;
            let mut finisher: Option<Candidate> = None;
            for &p in allowed {
                let placed = self.fit(p, &remaining);
                if placed.iter().all(|n| *n == 0) {
                    continue;
                }
                let value = self.value(&placed);
                if value <= Decimal::ZERO {
                    continue;
                }
                let price = self.profiles[p].price;
                let c = Candidate {
                    profile: p,
                    ratio: price / value,
                    placed,
                };
                if c.placed == remaining
                    && finisher
                        .as_ref()
                        .is_none_or(|f| price < self.profiles[f.profile].price)
                {
                    finisher = Some(Candidate {
                        profile: c.profile,
                        placed: c.placed.clone(),
                        ratio: c.ratio,
                    });
                }
                let better = match &best {
                    None => true,
                    Some(b) => (c.ratio, price) < (b.ratio, self.profiles[b.profile].price),
                };
                if better {
                    best = Some(c);
                }
            }
            let Some(best) = best else { break };
            let best_price = self.profiles[best.profile].price;
            let (chosen, why) = match finisher {
                Some(f) if self.profiles[f.profile].price <= best_price + cheapest => {
                    (f, ContainerWhy::CheapestForTheRest { cartons: left })
                }
                _ => {
                    let cost = best.ratio;
                    (
                        best,
                        ContainerWhy::LowestCostPerWm {
                            cost_per_wm: Money::new(cost, self.currency_hint())
                                .round_dp(2, RoundingMode::HalfUp),
                            cartons: left,
                        },
                    )
                }
            };
            for (r, p) in remaining.iter_mut().zip(&chosen.placed) {
                *r -= p;
            }
            bins.push(Bin {
                profile: chosen.profile,
                counts: chosen.placed,
                why: vec![why],
            });
        }
        if !self.stop() {
            self.merge(&mut bins, allowed);
        }
        if !self.stop() {
            self.downsize(&mut bins, allowed);
        }
        (bins, remaining)
    }

    fn currency_hint(&self) -> Currency {
        self.currency
    }

    /// Merges pairs of containers into one cheaper container while one is found.
    fn merge(&mut self, bins: &mut Vec<Bin>, allowed: &[usize]) {
        let mut changed = true;
        while changed && bins.len() > 1 {
            changed = false;
            // Few containers: every pair; many: neighbours only (the last ones are the emptiest).
            let pairs: Vec<(usize, usize)> = if bins.len() <= 10 {
                (0..bins.len())
                    .flat_map(|i| (i + 1..bins.len()).map(move |j| (i, j)))
                    .collect()
            } else {
                (0..bins.len() - 1).map(|i| (i, i + 1)).collect()
            };
            'pairs: for (i, j) in pairs.into_iter().rev() {
                if self.stop() {
                    return;
                }
                let union: Vec<u32> = bins[i]
                    .counts
                    .iter()
                    .zip(&bins[j].counts)
                    .map(|(a, b)| a + b)
                    .collect();
                let both =
                    self.profiles[bins[i].profile].price + self.profiles[bins[j].profile].price;
                let mut options = self.allowed_for(&union, allowed);
                options.retain(|&p| self.profiles[p].price < both);
                options.sort_by_key(|&p| (self.profiles[p].price, p));
                for p in options {
                    if self.fit(p, &union) == union {
                        let saving = both - self.profiles[p].price;
                        let numbers = vec![i as u32 + 1, j as u32 + 1];
                        bins[i] = Bin {
                            profile: p,
                            counts: union,
                            why: vec![ContainerWhy::Merged {
                                from: numbers,
                                saving: Money::new(saving, self.currency_hint()),
                            }],
                        };
                        bins.remove(j);
                        changed = true;
                        break 'pairs;
                    }
                }
            }
        }
    }

    /// Moves every container to the cheapest allowed profile its cartons still fit.
    fn downsize(&mut self, bins: &mut [Bin], allowed: &[usize]) {
        for bin in bins.iter_mut() {
            if self.stop() {
                return;
            }
            let current = self.profiles[bin.profile].price;
            let mut options = self.allowed_for(&bin.counts, allowed);
            options.retain(|&p| self.profiles[p].price < current);
            options.sort_by_key(|&p| (self.profiles[p].price, p));
            for p in options {
                if self.fit(p, &bin.counts) == bin.counts {
                    bin.why.push(ContainerWhy::Downsized {
                        from: self.profiles[bin.profile].container.name.clone(),
                        saving: Money::new(current - self.profiles[p].price, self.currency_hint()),
                    });
                    bin.profile = p;
                    break;
                }
            }
        }
    }
}

fn pct(part: Decimal, whole: Decimal) -> Decimal {
    if whole <= Decimal::ZERO {
        Decimal::ZERO
    } else {
        (part * Decimal::ONE_HUNDRED / whole).round_dp(1)
    }
}

fn assemble(
    input: &PoolInput,
    profiles: &[Prof],
    items: &[Item],
    bins: Vec<Bin>,
    unplaced: Vec<(usize, u32, UnplacedWhy)>,
    mut notes: Vec<PoolNote>,
    stats: PoolStats,
) -> Result<PoolPlan, FreightError> {
    let currency = input.currency;
    let n_part = input.participants.len();
    let mut shares_minor = vec![Money::zero(currency); n_part];
    let mut in_containers: Vec<Vec<u32>> = vec![Vec::new(); n_part];
    let mut placed_cartons: Vec<Vec<Carton>> = vec![Vec::new(); n_part];
    let mut containers = Vec::with_capacity(bins.len());
    let mm3_per_m3 = Decimal::from(1_000_000_000i64);
    for (k, bin) in bins.into_iter().enumerate() {
        let number = k as u32 + 1;
        let prof = &profiles[bin.profile];
        let mut loads = Vec::new();
        let mut per_part: BTreeMap<usize, Vec<Carton>> = BTreeMap::new();
        let (mut cartons, mut volume_mm3, mut weight_kg) = (0u64, 0i64, Decimal::ZERO);
        let (mut has_dg, mut has_other) = (false, false);
        for (i, n) in bin.counts.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let it = &items[i];
            let line = &input.participants[it.participant].cartons[it.line];
            let c = Carton {
                count: *n,
                ..line.to_carton()
            };
            let v = it.volume_mm3 * i64::from(*n);
            let w = line.weight_kg * Decimal::from(*n);
            cartons += u64::from(*n);
            volume_mm3 += v;
            weight_kg += w;
            has_dg |= it.dg;
            has_other |= !it.dg;
            loads.push(ContainerLoad {
                participant_id: input.participants[it.participant].id.clone(),
                carton_id: line.id.clone(),
                count: *n,
                volume_m3: (Decimal::from(v) / mm3_per_m3).round_dp(3),
                weight_kg: w,
                dg: it.dg,
            });
            per_part.entry(it.participant).or_default().push(c.clone());
            placed_cartons[it.participant].push(c);
        }
        let price = Money::new(prof.price, currency);
        let participants: Vec<Participant> = per_part
            .iter()
            .map(|(pi, cs)| Participant {
                id: input.participants[*pi].id.clone(),
                cartons: cs.clone(),
                solo_best: None,
            })
            .collect();
        let mut method = input.method;
        let split = match split_pool(price, &participants, method) {
            Ok(s) => s,
            Err(FreightError::Split(_)) => {
                method = SplitMethod::VolumeOnly;
                notes.push(PoolNote::SplitByVolume { container: number });
                split_pool(price, &participants, method)?
            }
            Err(e) => return Err(e),
        };
        let mut shares = Vec::new();
        for (pi, cs) in &per_part {
            let id = &input.participants[*pi].id;
            let Some(v) = split.view_for(id) else {
                continue;
            };
            shares_minor[*pi] = shares_minor[*pi].checked_add(&v.share)?;
            in_containers[*pi].push(number);
            shares.push(ContainerShare {
                participant_id: id.clone(),
                cartons: cs.iter().map(|c| u64::from(c.count)).sum(),
                basis: v.basis.round_dp(4),
                share: v.share,
            });
        }
        let capacity = Decimal::from(prof.container.volume());
        let volume = Decimal::from(volume_mm3);
        containers.push(PlannedContainer {
            number,
            profile: prof.container.name.clone(),
            mode: prof.mode,
            price,
            price_source: prof.source.clone(),
            dg: match (has_dg, has_other) {
                (false, _) => DgLoad::None,
                (true, false) => DgLoad::Only,
                (true, true) => DgLoad::Mixed,
            },
            why: bin.why,
            cartons,
            volume_m3: (volume / mm3_per_m3).round_dp(3),
            weight_kg: weight_kg.normalize(),
            capacity_m3: (capacity / mm3_per_m3).round_dp(1),
            payload_kg: prof.payload_kg,
            volume_utilisation_pct: pct(volume, capacity),
            weight_utilisation_pct: pct(weight_kg, prof.payload_kg),
            loads,
            shares,
        });
    }
    let total = Money::sum(containers.iter().map(|c| c.price), currency)?;

    let mut unplaced_lines = Vec::new();
    let mut unplaced_count = vec![0u64; n_part];
    for (i, count, reason) in unplaced {
        let it = &items[i];
        unplaced_count[it.participant] += u64::from(count);
        unplaced_lines.push(UnplacedCartons {
            participant_id: input.participants[it.participant].id.clone(),
            carton_id: input.participants[it.participant].cartons[it.line]
                .id
                .clone(),
            count,
            reason,
        });
    }
    unplaced_lines.sort_by(|a, b| {
        a.participant_id
            .cmp(&b.participant_id)
            .then_with(|| a.carton_id.cmp(&b.carton_id))
    });

    let bases: Vec<Decimal> = placed_cartons
        .iter()
        .map(|cs| input.method.basis_of(&Totals::of(cs)))
        .collect();
    let basis_sum: Decimal = bases.iter().copied().sum();
    let mut participants = Vec::with_capacity(n_part);
    for (pi, p) in input.participants.iter().enumerate() {
        let placed = &placed_cartons[pi];
        let totals = Totals::of(placed);
        let (solo_best, solo_source) = solo(input, p, placed);
        let share = shares_minor[pi];
        let saving = match solo_best {
            Some(s) => Some(s.checked_sub(&share)?),
            None => None,
        };
        participants.push(ParticipantOutcome {
            participant_id: p.id.clone(),
            name: p.name.clone(),
            included: p.deadline.is_none_or(|d| d >= input.cut_off),
            cartons_placed: totals.cartons,
            cartons_unplaced: unplaced_count[pi],
            volume_m3: totals.volume_cbm().round_dp(3),
            weight_kg: totals.weight_kg.normalize(),
            basis: bases[pi].round_dp(4),
            basis_unit: input.method.unit().to_string(),
            fraction: if basis_sum > Decimal::ZERO {
                (bases[pi] / basis_sum).round_dp(4)
            } else {
                Decimal::ZERO
            },
            share,
            solo_best,
            solo_source,
            saving,
            containers: in_containers[pi].clone(),
        });
    }
    Ok(PoolPlan {
        lane: input.lane.to_string(),
        cut_off: input.cut_off,
        currency,
        method: input.method,
        containers,
        total,
        participants,
        unplaced: unplaced_lines,
        notes,
        stats,
    })
}

/// The participant's cheapest way to ship its placed cartons alone.
fn solo(
    input: &PoolInput,
    p: &PoolParticipant,
    placed: &[Carton],
) -> (Option<Money>, Option<String>) {
    if placed.is_empty() {
        return (None, None);
    }
    let shipment = Shipment::new(placed.to_vec(), input.cut_off);
    let cmp = compare(
        &shipment,
        &input.lane,
        &input.cards,
        input.currency,
        &input.fx,
    );
    let card = cmp.cheapest().map(|q| {
        (
            q.total,
            format!("{} {} ({})", q.forwarder, q.card_id, q.mode),
        )
    });
    let own = p.solo_quote.and_then(|q| {
        let amount = if q.currency() == input.currency {
            q.amount()
        } else {
            q.amount()
                .checked_mul(*input.fx.rates.get(&q.currency())?)?
        };
        Some((money(amount, input.currency), "own quote".to_string()))
    });
    match (card, own) {
        (Some(c), Some(o)) if o.0.amount() < c.0.amount() => (Some(o.0), Some(o.1)),
        (Some(c), _) => (Some(c.0), Some(c.1)),
        (None, Some(o)) => (Some(o.0), Some(o.1)),
        (None, None) => (None, None),
    }
}
