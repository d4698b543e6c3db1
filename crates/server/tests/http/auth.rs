//! Login, sessions, CSRF, roles, tokens.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use tradelane_store::Role;

use crate::helpers::{PASSWORD, TestApp, enc, sku_json};

#[tokio::test]
async fn login_session_and_csrf() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        app.member(org, "owner@acme.test", Role::Owner).await;
        let session = app.login("owner@acme.test").await;
        assert!(!session.csrf.is_empty());

        let page = app.page("/catalogue", Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.label);
        assert!(
            page.text().contains(&session.csrf),
            "pages carry the CSRF token"
        );

        // A form post without the token is refused and changes nothing.
        let fields = [("sku_code", "F-1"), ("title", "Form SKU")];
        let refused = app.form("/catalogue/new", &session, &fields, false).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", app.label);
        let wrong = {
            let mut bad = crate::helpers::Session {
                cookie: session.cookie.clone(),
                csrf: "wrong".into(),
            };
            bad.csrf.push('x');
            app.form("/catalogue/new", &bad, &fields, true).await
        };
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", app.label);
        let me = app.page("/api/v1/skus", Some(&session)).await;
        assert_eq!(me.json()["total"], 0, "{}", app.label);

        let created = app.form("/catalogue/new", &session, &fields, true).await;
        assert_eq!(
            created.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.label,
            created.text()
        );

        // JSON with the session cookie needs the header.
        let request = |csrf: Option<&str>| {
            let mut b = Request::builder()
                .method(Method::POST)
                .uri("/api/v1/skus")
                .header(header::COOKIE, format!("tl_session={}", session.cookie))
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(c) = csrf {
                b = b.header("X-CSRF-Token", c);
            }
            b.body(Body::from(sku_json("J-1", "Json").to_string()))
                .unwrap()
        };
        let refused = app.send(request(None)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", app.label);
        assert_eq!(refused.json()["error"]["code"], "csrf_failed");
        let ok = app.send(request(Some(&session.csrf))).await;
        assert_eq!(
            ok.status,
            StatusCode::CREATED,
            "{}: {}",
            app.label,
            ok.text()
        );

        // Logout ends the session.
        let out = app.form("/logout", &session, &[], true).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let after = app.page("/api/v1/me", Some(&session)).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", app.label);
    }
}

#[tokio::test]
async fn session_cookie_attributes() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        app.member(org, "o@acme.test", Role::Owner).await;
        let login = app.page("/login", None).await;
        let csrf = login.cookie("tl_login_csrf").unwrap();
        let body = format!(
            "email=o%40acme.test&password={}&_csrf={csrf}",
            enc(PASSWORD)
        );
        let response = app
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri("/login")
                    .header(header::COOKIE, format!("tl_login_csrf={csrf}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        let cookie = response
            .cookies()
            .into_iter()
            .find(|c| c.starts_with("tl_session="))
            .expect("session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Max-Age=43200"), "{cookie}");
    }
}

