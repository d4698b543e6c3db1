//! Import wizard: upload → map columns → preview (every error, downloadable) → commit → result.
//! The uploaded file waits in `data_dir/uploads/<random id>`, bound to the uploader's session.

use std::collections::BTreeSet;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use std::collections::HashMap;
use tradelane_catalogue_io::{
    ColumnBinding, ColumnMapping, Field, Import, ImportOptions, RowError, SourceFormat,
    errors_to_csv, errors_to_xlsx,
};
use tradelane_domain::Country;

use super::PageError;
use super::layout::Layout;
use super::views::{SkuRow, sku_row};
use crate::auth::{AuthKind, PageUser, Principal};
use crate::i18n::Tr;
use crate::import_flow::{
    IMPORT_BODY_LIMIT, UploadError, UploadMeta, analyse, load_file, load_meta, remove_upload,
    save_meta, save_upload,
};
use crate::state::AppState;

/// Rows shown in the preview table; the rest are validated but not displayed.
const PREVIEW_ROWS: usize = 20;
/// Errors listed on the page; the downloadable report has all of them.
const ERRORS_SHOWN: usize = 1000;
/// National tariff code columns offered in the mapping besides those recognised in the file.
const COMMON_MARKETS: [&str; 8] = ["US", "GB", "CA", "AU", "JP", "DE", "FR", "MX"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/catalogue/import",
            get(upload_page)
                .post(upload)
                .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route(
            "/catalogue/import/{id}/map",
            get(map_page).post(save_mapping),
        )
        .route("/catalogue/import/{id}/preview", get(preview))
        .route("/catalogue/import/{id}/errors.csv", get(errors_csv))
        .route("/catalogue/import/{id}/errors.xlsx", get(errors_xlsx))
        .route("/catalogue/import/{id}/commit", post(commit))
}

fn session_of(user: &Principal) -> String {
    match &user.auth {
        AuthKind::Session { token_hash, .. } => token_hash.clone(),
        AuthKind::Token { token_id, .. } => format!("token:{token_id}"),
    }
}

fn writer_layout(user: &Principal, path: &str) -> Result<Layout, PageError> {
    let l = Layout::for_user(user, "import", path);
    if user.role.can_write() {
        Ok(l)
    } else {
        Err(l.forbidden())
    }
}

fn upload_failure(l: &Layout, e: UploadError) -> PageError {
    match e {
        UploadError::Missing => l.error(StatusCode::NOT_FOUND, l.t.t("import.expired")),
        other => {
            tracing::error!(error = %other, "import upload storage");
            l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal"))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import_upload.html")]
struct UploadPage {
    t: Tr,
    l: Layout,
    error: Option<String>,
}

pub async fn upload_page(PageUser(user): PageUser) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/import")?;
    Ok(UploadPage {
        t: l.t,
        l,
        error: None,
    }
    .into_response())
}

fn upload_error(l: Layout, status: StatusCode, message: String) -> Response {
    (
        status,
        UploadPage {
            t: l.t,
            l,
            error: Some(message),
        },
    )
        .into_response()
}

pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/import")?;
    let t = l.t;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes.to_vec())),
                    Err(e) => {
                        let detail = e.body_text();
                        let message = t.tf("import.read_error", &[("detail", &detail)]);
                        return Ok(upload_error(l, e.status(), message));
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                let message = t.tf("import.read_error", &[("detail", &e.body_text())]);
                return Ok(upload_error(l, e.status(), message));
            }
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let message = t.t("import.no_file").to_string();
        return Ok(upload_error(l, StatusCode::UNPROCESSABLE_ENTITY, message));
    };
    let bytes = Arc::new(bytes);
    // Read it once now, so an unreadable file is reported on the upload step itself.
    let import = analyse(bytes.clone(), None, ImportOptions::default())
        .await
        .map_err(|_| l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")))?;
    let import = match import {
        Ok(import) => import,
        Err(e) => {
            let message = t.tf("import.read_error", &[("detail", &e.to_string())]);
            return Ok(upload_error(l, StatusCode::UNPROCESSABLE_ENTITY, message));
        }
    };
    let meta = UploadMeta {
        org_id: user.org_id.0,
        user_id: user.user_id.0,
        session: session_of(&user),
        file_name,
        mapping: Some(import.mapping),
    };
    let id = save_upload(state.upload_dir(), meta, bytes)
        .await
        .map_err(|e| upload_failure(&l, e))?;
    Ok(Redirect::to(&format!("/catalogue/import/{id}/map")).into_response())
}

