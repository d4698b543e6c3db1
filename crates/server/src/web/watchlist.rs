//! Trademark pages: the watchlist (add, edit, delete, CSV/XLSX import with row errors), the allowlist of the
//! seller's own and licensed brands, and the screening results of the stored listings with the evidence
//! highlighted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_store::StoreError;
use tradelane_store::trademarks::{AllowedBrand, BrandKind, MarkInput, WatchMark};

use super::PageError;
use super::layout::Layout;
use crate::auth::{PageUser, Principal};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::trademarks::{
    ScreenScope, ScreeningReport, parse_classes, parse_markets, parse_watchlist, screen_org,
};

/// The add/edit form's fields as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MarkForm {
    #[serde(default)]
    pub mark: String,
    #[serde(default)]
    pub mark_ref: String,
    #[serde(default)]
    pub classes: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub markets: String,
    #[serde(default)]
    pub note: String,
}

impl MarkForm {
    fn from_mark(m: &WatchMark) -> MarkForm {
        MarkForm {
            mark: m.mark.clone(),
            mark_ref: m.mark_ref.clone(),
            classes: m
                .classes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(";"),
            owner: m.owner.clone(),
            markets: m.markets.join(";"),
            note: m.note.clone(),
        }
    }
}

pub struct MarkRow {
    pub m: WatchMark,
    pub selected: bool,
    pub classes: String,
    pub markets: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "watchlist.html")]
struct WatchlistPage {
    t: Tr,
    l: Layout,
    marks: Vec<MarkRow>,
    brands: Vec<AllowedBrand>,
    /// The mark being edited, when any.
    editing: Option<i64>,
    form: MarkForm,
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<tradelane_catalogue_io::RowError>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WatchlistQuery {
    edit: Option<i64>,
    done: Option<String>,
    imported: Option<String>,
}

struct Feedback {
    form: Option<MarkForm>,
    editing: Option<i64>,
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<tradelane_catalogue_io::RowError>,
    status: StatusCode,
}

impl Feedback {
    fn ok() -> Feedback {
        Feedback {
            form: None,
            editing: None,
            message: None,
            error: None,
            row_errors: Vec::new(),
            status: StatusCode::OK,
        }
    }

