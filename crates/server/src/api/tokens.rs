//! API tokens of the caller's organisation. The secret is returned once, at creation.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tradelane_store::{ApiToken, TokenId};
use utoipa::ToSchema;

use super::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::service;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub id: i64,
    pub name: String,
    /// First characters of the token, to tell tokens apart.
    pub token_prefix: String,
    pub role: String,
    /// The user the token acts as.
    pub user_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<jiff::Timestamp>,
}

impl From<ApiToken> for TokenResponse {
    fn from(t: ApiToken) -> Self {
        TokenResponse {
            id: t.id.0,
            name: t.name,
            token_prefix: t.token_prefix,
            role: t.role.as_str().to_string(),
            user_id: t.user_id.0,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
    /// `owner`, `operator` or `viewer`; at most the creator's own role.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenResponse {
    /// The secret. Shown only in this response; store it now.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenResponse,
}

/// API tokens of the organisation (never their secrets).
#[utoipa::path(get, path = "/tokens", tag = "accounts",
    responses((status = 200, body = Vec<TokenResponse>), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<TokenResponse>>> {
    let tokens = state.store.list_api_tokens(caller.org_id).await?;
    Ok(Json(tokens.into_iter().map(TokenResponse::from).collect()))
}

/// Create a token (owner only). The response is the only time the secret is shown.
#[utoipa::path(post, path = "/tokens", tag = "accounts", request_body = NewTokenRequest,
    responses((status = 201, body = NewTokenResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(request): ApiJson<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<NewTokenResponse>)> {
    let (token, stored) =
        service::create_token(&state, &caller, &request.name, &request.role).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenResponse {
            token,
            info: stored.into(),
        }),
    ))
}

/// Revoke a token (owner only); requests with it get 401 from then on.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "accounts",
    params(("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: TokenId = raw_id.parse().map_err(|_| ApiError::NotFound)?;
    service::revoke_token(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
