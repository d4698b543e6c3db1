//! Consolidation pools over HTTP: create, find and join, cartons as JSON and as a CSV carton list
//! (row errors, nothing stored), rate cards, plan with the cost split, close; roles (viewer 403,
//! participant 403 on organiser operations), cross-organisation isolation, pages in both languages.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tradelane_domain::UiLang;
use tradelane_store::Role;

use crate::helpers::{Resp, TestApp};

async fn post_file(app: &TestApp, token: &str, path: &str, body: &str) -> Resp {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(request).await
}

fn pool_json(visibility: &str) -> Value {
    json!({
        "name": "LAX March",
        "lane": "CNSZX-USLAX",
        "cut_off": "2026-03-10",
        "currency": "USD",
        "visibility": visibility,
        "containers": [
            {"code": "20GP", "price": "1200"},
            {"code": "40HQ", "price": "2200"}
        ]
    })
}

const CARTONS_B: &str =
    "箱号,长,宽,高,重量,数量,带电\nB-1,50,40,40,10,40,否\nB-BAT,40,30,30,8,5,是\n";

const CARDS: &str = "forwarder,origin,destination,mode,currency,rates,min_charge,valid_from,valid_to,transit_days\n\
    Pearl,CNSZX,US,sea_lcl,USD,95,150,2026-01-01,2026-12-31,25-30\n";

