//! Trade profile and customs documents API: the exporter identity and registrations of the organisation,
//! the declaration checks of a set of lines, and the commercial invoice, packing list and CN23 as PDF or XLSX.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tradelane_documents::customs::{Kind, Registration, validate_registration};
use tradelane_domain::Country;
use tradelane_store::{TradeProfile, TradeProfileInput, TradeRegistration};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::customs_docs::{DocsRequest, FindingResponse, Format, authorise, prepare, render};
use crate::error::{ApiError, ApiResult, ErrorBody, FieldErrorBody};
use crate::state::AppState;

/// A tax or customs registration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistrationBody {
    /// EORI, IOSS, EU_VAT, UK_VAT, AU_GST, NZ_GST, NO_VOEC, CH_VAT, SG_OVR, CA_GST.
    pub scheme: String,
    pub number: String,
    /// Member state of an EU_VAT number (ISO alpha-2).
    #[serde(default)]
    pub country: Option<String>,
}

/// The organisation's trade profile as edited.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TradeProfileBody {
    pub legal_name: String,
    #[serde(default)]
    pub local_name: String,
    #[serde(default)]
    pub address: Vec<String>,
    /// Country of establishment, ISO alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub registrations: Vec<RegistrationBody>,
    /// The version read (absent when creating); a stale version is answered with 409.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// The stored profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TradeProfileResponse {
    /// Null until a profile is saved.
    pub profile: Option<TradeProfileBody>,
    pub version: Option<i64>,
    pub updated_by: Option<String>,
}

fn to_body(p: &TradeProfile) -> TradeProfileBody {
    TradeProfileBody {
        legal_name: p.profile.legal_name.clone(),
        local_name: p.profile.local_name.clone(),
        address: p.profile.address.clone(),
        country: p.profile.country.clone(),
        contact_name: p.profile.contact_name.clone(),
        phone: p.profile.phone.clone(),
        email: p.profile.email.clone(),
        registrations: p
            .profile
            .registrations
            .iter()
            .map(|r| RegistrationBody {
                scheme: r.scheme.clone(),
                number: r.number.clone(),
                country: r.country.clone(),
            })
            .collect(),
        expected_version: Some(p.version),
    }
}

fn response(p: Option<&TradeProfile>) -> TradeProfileResponse {
    TradeProfileResponse {
        profile: p.map(to_body),
        version: p.map(|p| p.version),
        updated_by: p.map(|p| p.updated_by.clone()),
    }
}

/// Checks every registration's shape; errors name `registrations[i]` (1-based).
pub fn validate_profile(body: &TradeProfileBody) -> ApiResult<TradeProfileInput> {
    let mut fields = Vec::new();
    let mut regs = Vec::new();
    for (i, r) in body.registrations.iter().enumerate() {
        let scheme = r.scheme.trim().to_ascii_uppercase();
        let number = r.number.trim().to_ascii_uppercase();
        let country_text = r
            .country
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let country = match country_text {
            Some(c) => match Country::parse(c) {
                Ok(c) => Some(c),
                Err(_) => {
                    fields.push(FieldErrorBody {
                        field: format!("registrations[{}].country", i + 1),
                        value: c.to_string(),
                        expected: "an ISO alpha-2 country code".into(),
                    });
                    continue;
                }
            },
            None => None,
        };
        let reg = Registration {
            scheme: scheme.clone(),
            number: number.clone(),
            country,
        };
        if let Err(expected) = validate_registration(&reg) {
            fields.push(FieldErrorBody {
                field: format!("registrations[{}].number", i + 1),
                value: number.clone(),
                expected,
            });
            continue;
        }
        regs.push(TradeRegistration {
            scheme,
            number,
            country: country.map(|c| c.code().to_string()),
        });
    }
    if let Some(c) = body
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        && Country::parse(c).is_err()
    {
        fields.push(FieldErrorBody {
            field: "country".into(),
            value: c.into(),
            expected: "an ISO alpha-2 country code such as CN".into(),
        });
    }
    if !fields.is_empty() {
        return Err(ApiError::Validation {
            message: format!("{} field(s) of the trade profile are invalid", fields.len()),
            fields,
        });
    }
    Ok(TradeProfileInput {
        legal_name: body.legal_name.clone(),
        local_name: body.local_name.clone(),
        address: body.address.clone(),
        country: body
            .country
            .as_deref()
            .and_then(|c| Country::parse(c.trim()).ok())
            .map(|c| c.code().to_string()),
        contact_name: body.contact_name.clone(),
        phone: body.phone.clone(),
        email: body.email.clone(),
        registrations: regs,
    })
}

/// The organisation's trade profile (exporter identity and registrations printed on customs documents).
#[utoipa::path(get, path = "/trade-profile", tag = "customs",
    responses((status = 200, body = TradeProfileResponse), (status = 401, body = ErrorBody)))]
