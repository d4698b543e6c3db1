//! Product compliance API: the SKU × market gap matrix of the organisation's catalogue and the explanation of
//! which requirements apply to one SKU in one market (tradelane-compliance, built-in requirements pack).
//!
//! The gap report runs against the documents on file in the vault (`crate::vault`): a requirement is met by a
//! valid matching document, expiring within 90 days, expired (never shown as valid) or missing, each line with
//! the reason naming the requirement and the document. Unknown markets or categories come back as
//! `not_covered` with the reason, never as compliant.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::{Query, State};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tradelane_compliance::gap::{CellStatus, GapOptions, GapSku, LineStatus, gap_report};
use tradelane_compliance::requirements::{Requirement, RequirementPack, derive_profile};
use tradelane_domain::{Country, SkuCode};
use tradelane_store::OrgId;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Markets reported when the request names none.
pub const DEFAULT_MARKETS: [&str; 5] = ["DE", "FR", "GB", "US", "JP"];
/// Most markets in one gap request.
pub const MAX_MARKETS: usize = 40;
/// Requirements expiring within this many days show as expiring.
const EXPIRING_WITHIN_DAYS: i32 = 90;

/// What every gap result is based on.
pub fn vault_note(documents: usize) -> String {
    format!(
        "Evaluated against {documents} document(s) on file in the vault; a requirement without a valid matching \
         document is missing, an expired document never counts."
    )
}

static PACK: LazyLock<Result<RequirementPack, String>> = LazyLock::new(|| {
    RequirementPack::builtin().map_err(|errs| {
        errs.iter()
            .map(|e| format!("{}: {}", e.location, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    })
});

pub fn pack() -> ApiResult<&'static RequirementPack> {
    PACK.as_ref()
        .map_err(|e| ApiError::internal("the built-in requirements pack is invalid", e))
}

fn today_utc() -> Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

fn parse_date(text: Option<&str>) -> ApiResult<Date> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(today_utc()),
        Some(t) => t
            .parse::<Date>()
            .map_err(|_| ApiError::validation("date", t, "a date YYYY-MM-DD")),
    }
}

/// Parses a comma-separated market list ("DE,US"); empty means the default markets. Duplicates are dropped.
pub fn parse_markets(text: Option<&str>) -> ApiResult<Vec<Country>> {
    let tokens: Vec<&str> = match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => DEFAULT_MARKETS.to_vec(),
        Some(t) => t
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .collect(),
    };
    let mut markets: Vec<Country> = Vec::new();
    for token in tokens {
        let country = Country::parse(token).map_err(|_| {
            ApiError::validation("markets", token, "ISO 3166 alpha-2 codes, e.g. DE,US")
        })?;
        if !markets.contains(&country) {
            markets.push(country);
        }
    }
    if markets.len() > MAX_MARKETS {
        return Err(ApiError::validation(
            "markets",
            &markets.len().to_string(),
            &format!("at most {MAX_MARKETS} markets"),
        ));
    }
    Ok(markets)
}

/// One requirement line of a gap cell.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GapLineResponse {
    /// Requirement id in the pack, e.g. `eu_ce_red`.
    pub requirement: String,
    pub title: String,
    /// mark, certificate, test_report, declaration, registration, label, document, transport.
    pub kind: String,
    /// met, expiring, expired, missing, instruction.
    pub status: String,
    /// Why, naming the document and dates.
    pub reason: String,
    /// Legal source of the rule.
    pub source: String,
    /// The rule is marked uncertain.
    pub uncertain: bool,
    /// When set, the seller must judge whether it applies (the condition).
    pub conditional: Option<String>,
}

/// One SKU × market cell.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GapCellResponse {
    /// ISO alpha-2.
    pub market: String,
    /// met, expiring, expired (a required document has expired, none is missing), missing, not_applicable,
    /// not_covered.
    pub status: String,
    /// One-line explanation (counts, or why not covered).
    pub summary: String,
    pub lines: Vec<GapLineResponse>,
}

/// One SKU of the gap report with a cell per requested market, in market order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GapSkuResponse {
    pub code: String,
    pub title: String,
    /// Category the requirements were chosen by (electrical, toy, ... unknown).
    pub category: String,
    pub cells: Vec<GapCellResponse>,
}

/// The gap matrix of the organisation's catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GapResponse {
    /// What the report is based on (documents on file).
    pub note: String,
    /// Documents on file in the organisation's vault.
    pub documents: usize,
    /// Rules in force on this day.
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// Requirements pack id and version.
    pub pack: String,
    pub markets: Vec<String>,
    pub skus: Vec<GapSkuResponse>,
}

fn cell_status_name(status: &CellStatus) -> &'static str {
    match status {
        CellStatus::Met => "met",
        CellStatus::Expiring => "expiring",
        CellStatus::Missing => "missing",
        CellStatus::NotApplicable => "not_applicable",
        CellStatus::NotCovered(_) => "not_covered",
    }
}

