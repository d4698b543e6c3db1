//! One organisation never reads or changes another's data, whatever ids it guesses.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tradelane_store::Role;

use crate::helpers::{TestApp, sku_json};

#[tokio::test]
async fn org_a_never_touches_org_b() {
    for app in TestApp::all().await {
        let org_a = app.org("A").await;
        let org_b = app.org("B").await;
        let a = app.member(org_a, "owner@a.test", Role::Owner).await;
        let b = app.member(org_b, "owner@b.test", Role::Owner).await;

        let b_sku = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&b.token),
                Some(sku_json("SECRET-1", "B only")),
            )
            .await;
        assert_eq!(b_sku.status, StatusCode::CREATED, "{}", app.label);
        let b_id = b_sku.json()["id"].as_i64().unwrap();
        let b_token_id = app.get("/api/v1/tokens", &b.token).await.json()[0]["id"]
            .as_i64()
            .unwrap();
        // A has a SKU with the same code: codes are per organisation.
        let a_sku = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&a.token),
                Some(sku_json("SECRET-1", "A's own")),
            )
            .await;
        assert_eq!(
            a_sku.status,
            StatusCode::CREATED,
            "{}: {}",
            app.label,
            a_sku.text()
        );

        let sku_path = format!("/api/v1/skus/{b_id}");
        assert_eq!(
            app.get(&sku_path, &a.token).await.status,
            StatusCode::NOT_FOUND
        );
        let put = app
            .api(
                Method::PUT,
                &sku_path,
                Some(&a.token),
                Some(sku_json("SECRET-1", "hijacked")),
            )
            .await;
        assert_eq!(put.status, StatusCode::NOT_FOUND, "{}", app.label);
        let del = app
            .api(Method::DELETE, &sku_path, Some(&a.token), None)
            .await;
        assert_eq!(del.status, StatusCode::NOT_FOUND, "{}", app.label);

        let list = app.get("/api/v1/skus?q=SECRET", &a.token).await.json();
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["title"], "A's own");
        let export = app
            .get("/api/v1/skus/export?format=csv", &a.token)
            .await
            .text();
        assert!(!export.contains("B only"), "{}", app.label);

        // Tokens, users and audit entries of B are out of reach.
        let revoke = app
            .api(
                Method::DELETE,
                &format!("/api/v1/tokens/{b_token_id}"),
                Some(&a.token),
                None,
            )
            .await;
        assert_eq!(revoke.status, StatusCode::NOT_FOUND, "{}", app.label);
        assert_eq!(
            app.get("/api/v1/skus", &b.token).await.status,
            StatusCode::OK,
            "B's token still works"
        );
        let patch = app
            .api(
                Method::PATCH,
                &format!("/api/v1/users/{}", b.user.id),
                Some(&a.token),
                Some(json!({"disabled": true})),
            )
            .await;
        assert_eq!(patch.status, StatusCode::NOT_FOUND, "{}", app.label);
        let users = app.get("/api/v1/users", &a.token).await.text();
        assert!(!users.contains("owner@b.test"));
        let tokens = app.get("/api/v1/tokens", &a.token).await.json();
        assert!(
            tokens
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["id"] != b_token_id)
        );
        let audit = app
            .get(
                &format!("/api/v1/audit?entity_type=sku&entity_id={b_id}"),
                &a.token,
            )
            .await
            .json();
        assert_eq!(audit["total"], 0, "{}: {audit}", app.label);
        let all_audit = app.get("/api/v1/audit?per_page=200", &a.token).await.text();
        assert!(
            !all_audit.contains("B only") && !all_audit.contains("owner@b.test"),
            "{}",
            app.label
        );

        // Pages too.
        let session = app.login("owner@a.test").await;
        let page = app
            .page(&format!("/catalogue/{b_id}"), Some(&session))
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", app.label);
        assert!(!page.text().contains("B only"));
        let edit = app
            .form(
                &format!("/catalogue/{b_id}/edit"),
                &session,
                &[("sku_code", "SECRET-1"), ("title", "x")],
                true,
            )
            .await;
        assert_eq!(edit.status, StatusCode::NOT_FOUND, "{}", app.label);
        let delete = app
            .form(&format!("/catalogue/{b_id}/delete"), &session, &[], true)
            .await;
        assert_eq!(delete.status, StatusCode::NOT_FOUND, "{}", app.label);
        let revoke = app
            .form(&format!("/tokens/{b_token_id}/revoke"), &session, &[], true)
            .await;
        assert_ne!(revoke.status, StatusCode::SEE_OTHER, "{}", app.label);

        // B's data is intact.
        let still = app.get(&sku_path, &b.token).await.json();
        assert_eq!(still["title"], "B only");
        assert_eq!(still["version"], 1);
    }
}