pub async fn get_trade_profile(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<TradeProfileResponse>> {
    let p = state.store.trade_profile(caller.org_id).await?;
    Ok(Json(response(p.as_ref())))
}

/// Creates or replaces the trade profile (owners). Registration numbers are checked per scheme.
#[utoipa::path(put, path = "/trade-profile", tag = "customs", request_body = TradeProfileBody,
    responses((status = 200, body = TradeProfileResponse), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_trade_profile(
    State(state): State<AppState>,
    caller: Principal,
    crate::api::ApiJson(body): crate::api::ApiJson<TradeProfileBody>,
) -> ApiResult<Json<TradeProfileResponse>> {
    caller.require_owner()?;
    let input = validate_profile(&body)?;
    let saved = state
        .store
        .put_trade_profile(&caller.actor(), input, body.expected_version)
        .await?;
    Ok(Json(response(Some(&saved))))
}

/// A registration number printed on the documents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdentifierResponse {
    /// e.g. "EORI", "IOSS", "EU VAT (DE)", "UK VAT".
    pub label: String,
    pub number: String,
}

/// Result of the declaration checks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckResponse {
    /// Invoice number the documents will carry.
    pub number: String,
    pub destination: String,
    /// Errors block the documents unless an owner overrides them.
    pub errors: usize,
    pub findings: Vec<FindingResponse>,
    /// Registrations printed for this destination.
    pub identifiers: Vec<IdentifierResponse>,
    /// Goods total in the request currency (sum of the rounded line totals).
    pub goods_total: String,
    /// Goods total + freight + insurance.
    pub invoice_total: String,
}

/// Runs the customs declaration checks on a set of lines (nothing is stored).
#[utoipa::path(post, path = "/customs/documents/check", tag = "customs", request_body = DocsRequest,
    responses((status = 200, body = CheckResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_documents(
    State(state): State<AppState>,
    caller: Principal,
    crate::api::ApiJson(req): crate::api::ApiJson<DocsRequest>,
) -> ApiResult<Json<CheckResponse>> {
    let p = prepare(&state.store, caller.org_id, &req).await?;
    let (goods, total) = match p.declaration.totals() {
        Ok(t) => (t.goods.to_string(), t.invoice_total.to_string()),
        Err(_) => (String::new(), String::new()),
    };
    Ok(Json(CheckResponse {
        number: p.declaration.number.clone(),
        destination: p.declaration.destination.code().to_string(),
        errors: p.errors(),
        findings: p.findings.iter().map(FindingResponse::new).collect(),
        identifiers: p
            .extras
            .identifiers
            .iter()
            .map(|(label, number)| IdentifierResponse {
                label: label.clone(),
                number: number.clone(),
            })
            .collect(),
        goods_total: goods,
        invoice_total: total,
    }))
}

/// Which documents and in which format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentParams {
    /// Comma-separated: invoice, packing-list, cn23. Default: all three.
    #[serde(default)]
    pub kind: Option<String>,
    /// pdf (default) or xlsx.
    #[serde(default)]
    pub format: Option<String>,
}

/// Parses the `kind` list.
pub fn parse_kinds(text: Option<&str>) -> ApiResult<Vec<Kind>> {
    let mut kinds = Vec::new();
    for t in text
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let k = Kind::parse(t)
            .ok_or_else(|| ApiError::validation("kind", t, "invoice, packing-list or cn23"))?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    Ok(kinds)
}

/// The commercial invoice, packing list and CN23 for a set of lines (or a shipment), as PDF or XLSX. The
/// declaration checks run first: errors answer 422 with the findings, unless an owner gives
/// `override_reason` (audited); viewers and operators cannot override (403).
#[utoipa::path(post, path = "/customs/documents", tag = "customs", params(DocumentParams), request_body = DocsRequest,
    responses((status = 200, description = "The documents: application/pdf, or an XLSX workbook with format=xlsx"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_documents(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<DocumentParams>,
    crate::api::ApiJson(req): crate::api::ApiJson<DocsRequest>,
) -> ApiResult<Response> {
    let kinds = parse_kinds(params.kind.as_deref())?;
    let format_text = params.format.as_deref().unwrap_or("pdf");
    let format = Format::parse(format_text)
        .ok_or_else(|| ApiError::validation("format", format_text, "pdf or xlsx"))?;
    let p = prepare(&state.store, caller.org_id, &req).await?;
    authorise(
        &state.store,
        &caller.actor(),
        caller.role,
        &p,
        req.override_reason.as_deref(),
    )
    .await?;
    let (bytes, name) = render(&p, &kinds, format, None)?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(get_trade_profile, put_trade_profile))
        .routes(utoipa_axum::routes!(check_documents))
        .routes(utoipa_axum::routes!(create_documents))
}