/// Loads an upload of this session and analyses it with its saved mapping.
async fn analysed(
    state: &AppState,
    user: &Principal,
    l: &Layout,
    id: &str,
) -> Result<(UploadMeta, Import), PageError> {
    let root = state.upload_dir();
    let meta = load_meta(&root, id, user.org_id, user.user_id, &session_of(user))
        .await
        .map_err(|e| upload_failure(l, e))?;
    let bytes = load_file(&root, id)
        .await
        .map_err(|e| upload_failure(l, e))?;
    let import = analyse(
        Arc::new(bytes),
        meta.mapping.clone(),
        ImportOptions::default(),
    )
    .await
    .map_err(|_| l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal")))?
    .map_err(|e| {
        l.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t.tf("import.read_error", &[("detail", &e.to_string())]),
        )
    })?;
    Ok((meta, import))
}

pub struct MapColumn {
    pub index: usize,
    pub header: String,
    pub sample: String,
    pub selected: String,
}

pub struct FieldChoice {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "import_map.html")]
struct MapPage {
    t: Tr,
    l: Layout,
    upload_id: String,
    file_info: String,
    columns: Vec<MapColumn>,
    fields: Vec<FieldChoice>,
    error: Option<String>,
}

fn format_label(format: &SourceFormat) -> String {
    match format {
        SourceFormat::Csv {
            encoding,
            delimiter,
            ..
        } => format!("CSV · {} · {}", encoding.label(), delimiter.label()),
        SourceFormat::Xlsx { sheet } => format!("XLSX · {sheet}"),
        SourceFormat::Other => String::new(),
    }
}

fn field_choices(mapping: &ColumnMapping, t: Tr) -> Vec<FieldChoice> {
    let mut fields: BTreeSet<Field> = Field::SIMPLE.iter().cloned().collect();
    fields.extend(
        COMMON_MARKETS
            .iter()
            .filter_map(|c| Country::parse(c).ok())
            .map(Field::NationalHsCode),
    );
    fields.extend(mapping.columns.iter().filter_map(|c| c.field.clone()));
    let mut ordered: Vec<Field> = Field::SIMPLE.to_vec();
    ordered.extend(fields.into_iter().filter(|f| !Field::SIMPLE.contains(f)));
    ordered
        .into_iter()
        .map(|f| FieldChoice {
            value: f.key(),
            label: f.label(t.lang),
        })
        .collect()
}

pub async fn map_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/import")?;
    let t = l.t;
    let (meta, import) = analysed(&state, &user, &l, &id).await?;
    // Samples come from the first data row; re-read cheaply from the report's first record
    // would lose bad cells, so take them from the raw sheet instead.
    let bytes = load_file(&state.upload_dir(), &id)
        .await
        .map_err(|e| upload_failure(&l, e))?;
    let samples = tokio::task::spawn_blocking(move || {
        tradelane_catalogue_io::read_sheet(&bytes, &Default::default())
            .ok()
            .and_then(|s| s.rows.into_iter().next())
            .map(|r| r.cells)
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    let columns = import
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| MapColumn {
            index,
            header: header.clone(),
            sample: samples.get(index).cloned().unwrap_or_default(),
            selected: import
                .mapping
                .columns
                .iter()
                .find(|c| c.index == index)
                .and_then(|c| c.field.as_ref())
                .map(|f| f.key())
                .unwrap_or_default(),
        })
        .collect();
    let file_info = t.tf(
        "import.file_info",
        &[
            ("name", &meta.file_name),
            ("rows", &import.report.rows_read.to_string()),
            ("format", &format_label(&import.format)),
        ],
    );
    Ok(MapPage {
        t,
        fields: field_choices(&import.mapping, t),
        l,
        upload_id: id,
        file_info,
        columns,
        error: None,
    }
    .into_response())
}

