//! Shipments and tracking events over HTTP: webhook signatures, idempotent replays,
//! out-of-order events, forwarder spreadsheets with Chinese headers, tenant isolation, pages.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tradelane_server::api::webhooks::sign;
use tradelane_store::Role;

use crate::helpers::TestApp;

async fn shipment(app: &TestApp, token: &str, reference: &str, number: &str) -> i64 {
    let r = app
        .api(
            Method::POST,
            "/api/v1/shipments",
            Some(token),
            Some(json!({
                "reference": reference,
                "carrier": "ups",
                "origin": "CN",
                "destination": "DE",
                "tracking_numbers": [number],
                "order_refs": ["A-1001"],
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
    r.json()["id"].as_i64().expect("id")
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> crate::helpers::Resp {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    app.send(b.body(Body::from(body.to_string())).expect("request"))
        .await
}

fn events_body() -> String {
    json!([
        {"tracking_number": "1Z999AA10123456784", "code": "KB", "text": "DELIVERED",
         "time": "2025-12-03T14:00:00+01:00", "location": {"city": "Berlin", "country_code": "DE"}},
        {"tracking_number": "1Z999AA10123456784", "code": "AR", "text": "Arrived at Facility",
         "time": "2025-12-01 08:00", "time_zone": "Europe/Berlin"}
    ])
    .to_string()
}

#[tokio::test]
async fn webhook_needs_the_right_signature_and_replays_change_nothing() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let id = shipment(&app, &owner.token, "PO-1", "1Z 999 AA1 0123456784").await;
        let src = app
            .api(
                Method::POST,
                "/api/v1/tracking/webhook-sources",
                Some(&owner.token),
                Some(json!({"name": "ups-push", "carrier": "ups"})),
            )
            .await;
        assert_eq!(src.status, StatusCode::CREATED, "{}", src.text());
        let src = src.json();
        let secret = src["secret"].as_str().expect("secret").to_string();
        let url = src["url"].as_str().expect("url").to_string();
        let body = events_body();

        let missing = post_raw(&app, &url, &[], &body).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{}", app.label);
        let wrong = post_raw(
            &app,
            &url,
            &[(
                "x-tradelane-signature",
                sign("not-the-secret-at-all", body.as_bytes()),
            )],
            &body,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        // Signed for another body: still refused.
        let tampered = post_raw(
            &app,
            &url,
            &[("x-tradelane-signature", sign(&secret, b"[]"))],
            &body,
        )
        .await;
        assert_eq!(tampered.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.store.count_raw_events(org).await.unwrap(), 0);
        let detail = app
            .get(&format!("/api/v1/shipments/{id}"), &owner.token)
            .await;
        assert_eq!(detail.json()["timeline"].as_array().unwrap().len(), 0);

        let signed = [("x-tradelane-signature", sign(&secret, body.as_bytes()))];
        let ok = post_raw(&app, &url, &signed, &body).await;
        assert_eq!(ok.status, StatusCode::OK, "{}: {}", app.label, ok.text());
        let ok = ok.json();
        assert_eq!(ok["inserted"], 2, "{ok}");
        assert_eq!(ok["errors"].as_array().unwrap().len(), 0, "{ok}");
        let replay = post_raw(&app, &url, &signed, &body).await.json();
        assert_eq!(
            (replay["inserted"].clone(), replay["duplicates"].clone()),
            (json!(0), json!(2))
        );

        let detail = app
            .get(&format!("/api/v1/shipments/{id}"), &owner.token)
            .await
            .json();
        let timeline = detail["timeline"].as_array().unwrap();
        assert_eq!(timeline.len(), 2);
        assert_eq!(detail["shipment"]["status"], "delivered");
        // Kept as local time with offset and as UTC.
        let last = &timeline[1];
        assert_eq!(last["local_time"], "2025-12-03T14:00:00");
        assert_eq!(last["utc_offset"], "+01:00");
        assert_eq!(last["utc"], "2025-12-03T13:00:00Z");
        assert_eq!(app.store.count_raw_events(org).await.unwrap(), 2);

        // An unknown source id answers like a bad signature.
        let unknown = post_raw(&app, "/api/v1/webhooks/999999", &signed, &body).await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn out_of_order_events_never_move_the_status_back() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let op = app.member(org, "op@acme.example", Role::Operator).await;
        let id = shipment(&app, &op.token, "PO-9", "1Z999AA10123456784").await;
        let path = format!("/api/v1/shipments/{id}/events");
        let delivered =
            json!([{"code": "KB", "text": "DELIVERED", "time": "2025-12-03T14:00:00Z"}]);
        let r = app
            .api(Method::POST, &path, Some(&op.token), Some(delivered))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        assert_eq!(r.json()["shipments"][0]["status"], "delivered");
        let late = json!([
            {"code": "AR", "text": "Arrived at Facility", "time": "2025-12-01T08:00:00Z"},
            {"code": "OR", "text": "Origin Scan", "time": "2025-11-29T08:00:00Z"},
            {"code": "XX", "text": "bad", "time": "31/31/2025 99:99"},
            {"tracking_number": "OTHER-NUMBER", "code": "AR", "time": "2025-12-01T08:00:00Z"}
        ]);
        let r = app
            .api(Method::POST, &path, Some(&op.token), Some(late))
            .await
            .json();
        assert_eq!(r["inserted"], 2, "{r}");
        let bad: Vec<i64> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["index"].as_i64().unwrap())
            .collect();
        assert_eq!(bad, vec![2, 3], "{r}");
        let detail = app
            .get(&format!("/api/v1/shipments/{id}"), &op.token)
            .await
            .json();
        assert_eq!(detail["shipment"]["status"], "delivered", "{}", app.label);
        assert_eq!(detail["timeline"].as_array().unwrap().len(), 3);
        // Viewers read, never write.
        let viewer = app.member(org, "v@acme.example", Role::Viewer).await;
        let r = app
            .api(Method::POST, &path, Some(&viewer.token), Some(json!([])))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let list = app
            .get(
                "/api/v1/shipments?status=delivered&destination=de",
                &viewer.token,
            )
            .await
            .json();
        assert_eq!(list["total"], 1);
        let bad_filter = app
            .get("/api/v1/shipments?status=teleported", &viewer.token)
            .await;
        assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn forwarder_spreadsheet_with_chinese_headers_imports_and_reports_bad_rows() {
    let csv = "运单号,轨迹时间,轨迹描述,地点\n\
               YT2412345678901,2025-12-01 10:00:00,快件已揽收,深圳\n\
               YT2412345678901,2025-13-45 99:00:00,快件已发出,深圳\n\
               YT2412345678901,2025-12-09 15:30:00,已签收,Berlin\n\
               YT2412345678999,2025-12-02 11:00:00,快件已揽收,义乌\n";
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let op = app.member(org, "op@acme.example", Role::Operator).await;
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/shipments/events/import?carrier=yunexpress&time_zone=Asia/Shanghai")
            .header(header::AUTHORIZATION, format!("Bearer {}", op.token))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(csv.as_bytes().to_vec()))
            .expect("request");
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        let r = r.json();
        assert_eq!(r["received"], 4, "{r}");
        assert_eq!(r["inserted"], 3, "{r}");
        let errors = r["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{r}");
        assert_eq!(errors[0]["line"], 3, "{r}");
        assert_eq!(errors[0]["tracking_number"], "YT2412345678901");
        assert_eq!(r["created_shipments"].as_array().unwrap().len(), 2);
        // The bad row is kept raw; nothing is lost.
        assert_eq!(app.store.count_raw_events(org).await.unwrap(), 4);
        let list = app
            .get("/api/v1/shipments?q=YT2412345678901", &op.token)
            .await
            .json();
        assert_eq!(list["total"], 1, "{list}");
        let id = list["items"][0]["id"].as_i64().unwrap();
        let detail = app
            .get(&format!("/api/v1/shipments/{id}"), &op.token)
            .await
            .json();
        let first = &detail["timeline"][0];
        assert_eq!(first["local_time"], "2025-12-01T10:00:00");
        assert_eq!(first["utc_offset"], "+08:00");
        assert_eq!(first["utc"], "2025-12-01T02:00:00Z");
        let unreadable = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/shipments/events/import")
            .header(header::AUTHORIZATION, format!("Bearer {}", op.token))
            .body(Body::from("foo,bar\n1,2\n"))
            .expect("request");
        assert_eq!(
            app.send(unreadable).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}

#[tokio::test]
async fn another_organisation_cannot_see_or_feed_a_shipment() {
    for app in TestApp::all().await {
        let a = app.org("Acme").await;
        let b = app.org("Rival").await;
        let alice = app.member(a, "alice@acme.example", Role::Owner).await;
        let bob = app.member(b, "bob@rival.example", Role::Owner).await;
        let id = shipment(&app, &alice.token, "PO-1", "1Z999AA10123456784").await;
        let r = app
            .get(&format!("/api/v1/shipments/{id}"), &bob.token)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", app.label);
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/shipments/{id}/events"),
                Some(&bob.token),
                Some(json!([{"code": "KB", "time": "2025-12-03T14:00:00Z"}])),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let list: Value = app.get("/api/v1/shipments", &bob.token).await.json();
        assert_eq!(list["total"], 0);
        let anon = app.api(Method::GET, "/api/v1/shipments", None, None).await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
        // Bob's webhook cannot feed Alice's shipment: the number is unknown in Bob's org.
        let src = app
            .api(
                Method::POST,
                "/api/v1/tracking/webhook-sources",
                Some(&bob.token),
                Some(json!({"name": "push", "carrier": "ups"})),
            )
            .await
            .json();
        let body = events_body();
        let sig = sign(src["secret"].as_str().unwrap(), body.as_bytes());
        let r = post_raw(
            &app,
            src["url"].as_str().unwrap(),
            &[("x-tradelane-signature", sig)],
            &body,
        )
        .await
        .json();
        assert_eq!(r["inserted"], 0, "{r}");
        assert_eq!(r["errors"].as_array().unwrap().len(), 2);
        let detail = app
            .get(&format!("/api/v1/shipments/{id}"), &alice.token)
            .await
            .json();
        assert_eq!(detail["timeline"].as_array().unwrap().len(), 0);
    }
}

#[tokio::test]
async fn shipment_pages_render_in_both_languages() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let id = shipment(&app, &owner.token, "PO-77", "1Z999AA10123456784").await;
        let path = format!("/api/v1/shipments/{id}/events");
        let events = json!([
            {"code": "KB", "text": "DELIVERED", "time": "2025-12-03T14:00:00+01:00"},
            {"code": "QQ9", "text": "Zorblax frobnicated", "time": "2025-12-02T09:00:00+01:00"}
        ]);
        app.api(Method::POST, &path, Some(&owner.token), Some(events))
            .await;
        let session = app.login("owner@acme.example").await;
        let list = app
            .page("/shipments?status=delivered", Some(&session))
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", app.label);
        assert!(list.text().contains("PO-77"), "{}", list.text());
        let detail = app
            .page(&format!("/shipments/{id}?tz=Asia/Shanghai"), Some(&session))
            .await;
        assert_eq!(detail.status, StatusCode::OK);
        let html = detail.text();
        assert!(html.contains("2025-12-03 14:00 +01:00"), "{html}");
        assert!(html.contains("2025-12-03 21:00 +08:00"), "{html}");
        let unmapped = app.page("/shipments/unmapped", Some(&session)).await.text();
        assert!(unmapped.contains("QQ9"), "{unmapped}");
        let other = app.org("Rival").await;
        app.member_with_locale(
            other,
            "zh@rival.example",
            Role::Owner,
            tradelane_domain::UiLang::ZhCn,
        )
        .await;
        let zh = app.login("zh@rival.example").await;
        let page = app.page(&format!("/shipments/{id}"), Some(&zh)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let list = app.page("/shipments", Some(&zh)).await.text();
        assert!(list.contains("货件"), "{list}");
    }
}

#[tokio::test]
async fn tracking_api_is_documented() {
    let apps = TestApp::all().await;
    let app = &apps[0];
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths: serde_json::Map<String, Value> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| {
            ["/api/v1/shipments", "/api/v1/tracking", "/api/v1/webhooks"]
                .iter()
                .any(|prefix| p.starts_with(prefix))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(paths.len(), 18, "{:?}", paths.keys().collect::<Vec<_>>());
    // The webhook is authenticated by its signature, not by a token or session.
    assert_eq!(
        paths["/api/v1/webhooks/{source_id}"]["post"]["security"],
        json!([{}])
    );
    insta::assert_json_snapshot!("tracking_openapi", paths);
}
