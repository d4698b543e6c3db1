//! Freight in the server: carton lists (JSON or CSV/XLSX) turned into freight cartons and planner items,
//! quote comparison over the organisation's stored rate cards, and load plans under a time budget. Shared by
//! the API (`api/freight.rs`) and the pages (`web/freight.rs`); the engines are `tradelane-freight` and
//! `tradelane-loadplan`, the picture is `freight_svg`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use jiff::civil::Date;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use tradelane_domain::Currency;
use tradelane_freight::{
    CartonLine, CellError, Comparison, FxTable, Lane, NotQuoted, RateCard, Shipment, compare,
    import_cards, import_cartons, read_bytes,
};
use tradelane_loadplan::{Container, ItemType, Plan, Problem, Settings, plan, presets};
use tradelane_store::freight::StoredRateCard;
use tradelane_store::{OrgId, Store};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, RowErrorBody};

/// Most carton lines in one request.
pub const MAX_LINES: usize = 2_000;
/// Most cartons (sum of quantities) one load plan may hold.
pub const MAX_PLAN_CARTONS: u64 = 5_000;
/// Longest time budget a request may ask for.
pub const MAX_BUDGET_MS: u64 = 10_000;
/// Default time budget.
pub const DEFAULT_BUDGET_MS: u64 = 2_000;
/// Containers offered for load planning (codes of `tradelane_loadplan::presets::by_code`).
pub const CONTAINERS: [&str; 7] = ["20GP", "40GP", "40HQ", "45HQ", "LD3", "PMC", "TRUCK"];

/// A number given as a JSON number or a decimal string ("12.5").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Num {
    Text(String),
    #[schema(value_type = f64)]
    Number(serde_json::Number),
}

impl Num {
    fn decimal(&self) -> Option<Decimal> {
        let text = match self {
            Num::Text(t) => t.trim().to_string(),
            Num::Number(n) => n.to_string(),
        };
        text.parse::<Decimal>()
            .ok()
            .or_else(|| Decimal::from_scientific(&text).ok())
    }

    fn shown(&self) -> String {
        match self {
            Num::Text(t) => t.clone(),
            Num::Number(n) => n.to_string(),
        }
    }
}

/// One carton line: outer size in centimetres, gross weight of one carton in kilograms.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CartonInput {
    /// Carton or SKU id; "line N" when absent.
    #[serde(default)]
    pub id: Option<String>,
    pub length_cm: Num,
    pub width_cm: Num,
    pub height_cm: Num,
    #[serde(default)]
    pub weight_kg: Option<Num>,
    /// Number of identical cartons (default 1).
    #[serde(default)]
    pub qty: Option<u32>,
    /// Only rotations about the vertical axis.
    #[serde(default)]
    pub this_side_up: bool,
    /// Others may be placed on top (default true).
    #[serde(default)]
    pub stackable: Option<bool>,
    #[serde(default)]
    pub max_load_kg: Option<Num>,
    /// Delivery stop, 1 = first unloaded (default 1).
    #[serde(default)]
    pub stop: Option<u32>,
    /// Contains lithium batteries.
    #[serde(default)]
    pub battery: bool,
}