#[tokio::test]
async fn bad_logins_are_refused_and_rate_limited() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        app.member(org, "o@acme.test", Role::Owner).await;
        let attempt = |password: &'static str| {
            let app = &app;
            async move {
                let login = app.page("/login", None).await;
                let csrf = login.cookie("tl_login_csrf").unwrap();
                let body = format!(
                    "email=o%40acme.test&password={}&_csrf={csrf}",
                    enc(password)
                );
                app.send(
                    Request::builder()
                        .method(Method::POST)
                        .uri("/login")
                        .header(header::COOKIE, format!("tl_login_csrf={csrf}"))
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await
            }
        };
        // Login form without its CSRF cookie.
        let no_cookie = app
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(format!(
                        "email=o%40acme.test&password={}&_csrf=x",
                        enc(PASSWORD)
                    )))
                    .unwrap(),
            )
            .await;
        assert_eq!(no_cookie.status, StatusCode::FORBIDDEN, "{}", app.label);

        for _ in 0..5 {
            let r = attempt("wrong password").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", app.label);
            assert!(r.cookie("tl_session").is_none());
        }
        // Even the right password is refused while the window is full.
        let limited = attempt(PASSWORD).await;
        assert_eq!(
            limited.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn no_auth_gets_401_and_pages_redirect() {
    for app in TestApp::all().await {
        for (method, path) in [
            (Method::GET, "/api/v1/skus"),
            (Method::POST, "/api/v1/skus"),
            (Method::GET, "/api/v1/skus/1"),
            (Method::PUT, "/api/v1/skus/1"),
            (Method::DELETE, "/api/v1/skus/1"),
            (Method::POST, "/api/v1/skus/import"),
            (Method::GET, "/api/v1/skus/export"),
            (Method::GET, "/api/v1/users"),
            (Method::POST, "/api/v1/users"),
            (Method::PATCH, "/api/v1/users/1"),
            (Method::GET, "/api/v1/tokens"),
            (Method::POST, "/api/v1/tokens"),
            (Method::DELETE, "/api/v1/tokens/1"),
            (Method::GET, "/api/v1/audit"),
            (Method::GET, "/api/v1/me"),
        ] {
            let body =
                matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
            let r = app.api(method.clone(), path, None, body).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{} {method} {path}",
                app.label
            );
            assert_eq!(r.json()["error"]["code"], "unauthorized", "{method} {path}");
        }
        // A made-up token is 401 too, not anonymous.
        let r = app.get("/api/v1/skus", "tl_not-a-real-token").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let health = app.api(Method::GET, "/healthz", None, None).await;
        assert_eq!(health.status, StatusCode::OK, "{}", app.label);
        assert_eq!(health.json()["database"], "ok");

        for path in [
            "/catalogue",
            "/catalogue/new",
            "/catalogue/import",
            "/users",
            "/audit",
            "/landed-cost",
        ] {
            let r = app.page(path, None).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(r.header("location"), "/login", "{path}");
        }
    }
}

#[tokio::test]
async fn viewer_cannot_write_anywhere() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.test", Role::Viewer).await;
        let operator = app.member(org, "op@acme.test", Role::Operator).await;
        let sku = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&owner.token),
                Some(sku_json("A-1", "Cable")),
            )
            .await;
        assert_eq!(
            sku.status,
            StatusCode::CREATED,
            "{}: {}",
            app.label,
            sku.text()
        );
        let id = sku.json()["id"].as_i64().unwrap();
        let owner_token_id = app.get("/api/v1/tokens", &owner.token).await.json()[0]["id"]
            .as_i64()
            .unwrap();

        let writes = [
            (
                Method::POST,
                "/api/v1/skus".to_string(),
                Some(sku_json("V-1", "No")),
            ),
            (
                Method::PUT,
                format!("/api/v1/skus/{id}"),
                Some(sku_json("A-1", "Changed")),
            ),
            (Method::DELETE, format!("/api/v1/skus/{id}"), None),
            (
                Method::POST,
                "/api/v1/users".to_string(),
                Some(
                    json!({"email": "x@acme.test", "display_name": "X", "password": "long enough", "role": "owner"}),
                ),
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{}", owner.user.id),
                Some(json!({"role": "viewer"})),
            ),
            (
                Method::POST,
                "/api/v1/tokens".to_string(),
                Some(json!({"name": "t", "role": "viewer"})),
            ),
            (
                Method::DELETE,
                format!("/api/v1/tokens/{owner_token_id}"),
                None,
            ),
        ];
        for (method, path, body) in &writes {
            let r = app
                .api(method.clone(), path, Some(&viewer.token), body.clone())
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{} viewer {method} {path}: {}",
                app.label,
                r.text()
            );
            assert_eq!(r.json()["error"]["code"], "forbidden");
        }
        let import = app.import(&viewer.token, "", b"SKU,Title\nV-2,No\n").await;
        assert_eq!(import.status, StatusCode::FORBIDDEN, "{}", app.label);
        // Operators write the catalogue but do not administer accounts.
        for (method, path, body) in &writes[3..] {
            let r = app
                .api(method.clone(), path, Some(&operator.token), body.clone())
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{} operator {method} {path}",
                app.label
            );
        }
        // Nothing changed.
        let after = app
            .get(&format!("/api/v1/skus/{id}"), &owner.token)
            .await
            .json();
        assert_eq!(after["title"], "Cable");
        assert_eq!(
            app.get("/api/v1/skus", &owner.token).await.json()["total"],
            1
        );

        // Pages: a viewer's session gets 403 on write forms too.
        let session = app.login("viewer@acme.test").await;
        let r = app.page("/catalogue/new", Some(&session)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(
                "/catalogue/new",
                &session,
                &[("sku_code", "V-3"), ("title", "x")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(&format!("/catalogue/{id}/delete"), &session, &[], true)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(
                "/tokens",
                &session,
                &[("name", "x"), ("role", "viewer")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        assert_eq!(
            app.get("/api/v1/skus", &owner.token).await.json()["total"],
            1
        );
    }
}

#[tokio::test]
async fn tokens_are_shown_once_and_revocation_is_immediate() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let created = app
            .api(
                Method::POST,
                "/api/v1/tokens",
                Some(&owner.token),
                Some(json!({"name": "ci", "role": "operator"})),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {}",
            app.label,
            created.text()
        );
        let body = created.json();
        let secret = body["token"].as_str().unwrap().to_string();
        assert!(secret.starts_with("tl_"));
        let id = body["id"].as_i64().unwrap();

        let listed = app.get("/api/v1/tokens", &owner.token).await.text();
        assert!(!listed.contains(&secret), "secret never listed");

        let me = app.get("/api/v1/me", &secret).await.json();
        assert_eq!(me["role"], "operator");
        assert_eq!(me["auth"], "token");
        let write = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&secret),
                Some(sku_json("T-1", "By token")),
            )
            .await;
        assert_eq!(write.status, StatusCode::CREATED);

        let revoked = app
            .api(
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", app.label);
        let after = app.get("/api/v1/skus", &secret).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", app.label);

        // Audit names the token.
        let audit = app
            .get("/api/v1/audit?entity_type=sku", &owner.token)
            .await
            .json();
        assert_eq!(audit["items"][0]["actor_label"], "token:ci", "{audit}");
    }
}

