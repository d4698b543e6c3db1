//! Freight over HTTP: rate card import (row errors refuse the file, re-import changes nothing), list with
//! validity, delete; quote comparison over the stored cards (expired cards excluded with the reason, never
//! quoted); load plans (unplaceable cartons reported, time budget honoured, PDF); roles and tenant isolation.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tradelane_store::Role;

use crate::helpers::{Resp, TestApp};

const CARDS: &str = "forwarder,origin,destination,mode,currency,rates,min_charge,valid_from,valid_to,transit_days\n\
    FastAir,CNSZX,US,air,USD,0:6.5;100:5.2,60,2026-01-01,2026-12-31,6-8\n\
    SlowBoat,CNSZX,USLAX,sea_lcl,USD,85,150,2026-01-01,2026-12-31,25-30\n\
    OldCard,CNSZX,US,air,USD,1,0,2025-01-01,2025-12-31,6\n\
    EuroRail,CNSZX,DEHAM,rail,USD,3,100,2026-01-01,2026-12-31,18-22\n";

async fn upload(app: &TestApp, token: &str, name: &str, body: &str) -> Resp {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/freight/cards/import?file_name={name}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(request).await
}

fn cartons() -> Value {
    json!([
        {"id": "CTN-A", "length_cm": 60, "width_cm": 50, "height_cm": 40, "weight_kg": 15, "qty": 4},
    ])
}