/// Carton lines from JSON; every bad value is reported with its line (1-based) and field.
pub fn cartons_from_json(input: &[CartonInput]) -> Result<Vec<CartonLine>, Vec<CellError>> {
    let mut lines = Vec::with_capacity(input.len());
    let mut errors = Vec::new();
    if input.is_empty() {
        errors.push(CellError {
            line: 0,
            column: "cartons".into(),
            value: String::new(),
            expected: "at least one carton line".into(),
        });
    }
    if input.len() > MAX_LINES {
        errors.push(CellError {
            line: 0,
            column: "cartons".into(),
            value: input.len().to_string(),
            expected: format!("at most {MAX_LINES} carton lines"),
        });
        return Err(errors);
    }
    for (i, c) in input.iter().enumerate() {
        let line = i + 1;
        let mut fail = |column: &str, value: String, expected: &str| {
            errors.push(CellError {
                line,
                column: column.into(),
                value,
                expected: expected.into(),
            })
        };
        let mut dims_mm = [Decimal::ZERO; 3];
        let mut ok = true;
        for (k, (name, v)) in [
            ("length_cm", &c.length_cm),
            ("width_cm", &c.width_cm),
            ("height_cm", &c.height_cm),
        ]
        .into_iter()
        .enumerate()
        {
            match v.decimal() {
                Some(d) if d > Decimal::ZERO && d <= Decimal::from(100_000) => {
                    dims_mm[k] = d * Decimal::TEN
                }
                _ => {
                    ok = false;
                    fail(
                        name,
                        v.shown(),
                        "a length in cm greater than 0 (zero or negative sizes are not cartons)",
                    );
                }
            }
        }
        let weight_kg = match &c.weight_kg {
            None => Decimal::ZERO,
            Some(v) => match v.decimal() {
                Some(d) if d >= Decimal::ZERO && d <= Decimal::from(1_000_000) => d,
                _ => {
                    ok = false;
                    fail("weight_kg", v.shown(), "a weight in kg, 0 or more");
                    Decimal::ZERO
                }
            },
        };
        let qty = c.qty.unwrap_or(1);
        if qty == 0 || qty > 100_000 {
            ok = false;
            fail(
                "qty",
                qty.to_string(),
                "a whole number of cartons from 1 to 100000",
            );
        }
        let max_load_kg = match &c.max_load_kg {
            None => None,
            Some(v) => match v.decimal() {
                Some(d) if d >= Decimal::ZERO => Some(d),
                _ => {
                    ok = false;
                    fail("max_load_kg", v.shown(), "a load in kg, 0 or more");
                    None
                }
            },
        };
        let stop = c.stop.unwrap_or(1);
        if stop == 0 || stop > 1000 {
            ok = false;
            fail("stop", stop.to_string(), "a stop number 1, 2, 3 …");
        }
        let id =
            c.id.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().filter(|c| !c.is_control()).take(100).collect())
                .unwrap_or_else(|| format!("line{line}"));
        if ok {
            lines.push(CartonLine {
                line,
                id,
                dims_mm,
                weight_kg,
                qty,
                this_side_up: c.this_side_up,
                stackable: c.stackable.unwrap_or(true),
                max_load_kg,
                stop,
                battery: c.battery,
            });
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

/// Carton lines from a CSV/XLSX file (English or Chinese headers, cm unless a header says mm).
pub fn cartons_from_bytes(bytes: &[u8]) -> Result<Vec<CartonLine>, Vec<CellError>> {
    let sheet = read_bytes(bytes).map_err(|e| {
        vec![CellError {
            line: 0,
            column: "file".into(),
            value: String::new(),
            expected: format!("a CSV or XLSX carton list ({e})"),
        }]
    })?;
    let import = import_cartons(&sheet);
    if !import.errors.is_empty() {
        return Err(import.errors);
    }
    if import.lines.is_empty() {
        return Err(vec![CellError {
            line: sheet.header_line + 1,
            column: "file".into(),
            value: String::new(),
            expected: "at least one carton line under the header".into(),
        }]);
    }
    if import.lines.len() > MAX_LINES {
        return Err(vec![CellError {
            line: 0,
            column: "file".into(),
            value: import.lines.len().to_string(),
            expected: format!("at most {MAX_LINES} carton lines"),
        }]);
    }
    Ok(import.lines)
}

/// Rate cards from a CSV/XLSX file; any row error refuses the file.
pub fn cards_from_bytes(bytes: &[u8], file_name: &str) -> Result<Vec<RateCard>, Vec<CellError>> {
    let sheet = read_bytes(bytes).map_err(|e| {
        vec![CellError {
            line: 0,
            column: "file".into(),
            value: String::new(),
            expected: format!("a CSV or XLSX rate card sheet ({e})"),
        }]
    })?;
    let import = import_cards(&sheet, file_name);
    if !import.errors.is_empty() {
        return Err(import.errors);
    }
    if import.cards.is_empty() {
        return Err(vec![CellError {
            line: sheet.header_line + 1,
            column: "file".into(),
            value: String::new(),
            expected: "at least one rate card row under the header".into(),
        }]);
    }
    Ok(import.cards)
}

/// A 422 listing every bad cell (row, column, value, what was expected); nothing was done.
pub fn rejected(what: &str, errors: &[CellError]) -> ApiError {
    let shown = &errors[..errors.len().min(200)];
    let mut message = format!(
        "{} problem(s) in the {what}; nothing was done",
        errors.len()
    );
    if let Some(first) = errors.first() {
        message.push_str(&format!(": {first}"));
    }
    ApiError::ImportRejected {
        message,
        rows: shown
            .iter()
            .map(|e| RowErrorBody {
                line: e.line as u64,
                column: e.column.clone(),
                field: e.column.clone(),
                value: e.value.clone(),
                expected: e.expected.clone(),
            })
            .collect(),
    }
}

fn grams(kg: Decimal) -> Option<u64> {
    (kg * Decimal::from(1000)).round().to_u64()
}

/// Carton lines as planner items (millimetres, grams).
pub fn to_items(lines: &[CartonLine]) -> Result<Vec<ItemType>, Vec<CellError>> {
    let mut items = Vec::with_capacity(lines.len());
    let mut errors = Vec::new();
    for l in lines {
        let mut dims = [0i64; 3];
        for (k, d) in l.dims_mm.iter().enumerate() {
            match d.round().to_i64().filter(|v| *v > 0) {
                Some(v) => dims[k] = v,
                None => errors.push(CellError {
                    line: l.line,
                    column: ["length", "width", "height"][k].into(),
                    value: d.to_string(),
                    expected: "a size of at least 1 mm".into(),
                }),
            }
        }
        let weight = grams(l.weight_kg).unwrap_or(u64::MAX);
        let mut item = ItemType::new(l.id.clone(), dims, l.qty)
            .with_weight_g(weight)
            .with_stop(l.stop);
        if l.this_side_up {
            item = item.this_side_up();
        }
        if !l.stackable {
            item = item.non_stackable();
        }
        if let Some(max) = l.max_load_kg {
            item = item.with_max_load_on_top_g(grams(max).unwrap_or(u64::MAX));
        }
        items.push(item);
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// The container preset for a code, or a 422 naming the choices.
pub fn container(code: &str) -> ApiResult<Container> {
    presets::by_code(code).ok_or_else(|| {
        ApiError::validation(
            "container",
            code,
            "one of 20GP, 40GP, 40HQ, 45HQ, LD3, PMC, TRUCK",
        )
    })
}

/// The time budget of a request: default 2 s, at most 10 s.
pub fn budget(ms: Option<u64>) -> ApiResult<Duration> {
    match ms {
        None => Ok(Duration::from_millis(DEFAULT_BUDGET_MS)),
        Some(ms) if (1..=MAX_BUDGET_MS).contains(&ms) => Ok(Duration::from_millis(ms)),
        Some(ms) => Err(ApiError::validation(
            "time_budget_ms",
            &ms.to_string(),
            "milliseconds from 1 to 10000",
        )),
    }
}

/// A load plan with how long it took.
pub struct Planned {
    pub problem: Problem,
    pub plan: Plan,
    pub elapsed: Duration,
}

/// Plans `lines` into `container` within `budget` (on a blocking thread; the planner stops at the budget
/// and returns its best plan so far).
pub async fn plan_load(
    container: Container,
    lines: &[CartonLine],
    budget: Duration,
    seed: Option<u64>,
) -> ApiResult<Planned> {
    let items = to_items(lines).map_err(|e| rejected("carton list", &e))?;
    let total: u64 = items.iter().map(|i| u64::from(i.quantity)).sum();
    if total > MAX_PLAN_CARTONS {
        return Err(ApiError::validation(
            "cartons",
            &total.to_string(),
            &format!("at most {MAX_PLAN_CARTONS} cartons in one load plan"),
        ));
    }
    let mut settings = Settings::default();
    if let Some(seed) = seed {
        settings.seed = seed;
    }
    let problem = Problem::new(container, items, settings).map_err(|e| ApiError::Validation {
        message: e.to_string(),
        fields: Vec::new(),
    })?;
    tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        let result = plan(&problem, &|| start.elapsed() >= budget);
        Planned {
            problem,
            plan: result,
            elapsed: start.elapsed(),
        }
    })
    .await
    .map_err(|e| ApiError::internal("load planner", e))
}

/// Figures of a plan for people: utilisation, weight, centre of gravity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanSummary {
    pub container: String,
    /// Inner length, width, height in mm.
    pub inner_mm: [i64; 3],
    pub payload_kg: Option<f64>,
    pub cartons_total: u64,
    pub cartons_loaded: usize,
    pub cartons_unplaced: u64,
    /// Loaded volume ÷ container volume, percent, 1 decimal.
    pub volume_utilisation_pct: f64,
    pub weight_utilisation_pct: Option<f64>,
    pub loaded_volume_m3: f64,
    pub loaded_weight_kg: f64,
    /// Centre of gravity as percent of length (from the back wall) and width.
    pub cog_length_pct: Option<f64>,
    pub cog_width_pct: Option<f64>,
    pub iterations: u64,
    pub stopped_at_budget: bool,
    pub elapsed_ms: u64,
}

fn one_dp(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

impl Planned {
    pub fn summary(&self) -> PlanSummary {
        let c = self.problem.container();
        let p = &self.plan;
        let unplaced: u64 = p.unplaced.iter().map(|u| u64::from(u.count)).sum();
        PlanSummary {
            container: c.name.clone(),
            inner_mm: c.dims,
            payload_kg: c.payload_g.map(|g| g as f64 / 1000.0),
            cartons_total: self.problem.total_quantity(),
            cartons_loaded: p.placements.len(),
            cartons_unplaced: unplaced,
            volume_utilisation_pct: one_dp(p.volume_utilisation * 100.0),
            weight_utilisation_pct: p.weight_utilisation.map(|w| one_dp(w * 100.0)),
            loaded_volume_m3: (p.loaded_volume as f64 / 1e9 * 1000.0).round() / 1000.0,
            loaded_weight_kg: one_dp(p.loaded_weight_g as f64 / 1000.0),
            cog_length_pct: p
                .centre_of_gravity
                .map(|g| one_dp(g[0] / c.dims[0] as f64 * 100.0)),
            cog_width_pct: p
                .centre_of_gravity
                .map(|g| one_dp(g[1] / c.dims[1] as f64 * 100.0)),
            iterations: p.stats.iterations,
            stopped_at_budget: p.stats.stopped_early,
            elapsed_ms: u64::try_from(self.elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The loading plan as a PDF (cover, step pages, carton labels).
    pub fn pdf(&self, reference: &str) -> ApiResult<Vec<u8>> {
        let fonts = crate::customs_docs::fonts()?;
        let doc = tradelane_documents::loading::loading_plan(&self.problem, &self.plan, reference);
        tradelane_documents::render_pdf(&doc, fonts)
            .map_err(|e| ApiError::internal("loading plan PDF", e))
    }
}

/// What to quote: the shipment's lane, ship date and options.
#[derive(Debug, Clone)]
pub struct QuoteSpec {
    pub lane: Lane,
    pub ship_date: Date,
    pub currency: Currency,
    /// Units of `currency` per one unit of another currency; missing ones come from the stored ECB rates.
    pub fx: BTreeMap<Currency, Decimal>,
    pub remote_area: bool,
    pub units: Option<u64>,
}

/// A comparison over the organisation's stored cards, with the cards themselves (by stored id).
pub struct QuoteResult {
    pub comparison: Comparison,
    pub cards: BTreeMap<String, StoredRateCard>,
    pub shipment: Shipment,
    /// Cards priced for other lanes (left out of `comparison.excluded`).
    pub other_lanes: usize,
}

/// Compares every stored card of the organisation for the cartons on the lane and date. Expired and
/// not-yet-valid cards are listed as excluded with the reason, never quoted.
pub async fn quote(
    store: &Store,
    org: OrgId,
    lines: &[CartonLine],
    spec: &QuoteSpec,
) -> ApiResult<QuoteResult> {
    let stored = store.list_freight_cards(org).await?;
    let cards: Vec<RateCard> = stored.iter().map(StoredRateCard::card_for_quote).collect();
    let mut fx = FxTable {
        rates: spec.fx.clone(),
    };
    let needed: Vec<Currency> = cards
        .iter()
        .map(|c| c.currency)
        .filter(|c| *c != spec.currency && !fx.rates.contains_key(c))
        .collect();
    if !needed.is_empty()
        && let Ok(Some(ecb)) = store.ecb_fx_table().await
    {
        for from in needed {
            if let Ok(rate) = ecb.rate(from, spec.currency, spec.ship_date) {
                fx.rates.insert(from, rate.rate);
            }
        }
    }
    let mut shipment = Shipment::new(
        lines.iter().map(CartonLine::to_carton).collect(),
        spec.ship_date,
    );
    shipment.remote_area = spec.remote_area;
    shipment.units = spec.units;
    let mut comparison = compare(&shipment, &spec.lane, &cards, spec.currency, &fx);
    let before = comparison.excluded.len();
    comparison
        .excluded
        .retain(|e| !matches!(e.reason, NotQuoted::OtherLane { .. }));
    let other_lanes = before - comparison.excluded.len();
    Ok(QuoteResult {
        comparison,
        cards: stored.into_iter().map(|c| (c.id.to_string(), c)).collect(),
        shipment,
        other_lanes,
    })
}

/// A stable code for why a card was not quoted.
pub fn reason_code(reason: &NotQuoted) -> &'static str {
    match reason {
        NotQuoted::Expired { .. } => "expired",
        NotQuoted::NotYetValid { .. } => "not_yet_valid",
        NotQuoted::OtherLane { .. } => "other_lane",
        NotQuoted::BatteryRefused => "battery_refused",
        NotQuoted::NoFxRate { .. } => "no_fx_rate",
        NotQuoted::UnknownContainer { .. } => "unknown_container",
        NotQuoted::Overflow => "overflow",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> Vec<CartonInput> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn json_cartons_accept_numbers_and_strings_and_name_bad_rows() {
        let ok = cartons_from_json(&input(serde_json::json!([
            {"id": "A", "length_cm": 60, "width_cm": "40.5", "height_cm": 30, "weight_kg": 12.5, "qty": 4},
        ])))
        .unwrap();
        assert_eq!(ok[0].dims_mm[1], Decimal::from(405));
        assert_eq!(ok[0].weight_kg.to_string(), "12.5");
        let errs = cartons_from_json(&input(serde_json::json!([
            {"length_cm": 60, "width_cm": 40, "height_cm": 30},
            {"length_cm": 0, "width_cm": -4, "height_cm": 30},
        ])))
        .unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!((errs[0].line, errs[0].column.as_str()), (2, "length_cm"));
        assert_eq!((errs[1].line, errs[1].column.as_str()), (2, "width_cm"));
        assert!(cartons_from_json(&[]).is_err());
    }

    #[test]
    fn budgets_are_bounded() {
        assert_eq!(budget(None).unwrap(), Duration::from_secs(2));
        assert!(budget(Some(0)).is_err());
        assert!(budget(Some(10_001)).is_err());
        assert!(container("53FT").is_err());
        assert_eq!(container("40hq").unwrap().name, "40HQ");
    }
}
