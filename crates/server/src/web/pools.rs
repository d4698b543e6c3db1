//! Consolidation pool pages (拼柜): the list of pools (own, joined, open to join) with a create form,
//! and one pool's page: participants as the caller may see them, its own cartons (CSV/XLSX upload),
//! the containers of the plan with utilisation bars, why each was chosen, its own share, its saving
//! against shipping alone, and a chart of the split.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rust_decimal::Decimal;
use serde::Deserialize;
use tradelane_domain::{Money, UiLang};
use tradelane_freight::{
    CellError, ContainerWhy, DgLoad, PoolNote, PoolPlan, UnplacedWhy, import_cartons, read_bytes,
};
use tradelane_store::{CartonWrite, JoinPool, PoolId, PoolStatus, StoreError, StoredPool};

use super::PageError;
use super::layout::Layout;
use crate::api::pools::{ContainerRequest, CreatePoolRequest, new_pool, run_plan};
use crate::auth::{PageUser, Principal};
use crate::error::ApiError;
use crate::format;
use crate::i18n::Tr;
use crate::state::AppState;

const ACTIVE: &str = "freight-pools";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/freight/pools", get(list).post(create))
        .route("/freight/pools/{id}", get(detail))
        .route("/freight/pools/{id}/join", post(join))
        .route("/freight/pools/{id}/cartons", post(upload_cartons))
        .route("/freight/pools/{id}/plan", post(plan))
        .route("/freight/pools/{id}/close", post(close))
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn money(m: &Money, lang: UiLang) -> String {
    format::money(
        m.amount(),
        m.currency().code(),
        m.currency().minor_units(),
        lang,
    )
}

fn status_key(s: PoolStatus) -> &'static str {
    match s {
        PoolStatus::Open => "pools.status_open",
        PoolStatus::Closed => "pools.status_closed",
        PoolStatus::Planned => "pools.status_planned",
    }
}

pub struct PoolRow {
    pub id: i64,
    pub name: String,
    pub lane: String,
    pub cut_off: String,
    pub mode: String,
    pub organiser: String,
    pub participants: u64,
    pub status: String,
    pub status_code: &'static str,
    pub open_to_all: bool,
    pub role: String,
}

