//! Account administration shared by the JSON API and the pages: permission checks, input
//! checks and password hashing in one place, so both front doors enforce the same rules.

use serde::Deserialize;
use tradelane_store::{ApiToken, NewUser, Role, TokenId, User, UserId};
use utoipa::ToSchema;

use crate::auth::{Principal, hash_password, new_api_token};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use tradelane_domain::UiLang;

/// Shortest password accepted for new accounts.
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub email: String,
    pub display_name: String,
    /// At least 8 characters.
    pub password: String,
    /// `owner`, `operator` or `viewer`.
    pub role: String,
    /// `en` or `zh-CN` (default `en`).
    #[serde(default)]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UserChange {
    /// New role: `owner`, `operator` or `viewer`.
    #[serde(default)]
    pub role: Option<String>,
    /// Disable (true) or re-enable (false) the account.
    #[serde(default)]
    pub disabled: Option<bool>,
}

fn parse_role(text: &str) -> ApiResult<Role> {
    Role::parse(text).map_err(|_| ApiError::validation("role", text, "owner, operator or viewer"))
}

pub async fn create_user(
    state: &AppState,
    caller: &Principal,
    request: NewUserRequest,
) -> ApiResult<User> {
    caller.require_owner()?;
    let mut fields = Vec::new();
    let role = parse_role(&request.role);
    if let Err(ApiError::Validation { fields: f, .. }) = &role {
        fields.extend(f.iter().cloned());
    }
    if request.password.chars().count() < MIN_PASSWORD_CHARS {
        fields.push(crate::error::FieldErrorBody {
            field: "password".into(),
            value: "(hidden)".into(),
            expected: format!("at least {MIN_PASSWORD_CHARS} characters"),
        });
    }
    let locale = match request
        .locale
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        None => caller.locale,
        Some(code) => match UiLang::parse(code) {
            Ok(lang) => lang,
            Err(_) => {
                fields.push(crate::error::FieldErrorBody {
                    field: "locale".into(),
                    value: code.into(),
                    expected: "en or zh-CN".into(),
                });
                UiLang::En
            }
        },
    };
    if !fields.is_empty() {
        let message = fields
            .iter()
            .map(|f| format!("{}: expected {}", f.field, f.expected))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ApiError::Validation { message, fields });
    }
    let role = role?;
    let password = request.password;
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::internal("password hashing task", e))?
        .map_err(|e| ApiError::internal("password hashing", e))?;
    let user = state
        .store
        .create_user(
            &caller.actor(),
            NewUser {
                org_id: caller.org_id,
                email: request.email,
                display_name: request.display_name,
                password_hash,
                role,
                locale,
            },
        )
        .await?;
    Ok(user)
}

pub async fn update_user(
    state: &AppState,
    caller: &Principal,
    id: UserId,
    change: UserChange,
) -> ApiResult<User> {
    caller.require_owner()?;
    let actor = caller.actor();
    let role = change.role.as_deref().map(parse_role).transpose()?;
    // Make sure the user is in the caller's organisation before changing anything.
    let mut user = state.store.get_user(caller.org_id, id).await?;
    if let Some(role) = role {
        user = state.store.update_user_role(&actor, id, role).await?;
    }
    if let Some(disabled) = change.disabled {
        user = state.store.set_user_disabled(&actor, id, disabled).await?;
    }
    Ok(user)
}

/// Creates a token; returns the plaintext (to show once) and the stored token.
pub async fn create_token(
    state: &AppState,
    caller: &Principal,
    name: &str,
    role: &str,
) -> ApiResult<(String, ApiToken)> {
    caller.require_owner()?;
    let role = parse_role(role)?;
    let (plaintext, hash, prefix) = new_api_token();
    let token = state
        .store
        .create_api_token(&caller.actor(), name, &hash, &prefix, role)
        .await?;
    Ok((plaintext, token))
}

pub async fn revoke_token(state: &AppState, caller: &Principal, id: TokenId) -> ApiResult<()> {
    caller.require_owner()?;
    state.store.revoke_api_token(&caller.actor(), id).await?;
    Ok(())
}