fn enum_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Computes the gap matrix for `org`'s whole catalogue (shared by the API and the page).
pub async fn gap_matrix(
    state: &AppState,
    org: OrgId,
    markets: &[Country],
    date: Date,
) -> ApiResult<GapResponse> {
    let pack = pack()?;
    let stored = state.store.all_skus(org).await?;
    let docs = state
        .store
        .list_documents(org, &tradelane_store::DocumentQuery::default())
        .await?;
    let markets = markets.to_vec();
    // Pure but CPU-bound for large catalogues: keep it off the request threads.
    tokio::task::spawn_blocking(move || {
        let skus: Vec<GapSku> = stored
            .iter()
            .map(|s| GapSku::from_record(&s.record, None))
            .collect();
        let options = GapOptions {
            today: date,
            expiring_within_days: EXPIRING_WITHIN_DAYS,
        };
        let evidence = crate::vault::on_file(&docs);
        let cells = gap_report(pack, &skus, &markets, &evidence, options);
        let mut out: Vec<GapSkuResponse> = stored
            .iter()
            .zip(&skus)
            .map(|(s, g)| GapSkuResponse {
                code: s.record.code.to_string(),
                title: s.record.title.clone(),
                category: g.profile.category.name().to_string(),
                cells: Vec::with_capacity(markets.len()),
            })
            .collect();
        for cell in &cells {
            let Some(sku) = out.get_mut(cell.sku) else {
                continue;
            };
            let mut status = cell_status_name(&cell.status);
            // Missing in the engine covers expired too; name it when nothing required is plainly missing.
            if status == "missing"
                && !cell.lines.iter().any(|l| {
                    l.requirement.conditional.is_none() && matches!(l.status, LineStatus::Missing)
                })
            {
                status = "expired";
            }
            sku.cells.push(GapCellResponse {
                market: cell.market.code().to_string(),
                status: status.to_string(),
                summary: cell.summary(),
                lines: cell
                    .lines
                    .iter()
                    .map(|l| GapLineResponse {
                        requirement: l.requirement.id.clone(),
                        title: l.requirement.title_en.clone(),
                        kind: enum_name(&l.requirement.kind),
                        status: l.status.name().to_string(),
                        reason: l.reason(&evidence),
                        source: l.requirement.source.clone(),
                        uncertain: l.requirement.uncertain,
                        conditional: l.requirement.conditional.clone(),
                    })
                    .collect(),
            });
        }
        GapResponse {
            note: vault_note(docs.len()),
            documents: docs.len(),
            date,
            pack: format!("{} {}", pack.pack_id, pack.pack_version),
            markets: markets.iter().map(|m| m.code().to_string()).collect(),
            skus: out,
        }
    })
    .await
    .map_err(|e| ApiError::internal("computing the gap report", e))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GapParams {
    /// Comma-separated ISO alpha-2 markets (default DE,FR,GB,US,JP; at most 40).
    pub markets: Option<String>,
    /// Evaluate the rules in force on this day, YYYY-MM-DD (default today, UTC).
    pub date: Option<String>,
}

/// SKU × market gap matrix of the catalogue against the documents on file: per cell met / expiring / expired /
/// missing / not applicable / not covered, with every requirement line and its reason.
#[utoipa::path(get, path = "/compliance/gap", tag = "compliance", params(GapParams),
    responses((status = 200, body = GapResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_gap(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<GapParams>,
) -> ApiResult<Json<GapResponse>> {
    let markets = parse_markets(params.markets.as_deref())?;
    let date = parse_date(params.date.as_deref())?;
    Ok(Json(
        gap_matrix(&state, caller.org_id, &markets, date).await?,
    ))
}

/// One rule of the requirements explanation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleResponse {
    pub id: String,
    /// mark, certificate, test_report, declaration, registration, label, document, transport.
    pub kind: String,
    pub title: String,
    pub title_zh: Option<String>,
    pub standards: Vec<String>,
    /// Document types that evidence it.
    pub satisfied_by: Vec<String>,
    /// Effective dates, inclusive: `2024-12-13..open`.
    pub effective: String,
    pub source: String,
    /// FACTS.md section the rule was authored from.
    pub facts: String,
    pub uncertain: bool,
    pub conditional: Option<String>,
    pub note: Option<String>,
    /// Why it does not apply (only in `not_applicable`).
    pub reason: Option<String>,
}

impl RuleResponse {
    fn new(r: &Requirement, reason: Option<String>) -> Self {
        RuleResponse {
            id: r.id.clone(),
            kind: enum_name(&r.kind),
            title: r.title_en.clone(),
            title_zh: r.title_zh.clone(),
            standards: r.standards.clone(),
            satisfied_by: r.satisfied_by.clone(),
            effective: r.effective.label(),
            source: r.source.clone(),
            facts: r.facts.clone(),
            uncertain: r.uncertain,
            conditional: r.conditional.clone(),
            note: r.note.clone(),
            reason,
        }
    }
}

/// Which requirements apply to one SKU in one market, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequirementsResponse {
    pub sku: String,
    pub title: String,
    pub market: String,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// Category the requirements are chosen by.
    pub category: String,
    /// How the product profile was derived from the catalogue record.
    pub profile_reasons: Vec<String>,
    /// False when the pack makes no statement for this market or category (see `not_covered`).
    pub covered: bool,
    /// Why nothing can be said (unknown market or category); never read as compliant.
    pub not_covered: Option<String>,
    pub applies: Vec<RuleResponse>,
    /// Rules that apply from a date within the next 365 days.
    pub upcoming: Vec<RuleResponse>,
    /// Rules of the market that do not apply, each with the reason.
    pub not_applicable: Vec<RuleResponse>,
}

/// Explains the requirements of `code` in `market` for `org` (shared by the API and the page).
pub async fn explain_requirements(
    state: &AppState,
    org: OrgId,
    code: &str,
    market: Country,
    date: Date,
) -> ApiResult<RequirementsResponse> {
    let pack = pack()?;
    let code = SkuCode::parse(code.trim())
        .map_err(|_| ApiError::validation("sku", code, "a SKU code of the catalogue"))?;
    let Some(stored) = state.store.get_sku_by_code(org, &code).await? else {
        return Err(ApiError::NotFound);
    };
    let record = stored.record;
    let derived = derive_profile(&record);
    let mut out = RequirementsResponse {
        sku: record.code.to_string(),
        title: record.title.clone(),
        market: market.code().to_string(),
        date,
        category: derived.profile.category.name().to_string(),
        profile_reasons: derived.reasons.clone(),
        covered: true,
        not_covered: None,
        applies: Vec::new(),
        upcoming: Vec::new(),
        not_applicable: Vec::new(),
    };
    match pack.explain(&derived.profile, market, date) {
        Err(nc) => {
            out.covered = false;
            out.not_covered = Some(nc.to_string());
        }
        Ok((applies, not)) => {
            out.applies = applies.iter().map(|r| RuleResponse::new(r, None)).collect();
            out.not_applicable = not
                .iter()
                .map(|n| RuleResponse::new(n.requirement, Some(n.reason.clone())))
                .collect();
            out.upcoming = pack
                .upcoming(&derived.profile, market, date, 365)
                .unwrap_or_default()
                .into_iter()
                .map(|r| RuleResponse::new(r, None))
                .collect();
        }
    }
    Ok(out)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequirementsParams {
    /// SKU code.
    pub sku: String,
    /// ISO alpha-2 market.
    pub market: String,
    /// Evaluate the rules in force on this day, YYYY-MM-DD (default today, UTC).
    pub date: Option<String>,
}

/// Which requirements apply to a SKU in a market and why: sources, effective dates, uncertain marks, and the
/// rules that do not apply with their reasons. `covered = false` when the pack cannot say.
#[utoipa::path(get, path = "/compliance/requirements", tag = "compliance", params(RequirementsParams),
    responses((status = 200, body = RequirementsResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_requirements(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<RequirementsParams>,
) -> ApiResult<Json<RequirementsResponse>> {
    let market = Country::parse(params.market.trim()).map_err(|_| {
        ApiError::validation(
            "market",
            &params.market,
            "an ISO 3166 alpha-2 code, e.g. DE",
        )
    })?;
    let date = parse_date(params.date.as_deref())?;
    Ok(Json(
        explain_requirements(&state, caller.org_id, &params.sku, market, date).await?,
    ))
}

/// True when a line's status means something must be done (used by the page for counts).
pub fn line_needs_action(status: &str) -> bool {
    matches!(status, "missing" | "expired")
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(get_gap))
        .routes(routes!(get_requirements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markets_default_dedupe_and_reject_bad_codes() {
        let default = parse_markets(None).expect("default markets parse");
        assert_eq!(default.len(), DEFAULT_MARKETS.len());
        let m = parse_markets(Some(" de, US ,DE,")).expect("parses");
        assert_eq!(
            m.iter().map(|c| c.code()).collect::<Vec<_>>(),
            vec!["DE", "US"]
        );
        assert!(parse_markets(Some("DE,XX1")).is_err());
    }

    #[test]
    fn builtin_pack_loads() {
        assert!(pack().is_ok());
    }

    #[test]
    fn line_status_names_match_the_engine() {
        assert!(line_needs_action(LineStatus::Missing.name()));
        assert!(!line_needs_action(LineStatus::Instruction.name()));
    }
}
