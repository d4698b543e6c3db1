//! The control tower over HTTP: carrier API connectors polled against a local mock server that
//! answers in the DHL Unified and UPS Track formats (with 429 / 503 on the way), mapping
//! overrides that re-classify past events, master shipments, lanes, event upload from the page.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tradelane_store::Role;

use crate::helpers::TestApp;

const DHL_BODY: &str = include_str!("../../../tracking/tests/fixtures/dhl_unified_express.json");
const UPS_BODY: &str = include_str!("../../../tracking/tests/fixtures/ups_track_v1.json");
const DHL_KEY: &str = "dhl-test-key-0123456789";

#[derive(Clone, Default)]
struct Mock {
    log: Arc<Mutex<Vec<String>>>,
    dhl_calls: Arc<Mutex<u32>>,
}

async fn dhl(
    State(m): State<Mock>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let key = headers
        .get("DHL-API-Key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    m.log.lock().unwrap().push(format!(
        "dhl {} key={}",
        q.get("trackingNumber").cloned().unwrap_or_default(),
        key == DHL_KEY
    ));
    if key != DHL_KEY {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"status":401,"title":"Unauthorized","detail":"Invalid API key"}"#,
        )
            .into_response();
    }
    let n = {
        let mut c = m.dhl_calls.lock().unwrap();
        *c += 1;
        *c
    };
    match n {
        // Rate limited first, then a server error, then the answer.
        1 => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            r#"{"status":429,"title":"Too many requests"}"#,
        )
            .into_response(),
        2 => (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"status":503,"title":"Service Unavailable","detail":"try later"}"#,
        )
            .into_response(),
        _ => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            DHL_BODY,
        )
            .into_response(),
    }
}

async fn ups_token(State(m): State<Mock>, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    m.log
        .lock()
        .unwrap()
        .push(format!("ups-token {auth} {body}"));
    // Basic base64("ups-client:ups-secret")
    if auth != "Basic dXBzLWNsaWVudDp1cHMtc2VjcmV0" || body != "grant_type=client_credentials" {
        return (StatusCode::UNAUTHORIZED, "{}").into_response();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"token_type":"Bearer","issued_at":"1764000000000","client_id":"ups-client","access_token":"ups-access-token","expires_in":"14399","status":"approved"}"#,
    )
        .into_response()
}

async fn ups_track(State(m): State<Mock>, headers: HeaderMap, Path(n): Path<String>) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    m.log.lock().unwrap().push(format!("ups-track {n} {auth}"));
    if auth != "Bearer ups-access-token" {
        return (StatusCode::UNAUTHORIZED, "{}").into_response();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        UPS_BODY,
    )
        .into_response()
}

async fn start_mock() -> (String, Mock) {
    let mock = Mock::default();
    let app = Router::new()
        .route("/track/shipments", get(dhl))
        .route("/security/v1/oauth/token", post(ups_token))
        .route("/api/track/v1/details/{n}", get(ups_track))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), mock)
}

