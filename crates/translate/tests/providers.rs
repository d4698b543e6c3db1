//! Each provider against a local mock server speaking its API's documented wire format: the
//! request shape and auth header are asserted, a 429 is retried into a success, a 500 that
//! never ends is reported per segment after the retries, a timeout is retried.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tradelane_listing_qa::{Glossary, GlossaryTerm};
use tradelane_translate::{
    AnyProvider, Origin, Outcome, Pricing, ProviderKind, ProviderSettings, RetryPolicy, Segment,
    TmIndex, TmSegment, TranslateRequest, Translator,
};

#[derive(Debug, Clone)]
struct Recorded {
    path: String,
    headers: HeaderMap,
    body: Value,
}

/// A scripted reply: status, body, extra headers, delay before answering.
#[derive(Clone)]
struct Reply(u16, Value, Vec<(&'static str, &'static str)>, Duration);

type Answer = Arc<dyn Fn(&Value) -> Value + Send + Sync>;

#[derive(Clone)]
struct Mock {
    calls: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    answer: Answer,
}

async fn handle(State(mock): State<Mock>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    mock.calls.lock().unwrap().push(Recorded {
        path: uri.path().to_string(),
        headers,
        body: body.clone(),
    });
    let next = mock.script.lock().unwrap().pop_front();
    let Reply(status, value, extra, delay) =
        next.unwrap_or_else(|| Reply(200, (mock.answer)(&body), vec![], Duration::ZERO));
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut resp = (StatusCode::from_u16(status).unwrap(), axum::Json(value)).into_response();
    for (k, v) in extra {
        resp.headers_mut().insert(k, v.parse().unwrap());
    }
    resp
}

async fn start(answer: Answer, script: Vec<Reply>) -> (String, Mock) {
    let mock = Mock {
        calls: Arc::default(),
        script: Arc::new(Mutex::new(script.into())),
        answer,
    };
    let app = Router::new().fallback(handle).with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), mock)
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

fn settings(kind: ProviderKind, base: String, key: Option<&str>) -> ProviderSettings {
    ProviderSettings {
        name: format!("mock-{kind}"),
        kind,
        base_url: Some(base),
        model: (kind == ProviderKind::Openai).then(|| "qwen2.5-7b-instruct".to_string()),
        api_key: key.map(str::to_string),
        batch_size: None,
        requests_per_minute: None,
        timeout_ms: Some(2_000),
        pricing: None,
    }
}

fn glossary() -> Glossary {
    Glossary {
        terms: vec![GlossaryTerm {
            source: "充电宝".into(),
            translations: [("de".to_string(), "Powerbank".to_string())]
                .into_iter()
                .collect(),
        }],
        do_not_translate: vec!["Anker".into()],
        forbidden: vec![],
    }
}

fn request(texts: &[&str]) -> TranslateRequest {
    TranslateRequest {
        source_locale: "zh-CN".into(),
        target_locale: "de-DE".into(),
        segments: texts
            .iter()
            .enumerate()
            .map(|(i, t)| Segment::new(format!("s{i}"), *t))
            .collect(),
        ..Default::default()
    }
}

/// "DE(<text>)" for each input: a recognisable fake translation.
fn fake(t: &str) -> String {
    format!("DE({t})")
}

async fn run(
    s: &ProviderSettings,
    req: &TranslateRequest,
    glossary: Option<&Glossary>,
) -> tradelane_translate::TranslateReport {
    let provider = AnyProvider::build(s, fast_retries()).unwrap();
    Translator {
        provider: &provider,
        tm: None,
        glossary,
        pricing: s.pricing.as_ref(),
    }
    .run(req)
    .await
}

fn text_of(r: &tradelane_translate::SegmentResult) -> &str {
    r.text()
        .unwrap_or_else(|| panic!("segment failed: {:?}", r.outcome))
}

// ---------- OpenAI-compatible chat completions ----------

fn openai_answer() -> Answer {
    Arc::new(|body: &Value| {
        let user = body["messages"][1]["content"].as_str().unwrap_or("[]");
        let texts: Vec<String> = serde_json::from_str(user).unwrap_or_default();
        let out: Vec<String> = texts
            .iter()
            .map(|t| fake(t).replace("充电宝", "Powerbank"))
            .collect();
        json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": format!("```json\n{}\n```", serde_json::to_string(&out).unwrap())}}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160}
        })
    })
}

