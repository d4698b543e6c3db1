//! "What changes for me": the differences between two versions of a rule pack (landed cost, requirements or
//! tax thresholds) — rules added, removed and changed, with their dates and the fields that differ — filtered
//! to the markets and SKUs the organisation sells.
//!
//! A version is `builtin` (the pack shipped with tradelane), `active` / `stored:<id>` (landed cost: the
//! organisation's loaded versions, composed with the built-in pack as quotes use them), or the TOML text of a
//! pack. The organisation sells to its target markets and the destinations of its imported orders, and sells
//! its catalogue's SKUs (their HS codes and product categories).

use axum::Json;
use axum::extract::State;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tradelane_compliance::diff::{DiffFilter, RuleChange, diff_requirements, diff_thresholds};
use tradelane_compliance::requirements::{Category, RequirementPack, derive_profile};
use tradelane_compliance::tax::ThresholdPack;
use tradelane_domain::Country;
use tradelane_landed_cost::HsDigits;
use tradelane_landed_cost::pack::RulePack;
use tradelane_landed_cost::pack::diff::{PackChange, PackDiffFilter, diff_packs};
use tradelane_store::{OrgId, Store, compose_pack};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Which pack family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PackKind {
    LandedCost,
    Requirements,
    Tax,
}

impl PackKind {
    pub fn parse(text: &str) -> Option<PackKind> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "landed_cost" | "landedcost" | "lc" => Some(PackKind::LandedCost),
            "requirements" | "compliance" => Some(PackKind::Requirements),
            "tax" | "thresholds" => Some(PackKind::Tax),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DiffBody {
    pub kind: PackKind,
    /// `builtin`, `active`, `stored:<id>` (landed cost), or the TOML text of a pack.
    pub old: String,
    /// Same forms as `old`.
    pub new: String,
    /// `mine` (default): only the markets and SKUs the organisation sells; `all`: every rule.
    #[serde(default)]
    pub scope: Option<String>,
}

/// One field that differs (values as JSON text).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldChangeBody {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One changed rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeBody {
    /// `added`, `removed`, `changed`.
    pub change: String,
    /// Section of the pack: `duty`, `tax`, `low_value`, `fee`, `market`, `requirement`, `threshold`, `filing`.
    pub section: String,
    pub id: String,
    /// Markets the rule applies to.
    pub markets: Vec<String>,
    pub hs: Option<String>,
    pub old_from: Option<String>,
    pub old_to: Option<String>,
    pub new_from: Option<String>,
    pub new_to: Option<String>,
    pub fields: Vec<FieldChangeBody>,
    pub uncertain: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiffResponse {
    pub kind: PackKind,
    pub old_version: String,
    pub new_version: String,
    /// True when filtered to what the organisation sells.
    pub filtered: bool,
    /// Markets the filter kept (empty = all).
    pub markets: Vec<String>,
    /// HS codes (landed cost) or product categories (requirements) the filter kept (empty = all).
    pub products: Vec<String>,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub changes: Vec<ChangeBody>,
}

fn change_name(kind: impl Serialize) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn from_pack_change(c: PackChange) -> ChangeBody {
    ChangeBody {
        change: change_name(c.kind),
        section: c.section.to_string(),
        id: c.id,
        markets: vec![c.scope],
        hs: c.hs,
        old_from: c.old_effective.map(|e| e.from.to_string()),
        old_to: c.old_effective.and_then(|e| e.to).map(|d| d.to_string()),
        new_from: c.new_effective.map(|e| e.from.to_string()),
        new_to: c.new_effective.and_then(|e| e.to).map(|d| d.to_string()),
        fields: c
            .fields
            .into_iter()
            .map(|f| FieldChangeBody {
                field: f.field,
                old: f.old,
                new: f.new,
            })
            .collect(),
        uncertain: c.uncertain,
    }
}

fn from_rule_change(section: &str, c: RuleChange, uncertain: bool) -> ChangeBody {
    ChangeBody {
        change: change_name(c.kind),
        section: section.to_string(),
        id: c.id,
        markets: c.markets,
        hs: None,
        old_from: c.old_effective.map(|e| e.from.to_string()),
        old_to: c.old_effective.and_then(|e| e.to).map(|d| d.to_string()),
        new_from: c.new_effective.map(|e| e.from.to_string()),
        new_to: c.new_effective.and_then(|e| e.to).map(|d| d.to_string()),
        fields: c
            .fields
            .into_iter()
            .map(|f| FieldChangeBody {
                field: f.field,
                old: f.old,
                new: f.new,
            })
            .collect(),
        uncertain,
    }
}

/// What the organisation sells: markets (target markets and order destinations) and its SKUs.
pub struct Selling {
    pub markets: Vec<Country>,
    pub hs_codes: Vec<HsDigits>,
    pub categories: Vec<Category>,
}

/// Reads what the organisation sells from the store.
pub async fn selling(store: &Store, org: OrgId, since: Date) -> ApiResult<Selling> {
    let mut markets: Vec<Country> = store
        .target_markets(org)
        .await?
        .iter()
        .map(|m| m.country)
        .collect();
    for o in store.tax_orders(org, Some(since), None).await? {
        if !markets.contains(&o.destination) {
            markets.push(o.destination);
        }
    }
    let skus = store.all_skus(org).await?;
    let mut hs_codes = Vec::new();
    let mut categories = Vec::new();
    for s in &skus {
        let codes = s
            .record
            .hs_code
            .iter()
            .chain(s.record.national_hs_codes.values());
        for c in codes {
            if let Ok(d) = HsDigits::parse_prefix(c.as_str())
                && !hs_codes.contains(&d)
            {
                hs_codes.push(d);
            }
        }
        let cat = derive_profile(&s.record).profile.category;
        if cat != Category::Unknown && !categories.contains(&cat) {
            categories.push(cat);
        }
    }
    Ok(Selling {
        markets,
        hs_codes,
        categories,
    })
}

/// A pack version to compare, already loaded.
enum Loaded {
    LandedCost(Box<RulePack>, String),
    Requirements(Box<RequirementPack>, String),
    Tax(Box<ThresholdPack>, String),
}

fn pack_errors(side: &str, errors: impl IntoIterator<Item = String>) -> ApiError {
    let list: Vec<String> = errors.into_iter().take(20).collect();
    ApiError::Validation {
        message: format!("{side}: the pack is invalid: {}", list.join("; ")),
        fields: Vec::new(),
    }
}

async fn load(
    store: &Store,
    org: OrgId,
    kind: PackKind,
    side: &str,
    spec: &str,
) -> ApiResult<Loaded> {
    let word = spec.trim();
    match kind {
        PackKind::LandedCost => {
            let text: Option<String> = if word.eq_ignore_ascii_case("builtin") {
                None
            } else if word.eq_ignore_ascii_case("active") {
                store.latest_rule_pack(org).await?.map(|p| p.toml)
            } else if let Some(id) = word.strip_prefix("stored:") {
                let id: i64 = id.trim().parse().map_err(|_| {
                    ApiError::validation(side, word, "stored:<id> of a loaded version")
                })?;
                let packs = store.list_rule_packs(org).await?;
                if !packs.iter().any(|p| p.id == id) {
                    return Err(ApiError::NotFound);
                }
                Some(
                    store
                        .rule_pack_text(org, id)
                        .await?
                        .ok_or(ApiError::NotFound)?,
                )
            } else {
                Some(spec.to_string())
            };
            let pack = tokio::task::spawn_blocking(move || compose_pack(text.as_deref()))
                .await
                .map_err(|e| ApiError::internal("loading a pack", e))?
                .map_err(|e| pack_errors(side, e.iter().map(ToString::to_string)))?;
            let version = format!("{} {}", pack.meta().pack_id, pack.meta().pack_version);
            Ok(Loaded::LandedCost(Box::new(pack), version))
        }
        PackKind::Requirements => {
            let pack = if word.eq_ignore_ascii_case("builtin") {
                RequirementPack::builtin()
            } else {
                RequirementPack::from_toml_str(spec)
            }
            .map_err(|e| {
                pack_errors(
                    side,
                    e.iter().map(|x| format!("{}: {}", x.location, x.message)),
                )
            })?;
            let version = format!("{} {}", pack.pack_id, pack.pack_version);
            Ok(Loaded::Requirements(Box::new(pack), version))
        }
        PackKind::Tax => {
            let pack = if word.eq_ignore_ascii_case("builtin") {
                ThresholdPack::builtin()
            } else {
                ThresholdPack::from_toml_str(spec)
            }
            .map_err(|e| {
                pack_errors(
                    side,
                    e.iter().map(|x| format!("{}: {}", x.location, x.message)),
                )
            })?;
            let version = format!("{} {}", pack.pack_id, pack.pack_version);
            Ok(Loaded::Tax(Box::new(pack), version))
        }
    }
}

/// Computes the differences for the organisation (used by the API, the page and the CLI through the API types).
pub async fn diff_for(store: &Store, org: OrgId, body: &DiffBody) -> ApiResult<DiffResponse> {
    let filtered = match body.scope.as_deref().map(str::trim) {
        None | Some("") | Some("mine") => true,
        Some("all") => false,
        Some(other) => return Err(ApiError::validation("scope", other, "mine or all")),
    };
    let old = load(store, org, body.kind, "old", &body.old).await?;
    let new = load(store, org, body.kind, "new", &body.new).await?;
    let since = crate::api::landed_cost::today_utc()
        .checked_sub(jiff::Span::new().years(1))
        .unwrap_or(Date::MIN);
    let sells = if filtered {
        selling(store, org, since).await?
    } else {
        Selling {
            markets: Vec::new(),
            hs_codes: Vec::new(),
            categories: Vec::new(),
        }
    };
    let markets: Vec<String> = sells.markets.iter().map(|c| c.code().to_string()).collect();
    let (old_version, new_version, changes, products) = match (old, new) {
        (Loaded::LandedCost(o, ov), Loaded::LandedCost(n, nv)) => {
            let filter = PackDiffFilter {
                countries: sells.markets.clone(),
                hs_codes: sells.hs_codes.clone(),
            };
            let changes = diff_packs(&o, &n, &filter)
                .into_iter()
                .map(from_pack_change)
                .collect();
            (
                ov,
                nv,
                changes,
                sells.hs_codes.iter().map(ToString::to_string).collect(),
            )
        }
        (Loaded::Requirements(o, ov), Loaded::Requirements(n, nv)) => {
            let filter = DiffFilter {
                markets: sells.markets.clone(),
                categories: sells.categories.clone(),
            };
            let uncertain = |id: &str| {
                n.requirements
                    .iter()
                    .chain(o.requirements.iter())
                    .find(|r| r.id == id)
                    .is_some_and(|r| r.uncertain)
            };
            let changes = diff_requirements(&o, &n, &filter)
                .into_iter()
                .map(|c| {
                    let u = uncertain(&c.id);
                    from_rule_change("requirement", c, u)
                })
                .collect();
            (
                ov,
                nv,
                changes,
                sells
                    .categories
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect(),
            )
        }
        (Loaded::Tax(o, ov), Loaded::Tax(n, nv)) => {
            let is_filing = |id: &str| n.filings.iter().chain(o.filings.iter()).any(|f| f.id == id);
            let uncertain = |id: &str| {
                n.thresholds
                    .iter()
                    .chain(o.thresholds.iter())
                    .find(|r| r.id == id)
                    .map(|r| r.uncertain)
                    .or_else(|| {
                        n.filings
                            .iter()
                            .chain(o.filings.iter())
                            .find(|f| f.id == id)
                            .map(|f| f.uncertain)
                    })
                    .unwrap_or(false)
            };
            let changes = diff_thresholds(&o, &n, &sells.markets)
                .into_iter()
                .map(|c| {
                    let section = if is_filing(&c.id) {
                        "filing"
                    } else {
                        "threshold"
                    };
                    let u = uncertain(&c.id);
                    from_rule_change(section, c, u)
                })
                .collect();
            (ov, nv, changes, Vec::new())
        }
        _ => return Err(ApiError::internal("diff", "pack kinds differ")),
    };
    let changes: Vec<ChangeBody> = changes;
    let count = |k: &str| changes.iter().filter(|c| c.change == k).count();
    Ok(DiffResponse {
        kind: body.kind,
        old_version,
        new_version,
        filtered,
        markets,
        products,
        added: count("added"),
        removed: count("removed"),
        changed: count("changed"),
        changes,
    })
}

/// What changes for me: rules added, removed and changed between two versions of a pack (landed cost,
/// requirements or tax), with their dates, filtered to the markets and SKUs the organisation sells (unless
/// `scope` is `all`). Read-only; every role.
#[utoipa::path(post, path = "/rules/diff", tag = "rules", request_body = DiffBody,
    responses((status = 200, body = DiffResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_diff(
    State(state): State<AppState>,
    caller: Principal,
    crate::api::ApiJson(body): crate::api::ApiJson<DiffBody>,
) -> ApiResult<Json<DiffResponse>> {
    Ok(Json(diff_for(&state.store, caller.org_id, &body).await?))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().merge(
        utoipa_axum::router::OpenApiRouter::new()
            .routes(routes!(post_diff))
            .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
    )
}
