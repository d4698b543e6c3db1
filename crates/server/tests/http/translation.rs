//! The translation loop over HTTP with a local mock speaking DeepL's documented wire format:
//! configure the provider (key write-only, sealed at rest) → translate a listing → the mock's
//! text is stored, usage and cost are accounted → approve → the next translation comes from
//! the memory with no provider call. Provider failures leave nothing half-saved. Glossary CSV
//! import is all or nothing; another organisation sees none of it.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tradelane_store::Role;

use crate::helpers::{TestApp, sku_json};

/// A glossary CSV upload with a bearer token.
fn upload(token: &str, csv: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/translation/glossary/import")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(axum::body::Body::from(csv.to_string()))
        .unwrap()
}

#[derive(Clone, Default)]
struct DeepLMock {
    calls: Arc<Mutex<Vec<(String, Value)>>>,
    /// Answer 503 to every request while set.
    down: Arc<Mutex<bool>>,
}

/// `POST /v2/translate`: `{"text": [...], "target_lang": "DE", ...}` →
/// `{"translations": [{"detected_source_language", "text", "billed_characters"}]}`.
async fn deepl(State(m): State<DeepLMock>, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    m.calls.lock().unwrap().push((auth.clone(), body.clone()));
    if *m.down.lock().unwrap() {
        return (StatusCode::SERVICE_UNAVAILABLE, "maintenance").into_response();
    }
    if auth != "DeepL-Auth-Key secret-deepl-key-1234" {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"message": "Wrong key"})),
        )
            .into_response();
    }
    let target = body["target_lang"].as_str().unwrap_or("?").to_string();
    let translations: Vec<Value> = body["text"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            let t = t.as_str().unwrap_or("");
            let plain = t.replace("<keep>", "").replace("</keep>", "");
            let text = match plain.as_str() {
                "Hello" => "Hallo".to_string(),
                "VoltLine 充电宝 10000mAh" => "VoltLine Powerbank 10000mAh".to_string(),
                "支持 20 W 快充" => "Unterstützt 20 W Schnellladen".to_string(),
                "<p>结实耐用</p>" => "<p>Robust und langlebig</p>".to_string(),
                "充电宝 快充" => "Powerbank Schnellladen".to_string(),
                _ => format!("{target}: {t}"),
            };
            json!({
                "detected_source_language": "ZH",
                "text": text,
                "billed_characters": t.chars().count(),
            })
        })
        .collect();
    axum::Json(json!({ "translations": translations })).into_response()
}

async fn start_mock() -> (String, DeepLMock) {
    let mock = DeepLMock::default();
    let app = Router::new()
        .route("/v2/translate", axum::routing::post(deepl))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), mock)
}

fn source(code: &str) -> Value {
    json!({
        "sku": code, "marketplace": "amazon", "locale": "zh-CN",
        "title": "VoltLine 充电宝 10000mAh",
        "bullets": ["支持 20 W 快充"],
        "description": "<p>结实耐用</p>",
        "search_terms": "充电宝 快充",
    })
}

