//! Document vault: multipart upload with content sniffing, size limit and sanitised names; list, metadata,
//! checksum-verified download and delete; tenant isolation; the gap report using the documents; the listing
//! export gate with the audited owner override; expiry reminders raised once per threshold.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tradelane_server::jobs;
use tradelane_server::notify::Services;
use tradelane_store::Role;
use tradelane_vault::{LocalBlobs, Vault};

use crate::helpers::{Resp, Session, TestApp, sku_json};

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

fn png() -> Vec<u8> {
    let mut v =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde".to_vec();
    v.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    v
}

fn power_bank(code: &str) -> Value {
    json!({
        "code": code,
        "title": "Power bank 20000 mAh",
        "origin": "CN",
        "hs_code": "8507.60",
        "unit_value": {"amount": "14.50", "currency": "USD"},
        "battery": {"kind": "lithium", "chemistry": "li_ion", "packing": "alone", "watt_hours": "74"},
        "tags": ["power-banks"]
    })
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----tradelane-vault-test";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    token: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Resp {
    let (ct, body) = multipart(fields, file);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/compliance/documents")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .expect("request");
    app.send(request).await
}

async fn upload_page(
    app: &TestApp,
    session: &Session,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> Resp {
    let (ct, body) = multipart(fields, Some(file));
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "/compliance/documents?_csrf={}",
            crate::helpers::enc(&session.csrf)
        ))
        .header(header::COOKIE, format!("tl_session={}", session.cookie))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .expect("request");
    app.send(request).await
}

async fn create_sku(app: &TestApp, token: &str, body: Value) {
    let r = app
        .api(Method::POST, "/api/v1/skus", Some(token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
}

fn meta<'a>(sku: &'a str, doc_type: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("subject", sku),
        ("doc_type", doc_type),
        ("title", "Test report"),
        ("issuer", "Example Lab"),
        ("standards", "EN 62368-1:2014"),
        ("issued_on", "2025-01-01"),
    ]
}

