//! Translation pages of the listing workbench: the provider settings (kind, endpoint, model,
//! write-only API key, rate limit, prices, a test request, usage and cost so far) and the
//! glossary (list, add, delete, all-or-nothing CSV import with row errors).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_store::StoreError;
use tradelane_store::translation::{GlossaryEntry, GlossaryKind, StoredProvider};

use super::PageError;
use super::layout::{Layout, msg};
use crate::api::translation::{
    GlossaryBody, PricingBody, ProviderBody, put_provider_settings, usage_totals,
};
use crate::auth::{PageUser, Principal};
use crate::error::ApiError;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::workbench::assist;

const SETTINGS_PATH: &str = "/listings/translation";
const GLOSSARY_PATH: &str = "/listings/glossary";

pub struct KindOpt {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct UsageLine {
    pub currency: String,
    pub runs: u64,
    pub requests: u64,
    pub chars: u64,
    pub tokens: String,
    pub memory: u64,
    pub cost: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "translation_settings.html")]
struct SettingsPage {
    t: Tr,
    l: Layout,
    configured: bool,
    can_configure: bool,
    kinds: Vec<KindOpt>,
    name: String,
    base_url: String,
    model: String,
    key_hint: String,
    has_key: bool,
    key_id: String,
    rpm: String,
    currency: String,
    per_chars: String,
    per_in: String,
    per_out: String,
    usage: Vec<UsageLine>,
    memory_total: u64,
    glossary_total: usize,
    message: Option<String>,
    error: Option<String>,
    test_ok: bool,
    test_message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
}

fn kind_label(t: &Tr, kind: &str) -> String {
    t.t(match kind {
        "openai" => msg("translation.kind.openai"),
        "deepl" => msg("translation.kind.deepl"),
        "libretranslate" => msg("translation.kind.libretranslate"),
        _ => msg("translation.kind.offline"),
    })
    .to_string()
}

