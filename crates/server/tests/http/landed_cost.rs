//! Landed cost API: quotes (one and batch), roles, saving, the rule pack endpoints and the ECB upload.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tradelane_store::Role;

use crate::helpers::{Resp, TestApp};

// Written in the published layout (newest first, trailing comma). Rates are invented for the tests.
const ECB: &str = "Date,USD,CNY,GBP,\n\
2026-07-01,1.1700,8.4000,0.8600,\n\
2026-06-30,1.1600,8.3000,0.8500,\n";

/// DE, one T-shirt line of EUR 100 from CN, EUR 10 freight, DDP, own shop, IOSS, 2026-07-01.
fn eu_request(seller_currency: &str) -> Value {
    json!({
        "lines": [{"hs_code": "6109.10.00", "origin": "CN", "value": {"amount": "100", "currency": "EUR"},
                   "quantity": "1", "net_weight_kg": "0.2"}],
        "destination": {"country": "DE"},
        "mode": "postal", "incoterm": "DDP", "channel": "own_shop",
        "freight": {"amount": "10", "currency": "EUR"},
        "registrations": ["IOSS"],
        "date": "2026-07-01", "seller_currency": seller_currency
    })
}

async fn raw(app: &TestApp, path: &str, token: &str, content_type: &str, body: &str) -> Resp {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(request).await
}

fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

#[tokio::test]
async fn quotes_need_authentication() {
    for app in TestApp::all().await {
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                None,
                Some(eu_request("EUR")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", app.label);
        let r = app
            .api(
                Method::GET,
                "/api/v1/landed-cost/rules",
                Some("tl_bogus"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", app.label);
    }
}

#[tokio::test]
async fn an_eu_quote_is_itemised_dated_and_saved_for_operators_only() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let operator = app.member(org, "op@acme.test", Role::Operator).await;
        let viewer = app.member(org, "view@acme.test", Role::Viewer).await;
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&operator.token),
                Some(eu_request("EUR")),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        let body = r.json();
        let q = &body["quote"];
        // FACTS.md §EU: from 2026-07-01 a consignment under IOSS pays EUR 3 per item category instead of the
        // tariff; import VAT (DE 19 %) is on customs value + duty: (100 + 10 freight) + 3 = 113 x 0.19 = 21.47,
        // collected at the sale under IOSS. Landed: 100 + 10 + 3 + 21.47 = 134.47.
        assert_eq!(dec(&q["totals"]["duties"]["amount"]), "3".parse().unwrap());
        assert_eq!(
            dec(&q["totals"]["taxes"]["amount"]),
            "21.47".parse().unwrap()
        );
        assert_eq!(
            dec(&q["totals"]["landed_cost"]["amount"]),
            "134.47".parse().unwrap()
        );
        let components = q["lines"][0]["components"].as_array().unwrap();
        assert!(!components.is_empty());
        for c in components {
            for field in [
                "rule_id",
                "source",
                "effective_from",
                "explanation_en",
                "explanation_zh",
            ] {
                assert!(
                    c[field].as_str().is_some_and(|s| !s.is_empty()),
                    "{field} missing in {c}"
                );
            }
            assert!(c["uncertain"].is_boolean());
        }
        assert!(q["pack_version"].as_str().is_some_and(|v| !v.is_empty()));
        let id = body["id"].as_i64().expect("an operator's quote is saved");
        let saved = app.store.list_quotes(org, 10).await.unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].id, id);
        assert_eq!(saved[0].created_by, "token:tests");

        // A viewer may compute, but nothing is saved.
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&viewer.token),
                Some(eu_request("EUR")),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", app.label);
        assert!(r.json()["id"].is_null());
        // And `save=false` skips saving for anyone.
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes?save=false",
                Some(&operator.token),
                Some(eu_request("EUR")),
            )
            .await;
        assert!(r.json()["id"].is_null());
        assert_eq!(app.store.list_quotes(org, 10).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_missing_rate_is_an_error_until_the_ecb_file_is_uploaded() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let viewer = app.member(org, "view@acme.test", Role::Viewer).await;
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&owner.token),
                Some(eu_request("CNY")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.label);
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("no CNY exchange rate") && message.contains("2026-07-01"),
            "{message}"
        );

        // Viewers may not upload rates; the owner may, and a second upload changes nothing.
        let r = raw(&app, "/api/v1/fx/ecb", &viewer.token, "text/csv", ECB).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.label);
        let r = raw(&app, "/api/v1/fx/ecb", &owner.token, "text/csv", ECB).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        assert_eq!(r.json()["inserted"], 6);
        let r = raw(&app, "/api/v1/fx/ecb", &owner.token, "text/csv", ECB).await;
        assert_eq!(
            (r.json()["inserted"].clone(), r.json()["unchanged"].clone()),
            (json!(0), json!(6))
        );
        let bad = raw(
            &app,
            "/api/v1/fx/ecb",
            &owner.token,
            "text/csv",
            "Datum;USD\n",
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&owner.token),
                Some(eu_request("CNY")),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        let q = &r.json()["quote"];
        // 134.47 EUR x 8.4 CNY/EUR = 1129.548 -> 1129.55 CNY (half-up to fen).
        assert_eq!(
            dec(&q["totals_seller"]["landed_cost"]["amount"]),
            "1129.55".parse().unwrap()
        );
        let fx = &q["fx_rates"][0];
        assert_eq!(fx["rate_date"], "2026-07-01");
        assert_eq!(fx["to"], "CNY");
    }
}