#[tokio::test]
async fn upload_list_download_delete_and_roles() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let operator = app.member(org, "op@acme.test", Role::Operator).await;
        let viewer = app.member(org, "v@acme.test", Role::Viewer).await;
        create_sku(&app, &owner.token, power_bank("PB-1")).await;

        let unauth = app
            .api(Method::GET, "/api/v1/compliance/documents", None, None)
            .await;
        assert_eq!(unauth.status, StatusCode::UNAUTHORIZED);
        let r = upload(
            &app,
            &viewer.token,
            &meta("PB-1", "test_report"),
            Some(("r.pdf", &pdf())),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.label);

        // The user's name is only displayed: directories are dropped, the blob key is generated.
        let mut fields = meta("PB-1", "un38_3_summary");
        fields.push(("expires_on", "2099-12-31"));
        fields.push(("markets", "eu, US"));
        let r = upload(
            &app,
            &operator.token,
            &fields,
            Some(("../../etc/UN38.3 summary.pdf", &pdf())),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
        let doc = r.json();
        assert_eq!(doc["file_name"], "UN38.3 summary.pdf");
        assert_eq!(doc["content_type"], "application/pdf");
        assert_eq!(doc["markets"], json!(["EU", "US"]));
        assert_eq!(doc["validity"], "valid");
        assert_eq!(doc["sha256"], tradelane_vault::sha256_hex(&pdf()));
        let id = doc["id"].as_i64().unwrap();

        // A tag document and a seller document apply to the SKU too.
        let mut tag = meta("power-banks", "sds");
        tag.push(("subject_kind", "tag"));
        assert_eq!(
            upload(&app, &owner.token, &tag, Some(("sds.png", &png())))
                .await
                .status,
            StatusCode::CREATED
        );
        let list = app
            .get("/api/v1/compliance/documents?sku=PB-1", &viewer.token)
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text());
        assert_eq!(
            list.json()["items"].as_array().unwrap().len(),
            2,
            "{}",
            list.text()
        );
        let one = app
            .get(&format!("/api/v1/compliance/documents/{id}"), &viewer.token)
            .await;
        assert_eq!(one.json()["doc_type"], "un38_3_summary");

        let file = app
            .get(
                &format!("/api/v1/compliance/documents/{id}/file"),
                &viewer.token,
            )
            .await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.body, pdf());
        assert_eq!(file.header("content-type"), "application/pdf");
        assert!(
            file.header("content-disposition")
                .contains("UN38.3 summary.pdf")
        );
        assert_eq!(file.header("x-content-type-options"), "nosniff");

        let types = app
            .get("/api/v1/compliance/document-types", &viewer.token)
            .await
            .json();
        assert!(types.to_string().contains("TR-UN38.3"), "{types}");

        // Viewer cannot delete; operator can; the deletion is audited.
        let r = app
            .api(
                Method::DELETE,
                &format!("/api/v1/compliance/documents/{id}"),
                Some(&viewer.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::DELETE,
                &format!("/api/v1/compliance/documents/{id}"),
                Some(&operator.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let gone = app
            .get(
                &format!("/api/v1/compliance/documents/{id}/file"),
                &viewer.token,
            )
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        let audit = app
            .get(
                "/api/v1/audit?entity_type=compliance_document",
                &owner.token,
            )
            .await
            .text();
        assert!(
            audit.contains("compliance_document.upload")
                && audit.contains("compliance_document.delete"),
            "{audit}"
        );
    }
}

#[tokio::test]
async fn bad_uploads_are_rejected_with_a_reason() {
    for app in TestApp::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path().join("blobs");
        let small = Vault::new(Arc::new(LocalBlobs::new(root.clone())), 200);
        let app = app.with_state(|s| s.with_vault(small));
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        create_sku(&app, &owner.token, power_bank("PB-1")).await;
        let m = meta("PB-1", "test_report");

        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("ce.pdf", png(), "content is PNG"),
            (
                "setup.exe",
                b"MZ\x90\0\x03\0\0\0".to_vec(),
                "Windows executable",
            ),
            (
                "report.pdf",
                b"MZ\x90\0\x03\0\0\0".to_vec(),
                "Windows executable",
            ),
            ("empty.pdf", Vec::new(), "empty"),
            (
                "truncated.pdf",
                b"%PDF-1.7\n1 0 obj".to_vec(),
                "truncated or corrupt",
            ),
            (
                "big.pdf",
                [pdf(), vec![b' '; 300]].concat(),
                "the limit is 200 bytes",
            ),
        ];
        for (name, bytes, expect) in cases {
            let r = upload(&app, &owner.token, &m, Some((name, &bytes))).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{} {name}: {}",
                app.label,
                r.text()
            );
            assert!(r.text().contains(expect), "{name}: {}", r.text());
        }
        // Nothing was stored for any of them.
        let list = app
            .get("/api/v1/compliance/documents", &owner.token)
            .await
            .json();
        assert_eq!(list["items"], json!([]));
        assert!(
            !root.exists()
                || std::fs::read_dir(&root).map(|d| d.count()).unwrap_or(0) == 0
                || walk(&root) == 0
        );

        // Metadata errors.
        let r = upload(
            &app,
            &owner.token,
            &meta("PB-1", "birth_certificate"),
            Some(("a.pdf", &pdf())),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text().contains("un38_3_summary"),
            "lists the accepted types: {}",
            r.text()
        );
        let r = upload(
            &app,
            &owner.token,
            &meta("NOPE", "test_report"),
            Some(("a.pdf", &pdf())),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        let mut late = meta("PB-1", "test_report");
        late.push(("expires_on", "2024-01-01"));
        let r = upload(&app, &owner.token, &late, Some(("a.pdf", &pdf()))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let r = upload(&app, &owner.token, &m, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(walk(&root), 0, "refused uploads leave no file behind");

        // A stored file that no longer matches its checksum is never served.
        let r = upload(&app, &owner.token, &m, Some(("ok.pdf", &pdf()))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let file = first_file(&root).expect("blob on disk");
        assert!(file.starts_with(&root));
        std::fs::write(&file, b"%PDF-1.4 tampered %%EOF").unwrap();
        let r = app
            .get(
                &format!("/api/v1/compliance/documents/{id}/file"),
                &owner.token,
            )
            .await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            r.json()["error"]["code"],
            "integrity_failed",
            "{}",
            r.text()
        );
    }
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

fn first_file(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        if e.path().is_dir() {
            if let Some(f) = first_file(&e.path()) {
                return Some(f);
            }
        } else {
            return Some(e.path());
        }
    }
    None
}

#[tokio::test]
async fn another_organisation_cannot_see_or_touch_documents() {
    for app in TestApp::all().await {
        let a = app.org("A").await;
        let b = app.org("B").await;
        let owner_a = app.member(a, "o@a.test", Role::Owner).await;
        let owner_b = app.member(b, "o@b.test", Role::Owner).await;
        create_sku(&app, &owner_a.token, power_bank("A-PB")).await;
        let r = upload(
            &app,
            &owner_a.token,
            &meta("A-PB", "test_report"),
            Some(("a.pdf", &pdf())),
        )
        .await;
        let id = r.json()["id"].as_i64().unwrap();

        let list = app
            .get("/api/v1/compliance/documents", &owner_b.token)
            .await
            .json();
        assert_eq!(list["items"], json!([]), "{}", app.label);
        for path in [
            format!("/api/v1/compliance/documents/{id}"),
            format!("/api/v1/compliance/documents/{id}/file"),
        ] {
            assert_eq!(
                app.get(&path, &owner_b.token).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let r = app
            .api(
                Method::DELETE,
                &format!("/api/v1/compliance/documents/{id}"),
                Some(&owner_b.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = upload(
            &app,
            &owner_b.token,
            &meta("A-PB", "test_report"),
            Some(("b.pdf", &pdf())),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "B cannot file documents for A's SKU"
        );
        let r = app
            .get("/api/v1/compliance/documents?sku=A-PB", &owner_b.token)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A still has its document.
        assert_eq!(
            app.get(
                &format!("/api/v1/compliance/documents/{id}/file"),
                &owner_a.token
            )
            .await
            .status,
            StatusCode::OK
        );
    }
}

fn line<'a>(gap: &'a Value, sku: &str, market: &str, requirement: &str) -> &'a Value {
    gap["skus"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["code"] == sku))
        .and_then(|s| s["cells"].as_array())
        .and_then(|c| c.iter().find(|c| c["market"] == market))
        .and_then(|c| c["lines"].as_array())
        .and_then(|l| l.iter().find(|l| l["requirement"] == requirement))
        .unwrap_or_else(|| panic!("no {requirement} line for {sku} in {market}: {gap}"))
}

#[tokio::test]
async fn gap_report_uses_the_vault_and_never_shows_expired_as_valid() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        create_sku(&app, &owner.token, power_bank("PB-1")).await;
        let gap = app
            .get("/api/v1/compliance/gap?markets=DE", &owner.token)
            .await
            .json();
        assert_eq!(line(&gap, "PB-1", "DE", "TR-UN38.3")["status"], "missing");

        // Expired: reported expired, with the document, never met.
        let mut old = meta("PB-1", "un38_3_summary");
        old.push(("expires_on", "2025-06-30"));
        let r = upload(&app, &owner.token, &old, Some(("old.pdf", &pdf()))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let old_id = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["validity"], "expired");
        let gap = app
            .get("/api/v1/compliance/gap?markets=DE", &owner.token)
            .await
            .json();
        let l = line(&gap, "PB-1", "DE", "TR-UN38.3");
        assert_eq!(l["status"], "expired", "{l}");
        assert!(
            l["reason"]
                .as_str()
                .unwrap()
                .contains(&format!("#{old_id}")),
            "{l}"
        );
        assert!(gap["note"].as_str().unwrap().contains("1 document(s)"));

        // A current one for the US only: DE still expired, US met.
        let mut us = meta("PB-1", "un38_3_summary");
        us.push(("markets", "US"));
        upload(&app, &owner.token, &us, Some(("us.pdf", &pdf()))).await;
        let gap = app
            .get("/api/v1/compliance/gap?markets=DE,US", &owner.token)
            .await
            .json();
        assert_eq!(line(&gap, "PB-1", "DE", "TR-UN38.3")["status"], "expired");
        assert_eq!(line(&gap, "PB-1", "US", "TR-UN38.3")["status"], "met");

        // Expiring within 90 days (evaluated on a fixed date).
        let mut soon = meta("PB-1", "un38_3_summary");
        soon.push(("expires_on", "2026-03-01"));
        soon.push(("markets", "EU"));
        upload(&app, &owner.token, &soon, Some(("soon.pdf", &pdf()))).await;
        let gap = app
            .get(
                "/api/v1/compliance/gap?markets=DE&date=2026-01-15",
                &owner.token,
            )
            .await
            .json();
        let l = line(&gap, "PB-1", "DE", "TR-UN38.3");
        assert_eq!(l["status"], "expiring", "{l}");

        // Unknown market: not covered, never compliant.
        let gap = app
            .get("/api/v1/compliance/gap?markets=ZA", &owner.token)
            .await
            .json();
        assert_eq!(gap["skus"][0]["cells"][0]["status"], "not_covered", "{gap}");

        // The XLSX export and the page.
        let session = app.login("o@acme.test").await;
        let x = app
            .page("/compliance/gap.xlsx?m=DE&m=US", Some(&session))
            .await;
        assert_eq!(x.status, StatusCode::OK);
        assert!(x.body.starts_with(b"PK"));
        let page = app
            .page("/compliance/documents?sku=PB-1", Some(&session))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains("data-testid=\"vault-upload\""));
        assert!(html.contains("data-validity=\"expired\""), "{html}");
    }
}

