//! Users of the caller's organisation.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use tradelane_store::{User, UserId};
use utoipa::ToSchema;

use super::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::service::{self, NewUserRequest, UserChange};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// `owner`, `operator` or `viewer`.
    pub role: String,
    /// `en` or `zh-CN`.
    pub locale: String,
    pub disabled: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        UserResponse {
            id: u.id.0,
            email: u.email,
            display_name: u.display_name,
            role: u.role.as_str().to_string(),
            locale: u.locale.code().to_string(),
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

/// Users of the organisation.
#[utoipa::path(get, path = "/users", tag = "accounts",
    responses((status = 200, body = Vec<UserResponse>), (status = 401, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<UserResponse>>> {
    let users = state.store.list_users(caller.org_id).await?;
    Ok(Json(users.into_iter().map(UserResponse::from).collect()))
}

/// Create a user (owner only).
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = NewUserRequest,
    responses((status = 201, body = UserResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "e-mail already used", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(request): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserResponse>)> {
    let user = service::create_user(&state, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Change a user's role or disable/enable them (owner only).
#[utoipa::path(patch, path = "/users/{id}", tag = "accounts", request_body = UserChange,
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "would leave no active owner", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
    ApiJson(change): ApiJson<UserChange>,
) -> ApiResult<Json<UserResponse>> {
    let id: UserId = raw_id.parse().map_err(|_| ApiError::NotFound)?;
    let user = service::update_user(&state, &caller, id, change).await?;
    Ok(Json(user.into()))
}