async fn translate(app: &TestApp, token: &str, market: &str) -> Value {
    let r = app
        .api(
            Method::POST,
            "/api/v1/listings/translate",
            Some(token),
            Some(json!({"marketplace": market, "target_locale": "de-DE", "wait": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
    r.json()
}

#[tokio::test]
async fn configured_provider_memory_glossary_and_usage_end_to_end() {
    let (url, mock) = start_mock().await;
    for app in TestApp::all().await {
        mock.calls.lock().unwrap().clear();
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let op = app.member(org, "op@acme.example", Role::Operator).await;
        for code in ["PB-1", "PB-2"] {
            let r = app
                .api(
                    Method::POST,
                    "/api/v1/skus",
                    Some(&owner.token),
                    Some(sku_json(code, "Power bank")),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings",
                Some(&owner.token),
                Some(source("PB-1")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

        // Nothing configured: the offline stand-in, labelled as such.
        let p = app
            .get("/api/v1/translation/provider", &op.token)
            .await
            .json();
        assert_eq!(
            (p["configured"].clone(), p["kind"].clone()),
            (json!(false), json!("offline"))
        );

        // Operators cannot configure; the owner can. The key never comes back.
        let body = json!({
            "kind": "deepl", "name": "DeepL", "base_url": url,
            "api_key": "secret-deepl-key-1234",
            "pricing": {"currency": "EUR", "per_million_chars": "20"}
        });
        let r = app
            .api(
                Method::PUT,
                "/api/v1/translation/provider",
                Some(&op.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::PUT,
                "/api/v1/translation/provider",
                Some(&owner.token),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(!r.text().contains("secret-deepl"), "{}", r.text());
        assert_eq!(r.json()["api_key_hint"], "…1234");
        let sealed = app
            .store
            .translation_sealed_key(org)
            .await
            .unwrap()
            .unwrap();
        assert!(
            sealed.starts_with("tlk1:") && !sealed.contains("secret"),
            "{sealed}"
        );
        let audit = app
            .get("/api/v1/audit?per_page=100", &owner.token)
            .await
            .text();
        assert!(
            !audit.contains("secret-deepl") && !audit.contains("tlk1:"),
            "{audit}"
        );
        let r = app
            .api(
                Method::POST,
                "/api/v1/translation/provider/test",
                Some(&op.token),
                None,
            )
            .await;
        assert_eq!(r.json()["ok"], true, "{}", r.text());
        assert_eq!(r.json()["message"], "Hallo");

        // A glossary with a do-not-translate brand: given to the provider.
        let csv = "kind,term,de-DE,markets,note\ndnt,VoltLine,,,brand\nterm,充电宝,Powerbank,,\n";
        let r = app.send(upload(&op.token, csv)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["created"], 2);

        // Translate: the mock's text is stored, usage and cost accounted.
        mock.calls.lock().unwrap().clear();
        let job = translate(&app, &op.token, "amazon-de").await;
        assert_eq!(job["items"][0]["outcome"], "translated", "{job}");
        let calls = mock.calls.lock().unwrap().clone();
        assert!(!calls.is_empty(), "{}: the provider was called", app.label);
        assert!(
            calls
                .iter()
                .all(|(auth, _)| auth == "DeepL-Auth-Key secret-deepl-key-1234")
        );
        let sent = serde_json::to_string(&calls).unwrap();
        assert!(
            sent.contains("<keep>VoltLine</keep>"),
            "do-not-translate protected: {sent}"
        );
        let id = job["items"][0]["listing_id"].as_i64().unwrap();
        let de = app
            .get(&format!("/api/v1/listings/{id}"), &op.token)
            .await
            .json();
        assert_eq!(de["title"], "VoltLine Powerbank 10000mAh", "{de}");
        assert_eq!(de["bullets"][0], "Unterstützt 20 W Schnellladen");
        assert_eq!(de["origin"], "deepl");
        assert_eq!(de["state"], "machine_translated");
        let usage = app.get("/api/v1/translation/usage", &op.token).await.json();
        let run = &usage["runs"][0];
        assert_eq!(run["provider"], "deepl", "{usage}");
        assert_eq!(run["ok"], true);
        assert!(run["chars_billed"].as_u64().unwrap() > 0, "{usage}");
        assert_eq!(run["currency"], "EUR");
        assert!(
            run["cost"].as_str().unwrap().parse::<f64>().unwrap() > 0.0,
            "{usage}"
        );
        assert_eq!(usage["totals"][0]["runs"], 1);

        // Suggestions and glossary hits for the editor.
        let assist = app
            .get(&format!("/api/v1/listings/{id}/assist"), &op.token)
            .await;
        assert_eq!(assist.status, StatusCode::OK, "{}", assist.text());
        let title = &assist.json()[0];
        assert_eq!(title["field"], "title");
        assert!(
            title["glossary_hits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["term"] == "VoltLine"),
            "{title}"
        );

        // Approve (owner; four eyes is about operators): the pairs go into the memory.
        for step in ["submit", "approve"] {
            let r = app
                .api(
                    Method::POST,
                    &format!("/api/v1/listings/{id}/{step}"),
                    Some(&owner.token),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.text());
        }
        let mem = app
            .get("/api/v1/translation/memory?target_locale=de-DE", &op.token)
            .await
            .json();
        assert_eq!(
            mem["total"], 4,
            "title, bullet, description, search terms: {mem}"
        );

        // Same source text for another marketplace: all from memory, no provider call.
        mock.calls.lock().unwrap().clear();
        let job = translate(&app, &op.token, "ebay").await;
        assert_eq!(job["items"][0]["outcome"], "translated", "{job}");
        assert!(
            mock.calls.lock().unwrap().is_empty(),
            "{}: memory first",
            app.label
        );
        let id2 = job["items"][0]["listing_id"].as_i64().unwrap();
        let de2 = app
            .get(&format!("/api/v1/listings/{id2}"), &op.token)
            .await
            .json();
        assert_eq!(de2["title"], de["title"]);
        assert_eq!(de2["origin"], "tm");
        let usage = app.get("/api/v1/translation/usage", &op.token).await.json();
        assert_eq!(usage["runs"][0]["segments_from_memory"], 4, "{usage}");
        assert_eq!(usage["runs"][0]["requests"], 0);

        // The provider down (503 after retries): reported per listing, nothing saved.
        *mock.down.lock().unwrap() = true;
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings",
                Some(&owner.token),
                Some(
                    json!({"sku": "PB-2", "marketplace": "amazon", "locale": "zh-CN",
                    "title": "全新的标题", "bullets": ["别的卖点"]}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let before = app
            .get("/api/v1/listings?locale=de-DE", &op.token)
            .await
            .json()["total"]
            .clone();
        let job = translate(&app, &op.token, "amazon-de").await;
        let pb2 = job["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sku"] == "PB-2")
            .cloned()
            .unwrap();
        assert_eq!(pb2["outcome"], "failed", "{job}");
        assert!(pb2["message"].as_str().unwrap().contains("503"), "{pb2}");
        let after = app
            .get("/api/v1/listings?locale=de-DE", &op.token)
            .await
            .json()["total"]
            .clone();
        assert_eq!(before, after, "{}: nothing half-saved", app.label);
        *mock.down.lock().unwrap() = false;

        // Another organisation sees none of it and gets the offline stand-in.
        let b = app.org("Other").await;
        let other = app.member(b, "owner@other.example", Role::Owner).await;
        let p = app
            .get("/api/v1/translation/provider", &other.token)
            .await
            .json();
        assert_eq!(p["configured"], false);
        assert_eq!(
            app.get("/api/v1/translation/glossary", &other.token)
                .await
                .json(),
            json!([])
        );
        assert_eq!(
            app.get("/api/v1/translation/memory", &other.token)
                .await
                .json()["total"],
            0
        );
        let entry = app
            .get("/api/v1/translation/glossary", &op.token)
            .await
            .json()[0]["id"]
            .as_i64()
            .unwrap();
        let seg = mem["items"][0]["id"].as_i64().unwrap();
        for p in [
            format!("/api/v1/translation/glossary/{entry}"),
            format!("/api/v1/translation/memory/{seg}"),
        ] {
            let r = app.api(Method::DELETE, &p, Some(&other.token), None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
        }
        let r = app
            .get(&format!("/api/v1/listings/{id}/assist"), &other.token)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn glossary_import_is_all_or_nothing() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let op = app.member(org, "op@acme.example", Role::Operator).await;
        let viewer = app.member(org, "v@acme.example", Role::Viewer).await;
        let bad = "kind,term,de-DE\nterm,蓝牙,Bluetooth\nweird,x,y\nterm,,z\n";
        let r = app.send(upload(&op.token, bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let rows: Vec<u64> = r.json()["error"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["line"].as_u64().unwrap())
            .collect();
        assert_eq!(rows, [3, 4]);
        assert_eq!(
            app.get("/api/v1/translation/glossary", &op.token)
                .await
                .json(),
            json!([])
        );
        let r = app
            .api(
                Method::POST,
                "/api/v1/translation/glossary",
                Some(&viewer.token),
                Some(json!({"kind": "do_not_translate", "term": "VoltLine"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::POST,
                "/api/v1/translation/glossary",
                Some(&op.token),
                Some(json!({"kind": "forbidden", "term": "antibakteriell", "markets": ["de"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["markets"], json!(["DE"]));
    }
}

#[tokio::test]
async fn openapi_describes_the_translation_endpoints() {
    let apps = TestApp::all().await;
    let doc = apps[0]
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths = doc["paths"].as_object().expect("paths");
    for (p, methods) in [
        (
            "/api/v1/translation/provider",
            &["get", "put", "delete"][..],
        ),
        ("/api/v1/translation/provider/test", &["post"]),
        ("/api/v1/translation/glossary", &["get", "post"]),
        ("/api/v1/translation/glossary/{id}", &["delete"]),
        ("/api/v1/translation/glossary/import", &["post"]),
        ("/api/v1/translation/memory", &["get", "post"]),
        ("/api/v1/translation/memory/{id}", &["delete"]),
        ("/api/v1/translation/usage", &["get"]),
        ("/api/v1/listings/{id}/assist", &["get"]),
    ] {
        for m in methods {
            assert!(paths[p].get(*m).is_some(), "{m} {p}");
        }
    }
    // The API key is write-only: no response schema carries it.
    let out = &doc["components"]["schemas"]["ProviderOut"]["properties"];
    assert!(
        out.get("api_key").is_none() && out.get("api_key_hint").is_some(),
        "{out}"
    );
}
