//! Listing QA over HTTP: the check API (auth, spans on CJK + emoji text, batches) and the
//! side-by-side page (findings marked inline, user text always escaped).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tradelane_domain::UiLang;
use tradelane_store::Role;

use crate::helpers::TestApp;

fn listing(title: &str) -> Value {
    json!({"listing": {"marketplace": "amazon", "locale": "en-US", "title": title}})
}

#[tokio::test]
async fn check_requires_authentication() {
    for app in TestApp::all().await {
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/check",
                None,
                Some(listing("Lamp")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", app.label);
        assert_eq!(r.json()["error"]["code"], "unauthorized", "{}", app.label);
    }
}

#[tokio::test]
async fn a_viewer_gets_findings_with_spans_on_cjk_and_emoji_text() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let viewer = app.member(org, "v@acme.test", Role::Viewer).await;
        // 🎧 is one char, 4 UTF-8 bytes and 2 UTF-16 units; 无线耳机 is 4 chars, 12 bytes.
        let title = "无线耳机 🎧 Earbuds Best Seller";
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/check",
                Some(&viewer.token),
                Some(listing(title)),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        let body = r.json();
        let promo = body["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule_id"] == "amazon.title.promotional")
            .unwrap_or_else(|| panic!("no promotional finding in {body}"));
        assert_eq!(promo["severity"], "error");
        assert_eq!(promo["field"], "title");
        assert_eq!(promo["excerpt"], "Best Seller");
        let span = &promo["span"];
        let chars: Vec<char> = title.chars().collect();
        let start = chars
            .iter()
            .collect::<String>()
            .find("Best")
            .expect("in title");
        let char_start = title[..start].chars().count();
        assert_eq!(span["char_start"], char_start);
        assert_eq!(span["char_end"], char_start + 11);
        assert_eq!(span["byte_start"], start);
        assert_eq!(span["byte_end"], start + 11);
        assert_eq!(span["utf16_start"], title[..start].encode_utf16().count());
        assert!(body["errors"].as_u64().expect("count") >= 1);
        // Latin text in a Chinese-script title for en-US: reported as untranslated.
        assert!(
            body["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .any(|f| f["rule_id"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("untranslated"))),
            "{body}"
        );
    }
}

#[tokio::test]
async fn batches_answer_per_item_and_name_bad_items() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let op = app.member(org, "o@acme.test", Role::Operator).await;
        let r = app
            .api(
                Method::POST,
                "/api/v1/listings/check",
                Some(&op.token),
                Some(json!({"items": [listing("Desk Lamp with USB Port"), listing("Lamp FREE SHIPPING")]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let body = r.json();
        assert_eq!(body["checked"], 2);
        assert_eq!(body["with_errors"], 1);
        assert_eq!(body["results"][0]["errors"], 0, "{body}");
        assert_eq!(body["results"][1]["index"], 1);

        let bad = app
            .api(
                Method::POST,
                "/api/v1/listings/check",
                Some(&op.token),
                Some(json!({"items": [listing("Lamp"), {"listing": {"marketplace": "amazon", "locale": "english", "title": "x"}}]})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            bad.json()["error"]["fields"][0]["field"],
            "items[1].listing.locale"
        );
    }
}

#[tokio::test]
async fn the_page_marks_findings_and_escapes_hostile_text() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        app.member_with_locale(org, "z@acme.test", Role::Viewer, UiLang::ZhCn)
            .await;
        let session = app.login("z@acme.test").await;
        let page = app.page("/listings", Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.label);
        let html = page.text();
        assert!(html.contains("data-testid=\"listing-form\""), "{html}");
        assert!(html.contains("检查 Listing"), "{html}");

        let hostile = "<script>alert(1)</script> Lamp FREE SHIPPING";
        let r = app
            .form(
                "/listings",
                &session,
                &[
                    ("marketplace", "amazon"),
                    ("locale", "en-US"),
                    ("source_locale", "zh-CN"),
                    ("title", hostile),
                    ("source_title", "台灯 <img src=x onerror=alert(2)>"),
                    ("bullet1", "Bright light"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(
            !html.contains("<script>alert(1)"),
            "unescaped title: {html}"
        );
        assert!(!html.contains("<img src=x"), "unescaped source: {html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{html}"
        );
        // The promotional phrase is marked inline as an error (cut where the all-caps
        // findings overlap it), and listed in Chinese.
        let target = crate::helpers::between(&html, "data-testid=\"qa-target\">", "</td>")
            .expect("target cell");
        assert!(
            target.starts_with(
                "&#60;script&#62;alert(1)&#60;/script&#62; Lamp <mark class=\"qa-error\""
            ),
            "{target}"
        );
        assert!(
            html.contains("\">FREE</mark>") && html.contains("\">SHIPPING</mark>"),
            "{html}"
        );
        assert!(
            html.contains("data-rule=\"amazon.title.promotional\""),
            "{html}"
        );
        assert!(html.contains("促销用语"), "{html}");

        // A form without a title is answered with the form and a message, not a check.
        let r = app
            .form(
                "/listings",
                &session,
                &[
                    ("marketplace", "amazon"),
                    ("locale", "en-US"),
                    ("source_locale", "zh-CN"),
                    ("bullet1", "Bright <b>light</b>"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.label);
        let html = r.text();
        assert!(html.contains("译文标题为空"), "{html}");
        assert!(
            html.contains("Bright &#60;b&#62;light"),
            "the typed bullet is kept: {html}"
        );
        assert!(!html.contains("data-testid=\"qa-results\""), "{html}");

        // Without the CSRF token the check is refused.
        let r = app
            .form("/listings", &session, &[("title", "Lamp")], false)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.label);
    }
}

#[tokio::test]
async fn openapi_describes_the_listing_check() {
    let apps = TestApp::all().await;
    let doc = apps[0]
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths: serde_json::Map<String, Value> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(p, _)| *p == "/api/v1/listings/check")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(paths.len(), 1, "{:?}", paths.keys().collect::<Vec<_>>());
    for name in [
        "ListingCheckBody",
        "ListingCheckResponse",
        "ListingBatchResponse",
        "ListingFinding",
        "FindingSpan",
    ] {
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} missing from the schemas"
        );
    }
    insta::assert_json_snapshot!("listings_openapi", paths);
}