#[tokio::test]
async fn openai_request_shape_auth_glossary_and_tokens() {
    let (base, mock) = start(openai_answer(), vec![]).await;
    let mut s = settings(
        ProviderKind::Openai,
        format!("{base}/v1"),
        Some("sk-test-123"),
    );
    s.pricing = Some(Pricing {
        currency: "USD".into(),
        per_million_chars: None,
        per_million_input_tokens: Some(Decimal::new(15, 2)), // 0.15 / M
        per_million_output_tokens: Some(Decimal::new(60, 2)), // 0.60 / M
    });
    let g = glossary();
    let report = run(&s, &request(&["Anker 充电宝 10000mAh", "快充"]), Some(&g)).await;
    assert_eq!(text_of(&report.results[0]), "DE(Anker Powerbank 10000mAh)");
    assert!(matches!(
        &report.results[0].outcome,
        Outcome::Ok {
            origin: Origin::Provider {
                provider_kind: ProviderKind::Openai,
                ..
            },
            ..
        }
    ));
    let calls = mock.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "two segments, one batch");
    let c = &calls[0];
    assert_eq!(c.path, "/v1/chat/completions");
    assert_eq!(c.headers["authorization"], "Bearer sk-test-123");
    assert_eq!(c.headers["content-type"], "application/json");
    assert_eq!(c.body["model"], "qwen2.5-7b-instruct");
    assert_eq!(c.body["messages"][0]["role"], "system");
    assert_eq!(c.body["messages"][1]["role"], "user");
    let system = c.body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("充电宝 => Powerbank"), "{system}");
    assert!(system.contains("Anker"), "{system}");
    assert!(system.contains("German (de-DE)"), "{system}");
    let user: Vec<String> =
        serde_json::from_str(c.body["messages"][1]["content"].as_str().unwrap()).unwrap();
    assert_eq!(user, vec!["Anker 充电宝 10000mAh", "快充"]);
    assert_eq!(report.usage.tokens_in, 120);
    assert_eq!(report.usage.tokens_out, 40);
    // 120 × 0.15/M + 40 × 0.60/M = 0.000042
    assert_eq!(report.usage.cost, Some(Decimal::new(42, 6)));
    assert_eq!(report.usage.currency.as_deref(), Some("USD"));
    assert!(
        report.results[0].findings.is_empty(),
        "{:?}",
        report.results[0].findings
    );
}

#[tokio::test]
async fn openai_without_key_sends_no_auth_header() {
    let (base, mock) = start(openai_answer(), vec![]).await;
    let s = settings(ProviderKind::Openai, format!("{base}/v1"), None);
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(text_of(&report.results[0]), "DE(你好)");
    assert!(
        mock.calls.lock().unwrap()[0]
            .headers
            .get("authorization")
            .is_none()
    );
}

#[tokio::test]
async fn openai_429_then_success() {
    let (base, mock) = start(
        openai_answer(),
        vec![Reply(
            429,
            json!({"error": {"message": "Rate limit reached"}}),
            vec![("retry-after", "1")],
            Duration::ZERO,
        )],
    )
    .await;
    let s = settings(ProviderKind::Openai, format!("{base}/v1"), Some("k"));
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(text_of(&report.results[0]), "DE(你好)");
    assert_eq!(mock.calls.lock().unwrap().len(), 2);
    assert_eq!(report.usage.requests, 2);
    assert_eq!(report.usage.retries, 1);
}