fn dec(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

async fn render_settings(
    state: &AppState,
    user: &Principal,
    message: Option<String>,
    error: Option<String>,
    test_result: Option<(bool, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "workbench", SETTINGS_PATH);
    let t = l.t;
    let p: Option<StoredProvider> = state
        .store
        .translation_provider(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let usage_rows = state
        .store
        .list_translation_usage(user.org_id, 500)
        .await
        .map_err(|e| l.store_error(e))?;
    let memory_total = state
        .store
        .list_tm(
            user.org_id,
            &tradelane_store::translation::TmQueryFilter {
                per_page: 1,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| l.store_error(e))?
        .total;
    let glossary_total = state
        .store
        .list_glossary(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .len();
    let kind = p.as_ref().map_or("offline", |p| p.kind.as_str());
    let pricing: Option<serde_json::Value> = p
        .as_ref()
        .and_then(|p| p.pricing_json.as_deref())
        .and_then(|j| serde_json::from_str(j).ok());
    let page = SettingsPage {
        configured: p.is_some(),
        can_configure: user.role == tradelane_store::Role::Owner,
        kinds: ["offline", "deepl", "openai", "libretranslate"]
            .into_iter()
            .map(|k| KindOpt {
                value: k,
                label: kind_label(&t, k),
                selected: k == kind,
            })
            .collect(),
        name: p.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        base_url: p
            .as_ref()
            .and_then(|p| p.base_url.clone())
            .unwrap_or_default(),
        model: p.as_ref().and_then(|p| p.model.clone()).unwrap_or_default(),
        key_hint: p
            .as_ref()
            .map(|p| p.api_key_hint.clone())
            .unwrap_or_default(),
        has_key: p.as_ref().is_some_and(|p| p.has_api_key),
        key_id: p
            .as_ref()
            .and_then(|p| p.api_key_id.clone())
            .unwrap_or_default(),
        rpm: p
            .as_ref()
            .and_then(|p| p.requests_per_minute)
            .map(|r| r.to_string())
            .unwrap_or_default(),
        currency: pricing
            .as_ref()
            .and_then(|v| v.get("currency"))
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string(),
        per_chars: dec(pricing.as_ref().and_then(|v| v.get("per_million_chars"))),
        per_in: dec(pricing
            .as_ref()
            .and_then(|v| v.get("per_million_input_tokens"))),
        per_out: dec(pricing
            .as_ref()
            .and_then(|v| v.get("per_million_output_tokens"))),
        usage: usage_totals(&usage_rows)
            .into_iter()
            .map(|u| UsageLine {
                currency: u.currency.clone().unwrap_or_else(|| "—".into()),
                runs: u.runs,
                requests: u.requests,
                chars: u.chars_billed,
                tokens: format!("{} / {}", u.tokens_in, u.tokens_out),
                memory: u.segments_from_memory,
                cost: match (u.cost, u.currency) {
                    (Some(c), Some(cur)) => format!("{c} {cur}"),
                    _ => "—".into(),
                },
            })
            .collect(),
        memory_total,
        glossary_total,
        message,
        error,
        test_ok: test_result.as_ref().is_some_and(|(ok, _)| *ok),
        test_message: test_result.map(|(_, m)| m),
        t,
        l,
    };
    Ok((status, page).into_response())
}

pub async fn settings(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let message = match q.done.as_deref() {
        Some("saved") => Some(t.t(msg("translation.saved")).to_string()),
        Some("removed") => Some(t.t(msg("translation.removed")).to_string()),
        _ => None,
    };
    render_settings(&state, &user, message, None, None, StatusCode::OK).await
}

fn blank(form: &HashMap<String, String>, k: &str) -> Option<String> {
    form.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn form_body(form: &HashMap<String, String>) -> Result<ProviderBody, String> {
    let num = |k: &str| -> Result<Option<rust_decimal::Decimal>, String> {
        blank(form, k)
            .map(|v| {
                v.replace(',', ".")
                    .parse::<rust_decimal::Decimal>()
                    .map_err(|_| format!("{k}: {v:?} is not a number"))
            })
            .transpose()
    };
    let pricing = match blank(form, "currency") {
        Some(currency) => Some(PricingBody {
            currency,
            per_million_chars: num("per_million_chars")?,
            per_million_input_tokens: num("per_million_input_tokens")?,
            per_million_output_tokens: num("per_million_output_tokens")?,
        }),
        None => None,
    };
    Ok(ProviderBody {
        name: blank(form, "name"),
        kind: blank(form, "kind").unwrap_or_else(|| "offline".into()),
        base_url: blank(form, "base_url"),
        model: blank(form, "model"),
        api_key: blank(form, "api_key"),
        clear_api_key: form.contains_key("clear_api_key"),
        requests_per_minute: blank(form, "requests_per_minute")
            .map(|v| {
                v.parse::<u32>()
                    .map_err(|_| format!("requests_per_minute: {v:?} is not a whole number"))
            })
            .transpose()?,
        batch_size: None,
        timeout_ms: None,
        pricing,
    })
}

/// Saves the provider settings (owner).
pub async fn save_settings(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", SETTINGS_PATH);
    if user.role != tradelane_store::Role::Owner {
        return Err(l.forbidden());
    }
    let body = match form_body(&form) {
        Ok(b) => b,
        Err(e) => {
            return render_settings(
                &state,
                &user,
                None,
                Some(e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match put_provider_settings(&state, &user, &body).await {
        Ok(_) => Ok(Redirect::to(&format!("{SETTINGS_PATH}?done=saved")).into_response()),
        Err(e @ (ApiError::Validation { .. } | ApiError::Conflict(_))) => {
            render_settings(
                &state,
                &user,
                None,
                Some(e.to_string()),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(l.error(e.status(), e.to_string())),
    }
}

/// Removes the provider settings: back to the offline stand-in (owner).
pub async fn remove_settings(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", SETTINGS_PATH);
    if user.role != tradelane_store::Role::Owner {
        return Err(l.forbidden());
    }
    match state.store.delete_translation_provider(&user.actor()).await {
        Ok(()) | Err(StoreError::NotFound { .. }) => {
            Ok(Redirect::to(&format!("{SETTINGS_PATH}?done=removed")).into_response())
        }
        Err(e) => Err(l.store_error(e)),
    }
}

/// Sends one test request to the configured provider (owner, operator).
pub async fn test_settings(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", SETTINGS_PATH);
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let r = crate::api::translation::provider_test(&state, &user)
        .await
        .map_err(|e| l.error(e.status(), e.to_string()))?;
    render_settings(
        &state,
        &user,
        None,
        None,
        Some((r.ok, r.message)),
        StatusCode::OK,
    )
    .await
}

pub struct EntryRow {
    pub e: GlossaryEntry,
    pub kind: String,
    pub kind_class: &'static str,
    pub translations: String,
    pub markets: String,
}

pub struct RowErr {
    pub line: u64,
    pub column: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "translation_glossary.html")]
struct GlossaryPage {
    t: Tr,
    l: Layout,
    rows: Vec<EntryRow>,
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<RowErr>,
    form_kind: String,
    form_term: String,
    form_locale: String,
    form_translation: String,
    form_markets: String,
    form_note: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct GlossaryQuery {
    done: Option<String>,
    imported: Option<String>,
}

fn glossary_kind_label(t: &Tr, k: GlossaryKind) -> String {
    t.t(match k {
        GlossaryKind::Term => msg("translation.glossary.kind_term"),
        GlossaryKind::DoNotTranslate => msg("translation.glossary.kind_dnt"),
        GlossaryKind::Forbidden => msg("translation.glossary.kind_forbidden"),
    })
    .to_string()
}

#[derive(Default)]
struct GlossaryFeedback {
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<RowErr>,
    form: HashMap<String, String>,
}

async fn render_glossary(
    state: &AppState,
    user: &Principal,
    fb: GlossaryFeedback,
    status: StatusCode,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "workbench", GLOSSARY_PATH);
    let t = l.t;
    let list = state
        .store
        .list_glossary(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let rows = list
        .into_iter()
        .map(|e| EntryRow {
            kind: glossary_kind_label(&t, e.kind),
            kind_class: match e.kind {
                GlossaryKind::Term => "badge",
                GlossaryKind::DoNotTranslate => "badge review",
                GlossaryKind::Forbidden => "badge warn",
            },
            translations: e
                .translations
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(" · "),
            markets: if e.kind == GlossaryKind::Forbidden && e.markets.is_empty() {
                t.t(msg("translation.glossary.everywhere")).to_string()
            } else {
                e.markets.join(", ")
            },
            e,
        })
        .collect();
    let get = |k: &str| fb.form.get(k).cloned().unwrap_or_default();
    let page = GlossaryPage {
        rows,
        form_kind: fb
            .form
            .get("kind")
            .cloned()
            .unwrap_or_else(|| "term".into()),
        form_term: get("term"),
        form_locale: fb
            .form
            .get("locale")
            .cloned()
            .unwrap_or_else(|| "de-DE".into()),
        form_translation: get("translation"),
        form_markets: get("markets"),
        form_note: get("note"),
        message: fb.message,
        error: fb.error,
        row_errors: fb.row_errors,
        t,
        l,
    };
    Ok((status, page).into_response())
}

pub async fn glossary(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<GlossaryQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let message = match (q.done.as_deref(), q.imported.as_deref()) {
        (_, Some(s)) => Some(t.tf(msg("translation.glossary.imported"), &[("summary", s)])),
        (Some("added"), _) => Some(t.t(msg("translation.glossary.added")).to_string()),
        (Some("deleted"), _) => Some(t.t(msg("translation.glossary.deleted")).to_string()),
        _ => None,
    };
    render_glossary(
        &state,
        &user,
        GlossaryFeedback {
            message,
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

/// Adds an entry (owner, operator).
pub async fn glossary_add(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", GLOSSARY_PATH);
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let mut translations = std::collections::BTreeMap::new();
    if let (Some(loc), Some(tr)) = (blank(&form, "locale"), blank(&form, "translation")) {
        translations.insert(loc, tr);
    }
    let body = GlossaryBody {
        kind: blank(&form, "kind").unwrap_or_else(|| "term".into()),
        term: form.get("term").cloned().unwrap_or_default(),
        translations,
        markets: form
            .get("markets")
            .map(|m| {
                m.split([',', ';', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        note: form.get("note").cloned().unwrap_or_default(),
    };
    let result = match body.input() {
        Ok(input) => state
            .store
            .add_glossary_entry(&user.actor(), &input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("{GLOSSARY_PATH}?done=added")).into_response()),
        Err(e @ (ApiError::Validation { .. } | ApiError::Conflict(_))) => {
            let status = e.status();
            render_glossary(
                &state,
                &user,
                GlossaryFeedback {
                    error: Some(e.to_string()),
                    form,
                    ..Default::default()
                },
                status,
            )
            .await
        }
        Err(e) => Err(l.error(e.status(), e.to_string())),
    }
}

/// Deletes an entry (owner, operator).
pub async fn glossary_delete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", GLOSSARY_PATH);
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    state
        .store
        .delete_glossary_entry(&user.actor(), id)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to(&format!("{GLOSSARY_PATH}?done=deleted")).into_response())
}

/// Imports a glossary CSV (owner, operator): any bad row rejects the file, naming every row.
pub async fn glossary_import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", GLOSSARY_PATH);
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let mut bytes: Option<Vec<u8>> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(b) => bytes = Some(b.to_vec()),
                Err(e) => return Err(l.error(e.status(), e.body_text())),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return Err(l.error(e.status(), e.body_text())),
        }
    }
    let refuse = |error: String, row_errors: Vec<RowErr>| GlossaryFeedback {
        error: Some(error),
        row_errors,
        ..Default::default()
    };
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        let fb = refuse(
            l.t.t(msg("translation.glossary.no_file")).to_string(),
            vec![],
        );
        return render_glossary(&state, &user, fb, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let text = match assist::decode_csv(&bytes) {
        Ok(t) => t,
        Err(e) => {
            return render_glossary(
                &state,
                &user,
                refuse(e.to_string(), vec![]),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let inputs = match assist::glossary_from_csv(&text) {
        Ok(i) => i,
        Err(errors) => {
            let fb = refuse(
                l.t.tf(
                    msg("translation.glossary.rejected"),
                    &[("n", &errors.len().to_string())],
                ),
                errors
                    .into_iter()
                    .map(|e| RowErr {
                        line: e.line,
                        column: e.column,
                        message: e.message,
                    })
                    .collect(),
            );
            return render_glossary(&state, &user, fb, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match state
        .store
        .import_glossary(&user.actor(), &inputs, "page")
        .await
    {
        Ok(o) => {
            let summary = format!("+{} ~{} ={}", o.created, o.updated, o.unchanged);
            Ok(Redirect::to(&format!(
                "{GLOSSARY_PATH}?imported={}",
                crate::util::url_encode(&summary)
            ))
            .into_response())
        }
        Err(StoreError::Invalid(m)) => {
            render_glossary(
                &state,
                &user,
                refuse(m, vec![]),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(l.store_error(e)),
    }
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(SETTINGS_PATH, get(settings).post(save_settings))
        .route("/listings/translation/remove", post(remove_settings))
        .route("/listings/translation/test", post(test_settings))
        .route(GLOSSARY_PATH, get(glossary).post(glossary_add))
        .route("/listings/glossary/import", post(glossary_import))
        .route("/listings/glossary/{id}/delete", post(glossary_delete))
}
