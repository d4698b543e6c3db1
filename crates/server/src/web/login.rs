//! Login, logout and the language switch.

use std::net::SocketAddr;
use std::time::Instant;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_domain::UiLang;

use super::layout::Layout;
use crate::auth::cookies::{
    LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, read_cookie, set_cookie,
};
use crate::auth::{MaybeUser, hash_token, new_random_token, verify_password};
use crate::i18n::Tr;
use crate::state::AppState;

/// Fixed session lifetime; users log in again after this.
pub const SESSION_HOURS: i64 = 12;
const SESSION_SECONDS: u64 = SESSION_HOURS as u64 * 3600;
const LOGIN_CSRF_SECONDS: u64 = 3600;
const LANG_COOKIE_SECONDS: u64 = 365 * 24 * 3600;

/// A syntactically valid argon2id hash of a random string, verified when the e-mail is unknown
/// so that unknown and known accounts take the same time to reject.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1m+4JzFb9jzVy2mqxGyHSzMOMxVJ+WEkLIn9C4jnr5I";

/// Language for a visitor without a session: explicit cookie, else the browser's preference.
pub fn visitor_lang(headers: &HeaderMap) -> UiLang {
    if let Some(code) = read_cookie(headers, LANG_COOKIE)
        && let Ok(lang) = UiLang::parse(&code)
    {
        return lang;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(UiLang::from_accept_language)
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    l: Layout,
    login_csrf: String,
    email: String,
    error: Option<String>,
}

fn render_login(
    lang: UiLang,
    secure: bool,
    status: StatusCode,
    email: String,
    error: Option<String>,
) -> Response {
    let login_csrf = new_random_token();
    let cookie = set_cookie(
        LOGIN_CSRF_COOKIE,
        &login_csrf,
        LOGIN_CSRF_SECONDS,
        true,
        secure,
    );
    let page = LoginPage {
        t: Tr::new(lang),
        l: Layout::anonymous(lang, "/login"),
        login_csrf,
        email,
        error,
    };
    (status, [(header::SET_COOKIE, cookie)], page).into_response()
}

pub async fn login_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
) -> Response {
    if user.is_some() {
        return Redirect::to("/catalogue").into_response();
    }
    render_login(
        visitor_lang(&headers),
        state.config.secure_cookies,
        StatusCode::OK,
        String::new(),
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// The peer address when the server runs with connect info (tests drive the router without it).
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

pub async fn login_submit(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = visitor_lang(&headers);
    let t = Tr::new(lang);
    let secure = state.config.secure_cookies;
    let expected = read_cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return render_login(
            lang,
            secure,
            StatusCode::FORBIDDEN,
            form.email,
            Some(t.t("login.expired_form").to_string()),
        );
    }
    let ip = client_ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    let email = form.email.trim().to_lowercase();
    if !state.login_limiter.allowed(&ip, &email, Instant::now()) {
        return render_login(
            lang,
            secure,
            StatusCode::TOO_MANY_REQUESTS,
            form.email,
            Some(t.t("login.rate_limited").to_string()),
        );
    }

    let found = match state.store.find_user_for_login(&email).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "login lookup failed");
            return render_login(
                lang,
                secure,
                StatusCode::INTERNAL_SERVER_ERROR,
                form.email,
                Some(t.t("error.internal").to_string()),
            );
        }
    };
    let (stored_hash, user) = match &found {
        Some((user, hash)) if !user.disabled => (hash.clone(), Some(user.clone())),
        _ => (DUMMY_HASH.to_string(), None),
    };
    let password = form.password.clone();
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| matches) else {
        state
            .login_limiter
            .record_failure(&ip, &email, Instant::now());
        return render_login(
            lang,
            secure,
            StatusCode::UNAUTHORIZED,
            form.email,
            Some(t.t("login.failed").to_string()),
        );
    };
    state.login_limiter.record_success(&ip, &email);

    let token = new_random_token();
    let csrf = new_random_token();
    let expires = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS))
        .unwrap_or_else(|_| jiff::Timestamp::now());
    if let Err(e) = state
        .store
        .create_session(user.id, &hash_token(&token), &csrf, expires)
        .await
    {
        tracing::error!(error = %e, "creating a session failed");
        return render_login(
            lang,
            secure,
            StatusCode::INTERNAL_SERVER_ERROR,
            form.email,
            Some(t.t("error.internal").to_string()),
        );
    }
    let mut response = Redirect::to("/catalogue").into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, SESSION_SECONDS, true, secure),
    );
    headers.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, "", 0, true, secure),
    );
    response
}

pub async fn logout(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Response {
    if let Some(user) = user
        && let crate::auth::AuthKind::Session { token_hash, .. } = &user.auth
        && let Err(e) = state.store.delete_session(token_hash).await
    {
        tracing::error!(error = %e, "deleting a session failed");
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, true, state.config.secure_cookies),
    );
    response
}

#[derive(Debug, Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// Only same-site relative paths are followed after switching language (no open redirect).
fn safe_back(back: &str) -> &str {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back
    } else {
        "/catalogue"
    }
}

pub async fn switch_language(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Form(form): Form<LangForm>,
) -> Response {
    let lang = UiLang::parse(&form.lang).unwrap_or_default();
    if let Some(user) = &user
        && let Err(e) = state
            .store
            .set_user_locale(&user.actor(), user.user_id, lang)
            .await
    {
        tracing::error!(error = %e, "saving the UI language failed");
    }
    let mut response = Redirect::to(safe_back(&form.back)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            LANG_COOKIE_SECONDS,
            false,
            state.config.secure_cookies,
        ),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_links_stay_on_site() {
        assert_eq!(safe_back("/catalogue?q=a"), "/catalogue?q=a");
        assert_eq!(safe_back("//evil.example"), "/catalogue");
        assert_eq!(safe_back("https://evil.example"), "/catalogue");
        assert_eq!(safe_back("/\\evil.example"), "/catalogue");
    }

    #[test]
    fn dummy_hash_is_well_formed() {
        // Verifying against it must run argon2 (not fail fast on parsing).
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn visitor_language_prefers_cookie() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9".parse().unwrap());
        assert_eq!(visitor_lang(&h), UiLang::ZhCn);
        h.insert(header::COOKIE, "tl_lang=en".parse().unwrap());
        assert_eq!(visitor_lang(&h), UiLang::En);
    }
}
