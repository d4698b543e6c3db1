//! The listing workbench over HTTP: stored listings, the review workflow with role checks and
//! the four-eyes rule, bulk translation jobs (offline provider), provider failures that leave
//! nothing half-saved, diffs, flat-file export, tenant isolation and the pages.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tradelane_server::workbench::{self, Segment, SegmentOutcome, Translator};
use tradelane_store::{Actor, ListingId, Role};

use crate::helpers::{TestApp, sku_json};

async fn sku(app: &TestApp, token: &str, code: &str) {
    let r = app
        .api(
            Method::POST,
            "/api/v1/skus",
            Some(token),
            Some(sku_json(code, "USB-C cable")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app
        .api(Method::POST, "/api/v1/listings", Some(token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
    r.json()
}

fn source_body(code: &str) -> Value {
    json!({
        "sku": code, "marketplace": "amazon", "locale": "zh-CN",
        "title": "USB-C 数据线 60W 编织 1 米 🔌",
        "bullets": ["支持 60 W 快充", "编织线身，耐弯折 10000 次"],
        "description": "<p>结实耐用</p><script>alert('x')</script>",
        "search_terms": "数据线 快充",
        "attributes": {"brand": "VoltLine"}
    })
}

fn clean_german(code: &str, source_id: i64) -> Value {
    json!({
        "sku": code, "marketplace": "amazon-de", "locale": "de-DE", "source_id": source_id,
        "title": "VoltLine USB-C Kabel 60 W, geflochten, 1 m",
        "bullets": ["Schnellladen mit 60 W", "Geflochtener Mantel, 10.000 Biegungen getestet"],
        "description": "<p>Robust und langlebig</p>",
        "search_terms": "usb c kabel ladekabel",
        "attributes": {"brand": "VoltLine"}
    })
}

#[tokio::test]
async fn workflow_roles_four_eyes_and_audit() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let op = app.member(org, "op@acme.example", Role::Operator).await;
        let op2 = app.member(org, "op2@acme.example", Role::Operator).await;
        let viewer = app.member(org, "viewer@acme.example", Role::Viewer).await;
        sku(&app, &owner.token, "CBL-1").await;
        let src = create(&app, &op.token, source_body("CBL-1")).await;
        assert!(!src["description"].as_str().unwrap().contains("script"));
        assert_eq!(src["title_chars"], 22, "characters, not bytes");
        // Viewers cannot write.
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings",
                Some(&viewer.token),
                Some(source_body("CBL-1")),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.label);
        let de = create(
            &app,
            &op.token,
            clean_german("CBL-1", src["id"].as_i64().unwrap()),
        )
        .await;
        let id = de["id"].as_i64().unwrap();
        let path = |s: &str| format!("/api/v1/listings/{id}/{s}");
        let r = app
            .api(Method::POST, &path("submit"), Some(&viewer.token), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(Method::POST, &path("approve"), Some(&op.token), None)
            .await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "not in review yet: {}",
            r.text()
        );
        let r = app
            .api(
                Method::POST,
                &path("submit"),
                Some(&op.token),
                Some(json!({"version": 1})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["state"], "in_review");
        // The operator who wrote it cannot approve it; another operator can.
        let r = app
            .api(Method::POST, &path("approve"), Some(&op.token), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "four eyes: {}", r.text());
        let r = app
            .api(Method::POST, &path("approve"), Some(&viewer.token), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(Method::POST, &path("reject"), Some(&op2.token), None)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "reject needs a comment"
        );
        let r = app
            .api(
                Method::POST,
                &path("reject"),
                Some(&op2.token),
                Some(json!({"comment": "Bitte 'Ladekabel' in den Titel"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["state"], "draft");
        let v = r.json()["version"].as_i64().unwrap();
        // op2 edits and resubmits; now op2 may not approve but op may.
        let mut body = clean_german("CBL-1", 0);
        body["version"] = json!(v);
        body["title"] = json!("VoltLine USB-C Ladekabel 60 W, geflochten, 1 m");
        let r = app
            .api(
                Method::PUT,
                &format!("/api/v1/listings/{id}"),
                Some(&op2.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // Stale version → 409.
        let r = app
            .api(
                Method::PUT,
                &format!("/api/v1/listings/{id}"),
                Some(&op2.token),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        app.api(Method::POST, &path("submit"), Some(&op2.token), None)
            .await;
        let r = app
            .api(Method::POST, &path("approve"), Some(&op2.token), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::POST,
                &path("approve"),
                Some(&op.token),
                Some(json!({"comment": "ok"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        assert_eq!(r.json()["state"], "approved");
        // History and diff.
        let r = app.get(&path("versions"), &viewer.token).await;
        let versions = r.json();
        let actions: Vec<&str> = versions
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["approve", "submit", "edit", "reject", "submit", "create"]
        );
        let r = app
            .get(&format!("{}?to=4", path("diff")), &viewer.token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let changes = r.json()["changes"].as_array().unwrap().clone();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0]["field"], "title");
        assert!(changes[0]["after"].as_str().unwrap().contains("Ladekabel"));
        let r = app
            .get(&format!("{}?to=99", path("diff")), &viewer.token)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Every step in the audit log.
        let r = app
            .get(
                &format!("/api/v1/audit?entity_type=listing&entity_id={id}"),
                &owner.token,
            )
            .await;
        assert_eq!(r.json()["total"], 6, "{}", r.text());
    }
}

#[tokio::test]
async fn approval_is_blocked_by_qa_errors_and_findings_have_spans() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        sku(&app, &owner.token, "CBL-1").await;
        let src = create(&app, &owner.token, source_body("CBL-1")).await;
        let mut body = clean_german("CBL-1", src["id"].as_i64().unwrap());
        body["title"] = json!("VoltLine USB-C Kabel 60 W - Kostenloser Versand!");
        let de = create(&app, &owner.token, body).await;
        let id = de["id"].as_i64().unwrap();
        let r = app
            .get(&format!("/api/v1/listings/{id}/findings"), &owner.token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let f = r.json();
        assert!(f["errors"].as_u64().unwrap() >= 1, "{f}");
        let bang = f["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rule_id"] == "amazon.title.forbidden_chars")
            .expect("forbidden char finding");
        assert_eq!(bang["excerpt"], "!");
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
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("QA error"), "{}", r.text());
    }
}

#[tokio::test]
async fn bulk_translation_job_and_export_flat_file() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.example", Role::Viewer).await;
        for code in ["CBL-1", "CBL-2", "CBL-3"] {
            sku(&app, &owner.token, code).await;
            create(&app, &owner.token, source_body(code)).await;
        }
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/translate",
                Some(&viewer.token),
                Some(json!({"marketplace": "amazon-de", "target_locale": "de-DE"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/translate",
                Some(&owner.token),
                Some(json!({"marketplace": "amazon-de", "target_locale": "de-DE"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        let job_id = r.json()["id"].as_i64().unwrap();
        let mut job = Value::Null;
        for _ in 0..200 {
            job = app
                .get(&format!("/api/v1/listings/jobs/{job_id}"), &viewer.token)
                .await
                .json();
            if job["status"] != "running" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(
            (job["total"].as_i64(), job["done"].as_i64()),
            (Some(3), Some(3))
        );
        assert_eq!(job["percent"], 100);
        let list = app
            .get(
                "/api/v1/listings?locale=de-DE&state=machine_translated",
                &viewer.token,
            )
            .await
            .json();
        assert_eq!(list["total"], 3, "{list}");
        let item = &list["items"][0];
        assert_eq!(item["origin"], "offline");
        assert!(
            item["title"]
                .as_str()
                .unwrap()
                .starts_with("[offline → de-DE]"),
            "the offline provider never pretends to translate: {item}"
        );
        // zh-Hant is a real conversion, synchronous with `wait`.
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/translate",
                Some(&owner.token),
                Some(json!({"marketplace": "shopify", "target_locale": "zh-TW", "wait": true})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let list = app
            .get("/api/v1/listings?locale=zh-Hant", &viewer.token)
            .await
            .json();
        let title = list["items"][0]["title"].as_str().unwrap();
        assert!(title.contains("編織") && title.ends_with("🔌"), "{title}");
        assert_eq!(list["items"][0]["origin"], "opencc");
        // Nothing approved yet: an export by ids of unapproved listings is refused.
        let first = list["items"][0]["id"].as_i64().unwrap();
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/export",
                Some(&owner.token),
                Some(json!({"ids": [first]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        // Approve the converted listings (owner; no QA errors) and export them.
        for it in list["items"].as_array().unwrap() {
            let id = it["id"].as_i64().unwrap();
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
            assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        }
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/export",
                Some(&viewer.token),
                Some(json!({"locale": "zh-Hant"})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "marking exported is a write"
        );
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/export",
                Some(&owner.token),
                Some(json!({"locale": "zh-Hant", "mapping": "amazon"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let text = r.text();
        let header = text.lines().next().unwrap().trim_start_matches('\u{feff}');
        assert!(
            header.starts_with("item_sku,item_name,brand_name,bullet_point1"),
            "{header}"
        );
        assert!(header.contains("generic_keywords"));
        assert!(text.contains("CBL-2") && text.contains("數據線"), "{text}");
        let exported = app
            .get("/api/v1/listings?state=exported", &viewer.token)
            .await
            .json();
        assert_eq!(exported["total"], 3);
        // A second export finds nothing new unless asked to include exported ones.
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/export",
                Some(&owner.token),
                Some(
                    json!({"locale": "zh-Hant", "format": "xlsx", "include_exported": true,
                    "mapping": "sku = sku\ntitle = title"}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(&r.body[..2], b"PK");
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/export",
                Some(&owner.token),
                Some(json!({"mapping": "sku = bullet9"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// A provider that fails every `description` segment (as after retries on 503s).
struct FlakyDescriptions;

impl Translator for FlakyDescriptions {
    fn translate<'a>(
        &'a self,
        _actor: &'a Actor,
        _source_locale: &'a str,
        target_locale: &'a str,
        segments: &'a [Segment],
    ) -> workbench::translator::TranslateFuture<'a> {
        Box::pin(async move {
            Ok(workbench::translator::SegmentsReport {
                results: segments
                    .iter()
                    .map(|s| {
                        if s.id == "description" {
                            SegmentOutcome::Failed {
                                error: "HTTP 503 after 3 attempts".into(),
                            }
                        } else {
                            SegmentOutcome::Ok {
                                text: format!("{target_locale}: {}", s.text),
                            }
                        }
                    })
                    .collect(),
                provider: "flaky".into(),
                usage: None,
            })
        })
    }
}

#[tokio::test]
async fn a_provider_failure_saves_nothing_of_that_listing() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        sku(&app, &owner.token, "CBL-1").await;
        sku(&app, &owner.token, "CBL-2").await;
        create(&app, &owner.token, source_body("CBL-1")).await;
        let mut no_desc = source_body("CBL-2");
        no_desc["description"] = json!("");
        create(&app, &owner.token, no_desc).await;
        let actor = Actor::new(org, Some(owner.user.id), "test");
        let sources = workbench::sources_for(&app.store, org, "amazon-de", "de-DE")
            .await
            .unwrap();
        assert_eq!(sources.len(), 2);
        let job = app
            .store
            .create_listing_job(&actor, "translate", "amazon-de", "de-DE", 2)
            .await
            .unwrap();
        let items = workbench::run_translate_job(
            &app.store,
            &actor,
            std::sync::Arc::new(FlakyDescriptions),
            job.id,
            "amazon-de",
            "de-DE",
            sources,
        )
        .await
        .unwrap();
        let by_sku = |c: &str| items.iter().find(|i| i.sku_code == c).unwrap();
        assert_eq!(by_sku("CBL-1").outcome, "failed", "{items:?}");
        assert!(by_sku("CBL-1").message.as_deref().unwrap().contains("503"));
        assert_eq!(by_sku("CBL-2").outcome, "translated");
        let list = app
            .get("/api/v1/listings?locale=de-DE", &owner.token)
            .await
            .json();
        assert_eq!(list["total"], 1, "CBL-1 was not half-saved ({})", app.label);
        assert_eq!(list["items"][0]["sku"], "CBL-2");
        let job = app.store.get_listing_job(org, job.id).await.unwrap();
        assert_eq!((job.done, job.failed), (2, 1));
    }
}

#[tokio::test]
async fn another_organisation_gets_404_everywhere() {
    for app in TestApp::all().await {
        let a = app.org("Acme").await;
        let b = app.org("Other").await;
        let owner = app.member(a, "owner@acme.example", Role::Owner).await;
        let other = app.member(b, "owner@other.example", Role::Owner).await;
        sku(&app, &owner.token, "CBL-1").await;
        let src = create(&app, &owner.token, source_body("CBL-1")).await;
        let id = src["id"].as_i64().unwrap();
        let job = app
            .store
            .create_listing_job(&Actor::cli(a), "translate", "amazon", "de-DE", 0)
            .await
            .unwrap();
        for (m, p, body) in [
            (Method::GET, format!("/api/v1/listings/{id}"), None),
            (
                Method::PUT,
                format!("/api/v1/listings/{id}"),
                Some(json!({"version": 1, "title": "x"})),
            ),
            (Method::POST, format!("/api/v1/listings/{id}/submit"), None),
            (Method::POST, format!("/api/v1/listings/{id}/approve"), None),
            (
                Method::POST,
                format!("/api/v1/listings/{id}/reject"),
                Some(json!({"comment": "x"})),
            ),
            (Method::GET, format!("/api/v1/listings/{id}/versions"), None),
            (Method::GET, format!("/api/v1/listings/{id}/diff"), None),
            (Method::GET, format!("/api/v1/listings/{id}/findings"), None),
            (
                Method::GET,
                format!("/api/v1/listings/jobs/{}", job.id),
                None,
            ),
            (
                Method::POST,
                "/api/v1/listings/export".to_string(),
                Some(json!({"ids": [id]})),
            ),
        ] {
            let r = app.api(m.clone(), &p, Some(&other.token), body).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {p}: {}", r.text());
        }
        // b cannot attach a listing to a's SKU code (it does not exist for b).
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings",
                Some(&other.token),
                Some(source_body("CBL-1")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let list = app.get("/api/v1/listings", &other.token).await.json();
        assert_eq!(list["total"], 0);
        let page = app.login("owner@other.example").await;
        let r = app
            .page(&format!("/listings/workbench/{id}"), Some(&page))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .page(&format!("/listings/workbench/jobs/{}", job.id), Some(&page))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let still = app.store.get_listing(a, ListingId(id)).await.unwrap();
        assert_eq!(still.version, 1);
    }
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        sku(&app, &owner.token, "CBL-1").await;
        let bad = json!({"items": [
            {"sku": "CBL-1", "marketplace": "amazon", "locale": "en", "title": "Cable"},
            {"sku": "NOPE", "marketplace": "amazon", "locale": "en", "title": "Cable"}
        ]});
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/import",
                Some(&owner.token),
                Some(bad),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text().contains("row 3") && r.text().contains("NOPE"),
            "{}",
            r.text()
        );
        let good = json!({"items": [
            {"sku": "CBL-1", "marketplace": "amazon", "locale": "en", "title": "Cable مرحبا 😀"}
        ]});
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/import",
                Some(&owner.token),
                Some(good.clone()),
            )
            .await;
        assert_eq!(r.json()["created"], 1, "{}", r.text());
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/import",
                Some(&owner.token),
                Some(good),
            )
            .await;
        assert_eq!(r.json()["unchanged"], 1);
    }
}

#[tokio::test]
async fn pages_show_list_editor_findings_and_review() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        app.member(org, "viewer@acme.example", Role::Viewer).await;
        sku(&app, &owner.token, "CBL-1").await;
        let src = create(&app, &owner.token, source_body("CBL-1")).await;
        let mut body = clean_german("CBL-1", src["id"].as_i64().unwrap());
        body["title"] = json!("VoltLine <b>USB-C</b> Kabel - Kostenloser Versand!");
        let de = create(&app, &owner.token, body).await;
        let id = de["id"].as_i64().unwrap();
        let session = app.login("owner@acme.example").await;
        let r = app.page("/listings/workbench", Some(&session)).await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(html.contains("CBL-1") && html.contains("wb-bulk"), "{html}");
        let r = app
            .page(&format!("/listings/workbench/{id}"), Some(&session))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(
            html.contains("<mark class=\"qa-error\""),
            "findings marked inline"
        );
        assert!(!html.contains("<b>USB-C</b>"), "user text is escaped");
        // Save without CSRF is refused; with it the title changes.
        let r = app
            .form(
                &format!("/listings/workbench/{id}"),
                &session,
                &[("action", "save"), ("title", "x")],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(
                &format!("/listings/workbench/{id}"),
                &session,
                &[
                    ("action", "save"),
                    ("version", "1"),
                    ("title", "VoltLine USB-C Kabel 60 W"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = app
            .form(
                &format!("/listings/workbench/{id}"),
                &session,
                &[("action", "submit")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = app
            .form(
                &format!("/listings/workbench/{id}"),
                &session,
                &[("action", "reject")],
                true,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "reject without comment"
        );
        let r = app
            .form(
                &format!("/listings/workbench/{id}"),
                &session,
                &[("action", "approve")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let l = app.store.get_listing(org, ListingId(id)).await.unwrap();
        assert_eq!(l.state.as_str(), "approved");
        let r = app
            .page("/listings/workbench/export?locale=de-DE", Some(&session))
            .await;
        assert!(r.text().contains("item_sku"), "preview shows the layout");
        // Viewer: can look, cannot act.
        let vs = app.login("viewer@acme.example").await;
        let r = app
            .page(&format!("/listings/workbench/{id}"), Some(&vs))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.text().contains("wb-edit-form"));
        let r = app
            .form(
                &format!("/listings/workbench/{id}"),
                &vs,
                &[("action", "submit")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(
                "/listings/workbench/export",
                &vs,
                &[("locale", "de-DE")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(
                "/listings/workbench/translate",
                &vs,
                &[("marketplace", "amazon"), ("target_locale", "de-DE")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn openapi_describes_the_workbench() {
    let apps = TestApp::all().await;
    let doc = apps[0]
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths: serde_json::Map<String, Value> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(p, _)| p.starts_with("/api/v1/listings") && *p != "/api/v1/listings/check")
        // The editor's memory and glossary help belongs to the translation module's document.
        .filter(|(p, _)| !p.ends_with("/assist"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(paths.len(), 12, "{:?}", paths.keys().collect::<Vec<_>>());
    insta::assert_json_snapshot!("listing_workbench_openapi", paths);
}
