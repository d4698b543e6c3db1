//! Catalogue CRUD through the API, validation, versions, hostile text.

use axum::http::{Method, StatusCode, header};
use serde_json::json;
use tradelane_store::Role;

use crate::helpers::{TestApp, sku_json};

#[tokio::test]
async fn crud_with_versions() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let created = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&owner.token),
                Some(sku_json("C-1", "Cable")),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {}",
            app.label,
            created.text()
        );
        assert_eq!(created.header("etag"), "\"1\"");
        let body = created.json();
        assert_eq!(
            body["unit_value"]["amount"], "2.50",
            "money is a decimal string"
        );
        let id = body["id"].as_i64().unwrap();
        let path = format!("/api/v1/skus/{id}");

        let dup = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&owner.token),
                Some(sku_json("C-1", "Again")),
            )
            .await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{}", app.label);

        let mut changed = sku_json("C-1", "Cable 2 m");
        changed["unit_value"] = json!({"amount": "3.10", "currency": "EUR"});
        let put = |if_match: &'static str, body: serde_json::Value| {
            let app = &app;
            let path = path.clone();
            let token = owner.token.clone();
            async move {
                let request = axum::http::Request::builder()
                    .method(Method::PUT)
                    .uri(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::IF_MATCH, if_match)
                    .body(axum::body::Body::from(body.to_string()))
                    .unwrap();
                app.send(request).await
            }
        };
        let ok = put("\"1\"", changed.clone()).await;
        assert_eq!(ok.status, StatusCode::OK, "{}: {}", app.label, ok.text());
        assert_eq!(ok.json()["version"], 2);
        assert_eq!(ok.json()["unit_value"]["currency"], "EUR");
        let stale = put("\"1\"", sku_json("C-1", "Lost update")).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", app.label);
        assert_eq!(stale.json()["error"]["code"], "version_mismatch");
        assert_eq!(
            app.get(&path, &owner.token).await.json()["title"],
            "Cable 2 m"
        );

        let audit = app
            .get(
                &format!("/api/v1/audit?entity_type=sku&entity_id={id}"),
                &owner.token,
            )
            .await
            .json();
        let update = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "sku.update")
            .expect("update audited");
        assert_eq!(update["before"]["title"], "Cable");
        assert_eq!(update["after"]["title"], "Cable 2 m");
        assert!(
            update["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["field"] == "title")
        );

        let deleted = app
            .api(Method::DELETE, &path, Some(&owner.token), None)
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(
            app.get(&path, &owner.token).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/api/v1/skus/not-a-number", &owner.token)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn validation_names_fields() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let mut bad = sku_json("B-1", "Bad");
        bad["hs_code"] = json!("12ab");
        bad["unit_value"] = json!({"amount": "1.00", "currency": "XYZ"});
        bad["gross_weight"] = json!({"value": "-1", "unit": "kg"});
        let r = app
            .api(Method::POST, "/api/v1/skus", Some(&owner.token), Some(bad))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.label);
        let body = r.json();
        assert_eq!(body["error"]["code"], "validation_failed");
        let fields: Vec<&str> = body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        for expected in ["hs_code", "unit_value", "gross_weight"] {
            assert!(fields.contains(&expected), "{expected} in {fields:?}");
        }
        let mut inverted = sku_json("B-2", "Heavier net");
        inverted["net_weight"] = json!({"value": "2", "unit": "kg"});
        let r = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&owner.token),
                Some(inverted),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["fields"][0]["field"], "gross_weight");

        let r = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&owner.token),
                Some(json!("not an object")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .get("/api/v1/skus?per_page=1000&origin=ZZZ", &owner.token)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.get("/api/v1/skus", &owner.token).await.json()["total"],
            0
        );
    }
}

#[tokio::test]
async fn list_filters_and_pages() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        for i in 0..7 {
            let mut body = sku_json(&format!("P-{i}"), &format!("Product {i}"));
            if i % 2 == 0 {
                body["battery"] = json!({"kind": "lithium", "chemistry": "li_ion", "packing": "contained_in", "watt_hours": "5"});
                body["hs_code"] = json!("8507.60");
                body["origin"] = json!("VN");
            }
            let r = app
                .api(Method::POST, "/api/v1/skus", Some(&owner.token), Some(body))
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let page = app
            .get(
                "/api/v1/skus?per_page=3&page=2&sort=code_desc",
                &owner.token,
            )
            .await
            .json();
        assert_eq!(page["total"], 7);
        assert_eq!(page["page"], 2);
        assert_eq!(page["per_page"], 3);
        assert_eq!(page["items"][0]["code"], "P-3");
        let battery = app
            .get("/api/v1/skus?has_battery=true", &owner.token)
            .await
            .json();
        assert_eq!(battery["total"], 4);
        let hs = app
            .get("/api/v1/skus?hs_prefix=8507&origin=VN", &owner.token)
            .await
            .json();
        assert_eq!(hs["total"], 4);
        let q = app
            .get("/api/v1/skus?q=product%205", &owner.token)
            .await
            .json();
        assert_eq!(q["total"], 1);
        let tag = app
            .get("/api/v1/skus?tag=CABLE&brand=acme", &owner.token)
            .await
            .json();
        assert_eq!(tag["total"], 7);
    }
}

#[tokio::test]
async fn hostile_text_round_trips_and_is_escaped() {
    const TITLE: &str = "<script>alert(\"x\")</script>' OR 1=1; -- 电池";
    const BRAND: &str = "=cmd|' /C calc'!A0";
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let mut body = sku_json("X-1", TITLE);
        body["brand"] = json!(BRAND);
        body["tags"] = json!(["<b>bold</b>"]);
        let r = app
            .api(Method::POST, "/api/v1/skus", Some(&owner.token), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let back = app
            .get(&format!("/api/v1/skus/{id}"), &owner.token)
            .await
            .json();
        assert_eq!(back["title"], TITLE);
        assert_eq!(back["brand"], BRAND);

        let session = app.login("o@acme.test").await;
        for path in [
            "/catalogue".to_string(),
            format!("/catalogue/{id}"),
            format!("/catalogue/{id}/edit"),
            "/audit".to_string(),
        ] {
            let html = app.page(&path, Some(&session)).await.text();
            assert!(!html.contains("<script>alert"), "{path} must escape");
            assert!(!html.contains("<b>bold"), "{path} must escape");
            let escaped =
                html.contains("&lt;script&gt;alert") || html.contains("&#60;script&#62;alert");
            assert!(escaped || path == "/audit", "{path} shows the text escaped");
        }
        // The export survives a round trip through import unchanged.
        let csv = app
            .get("/api/v1/skus/export?format=csv", &owner.token)
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        let again = app.import(&owner.token, "", &csv.body).await;
        assert_eq!(
            again.status,
            StatusCode::OK,
            "{}: {}",
            app.label,
            again.text()
        );
        assert_eq!(again.json()["unchanged"], 1, "{}", again.text());
        let after = app
            .get(&format!("/api/v1/skus/{id}"), &owner.token)
            .await
            .json();
        assert_eq!(after["title"], TITLE);
        assert_eq!(after["brand"], BRAND);
    }
}