fn pool_row(t: Tr, p: &StoredPool) -> PoolRow {
    PoolRow {
        id: p.id.0,
        name: p.name.clone(),
        lane: p.lane.clone(),
        cut_off: format::date(p.cut_off, t.lang),
        mode: p.mode.code().to_string(),
        organiser: p.organiser_name.clone(),
        participants: p.participant_count,
        status: t.t(status_key(p.status)).to_string(),
        status_code: p.status.as_str(),
        open_to_all: p.visibility == tradelane_store::PoolVisibility::Open,
        role: t
            .t(if p.is_organiser {
                "pools.role_organiser"
            } else if p.joined {
                "pools.role_participant"
            } else {
                "pools.role_can_join"
            })
            .to_string(),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    lane: String,
    #[serde(default)]
    cut_off: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    split_method: String,
    #[serde(default)]
    price_20gp: String,
    #[serde(default)]
    price_40gp: String,
    #[serde(default)]
    price_40hq: String,
    #[serde(default)]
    price_45hq: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pools_list.html")]
struct ListPage {
    t: Tr,
    l: Layout,
    pools: Vec<PoolRow>,
    form: CreateForm,
    error: Option<String>,
}

async fn render_list(
    state: &AppState,
    user: &Principal,
    form: CreateForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, ACTIVE, "/freight/pools");
    let t = l.t;
    let pools = state
        .store
        .list_pools(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let form = CreateForm {
        currency: if form.currency.is_empty() {
            "USD".into()
        } else {
            form.currency
        },
        ..form
    };
    let page = ListPage {
        t,
        pools: pools.iter().map(|p| pool_row(t, p)).collect(),
        l,
        form,
        error,
    };
    Ok((status, page).into_response())
}

/// The pools the organisation organises, takes part in or may join.
pub async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    render_list(&state, &user, CreateForm::default(), None, StatusCode::OK).await
}

fn api_refusal(e: ApiError) -> Result<String, ApiError> {
    match e {
        ApiError::Validation { message, .. } | ApiError::Conflict(message) => Ok(message),
        ApiError::VersionMismatch => Ok(e.to_string()),
        other => Err(other),
    }
}

fn page_error(l: &Layout, e: ApiError) -> PageError {
    match e {
        ApiError::NotFound => l.not_found(),
        ApiError::Forbidden => l.forbidden(),
        ApiError::Validation { message, .. } => l.error(StatusCode::UNPROCESSABLE_ENTITY, message),
        ApiError::Conflict(message) => l.error(StatusCode::CONFLICT, message),
        ApiError::VersionMismatch => l.error(StatusCode::CONFLICT, e.to_string()),
        other => {
            tracing::error!(error = %other, "pool page");
            l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal"))
        }
    }
}

/// Creates a pool from the form (owner, operator).
pub async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::Form(form): axum::Form<CreateForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, ACTIVE, "/freight/pools");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let fail = |msg: String| (msg, StatusCode::UNPROCESSABLE_ENTITY);
    let request = (|| {
        let cut_off = form
            .cut_off
            .trim()
            .parse()
            .map_err(|_| fail(t.tf("pools.bad_date", &[("value", form.cut_off.trim())])))?;
        let mut containers = Vec::new();
        for (code, text) in [
            ("20GP", &form.price_20gp),
            ("40GP", &form.price_40gp),
            ("40HQ", &form.price_40hq),
            ("45HQ", &form.price_45hq),
        ] {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let price: Decimal = text
                .parse()
                .map_err(|_| fail(t.tf("pools.bad_price", &[("code", code), ("value", text)])))?;
            containers.push(ContainerRequest {
                code: code.into(),
                price,
                inner_mm: None,
                payload_kg: None,
                accepts_dg: None,
                dg_mixing: false,
            });
        }
        if containers.is_empty() {
            return Err(fail(t.t("pools.no_prices").to_string()));
        }
        Ok(CreatePoolRequest {
            name: form.name.clone(),
            lane: form.lane.clone(),
            cut_off,
            mode: None,
            currency: form.currency.trim().to_uppercase(),
            split_method: Some(form.split_method.clone()).filter(|s| !s.is_empty()),
            visibility: Some(form.visibility.clone()).filter(|s| !s.is_empty()),
            containers,
        })
    })();
    let request = match request {
        Ok(r) => r,
        Err((msg, status)) => return render_list(&state, &user, form, Some(msg), status).await,
    };
    let new = match new_pool(request) {
        Ok(n) => n,
        Err(e) => {
            let msg = api_refusal(e).map_err(|e| page_error(&l, e))?;
            return render_list(
                &state,
                &user,
                form,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state.store.create_pool(&user.actor(), new).await {
        Ok(p) => Ok(Redirect::to(&format!("/freight/pools/{}", p.id)).into_response()),
        Err(StoreError::Invalid(msg)) => {
            render_list(
                &state,
                &user,
                form,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(l.store_error(e)),
    }
}

pub struct MemberRow {
    pub name: String,
    pub deadline: String,
    pub joined_at: String,
    pub lines: u64,
    pub cartons: u64,
    pub me: bool,
}

pub struct CartonRow {
    pub id: String,
    pub dims_cm: String,
    pub weight: String,
    pub qty: u32,
    pub flags: Vec<&'static str>,
}

pub struct LoadRow {
    pub carton: String,
    pub count: u32,
    pub volume: String,
    pub weight: String,
    pub dg: bool,
}

pub struct ShareRow {
    pub name: String,
    pub cartons: u64,
    pub basis: String,
    pub share: String,
    pub me: bool,
}

pub struct ContainerRow {
    pub number: u32,
    pub profile: String,
    pub price: String,
    pub source: String,
    pub dg: Option<&'static str>,
    pub why: Vec<String>,
    pub cartons: u64,
    pub volume: String,
    pub capacity: String,
    pub weight: String,
    pub payload: String,
    pub volume_pct: String,
    pub weight_pct: String,
    pub volume_bar: String,
    pub weight_bar: String,
    pub loads: Vec<LoadRow>,
    pub shares: Vec<ShareRow>,
}

pub struct MeRow {
    pub share: String,
    pub basis: String,
    pub fraction_pct: String,
    pub solo: Option<String>,
    pub solo_source: String,
    pub saving: Option<String>,
    pub saves: bool,
    pub cartons_placed: u64,
    pub cartons_unplaced: u64,
    pub chart: String,
}

pub struct UnplacedRow {
    pub carton: String,
    pub count: u32,
    pub reason: String,
}

pub struct PlanView {
    pub total: String,
    pub method: String,
    pub containers: Vec<ContainerRow>,
    pub me: Option<MeRow>,
    pub split_chart: String,
    pub unplaced: Vec<UnplacedRow>,
    pub notes: Vec<String>,
    pub checks: String,
}

/// A utilisation bar: share of the track filled, green up to 85 %, amber above, red over 100 %.
fn bar_svg(pct: Decimal, label: &str) -> String {
    const W: f64 = 220.0;
    let p: f64 = pct.try_into().unwrap_or(0.0);
    let fill = (p.clamp(0.0, 100.0) / 100.0 * W * 10.0).round() / 10.0;
    let colour = if p > 100.0 {
        "#c0392b"
    } else if p >= 85.0 {
        "#d68910"
    } else {
        "#2e86c1"
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="pool-bar" width="{W}" height="14" viewBox="0 0 {W} 14" role="img" aria-label="{label}"><rect x="0" y="2" width="{W}" height="10" fill="#e5e8eb" rx="2"/><rect x="0" y="2" width="{fill}" height="10" fill="{colour}" rx="2"/></svg>"##,
        label = esc(label),
    )
}

const PALETTE: [&str; 8] = [
    "#2e86c1", "#d68910", "#28b463", "#8e44ad", "#c0392b", "#17a589", "#7f8c8d", "#f1c40f",
];

/// Own cost alone against own share in the pool: two bars on one scale.
fn saving_svg(t: Tr, share: &Money, solo: &Money, lang: UiLang) -> String {
    const W: f64 = 420.0;
    const LABEL: f64 = 120.0;
    let max: f64 = share
        .amount()
        .max(solo.amount())
        .try_into()
        .unwrap_or(1.0_f64)
        .max(1e-9);
    let len = |m: &Money| -> f64 {
        let v: f64 = m.amount().try_into().unwrap_or(0.0);
        ((v / max) * (W - LABEL - 110.0) * 10.0).round() / 10.0
    };
    let row = |y: f64, name: &str, m: &Money, colour: &str| {
        format!(
            r##"<text x="0" y="{ty}" font-size="12">{name}</text><rect x="{LABEL}" y="{y}" width="{w}" height="16" fill="{colour}" rx="2"/><text x="{tx}" y="{ty}" font-size="12">{amount}</text>"##,
            ty = y + 12.0,
            name = esc(name),
            w = len(m),
            tx = LABEL + len(m) + 6.0,
            amount = esc(&money(m, lang)),
        )
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="pool-chart" data-testid="pool-saving-chart" width="{W}" height="52" viewBox="0 0 {W} 52" role="img" aria-label="{aria}">{a}{b}</svg>"##,
        aria = esc(t.t("pools.chart_saving")),
        a = row(4.0, t.t("pools.alone"), solo, "#7f8c8d"),
        b = row(28.0, t.t("pools.in_pool"), share, "#28b463"),
    )
}

/// The pool total split between participants: one stacked bar with a legend (the organiser sees
/// every participant; a participant sees itself against "others").
fn split_svg(t: Tr, plan: &PoolPlan, viewer: &str, lang: UiLang) -> String {
    const W: f64 = 560.0;
    let total: f64 = plan.total.amount().try_into().unwrap_or(0.0);
    if total <= 0.0 {
        return String::new();
    }
    let mut parts: Vec<(String, Money)> = plan
        .participants
        .iter()
        .filter(|p| !p.share.is_zero())
        .map(|p| {
            let name = if p.participant_id == viewer {
                t.t("pools.you").to_string()
            } else {
                p.name.clone()
            };
            (name, p.share)
        })
        .collect();
    let known: Decimal = parts.iter().map(|(_, m)| m.amount()).sum();
    if known < plan.total.amount() {
        parts.push((
            t.t("pools.others").to_string(),
            Money::new(plan.total.amount() - known, plan.currency),
        ));
    }
    let mut x = 0.0;
    let mut bars = String::new();
    let mut legend = String::new();
    for (i, (name, m)) in parts.iter().enumerate() {
        let v: f64 = m.amount().try_into().unwrap_or(0.0);
        let w = (v / total * W * 10.0).round() / 10.0;
        let colour = PALETTE[i % PALETTE.len()];
        bars.push_str(&format!(
            r##"<rect x="{x}" y="0" width="{w}" height="22" fill="{colour}"><title>{title}</title></rect>"##,
            title = esc(&format!("{name}: {}", money(m, lang))),
        ));
        let ly = 40.0 + 18.0 * i as f64;
        legend.push_str(&format!(
            r##"<rect x="0" y="{ry}" width="12" height="12" fill="{colour}"/><text x="18" y="{ty}" font-size="12">{label}</text>"##,
            ry = ly - 10.0,
            ty = ly,
            label = esc(&format!(
                "{name} — {} ({:.1} %)",
                money(m, lang),
                v / total * 100.0
            )),
        ));
        x += w;
    }
    let h = 40.0 + 18.0 * parts.len() as f64;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="pool-chart" data-testid="pool-split-chart" width="{W}" height="{h}" viewBox="0 0 {W} {h}" role="img" aria-label="{aria}">{bars}{legend}</svg>"##,
        aria = esc(t.t("pools.chart_split")),
    )
}

fn why_text(t: Tr, w: &ContainerWhy, lang: UiLang) -> String {
    match w {
        ContainerWhy::CheapestForTheRest { cartons } => {
            t.tf("pools.why_rest", &[("cartons", &cartons.to_string())])
        }
        ContainerWhy::LowestCostPerWm {
            cost_per_wm,
            cartons,
        } => t.tf(
            "pools.why_per_wm",
            &[
                ("cost", &money(cost_per_wm, lang)),
                ("cartons", &cartons.to_string()),
            ],
        ),
        ContainerWhy::Merged { from, saving } => t.tf(
            "pools.why_merged",
            &[
                (
                    "from",
                    &from
                        .iter()
                        .map(|n| format!("#{n}"))
                        .collect::<Vec<_>>()
                        .join(" + "),
                ),
                ("saving", &money(saving, lang)),
            ],
        ),
        ContainerWhy::Downsized { from, saving } => t.tf(
            "pools.why_downsized",
            &[("from", from), ("saving", &money(saving, lang))],
        ),
        ContainerWhy::BudgetFallback => t.t("pools.why_budget").to_string(),
    }
}

fn reason_text(t: Tr, r: &UnplacedWhy, lang: UiLang) -> String {
    match r {
        UnplacedWhy::DeadlineBeforeCutOff { deadline, cut_off } => t.tf(
            "pools.reason_deadline",
            &[
                ("deadline", &format::date(*deadline, lang)),
                ("cut_off", &format::date(*cut_off, lang)),
            ],
        ),
        UnplacedWhy::LargerThanEveryContainer => t.t("pools.reason_larger").to_string(),
        UnplacedWhy::HeavierThanEveryPayload => t.t("pools.reason_heavier").to_string(),
        UnplacedWhy::DangerousGoodsNotAccepted => t.t("pools.reason_dg").to_string(),
        UnplacedWhy::NoFit => t.t("pools.reason_no_fit").to_string(),
        UnplacedWhy::NoContainerProfiles => t.t("pools.reason_no_profiles").to_string(),
    }
}

fn note_text(t: Tr, n: &PoolNote, lang: UiLang) -> String {
    match n {
        PoolNote::DgSegregated {
            total,
            mixed_total: Some(m),
        } => t.tf(
            "pools.note_dg_segregated_cheaper",
            &[("total", &money(total, lang)), ("mixed", &money(m, lang))],
        ),
        PoolNote::DgSegregated {
            total,
            mixed_total: None,
        } => t.tf(
            "pools.note_dg_segregated",
            &[("total", &money(total, lang))],
        ),
        PoolNote::DgMixed {
            total,
            segregated_total,
        } => t.tf(
            "pools.note_dg_mixed",
            &[
                ("total", &money(total, lang)),
                ("segregated", &money(segregated_total, lang)),
            ],
        ),
        PoolNote::SplitByVolume { container } => t.tf(
            "pools.note_split_by_volume",
            &[("container", &container.to_string())],
        ),
        PoolNote::StoppedEarly => t.t("pools.note_stopped").to_string(),
    }
}

fn plan_view(t: Tr, plan: &PoolPlan, viewer: &str) -> PlanView {
    let lang = t.lang;
    let name_of = |id: &str| -> String {
        if id == viewer {
            return t.t("pools.you").to_string();
        }
        plan.participants
            .iter()
            .find(|p| p.participant_id == id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| t.t("pools.others").to_string())
    };
    let containers = plan
        .containers
        .iter()
        .map(|c| ContainerRow {
            number: c.number,
            profile: c.profile.clone(),
            price: money(&c.price, lang),
            source: c.price_source.clone(),
            dg: match c.dg {
                DgLoad::None => None,
                DgLoad::Only => Some("pools.dg_only"),
                DgLoad::Mixed => Some("pools.dg_mixed"),
            },
            why: c.why.iter().map(|w| why_text(t, w, lang)).collect(),
            cartons: c.cartons,
            volume: format::number(c.volume_m3, 2, lang),
            capacity: format::number(c.capacity_m3, 1, lang),
            weight: format::quantity(c.weight_kg.round_dp(1), lang),
            payload: format::quantity(c.payload_kg, lang),
            volume_pct: format::number(c.volume_utilisation_pct, 1, lang),
            weight_pct: format::number(c.weight_utilisation_pct, 1, lang),
            volume_bar: bar_svg(
                c.volume_utilisation_pct,
                &format!("{} %", c.volume_utilisation_pct),
            ),
            weight_bar: bar_svg(
                c.weight_utilisation_pct,
                &format!("{} %", c.weight_utilisation_pct),
            ),
            loads: c
                .loads
                .iter()
                .map(|l| LoadRow {
                    carton: l.carton_id.clone(),
                    count: l.count,
                    volume: format::number(l.volume_m3, 3, lang),
                    weight: format::quantity(l.weight_kg.normalize(), lang),
                    dg: l.dg,
                })
                .collect(),
            shares: c
                .shares
                .iter()
                .map(|s| ShareRow {
                    name: name_of(&s.participant_id),
                    cartons: s.cartons,
                    basis: format::number(s.basis, 3, lang),
                    share: money(&s.share, lang),
                    me: s.participant_id == viewer,
                })
                .collect(),
        })
        .collect();
    let me = plan
        .participants
        .iter()
        .find(|p| p.participant_id == viewer)
        .map(|p| MeRow {
            share: money(&p.share, lang),
            basis: format!("{} {}", format::number(p.basis, 3, lang), p.basis_unit),
            fraction_pct: format::number(p.fraction * Decimal::ONE_HUNDRED, 1, lang),
            solo: p.solo_best.as_ref().map(|m| money(m, lang)),
            solo_source: p.solo_source.clone().unwrap_or_default(),
            saving: p.saving.as_ref().map(|m| money(m, lang)),
            saves: p.saving.is_some_and(|s| !s.is_negative()),
            cartons_placed: p.cartons_placed,
            cartons_unplaced: p.cartons_unplaced,
            chart: match &p.solo_best {
                Some(solo) if !p.share.is_zero() => saving_svg(t, &p.share, solo, lang),
                _ => String::new(),
            },
        });
    PlanView {
        total: money(&plan.total, lang),
        method: t
            .t(match plan.method {
                tradelane_freight::SplitMethod::WeightOrMeasure => "pools.method_wm",
                tradelane_freight::SplitMethod::VolumeOnly => "pools.method_volume",
                tradelane_freight::SplitMethod::WeightOnly => "pools.method_weight",
            })
            .to_string(),
        containers,
        me,
        split_chart: split_svg(t, plan, viewer, lang),
        unplaced: plan
            .unplaced
            .iter()
            .map(|u| UnplacedRow {
                carton: u.carton_id.clone(),
                count: u.count,
                reason: reason_text(t, &u.reason, lang),
            })
            .collect(),
        notes: plan.notes.iter().map(|n| note_text(t, n, lang)).collect(),
        checks: t.tf(
            "pools.fit_checks",
            &[("count", &plan.stats.fit_checks.to_string())],
        ),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pool_detail.html")]
struct DetailPage {
    t: Tr,
    l: Layout,
    pool: PoolRow,
    method: String,
    containers_offered: Vec<String>,
    members: Vec<MemberRow>,
    cartons: Vec<CartonRow>,
    plan: Option<PlanView>,
    can_join: bool,
    joined: bool,
    can_upload: bool,
    can_organise: bool,
    can_close: bool,
    /// "3", or for a pool without its own cards the note that the organiser's stored ones price it.
    rate_cards: String,
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<CellError>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
}

struct Feedback {
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<CellError>,
    status: StatusCode,
}

async fn render_detail(
    state: &AppState,
    user: &Principal,
    id: PoolId,
    fb: Feedback,
) -> Result<Response, PageError> {
    let path = format!("/freight/pools/{id}");
    let l = Layout::for_user(user, ACTIVE, &path);
    let t = l.t;
    let lang = t.lang;
    let pool = state
        .store
        .get_pool(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    // Planning falls back to the organiser's stored rate cards when none were uploaded to the pool.
    let rate_cards = if pool.cards.is_empty() && pool.is_organiser {
        let stored = state
            .store
            .count_freight_cards(user.org_id)
            .await
            .map_err(|e| l.store_error(e))?;
        t.tf("pools.rate_cards_stored", &[("count", &stored.to_string())])
    } else {
        pool.cards.len().to_string()
    };
    let members = state
        .store
        .pool_members(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let cartons = if pool.joined {
        state
            .store
            .pool_cartons(user.org_id, id)
            .await
            .map_err(|e| l.store_error(e))?
    } else {
        Vec::new()
    };
    let plan = state
        .store
        .pool_plan(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let viewer = user.org_id.0.to_string();
    let ten = Decimal::TEN;
    let page = DetailPage {
        t,
        pool: pool_row(t, &pool),
        method: t
            .t(match pool.method {
                tradelane_freight::SplitMethod::WeightOrMeasure => "pools.method_wm",
                tradelane_freight::SplitMethod::VolumeOnly => "pools.method_volume",
                tradelane_freight::SplitMethod::WeightOnly => "pools.method_weight",
            })
            .to_string(),
        containers_offered: pool
            .profiles
            .iter()
            .map(|p| format!("{} {}", p.code, money(&p.price, lang)))
            .collect(),
        members: members
            .iter()
            .map(|m| MemberRow {
                name: m.name.clone(),
                deadline: m
                    .deadline
                    .map(|d| format::date(d, lang))
                    .unwrap_or_default(),
                joined_at: format::timestamp(m.joined_at, lang),
                lines: m.carton_lines,
                cartons: m.cartons,
                me: m.org_id == user.org_id,
            })
            .collect(),
        cartons: cartons
            .iter()
            .map(|c| {
                let mut flags = Vec::new();
                if c.battery {
                    flags.push("pools.flag_battery");
                }
                if c.this_side_up {
                    flags.push("pools.flag_up");
                }
                if !c.stackable {
                    flags.push("pools.flag_no_stack");
                }
                CartonRow {
                    id: c.id.clone(),
                    dims_cm: c
                        .dims_mm
                        .iter()
                        .map(|d| format::quantity(*d / ten, lang))
                        .collect::<Vec<_>>()
                        .join(" × "),
                    weight: format::quantity(c.weight_kg, lang),
                    qty: c.qty,
                    flags,
                }
            })
            .collect(),
        plan: plan.as_ref().map(|p| plan_view(t, p, &viewer)),
        can_join: user.role.can_write() && !pool.joined && pool.accepts_changes(),
        joined: pool.joined,
        can_upload: user.role.can_write() && pool.joined && pool.accepts_changes(),
        can_organise: user.role.can_write() && pool.is_organiser,
        can_close: user.role.can_write() && pool.is_organiser && pool.status == PoolStatus::Open,
        rate_cards,
        l,
        message: fb.message,
        error: fb.error,
        row_errors: fb.row_errors,
    };
    Ok((fb.status, page).into_response())
}

/// One pool as the organisation may see it.
pub async fn detail(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let message = q.done.as_deref().and_then(|d| {
        let key = match d {
            "joined" => "pools.done_joined",
            "cartons" => "pools.done_cartons",
            "planned" => "pools.done_planned",
            "closed" => "pools.done_closed",
            _ => return None,
        };
        Some(t.t(key).to_string())
    });
    render_detail(
        &state,
        &user,
        PoolId(id),
        Feedback {
            message,
            error: None,
            row_errors: Vec::new(),
            status: StatusCode::OK,
        },
    )
    .await
}

fn failed(message: String, status: StatusCode) -> Feedback {
    Feedback {
        message: None,
        error: Some(message),
        row_errors: Vec::new(),
        status,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    deadline: String,
}

/// Opts the organisation in (owner, operator).
pub async fn join(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<JoinForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, ACTIVE, "/freight/pools");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let deadline = match form.deadline.trim() {
        "" => None,
        d => match d.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                let msg = t.tf("pools.bad_date", &[("value", d)]);
                return render_detail(
                    &state,
                    &user,
                    PoolId(id),
                    failed(msg, StatusCode::UNPROCESSABLE_ENTITY),
                )
                .await;
            }
        },
    };
    let join = JoinPool {
        deadline,
        solo_quote: None,
    };
    match state.store.join_pool(&user.actor(), PoolId(id), join).await {
        Ok(_) => Ok(Redirect::to(&format!("/freight/pools/{id}?done=joined")).into_response()),
        Err(StoreError::Conflict { what }) => {
            render_detail(
                &state,
                &user,
                PoolId(id),
                failed(what, StatusCode::CONFLICT),
            )
            .await
        }
        Err(e) => Err(l.store_error(e)),
    }
}

/// Uploads the organisation's carton list (CSV/XLSX; replaces its lines). Any bad cell rejects the
/// file with every error named.
pub async fn upload_cartons(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, ACTIVE, "/freight/pools");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let mut bytes: Option<Vec<u8>> = None;
    let mut how = CartonWrite::Replace;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(b) => bytes = Some(b.to_vec()),
                Err(e) => {
                    let msg = t.tf("pools.read_error", &[("detail", &e.body_text())]);
                    return render_detail(&state, &user, PoolId(id), failed(msg, e.status())).await;
                }
            },
            Ok(Some(field)) if field.name() == Some("mode") => {
                if field.text().await.is_ok_and(|m| m == "merge") {
                    how = CartonWrite::Merge;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                let msg = t.tf("pools.read_error", &[("detail", &e.body_text())]);
                return render_detail(&state, &user, PoolId(id), failed(msg, e.status())).await;
            }
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        let msg = t.t("pools.no_file").to_string();
        return render_detail(
            &state,
            &user,
            PoolId(id),
            failed(msg, StatusCode::UNPROCESSABLE_ENTITY),
        )
        .await;
    };
    let parsed =
        tokio::task::spawn_blocking(move || read_bytes(&bytes).map(|sheet| import_cartons(&sheet)))
            .await
            .map_err(|_| l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")))?;
    let import = match parsed {
        Ok(i) => i,
        Err(e) => {
            let msg = t.tf("pools.read_error", &[("detail", &e)]);
            return render_detail(
                &state,
                &user,
                PoolId(id),
                failed(msg, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await;
        }
    };
    if !import.errors.is_empty() {
        let mut fb = failed(
            t.tf(
                "pools.rejected",
                &[("count", &import.errors.len().to_string())],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        fb.row_errors = import.errors;
        return render_detail(&state, &user, PoolId(id), fb).await;
    }
    match state
        .store
        .put_pool_cartons(&user.actor(), PoolId(id), import.lines, how)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/freight/pools/{id}?done=cartons")).into_response()),
        Err(StoreError::Invalid(msg)) => {
            render_detail(
                &state,
                &user,
                PoolId(id),
                failed(msg, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await
        }
        Err(StoreError::Conflict { what }) => {
            render_detail(
                &state,
                &user,
                PoolId(id),
                failed(what, StatusCode::CONFLICT),
            )
            .await
        }
        Err(e) => Err(l.store_error(e)),
    }
}

async fn organiser_only(
    state: &AppState,
    user: &Principal,
    l: &Layout,
    id: PoolId,
) -> Result<(), PageError> {
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let pool = state
        .store
        .get_pool(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    if !pool.is_organiser {
        return Err(l.forbidden());
    }
    Ok(())
}

/// Plans the pool (organiser) and shows the result.
pub async fn plan(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, ACTIVE, "/freight/pools");
    organiser_only(&state, &user, &l, PoolId(id)).await?;
    match run_plan(&state.store, &user.actor(), PoolId(id), None, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/freight/pools/{id}?done=planned")).into_response()),
        Err(e) => {
            let status = e.status();
            let msg = api_refusal(e).map_err(|e| page_error(&l, e))?;
            render_detail(&state, &user, PoolId(id), failed(msg, status)).await
        }
    }
}

/// Stops intake (organiser).
pub async fn close(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, ACTIVE, "/freight/pools");
    organiser_only(&state, &user, &l, PoolId(id)).await?;
    match state.store.close_pool(&user.actor(), PoolId(id)).await {
        Ok(_) => Ok(Redirect::to(&format!("/freight/pools/{id}?done=closed")).into_response()),
        Err(StoreError::Conflict { what }) => {
            render_detail(
                &state,
                &user,
                PoolId(id),
                failed(what, StatusCode::CONFLICT),
            )
            .await
        }
        Err(e) => Err(l.store_error(e)),
    }
}
