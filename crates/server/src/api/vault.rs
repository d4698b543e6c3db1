//! Document vault API: upload certificates, test reports and declarations (multipart), list, read metadata,
//! download (SHA-256 verified) and delete. Uploads are content-sniffed (PDF, PNG, JPEG, WebP), size-limited and
//! stored under generated keys; file names are only displayed.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tradelane_store::{DocumentQuery, SubjectKind};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::vault::{self, DocumentResponse, UploadFields, today_utc};

use super::schema::BinaryFileDoc;

/// Multipart form of a document upload.
#[derive(ToSchema)]
#[schema(as = DocumentUpload)]
#[allow(dead_code)]
pub struct DocumentUploadDoc {
    /// The file: PDF, PNG, JPEG or WebP (checked by content), at most the configured limit (default 20 MiB).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// `sku` (default), `tag` (every SKU with the tag) or `seller` (the whole organisation).
    pub subject_kind: Option<String>,
    /// SKU code or tag (empty for the seller).
    pub subject: Option<String>,
    /// Evidence type as the requirement pack names it: eu_doc, uk_doc, test_report, un38_3_summary, sds,
    /// fcc_sdoc, fcc_grant, cpc, certificate, declaration … (see `GET /compliance/document-types`).
    pub doc_type: String,
    pub title: Option<String>,
    pub issuer: Option<String>,
    /// Standards named on the document, comma-separated (`EN 62368-1:2014, EN 55032:2015`).
    pub standards: Option<String>,
    /// Markets it is valid for, comma-separated ISO alpha-2 or `EU`; empty = any market.
    pub markets: Option<String>,
    /// Requirement ids it explicitly evidences, comma-separated (optional).
    pub covers: Option<String>,
    /// YYYY-MM-DD.
    pub issued_on: String,
    /// Last valid day, YYYY-MM-DD; empty when it does not expire.
    pub expires_on: Option<String>,
}

/// Reads a multipart upload: the metadata fields and the `file` part, the file counted chunk by chunk so an
/// oversized upload stops at the limit with a clear error.
pub async fn read_upload(
    mut multipart: Multipart,
    max_bytes: u64,
) -> ApiResult<(UploadFields, Option<(String, Vec<u8>)>)> {
    let mut fields = UploadFields::default();
    let mut file = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart body: {}", e.body_text())))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let mut bytes: Vec<u8> = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| ApiError::BadRequest(format!("file part: {}", e.body_text())))?
            {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > max_bytes {
                    return Err(vault::upload_error(
                        tradelane_vault::UploadError::TooLarge {
                            size: bytes.len() as u64,
                            max: max_bytes,
                        },
                    ));
                }
            }
            file = Some((file_name, bytes));
        } else if !name.is_empty() {
            let value = field
                .text()
                .await
                .map_err(|e| ApiError::BadRequest(format!("field {name}: {}", e.body_text())))?;
            if value.len() > 10_000 {
                return Err(ApiError::validation(&name, "", "at most 10,000 characters"));
            }
            fields.set(&name, value);
        }
    }
    Ok((fields, file))
}

/// Uploads a document to the vault. Returns the stored metadata.
#[utoipa::path(post, path = "/compliance/documents", tag = "compliance",
    request_body(content((DocumentUploadDoc = "multipart/form-data"))),
    responses((status = 201, body = DocumentResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "unknown SKU", body = ErrorBody),
        (status = 422, description = "bad metadata, or the file is empty, too large, corrupt, not a document \
            or named as another type", body = ErrorBody)))]
