//! Server-rendered pages: both languages, the catalogue, forms, the import wizard.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use tradelane_domain::UiLang;
use tradelane_store::Role;

use crate::helpers::{Session, TestApp, between, sku_json};

#[tokio::test]
async fn catalogue_renders_in_both_languages() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app
            .member_with_locale(org, "o@acme.test", Role::Owner, UiLang::ZhCn)
            .await;
        app.api(
            Method::POST,
            "/api/v1/skus",
            Some(&owner.token),
            Some(sku_json("L-1", "Lamp")),
        )
        .await;
        let session = app.login("o@acme.test").await;
        let zh = app.page("/catalogue", Some(&session)).await;
        assert_eq!(zh.status, StatusCode::OK, "{}", app.label);
        let html = zh.text();
        assert!(html.contains("<html lang=\"zh-CN\">"));
        assert!(
            html.contains("商品目录") && html.contains("共 1 个 SKU"),
            "{html}"
        );
        assert!(html.contains("data-testid=\"sku-row\""));
        assert!(html.contains("2.50 USD"));

        let switched = app
            .form(
                "/lang",
                &session,
                &[("lang", "en"), ("back", "/catalogue")],
                true,
            )
            .await;
        assert_eq!(switched.status, StatusCode::SEE_OTHER);
        assert_eq!(switched.header("location"), "/catalogue");
        let en = app.page("/catalogue", Some(&session)).await.text();
        assert!(
            en.contains("<html lang=\"en\">") && en.contains("Catalogue") && en.contains("1 SKUs"),
            "{en}"
        );
        assert!(!en.contains("商品目录"));

        // Live search: htmx asks for the same URL; the table shows only matches.
        let none = app
            .page("/catalogue?q=nothing-matches", Some(&session))
            .await
            .text();
        assert!(none.contains("data-testid=\"sku-empty\""));
        let bad = app.page("/catalogue?origin=1234", Some(&session)).await;
        assert_eq!(bad.status, StatusCode::OK);
        assert!(bad.text().contains("data-testid=\"filter-error\""));
    }
}

#[tokio::test]
async fn login_page_language_before_login() {
    for app in TestApp::all().await {
        let request = Request::builder()
            .uri("/login")
            .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.5")
            .body(Body::empty())
            .unwrap();
        let zh = app.send(request).await.text();
        assert!(zh.contains("登录 tradelane"), "{zh}");
        let request = Request::builder()
            .uri("/login")
            .header(header::ACCEPT_LANGUAGE, "zh-CN")
            .header(header::COOKIE, "tl_lang=en")
            .body(Body::empty())
            .unwrap();
        assert!(
            app.send(request)
                .await
                .text()
                .contains("Log in to tradelane")
        );
        for id in [
            "login-email",
            "login-password",
            "login-submit",
            "lang-switch-en",
            "lang-switch-zh-CN",
        ] {
            assert!(zh.contains(&format!("id=\"{id}\"")), "{id}");
        }
    }
}

