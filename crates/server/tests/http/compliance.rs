//! Compliance API and page: authentication, organisation isolation, the gap matrix and the explanation.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tradelane_store::Role;

use crate::helpers::{TestApp, sku_json};

fn power_bank(code: &str) -> Value {
    json!({
        "code": code,
        "title": "Power bank 20000 mAh",
        "origin": "CN",
        "hs_code": "8507.60",
        "unit_value": {"amount": "14.50", "currency": "USD"},
        "battery": {"kind": "lithium", "chemistry": "li_ion", "packing": "alone", "watt_hours": "74"}
    })
}

fn codes_in(gap: &Value) -> Vec<String> {
    gap["skus"]
        .as_array()
        .map(|skus| {
            skus.iter()
                .filter_map(|s| s["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn compliance_endpoints_need_authentication() {
    for app in TestApp::all().await {
        for path in [
            "/api/v1/compliance/gap",
            "/api/v1/compliance/requirements?sku=X&market=DE",
        ] {
            let resp = app.api(Method::GET, path, None, None).await;
            assert_eq!(
                resp.status,
                StatusCode::UNAUTHORIZED,
                "{}: {path}",
                app.label
            );
        }
        assert_ne!(app.page("/compliance", None).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn gap_report_of_org_b_never_contains_org_a_skus() {
    for app in TestApp::all().await {
        let org_a = app.org("A").await;
        let org_b = app.org("B").await;
        let a = app.member(org_a, "owner@a.test", Role::Owner).await;
        let b = app.member(org_b, "viewer@b.test", Role::Viewer).await;
        let b_owner = app.member(org_b, "owner@b.test", Role::Owner).await;
        for body in [power_bank("A-SECRET-PB"), sku_json("A-CABLE", "Cable")] {
            let r = app
                .api(Method::POST, "/api/v1/skus", Some(&a.token), Some(body))
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
        }
        let r = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&b_owner.token),
                Some(sku_json("B-CABLE", "B cable")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", app.label);

        let gap_b = app
            .get("/api/v1/compliance/gap?markets=DE,US", &b.token)
            .await;
        assert_eq!(
            gap_b.status,
            StatusCode::OK,
            "{}: {}",
            app.label,
            gap_b.text()
        );
        let gap_b = gap_b.json();
        assert_eq!(codes_in(&gap_b), vec!["B-CABLE"], "{}: {gap_b}", app.label);
        assert!(!gap_b.to_string().contains("A-SECRET"), "{}", app.label);

        // Org B cannot ask for the explanation of org A's SKU either.
        let peek = app
            .get(
                "/api/v1/compliance/requirements?sku=A-SECRET-PB&market=DE",
                &b.token,
            )
            .await;
        assert_eq!(peek.status, StatusCode::NOT_FOUND, "{}", app.label);

        // Org A sees its power bank needing the UN 38.3 test summary, missing (nothing on file).
        let gap_a = app
            .get("/api/v1/compliance/gap?markets=DE,US", &a.token)
            .await
            .json();
        assert_eq!(gap_a["markets"], json!(["DE", "US"]));
        assert!(
            gap_a["note"]
                .as_str()
                .unwrap_or("")
                .contains("0 document(s) on file")
        );
        let pb = gap_a["skus"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["code"] == "A-SECRET-PB"))
            .expect("power bank in A's report");
        let de = &pb["cells"][0];
        assert_eq!(de["market"], "DE");
        assert_eq!(de["status"], "missing", "{de}");
        let un38 = de["lines"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["requirement"] == "TR-UN38.3"))
            .expect("UN 38.3 line");
        assert_eq!(un38["status"], "missing");
        assert!(!un38["source"].as_str().unwrap_or("").is_empty());
    }
}

#[tokio::test]
async fn requirements_explain_and_say_not_covered_instead_of_compliant() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        app.api(
            Method::POST,
            "/api/v1/skus",
            Some(&owner.token),
            Some(power_bank("PB-1")),
        )
        .await;

        let de = app
            .get(
                "/api/v1/compliance/requirements?sku=PB-1&market=DE&date=2026-01-15",
                &owner.token,
            )
            .await;
        assert_eq!(de.status, StatusCode::OK, "{}: {}", app.label, de.text());
        let de = de.json();
        assert_eq!(de["covered"], true);
        assert_eq!(de["category"], "battery");
        let ids: Vec<&str> = de["applies"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["id"].as_str()).collect())
            .unwrap_or_default();
        assert!(ids.contains(&"TR-UN38.3"), "{de}");
        assert!(
            de["not_applicable"].as_array().is_some_and(|n| n
                .iter()
                .all(|r| r["reason"].as_str().is_some_and(|s| !s.is_empty()))),
            "{de}"
        );

        let za = app
            .get(
                "/api/v1/compliance/requirements?sku=PB-1&market=ZA",
                &owner.token,
            )
            .await
            .json();
        assert_eq!(za["covered"], false, "{za}");
        assert!(za["applies"].as_array().is_some_and(Vec::is_empty));
        assert!(
            za["not_covered"].as_str().is_some_and(|s| s.contains("ZA")),
            "{za}"
        );

        let bad = app
            .get("/api/v1/compliance/gap?markets=DE,QQQ", &owner.token)
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );

        // The page shows the matrix and, for the clicked cell, the explanation.
        let session = app.login("o@acme.test").await;
        let page = app
            .page("/compliance?m=DE&m=ZA&sku=PB-1&market=DE", Some(&session))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.label);
        let html = page.text();
        assert!(html.contains("data-testid=\"cmp-matrix\""), "{html}");
        assert!(
            html.contains("data-market=\"ZA\" data-status=\"not_covered\""),
            "{html}"
        );
        assert!(html.contains("data-testid=\"cmp-explain\""), "{html}");
        assert!(html.contains("TR-UN38.3"));
    }
}

