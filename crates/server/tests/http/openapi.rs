//! The OpenAPI document is generated from the code and describes every route.

use axum::http::{Method, StatusCode};

use crate::helpers::TestApp;

#[tokio::test]
async fn openapi_document_lists_the_api() {
    let apps = TestApp::all().await;
    let app = &apps[0];
    let r = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/skus",
        "/api/v1/skus/{id}",
        "/api/v1/skus/import",
        "/api/v1/skus/export",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/audit",
        "/api/v1/me",
        "/api/v1/healthz",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    assert!(paths["/api/v1/skus/{id}"]["put"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["schemas"]["SkuRecord"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Every documented operation is actually routed (no 404 from the fallback).
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace("{id}", "999999");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.api(m, &concrete, None, None).await;
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            if path != "/api/v1/healthz" {
                assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            }
        }
    }
    // Snapshot of the foundation API (catalogue, import/export, accounts, audit, health):
    // modules add their own paths without touching this one.
    let mine: serde_json::Map<String, serde_json::Value> = paths
        .iter()
        .filter(|(path, _)| {
            [
                "/api/v1/skus",
                "/api/v1/users",
                "/api/v1/tokens",
                "/api/v1/audit",
                "/api/v1/me",
                "/api/v1/healthz",
            ]
            .iter()
            .any(|p| path.starts_with(p))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let referenced: Vec<String> = {
        let text = serde_json::to_string(&mine).unwrap();
        let mut names: Vec<String> = text
            .split("#/components/schemas/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next().map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let schemas: serde_json::Map<String, serde_json::Value> = referenced
        .iter()
        .filter_map(|name| {
            Some((
                name.clone(),
                doc["components"]["schemas"].get(name)?.clone(),
            ))
        })
        .collect();
    let foundation = serde_json::json!({
        "openapi": doc["openapi"],
        "paths": mine,
        "schemas": schemas,
    });
    insta::assert_json_snapshot!("openapi", foundation);
}