pub async fn save_mapping(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/import")?;
    let root = state.upload_dir();
    let (mut meta, import) = analysed(&state, &user, &l, &id).await?;
    let previous = import.mapping;
    let columns = import
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let chosen = form
                .get(&format!("col_{index}"))
                .map(String::as_str)
                .unwrap_or("");
            let field = Field::from_key(chosen);
            // Keep a unit read from the header ("毛重(kg)") while the column keeps its field.
            let unit = previous
                .columns
                .iter()
                .find(|c| c.index == index && c.field == field)
                .and_then(|c| c.unit.clone());
            ColumnBinding {
                index,
                header: header.clone(),
                field,
                unit,
            }
        })
        .collect();
    meta.mapping = Some(ColumnMapping { columns });
    save_meta(&root, &id, &meta)
        .await
        .map_err(|e| upload_failure(&l, e))?;
    Ok(Redirect::to(&format!("/catalogue/import/{id}/preview")).into_response())
}

pub struct ErrorLine {
    pub line: usize,
    pub column: String,
    pub field: String,
    pub value: String,
    pub expected: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    t: Tr,
    l: Layout,
    upload_id: String,
    summary: String,
    error_summary: String,
    errors: Vec<ErrorLine>,
    preview: Vec<SkuRow>,
}

fn error_line(e: &RowError, t: Tr) -> ErrorLine {
    ErrorLine {
        line: e.line,
        column: e.column.clone(),
        field: e
            .field
            .as_ref()
            .map(|f| f.label(t.lang))
            .unwrap_or_default(),
        value: e.value.clone(),
        expected: e.expected.clone(),
    }
}

pub async fn preview(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/import")?;
    let t = l.t;
    let (_, import) = analysed(&state, &user, &l, &id).await?;
    let report = &import.report;
    let invalid_rows: BTreeSet<usize> = report.errors.iter().map(|e| e.line).collect();
    let summary = t.tf(
        "import.summary",
        &[
            ("rows", &report.rows_read.to_string()),
            ("valid", &report.records.len().to_string()),
            ("invalid", &invalid_rows.len().to_string()),
        ],
    );
    let error_summary = t.tf(
        "import.error_summary",
        &[("count", &report.error_count().to_string())],
    );
    let errors = report
        .errors
        .iter()
        .take(ERRORS_SHOWN)
        .map(|e| error_line(e, t))
        .collect();
    let preview = if report.error_count() == 0 {
        report
            .records
            .iter()
            .take(PREVIEW_ROWS)
            .map(|(line, r)| sku_row(*line as i64, r, t.lang))
            .collect()
    } else {
        Vec::new()
    };
    Ok(PreviewPage {
        t,
        l,
        upload_id: id,
        summary,
        error_summary,
        errors,
        preview,
    }
    .into_response())
}

async fn error_report(
    state: AppState,
    user: Principal,
    id: String,
    xlsx: bool,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/import")?;
    let lang = l.t.lang;
    let (_, import) = analysed(&state, &user, &l, &id).await?;
    let errors = import.report.errors;
    let bytes = tokio::task::spawn_blocking(move || {
        if xlsx {
            errors_to_xlsx(&errors, lang).map_err(|e| e.to_string())
        } else {
            Ok(errors_to_csv(&errors, lang))
        }
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r)
    .map_err(|e| {
        tracing::error!(error = %e, "error report");
        l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal"))
    })?;
    let (content_type, name) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "import-errors.xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", "import-errors.csv")
    };
    let disposition = format!("attachment; filename=\"{name}\"");
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

pub async fn errors_csv(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    error_report(state, user, id, false).await
}

pub async fn errors_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    error_report(state, user, id, true).await
}

#[derive(Template, WebTemplate)]
#[template(path = "import_result.html")]
struct ResultPage {
    t: Tr,
    l: Layout,
    created: u64,
    updated: u64,
    unchanged: u64,
}

#[derive(serde::Deserialize)]
pub struct CommitForm {}

pub async fn commit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(_): Form<CommitForm>,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/import")?;
    let (meta, import) = analysed(&state, &user, &l, &id).await?;
    if !import.report.is_committable() {
        // The button is disabled in this case; a forced post goes back to the report.
        return Ok(Redirect::to(&format!("/catalogue/import/{id}/preview")).into_response());
    }
    let records: Vec<_> = import.report.records.into_iter().map(|(_, r)| r).collect();
    let outcome = state
        .store
        .import_skus(&user.actor(), &records, &meta.file_name)
        .await
        .map_err(|e| l.store_error(e))?;
    remove_upload(&state.upload_dir(), &id).await;
    Ok(ResultPage {
        t: l.t,
        l,
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
    }
    .into_response())
}
