//! Tax obligations API and pages: order import (row errors, idempotent re-import), the dashboard, the profile,
//! the filing calendar, "what changes for me" diffs; roles, CSRF and isolation.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tradelane_store::Role;

use crate::helpers::{Resp, TestApp};

async fn post_body(app: &TestApp, path: &str, token: &str, content_type: &str, body: &str) -> Resp {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(request).await
}

/// AUD 5,000 a month to Australia in 2026, one marketplace-collected California order, one German order.
fn orders_csv() -> String {
    let mut csv = String::from(
        "order_id,date,channel,destination,net_amount,currency,marketplace_collected\n",
    );
    for m in 1..=11 {
        csv.push_str(&format!("AU-{m},2026-{m:02}-10,shop,AU,5000,AUD,no\n"));
    }
    csv.push_str("US-1,2026-03-01,amazon,US-CA,1000,USD,yes\n");
    csv.push_str("DE-1,2026-04-01,shop,DE,100,EUR,no\n");
    csv
}

#[tokio::test]
async fn orders_import_with_row_errors_idempotently_and_feed_the_dashboard() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.test", Role::Viewer).await;
        let other_org = app.org("Other").await;
        let other = app.member(other_org, "o@other.test", Role::Owner).await;
        // Viewers cannot import.
        let r = post_body(
            &app,
            "/api/v1/tax/orders",
            &viewer.token,
            "text/csv",
            &orders_csv(),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.label);
        // A file with bad rows: every problem with row, column, value and expectation; nothing stored.
        let bad = "date,destination,net_amount,currency,marketplace_collected\n2026-02-30,DE,10,EUR,no\n2026-03-01,XX,ten,EUR,maybe\n";
        let r = post_body(&app, "/api/v1/tax/orders", &owner.token, "text/csv", bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let rows = r.json()["error"]["rows"].as_array().unwrap().clone();
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert_eq!(rows[0]["line"], json!(2));
        assert_eq!(rows[0]["column"], "date");
        assert!(
            rows.iter()
                .any(|e| e["column"] == "net_amount" && e["value"] == "ten")
        );
        assert_eq!(
            app.get("/api/v1/tax/orders", &owner.token).await.json(),
            json!([])
        );
        // The good file, twice: the second import changes nothing.
        let r = post_body(
            &app,
            "/api/v1/tax/orders",
            &owner.token,
            "text/csv",
            &orders_csv(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            (
                r.json()["created"].as_u64(),
                r.json()["orders_total"].as_i64()
            ),
            (Some(13), Some(13))
        );
        let r = post_body(
            &app,
            "/api/v1/tax/orders",
            &owner.token,
            "text/csv",
            &orders_csv(),
        )
        .await;
        assert_eq!(
            (r.json()["created"].as_u64(), r.json()["unchanged"].as_u64()),
            (Some(0), Some(13))
        );
        // Another organisation sees none of them.
        assert_eq!(
            app.get("/api/v1/tax/orders", &other.token).await.json(),
            json!([])
        );

        let r = app
            .get("/api/v1/tax/dashboard?as_of=2026-11-30", &viewer.token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let d = r.json();
        let au = d["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["market"] == "AU")
            .cloned()
            .unwrap();
        // Rolling 12 months to 2026-11-30: AUD 55,000 of 75,000 = 73.33 %; projected by the last 90 days' pace.
        assert_eq!(
            au["percent"].as_str().unwrap().parse::<f64>().unwrap(),
            73.33
        );
        assert_eq!(au["obligation"], "below");
        assert!(au["projected_crossing"].is_string(), "{au}");
        assert_eq!(au["trend"].as_array().unwrap().len(), 12);
        // California counts marketplace sales ("counted") but the order is in USD: 1,000 of 500,000.
        assert!(
            d["thresholds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["market"] == "US-CA")
        );
        // No schemes yet: no calendar; set the profile (viewer refused, unknown scheme named).
        assert_eq!(d["calendar"], json!([]));
        let profile = json!({"established_in": "CN", "schemes": ["EU-IOSS", "GB-VAT"], "stock_countries": []});
        let r = app
            .api(
                Method::PUT,
                "/api/v1/tax/profile",
                Some(&viewer.token),
                Some(profile.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::PUT,
                "/api/v1/tax/profile",
                Some(&owner.token),
                Some(json!({"established_in": "CN", "schemes": ["XX-VAT"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("XX-VAT"));
        let r = app
            .api(
                Method::PUT,
                "/api/v1/tax/profile",
                Some(&owner.token),
                Some(profile),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = app
            .get(
                "/api/v1/tax/calendar?from=2026-12-01&to=2027-02-28",
                &viewer.token,
            )
            .await;
        let dues: Vec<(String, String)> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["scheme"].as_str().unwrap().to_string(),
                    c["due"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        // IOSS monthly: November's return is due 2026-12-31, December's 2027-01-31, January's 2027-02-28.
        assert!(
            dues.contains(&("EU-IOSS".into(), "2026-12-31".into())),
            "{dues:?}"
        );
        assert!(dues.contains(&("EU-IOSS".into(), "2027-01-31".into())));
        assert!(dues.contains(&("EU-IOSS".into(), "2027-02-28".into())));
        assert!(dues.iter().any(|(s, _)| s == "GB-VAT"), "{dues:?}");
        // The other organisation's profile is untouched.
        let r = app.get("/api/v1/tax/profile", &other.token).await;
        assert_eq!(r.json()["set"], json!(false));

        // The page renders the bars, the trend chart and the calendar, in Chinese too.
        let session = app.login("viewer@acme.test").await;
        let page = app.page("/tax?as_of=2026-11-30", Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("data-testid=\"tax-trend-svg\""));
        assert!(html.contains("data-market=\"AU\""));
        assert!(html.contains("EU-IOSS"));
        assert!(
            !html.contains("tax-import-form"),
            "viewers get no import form"
        );
    }
}

#[tokio::test]
async fn the_upload_page_rejects_without_csrf_and_reports_rows() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let _owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let session = app.login("owner@acme.test").await;
        let boundary = "XBOUNDARY";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"o.csv\"\r\nContent-Type: text/csv\r\n\r\n\
             date,destination,net_amount,currency\n2026-01-01,ZZ,1,EUR\n\r\n--{boundary}--\r\n"
        );
        let send = |csrf: bool| {
            let uri = if csrf {
                format!("/tax/orders?_csrf={}", crate::helpers::enc(&session.csrf))
            } else {
                "/tax/orders".to_string()
            };
            Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::COOKIE, format!("tl_session={}", session.cookie))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body.clone()))
                .expect("request")
        };
        let r = app.send(send(false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.label);
        let r = app.send(send(true)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("data-testid=\"tax-row-errors\"") && r.text().contains("ZZ"));
    }
}

#[tokio::test]
async fn what_changes_for_me_filters_to_my_markets_and_products() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.test", Role::Viewer).await;
        let other_org = app.org("Other").await;
        let other = app.member(other_org, "o@other.test", Role::Owner).await;
        // The organisation sells to DE (target market) and loads an overlay that changes DE VAT and adds a JP
        // duty line.
        let r = app
            .api(
                Method::PUT,
                "/api/v1/landed-cost/target-markets",
                Some(&owner.token),
                Some(json!({"markets": ["DE"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let overlay = r#"format_version = 1
pack_id = "acme"
pack_version = "1"
published = 2026-11-01
[[duty]]
id = "ACME-JP-9503"
territory = "JP"
hs = "9503.00.10"
rate = "3%"
effective_from = 2027-01-01
source = "test"
uncertain = false
[[tax]]
id = "ACME-DE-BOOKS"
country = "DE"
tax = "VAT"
level = "reduced"
hs = "4901.99"
rate = "7"
collection = "import"
effective_from = 2027-01-01
source = "test"
uncertain = false
"#;
        let r = post_body(
            &app,
            "/api/v1/landed-cost/rules",
            &owner.token,
            "text/plain",
            overlay,
        )
        .await;
        assert!(r.status.is_success(), "{}", r.text());
        let stored_id = r.json()["stored"]["id"].as_i64().unwrap();
        let body = json!({"kind": "landed_cost", "old": "builtin", "new": "active"});
        let r = app
            .api(
                Method::POST,
                "/api/v1/rules/diff",
                Some(&viewer.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let d = r.json();
        let ids: Vec<&str> = d["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        // DE only: the German rule is reported with its date, the Japanese one is not.
        assert_eq!(ids, vec!["ACME-DE-BOOKS"], "{d}");
        assert_eq!(d["changes"][0]["change"], "added");
        assert_eq!(d["changes"][0]["new_from"], "2027-01-01");
        assert_eq!(d["markets"], json!(["DE"]));
        // Every rule on request.
        let mut all = body.clone();
        all["scope"] = json!("all");
        let r = app
            .api(
                Method::POST,
                "/api/v1/rules/diff",
                Some(&viewer.token),
                Some(all),
            )
            .await;
        assert_eq!(r.json()["added"].as_u64(), Some(2));
        // Stored versions by id; another organisation's id is not found.
        let by_id =
            json!({"kind": "landed_cost", "old": "builtin", "new": format!("stored:{stored_id}")});
        let r = app
            .api(
                Method::POST,
                "/api/v1/rules/diff",
                Some(&owner.token),
                Some(by_id.clone()),
            )
            .await;
        assert_eq!(r.json()["added"].as_u64(), Some(1));
        let r = app
            .api(
                Method::POST,
                "/api/v1/rules/diff",
                Some(&other.token),
                Some(by_id),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Tax thresholds: a new Australian amount, given as TOML text, for an organisation selling to AU.
        let au_orders = "date,destination,net_amount,currency\n2026-05-01,AU,10,AUD\n";
        post_body(
            &app,
            "/api/v1/tax/orders",
            &owner.token,
            "text/csv",
            au_orders,
        )
        .await;
        let text = include_str!("../../../compliance/data/thresholds.toml").replacen(
            "amount = \"75000\"",
            "amount = \"100000\"",
            1,
        );
        let r = app
            .api(
                Method::POST,
                "/api/v1/rules/diff",
                Some(&owner.token),
                Some(json!({"kind": "tax", "old": "builtin", "new": text})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let changes = r.json()["changes"].as_array().unwrap().clone();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0]["id"], "AU-GST");
        assert_eq!(changes[0]["fields"][0]["field"], "amount");
        // A broken pack is named as such.
        let r = app
            .api(
                Method::POST,
                "/api/v1/rules/diff",
                Some(&owner.token),
                Some(json!({"kind": "requirements", "old": "builtin", "new": "not toml ["})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("new"));
        // The page shows the same.
        let session = app.login("viewer@acme.test").await;
        let page = app
            .page(
                "/rules/diff?kind=landed_cost&old=builtin&new=active",
                Some(&session),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("data-id=\"ACME-DE-BOOKS\""));
        assert!(!page.text().contains("data-id=\"ACME-JP-9503\""));
    }
}

#[tokio::test]
async fn the_tax_api_is_documented() {
    let apps = TestApp::all().await;
    let app = &apps[0];
    let doc: Value = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths: serde_json::Map<String, Value> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.starts_with("/api/v1/tax") || p.starts_with("/api/v1/rules"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(paths.len(), 5, "{:?}", paths.keys().collect::<Vec<_>>());
    insta::assert_json_snapshot!("tax_openapi", paths);
}