#[tokio::test]
async fn pools_roles_plan_split_and_isolation() {
    for app in TestApp::all().await {
        let label = app.label;
        let org_a = app.org("Acme").await;
        let a = app.member(org_a, "owner@acme.test", Role::Owner).await;
        let a_viewer = app.member(org_a, "viewer@acme.test", Role::Viewer).await;
        let org_b = app.org("Bolt").await;
        let b = app.member(org_b, "owner@bolt.test", Role::Operator).await;
        let org_c = app.org("Curio").await;
        let c = app.member(org_c, "owner@curio.test", Role::Owner).await;

        // Viewers cannot create.
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/pools",
                Some(&a_viewer.token),
                Some(pool_json("open")),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
        // Bad container code: 422 naming the field.
        let mut bad = pool_json("open");
        bad["containers"][0]["code"] = json!("53FT");
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/pools",
                Some(&a.token),
                Some(bad),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("containers[0].code"));

        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/pools",
                Some(&a.token),
                Some(pool_json("open")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let open_id = r.json()["id"].as_i64().unwrap();
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/pools",
                Some(&a.token),
                Some(pool_json("private")),
            )
            .await;
        let private_id = r.json()["id"].as_i64().unwrap();
        let open = format!("/api/v1/freight/pools/{open_id}");
        let private = format!("/api/v1/freight/pools/{private_id}");

        // B finds the open pool only.
        let list = app.get("/api/v1/freight/pools", &b.token).await.json();
        let ids: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![open_id], "{label}");
        // The private pool does not exist for B: show, join, cartons, plan all 404.
        assert_eq!(
            app.get(&private, &b.token).await.status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .api(
                Method::POST,
                &format!("{private}/join"),
                Some(&b.token),
                Some(json!({})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{label}");
        let r = app
            .api(
                Method::POST,
                &format!("{private}/plan"),
                Some(&b.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // A puts cartons in (JSON), a viewer of A cannot.
        let cartons = json!({"cartons": [
            {"id": "A-1", "length_mm": "600", "width_mm": "500", "height_mm": "400", "weight_kg": "15", "qty": 60},
            {"id": "A-2", "length_mm": "450", "width_mm": "350", "height_mm": "300", "weight_kg": "8", "qty": 20, "this_side_up": true}
        ]});
        let r = app
            .api(
                Method::POST,
                &format!("{open}/cartons"),
                Some(&a_viewer.token),
                Some(cartons.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::POST,
                &format!("{open}/cartons?mode=replace"),
                Some(&a.token),
                Some(cartons),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["added"], 2);

        // B must join before adding cartons, then joins and uploads a CSV carton list.
        let r = post_file(&app, &b.token, &format!("{open}/cartons/upload"), CARTONS_B).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{label}: {}", r.text());
        let r = app
            .api(
                Method::POST,
                &format!("{open}/join"),
                Some(&b.token),
                Some(json!({"deadline": "2026-03-31"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["joined"], true);
        // A file with a bad cell: every error listed, nothing stored.
        let r = post_file(
            &app,
            &b.token,
            &format!("{open}/cartons/upload"),
            "id,length,width,height,weight,qty\nX,0,40,40,1,1\n",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["error"]["rows"][0]["column"], "length");
        let r = post_file(
            &app,
            &b.token,
            &format!("{open}/cartons/upload?mode=replace"),
            CARTONS_B,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["lines"], 2);

        // Each reads only its own cartons; B cannot delete A's line; C sees none of them.
        let mine = app.get(&format!("{open}/cartons"), &b.token).await.json();
        let refs: Vec<&str> = mine
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(refs, vec!["B-1", "B-BAT"]);
        let r = app
            .api(
                Method::DELETE,
                &format!("{open}/cartons/A-1"),
                Some(&b.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let seen_by_c = app.get(&open, &c.token).await;
        assert_eq!(seen_by_c.status, StatusCode::OK);
        let text = seen_by_c.text();
        assert!(!text.contains("A-1") && !text.contains("B-1"), "{text}");
        assert_eq!(seen_by_c.json()["members"].as_array().unwrap().len(), 0);

        // Organiser-only operations: 403 for the participant B.
        let r = app
            .api(Method::POST, &format!("{open}/plan"), Some(&b.token), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
        let r = app
            .api(Method::POST, &format!("{open}/close"), Some(&b.token), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post_file(&app, &b.token, &format!("{open}/rates"), CARDS).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Viewers of the organiser cannot plan either.
        let r = app
            .api(
                Method::POST,
                &format!("{open}/plan"),
                Some(&a_viewer.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        let r = post_file(&app, &a.token, &format!("{open}/rates"), CARDS).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["rate_cards"], 1);
        let r = app
            .api(Method::POST, &format!("{open}/close"), Some(&a.token), None)
            .await;
        assert_eq!(r.json()["status"], "closed");
        let r = app
            .api(
                Method::POST,
                &format!("{open}/plan"),
                Some(&a.token),
                Some(json!({"time_budget_ms": 5000})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let detail = r.json();
        assert_eq!(detail["pool"]["status"], "planned");
        let plan = &detail["plan"];
        // B's battery cartons travel apart: two containers.
        assert_eq!(plan["containers"].as_array().unwrap().len(), 2, "{plan}");
        let total: f64 = plan["total"]["amount"].as_str().unwrap().parse().unwrap();
        let shares: f64 = plan["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p["share"]["amount"]
                    .as_str()
                    .unwrap()
                    .parse::<f64>()
                    .unwrap()
            })
            .sum();
        assert!((total - shares).abs() < 1e-9, "{total} vs {shares}");
        // The organiser sees B's aggregate line but not its cartons or solo quote.
        assert_eq!(plan["participants"].as_array().unwrap().len(), 2);
        assert!(plan["participants"][1]["solo_best"].is_null());
        assert!(!plan.to_string().contains("B-BAT"));

        // B's view: its own share, its saving against the LCL card, no A lines.
        let b_plan = app.get(&format!("{open}/plan"), &b.token).await.json();
        let parts = b_plan["participants"].as_array().unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0]["participant_id"], org_b.0.to_string());
        assert!(parts[0]["solo_best"]["amount"].is_string(), "{b_plan}");
        assert!(parts[0]["saving"]["amount"].is_string());
        assert!(!b_plan.to_string().contains("A-1") && !b_plan.to_string().contains("Acme"));
        // C: no plan for an organisation that did not join (the pool is no longer open: 404).
        assert_eq!(
            app.get(&format!("{open}/plan"), &c.token).await.status,
            StatusCode::NOT_FOUND
        );
        // Planned: cartons frozen.
        let r = post_file(&app, &b.token, &format!("{open}/cartons/upload"), CARTONS_B).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    }
}

#[tokio::test]
async fn pool_pages_render_in_both_languages() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let zh = app
            .member_with_locale(org, "zh@acme.test", Role::Operator, UiLang::ZhCn)
            .await;
        let r = app
            .api(
                Method::POST,
                "/api/v1/freight/pools",
                Some(&owner.token),
                Some(pool_json("private")),
            )
            .await;
        let id = r.json()["id"].as_i64().unwrap();
        let path = format!("/api/v1/freight/pools/{id}");
        let r = post_file(
            &app,
            &owner.token,
            &format!("{path}/cartons/upload"),
            CARTONS_B,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = app
            .api(
                Method::POST,
                &format!("{path}/plan"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        let s = app.login("owner@acme.test").await;
        let list = app.page("/freight/pools", Some(&s)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text());
        assert!(list.text().contains("LAX March"));
        let page = app.page(&format!("/freight/pools/{id}"), Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains("data-testid=\"pool-container\""), "{html}");
        assert!(html.contains("B-BAT"));
        let s = app.login("zh@acme.test").await;
        let _ = &zh;
        let page = app.page(&format!("/freight/pools/{id}"), Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("拼柜"), "{}", page.text());
        // Another organisation's user: 404 page.
        let other = app.org("Other").await;
        app.member(other, "x@other.test", Role::Owner).await;
        let s = app.login("x@other.test").await;
        let page = app.page(&format!("/freight/pools/{id}"), Some(&s)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
}
