//! Who is calling: resolved once per request by [`authenticate`] (session cookie or bearer
//! token), then handed to handlers by the [`Principal`] (API: 401 JSON) and [`PageUser`]
//! (pages: redirect to the login page) extractors.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tradelane_domain::UiLang;
use tradelane_store::{Actor, OrgId, Role, TokenId, UserId};

use super::cookies::{SESSION_COOKIE, read_cookie};
use super::tokens::{API_TOKEN_PREFIX, hash_token};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Name of the hidden form field and of the htmx header carrying the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Largest urlencoded form body inspected for a CSRF field (the SKU form is far smaller).
const FORM_LIMIT: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthKind {
    /// Browser session; unsafe requests must carry this CSRF token.
    Session { csrf: String, token_hash: String },
    /// `Authorization: Bearer tl_…`; no CSRF (browsers never attach it on their own).
    Token { token_id: TokenId, name: String },
}

/// An authenticated caller inside one organisation.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub locale: UiLang,
    pub auth: AuthKind,
}

impl Principal {
    /// The actor recorded in the audit log for changes made by this caller.
    pub fn actor(&self) -> Actor {
        let label = match &self.auth {
            AuthKind::Session { .. } => self.email.clone(),
            AuthKind::Token { name, .. } => format!("token:{name}"),
        };
        Actor::new(self.org_id, Some(self.user_id), label)
    }

    pub fn require_write(&self) -> ApiResult<()> {
        if self.role.can_write() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn require_owner(&self) -> ApiResult<()> {
        if self.role.can_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn csrf(&self) -> &str {
        match &self.auth {
            AuthKind::Session { csrf, .. } => csrf,
            AuthKind::Token { .. } => "",
        }
    }
}

/// Request extension set by [`authenticate`].
#[derive(Debug, Clone)]
struct Resolved(Option<Principal>);

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn from_token(state: &AppState, token: &str) -> ApiResult<Option<Principal>> {
    if !token.starts_with(API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some((token, user)) = state.store.token_principal(&hash_token(token)).await? else {
        return Ok(None);
    };
    Ok(Some(Principal {
        org_id: token.org_id,
        user_id: user.id,
        email: user.email,
        display_name: user.display_name,
        role: token.role,
        locale: user.locale,
        auth: AuthKind::Token {
            token_id: token.id,
            name: token.name,
        },
    }))
}

async fn from_session(state: &AppState, token: &str) -> ApiResult<Option<Principal>> {
    let token_hash = hash_token(token);
    let now = jiff::Timestamp::now();
    let Some((user, session)) = state.store.session_user(&token_hash, now).await? else {
        return Ok(None);
    };
    Ok(Some(Principal {
        org_id: user.org_id,
        user_id: user.id,
        email: user.email,
        display_name: user.display_name,
        role: user.role,
        locale: user.locale,
        auth: AuthKind::Session {
            csrf: session.csrf_token,
            token_hash,
        },
    }))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn reject(path: &str, error: ApiError) -> Response {
    if is_api(path) {
        error.into_response()
    } else {
        let status = error.status();
        (status, crate::web::error_page_text(status)).into_response()
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded_field(body, name)
}

/// Finds `name=value` in an `application/x-www-form-urlencoded` body.
fn serde_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| crate::util::percent_decode(value))
    })
}

fn query_field(uri: &axum::http::Uri, name: &str) -> Option<String> {
    uri.query()
        .and_then(|q| serde_urlencoded_field(q.as_bytes(), name))
}

/// Checks the CSRF token of a cookie-authenticated unsafe request. Sources, in order: the
/// `X-CSRF-Token` header (htmx), the `_csrf` field of a urlencoded form, and for multipart
/// uploads (whose body is too large to buffer here) the `_csrf` query parameter.
async fn check_csrf(request: Request, expected: &str) -> Result<Request, ApiError> {
    if let Some(sent) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(sent, expected) {
            Ok(request)
        } else {
            Err(ApiError::Csrf)
        };
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = request.into_parts();
        let bytes = to_bytes(body, FORM_LIMIT)
            .await
            .map_err(|_| ApiError::PayloadTooLarge {
                limit_bytes: FORM_LIMIT,
            })?;
        let ok =
            form_field(&bytes, CSRF_FIELD).is_some_and(|sent| constant_time_eq(&sent, expected));
        if !ok {
            return Err(ApiError::Csrf);
        }
        return Ok(Request::from_parts(parts, Body::from(bytes)));
    }
    if content_type.starts_with("multipart/form-data")
        && query_field(request.uri(), CSRF_FIELD)
            .is_some_and(|sent| constant_time_eq(&sent, expected))
    {
        return Ok(request);
    }
    Err(ApiError::Csrf)
}

/// Middleware: resolves the caller and enforces CSRF for cookie sessions.
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    // Static files are public and cached: no session lookup for them.
    if path.starts_with("/assets/") {
        return next.run(request).await;
    }
    let principal = if let Some(token) = bearer(request.headers()) {
        match from_token(&state, token).await {
            Ok(Some(p)) => Some(p),
            // A presented but unknown, revoked or malformed token is an error, not anonymity.
            Ok(None) => return reject(&path, ApiError::Unauthorized),
            Err(e) => return reject(&path, e),
        }
    } else if let Some(token) = read_cookie(request.headers(), SESSION_COOKIE) {
        match from_session(&state, &token).await {
            Ok(p) => p,
            Err(e) => return reject(&path, e),
        }
    } else {
        None
    };

    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut request = request;
    if unsafe_method
        && let Some(Principal {
            auth: AuthKind::Session { csrf, .. },
            ..
        }) = &principal
    {
        request = match check_csrf(request, csrf).await {
            Ok(r) => r,
            Err(e) => return reject(&path, e),
        };
    }
    request.extensions_mut().insert(Resolved(principal));
    next.run(request).await
}

fn resolved(parts: &Parts) -> Option<Principal> {
    parts.extensions.get::<Resolved>().and_then(|r| r.0.clone())
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        resolved(parts).ok_or(ApiError::Unauthorized)
    }
}

/// The logged-in user of an HTML page; without a session the browser goes to the login page.
#[derive(Debug, Clone)]
pub struct PageUser(pub Principal);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match resolved(parts) {
            Some(p) => Ok(PageUser(p)),
            None => {
                if parts.headers.contains_key("hx-request") {
                    // htmx would swap the login page into a fragment; ask it to navigate instead.
                    Err((StatusCode::UNAUTHORIZED, [("hx-redirect", "/login")]).into_response())
                } else {
                    Err(Redirect::to("/login").into_response())
                }
            }
        }
    }
}

/// Optional caller, for pages that work both logged in and out.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(resolved(parts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_fields() {
        let body = b"a=1&_csrf=abc%2Bd+e&b=2";
        assert_eq!(form_field(body, "_csrf").as_deref(), Some("abc+d e"));
        assert_eq!(form_field(body, "zz"), None);
    }

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer tl_abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("tl_abc"));
        h.insert(header::AUTHORIZATION, "Basic xyz".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