#[tokio::test]
async fn openai_500_exhausted_fails_per_segment() {
    let err = Reply(
        500,
        json!({"error": {"message": "upstream overloaded"}}),
        vec![],
        Duration::ZERO,
    );
    let (base, mock) = start(openai_answer(), vec![err.clone(), err.clone(), err]).await;
    let s = settings(ProviderKind::Openai, format!("{base}/v1"), Some("k"));
    let report = run(&s, &request(&["你好", "再见"]), None).await;
    assert_eq!(mock.calls.lock().unwrap().len(), 3, "max_attempts");
    for r in &report.results {
        match &r.outcome {
            Outcome::Failed { error, retryable } => {
                assert!(
                    error.contains("500") && error.contains("upstream overloaded"),
                    "{error}"
                );
                assert!(retryable);
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }
    assert_eq!(report.usage.segments_failed, 2);
}

#[tokio::test]
async fn openai_timeout_is_retried() {
    let slow = Reply(200, json!({}), vec![], Duration::from_millis(1_500));
    let (base, _mock) = start(openai_answer(), vec![slow]).await;
    let mut s = settings(ProviderKind::Openai, format!("{base}/v1"), Some("k"));
    s.timeout_ms = Some(300);
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(text_of(&report.results[0]), "DE(你好)");
    assert_eq!(report.usage.retries, 1);
}

#[tokio::test]
async fn openai_401_is_not_retried() {
    let (base, mock) = start(
        openai_answer(),
        vec![Reply(
            401,
            json!({"error": {"message": "Incorrect API key provided"}}),
            vec![],
            Duration::ZERO,
        )],
    )
    .await;
    let s = settings(ProviderKind::Openai, format!("{base}/v1"), Some("bad"));
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(mock.calls.lock().unwrap().len(), 1);
    assert!(matches!(
        &report.results[0].outcome,
        Outcome::Failed {
            retryable: false,
            ..
        }
    ));
}

// ---------- DeepL ----------

fn deepl_answer() -> Answer {
    Arc::new(|body: &Value| {
        let texts = body["text"].as_array().cloned().unwrap_or_default();
        json!({"translations": texts.iter().map(|t| {
            let t = t.as_str().unwrap_or("");
            json!({"detected_source_language": "ZH", "text": fake(t), "billed_characters": t.chars().count()})
        }).collect::<Vec<_>>()})
    })
}

#[tokio::test]
async fn deepl_request_shape_auth_and_protected_terms() {
    let (base, mock) = start(deepl_answer(), vec![]).await;
    let mut s = settings(ProviderKind::Deepl, base, Some("0f1e-key:fx"));
    s.pricing = Some(Pricing {
        currency: "EUR".into(),
        per_million_chars: Some(Decimal::from(20)),
        ..Default::default()
    });
    let g = glossary();
    let report = run(
        &s,
        &request(&["Anker 充电宝 <快充> & more", "快充"]),
        Some(&g),
    )
    .await;
    let calls = mock.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    let c = &calls[0];
    assert_eq!(c.path, "/v2/translate");
    assert_eq!(c.headers["authorization"], "DeepL-Auth-Key 0f1e-key:fx");
    assert_eq!(c.body["source_lang"], "ZH");
    assert_eq!(c.body["target_lang"], "DE");
    assert_eq!(c.body["tag_handling"], "xml");
    assert_eq!(c.body["ignore_tags"], json!(["keep"]));
    assert_eq!(
        c.body["text"],
        json!(["<keep>Anker</keep> 充电宝 &lt;快充&gt; &amp; more", "快充"])
    );
    // Tags and escapes are undone in the result.
    assert_eq!(
        text_of(&report.results[0]),
        "DE(Anker 充电宝 <快充> & more)"
    );
    // Billed characters as DeepL reported them (of the XML it was sent).
    let sent: u64 = ["<keep>Anker</keep> 充电宝 &lt;快充&gt; &amp; more", "快充"]
        .iter()
        .map(|t| t.chars().count() as u64)
        .sum();
    assert_eq!(report.usage.chars_billed, sent);
    assert_eq!(
        report.usage.cost,
        Some(Decimal::from(sent) * Decimal::from(20) / Decimal::from(1_000_000))
    );
    // The fake left 充电宝 untranslated: the glossary check says so.
    assert!(
        report.results[0]
            .findings
            .iter()
            .any(|f| f.rule_id == "glossary.missing_translation")
    );
}

#[tokio::test]
async fn deepl_targets_and_html() {
    let (base, mock) = start(deepl_answer(), vec![]).await;
    let s = settings(ProviderKind::Deepl, base, Some("k"));
    let mut req = request(&["<p>Anker <b>充电宝</b></p>"]);
    req.target_locale = "en-GB".into();
    req.html = true;
    let g = glossary();
    let report = run(&s, &req, Some(&g)).await;
    let c = mock.calls.lock().unwrap()[0].clone();
    assert_eq!(c.body["target_lang"], "EN-GB");
    assert_eq!(c.body["tag_handling"], "html");
    assert_eq!(
        c.body["text"][0],
        "<p><span translate=\"no\">Anker</span> <b>充电宝</b></p>"
    );
    assert_eq!(
        text_of(&report.results[0]),
        "DE(<p>Anker <b>充电宝</b></p>)"
    );
}

#[tokio::test]
async fn deepl_429_then_success() {
    let (base, mock) = start(
        deepl_answer(),
        vec![Reply(
            429,
            json!({"message": "Too many requests"}),
            vec![],
            Duration::ZERO,
        )],
    )
    .await;
    let s = settings(ProviderKind::Deepl, base, Some("k"));
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(text_of(&report.results[0]), "DE(你好)");
    assert_eq!(mock.calls.lock().unwrap().len(), 2);
    assert_eq!(report.usage.retries, 1);
}

#[tokio::test]
async fn deepl_500_exhausted_and_456_quota_not_retried() {
    let err = Reply(
        503,
        json!({"message": "Service unavailable"}),
        vec![],
        Duration::ZERO,
    );
    let (base, mock) = start(deepl_answer(), vec![err.clone(), err.clone(), err]).await;
    let s = settings(ProviderKind::Deepl, base, Some("k"));
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(mock.calls.lock().unwrap().len(), 3);
    assert!(matches!(
        &report.results[0].outcome,
        Outcome::Failed {
            retryable: true,
            ..
        }
    ));

    let quota = Reply(
        456,
        json!({"message": "Quota exceeded"}),
        vec![],
        Duration::ZERO,
    );
    let (base, mock) = start(deepl_answer(), vec![quota]).await;
    let s = settings(ProviderKind::Deepl, base, Some("k"));
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(mock.calls.lock().unwrap().len(), 1);
    match &report.results[0].outcome {
        Outcome::Failed { error, retryable } => {
            assert!(!retryable);
            assert!(
                error.contains("456") && error.contains("Quota exceeded"),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn deepl_batches_at_most_50_texts() {
    let (base, mock) = start(deepl_answer(), vec![]).await;
    let s = settings(ProviderKind::Deepl, base, Some("k"));
    let texts: Vec<String> = (0..120).map(|i| format!("商品{i}")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let report = run(&s, &request(&refs), None).await;
    let sizes: Vec<usize> = mock
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.body["text"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, vec![50, 50, 20]);
    assert_eq!(report.failed(), 0);
    assert_eq!(text_of(&report.results[119]), "DE(商品119)");
}

// ---------- LibreTranslate ----------

fn libre_answer() -> Answer {
    Arc::new(|body: &Value| match &body["q"] {
        Value::Array(items) => {
            json!({"translatedText": items.iter().map(|t| fake(t.as_str().unwrap_or(""))).collect::<Vec<_>>()})
        }
        Value::String(s) => json!({"translatedText": fake(s)}),
        _ => json!({"error": "Invalid request: missing q parameter"}),
    })
}

#[tokio::test]
async fn libretranslate_request_shape_key_and_placeholders() {
    let (base, mock) = start(libre_answer(), vec![]).await;
    let s = settings(ProviderKind::Libretranslate, base, Some("lt-key"));
    let g = glossary();
    let mut req = request(&["Anker 充电宝", "快充"]);
    req.target_locale = "zh-Hant".into();
    req.source_locale = "en".into();
    let report = run(&s, &req, Some(&g)).await;
    let c = mock.calls.lock().unwrap()[0].clone();
    assert_eq!(c.path, "/translate");
    assert_eq!(c.body["api_key"], "lt-key");
    assert_eq!(c.body["source"], "en");
    assert_eq!(c.body["target"], "zt");
    assert_eq!(c.body["format"], "text");
    assert_eq!(c.body["q"], json!(["[[0]] 充电宝", "快充"]));
    assert_eq!(text_of(&report.results[0]), "DE(Anker 充电宝)");
}

#[tokio::test]
async fn libretranslate_429_then_success_and_500_exhausted() {
    let (base, mock) = start(
        libre_answer(),
        vec![Reply(
            429,
            json!({"error": "Too many requests"}),
            vec![],
            Duration::ZERO,
        )],
    )
    .await;
    let s = settings(ProviderKind::Libretranslate, base, None);
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(text_of(&report.results[0]), "DE(你好)");
    assert_eq!(mock.calls.lock().unwrap().len(), 2);
    assert!(mock.calls.lock().unwrap()[0].body.get("api_key").is_none());

    let err = Reply(
        500,
        json!({"error": "Argos crashed"}),
        vec![],
        Duration::ZERO,
    );
    let (base, mock) = start(libre_answer(), vec![err.clone(), err.clone(), err]).await;
    let s = settings(ProviderKind::Libretranslate, base, None);
    let report = run(&s, &request(&["你好"]), None).await;
    assert_eq!(mock.calls.lock().unwrap().len(), 3);
    assert!(matches!(
        &report.results[0].outcome,
        Outcome::Failed {
            retryable: true,
            ..
        }
    ));
}

// ---------- memory, offline, script conversion ----------

#[tokio::test]
async fn memory_exact_matches_never_reach_the_provider() {
    let (base, mock) = start(deepl_answer(), vec![]).await;
    let s = settings(ProviderKind::Deepl, base, Some("k"));
    let provider = AnyProvider::build(&s, fast_retries()).unwrap();
    let tm = TmIndex::from_segments([TmSegment {
        id: 41,
        source_locale: "zh-CN".into(),
        target_locale: "de-DE".into(),
        source: "无线鼠标 静音".into(),
        target: "Kabellose Maus, leise".into(),
        provenance: "approved".into(),
    }]);
    let mut req = request(&["无线鼠标 静音", "无线鼠标 静音款", "123 - 456"]);
    let t = Translator {
        provider: &provider,
        tm: Some(&tm),
        glossary: None,
        pricing: None,
    };
    let report = t.run(&req).await;
    assert_eq!(
        report.results[0].outcome,
        Outcome::Ok {
            text: "Kabellose Maus, leise".into(),
            origin: Origin::TmExact { segment_id: 41 },
        }
    );
    // The fuzzy one went to the provider, with the memory match as a suggestion.
    assert!(matches!(
        &report.results[1].outcome,
        Outcome::Ok {
            origin: Origin::Provider { .. },
            ..
        }
    ));
    assert_eq!(report.results[1].suggestions[0].segment_id, 41);
    assert!(report.results[1].suggestions[0].score < 100);
    assert!(matches!(
        &report.results[2].outcome,
        Outcome::Ok {
            origin: Origin::Unchanged,
            ..
        }
    ));
    assert_eq!(mock.calls.lock().unwrap().len(), 1);
    assert_eq!(
        mock.calls.lock().unwrap()[0].body["text"],
        json!(["无线鼠标 静音款"])
    );

    // With a fuzzy threshold the near match is reused too: no call at all.
    req.accept_fuzzy_at = Some(80);
    let report = t.run(&req).await;
    assert!(matches!(
        &report.results[1].outcome,
        Outcome::Ok {
            origin: Origin::TmFuzzy { segment_id: 41, .. },
            ..
        }
    ));
    assert_eq!(mock.calls.lock().unwrap().len(), 1);
    assert_eq!(report.usage.segments_from_memory, 2);
}

#[tokio::test]
async fn offline_provider_marks_instead_of_translating_and_converts_chinese_scripts() {
    let provider = AnyProvider::build(&ProviderSettings::offline(), fast_retries()).unwrap();
    let t = Translator {
        provider: &provider,
        tm: None,
        glossary: None,
        pricing: None,
    };
    let report = t.run(&request(&["无线鼠标"])).await;
    assert_eq!(
        report.results[0].outcome,
        Outcome::Ok {
            text: "[offline] 无线鼠标".into(),
            origin: Origin::Offline,
        }
    );
    let mut req = request(&["无线鼠标，静音设计"]);
    req.target_locale = "zh-Hant".into();
    let report = t.run(&req).await;
    assert_eq!(
        report.results[0].outcome,
        Outcome::Ok {
            text: "無線鼠標，靜音設計".into(),
            origin: Origin::ScriptConversion,
        }
    );
    let mut back = request(&["無線鼠標，靜音設計"]);
    back.source_locale = "zh-TW".into();
    back.target_locale = "zh-CN".into();
    assert_eq!(
        t.run(&back).await.results[0].text(),
        Some("无线鼠标，静音设计")
    );
}

#[tokio::test]
async fn identical_segments_are_sent_once() {
    let (base, mock) = start(libre_answer(), vec![]).await;
    let s = settings(ProviderKind::Libretranslate, base, None);
    let report = run(&s, &request(&["蓝色", "红色", "蓝色"]), None).await;
    assert_eq!(
        mock.calls.lock().unwrap()[0].body["q"],
        json!(["蓝色", "红色"])
    );
    assert_eq!(report.results[2].text(), Some("DE(蓝色)"));
    assert_eq!(report.usage.chars_billed, 4);
}

#[tokio::test]
async fn rate_limit_spaces_requests() {
    let (base, mock) = start(deepl_answer(), vec![]).await;
    let mut s = settings(ProviderKind::Deepl, base, Some("k"));
    s.requests_per_minute = Some(600); // 100 ms apart
    s.batch_size = Some(1);
    // Spacing itself is tested with a paused clock (http::tests); here: every request is made.
    let report = run(&s, &request(&["一", "二", "三"]), None).await;
    assert_eq!(report.failed(), 0);
    assert_eq!(mock.calls.lock().unwrap().len(), 3);
}
