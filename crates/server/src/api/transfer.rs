//! Catalogue import (CSV/XLSX upload, all-or-nothing) and export.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tradelane_catalogue_io::{ColumnMapping, ImportOptions, export_csv, export_xlsx};
use tradelane_domain::{Currency, UiLang};
use utoipa::{IntoParams, ToSchema};

use super::schema::{BinaryFileDoc, ImportUploadDoc};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, RowErrorBody};
use crate::import_flow::{IMPORT_BODY_LIMIT, analyse, row_error_body};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Validate only: report what is wrong, store nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Currency for unit values that name none (e.g. `USD`).
    pub default_currency: Option<String>,
    /// Shown in the audit log as the import's source (default: the file name or "api").
    pub label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    pub dry_run: bool,
    /// Data rows read from the file.
    pub rows_read: u64,
    /// Rows that passed validation.
    pub valid_rows: u64,
    /// Every problem found (empty when the import was committed).
    pub errors: Vec<RowErrorBody>,
    /// Which column filled which field (edit and send back as the `mapping` part to override).
    #[schema(value_type = Object)]
    pub mapping: ColumnMapping,
    /// Counts of the commit (zero on a dry run).
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub batch_id: Option<i64>,
}

/// The file (and optional mapping) from a multipart form or a raw body.
async fn read_upload(
    request: Request,
    state: &AppState,
) -> ApiResult<(Vec<u8>, Option<ColumnMapping>, Option<String>)> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|_| ApiError::PayloadTooLarge {
                    limit_bytes: IMPORT_BODY_LIMIT,
                })?;
        return Ok((bytes.to_vec(), None, None));
    }
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let mut file = None;
    let mut name = None;
    let mut mapping = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart body: {}", e.body_text())))?
    {
        match field.name() {
            Some("file") => {
                name = field.file_name().map(str::to_string);
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::PayloadTooLarge {
                            limit_bytes: IMPORT_BODY_LIMIT,
                        }
                    } else {
                        ApiError::BadRequest(format!("file part: {}", e.body_text()))
                    }
                })?;
                file = Some(bytes.to_vec());
            }
            Some("mapping") => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| ApiError::BadRequest(e.body_text()))?;
                let parsed: ColumnMapping = serde_json::from_str(&text).map_err(|e| {
                    ApiError::validation(
                        "mapping",
                        &text,
                        &format!("a column mapping as returned by a dry run ({e})"),
                    )
                })?;
                mapping = Some(parsed);
            }
            _ => {}
        }
    }
    let file = file.ok_or_else(|| {
        ApiError::validation(
            "file",
            "",
            "a multipart part named \"file\" with the CSV or XLSX file",
        )
    })?;
    Ok((file, mapping, name))
}

/// Import SKUs from a CSV or XLSX file: all rows or none. Send the file as multipart part
/// `file` (optionally with a `mapping` part) or as the raw request body. Any row error → 422
/// with every error and nothing stored. Re-importing the same file changes nothing.
#[utoipa::path(post, path = "/skus/import", tag = "import-export", params(ImportParams),
    request_body(description = "CSV or XLSX file, raw or as multipart part `file`",
        content(
            (ImportUploadDoc = "multipart/form-data"),
            (BinaryFileDoc = "application/octet-stream"),
            (BinaryFileDoc = "text/csv"),
        )),
    responses(
        (status = 200, description = "committed, or dry-run report", body = ImportResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "unreadable file or row errors; nothing stored", body = ErrorBody)))]
pub async fn import_skus(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<ImportParams>,
    request: Request,
) -> ApiResult<Json<ImportResponse>> {
    caller.require_write()?;
    let mut options = ImportOptions::default();
    if let Some(code) = params
        .default_currency
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        options.default_currency = Some(Currency::parse(code).map_err(|_| {
            ApiError::validation(
                "default_currency",
                code,
                "an ISO 4217 currency code such as USD",
            )
        })?);
    }
    let (bytes, mapping, file_name) = read_upload(request, &state).await?;
    let import = analyse(Arc::new(bytes), mapping, options)
        .await?
        .map_err(|e| ApiError::validation("file", "", &e.to_string()))?;
    let report = import.report;
    let errors: Vec<RowErrorBody> = report.errors.iter().map(row_error_body).collect();
    let mut response = ImportResponse {
        dry_run: params.dry_run,
        rows_read: report.rows_read as u64,
        valid_rows: report.records.len() as u64,
        errors,
        mapping: import.mapping,
        created: 0,
        updated: 0,
        unchanged: 0,
        batch_id: None,
    };
    if params.dry_run {
        return Ok(Json(response));
    }
    if report.error_count() > 0 {
        return Err(ApiError::ImportRejected {
            message: format!(
                "{} problem(s) in the file; nothing was imported",
                report.error_count()
            ),
            rows: response.errors,
        });
    }
    if report.records.is_empty() {
        return Err(ApiError::validation("file", "", "at least one data row"));
    }
    let label = params
        .label
        .or(file_name)
        .unwrap_or_else(|| "api".to_string());
    let records: Vec<_> = report.records.into_iter().map(|(_, r)| r).collect();
    let outcome = state
        .store
        .import_skus(&caller.actor(), &records, &label)
        .await?;
    response.created = outcome.created;
    response.updated = outcome.updated;
    response.unchanged = outcome.unchanged;
    response.batch_id = outcome.batch_id.map(|b| b.0);
    Ok(Json(response))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// Header language: `en` (default) or `zh-CN`.
    pub lang: Option<String>,
}

/// Export the whole catalogue as CSV (UTF-8 with BOM) or XLSX; the file imports back unchanged.
#[utoipa::path(get, path = "/skus/export", tag = "import-export", params(ExportParams),
    responses(
        (status = 200, description = "the file", content(
            (BinaryFileDoc = "text/csv"),
            (BinaryFileDoc = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_skus(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<ExportParams>,
) -> ApiResult<Response> {
    let format = params
        .format
        .as_deref()
        .unwrap_or("csv")
        .to_ascii_lowercase();
    if format != "csv" && format != "xlsx" {
        return Err(ApiError::validation("format", &format, "csv or xlsx"));
    }
    let lang = match params.lang.as_deref().filter(|l| !l.is_empty()) {
        None => UiLang::En,
        Some(code) => {
            UiLang::parse(code).map_err(|_| ApiError::validation("lang", code, "en or zh-CN"))?
        }
    };
    let records: Vec<_> = state
        .store
        .all_skus(caller.org_id)
        .await?
        .into_iter()
        .map(|s| s.record)
        .collect();
    let xlsx = format == "xlsx";
    let bytes = tokio::task::spawn_blocking(move || {
        if xlsx {
            export_xlsx(&records, lang).map_err(|e| ApiError::internal("xlsx export", e))
        } else {
            Ok(export_csv(&records, lang))
        }
    })
    .await
    .map_err(|e| ApiError::internal("export task", e))??;
    let date = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let (content_type, ext) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    let disposition = format!("attachment; filename=\"catalogue-{date}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response())
}
