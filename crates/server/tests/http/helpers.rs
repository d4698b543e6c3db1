//! A test application over a fresh store, and request helpers.

use std::path::PathBuf;
use std::sync::OnceLock;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;
use tradelane_domain::UiLang;
use tradelane_server::auth::{hash_password, new_api_token};
use tradelane_server::{AppState, ServerConfig, build_app};
use tradelane_store::testing::{TestStore, all_backends};
use tradelane_store::{Actor, NewUser, OrgId, Role, User};

pub const PASSWORD: &str = "correct horse battery";

/// Hashing with argon2 is slow by design; every test user shares one hash.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD).expect("hash"))
}

pub struct TestApp {
    pub app: Router,
    pub store: TestStore,
    _dir: tempfile::TempDir,
    pub label: &'static str,
}

/// A user with an API token of the same role.
pub struct Member {
    pub user: User,
    pub token: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies().iter().find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
}

/// A logged-in browser: session cookie and CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// One app per available backend.
    pub async fn all() -> Vec<TestApp> {
        let mut apps = Vec::new();
        for store in all_backends().await {
            apps.push(TestApp::new(store));
        }
        apps
    }

    fn new(store: TestStore) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = ServerConfig {
            bind: "127.0.0.1:0".parse().expect("addr"),
            database_url: Some(store.url().to_string()),
            data_dir: PathBuf::from(dir.path()),
            secure_cookies: false,
        };
        let label = store.label();
        let app = build_app(AppState::new(store.store().clone(), config));
        TestApp {
            app,
            store,
            _dir: dir,
            label,
        }
    }

    /// The same store behind an app whose state is changed by `f` (e.g. another document vault).
    pub fn with_state(mut self, f: impl FnOnce(AppState) -> AppState) -> TestApp {
        let config = ServerConfig {
            bind: "127.0.0.1:0".parse().expect("addr"),
            database_url: Some(self.store.url().to_string()),
            data_dir: PathBuf::from(self._dir.path()),
            secure_cookies: false,
        };
        self.app = build_app(f(AppState::new(self.store.store().clone(), config)));
        self
    }

    pub async fn org(&self, name: &str) -> OrgId {
        self.store.create_org(name).await.expect("org").id
    }

    pub async fn member(&self, org: OrgId, email: &str, role: Role) -> Member {
        self.member_with_locale(org, email, role, UiLang::En).await
    }

    pub async fn member_with_locale(
        &self,
        org: OrgId,
        email: &str,
        role: Role,
        locale: UiLang,
    ) -> Member {
        let user = self
            .store
            .create_user(
                &Actor::cli(org),
                NewUser {
                    org_id: org,
                    email: email.to_string(),
                    display_name: email.split('@').next().unwrap_or(email).to_string(),
                    password_hash: password_hash().to_string(),
                    role,
                    locale,
                },
            )
            .await
            .expect("user");
        let (token, hash, prefix) = new_api_token();
        self.store
            .create_api_token(&Actor::user(&user), "tests", &hash, &prefix, role)
            .await
            .expect("token");
        Member { user, token }
    }

    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// JSON request with a bearer token (None: anonymous).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.api(Method::GET, path, Some(token), None).await
    }

    /// Raw-body upload to the import endpoint.
    pub async fn import(&self, token: &str, query: &str, file: &[u8]) -> Resp {
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/skus/import{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(file.to_vec()))
            .expect("request");
        self.send(request).await
    }

    /// A page request with a browser session (None: anonymous).
    pub async fn page(&self, path: &str, session: Option<&Session>) -> Resp {
        let mut builder = Request::builder().uri(path);
        if let Some(s) = session {
            builder = builder.header(header::COOKIE, format!("tl_session={}", s.cookie));
        }
        self.send(builder.body(Body::empty()).expect("request"))
            .await
    }

    /// Form POST with a browser session; `csrf` is sent as `_csrf` when given.
    pub async fn form(
        &self,
        path: &str,
        session: &Session,
        fields: &[(&str, &str)],
        csrf: bool,
    ) -> Resp {
        let mut pairs: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        if csrf {
            pairs.push(format!("_csrf={}", enc(&session.csrf)));
        }
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, format!("tl_session={}", session.cookie))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(pairs.join("&")))
            .expect("request");
        self.send(request).await
    }

    /// Logs in through the login form, as a browser would.
    pub async fn login(&self, email: &str) -> Session {
        let page = self.page("/login", None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", self.label);
        let login_cookie = page.cookie("tl_login_csrf").expect("login csrf cookie");
        let html = page.text();
        let form_csrf = between(&html, "name=\"_csrf\" value=\"", "\"").expect("csrf field");
        assert_eq!(form_csrf, login_cookie);
        let body = format!(
            "email={}&password={}&_csrf={}",
            enc(email),
            enc(PASSWORD),
            enc(&form_csrf)
        );
        let request = Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::COOKIE, format!("tl_login_csrf={login_cookie}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let response = self.send(request).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            self.label,
            response.text()
        );
        let cookie = response.cookie("tl_session").expect("session cookie");
        let mut session = Session {
            cookie,
            csrf: String::new(),
        };
        let me = self.page("/api/v1/me", Some(&session)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", self.label);
        session.csrf = me.json()["csrf_token"].as_str().expect("csrf").to_string();
        session
    }
}

pub fn enc(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(text[from..from + len].to_string())
}

/// A small valid SKU body.
pub fn sku_json(code: &str, title: &str) -> Value {
    serde_json::json!({
        "code": code,
        "title": title,
        "brand": "Acme",
        "origin": "CN",
        "hs_code": "8544.42",
        "unit_value": {"amount": "2.50", "currency": "USD"},
        "net_weight": {"value": "0.05", "unit": "kg"},
        "gross_weight": {"value": "0.06", "unit": "kg"},
        "tags": ["cable"]
    })
}