#[tokio::test]
async fn owners_manage_users() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let short = app
            .api(Method::POST, "/api/v1/users", Some(&owner.token),
                Some(json!({"email": "new@acme.test", "display_name": "New", "password": "short", "role": "boss"})))
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = short.json()["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(fields, ["role", "password"]);

        let created = app
            .api(Method::POST, "/api/v1/users", Some(&owner.token),
                Some(json!({"email": "new@acme.test", "display_name": "New", "password": PASSWORD, "role": "viewer", "locale": "zh-CN"})))
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {}",
            app.label,
            created.text()
        );
        let id = created.json()["id"].as_i64().unwrap();
        let dup = app
            .api(Method::POST, "/api/v1/users", Some(&owner.token),
                Some(json!({"email": "NEW@acme.test", "display_name": "Again", "password": PASSWORD, "role": "viewer"})))
            .await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{}", app.label);

        let session = app.login("new@acme.test").await;
        let page = app.page("/catalogue", Some(&session)).await;
        assert!(
            page.text().contains("商品目录"),
            "new user's locale is used"
        );

        let promoted = app
            .api(
                Method::PATCH,
                &format!("/api/v1/users/{id}"),
                Some(&owner.token),
                Some(json!({"role": "operator"})),
            )
            .await;
        assert_eq!(promoted.json()["role"], "operator");
        let disabled = app
            .api(
                Method::PATCH,
                &format!("/api/v1/users/{id}"),
                Some(&owner.token),
                Some(json!({"disabled": true})),
            )
            .await;
        assert_eq!(disabled.json()["disabled"], true);
        let gone = app.page("/api/v1/me", Some(&session)).await;
        assert_eq!(
            gone.status,
            StatusCode::UNAUTHORIZED,
            "disabling ends sessions"
        );

        // The last owner cannot demote themselves.
        let last = app
            .api(
                Method::PATCH,
                &format!("/api/v1/users/{}", owner.user.id),
                Some(&owner.token),
                Some(json!({"role": "viewer"})),
            )
            .await;
        assert_eq!(last.status, StatusCode::CONFLICT, "{}", app.label);
    }
}
