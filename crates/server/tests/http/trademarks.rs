//! Trademark watchlist, allowlist and screening over HTTP: roles, import with row errors (nothing written) and
//! idempotent re-import, screening of stored listings with evidence, allowlist suppression, market filter,
//! pages in both languages, CSRF and tenant isolation; and the tax reminder job.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiff::Timestamp;
use serde_json::{Value, json};
use tradelane_domain::UiLang;
use tradelane_server::notify::Services;
use tradelane_store::Role;

use crate::helpers::{Resp, TestApp, sku_json};

async fn post_csv(app: &TestApp, token: &str, body: &str) -> Resp {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/trademarks/watchlist/import")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(request).await
}

const WATCHLIST: &str = "id,mark,classes,owner,markets,note\n\
    US-1,AirPods,9,Apple Inc.,,\n\
    ,Nike,25,\"Nike, Inc.\",US;EU,sportswear\n\
    ,Anke,9,Someone,,\n\
    ,Lego,28,LEGO A/S,EU,\n";

fn listing(code: &str, marketplace: &str, title: &str, bullets: &[&str], brand: &str) -> Value {
    json!({
        "sku": code, "marketplace": marketplace, "locale": "en-US",
        "title": title, "bullets": bullets, "description": "", "search_terms": "",
        "attributes": {"brand": brand}
    })
}