#[tokio::test]
async fn a_batch_reports_each_bad_request_without_failing_the_others() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let operator = app.member(org, "op@acme.test", Role::Operator).await;
        let mut unknown = eu_request("EUR");
        // Above EUR 150 and without IOSS the tariff applies, and the built-in pack has no EU rule for live horses.
        unknown["lines"][0]["hs_code"] = json!("0101.21.00");
        unknown["lines"][0]["value"]["amount"] = json!("200");
        unknown["registrations"] = json!([]);
        let not_a_request = json!({"lines": "nope"});
        let body = json!({"requests": [eu_request("EUR"), unknown.clone(), not_a_request, eu_request("EUR")]});
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&operator.token),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        let b = r.json();
        assert_eq!(
            (b["quoted"].clone(), b["failed"].clone()),
            (json!(2), json!(2))
        );
        let results = b["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        assert!(results[0]["quote"].is_object() && results[0]["id"].is_i64());
        assert_eq!(results[1]["error"]["code"], "quote_failed");
        let message = results[1]["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("unknown HS code") && message.contains("0101"),
            "{message}"
        );
        assert_eq!(results[2]["error"]["code"], "invalid_request");
        assert!(results[3]["quote"].is_object());
        assert_eq!(app.store.list_quotes(org, 10).await.unwrap().len(), 2);

        // The same unknown code alone is a 422 naming it.
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&operator.token),
                Some(unknown),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.label);
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("unknown HS code") && message.contains("0101"),
            "{message}"
        );
    }
}

const OVERLAY: &str = r#"
format_version = 1
pack_id = "acme-overlay"
pack_version = "7"
published = 2026-07-01

[[duty]]
id = "ACME-EU-0101.21"
territory = "EU"
hs = "0101.21"
rate = "5%"
effective_from = 2026-01-01
source = "Acme test overlay"
uncertain = true
"#;