#[tokio::test]
async fn security_headers_and_assets() {
    for app in TestApp::all().await {
        let login = app.page("/login", None).await;
        assert!(
            login
                .header("content-security-policy")
                .contains("default-src 'self'")
        );
        assert_eq!(login.header("x-frame-options"), "DENY");
        assert_eq!(login.header("x-content-type-options"), "nosniff");
        assert!(!login.header("referrer-policy").is_empty());
        let html = login.text();
        let css = between(&html, "<link rel=\"stylesheet\" href=\"", "\"").unwrap();
        let js = between(&html, "<script src=\"", "\"").unwrap();
        assert!(js.contains("htmx-2.0.11.min.js"));
        for path in [css, js] {
            let r = app.page(&path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(r.header("cache-control").contains("immutable"), "{path}");
        }
        let docs = app.page("/api/docs/", None).await;
        assert_eq!(docs.status, StatusCode::OK, "{}", app.label);
    }
}

async fn form_page(app: &TestApp, session: &Session, path: &str) -> String {
    let r = app.page(path, Some(session)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}");
    r.text()
}

#[tokio::test]
async fn sku_form_shows_errors_next_to_fields_and_saves() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        app.member(org, "o@acme.test", Role::Owner).await;
        let session = app.login("o@acme.test").await;
        let html = form_page(&app, &session, "/catalogue/new").await;
        assert!(html.contains("id=\"f-sku_code\""));

        let bad = app
            .form(
                "/catalogue/new",
                &session,
                &[
                    ("sku_code", "F-1"),
                    ("title", "Form"),
                    ("hs_code", "12ab"),
                    ("gross_weight", "heavy"),
                ],
                true,
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        let html = bad.text();
        assert!(html.contains("data-testid=\"error-hs_code\""), "{html}");
        assert!(html.contains("data-testid=\"error-gross_weight\""));
        assert!(html.contains("value=\"12ab\""), "the typed value is kept");

        let ok = app
            .form(
                "/catalogue/new",
                &session,
                &[
                    ("sku_code", "F-1"),
                    ("title", "Form"),
                    ("hs_code", "8544.42"),
                    ("unit_value", "1.5"),
                    ("currency", "EUR"),
                    ("battery", "li-ion contained 3Wh"),
                ],
                true,
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let detail_path = ok.header("location");
        let detail = form_page(&app, &session, &detail_path).await;
        assert!(detail.contains("1.50 EUR"), "{detail}");
        assert!(detail.contains("Lithium-ion"));

        // Edit with a stale version is a conflict, not a lost update.
        let id = detail_path.rsplit('/').next().unwrap();
        let edit = form_page(&app, &session, &format!("/catalogue/{id}/edit")).await;
        assert!(edit.contains("value=\"F-1\""));
        let saved = app
            .form(
                &format!("/catalogue/{id}/edit"),
                &session,
                &[("sku_code", "F-1"), ("title", "Form v2"), ("version", "1")],
                true,
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let stale = app
            .form(
                &format!("/catalogue/{id}/edit"),
                &session,
                &[("sku_code", "F-1"), ("title", "Form v3"), ("version", "1")],
                true,
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);

        let confirm = form_page(&app, &session, &format!("/catalogue/{id}/delete")).await;
        assert!(confirm.contains("id=\"sku-delete-confirm\""));
        let deleted = app
            .form(&format!("/catalogue/{id}/delete"), &session, &[], true)
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.page(&detail_path, Some(&session)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

fn multipart_upload(path: &str, session: &Session, name: &str, content: &[u8]) -> Request<Body> {
    let boundary = "bOuNdArY42";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, format!("tl_session={}", session.cookie))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn import_wizard_end_to_end() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        app.member(org, "other@acme.test", Role::Owner).await;
        let session = app.login("o@acme.test").await;
        let upload_page = form_page(&app, &session, "/catalogue/import").await;
        assert!(upload_page.contains("id=\"import-file\""));

        let csv = "货号,品名,毛重,备注\nW-1,杯子,0.3 kg,x\nW-2,<i>碗</i>,bad,y\n";
        // Without the CSRF query parameter the upload is refused.
        let refused = app
            .send(multipart_upload(
                "/catalogue/import",
                &session,
                "a.csv",
                csv.as_bytes(),
            ))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let path = format!("/catalogue/import?_csrf={}", session.csrf);
        let uploaded = app
            .send(multipart_upload(&path, &session, "a.csv", csv.as_bytes()))
            .await;
        assert_eq!(
            uploaded.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.label,
            uploaded.text()
        );
        let map_path = uploaded.header("location");
        let id = map_path.split('/').nth(3).unwrap().to_string();

        let map = form_page(&app, &session, &map_path).await;
        assert_eq!(map.matches("data-testid=\"mapping-select\"").count(), 4);
        assert!(
            map.contains("<option value=\"sku_code\" selected>"),
            "{map}"
        );

        // Another user (or session) cannot see this upload.
        let other = app.login("other@acme.test").await;
        assert_eq!(
            app.page(&map_path, Some(&other)).await.status,
            StatusCode::NOT_FOUND
        );

        let mapped = app
            .form(
                &map_path,
                &session,
                &[
                    ("col_0", "sku_code"),
                    ("col_1", "title"),
                    ("col_2", "gross_weight"),
                    ("col_3", ""),
                ],
                true,
            )
            .await;
        assert_eq!(mapped.status, StatusCode::SEE_OTHER);
        let preview = form_page(&app, &session, &format!("/catalogue/import/{id}/preview")).await;
        assert!(preview.contains("data-testid=\"import-error-row\""));
        assert!(
            preview.contains("id=\"import-commit\" data-testid=\"import-commit\" disabled"),
            "{preview}"
        );
        assert!(!preview.contains("<i>碗"), "escaped");
        let report = app
            .page(
                &format!("/catalogue/import/{id}/errors.csv"),
                Some(&session),
            )
            .await;
        assert_eq!(report.status, StatusCode::OK);
        assert!(report.text().contains("bad"));
        let xlsx = app
            .page(
                &format!("/catalogue/import/{id}/errors.xlsx"),
                Some(&session),
            )
            .await;
        assert!(xlsx.body.starts_with(b"PK"));
        // A forced commit with errors stores nothing.
        let forced = app
            .form(
                &format!("/catalogue/import/{id}/commit"),
                &session,
                &[],
                true,
            )
            .await;
        assert_eq!(forced.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/api/v1/skus", &owner.token).await.json()["total"],
            0
        );

        // A clean file goes all the way.
        let good = "货号,品名,毛重\nW-1,杯子,0.3 kg\nW-2,碗,0.5 kg\n";
        let uploaded = app
            .send(multipart_upload(&path, &session, "b.csv", good.as_bytes()))
            .await;
        let id = uploaded
            .header("location")
            .split('/')
            .nth(3)
            .unwrap()
            .to_string();
        let preview = form_page(&app, &session, &format!("/catalogue/import/{id}/preview")).await;
        assert!(
            preview.contains("data-testid=\"import-no-errors\""),
            "{preview}"
        );
        assert_eq!(
            preview
                .matches("data-testid=\"import-preview-row\"")
                .count(),
            2
        );
        let result = app
            .form(
                &format!("/catalogue/import/{id}/commit"),
                &session,
                &[],
                true,
            )
            .await;
        assert_eq!(result.status, StatusCode::OK, "{}", result.text());
        let html = result.text();
        assert!(html.contains("data-testid=\"import-created\">2<"), "{html}");
        assert_eq!(
            app.get("/api/v1/skus", &owner.token).await.json()["total"],
            2
        );
        // The upload is gone after commit.
        assert_eq!(
            app.page(&format!("/catalogue/import/{id}/preview"), Some(&session))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn users_tokens_audit_and_module_pages() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        app.member(org, "o@acme.test", Role::Owner).await;
        let session = app.login("o@acme.test").await;
        let created = app
            .form(
                "/tokens",
                &session,
                &[("name", "export-bot"), ("role", "viewer")],
                true,
            )
            .await;
        assert_eq!(created.status, StatusCode::OK);
        let html = created.text();
        let secret = between(&html, "data-testid=\"new-token-value\">", "<").expect("token shown");
        assert!(secret.starts_with("tl_"));
        let again = form_page(&app, &session, "/users").await;
        assert!(!again.contains(&secret), "shown once");
        assert!(again.contains("export-bot"));

        let user = app
            .form(
                "/users",
                &session,
                &[
                    ("email", "new@acme.test"),
                    ("display_name", "New <One>"),
                    ("password", "long enough pw"),
                    ("role", "viewer"),
                ],
                true,
            )
            .await;
        assert_eq!(user.status, StatusCode::SEE_OTHER, "{}", user.text());
        let users = form_page(&app, &session, "/users").await;
        assert!(!users.contains("New <One>"));
        assert!(
            users.contains("New &lt;One&gt;") || users.contains("New &#60;One&#62;"),
            "{users}"
        );

        let audit = form_page(&app, &session, "/audit").await;
        assert!(audit.contains("data-testid=\"audit-row\""));
        assert!(
            audit.contains("token.create") || audit.contains("api_token"),
            "{audit}"
        );

        for path in [
            "/landed-cost",
            "/shipments",
            "/listings",
            "/compliance",
            "/freight",
        ] {
            // A module's page, or an honest "coming in a later release" page: never a dead link.
            let page = form_page(&app, &session, path).await;
            assert!(page.contains("id=\"nav-catalogue\""), "{path}");
        }
    }
}