pub async fn upload_document(
    State(state): State<AppState>,
    p: Principal,
    request: Request,
) -> ApiResult<Response> {
    p.require_write()?;
    let multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (fields, file) = read_upload(multipart, state.vault.max_bytes()).await?;
    let (name, bytes) = file.ok_or_else(|| {
        ApiError::validation(
            "file",
            "",
            "a multipart part named \"file\" with the document",
        )
    })?;
    let pack = super::compliance::pack()?;
    let doc = vault::upload(
        &state.store,
        &state.vault,
        pack,
        &p.actor(),
        &fields,
        &name,
        bytes,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(DocumentResponse::new(&doc, today_utc())),
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentListParams {
    /// Documents that apply to this SKU: its own, its tags' and the seller's.
    pub sku: Option<String>,
    /// Only this subject kind: sku, tag, seller.
    pub subject_kind: Option<String>,
    /// Only this subject (SKU code or tag).
    pub subject: Option<String>,
    pub doc_type: Option<String>,
    /// Only documents expiring within this many days (expired ones included).
    pub expiring_within: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentResponse>,
}

/// Lists the organisation's documents, or those that apply to one SKU.
#[utoipa::path(get, path = "/compliance/documents", tag = "compliance", params(DocumentListParams),
    responses((status = 200, body = DocumentList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_documents(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<DocumentListParams>,
) -> ApiResult<Json<DocumentList>> {
    let today = today_utc();
    let expires_by = match q.expiring_within {
        None => None,
        Some(d) if (0..=3650).contains(&d) => today.checked_add(jiff::Span::new().days(d)).ok(),
        Some(d) => {
            return Err(ApiError::validation(
                "expiring_within",
                &d.to_string(),
                "0 to 3650 days",
            ));
        }
    };
    let subject_kind = match q.subject_kind.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(k) => Some(
            SubjectKind::parse(k)
                .ok_or_else(|| ApiError::validation("subject_kind", k, "sku, tag or seller"))?,
        ),
    };
    let mut docs = match q.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => {
            vault::documents_for_sku(&state.store, p.org_id, code)
                .await?
                .1
        }
        None => {
            state
                .store
                .list_documents(
                    p.org_id,
                    &DocumentQuery {
                        subject_kind,
                        subject: q.subject.clone().filter(|s| !s.trim().is_empty()),
                        doc_type: None,
                        expires_by: None,
                    },
                )
                .await?
        }
    };
    docs.retain(|d| {
        q.doc_type
            .as_deref()
            .is_none_or(|t| t.trim().is_empty() || d.doc.doc_type == t.trim().to_ascii_lowercase())
            && subject_kind.is_none_or(|k| d.doc.subject_kind == k)
            && expires_by.is_none_or(|by| d.doc.expires_on.is_some_and(|e| e <= by))
    });
    Ok(Json(DocumentList {
        items: docs
            .iter()
            .map(|d| DocumentResponse::new(d, today))
            .collect(),
    }))
}

/// One document's metadata.
#[utoipa::path(get, path = "/compliance/documents/{id}", tag = "compliance",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, body = DocumentResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_document(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<DocumentResponse>> {
    let d = state
        .store
        .get_document(p.org_id, tradelane_store::DocumentId(id))
        .await?;
    Ok(Json(DocumentResponse::new(&d, today_utc())))
}

/// Deletes a document and its file (audited).
#[utoipa::path(delete, path = "/compliance/documents/{id}", tag = "compliance",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete_document(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    p.require_write()?;
    vault::delete(&state.store, &state.vault, &p.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Builds the download response: the stored content type, a sanitised attachment name, no sniffing.
pub fn file_response(doc: &tradelane_store::StoredDocument, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    let ct = tradelane_vault::FileKind::from_content_type(&doc.doc.content_type)
        .map(|k| k.content_type())
        .unwrap_or("application/octet-stream");
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&tradelane_vault::content_disposition(&doc.doc.file_name))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256={}", doc.doc.sha256)) {
        h.insert("x-checksum", v);
    }
    resp
}

/// Downloads the file; its SHA-256 is verified first, and a file that fails the check is not served (500,
/// `integrity_failed`).
#[utoipa::path(get, path = "/compliance/documents/{id}/file", tag = "compliance",
    params(("id" = i64, Path, description = "document id")),
    responses(
        (status = 200, description = "the file", content(
            (BinaryFileDoc = "application/pdf"), (BinaryFileDoc = "image/png"),
            (BinaryFileDoc = "image/jpeg"), (BinaryFileDoc = "image/webp"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 500, description = "the stored file fails its checksum", body = ErrorBody)))]
pub async fn download_document(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (doc, bytes) = vault::download(&state.store, &state.vault, p.org_id, id).await?;
    Ok(file_response(&doc, bytes))
}

/// A document type and the requirements it can evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentType {
    pub doc_type: String,
    /// Requirement ids of the pack that accept it.
    pub requirements: Vec<String>,
}

/// The document types the requirement pack accepts, with the requirements each can evidence.
#[utoipa::path(get, path = "/compliance/document-types", tag = "compliance",
    responses((status = 200, body = [DocumentType]), (status = 401, body = ErrorBody)))]
pub async fn document_types(_p: Principal) -> ApiResult<Json<Vec<DocumentType>>> {
    let pack = super::compliance::pack()?;
    Ok(Json(
        vault::doc_type_uses(pack)
            .into_iter()
            .map(|(doc_type, requirements)| DocumentType {
                doc_type,
                requirements,
            })
            .collect(),
    ))
}

/// This module's routes, merged into `/api/v1`. The upload route has no body limit of its own: the file part
/// is counted against the vault's limit while it is read.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(get_document, delete_document))
        .routes(routes!(download_document))
        .routes(routes!(document_types))
        .merge(
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(upload_document, list_documents))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
}
