//! The caller.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AuthKind, Principal};
use crate::error::{ApiResult, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user_id: i64,
    pub org_id: i64,
    pub email: String,
    pub display_name: String,
    /// Effective role (a token's role, capped at its user's).
    pub role: String,
    /// `en` or `zh-CN`.
    pub locale: String,
    /// `session` or `token`.
    pub auth: String,
    /// Name of the API token, when authenticated by one.
    pub token_name: Option<String>,
    /// CSRF token to send as `X-CSRF-Token` on unsafe requests (sessions only).
    pub csrf_token: Option<String>,
}

/// Who am I.
#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Principal) -> ApiResult<Json<MeResponse>> {
    let (auth, token_name, csrf_token) = match &caller.auth {
        AuthKind::Session { csrf, .. } => ("session", None, Some(csrf.clone())),
        AuthKind::Token { name, .. } => ("token", Some(name.clone()), None),
    };
    Ok(Json(MeResponse {
        user_id: caller.user_id.0,
        org_id: caller.org_id.0,
        email: caller.email,
        display_name: caller.display_name,
        role: caller.role.as_str().to_string(),
        locale: caller.locale.code().to_string(),
        auth: auth.to_string(),
        token_name,
        csrf_token,
    }))
}
