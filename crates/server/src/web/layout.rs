//! The frame every page shares (navigation, language switch, CSRF token) and the error page.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tradelane_domain::UiLang;
use tradelane_store::{Role, StoreError};

use super::PageError;
use crate::assets::asset_url;
use crate::auth::Principal;
use crate::i18n::Tr;

/// Marks a string as a message-catalogue key (checked by the catalogue tests).
pub const fn msg(key: &'static str) -> &'static str {
    key
}

pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Owner => msg("role.owner"),
        Role::Operator => msg("role.operator"),
        Role::Viewer => msg("role.viewer"),
    }
}

#[derive(Debug, Clone)]
pub struct UserBadge {
    pub display_name: String,
    pub role_key: &'static str,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub t: Tr,
    pub user: Option<UserBadge>,
    pub csrf: String,
    /// Which navigation entry is highlighted.
    pub active: &'static str,
    /// Current path, so the language switch can come back here.
    pub path: String,
    pub css_url: String,
    pub htmx_url: String,
    pub can_write: bool,
    pub is_owner: bool,
    pub flash: Option<String>,
}

impl Layout {
    pub fn anonymous(lang: UiLang, path: &str) -> Self {
        Layout {
            t: Tr::new(lang),
            user: None,
            csrf: String::new(),
            active: "",
            path: path.to_string(),
            css_url: asset_url("app.css"),
            htmx_url: asset_url("vendor/htmx-2.0.11.min.js"),
            can_write: false,
            is_owner: false,
            flash: None,
        }
    }

    pub fn for_user(user: &Principal, active: &'static str, path: &str) -> Self {
        Layout {
            user: Some(UserBadge {
                display_name: user.display_name.clone(),
                role_key: role_key(user.role),
            }),
            csrf: user.csrf().to_string(),
            active,
            can_write: user.role.can_write(),
            is_owner: user.role.can_admin(),
            ..Layout::anonymous(user.locale, path)
        }
    }

    pub fn error(&self, status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            layout: Box::new(self.clone()),
            message: message.into(),
        }
    }

    pub fn not_found(&self) -> PageError {
        self.error(StatusCode::NOT_FOUND, self.t.t("error.not_found"))
    }

    pub fn forbidden(&self) -> PageError {
        self.error(StatusCode::FORBIDDEN, self.t.t("error.forbidden"))
    }

    /// Maps a store failure to a page; internal detail is logged, not shown.
    pub fn store_error(&self, error: StoreError) -> PageError {
        match error {
            StoreError::NotFound { .. } => self.not_found(),
            StoreError::Conflict { what } => self.error(StatusCode::CONFLICT, what),
            StoreError::VersionMismatch => {
                self.error(StatusCode::CONFLICT, self.t.t("error.version_mismatch"))
            }
            StoreError::Invalid(message) => self.error(StatusCode::UNPROCESSABLE_ENTITY, message),
            other => {
                tracing::error!(error = %other, "store failure while rendering a page");
                self.error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    self.t.t("error.internal"),
                )
            }
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    l: Layout,
    heading: String,
    message: String,
}

pub fn render_error(status: StatusCode, layout: Layout, message: String) -> Response {
    let t = layout.t;
    let heading = format!("{} · {}", status.as_u16(), t.t(status_key(status)));
    let page = ErrorPage {
        t,
        l: layout,
        heading,
        message,
    };
    (status, page).into_response()
}

fn status_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        403 => msg("error.status_forbidden"),
        404 => msg("error.status_not_found"),
        409 => msg("error.status_conflict"),
        422 => msg("error.status_invalid"),
        _ => msg("error.status_other"),
    }
}