    fn error(message: String, status: StatusCode) -> Feedback {
        Feedback {
            error: Some(message),
            status,
            ..Feedback::ok()
        }
    }
}

async fn render(state: &AppState, user: &Principal, fb: Feedback) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "compliance", "/compliance/watchlist");
    let t = l.t;
    let marks = state
        .store
        .list_watch_marks(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let brands = state
        .store
        .list_allowed_brands(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let form = match (&fb.form, fb.editing) {
        (Some(f), _) => f.clone(),
        (None, Some(id)) => marks
            .iter()
            .find(|m| m.id == id)
            .map(MarkForm::from_mark)
            .ok_or_else(|| l.not_found())?,
        (None, None) => MarkForm::default(),
    };
    let rows = marks
        .into_iter()
        .map(|m| MarkRow {
            selected: fb.editing == Some(m.id),
            classes: if m.classes.is_empty() {
                t.t("watchlist.all_classes").to_string()
            } else {
                m.classes
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            markets: if m.markets.is_empty() {
                t.t("watchlist.everywhere").to_string()
            } else {
                m.markets.join(", ")
            },
            m,
        })
        .collect();
    let page = WatchlistPage {
        t,
        l,
        marks: rows,
        brands,
        editing: fb.editing,
        form,
        message: fb.message,
        error: fb.error,
        row_errors: fb.row_errors,
    };
    Ok((fb.status, page).into_response())
}

/// The watchlist page (`?edit=ID` opens a mark in the form).
pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<WatchlistQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let mut fb = Feedback::ok();
    fb.editing = q.edit;
    fb.message = match (q.done.as_deref(), q.imported.as_deref()) {
        (_, Some(summary)) => Some(t.tf("watchlist.imported", &[("summary", summary)])),
        (Some("added"), _) => Some(t.t("watchlist.added").to_string()),
        (Some("saved"), _) => Some(t.t("watchlist.saved").to_string()),
        (Some("deleted"), _) => Some(t.t("watchlist.deleted").to_string()),
        (Some("allowed"), _) => Some(t.t("watchlist.allowed").to_string()),
        (Some("unallowed"), _) => Some(t.t("watchlist.unallowed").to_string()),
        _ => None,
    };
    render(&state, &user, fb).await
}

fn form_input(t: Tr, form: &MarkForm) -> Result<MarkInput, String> {
    let classes = parse_classes(&form.classes)
        .ok_or_else(|| t.tf("watchlist.bad_classes", &[("value", form.classes.trim())]))?;
    let markets = parse_markets(&form.markets)
        .ok_or_else(|| t.tf("watchlist.bad_markets", &[("value", form.markets.trim())]))?;
    Ok(MarkInput {
        mark_ref: Some(form.mark_ref.trim().to_string()).filter(|r| !r.is_empty()),
        mark: form.mark.clone(),
        classes,
        owner: form.owner.clone(),
        markets,
        note: form.note.clone(),
    })
}

/// The message of a store refusal the user can act on (None for internal failures).
fn refusal(e: &StoreError) -> Option<String> {
    match e {
        StoreError::Invalid(m) => Some(m.clone()),
        StoreError::Conflict { what } => Some(what.clone()),
        _ => None,
    }
}

async fn save(
    state: AppState,
    user: Principal,
    id: Option<i64>,
    form: MarkForm,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/watchlist");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let input = match form_input(t, &form) {
        Ok(i) => i,
        Err(msg) => {
            let mut fb = Feedback::error(msg, StatusCode::UNPROCESSABLE_ENTITY);
            fb.form = Some(form);
            fb.editing = id;
            return render(&state, &user, fb).await;
        }
    };
    let result = match id {
        None => state.store.add_watch_mark(&user.actor(), &input).await,
        Some(id) => {
            state
                .store
                .update_watch_mark(&user.actor(), id, &input)
                .await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/compliance/watchlist?done={}",
            if id.is_some() { "saved" } else { "added" }
        ))
        .into_response()),
        Err(e) => match refusal(&e) {
            Some(msg) => {
                let status = if matches!(e, StoreError::Conflict { .. }) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                let mut fb = Feedback::error(msg, status);
                fb.form = Some(form);
                fb.editing = id;
                render(&state, &user, fb).await
            }
            None => Err(l.store_error(e)),
        },
    }
}

/// Adds a mark (owner, operator).
pub async fn add(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::Form(form): axum::Form<MarkForm>,
) -> Result<Response, PageError> {
    save(state, user, None, form).await
}

/// Saves an edited mark (owner, operator).
pub async fn update(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<MarkForm>,
) -> Result<Response, PageError> {
    save(state, user, Some(id), form).await
}

/// Removes a mark (owner, operator).
pub async fn delete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/watchlist");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    state
        .store
        .delete_watch_mark(&user.actor(), id)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to("/compliance/watchlist?done=deleted").into_response())
}