#[tokio::test]
async fn page_upload_shows_refusals_and_redirects_on_success() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        create_sku(&app, &owner.token, power_bank("PB-1")).await;
        let session = app.login("o@acme.test").await;
        let m = meta("PB-1", "test_report");
        let r = upload_page(&app, &session, &m, ("x.pdf", b"MZ\x90\0")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("Windows executable"), "{}", r.text());
        let r = upload_page(&app, &session, &m, ("report.pdf", &pdf())).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(
            r.header("location")
                .starts_with("/compliance/documents?sku=PB-1&uploaded=")
        );
        let page = app
            .page("/compliance/documents?sku=PB-1", Some(&session))
            .await
            .text();
        assert!(page.contains("report.pdf"), "{page}");
        // zh-CN page.
        app.member_with_locale(
            org,
            "zh@acme.test",
            Role::Viewer,
            tradelane_domain::UiLang::ZhCn,
        )
        .await;
        let zh = app.login("zh@acme.test").await;
        let page = app.page("/compliance/documents", Some(&zh)).await.text();
        assert!(page.contains("合规文件"), "{page}");
        assert!(
            !page.contains("data-testid=\"vault-upload\""),
            "viewers get no upload form"
        );
    }
}

async fn export(app: &TestApp, id: i64, token: &str, reason: Option<&str>) -> Resp {
    let mut body = json!({"ids": [id], "mark_exported": false});
    if let Some(r) = reason {
        body["override_reason"] = json!(r);
    }
    app.api(
        Method::POST,
        "/api/v1/listings/export",
        Some(token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn listing_export_is_blocked_until_documents_are_on_file_or_an_owner_overrides() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let operator = app.member(org, "op@acme.test", Role::Operator).await;
        create_sku(&app, &owner.token, sku_json("CABLE-1", "USB-C cable")).await;
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings",
                Some(&owner.token),
                Some(json!({
                    "sku": "CABLE-1", "marketplace": "amazon-de", "locale": "de-DE",
                    "title": "USB-C Kabel 60 W, geflochten, 1 m",
                    "bullets": ["Schnellladen mit 60 W"],
                    "description": "<p>Robust</p>",
                    "search_terms": "usb c kabel",
                    "attributes": {"brand": "Acme"}
                })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        app.api(
            Method::POST,
            &format!("/api/v1/listings/{id}/submit"),
            Some(&owner.token),
            None,
        )
        .await;
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/listings/{id}/approve"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        let r = export(&app, id, &operator.token, None).await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "{}: {}",
            app.label,
            r.text()
        );
        assert_eq!(
            r.json()["error"]["code"],
            "compliance_blocked",
            "{}",
            r.text()
        );
        assert!(r.text().contains("CABLE-1 DE"), "{}", r.text());
        let r = export(&app, id, &operator.token, Some("urgent")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "operators cannot override");
        let r = export(
            &app,
            id,
            &owner.token,
            Some("test lab report in transit, confirmed by email"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let audit = app
            .get("/api/v1/audit?entity_type=listing_export", &owner.token)
            .await
            .text();
        assert!(
            audit.contains("compliance.override") && audit.contains("confirmed by email"),
            "{audit}"
        );

        // File evidence for every blocking requirement in DE: the export goes through without an override.
        let gap = app
            .get("/api/v1/compliance/gap?markets=DE", &owner.token)
            .await
            .json();
        let cell = &gap["skus"][0]["cells"][0];
        if cell["status"] == "not_covered" {
            continue;
        }
        let ids: Vec<String> = cell["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["status"] == "missing")
            .map(|l| l["requirement"].as_str().unwrap().to_string())
            .collect();
        let covers = ids.join(",");
        let mut f = meta("CABLE-1", "declaration");
        f.push(("covers", &covers));
        let r = upload(&app, &owner.token, &f, Some(("all.pdf", &pdf()))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = export(&app, id, &operator.token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
    }
}

#[tokio::test]
async fn expiry_reminders_are_raised_once_per_threshold() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        create_sku(&app, &owner.token, power_bank("PB-1")).await;
        let mut m = meta("PB-1", "un38_3_summary");
        m.push(("expires_on", "2030-12-31"));
        let r = upload(&app, &owner.token, &m, Some(("a.pdf", &pdf()))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

        let dir = tempfile::tempdir().expect("dir");
        let services = Arc::new(Services::for_tests(dir.path()));
        let registry = jobs::registry();
        let run = |day: &str| {
            let now: jiff::Timestamp = format!("{day}T08:00:00Z").parse().unwrap();
            let services = services.clone();
            let registry = registry.clone();
            let store = app.store.store().clone();
            async move {
                registry
                    .run_named("compliance.document_expiry", &store, services, now)
                    .await
                    .expect("registered")
            }
        };
        let alerts = || async {
            app.get("/api/v1/alerts?per_page=100", &owner.token)
                .await
                .json()
        };
        let r = run("2030-09-01").await; // 121 days before
        assert!(r.ok, "{}", r.message);
        assert!(r.message.contains("0 reminder(s)"), "{}", r.message);
        let r = run("2030-10-02").await; // 90 days
        assert!(r.message.contains("1 reminder(s)"), "{}", r.message);
        let r = run("2030-10-03").await; // again within the 90-day band: nothing new
        assert!(r.message.contains("0 reminder(s)"), "{}", r.message);
        for (day, raised) in [
            ("2030-11-01", 1), // 60 days
            ("2030-11-20", 0), // still the 60-day band
            ("2030-12-01", 1), // 30 days
            ("2030-12-15", 0), // still 30: nothing new
            ("2031-01-01", 1), // expired
            ("2031-02-01", 0),
        ] {
            let r = run(day).await;
            assert!(r.ok, "{}", r.message);
            assert!(
                r.message.contains(&format!("{raised} reminder(s)")),
                "{day}: {}",
                r.message
            );
        }
        let all = alerts().await.to_string();
        assert_eq!(
            all.matches("\"compliance.cert_expiry\"").count(),
            3,
            "{all}"
        );
        assert_eq!(
            all.matches("\"compliance.cert_expired\"").count(),
            1,
            "{all}"
        );
    }
}

#[tokio::test]
async fn customs_documents_for_a_shipment_are_blocked_until_an_owner_overrides() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let operator = app.member(org, "op@acme.test", Role::Operator).await;
        create_sku(&app, &owner.token, sku_json("CABLE-1", "USB-C cable")).await;
        let r = app
            .api(
                Method::PUT,
                "/api/v1/trade-profile",
                Some(&owner.token),
                Some(json!({
                    "legal_name": "Shenzhen Example Trading Co., Ltd.",
                    "address": ["1 Example Road", "Shenzhen 518000"],
                    "country": "CN",
                    "registrations": [{"scheme": "EORI", "number": "DE123456789012345"}]
                })),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text());
        let r = app
            .api(
                Method::POST,
                "/api/v1/shipments",
                Some(&owner.token),
                Some(json!({
                    "reference": "S-1", "carrier": "ups", "origin": "CN", "destination": "DE",
                    "tracking_numbers": ["1Z999AA10123456784"]
                })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let shipment = r.json()["id"].as_i64().expect("id");
        let body = |reason: Option<&str>| {
            let mut b = json!({
                "shipment_id": shipment,
                "destination": "DE", "currency": "EUR", "incoterm": "DDP", "number": "INV-7",
                "date": "2026-11-26",
                "consignee": {"name": "Erika Mustermann", "address": ["Musterstraße 1", "10115 Berlin"]},
                "lines": [{"sku": "CABLE-1", "description": "USB-C charging cable, braided, 1 m",
                           "hs_code": "85444290", "origin": "CN", "quantity": 2, "unit_value": "3.00",
                           "unit_net_kg": "0.05", "unit_gross_kg": "0.06", "carton": "1"}],
                "cartons": [{"mark": "1", "gross_kg": "0.2", "dimensions_cm": ["20", "15", "5"]}],
                "freight": "2.00"
            });
            if let Some(r) = reason {
                b["override_reason"] = json!(r);
            }
            b
        };
        let path = "/api/v1/customs/documents?format=xlsx&kind=invoice";
        let r = app
            .api(Method::POST, path, Some(&operator.token), Some(body(None)))
            .await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "{}: {}",
            app.label,
            r.text()
        );
        assert_eq!(
            r.json()["error"]["code"],
            "compliance_blocked",
            "{}",
            r.text()
        );
        assert!(r.text().contains("CABLE-1 DE"), "{}", r.text());
        let r = app
            .api(
                Method::POST,
                path,
                Some(&operator.token),
                Some(body(Some("urgent"))),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "operators cannot override");
        let r = app
            .api(
                Method::POST,
                path,
                Some(&owner.token),
                Some(body(Some("certificate on its way from the lab"))),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let audit = app.get("/api/v1/audit", &owner.token).await.text();
        assert!(
            audit.contains("compliance.override") && audit.contains("on its way from the lab"),
            "{audit}"
        );
    }
}