#[tokio::test]
async fn rule_packs_are_checked_by_anyone_and_loaded_by_owners() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let operator = app.member(org, "op@acme.test", Role::Operator).await;
        let r = app.get("/api/v1/landed-cost/rules", &operator.token).await;
        assert_eq!(r.status, StatusCode::OK);
        let builtin_version = r.json()["active"]["pack_version"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(r.json()["active"]["counts"]["duties"].as_u64().unwrap() > 200);
        assert_eq!(r.json()["stored_versions"], json!([]));

        let bad = OVERLAY.replace("hs = \"0101.21\"", "hs = \"01x1\"");
        let r = raw(
            &app,
            "/api/v1/landed-cost/rules/check",
            &operator.token,
            "text/plain",
            &bad,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["valid"], false);
        assert_eq!(r.json()["errors"][0]["rule_id"], "ACME-EU-0101.21");
        assert_eq!(r.json()["errors"][0]["field"], "hs");
        let r = raw(
            &app,
            "/api/v1/landed-cost/rules/check",
            &operator.token,
            "text/plain",
            OVERLAY,
        )
        .await;
        assert_eq!(r.json()["valid"], true);

        let r = raw(
            &app,
            "/api/v1/landed-cost/rules",
            &operator.token,
            "text/plain",
            OVERLAY,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = raw(
            &app,
            "/api/v1/landed-cost/rules",
            &owner.token,
            "text/plain",
            &bad,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.json()["error"]["fields"][0]["field"]
                .as_str()
                .unwrap()
                .contains("ACME-EU-0101.21")
        );
        let r = raw(
            &app,
            "/api/v1/landed-cost/rules",
            &owner.token,
            "text/plain",
            OVERLAY,
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
        let version = r.json()["active"]["pack_version"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(version, format!("{builtin_version}+acme-overlay@7"));
        let r = raw(
            &app,
            "/api/v1/landed-cost/rules",
            &owner.token,
            "text/plain",
            OVERLAY,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["created"], false);

        // The overlay now prices the code that was unknown, and the quote records the composed version.
        let mut request = eu_request("EUR");
        request["lines"][0]["hs_code"] = json!("0101.21.00");
        request["lines"][0]["value"]["amount"] = json!("200");
        request["registrations"] = json!([]);
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&operator.token),
                Some(request),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        let q = &r.json()["quote"];
        assert_eq!(q["pack_version"], version.as_str());
        let duty = &q["lines"][0]["components"][0];
        assert_eq!(duty["rule_id"], "ACME-EU-0101.21");
        assert_eq!(duty["uncertain"], true);
        // CIF 200 + 10 = 210 x 5 % = 10.50.
        assert_eq!(dec(&duty["amount"]["amount"]), "10.50".parse().unwrap());

        // Another organisation still quotes with the built-in pack alone.
        let other = app.org("Other").await;
        let stranger = app.member(other, "x@other.test", Role::Owner).await;
        let r = app.get("/api/v1/landed-cost/rules", &stranger.token).await;
        assert_eq!(r.json()["active"]["pack_version"], builtin_version.as_str());
    }
}

#[tokio::test]
async fn the_landed_cost_api_is_documented() {
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
        .filter(|(p, _)| p.starts_with("/api/v1/landed-cost") || p.starts_with("/api/v1/fx"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(paths.len(), 6, "{:?}", paths.keys().collect::<Vec<_>>());
    for name in [
        "QuoteBody",
        "QuoteResponse",
        "BatchResponse",
        "RulesResponse",
        "CheckResponse",
    ] {
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} missing from the schemas"
        );
    }
    insta::assert_json_snapshot!("landed_cost_openapi", paths);
}

#[tokio::test]
async fn the_quote_page_itemises_explains_and_compares_markets() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let viewer = app
            .member_with_locale(
                org,
                "zh@acme.test",
                Role::Viewer,
                tradelane_domain::UiLang::ZhCn,
            )
            .await;
        raw(&app, "/api/v1/fx/ecb", &owner.token, "text/csv", ECB).await;
        let query = "/landed-cost?go=1&hs0=6109.10.00&origin0=CN&value0=100&currency0=EUR&qty0=1&kg0=0.2\
                     &to=DE&mode=postal&incoterm=DDP&channel=own&date=2026-07-01&freight=10&seller_currency=CNY&reg_ioss=1";
        let session = app.login(&viewer.user.email).await;
        let page = app.page(query, Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.label);
        let html = page.text();
        // Same hand-checked case as the API test: EUR 3 flat duty, VAT 21.47, in Chinese for this user.
        assert!(html.contains(r#"data-rule="EU-FLAT-DUTY-3""#), "{html}");
        assert!(html.contains("21.47 EUR"));
        assert!(
            html.contains("计税基础"),
            "explanations follow the user's language"
        );
        assert!(html.contains(r#"data-testid="lc-chart""#));
        assert!(html.contains(r#"data-country="US""#) && html.contains(r#"data-country="CA-ON""#));
        // Nothing was saved: the page only computes.
        assert!(app.store.list_quotes(org, 10).await.unwrap().is_empty());
        // A bad number is a message on the page, not an error status.
        let page = app
            .page(
                "/landed-cost?go=1&hs0=6109.10&origin0=CN&value0=ten&to=DE",
                Some(&session),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains(r#"data-testid="lc-error""#));
    }
}

/// A SKU the per-market tests quote: a EUR 20 T-shirt from China, 0.2 kg.
fn tshirt(code: &str) -> Value {
    json!({"code": code, "title": "T-shirt", "origin": "CN", "hs_code": "6109.10",
           "unit_value": {"amount": "20", "currency": "EUR"},
           "net_weight": {"value": "0.2", "unit": "kg"}})
}

#[tokio::test]
async fn target_markets_are_chosen_by_writers_and_each_sku_gets_a_ddp_cost_per_market() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.test", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.test", Role::Viewer).await;
        let other_org = app.org("Other").await;
        let other = app.member(other_org, "o@other.test", Role::Owner).await;
        let r = app
            .get("/api/v1/landed-cost/target-markets", &owner.token)
            .await;
        assert_eq!(r.json()["markets"], json!([]), "{}", app.label);
        // A viewer cannot choose; a bad code is named.
        let body = json!({"markets": ["DE", "GB", "TH"]});
        let r = app
            .api(
                Method::PUT,
                "/api/v1/landed-cost/target-markets",
                Some(&viewer.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::PUT,
                "/api/v1/landed-cost/target-markets",
                Some(&owner.token),
                Some(json!({"markets": ["DE", "XX"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("XX"), "{}", r.text());
        let r = app
            .api(
                Method::PUT,
                "/api/v1/landed-cost/target-markets",
                Some(&owner.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["changed"], json!(true));
        // TH is not in the built-in pack: said up front.
        assert_eq!(r.json()["not_covered"], json!(["TH"]));
        let again = app
            .api(
                Method::PUT,
                "/api/v1/landed-cost/target-markets",
                Some(&owner.token),
                Some(body),
            )
            .await;
        assert_eq!(again.json()["changed"], json!(false));
        // Another organisation has its own (empty) list.
        let r = app
            .get("/api/v1/landed-cost/target-markets", &other.token)
            .await;
        assert_eq!(r.json()["markets"], json!([]));

        let sku = app
            .api(
                Method::POST,
                "/api/v1/skus",
                Some(&owner.token),
                Some(tshirt("TS-1")),
            )
            .await;
        assert_eq!(sku.status, StatusCode::CREATED, "{}", sku.text());
        let id = sku.json()["id"].as_i64().unwrap();
        let ecb = "Date,USD,CNY,GBP,\n2026-07-01,1.1700,8.4000,0.8600,\n";
        let r = raw(&app, "/api/v1/fx/ecb", &owner.token, "text/csv", ecb).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = app
            .get(
                &format!("/api/v1/landed-cost/skus/{id}?date=2026-07-01"),
                &viewer.token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let markets = r.json()["markets"].as_array().unwrap().clone();
        assert_eq!(markets.len(), 3);
        // DE, postal, own shop, no IOSS, 2026-07-01: EUR 20 intrinsic < 150, no IOSS -> normal duty
        // (uncertain, FACTS.md §10.7): EU CET 6109.10 12 % x 20 = 2.40; import VAT 19 % x 22.40 = 4.26;
        // landed 20 + 2.40 + 4.26 = 26.66 EUR.
        assert_eq!(markets[0]["market"], "DE");
        assert_eq!(
            dec(&markets[0]["landed_cost"]["amount"]),
            "26.66".parse().unwrap()
        );
        assert_eq!(markets[0]["uncertain"], json!(true));
        assert!(markets[0]["quote"]["lines"].is_array());
        // GB: GBP 17.20 (EUR 20 at 0.86) <= GBP 135: no duty; VAT at sale (the seller must register).
        assert_eq!(markets[1]["market"], "GB");
        assert!(markets[1]["error"].is_null(), "{}", markets[1]);
        // TH: a clear error, never a silent 0.
        assert_eq!(markets[2]["market"], "TH");
        assert!(markets[2]["landed_cost"].is_null());
        assert!(
            markets[2]["error"].as_str().unwrap().contains("TH"),
            "{}",
            markets[2]
        );
        // Another organisation's SKU id is not found.
        let r = app
            .get(&format!("/api/v1/landed-cost/skus/{id}"), &other.token)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Markets can be given explicitly; a bad one is named.
        let r = app
            .get(
                &format!("/api/v1/landed-cost/skus/{id}?markets=US,CA-ON&date=2026-07-01"),
                &owner.token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["markets"][1]["market"], "CA-ON");
        let r = app
            .get(
                &format!("/api/v1/landed-cost/skus/{id}?markets=ZZ"),
                &owner.token,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The catalogue shows one column per target market, each figure linking to the itemised quote.
        let session = app.login("viewer@acme.test").await;
        let page = app.page("/catalogue", Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert_eq!(
            html.matches("data-testid=\"lc-col\"").count(),
            3,
            "{}",
            app.label
        );
        assert_eq!(html.matches("data-testid=\"lc-cell\"").count(), 3);
        assert!(
            html.contains(&format!("/landed-cost?go=1&#38;sku0={id}&#38;to=DE")),
            "explanations one click away: {}",
            &html[html.find("lc-cell").unwrap_or(0)..][..400]
        );
        // The SKU page lists the same markets.
        let page = app.page(&format!("/catalogue/{id}"), Some(&session)).await;
        assert_eq!(page.text().matches("data-testid=\"sku-lc-row\"").count(), 3);
        // The markets form: viewers see the list, writers can change it (CSRF enforced).
        let page = app.page("/landed-cost/markets", Some(&session)).await;
        assert!(page.text().contains("DE, GB, TH"));
        assert!(!page.text().contains("lcm-form"));
        let r = app
            .form("/landed-cost/markets", &session, &[("markets", "US")], true)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let owner_session = app.login("owner@acme.test").await;
        let r = app
            .form(
                "/landed-cost/markets",
                &owner_session,
                &[("markets", "US")],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
        let r = app
            .form(
                "/landed-cost/markets",
                &owner_session,
                &[("markets", "US, QQ")],
                true,
            )
            .await;
        assert!(r.text().contains("QQ"), "bad code shown");
        let r = app
            .form(
                "/landed-cost/markets",
                &owner_session,
                &[("markets", "US, de")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = app
            .get("/api/v1/landed-cost/target-markets", &owner.token)
            .await;
        assert_eq!(r.json()["markets"], json!(["US", "DE"]));
    }
}

#[tokio::test]
async fn a_saved_batch_answers_with_ids_in_order_and_the_client_request_text_is_kept() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let operator = app.member(org, "op@acme.test", Role::Operator).await;
        let mut bad = eu_request("EUR");
        bad["destination"]["country"] = json!("TH");
        let body = json!({"requests": [eu_request("EUR"), bad, {"lines": 5}, eu_request("EUR")]});
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&operator.token),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let j = r.json();
        assert_eq!(
            (j["quoted"].as_u64(), j["failed"].as_u64()),
            (Some(2), Some(2))
        );
        let results = j["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        let (a, d) = (
            results[0]["id"].as_i64().unwrap(),
            results[3]["id"].as_i64().unwrap(),
        );
        assert!(a < d);
        assert!(results[1]["id"].is_null() && results[1]["error"]["code"] == "quote_failed");
        assert_eq!(results[2]["error"]["code"], "invalid_request");
        assert_eq!(results[0]["quote"]["country"], "DE");
        assert_eq!(results[3]["index"], json!(3));
        // `requests` that is not an array is refused by name.
        let r = app
            .api(
                Method::POST,
                "/api/v1/landed-cost/quotes",
                Some(&operator.token),
                Some(json!({"requests": 3})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("requests"));
    }
}