/// Imports a CSV/XLSX watchlist (owner, operator): any bad row rejects the file with every row error.
pub async fn import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/watchlist");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let mut bytes: Option<Vec<u8>> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(b) => bytes = Some(b.to_vec()),
                Err(e) => {
                    let msg = t.tf("watchlist.read_error", &[("detail", &e.body_text())]);
                    return render(&state, &user, Feedback::error(msg, e.status())).await;
                }
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                let msg = t.tf("watchlist.read_error", &[("detail", &e.body_text())]);
                return render(&state, &user, Feedback::error(msg, e.status())).await;
            }
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        let msg = t.t("watchlist.no_file").to_string();
        return render(
            &state,
            &user,
            Feedback::error(msg, StatusCode::UNPROCESSABLE_ENTITY),
        )
        .await;
    };
    let parsed = tokio::task::spawn_blocking(move || parse_watchlist(&bytes))
        .await
        .map_err(|_| l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")))?;
    if !parsed.errors.is_empty() {
        let msg = t.tf(
            "watchlist.rejected",
            &[(
                "count",
                &(parsed.errors.len() + parsed.more_errors).to_string(),
            )],
        );
        let mut fb = Feedback::error(msg, StatusCode::UNPROCESSABLE_ENTITY);
        fb.row_errors = parsed.errors;
        return render(&state, &user, fb).await;
    }
    match state
        .store
        .import_watch_marks(&user.actor(), &parsed.marks, "upload")
        .await
    {
        Ok(outcome) => {
            let summary = format!(
                "{} / {} / {}",
                outcome.created, outcome.updated, outcome.unchanged
            );
            Ok(Redirect::to(&format!(
                "/compliance/watchlist?imported={}",
                summary.replace(' ', "%20").replace('/', "%2F")
            ))
            .into_response())
        }
        Err(e) => match refusal(&e) {
            Some(msg) => {
                render(
                    &state,
                    &user,
                    Feedback::error(msg, StatusCode::UNPROCESSABLE_ENTITY),
                )
                .await
            }
            None => Err(l.store_error(e)),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct BrandForm {
    #[serde(default)]
    brand: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

/// Adds a brand to the allowlist (owner, operator).
pub async fn allow(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::Form(form): axum::Form<BrandForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/watchlist");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let kind = BrandKind::parse(&form.kind).unwrap_or(BrandKind::Own);
    match state
        .store
        .add_allowed_brand(&user.actor(), &form.brand, kind, &form.note)
        .await
    {
        Ok(_) => Ok(Redirect::to("/compliance/watchlist?done=allowed").into_response()),
        Err(e) => match refusal(&e) {
            Some(msg) => {
                let status = if matches!(e, StoreError::Conflict { .. }) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                render(&state, &user, Feedback::error(msg, status)).await
            }
            None => Err(l.store_error(e)),
        },
    }
}

/// Removes a brand from the allowlist (owner, operator).
pub async fn unallow(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/watchlist");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    state
        .store
        .delete_allowed_brand(&user.actor(), id)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to("/compliance/watchlist?done=unallowed").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "screening.html")]
struct ScreeningPage {
    t: Tr,
    l: Layout,
    report: ScreeningReport,
    sku: String,
    all: bool,
    summary: String,
    json_href: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ScreeningQuery {
    sku: Option<String>,
    listing: Option<i64>,
    all: Option<String>,
}

/// Screening results: per listing or SKU, each finding with its mark, kind, score and highlighted evidence.
pub async fn screening(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<ScreeningQuery>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/screening");
    let sku = q.sku.unwrap_or_default().trim().to_string();
    let all = q.all.as_deref().is_some_and(|a| !a.is_empty() && a != "0");
    let scope = ScreenScope {
        sku: Some(sku.clone()).filter(|s| !s.is_empty()),
        listing: q.listing,
        include_clean: all,
    };
    let report = screen_org(&state.store, user.org_id, &scope)
        .await
        .map_err(|e| l.store_error(e))?;
    let t = l.t;
    let summary = t.tf(
        "screening.summary",
        &[
            ("screened", &report.screened.to_string()),
            ("marks", &report.marks.to_string()),
            ("allowlisted", &report.allowlisted.to_string()),
            ("findings", &report.findings.to_string()),
        ],
    );
    let json_href = if sku.is_empty() {
        "/api/v1/trademarks/screening".to_string()
    } else {
        format!(
            "/api/v1/trademarks/screening?sku={}",
            sku.bytes()
                .map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                })
                .collect::<String>()
        )
    };
    Ok(ScreeningPage {
        t,
        l,
        report,
        sku,
        all,
        summary,
        json_href,
    }
    .into_response())
}

/// Label of a finding's field ("Bullet 2", "Image 1").
pub fn field_label(t: &Tr, field: &str, position: &usize) -> String {
    let name = t.t(match field {
        "title" => "watchlist.field_title",
        "bullet" => "watchlist.field_bullet",
        "brand" => "watchlist.field_brand",
        _ => "watchlist.field_image",
    });
    if *position == 0 {
        name.to_string()
    } else {
        format!("{name} {position}")
    }
}

/// Label of a match kind.
pub fn kind_label(t: &Tr, kind: &str) -> String {
    t.t(match kind {
        "exact" => "watchlist.kind_exact",
        "folded" => "watchlist.kind_folded",
        "look_alike" => "watchlist.kind_look_alike",
        "spacing" => "watchlist.kind_spacing",
        "contained" => "watchlist.kind_contained",
        _ => "watchlist.kind_fuzzy",
    })
    .to_string()
}

pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/compliance/watchlist", get(page).post(add))
        .route(
            "/compliance/watchlist/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/compliance/watchlist/{id}", post(update))
        .route("/compliance/watchlist/{id}/delete", post(delete))
        .route("/compliance/allowlist", post(allow))
        .route("/compliance/allowlist/{id}/delete", post(unallow))
        .route("/compliance/screening", get(screening))
}