async fn shipment(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app
        .api(Method::POST, "/api/v1/shipments", Some(token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
    r.json()["id"].as_i64().expect("id")
}

#[tokio::test]
async fn connectors_poll_documented_apis_with_retries_and_never_echo_keys() {
    for app in TestApp::all().await {
        let (base, mock) = start_mock().await;
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.example", Role::Viewer).await;
        let dhl_id = shipment(
            &app,
            &owner.token,
            json!({"reference": "PO-DHL", "carrier": "dhl_express", "origin": "CN",
                   "destination": "US", "tracking_numbers": ["7777777770"]}),
        )
        .await;
        let ups_id = shipment(
            &app,
            &owner.token,
            json!({"reference": "PO-UPS", "carrier": "ups", "origin": "CN",
                   "destination": "US", "tracking_numbers": ["1Z023E2X0214323462"]}),
        )
        .await;
        // A viewer cannot configure connectors.
        let denied = app
            .api(
                Method::POST,
                "/api/v1/tracking/connectors",
                Some(&viewer.token),
                Some(json!({"name": "dhl", "kind": "dhl_unified", "api_key": DHL_KEY})),
            )
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let created = app
            .api(
                Method::POST,
                "/api/v1/tracking/connectors",
                Some(&owner.token),
                Some(
                    json!({"name": "dhl", "kind": "dhl_unified", "base_url": base,
                            "api_key": DHL_KEY, "poll_minutes": 30}),
                ),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert!(!created.text().contains(DHL_KEY));
        let dhl_conn = created.json()["id"].as_i64().unwrap();
        let ups = app
            .api(
                Method::POST,
                "/api/v1/tracking/connectors",
                Some(&owner.token),
                Some(json!({"name": "ups", "kind": "ups_track", "base_url": base,
                            "client_id": "ups-client", "client_secret": "ups-secret"})),
            )
            .await;
        assert_eq!(ups.status, StatusCode::CREATED, "{}", ups.text());
        let ups_conn = ups.json()["id"].as_i64().unwrap();
        let listed = app.get("/api/v1/tracking/connectors", &viewer.token).await;
        assert_eq!(listed.status, StatusCode::OK);
        assert!(!listed.text().contains(DHL_KEY), "{}", listed.text());
        assert!(!listed.text().contains("ups-secret"));

        // DHL: 429, then 503, then the documented response; events stored, status derived.
        let poll = app
            .api(
                Method::POST,
                &format!("/api/v1/tracking/connectors/{dhl_conn}/poll"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(poll.status, StatusCode::OK, "{}", poll.text());
        let out = poll.json();
        assert_eq!(out["numbers"], 1, "{out}");
        assert_eq!(out["requests"], 3, "{out}");
        assert_eq!(out["retries"], 2, "{out}");
        assert_eq!(out["inserted"], 6, "{out}");
        assert_eq!(out["errors"], json!([]), "{out}");
        let s = app
            .get(&format!("/api/v1/shipments/{dhl_id}"), &owner.token)
            .await
            .json();
        assert_eq!(s["shipment"]["status"], "delivered", "{s}");
        // A delivered shipment is no longer polled on its own; asked explicitly, the same
        // answer stores nothing new.
        let idle = app
            .api(
                Method::POST,
                &format!("/api/v1/tracking/connectors/{dhl_conn}/poll"),
                Some(&owner.token),
                None,
            )
            .await
            .json();
        assert_eq!(idle["numbers"], 0, "{idle}");
        let again = app
            .api(
                Method::POST,
                &format!("/api/v1/tracking/connectors/{dhl_conn}/poll"),
                Some(&owner.token),
                Some(json!({"tracking_numbers": ["7777777770"]})),
            )
            .await
            .json();
        assert_eq!(again["inserted"], 0, "{again}");
        assert_eq!(again["duplicates"], 6, "{again}");

        // UPS: OAuth token first, then the track call with the bearer token.
        let poll = app
            .api(
                Method::POST,
                &format!("/api/v1/tracking/connectors/{ups_conn}/poll"),
                Some(&owner.token),
                Some(json!({"tracking_numbers": ["1Z023E2X0214323462"]})),
            )
            .await;
        let out = poll.json();
        assert_eq!(poll.status, StatusCode::OK, "{out}");
        assert_eq!(out["inserted"], 7, "{out}");
        let s = app
            .get(&format!("/api/v1/shipments/{ups_id}"), &owner.token)
            .await
            .json();
        assert_ne!(s["shipment"]["status"], "pending", "{s}");
        let log = mock.log.lock().unwrap().clone();
        assert!(
            log.iter().any(|l| l.starts_with("ups-token Basic")),
            "{log:?}"
        );
        assert!(
            log.iter()
                .any(|l| l == "ups-track 1Z023E2X0214323462 Bearer ups-access-token"),
            "{log:?}"
        );
        assert!(
            log.iter()
                .all(|l| !l.starts_with("dhl") || l.ends_with("key=true"))
        );

        // A wrong key: the poll reports the carrier's refusal and it is recorded.
        let wrong = app
            .api(
                Method::POST,
                "/api/v1/tracking/connectors",
                Some(&owner.token),
                Some(
                    json!({"name": "dhl-old", "kind": "dhl_unified", "base_url": base,
                            "api_key": "revoked-key-000000000"}),
                ),
            )
            .await
            .json();
        let wrong_id = wrong["id"].as_i64().unwrap();
        let failed = app
            .api(
                Method::POST,
                &format!("/api/v1/tracking/connectors/{wrong_id}/poll"),
                Some(&owner.token),
                Some(json!({"tracking_numbers": ["7777777770"]})),
            )
            .await
            .json();
        assert!(
            failed["errors"][0]
                .as_str()
                .unwrap_or_default()
                .contains("credentials"),
            "{failed}"
        );
        let listed = app
            .get("/api/v1/tracking/connectors", &owner.token)
            .await
            .json();
        let row = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == wrong_id)
            .unwrap()
            .clone();
        assert!(row["last_error"].as_str().is_some(), "{row}");

        // Another organisation cannot poll (or see) these connectors.
        let other = app.org("Other").await;
        let stranger = app.member(other, "owner@other.example", Role::Owner).await;
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/tracking/connectors/{dhl_conn}/poll"),
                Some(&stranger.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.get("/api/v1/tracking/connectors", &stranger.token)
                .await
                .json(),
            json!([])
        );
    }
}

#[tokio::test]
async fn mapping_an_unmapped_code_over_the_api_reclassifies_and_rederives() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.example", Role::Viewer).await;
        let id = shipment(
            &app,
            &owner.token,
            json!({"reference": "PO-1", "carrier": "ups", "tracking_numbers": ["1ZMAP1"]}),
        )
        .await;
        let events = json!([
            {"tracking_number": "1ZMAP1", "code": "AR", "text": "Arrival Scan",
             "time": "2025-12-01T08:00:00Z"},
            {"tracking_number": "1ZMAP1", "code": "X7Q", "text": "Paperwork check",
             "time": "2025-12-02T08:00:00Z"}
        ]);
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/shipments/{id}/events"),
                Some(&owner.token),
                Some(events),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let unmapped = app
            .get("/api/v1/tracking/unmapped", &owner.token)
            .await
            .json();
        assert_eq!(unmapped[0]["code"], "X7Q", "{unmapped}");
        let body = json!({"carrier": "ups", "match": "code", "pattern": "X7Q",
                          "status": "customs_hold", "reason": "customs_documentation"});
        let denied = app
            .api(
                Method::POST,
                "/api/v1/tracking/mappings",
                Some(&viewer.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let bad = app
            .api(
                Method::POST,
                "/api/v1/tracking/mappings",
                Some(&owner.token),
                Some(json!({"carrier": "ups", "match": "code", "pattern": "X7Q",
                            "status": "stuck"})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("status"));
        let made = app
            .api(
                Method::POST,
                "/api/v1/tracking/mappings",
                Some(&owner.token),
                Some(body),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let made = made.json();
        assert_eq!(made["reclassified"]["reclassified"], 1, "{made}");
        assert_eq!(made["mapping"]["reason"], "customs_documents_required");
        let s = app
            .get(&format!("/api/v1/shipments/{id}"), &owner.token)
            .await
            .json();
        assert_eq!(s["shipment"]["status"], "customs_hold", "{s}");
        assert_eq!(
            app.get("/api/v1/tracking/unmapped", &owner.token)
                .await
                .json(),
            json!([])
        );
        let mapping_id = made["mapping"]["id"].as_i64().unwrap();
        let other = app.org("Other").await;
        let stranger = app.member(other, "owner@other.example", Role::Owner).await;
        let r = app
            .api(
                Method::DELETE,
                &format!("/api/v1/tracking/mappings/{mapping_id}"),
                Some(&stranger.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.get("/api/v1/tracking/mappings", &owner.token)
                .await
                .json()
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }
}

#[tokio::test]
async fn masters_lanes_and_the_leg_filter_over_the_api() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let mut ids = Vec::new();
        for (i, days) in [4, 5, 6, 9].iter().enumerate() {
            let number = format!("1ZLANE{i}");
            let id = shipment(
                &app,
                &owner.token,
                json!({"reference": format!("L-{i}"), "origin": "CN", "destination": "US",
                       "carrier": "ups",
                       "legs": [
                         {"kind": "main_carriage", "carrier": "cosco", "mode": "sea",
                          "reference": format!("HBL{i}"),
                          "refs": {"vessel_name": "COSCO ARIES", "voyage_number": "012E",
                                   "container_numbers": ["CSQU3054383"]}},
                         {"kind": "last_mile", "carrier": "ups", "reference": number,
                          "service": "ground"}],
                       "lines": [{"order_reference": "A-1", "sku": "SKU-1", "quantity": 2}]}),
            )
            .await;
            let events = json!([
                {"tracking_number": number, "code": "OR", "text": "Origin Scan",
                 "time": "2025-11-01T08:00:00Z"},
                {"tracking_number": number, "code": "KB", "text": "DELIVERED",
                 "time": format!("2025-11-{:02}T08:00:00Z", 1 + days)}
            ]);
            let r = app
                .api(
                    Method::POST,
                    &format!("/api/v1/shipments/{id}/events"),
                    Some(&owner.token),
                    Some(events),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            ids.push(id);
        }
        let s = app
            .get(&format!("/api/v1/shipments/{}", ids[0]), &owner.token)
            .await
            .json();
        let legs = &s["shipment"]["legs"];
        assert_eq!(legs[0]["refs"]["vessel_name"], "COSCO ARIES", "{s}");
        assert_eq!(legs[1]["service"], "ground");
        assert_eq!(s["shipment"]["lines"][0]["quantity"], 2);
        let lanes = app.get("/api/v1/tracking/lanes", &owner.token).await.json();
        let door = lanes
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["leg"].is_null() && l["carrier"] == "ups" && l["service"] == "ground")
            .cloned()
            .unwrap_or_else(|| panic!("{lanes}"));
        assert_eq!(door["samples"], 4);
        // Nearest rank over 4, 5, 6, 9 days: p50 = 5 days, p90 = 9 days.
        assert_eq!(door["p50_hours"], 120.0);
        assert_eq!(door["p90_hours"], 216.0);
        let m = app
            .api(
                Method::POST,
                "/api/v1/tracking/masters",
                Some(&owner.token),
                Some(
                    json!({"reference": "CSQU3054383", "forwarder": "acme", "mode": "sea",
                            "shipments": [ids[0], ids[1]]}),
                ),
            )
            .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
        assert_eq!(m.json()["shipments"].as_array().map(Vec::len), Some(2));
        let list = app
            .get("/api/v1/shipments?leg=last_mile", &owner.token)
            .await
            .json();
        assert_eq!(list["total"], 4, "{list}");
        let none = app
            .get("/api/v1/shipments?leg=import_clearance", &owner.token)
            .await
            .json();
        assert_eq!(none["total"], 0);
        let bad = app.get("/api/v1/shipments?leg=ocean", &owner.token).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = app.page("/shipments/lanes", None).await;
        assert_ne!(page.status, StatusCode::OK, "lanes page needs a session");
    }
}

fn multipart(
    csrf_query: &str,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> (String, Vec<u8>, String) {
    let boundary = "----tradelane-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
             Content-Type: text/csv\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        format!("/shipments/events/upload?_csrf={csrf_query}"),
        body,
        format!("multipart/form-data; boundary={boundary}"),
    )
}

#[tokio::test]
async fn forwarder_spreadsheet_upload_from_the_page_reports_bad_rows_and_replays_cleanly() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        app.member(org, "owner@acme.example", Role::Owner).await;
        app.member(org, "viewer@acme.example", Role::Viewer).await;
        let session = app.login("owner@acme.example").await;
        let csv = "运单号,轨迹时间,轨迹描述,地点\n\
                   YT2512010001,2025-12-01 10:00:00,快件已揽收,深圳\n\
                   YT2512010001,2025-12-02 25:99:00,已到达深圳分拨中心,深圳\n\
                   YT2512010001,2025-12-05 09:00:00,已签收,Los Angeles\n";
        let send = |session: &crate::helpers::Session| {
            let (uri, body, ctype) = multipart(
                &crate::helpers::enc(&session.csrf),
                &[("carrier", "yunexpress"), ("time_zone", "Asia/Shanghai")],
                ("events.csv", csv.as_bytes()),
            );
            Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::COOKIE, format!("tl_session={}", session.cookie))
                .header(header::CONTENT_TYPE, ctype)
                .body(Body::from(body))
                .expect("request")
        };
        let r = app.send(send(&session)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let text = r.text();
        assert!(text.contains("data-testid=\"upload-error\""), "{text}");
        // The malformed row is line 3 of the file (header = line 1).
        assert!(text.contains("<td class=\"num\">3</td>"), "{text}");
        let list = app
            .page("/shipments?q=YT2512010001", Some(&session))
            .await
            .text();
        assert!(list.contains("YT2512010001"), "{list}");
        // Replaying the same file stores nothing twice.
        let again = app.send(send(&session)).await.text();
        assert!(
            again.contains("0 new") || again.contains("新增 0"),
            "{again}"
        );
        // A viewer cannot upload.
        let viewer = app.login("viewer@acme.example").await;
        let r = app.send(send(&viewer)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // The lanes page renders for the viewer.
        let lanes = app.page("/shipments/lanes", Some(&viewer)).await;
        assert_eq!(lanes.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_poll_job_polls_open_shipments_of_each_enabled_connector_at_its_own_interval() {
    use std::sync::Arc as StdArc;
    use tradelane_server::jobs;
    use tradelane_server::notify::Services;
    for app in TestApp::all().await {
        let (base, mock) = start_mock().await;
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let dhl_id = shipment(
            &app,
            &owner.token,
            json!({"reference": "PO-DHL", "carrier": "dhl_express",
                   "tracking_numbers": ["7777777770"]}),
        )
        .await;
        let ups_id = shipment(
            &app,
            &owner.token,
            json!({"reference": "PO-UPS", "carrier": "ups",
                   "tracking_numbers": ["1Z023E2X0214323462"]}),
        )
        .await;
        // A FedEx shipment with no FedEx connector is left alone.
        shipment(
            &app,
            &owner.token,
            json!({"reference": "PO-FDX", "carrier": "fedex",
                   "tracking_numbers": ["123456789012"]}),
        )
        .await;
        let dhl = new_connector(
            &app,
            &owner.token,
            json!({"name": "dhl", "kind": "dhl_unified",
            "base_url": base, "api_key": DHL_KEY, "poll_minutes": 30}),
        )
        .await;
        let ups = new_connector(
            &app,
            &owner.token,
            json!({"name": "ups", "kind": "ups_track", "base_url": base,
                                   "client_id": "ups-client", "client_secret": "ups-secret",
                                   "poll_minutes": 120}),
        )
        .await;
        // A disabled connector is never polled.
        let off = new_connector(
            &app,
            &owner.token,
            json!({"name": "dhl-off", "kind": "dhl_unified",
                                   "base_url": base, "api_key": "disabled-key-00000000"}),
        )
        .await;
        let r = app
            .api(
                Method::PATCH,
                &format!("/api/v1/tracking/connectors/{off}"),
                Some(&owner.token),
                Some(json!({"enabled": false})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        let dir = tempfile::tempdir().expect("dir");
        let services = StdArc::new(Services::for_tests(dir.path()));
        let registry = jobs::registry();
        assert!(registry.tasks().iter().any(|t| t.name == "tracking.poll"));
        let t0: jiff::Timestamp = "2026-03-02T08:00:00Z".parse().unwrap();
        let at = |mins: i64| {
            t0.checked_add(jiff::SignedDuration::from_mins(mins))
                .unwrap()
        };
        let run = registry
            .run_named("tracking.poll", &app.store, services.clone(), t0)
            .await
            .expect("task");
        assert!(run.ok, "{}", run.message);
        assert!(
            run.message
                .starts_with("2 connectors polled, 2 tracking numbers"),
            "{}",
            run.message
        );
        assert_eq!(status_of(&app, &owner.token, dhl_id).await, "delivered");
        assert_ne!(status_of(&app, &owner.token, ups_id).await, "pending");
        let log = mock.log.lock().unwrap().clone();
        assert!(
            log.iter().all(|l| !l.contains("key=false")),
            "the disabled connector was polled: {log:?}"
        );
        assert!(log.iter().all(|l| !l.contains("123456789012")), "{log:?}");
        let calls = log.len();
        let polled_at = |rows: &Value, id: i64| {
            rows.as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .map(|c| c["last_polled_at"].clone())
                .unwrap()
        };
        let rows = app
            .get("/api/v1/tracking/connectors", &owner.token)
            .await
            .json();
        assert_eq!(polled_at(&rows, dhl), json!(t0.to_string()), "{rows}");
        assert_eq!(polled_at(&rows, ups), json!(t0.to_string()));
        assert!(polled_at(&rows, off).is_null());

        // Ten minutes later nothing is due.
        let run = registry
            .run_named("tracking.poll", &app.store, services.clone(), at(10))
            .await
            .expect("task");
        assert!(
            run.message.starts_with("0 connectors polled"),
            "{}",
            run.message
        );
        // After 30 minutes DHL is due again (its shipment is delivered, so no request goes
        // out); UPS, every 120 minutes, is not.
        let run = registry
            .run_named("tracking.poll", &app.store, services.clone(), at(30))
            .await
            .expect("task");
        assert!(
            run.message.starts_with("1 connectors polled"),
            "{}",
            run.message
        );
        let rows = app
            .get("/api/v1/tracking/connectors", &owner.token)
            .await
            .json();
        assert_eq!(polled_at(&rows, dhl), json!(at(30).to_string()));
        assert_eq!(polled_at(&rows, ups), json!(t0.to_string()));
        let after = mock.log.lock().unwrap().clone();
        assert!(
            after[calls..].iter().all(|l| !l.starts_with("dhl")),
            "a delivered shipment was polled again: {after:?}"
        );
        // The runner's own schedule: the task is due every minute, and a second runner at the
        // same instant does nothing.
        let runs = registry
            .run_due(&app.store, services.clone(), at(121))
            .await;
        let poll = runs
            .iter()
            .find(|r| r.name == "tracking.poll")
            .expect("due");
        assert!(poll.ok, "{}", poll.message);
        let rows = app
            .get("/api/v1/tracking/connectors", &owner.token)
            .await
            .json();
        assert_eq!(polled_at(&rows, ups), json!(at(121).to_string()), "{rows}");
        let again = registry
            .run_due(&app.store, services.clone(), at(121))
            .await;
        assert!(again.iter().all(|r| r.name != "tracking.poll"));
    }
}

async fn new_connector(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app
        .api(
            Method::POST,
            "/api/v1/tracking/connectors",
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().expect("id")
}

async fn status_of(app: &TestApp, token: &str, id: i64) -> String {
    app.get(&format!("/api/v1/shipments/{id}"), token)
        .await
        .json()["shipment"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn connector_settings_page_keeps_keys_write_only_with_roles_and_csrf() {
    use tradelane_domain::UiLang;
    for app in TestApp::all().await {
        let (base, _mock) = start_mock().await;
        let org = app.org("Acme").await;
        app.member(org, "owner@acme.example", Role::Owner).await;
        app.member(org, "op@acme.example", Role::Operator).await;
        app.member_with_locale(org, "viewer@acme.example", Role::Viewer, UiLang::ZhCn)
            .await;
        let owner = app.login("owner@acme.example").await;
        let empty = app.page("/shipments/connectors", Some(&owner)).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.text().contains("data-testid=\"connectors-empty\""));
        assert!(empty.text().contains("data-testid=\"connector-form\""));
        let fields = [
            ("name", "DHL main"),
            ("kind", "dhl_unified"),
            ("api_key", DHL_KEY),
            ("poll_minutes", "30"),
            ("base_url", base.as_str()),
        ];
        // Without the CSRF token nothing is stored.
        let r = app
            .form("/shipments/connectors", &owner, &fields, false)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        let r = app
            .form("/shipments/connectors", &owner, &fields, true)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let page = app.page(&r.header("location"), Some(&owner)).await.text();
        assert!(page.contains("DHL main"), "{page}");
        assert!(!page.contains(DHL_KEY), "the key was shown back");
        assert!(page.contains("…6789"), "{page}");
        assert!(page.contains("data-testid=\"flash\""));
        let id = app.store.list_connectors(org).await.unwrap()[0].id;

        // An operator sees it and may poll, but cannot add, change or remove connectors.
        let op = app.login("op@acme.example").await;
        let page = app.page("/shipments/connectors", Some(&op)).await.text();
        assert!(page.contains("connector-poll") && !page.contains("connector-form"));
        assert!(!page.contains("connector-edit"));
        let r = app.form("/shipments/connectors", &op, &fields, true).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(
                &format!("/shipments/connectors/{id}"),
                &op,
                &[("poll_minutes", "5")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .form(&format!("/shipments/connectors/{id}/poll"), &op, &[], true)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        // No open DHL shipments: nothing asked, the poll is recorded.
        assert!(
            app.store
                .get_connector(org, id)
                .await
                .unwrap()
                .last_polled_at
                .is_some()
        );

        // The owner disables it, changes the interval and rotates the key; a blank key
        // field keeps the stored one.
        let r = app
            .form(
                &format!("/shipments/connectors/{id}"),
                &owner,
                &[("poll_minutes", "90"), ("api_key", "")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let c = app.store.get_connector(org, id).await.unwrap();
        assert!(!c.enabled && c.poll_minutes == 90);
        assert_eq!(
            app.store
                .connector_credentials(org, id)
                .await
                .unwrap()
                .api_key
                .as_deref(),
            Some(DHL_KEY)
        );
        let r = app
            .form(
                &format!("/shipments/connectors/{id}"),
                &owner,
                &[
                    ("enabled", "1"),
                    ("poll_minutes", "90"),
                    ("api_key", "rotated-key-abcdefWXYZ"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let c = app.store.get_connector(org, id).await.unwrap();
        assert!(c.enabled);
        assert_eq!(c.credential_hint, "…WXYZ");
        let page = app.page("/shipments/connectors", Some(&owner)).await.text();
        assert!(!page.contains("rotated-key-abcdefWXYZ"));
        let bad = app
            .form(
                &format!("/shipments/connectors/{id}"),
                &owner,
                &[("enabled", "1"), ("poll_minutes", "2")],
                true,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The viewer reads the page in Chinese, without any form.
        let viewer = app.login("viewer@acme.example").await;
        let page = app
            .page("/shipments/connectors", Some(&viewer))
            .await
            .text();
        assert!(page.contains("承运商轨迹接口"), "{page}");
        assert!(
            !page.contains("connector-form")
                && !page.contains("connector-poll")
                && !page.contains("connector-edit"),
            "a viewer got a form"
        );

        // Another organisation cannot change or remove it.
        let other = app.org("Other").await;
        app.member(other, "owner@other.example", Role::Owner).await;
        let stranger = app.login("owner@other.example").await;
        let r = app
            .form(
                &format!("/shipments/connectors/{id}/delete"),
                &stranger,
                &[],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .form(
                &format!("/shipments/connectors/{id}"),
                &stranger,
                &[("poll_minutes", "5")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .form(
                &format!("/shipments/connectors/{id}/delete"),
                &owner,
                &[],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(app.store.list_connectors(org).await.unwrap().is_empty());
        let audit: Vec<String> = app
            .store
            .list_audit(org, &Default::default())
            .await
            .map(|p| p.items.into_iter().map(|a| a.action).collect())
            .unwrap_or_default();
        assert!(
            audit.iter().any(|a| a == "carrier_connector.update")
                && audit.iter().any(|a| a == "carrier_connector.delete"),
            "{audit:?}"
        );
    }
}

#[tokio::test]
async fn master_shipment_pages_create_attach_and_show_events_fanning_out() {
    use tradelane_domain::UiLang;
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner_m = app.member(org, "owner@acme.example", Role::Owner).await;
        app.member_with_locale(org, "viewer@acme.example", Role::Viewer, UiLang::ZhCn)
            .await;
        for i in 1..=3 {
            shipment(
                &app,
                &owner_m.token,
                json!({"reference": format!("PO-{i}"), "carrier": "ups", "origin": "CN",
                       "destination": "US", "tracking_numbers": [format!("1ZFAN{i}")]}),
            )
            .await;
        }
        let owner = app.login("owner@acme.example").await;
        let form = [
            ("reference", "CSQU3054383"),
            ("forwarder", "Shenzhen Forwarding"),
            ("mode", "sea"),
            ("vessel_name", "COSCO ARIES"),
            ("voyage_number", "012E"),
            ("bill_of_lading", "COSU6123456780"),
            ("shipments", "PO-1, 1ZFAN2"),
        ];
        let unknown = app
            .form(
                "/shipments/masters",
                &owner,
                &[
                    ("reference", "CSQU3054383"),
                    ("forwarder", "x"),
                    ("mode", "sea"),
                    ("shipments", "PO-404"),
                ],
                true,
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.text().contains("PO-404"));
        let r = app.form("/shipments/masters", &owner, &form, true).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let location = r.header("location");
        assert!(location.ends_with("?done=created"), "{location}");
        let detail_path = location.split('?').next().unwrap_or_default().to_string();
        let page = app.page(&detail_path, Some(&owner)).await.text();
        assert!(
            page.contains("COSCO ARIES") && page.contains("012E"),
            "{page}"
        );
        assert_eq!(page.matches("data-testid=\"member-row\"").count(), 2);
        assert!(page.contains("data-testid=\"fan-empty\""));
        // The container's events reach both shipments in it.
        let raw = |code: &str, text: &str, time: &str, place: &str| tradelane_tracking::RawEvent {
            source: "forwarder".into(),
            carrier: "cosco".into(),
            tracking_number: "CSQU3054383".into(),
            code: Some(code.into()),
            text: Some(text.into()),
            location: tradelane_tracking::Location {
                text: Some(place.into()),
                ..Default::default()
            },
            timestamp: tradelane_tracking::RawTimestamp::new(time.to_string()),
            ..Default::default()
        };
        let report = app
            .store
            .ingest_raw(
                &tradelane_store::Actor::user(&owner_m.user),
                &app.store.org_normalizer(org).await.unwrap(),
                vec![
                    raw(
                        "VD",
                        "Vessel departed",
                        "2026-02-01T10:00:00+08:00",
                        "Yantian",
                    ),
                    raw(
                        "UV",
                        "Discharged at port",
                        "2026-02-18T06:00:00-08:00",
                        "Los Angeles",
                    ),
                ],
                &tradelane_store::RawIngestOptions {
                    create_missing: false,
                    default_carrier: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(report.inserted, 4, "{report:?}");
        let page = app.page(&detail_path, Some(&owner)).await.text();
        assert_eq!(page.matches("data-testid=\"fan-row\"").count(), 2, "{page}");
        assert!(page.contains("data-testid=\"fan-count\">2<"), "{page}");
        assert!(page.contains("+08:00") && page.contains("-08:00"));
        let id: i64 = detail_path.rsplit('/').next().unwrap().parse().unwrap();
        let api = app
            .get(
                &format!("/api/v1/tracking/masters/{id}/events"),
                &owner_m.token,
            )
            .await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.text());
        assert_eq!(api.json()[0]["shipments"].as_array().map(Vec::len), Some(2));
        // Attach the third shipment from the page.
        let r = app
            .form(
                &format!("/shipments/masters/{id}/shipments"),
                &owner,
                &[("shipments", "PO-3")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let page = app.page(&detail_path, Some(&owner)).await.text();
        assert_eq!(page.matches("data-testid=\"member-row\"").count(), 3);
        let list = app.page("/shipments/masters", Some(&owner)).await.text();
        assert!(list.contains("CSQU3054383") && list.contains("Shenzhen Forwarding"));
        // The viewer reads both pages in Chinese and cannot change anything.
        let viewer = app.login("viewer@acme.example").await;
        let page = app.page(&detail_path, Some(&viewer)).await.text();
        assert!(
            page.contains("所含货件") && !page.contains("attach-form"),
            "{page}"
        );
        let r = app
            .form(
                &format!("/shipments/masters/{id}/shipments"),
                &viewer,
                &[("shipments", "PO-3")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Another organisation sees nothing.
        let other = app.org("Other").await;
        app.member(other, "owner@other.example", Role::Owner).await;
        let stranger = app.login("owner@other.example").await;
        assert_eq!(
            app.page(&detail_path, Some(&stranger)).await.status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .form(
                &format!("/shipments/masters/{id}/shipments"),
                &stranger,
                &[("shipments", "PO-3")],
                true,
            )
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER);
    }
}
