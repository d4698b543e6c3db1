//! Catalogue CRUD.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tradelane_domain::SkuRecord;
use tradelane_store::{SkuId, StoredSku};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use super::schema::SkuRecordDoc;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldErrorBody};
use crate::sku_query::SkuListParams;
use crate::state::AppState;

/// A stored SKU: its record plus id, version and timestamps.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuResponse {
    pub id: i64,
    /// Starts at 1 and grows by one with every change; send it back in `If-Match` when updating.
    pub version: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
    #[serde(flatten)]
    #[schema(value_type = SkuRecordDoc, inline)]
    pub record: SkuRecord,
}

impl From<StoredSku> for SkuResponse {
    fn from(s: StoredSku) -> Self {
        SkuResponse {
            id: s.id.0,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
            record: s.record,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkuPage {
    pub items: Vec<SkuResponse>,
    /// Matching SKUs over all pages.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

fn value_excerpt(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 200 {
        let cut: String = text.chars().take(200).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Turns a JSON body into a validated record, naming every bad field.
pub fn record_from_json(body: Value) -> ApiResult<SkuRecord> {
    let Value::Object(object) = body else {
        return Err(ApiError::validation(
            "body",
            &value_excerpt(&body),
            "a JSON object with the SKU's fields",
        ));
    };
    match serde_json::from_value::<SkuRecord>(Value::Object(object.clone())) {
        Ok(record) => record.validate().map(|()| record).map_err(|errors| {
            let fields: Vec<FieldErrorBody> = errors
                .into_iter()
                .map(|e| FieldErrorBody {
                    field: e.field.to_string(),
                    value: e.value,
                    expected: e.expected,
                })
                .collect();
            validation_failed(fields)
        }),
        Err(whole) => {
            // Find the culprits: each field alone on top of a minimal valid record.
            let mut fields = Vec::new();
            for required in ["code", "title"] {
                if !object.contains_key(required) {
                    fields.push(FieldErrorBody {
                        field: required.to_string(),
                        value: String::new(),
                        expected: "a value (required)".to_string(),
                    });
                }
            }
            for (key, value) in &object {
                let mut probe = Map::new();
                probe.insert("code".into(), Value::String("PROBE".into()));
                probe.insert("title".into(), Value::String("probe".into()));
                probe.insert(key.clone(), value.clone());
                if let Err(e) = serde_json::from_value::<SkuRecord>(Value::Object(probe)) {
                    fields.push(FieldErrorBody {
                        field: key.clone(),
                        value: value_excerpt(value),
                        expected: e.to_string(),
                    });
                }
            }
            if fields.is_empty() {
                return Err(ApiError::Validation {
                    message: whole.to_string(),
                    fields,
                });
            }
            Err(validation_failed(fields))
        }
    }
}

fn validation_failed(fields: Vec<FieldErrorBody>) -> ApiError {
    let message = format!(
        "{} field(s) invalid: {}",
        fields.len(),
        fields
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    ApiError::Validation { message, fields }
}

fn parse_id(raw: &str) -> ApiResult<SkuId> {
    raw.parse::<SkuId>().map_err(|_| ApiError::NotFound)
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

fn with_etag(status: StatusCode, sku: StoredSku) -> Response {
    let tag = etag(sku.version);
    (status, [(header::ETAG, tag)], Json(SkuResponse::from(sku))).into_response()
}

/// List and search the catalogue.
#[utoipa::path(get, path = "/skus", tag = "catalogue", params(SkuListParams),
    responses(
        (status = 200, body = SkuPage),
        (status = 401, body = ErrorBody),
        (status = 422, description = "bad filter or paging value", body = ErrorBody)))]
pub async fn list_skus(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<SkuListParams>,
) -> ApiResult<Json<SkuPage>> {
    let query = params.to_query().map_err(validation_failed)?;
    let page = state.store.list_skus(caller.org_id, &query).await?;
    Ok(Json(SkuPage {
        items: page.items.into_iter().map(SkuResponse::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// Create a SKU.
#[utoipa::path(post, path = "/skus", tag = "catalogue", request_body = SkuRecordDoc,
    responses(
        (status = 201, body = SkuResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "SKU code already used", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_sku(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    caller.require_write()?;
    let record = record_from_json(body)?;
    let stored = state.store.create_sku(&caller.actor(), &record).await?;
    Ok(with_etag(StatusCode::CREATED, stored))
}

/// One SKU.
#[utoipa::path(get, path = "/skus/{id}", tag = "catalogue",
    params(("id" = i64, Path, description = "SKU id")),
    responses((status = 200, body = SkuResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_sku(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
) -> ApiResult<Response> {
    let sku = state
        .store
        .get_sku(caller.org_id, parse_id(&raw_id)?)
        .await?;
    Ok(with_etag(StatusCode::OK, sku))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionParam {
    /// Expected current version (alternative to the `If-Match` header).
    pub version: Option<i64>,
}

/// The version the client expects to replace: `If-Match: "3"` or `?version=3`.
fn expected_version(headers: &HeaderMap, query: &VersionParam) -> ApiResult<Option<i64>> {
    if let Some(value) = headers.get(header::IF_MATCH) {
        let text = value.to_str().unwrap_or("").trim();
        let bare = text.trim_start_matches("W/").trim_matches('"');
        return bare
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::validation("If-Match", text, "the SKU's version, e.g. \"3\""));
    }
    Ok(query.version)
}

/// Replace a SKU's data. With `If-Match` (or `?version=`), a stale version gets 409.
#[utoipa::path(put, path = "/skus/{id}", tag = "catalogue", request_body = SkuRecordDoc,
    params(("id" = i64, Path, description = "SKU id"),
           ("If-Match" = Option<String>, Header, description = "expected version, e.g. \"3\""),
           VersionParam),
    responses(
        (status = 200, body = SkuResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "version mismatch or code taken", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_sku(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
    Query(version): Query<VersionParam>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    caller.require_write()?;
    let id = parse_id(&raw_id)?;
    let expected = expected_version(&headers, &version)?;
    let record = record_from_json(body)?;
    let stored = state
        .store
        .update_sku(&caller.actor(), id, &record, expected)
        .await?;
    Ok(with_etag(StatusCode::OK, stored))
}

/// Delete a SKU.
#[utoipa::path(delete, path = "/skus/{id}", tag = "catalogue",
    params(("id" = i64, Path, description = "SKU id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_sku(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require_write()?;
    state
        .store
        .delete_sku(&caller.actor(), parse_id(&raw_id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bad_fields_are_named() {
        let err = record_from_json(json!({
            "code": "A-1", "title": "Cable", "hs_code": "12ab", "origin": "XX1"
        }))
        .unwrap_err();
        let ApiError::Validation { fields, .. } = err else {
            panic!("expected validation error")
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert!(names.contains(&"hs_code"), "{names:?}");
        assert!(names.contains(&"origin"), "{names:?}");
        assert!(fields.iter().any(|f| f.value == "12ab"));
    }

    #[test]
    fn missing_required_fields_are_named() {
        let err = record_from_json(json!({"brand": "X"})).unwrap_err();
        let ApiError::Validation { fields, .. } = err else {
            panic!("expected validation error")
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["code", "title"]);
    }

    #[test]
    fn cross_field_rules_apply() {
        let err = record_from_json(json!({
            "code": "A-1", "title": "Cable",
            "net_weight": {"value": "2", "unit": "kg"},
            "gross_weight": {"value": "1", "unit": "kg"}
        }))
        .unwrap_err();
        assert_eq!(err.code(), "validation_failed");
    }

    #[test]
    fn if_match_forms() {
        let mut h = HeaderMap::new();
        let none = VersionParam { version: None };
        assert_eq!(expected_version(&h, &none).unwrap(), None);
        assert_eq!(
            expected_version(&h, &VersionParam { version: Some(4) }).unwrap(),
            Some(4)
        );
        h.insert(header::IF_MATCH, HeaderValue::from_static("\"3\""));
        assert_eq!(expected_version(&h, &none).unwrap(), Some(3));
        h.insert(header::IF_MATCH, HeaderValue::from_static("W/\"5\""));
        assert_eq!(expected_version(&h, &none).unwrap(), Some(5));
        h.insert(header::IF_MATCH, HeaderValue::from_static("*x"));
        assert!(expected_version(&h, &none).is_err());
    }
}
