//! Users and API tokens of the organisation. Everyone may look; only owners change.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_store::{Role, StoreError, TokenId, UserId};

use super::PageError;
use super::layout::{Layout, role_key};
use crate::auth::{PageUser, Principal};
use crate::format;
use crate::i18n::Tr;
use crate::service;
use crate::state::AppState;

pub struct UserLine {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub role: &'static str,
    pub role_key: &'static str,
    pub disabled: bool,
    pub is_self: bool,
}

pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub role_key: &'static str,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

pub struct RoleOption {
    pub value: &'static str,
    pub label_key: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage {
    t: Tr,
    l: Layout,
    users: Vec<UserLine>,
    tokens: Vec<TokenLine>,
    roles: Vec<RoleOption>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    user: &Principal,
    status: StatusCode,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "users", "/users");
    let t = l.t;
    let users = state
        .store
        .list_users(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .into_iter()
        .map(|u| UserLine {
            id: u.id.0,
            is_self: u.id == user.user_id,
            display_name: u.display_name,
            email: u.email,
            role: u.role.as_str(),
            role_key: role_key(u.role),
            disabled: u.disabled,
        })
        .collect();
    let tokens = state
        .store
        .list_api_tokens(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .into_iter()
        .map(|tok| TokenLine {
            id: tok.id.0,
            revoked: tok.is_revoked(),
            name: tok.name,
            prefix: tok.token_prefix,
            role_key: role_key(tok.role),
            created: format::timestamp(tok.created_at, t.lang),
            last_used: tok
                .last_used_at
                .map(|ts| format::timestamp(ts, t.lang))
                .unwrap_or_else(|| t.t("tokens.never").to_string()),
        })
        .collect();
    let roles = Role::ALL
        .into_iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            label_key: role_key(r),
        })
        .collect();
    Ok((
        status,
        UsersPage {
            t,
            l,
            users,
            tokens,
            roles,
            new_token,
            error,
        },
    )
        .into_response())
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    render(&state, &user, StatusCode::OK, None, None).await
}

/// Shows a failed change on the same page, with the reason.
async fn render_failure(
    state: &AppState,
    user: &Principal,
    error: crate::error::ApiError,
) -> Result<Response, PageError> {
    let status = error.status();
    render(state, user, status, None, Some(error.to_string())).await
}

#[derive(Deserialize)]
pub struct CreateUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<CreateUserForm>,
) -> Result<Response, PageError> {
    let request = service::NewUserRequest {
        email: form.email,
        display_name: form.display_name,
        password: form.password,
        role: form.role,
        locale: None,
    };
    match service::create_user(&state, &user, request).await {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(e) => render_failure(&state, &user, e).await,
    }
}

#[derive(Deserialize)]
pub struct UpdateUserForm {
    #[serde(default)]
    role: String,
    /// A checkbox: present means "disabled".
    #[serde(default)]
    disabled: Option<String>,
}

pub async fn update_user(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
    Form(form): Form<UpdateUserForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "users", "/users");
    let id: UserId = raw_id.parse().map_err(|_: StoreError| l.not_found())?;
    let change = service::UserChange {
        role: Some(form.role),
        disabled: Some(form.disabled.is_some()),
    };
    match service::update_user(&state, &user, id, change).await {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(e) => render_failure(&state, &user, e).await,
    }
}

#[derive(Deserialize)]
pub struct CreateTokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<CreateTokenForm>,
) -> Result<Response, PageError> {
    match service::create_token(&state, &user, &form.name, &form.role).await {
        // The plaintext is rendered in this response only; it is never stored or shown again.
        Ok((plaintext, _)) => render(&state, &user, StatusCode::OK, Some(plaintext), None).await,
        Err(e) => render_failure(&state, &user, e).await,
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "users", "/users");
    let id: TokenId = raw_id.parse().map_err(|_: StoreError| l.not_found())?;
    match service::revoke_token(&state, &user, id).await {
        Ok(()) => Ok(Redirect::to("/users").into_response()),
        Err(e) => render_failure(&state, &user, e).await,
    }
}