#[tokio::test]
async fn openapi_describes_the_compliance_endpoints() {
    let apps = TestApp::all().await;
    let app = &apps[0];
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths: serde_json::Map<String, Value> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(p, _)| p.starts_with("/api/v1/compliance") && !p.contains("/document"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(paths.len(), 2, "{:?}", paths.keys().collect::<Vec<_>>());
    // The document vault (tests in `vault`).
    for p in [
        "/api/v1/compliance/documents",
        "/api/v1/compliance/documents/{id}",
        "/api/v1/compliance/documents/{id}/file",
        "/api/v1/compliance/document-types",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing");
    }
    assert!(doc["paths"]["/api/v1/compliance/documents"]["post"]["requestBody"]["content"]["multipart/form-data"].is_object());
    let schemas: serde_json::Map<String, Value> = [
        "GapResponse",
        "GapSkuResponse",
        "GapCellResponse",
        "GapLineResponse",
        "RequirementsResponse",
        "RuleResponse",
    ]
    .into_iter()
    .map(|name| {
        let schema = doc["components"]["schemas"][name].clone();
        assert!(schema.is_object(), "{name} missing from the schemas");
        (name.to_string(), schema)
    })
    .collect();
    insta::assert_json_snapshot!(
        "compliance_openapi",
        json!({"paths": paths, "schemas": schemas})
    );
}

#[tokio::test]
async fn gap_csv_export_is_the_callers_catalogue_only() {
    for app in TestApp::all().await {
        let org_a = app.org("A").await;
        let org_b = app.org("B").await;
        let a = app.member(org_a, "a@a.test", Role::Owner).await;
        app.member(org_b, "b@b.test", Role::Owner).await;
        app.api(
            Method::POST,
            "/api/v1/skus",
            Some(&a.token),
            Some(power_bank("A-PB")),
        )
        .await;
        let session_a = app.login("a@a.test").await;
        let csv = app.page("/compliance/gap.csv?m=US", Some(&session_a)).await;
        assert_eq!(csv.status, StatusCode::OK, "{}", app.label);
        assert!(csv.header("content-type").starts_with("text/csv"));
        let text = csv.text();
        assert!(
            text.contains("sku,market,requirement,title,status"),
            "{text}"
        );
        assert!(text.contains("A-PB,US,TR-UN38.3,"), "{text}");

        let session_b = app.login("b@b.test").await;
        let other = app
            .page("/compliance/gap.csv?m=US", Some(&session_b))
            .await
            .text();
        assert!(!other.contains("A-PB"), "{}: {other}", app.label);
    }
}