#[tokio::test]
async fn watchlist_crud_import_screening_roles_and_isolation() {
    for app in TestApp::all().await {
        let label = app.label;
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.test", Role::Viewer).await;
        let other_org = app.org("Other").await;
        let other = app.member(other_org, "o@other.test", Role::Owner).await;

        // Viewers read but cannot change.
        let r = app
            .api(
                Method::POST,
                "/api/v1/trademarks/watchlist",
                Some(&viewer.token),
                Some(json!({"mark": "Sony"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
        let r = post_csv(&app, &viewer.token, WATCHLIST).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // A file with bad rows: every problem listed, nothing stored.
        let bad = "mark,classes,markets\nAirPods,9;99,US\n,9,\nNike,25,USA\nnike,25,\n";
        let r = post_csv(&app, &owner.token, bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let rows = r.json()["error"]["rows"].as_array().expect("rows").clone();
        let cells: Vec<(i64, String)> = rows
            .iter()
            .map(|e| {
                (
                    e["line"].as_i64().unwrap_or(0),
                    e["column"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(
            cells,
            vec![
                (2, "classes".to_string()),
                (3, "mark".to_string()),
                (4, "markets".to_string()),
                (5, "mark".to_string())
            ],
            "{label}: {rows:?}"
        );
        let list = app
            .get("/api/v1/trademarks/watchlist", &owner.token)
            .await
            .json();
        assert_eq!(list, json!([]), "{label}");

        // The good file twice: the second import changes nothing.
        let r = post_csv(&app, &owner.token, WATCHLIST).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let j = r.json();
        assert_eq!(
            (j["created"].as_u64(), j["unchanged"].as_u64()),
            (Some(4), Some(0))
        );
        let r = post_csv(&app, &owner.token, WATCHLIST).await;
        let j = r.json();
        assert_eq!(
            (
                j["created"].as_u64(),
                j["updated"].as_u64(),
                j["unchanged"].as_u64()
            ),
            (Some(0), Some(0), Some(4)),
            "{label}"
        );
        let list = app
            .get("/api/v1/trademarks/watchlist", &viewer.token)
            .await
            .json();
        let marks: Vec<&str> = list
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|m| m["mark"].as_str())
            .collect();
        assert_eq!(marks, ["AirPods", "Anke", "Lego", "Nike"]);
        let nike_id = list[3]["id"].as_i64().expect("id");
        assert_eq!(list[3]["markets"], json!(["EU", "US"]));

        // Add, conflict, edit, delete.
        let r = app
            .api(
                Method::POST,
                "/api/v1/trademarks/watchlist",
                Some(&owner.token),
                Some(json!({"mark": "Sony", "classes": [9], "owner": "Sony Group"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let sony = r.json()["id"].as_i64().expect("id");
        let r = app
            .api(
                Method::POST,
                "/api/v1/trademarks/watchlist",
                Some(&owner.token),
                Some(json!({"mark": "sony"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{label}");
        let r = app
            .api(
                Method::PUT,
                &format!("/api/v1/trademarks/watchlist/{sony}"),
                Some(&owner.token),
                Some(
                    json!({"mark": "Sony", "classes": [9, 42], "owner": "Sony Group Corporation"}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["classes"], json!([9, 42]));
        let r = app
            .api(
                Method::PUT,
                &format!("/api/v1/trademarks/watchlist/{sony}"),
                Some(&owner.token),
                Some(json!({"mark": "Sony", "classes": [0]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");

        // Another organisation cannot see, change or delete our marks.
        let path = format!("/api/v1/trademarks/watchlist/{sony}");
        assert_eq!(
            app.get(&path, &other.token).await.status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .api(
                Method::PUT,
                &path,
                Some(&other.token),
                Some(json!({"mark": "X"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .api(Method::DELETE, &path, Some(&other.token), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.get("/api/v1/trademarks/watchlist", &other.token)
                .await
                .json(),
            json!([])
        );
        let r = app
            .api(Method::DELETE, &path, Some(&owner.token), None)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{label}");

        // Allowlist: the seller's own brand "Anker" contains the watchlist mark "Anke".
        let r = app
            .api(
                Method::POST,
                "/api/v1/trademarks/allowlist",
                Some(&owner.token),
                Some(json!({"brand": "Anker", "kind": "own"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = app
            .api(
                Method::POST,
                "/api/v1/trademarks/allowlist",
                Some(&owner.token),
                Some(json!({"brand": "X", "kind": "stolen"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.get("/api/v1/trademarks/allowlist", &other.token)
                .await
                .json(),
            json!([])
        );

        // Stored listings and catalogue.
        let mut sku = sku_json("EAR-1", "Wireless earbuds");
        sku["image_urls"] = json!(["https://img.example.com/a/air-pods-case.jpg"]);
        let r = app
            .api(Method::POST, "/api/v1/skus", Some(&owner.token), Some(sku))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let mut sku2 = sku_json("SHOE-1", "Running shoe N1KE style");
        sku2["brand"] = json!("Anker");
        let r = app
            .api(Method::POST, "/api/v1/skus", Some(&owner.token), Some(sku2))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings",
                Some(&owner.token),
                Some(listing(
                    "EAR-1",
                    "amazon-us",
                    "Earbuds for Air Pods fans, Anker charging case",
                    &["Works like Lego bricks", "Fits ÄirPods Pro"],
                    "Voltly",
                )),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let listing_id = r.json()["id"].as_i64().expect("id");

        let report = app.get("/api/v1/trademarks/screening", &viewer.token).await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text());
        let report = report.json();
        assert_eq!(report["screened"], 2, "{label}: {report}");
        let items = report["items"].as_array().expect("items");
        let ear = items
            .iter()
            .find(|i| i["listing_id"] == json!(listing_id))
            .expect("listing screened");
        let findings = ear["findings"].as_array().expect("findings");
        let kinds: Vec<(String, String, String)> = findings
            .iter()
            .map(|f| {
                (
                    f["mark"].as_str().unwrap_or("").to_string(),
                    f["field"].as_str().unwrap_or("").to_string(),
                    f["kind"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert!(
            kinds.contains(&("AirPods".into(), "title".into(), "spacing".into())),
            "{label}: {kinds:?}"
        );
        assert!(
            kinds
                .iter()
                .any(|(m, f, _)| m == "AirPods" && f == "bullet"),
            "accented look-alike in a bullet: {kinds:?}"
        );
        assert!(
            kinds.iter().any(|(m, f, _)| m == "AirPods" && f == "image"),
            "image file name: {kinds:?}"
        );
        // Lego is registered for the EU only: not reported on amazon-us.
        assert!(!kinds.iter().any(|(m, _, _)| m == "Lego"), "{kinds:?}");
        // "Anke" inside the allowlisted "Anker": suppressed.
        assert!(!kinds.iter().any(|(m, _, _)| m == "Anke"), "{kinds:?}");
        let title_hit = findings
            .iter()
            .find(|f| f["field"] == "title")
            .expect("title finding");
        assert_eq!(title_hit["evidence"], "Air Pods");
        assert_eq!(title_hit["before"], "Earbuds for ");
        assert!(title_hit["score"].as_f64().unwrap_or(0.0) > 0.5);
        // The SKU without a listing is screened from the catalogue: "N1KE" in its title.
        let shoe = items
            .iter()
            .find(|i| i["sku_code"] == "SHOE-1")
            .expect("catalogue SKU");
        assert!(shoe["listing_id"].is_null());
        assert_eq!(shoe["findings"][0]["mark"], "Nike", "{shoe}");
        assert_eq!(shoe["findings"][0]["kind"], "look_alike");
        // Filter by SKU.
        let one = app
            .get("/api/v1/trademarks/screening?sku=SHOE-1", &viewer.token)
            .await
            .json();
        assert_eq!(one["screened"], 1);
        // The other organisation screens nothing of ours.
        let theirs = app
            .get("/api/v1/trademarks/screening", &other.token)
            .await
            .json();
        assert_eq!(theirs["screened"], 0, "{label}");
        assert_eq!(theirs["marks"], 0);
        let r = app
            .get(
                &format!("/api/v1/trademarks/screening?listing={listing_id}"),
                &other.token,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Every change is audited.
        let audit = app
            .get("/api/v1/audit?per_page=100", &owner.token)
            .await
            .json();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for want in [
            "watchlist.import",
            "watchlist.add",
            "watchlist.update",
            "watchlist.delete",
            "allowlist.add",
        ] {
            assert!(actions.contains(&want), "{label}: {want} in {actions:?}");
        }
        assert_eq!(
            actions.iter().filter(|a| **a == "watchlist.import").count(),
            1,
            "an unchanged re-import is not audited"
        );
        let _ = nike_id;
    }
}

#[tokio::test]
async fn watchlist_and_screening_pages_in_both_languages_with_csrf() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app
            .member_with_locale(org, "owner@acme.test", Role::Owner, UiLang::ZhCn)
            .await;
        let _ = owner;
        app.member(org, "op@acme.test", Role::Operator).await;
        app.member(org, "viewer@acme.test", Role::Viewer).await;
        let zh = app.login("owner@acme.test").await;
        let op = app.login("op@acme.test").await;
        let viewer = app.login("viewer@acme.test").await;

        let page = app.page("/compliance/watchlist", Some(&zh)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.label);
        assert!(page.text().contains("商标监控清单"), "zh page");
        let page = app.page("/compliance/watchlist", Some(&op)).await;
        assert!(page.text().contains("Trademark watchlist"));

        // Without CSRF: refused.
        let r = app
            .form("/compliance/watchlist", &op, &[("mark", "AirPods")], false)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.label);
        // Bad classes: the form comes back with the message and the typed values.
        let r = app
            .form(
                "/compliance/watchlist",
                &op,
                &[("mark", "AirPods"), ("classes", "9;77")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("9;77"), "{}", r.text());
        let r = app
            .form(
                "/compliance/watchlist",
                &op,
                &[
                    ("mark", "AirPods"),
                    ("classes", "9"),
                    ("owner", "Apple Inc."),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let marks = app.store.list_watch_marks(org).await.expect("marks");
        assert_eq!(marks.len(), 1);
        let id = marks[0].id;
        let page = app
            .page(&format!("/compliance/watchlist?edit={id}"), Some(&op))
            .await;
        assert!(
            page.text()
                .contains(&format!("action=\"/compliance/watchlist/{id}\""))
        );
        let r = app
            .form(
                &format!("/compliance/watchlist/{id}"),
                &op,
                &[
                    ("mark", "AirPods"),
                    ("classes", "9;26"),
                    ("owner", "Apple Inc."),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(
            app.store.list_watch_marks(org).await.expect("marks")[0].classes,
            vec![9, 26]
        );
        // Viewers cannot change anything.
        let r = app
            .form(
                &format!("/compliance/watchlist/{id}/delete"),
                &viewer,
                &[],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(
                "/compliance/allowlist",
                &op,
                &[("brand", "Voltly"), ("kind", "own")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

        // Screening page: the catalogue SKU with the mark in its title, evidence highlighted.
        let r = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&app.member(org, "tok@acme.test", Role::Owner).await.token),
                Some(sku_json("EAR-1", "Case for Air Pods by Voltly")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let page = app.page("/compliance/screening", Some(&viewer)).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains("<mark data-testid=\"scr-evidence\">Air Pods</mark>"),
            "{html}"
        );
        assert!(!html.contains(">Voltly</mark>"), "allowlisted brand");
        let page = app.page("/compliance/screening", Some(&zh)).await;
        assert!(page.text().contains("商标筛查"));

        let r = app
            .form(
                &format!("/compliance/watchlist/{id}/delete"),
                &op,
                &[],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            app.store
                .list_watch_marks(org)
                .await
                .expect("marks")
                .is_empty()
        );
    }
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

async fn raised_keys(
    app: &TestApp,
    org: tradelane_store::OrgId,
    user: tradelane_store::UserId,
) -> Vec<String> {
    let mut keys: Vec<String> = app
        .store
        .list_inbox(org, user, false, 500, 0)
        .await
        .expect("inbox")
        .into_iter()
        .map(|i| i.alert.dedupe_key)
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn tax_reminders_raise_filing_and_threshold_alerts_once() {
    for app in TestApp::all().await {
        let label = app.label;
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let other_org = app.org("Other").await;
        let other = app.member(other_org, "o@other.test", Role::Owner).await;
        // Registered in IOSS (monthly, due at the end of the following month).
        let r = app
            .api(
                Method::PUT,
                "/api/v1/tax/profile",
                Some(&owner.token),
                Some(json!({"established_in": "CN", "schemes": ["EU-IOSS"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // Australia: AUD 61,000 by mid-October (81 % of A$75,000).
        let mut csv = String::from(
            "order_id,date,channel,destination,net_amount,currency,marketplace_collected\n",
        );
        for m in 1..=10 {
            csv.push_str(&format!("AU-{m},2026-{m:02}-10,shop,AU,6100,AUD,no\n"));
        }
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/tax/orders")
            .header(header::AUTHORIZATION, format!("Bearer {}", owner.token))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(csv))
            .expect("request");
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        let dir = tempfile::tempdir().expect("dir");
        let services = Arc::new(Services::for_tests(dir.path()));
        let jobs = tradelane_server::jobs::registry();
        assert!(
            jobs.tasks()
                .iter()
                .any(|t| t.name == tradelane_server::tax_reminders::JOB),
            "registered"
        );
        let run = |at: &str| {
            let jobs = jobs.clone();
            let services = services.clone();
            let store = app.store.store().clone();
            let at = ts(at);
            async move {
                jobs.run_named(tradelane_server::tax_reminders::JOB, &store, services, at)
                    .await
                    .expect("job")
            }
        };
        // 2026-10-20: the October IOSS return (period September) is due 2026-10-31, 11 days away: nothing to
        // file yet; AU at 81 %: one threshold alert.
        let r = run("2026-10-20T08:00:00Z").await;
        assert!(r.ok, "{label}: {}", r.message);
        let keys = raised_keys(&app, org, owner.user.id).await;
        assert_eq!(keys.len(), 1, "{label}: {keys:?}");
        assert!(
            keys[0].starts_with("tax-threshold:") && keys[0].ends_with(":80"),
            "{keys:?}"
        );
        // 2026-10-24: 7 days before: the 7-day reminder, once (a second run the same day raises nothing).
        let r = run("2026-10-24T08:00:00Z").await;
        assert!(r.ok, "{}", r.message);
        assert!(
            r.message.starts_with("1 filing reminders, 0 threshold"),
            "{label}: {}",
            r.message
        );
        let r = run("2026-10-24T09:00:00Z").await;
        assert!(
            r.message.starts_with("0 filing reminders, 0 threshold"),
            "{}",
            r.message
        );
        // 2026-10-27: still in the 7-day window, already raised: nothing.
        let r = run("2026-10-27T09:00:00Z").await;
        assert!(r.message.starts_with("0 filing"), "{}", r.message);
        // 2026-10-30: 1 day before: the 1-day reminder.
        let r = run("2026-10-30T09:00:00Z").await;
        assert!(r.message.starts_with("1 filing"), "{}", r.message);
        let keys = raised_keys(&app, org, owner.user.id).await;
        assert_eq!(
            keys.iter()
                .filter(|k| k.starts_with("tax-filing:EU-IOSS:2026-09-01:2026-09-30:"))
                .count(),
            2,
            "{label}: {keys:?}"
        );
        // More sales: AU crosses 100 % → the 100 % alert, once.
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/tax/orders")
            .header(header::AUTHORIZATION, format!("Bearer {}", owner.token))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(
                "order_id,date,channel,destination,net_amount,currency,marketplace_collected\nAU-X,2026-10-29,shop,AU,20000,AUD,no\n",
            ))
            .expect("request");
        assert_eq!(app.send(request).await.status, StatusCode::OK);
        let r = run("2026-10-30T10:00:00Z").await;
        assert!(
            r.message.ends_with("1 threshold alerts raised"),
            "{label}: {}",
            r.message
        );
        let r = run("2026-10-30T11:00:00Z").await;
        assert!(
            r.message.ends_with("0 threshold alerts raised"),
            "{}",
            r.message
        );
        let keys = raised_keys(&app, org, owner.user.id).await;
        assert!(
            keys.iter()
                .any(|k| k.starts_with("tax-threshold:") && k.ends_with(":100")),
            "{keys:?}"
        );
        assert_eq!(keys.len(), 4, "{label}: {keys:?}");
        // The other organisation (no schemes, no orders) gets nothing.
        assert!(raised_keys(&app, other_org, other.user.id).await.is_empty());
        // run_due at a fixed instant runs it with the other jobs.
        let runs = jobs
            .run_due(
                app.store.store(),
                services.clone(),
                ts("2026-11-20T00:00:00Z"),
            )
            .await;
        assert!(
            runs.iter().any(|r| r.name == "tax.reminders" && r.ok),
            "{runs:?}"
        );
    }
}

#[tokio::test]
async fn openapi_documents_the_trademark_endpoints() {
    let apps = TestApp::all().await;
    let app = &apps[0];
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/v1/trademarks/watchlist", &["get", "post"][..]),
        (
            "/api/v1/trademarks/watchlist/{id}",
            &["get", "put", "delete"][..],
        ),
        ("/api/v1/trademarks/watchlist/import", &["post"][..]),
        ("/api/v1/trademarks/allowlist", &["get", "post"][..]),
        ("/api/v1/trademarks/allowlist/{id}", &["delete"][..]),
        ("/api/v1/trademarks/screening", &["get"][..]),
    ] {
        for m in methods {
            assert!(paths[path][*m].is_object(), "{m} {path} documented");
        }
    }
    for schema in [
        "MarkBody",
        "MarkRequest",
        "ScreeningReport",
        "ScreenedItem",
        "ScreenFinding",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
