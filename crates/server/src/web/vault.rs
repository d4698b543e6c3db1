//! Document vault page: upload certificates, test reports and declarations per SKU (or tag, or for the seller),
//! list what is on file with its validity, download and delete.
//!
//! `GET /compliance/documents?sku=CODE` shows the documents that apply to one SKU (its own, its tags', the
//! seller's) with the upload form pre-filled for it; without `sku`, every document of the organisation.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_store::{DocumentQuery, SkuQuery, StoredDocument};

use super::PageError;
use super::layout::Layout;
use crate::api::vault::{file_response, read_upload};
use crate::auth::PageUser;
use crate::error::ApiError;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::vault::{self, today_utc};

pub struct DocRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject: String,
    pub doc_type: String,
    pub title: String,
    pub issuer: String,
    pub standards: String,
    pub markets: String,
    pub issued_on: String,
    pub expires_on: String,
    /// valid, expiring, expired, not_yet_valid (CSS class suffix too).
    pub validity: String,
    pub validity_label: String,
    pub file_name: String,
    pub size: String,
    pub sha_short: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "compliance_documents.html")]
struct DocumentsPage {
    t: Tr,
    l: Layout,
    css_url: String,
    sku: String,
    sku_title: String,
    sku_tags: Vec<String>,
    sku_codes: Vec<String>,
    rows: Vec<DocRow>,
    doc_types: Vec<String>,
    can_write: bool,
    file_label: String,
    message: Option<String>,
    error: Option<String>,
    gap_href: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DocsQuery {
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    uploaded: Option<i64>,
    #[serde(default)]
    deleted: Option<i64>,
}

fn human_size(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.0} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

fn row(t: &Tr, d: &StoredDocument) -> DocRow {
    let (validity, days) = vault::validity(d, today_utc());
    let label = match (validity, days) {
        ("expiring", Some(n)) => t.tf("vault.validity.expiring_in", &[("days", &n.to_string())]),
        ("expired", _) => t.t("vault.validity.expired").to_string(),
        ("not_yet_valid", _) => t.t("vault.validity.not_yet_valid").to_string(),
        _ => t.t("vault.validity.valid").to_string(),
    };
    DocRow {
        id: d.id.0,
        subject_kind: d.doc.subject_kind.as_str().to_string(),
        subject: d.doc.subject.clone(),
        doc_type: d.doc.doc_type.clone(),
        title: d.doc.title.clone(),
        issuer: d.doc.issuer.clone(),
        standards: d.doc.standards.join(", "),
        markets: d.doc.markets.join(", "),
        issued_on: d.doc.issued_on.to_string(),
        expires_on: d
            .doc
            .expires_on
            .map(|e| e.to_string())
            .unwrap_or_else(|| "—".into()),
        validity: validity.to_string(),
        validity_label: label,
        file_name: d.doc.file_name.clone(),
        size: human_size(d.doc.size_bytes),
        sha_short: d.doc.sha256.chars().take(12).collect(),
    }
}

async fn render(
    state: &AppState,
    principal: &crate::auth::Principal,
    sku: Option<&str>,
    message: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let path = match sku {
        Some(s) => format!("/compliance/documents?sku={s}"),
        None => "/compliance/documents".into(),
    };
    let l = Layout::for_user(principal, "compliance", &path);
    let t = l.t;
    let mut error = error;
    let (sku_code, sku_title, sku_tags, docs) = match sku.map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => match vault::documents_for_sku(&state.store, principal.org_id, code).await {
            Ok((record, docs)) => (
                record.code.to_string(),
                record.title.clone(),
                record.tags.clone(),
                docs,
            ),
            Err(ApiError::NotFound | ApiError::Validation { .. }) => {
                error = Some(t.tf("compliance.unknown_sku", &[("sku", code)]));
                (String::new(), String::new(), Vec::new(), Vec::new())
            }
            Err(e) => {
                tracing::error!(error = %e, "vault page");
                return Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")));
            }
        },
        None => (
            String::new(),
            String::new(),
            Vec::new(),
            state
                .store
                .list_documents(principal.org_id, &DocumentQuery::default())
                .await
                .map_err(|e| l.store_error(e))?,
        ),
    };
    let skus = state
        .store
        .list_skus(
            principal.org_id,
            &SkuQuery {
                per_page: tradelane_store::MAX_PER_PAGE,
                ..SkuQuery::default()
            },
        )
        .await
        .map_err(|e| l.store_error(e))?;
    let doc_types = crate::api::compliance::pack()
        .map(vault::doc_types)
        .unwrap_or_default();
    let gap_href = if sku_code.is_empty() {
        "/compliance".to_string()
    } else {
        format!("/compliance?sku={sku_code}")
    };
    let page = DocumentsPage {
        t,
        css_url: crate::assets::asset_url("compliance.css"),
        rows: docs.iter().map(|d| row(&t, d)).collect(),
        sku: sku_code,
        sku_title,
        sku_tags,
        sku_codes: skus
            .items
            .iter()
            .map(|s| s.record.code.to_string())
            .collect(),
        doc_types,
        can_write: principal.role.can_write(),
        file_label: t.tf(
            "vault.file",
            &[(
                "mib",
                &format!("{:.1}", state.vault.max_bytes() as f64 / (1024.0 * 1024.0)),
            )],
        ),
        message,
        error,
        gap_href,
        l,
    };
    Ok((status, page).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<DocsQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let message = if let Some(id) = q.uploaded {
        Some(t.tf("vault.uploaded", &[("id", &id.to_string())]))
    } else {
        q.deleted
            .map(|id| t.tf("vault.deleted", &[("id", &id.to_string())]))
    };
    render(
        &state,
        &user,
        q.sku.as_deref(),
        message,
        None,
        StatusCode::OK,
    )
    .await
}

/// Upload (owner, operator): multipart form with the file and the metadata.
pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/documents");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let (fields, file) = match read_upload(multipart, state.vault.max_bytes()).await {
        Ok(x) => x,
        Err(e) => {
            return render(&state, &user, None, None, Some(e.to_string()), e.status()).await;
        }
    };
    let sku = fields.subject.clone().filter(|_| {
        matches!(
            fields.subject_kind.as_deref().map(str::trim),
            None | Some("") | Some("sku")
        )
    });
    let Some((name, bytes)) = file.filter(|(n, b)| !b.is_empty() || !n.is_empty()) else {
        let msg = l.t.t("vault.no_file").to_string();
        return render(
            &state,
            &user,
            sku.as_deref(),
            None,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let pack = crate::api::compliance::pack()
        .map_err(|_| l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal")))?;
    match vault::upload(
        &state.store,
        &state.vault,
        pack,
        &user.actor(),
        &fields,
        &name,
        bytes,
    )
    .await
    {
        Ok(doc) => {
            let back = match doc.doc.subject_kind {
                tradelane_store::SubjectKind::Sku => {
                    format!("sku={}&", super::compliance::encode(&doc.doc.subject))
                }
                _ => String::new(),
            };
            Ok(Redirect::to(&format!(
                "/compliance/documents?{back}uploaded={}",
                doc.id.0
            ))
            .into_response())
        }
        Err(ApiError::Internal(detail)) => {
            tracing::error!(%detail, "vault upload");
            Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal")))
        }
        Err(e) => {
            let mut msg = e.to_string();
            if let ApiError::Validation { fields, .. } = &e
                && msg.is_empty()
            {
                msg = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.expected))
                    .collect::<Vec<_>>()
                    .join("; ");
            }
            let status = e.status();
            render(
                &state,
                &user,
                sku.as_deref(),
                None,
                Some(l.t.tf("vault.rejected", &[("reason", &msg)])),
                status,
            )
            .await
        }
    }
}

pub async fn download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/documents");
    match vault::download(&state.store, &state.vault, user.org_id, id).await {
        Ok((doc, bytes)) => Ok(file_response(&doc, bytes)),
        Err(ApiError::NotFound) => Err(l.not_found()),
        Err(ApiError::Integrity(msg)) => Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, msg)),
        Err(e) => {
            tracing::error!(error = %e, "vault download");
            Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal")))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    sku: String,
}

pub async fn delete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DeleteForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "compliance", "/compliance/documents");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    match vault::delete(&state.store, &state.vault, &user.actor(), id).await {
        Ok(_) => {}
        Err(ApiError::NotFound) => return Err(l.not_found()),
        Err(e) => {
            tracing::error!(error = %e, "vault delete");
            return Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal")));
        }
    }
    let back = if form.sku.trim().is_empty() {
        String::new()
    } else {
        format!("sku={}&", super::compliance::encode(form.sku.trim()))
    };
    Ok(Redirect::to(&format!("/compliance/documents?{back}deleted={id}")).into_response())
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/compliance/documents",
            get(page)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/compliance/documents/{id}/file", get(download))
        .route("/compliance/documents/{id}/delete", post(delete))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_human() {
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(2048), "2 KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MiB");
    }
}