#[tokio::test]
async fn rate_cards_import_quote_roles_and_isolation() {
    for app in TestApp::all().await {
        let label = app.label;
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.test", Role::Viewer).await;
        let other_org = app.org("Other").await;
        let other = app.member(other_org, "o@other.test", Role::Owner).await;

        // Viewers cannot import.
        let r = upload(&app, &viewer.token, "rates.csv", CARDS).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");

        // A file with bad cells: every problem named, nothing stored.
        let bad = "forwarder,origin,destination,mode,currency,rates,valid_from,valid_to\n\
                   A,CNSZX,USLAX,boat,USD,5,2026-01-01,2026-12-31\n\
                   B,CNSZX,USLAX,air,USD,5,2026-01-01,2025-12-31\n\
                   C,CNSZX,USLAX,air,USD,5,2026-01-01,2026-12-31\n";
        let r = upload(&app, &owner.token, "bad.csv", bad).await;
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
            vec![(2, "mode".to_string()), (3, "valid_to".to_string())],
            "{label}"
        );
        assert!(
            rows[0]["expected"]
                .as_str()
                .unwrap_or("")
                .contains("sea_fcl")
        );
        let list = app.get("/api/v1/freight/cards", &owner.token).await.json();
        assert_eq!(list, json!([]), "{label}: nothing from a refused file");

        // The good file, twice: the second import changes nothing.
        let r = upload(&app, &owner.token, "rates.csv", CARDS).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let j = r.json();
        assert_eq!(j["created"], 4, "{label}");
        assert_eq!(j["already_imported"], false);
        let r = upload(&app, &owner.token, "rates-again.csv", CARDS).await;
        let j2 = r.json();
        assert_eq!(
            (j2["created"].as_u64(), j2["already_imported"].as_bool()),
            (Some(0), Some(true))
        );
        assert_eq!(j2["cards_total"], 4, "{label}");

        // Listed with validity on a date; the 2025 card is expired.
        let list = app
            .get("/api/v1/freight/cards?date=2026-03-02", &viewer.token)
            .await
            .json();
        let status: Vec<(String, String)> = list
            .as_array()
            .expect("array")
            .iter()
            .map(|c| {
                (
                    c["forwarder"].as_str().unwrap_or("").to_string(),
                    c["status"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(
            status,
            vec![
                ("EuroRail".to_string(), "valid".to_string()),
                ("FastAir".to_string(), "valid".to_string()),
                ("OldCard".to_string(), "expired".to_string()),
                ("SlowBoat".to_string(), "valid".to_string()),
            ],
            "{label}"
        );
        assert_eq!(list[1]["source"], "rates.csv row 2");
        let fast_id = list[1]["id"].as_i64().expect("id");
        let old_id = list[2]["id"].as_i64().expect("id");

        // Quote: viewers may quote; the expired card is excluded with the reason, the other lane left out.
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/quote",
                Some(&viewer.token),
                Some(
                    json!({"lane": "CNSZX-USLAX", "ship_date": "2026-03-02", "cartons": cartons()}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let q = r.json();
        let quoted: Vec<&str> = q["quotes"]
            .as_array()
            .expect("quotes")
            .iter()
            .map(|x| x["forwarder"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(quoted, ["SlowBoat", "FastAir"], "{label}: {q}");
        // 4 × 60×50×40 cm = 0.48 m³, 60 kg: LCL W/M 0.48 × 85 = 40.80 < minimum 150.
        assert_eq!(q["quotes"][0]["total"], "150.00", "{q}");
        assert_eq!(q["quotes"][1]["total"], "520.00");
        assert_eq!(q["quotes"][1]["card_id"], fast_id);
        assert_eq!(q["quotes"][1]["transit_days"], json!([6, 8]));
        assert!(
            !q["quotes"][1]["lines"]
                .as_array()
                .expect("lines")
                .is_empty()
        );
        assert_eq!(q["excluded"].as_array().map(Vec::len), Some(1), "{q}");
        assert_eq!(q["excluded"][0]["card_id"], old_id);
        assert_eq!(q["excluded"][0]["reason"], "expired");
        assert_eq!(q["excluded"][0]["detail"], "expired on 2025-12-31");
        assert_eq!(q["other_lanes"], 1);
        assert_eq!(q["totals"]["volume_m3"], "0.48");

        // The same shipment as CSV text gives the same quotes.
        let csv = "id,length,width,height,weight,qty\nCTN-A,60,50,40,15,4\n";
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/quote",
                Some(&viewer.token),
                Some(json!({"lane": "CNSZX-USLAX", "ship_date": "2026-03-02", "cartons_csv": csv})),
            )
            .await;
        assert_eq!(r.json()["quotes"], q["quotes"], "{label}");

        // Bad input: zero and negative sizes name the line and field; a bad lane or date is a 422.
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/quote",
                Some(&owner.token),
                Some(json!({"lane": "CNSZX-USLAX", "cartons": [
                    {"length_cm": 60, "width_cm": 50, "height_cm": 40},
                    {"id": "BAD", "length_cm": 0, "width_cm": -5, "height_cm": 40}
                ]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let rows = r.json()["error"]["rows"].clone();
        assert_eq!(rows[0]["line"], 2, "{rows}");
        assert_eq!(rows[0]["column"], "length_cm");
        assert_eq!(rows[1]["column"], "width_cm");
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/quote",
                Some(&owner.token),
                Some(json!({"lane": "CNSZX", "cartons": cartons()})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/quote",
                Some(&owner.token),
                Some(json!({"lane": "CNSZX-USLAX", "cartons_csv": "id,length,width,height\nA,0,10,10\n"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["rows"][0]["line"], 2);

        // Another organisation: sees no cards, quotes nothing, cannot read or delete ours.
        assert_eq!(
            app.get("/api/v1/freight/cards", &other.token).await.json(),
            json!([])
        );
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/quote",
                Some(&other.token),
                Some(
                    json!({"lane": "CNSZX-USLAX", "ship_date": "2026-03-02", "cartons": cartons()}),
                ),
            )
            .await;
        assert_eq!(r.json()["quotes"], json!([]), "{label}");
        let path = format!("/api/v1/freight/cards/{fast_id}");
        assert_eq!(
            app.get(&path, &other.token).await.status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .api(Method::DELETE, &path, Some(&other.token), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{label}");

        // Delete: viewers may not; owners may; audited.
        let r = app
            .api(Method::DELETE, &path, Some(&viewer.token), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(Method::DELETE, &path, Some(&owner.token), None)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(
            app.get(&path, &owner.token).await.status,
            StatusCode::NOT_FOUND
        );
        let audit = app.get("/api/v1/audit", &owner.token).await.json();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["action"].as_str().unwrap_or(""))
            .collect();
        assert!(actions.contains(&"freight.cards_import"), "{actions:?}");
        assert!(actions.contains(&"freight.card_delete"), "{actions:?}");
    }
}

#[tokio::test]
async fn load_plans_report_unplaceable_cartons_honour_the_budget_and_print() {
    for app in TestApp::all().await {
        let label = app.label;
        let org = app.org("Acme").await;
        let viewer = app.member(org, "viewer@acme.test", Role::Viewer).await;

        // A carton longer than any container is reported with the reason, never a crash.
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/load-plan",
                Some(&viewer.token),
                Some(json!({"container": "20GP", "time_budget_ms": 300, "cartons": [
                    {"id": "PALLET", "length_cm": 120, "width_cm": 80, "height_cm": 100, "weight_kg": 300, "qty": 3},
                    {"id": "MAST", "length_cm": 1500, "width_cm": 30, "height_cm": 30, "weight_kg": 40, "qty": 2}
                ]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let p = r.json();
        assert_eq!(p["summary"]["cartons_loaded"], 3, "{p}");
        assert_eq!(p["summary"]["cartons_unplaced"], 2);
        assert_eq!(p["unplaced"][0]["carton"], "MAST");
        assert_eq!(p["unplaced"][0]["reason"], "larger_than_container");
        assert_eq!(p["placements"][0]["step"], 1);
        assert_eq!(p["summary"]["container"], "20GP");

        // Zero / negative sizes: 422 naming the line; unknown container and budget out of range: 422.
        for body in [
            json!({"cartons": [{"length_cm": 10, "width_cm": 10, "height_cm": 10}, {"length_cm": 10, "width_cm": 0, "height_cm": 10}]}),
            json!({"container": "53FT", "cartons": [{"length_cm": 10, "width_cm": 10, "height_cm": 10}]}),
            json!({"time_budget_ms": 0, "cartons": [{"length_cm": 10, "width_cm": 10, "height_cm": 10}]}),
            json!({"cartons": []}),
            json!({}),
        ] {
            let r = app
                .api(
                    Method::POST,
                    "/api/v1/freight/load-plan",
                    Some(&viewer.token),
                    Some(body.clone()),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {}",
                r.text()
            );
        }
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/load-plan",
                Some(&viewer.token),
                Some(json!({"cartons": [{"length_cm": 10, "width_cm": 10, "height_cm": 10}, {"length_cm": 10, "width_cm": -1, "height_cm": 10}]})),
            )
            .await;
        assert_eq!(r.json()["error"]["rows"][0]["line"], 2);
        assert_eq!(r.json()["error"]["rows"][0]["column"], "width_cm");

        // The time budget is honoured: 2,000 mixed cartons (more than a 40HQ holds) keep the search busy
        // until the budget ends, and the best plan so far comes back.
        let mixed: Vec<Value> = (0..10)
            .map(|i| {
                json!({"id": format!("T{i}"), "length_cm": 40 + 7 * i, "width_cm": 30 + 3 * i,
                       "height_cm": 25 + 5 * (i % 4), "weight_kg": 5 + i, "qty": 200})
            })
            .collect();
        let start = Instant::now();
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/load-plan",
                Some(&viewer.token),
                Some(json!({"container": "40HQ", "time_budget_ms": 400, "cartons": mixed})),
            )
            .await;
        let elapsed = start.elapsed();
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let s = r.json()["summary"].clone();
        assert_eq!(s["cartons_total"], 2000);
        assert_eq!(s["stopped_at_budget"], true, "{label}: {s}");
        assert!(s["cartons_unplaced"].as_u64().unwrap_or(0) > 0, "{s}");
        assert!(
            s["elapsed_ms"].as_u64().unwrap_or(u64::MAX) <= 400 + 1_500,
            "{label}: planner took {s}"
        );
        assert!(elapsed < Duration::from_secs(8), "{label}: {elapsed:?}");

        // The PDF variant.
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/load-plan/pdf",
                Some(&viewer.token),
                Some(json!({"container": "20GP", "time_budget_ms": 200, "cartons": [
                    {"id": "A", "length_cm": 60, "width_cm": 40, "height_cm": 40, "weight_kg": 12, "qty": 10}
                ]})),
            )
            .await;
        if r.status == StatusCode::OK {
            assert_eq!(r.header("content-type"), "application/pdf");
            assert!(r.body.starts_with(b"%PDF"), "{label}");
        } else {
            // No system font on this machine: the error says so rather than crashing.
            assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text());
        }

        // Anonymous callers get nothing.
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/load-plan",
                None,
                Some(json!({})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str)>) -> (String, Vec<u8>) {
    let boundary = "----tradelane-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    if let Some((name, content)) = file {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    session: &crate::helpers::Session,
    fields: &[(&str, &str)],
    file: Option<(&str, &str)>,
) -> Resp {
    let (content_type, body) = multipart(fields, file);
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "{path}?_csrf={}",
            crate::helpers::enc(&session.csrf)
        ))
        .header(header::COOKIE, format!("tl_session={}", session.cookie))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    app.send(request).await
}

#[tokio::test]
async fn freight_pages_upload_quote_and_plan_with_roles_and_isolation() {
    for app in TestApp::all().await {
        let label = app.label;
        let org = app.org("Acme").await;
        app.member(org, "owner@acme.test", Role::Owner).await;
        app.member(org, "viewer@acme.test", Role::Viewer).await;
        let other_org = app.org("Other").await;
        app.member(other_org, "o@other.test", Role::Owner).await;
        let owner = app.login("owner@acme.test").await;
        let viewer = app.login("viewer@acme.test").await;
        let other = app.login("o@other.test").await;

        // Upload: a bad file shows the report and stores nothing; the good one is stored.
        let r = post_multipart(
            &app,
            "/freight/cards/import",
            &owner,
            &[],
            Some(("bad.csv", "forwarder,origin,destination,mode,currency,rates,valid_from,valid_to\nA,CNSZX,USLAX,boat,USD,5,2026-01-01,2026-12-31\n")),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            r.text().contains("data-testid=\"fr-row-error\""),
            "{}",
            r.text()
        );
        let r = post_multipart(
            &app,
            "/freight/cards/import",
            &owner,
            &[],
            Some(("rates.csv", CARDS)),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.text());
        let page = app.page("/freight", Some(&owner)).await;
        assert_eq!(page.text().matches("data-testid=\"fr-card\"").count(), 4);
        assert!(page.text().contains("data-status=\"expired\""));

        // Viewers see the cards but no upload or delete, and cannot post either.
        let page = app.page("/freight", Some(&viewer)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text().contains("fr-upload-form"), "{label}");
        assert!(!page.text().contains("fr-card-delete"));
        let r = post_multipart(
            &app,
            "/freight/cards/import",
            &viewer,
            &[],
            Some(("rates2.csv", CARDS)),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
        let id = app.store.list_freight_cards(org).await.expect("cards")[0].id;
        let r = app
            .form(&format!("/freight/cards/{id}/delete"), &viewer, &[], true)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
        // Another organisation neither sees nor deletes them.
        let page = app.page("/freight", Some(&other)).await;
        assert!(!page.text().contains("data-testid=\"fr-card\""), "{label}");
        let r = app
            .form(&format!("/freight/cards/{id}/delete"), &other, &[], true)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{label}");
        let r = app
            .form(&format!("/freight/cards/{id}/delete"), &owner, &[], true)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}");

        // Quote and load plan forms, for viewers too.
        let r = post_multipart(
            &app,
            "/freight/quote",
            &viewer,
            &[
                ("lane", "CNSZX-USLAX"),
                ("ship_date", "2026-03-02"),
                ("currency", "USD"),
                (
                    "cartons",
                    "id,length,width,height,weight,qty\nA,60,50,40,15,4\n",
                ),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{label}");
        assert!(r.text().contains("data-testid=\"fq-chart\""), "{label}");
        let r = post_multipart(
            &app,
            "/freight/quote",
            &viewer,
            &[
                ("lane", "CNSZX-USLAX"),
                ("ship_date", "2026-03-02"),
                ("cartons", "id,length,width,height\nA,0,50,40\n"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.text().contains("data-testid=\"fr-row-error\""));
        let r = post_multipart(
            &app,
            "/freight/load-plan",
            &viewer,
            &[
                ("container", "20GP"),
                ("budget_s", "0.3"),
                (
                    "cartons",
                    "id,length,width,height,weight,qty\nA,60,40,40,10,20\nMAST,1500,30,30,40,1\n",
                ),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{label}");
        let html = r.text();
        assert_eq!(html.matches("class=\"lp-box\"").count(), 20 * 4, "{label}");
        assert!(html.contains("data-testid=\"lp-unplaced-row\""));
        let pdf =
            crate::helpers::between(&html, "href=\"/freight/load-plan/", "\"").expect("pdf link");
        let pdf_path = format!("/freight/load-plan/{pdf}");
        // Another organisation cannot fetch this plan's PDF.
        let r = app.page(&pdf_path, Some(&other)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{label}");
        let r = app.page(&pdf_path, Some(&viewer)).await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::INTERNAL_SERVER_ERROR,
            "{label}: {}",
            r.status
        );
    }
}
