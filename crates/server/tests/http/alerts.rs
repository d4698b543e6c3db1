//! Alerts over HTTP: raising once per dedupe key, the inbox and its unread count, subscriptions
//! routing to e-mail (sent to an SMTP sink the test runs), signed webhooks retried with backoff
//! against a receiver the test runs, shipment exceptions raised once and closed when resolved,
//! roles and tenant isolation.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tradelane_server::jobs;
use tradelane_server::notify::{
    DELIVERY_HEADER, EVENT_HEADER, MailSettings, SIGNATURE_HEADER, Services, verify_signature,
};
use tradelane_store::{AlertSeverity, Localized, NewAlert, OrgId, Role};

use crate::helpers::TestApp;

fn t(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn alert(org: OrgId, kind: &str, key: &str, market: Option<&str>) -> NewAlert {
    NewAlert {
        org_id: org,
        kind: kind.into(),
        severity: AlertSeverity::Warning,
        market: market.map(str::to_string),
        title: Localized::new(
            "CE certificate expires in 30 days",
            "CE 证书将在 30 天后到期",
        ),
        body: Localized::new("SKU-1, DE", ""),
        link: Some("/catalogue/1".into()),
        dedupe_key: key.into(),
        source: "compliance".into(),
        data: json!({"sku": "SKU-1"}),
    }
}

#[tokio::test]
async fn alerts_are_raised_once_and_read_per_user() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.example", Role::Viewer).await;
        let other = app.org("Other").await;
        let stranger = app.member(other, "x@other.example", Role::Owner).await;

        let now = t("2026-03-01T10:00:00Z");
        let a = alert(org, "compliance.cert_expiry", "cert:1:30d", Some("de"));
        let first = app.store.raise_alert(&a, now).await.expect("raise");
        assert!(first.created);
        assert_eq!(
            first.inbox, 2,
            "{}: both users, no rules → inbox",
            app.label
        );
        let again = app.store.raise_alert(&a, now).await.expect("raise again");
        assert!(!again.created);
        assert_eq!(again.id, first.id);

        let r = app.get("/api/v1/alerts/unread-count", &owner.token).await;
        assert_eq!(r.json()["unread"], 1, "{}", app.label);
        let inbox = app.get("/api/v1/alerts", &owner.token).await.json();
        assert_eq!(inbox["total"], 1);
        let item = &inbox["items"][0];
        assert_eq!(item["kind"], "compliance.cert_expiry");
        assert_eq!(item["market"], "DE", "markets are upper-cased");
        assert_eq!(item["title"]["zh-CN"], "CE 证书将在 30 天后到期");
        assert_eq!(
            item["body"]["zh-CN"], "SKU-1, DE",
            "empty zh falls back to en"
        );
        assert!(item["read_at"].is_null());

        // The other organisation sees nothing and cannot mark it read.
        let theirs = app.get("/api/v1/alerts", &stranger.token).await.json();
        assert_eq!(theirs["total"], 0);
        let r = app
            .api(
                Method::POST,
                "/api/v1/alerts/read",
                Some(&stranger.token),
                Some(json!({"ids": [first.id.0]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", app.label);

        // A viewer marks their own inbox read; the owner's stays unread.
        let r = app
            .api(
                Method::POST,
                "/api/v1/alerts/read",
                Some(&viewer.token),
                Some(json!({"ids": [first.id.0]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        assert_eq!(r.json()["changed"], 1);
        assert_eq!(r.json()["unread"], 0);
        let r = app.get("/api/v1/alerts/unread-count", &owner.token).await;
        assert_eq!(r.json()["unread"], 1);
        let r = app
            .api(
                Method::POST,
                "/api/v1/alerts/read",
                Some(&owner.token),
                Some(json!({"all": true})),
            )
            .await;
        assert_eq!(r.json()["changed"], 1);
        let r = app
            .get("/api/v1/alerts?unread=true", &owner.token)
            .await
            .json();
        assert_eq!(r["items"].as_array().map(Vec::len), Some(0));

        // Bad input.
        let r = app
            .api(
                Method::POST,
                "/api/v1/alerts/read",
                Some(&owner.token),
                Some(json!({"ids": []})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bad = NewAlert {
            kind: "Not A Kind".into(),
            ..a.clone()
        };
        assert!(app.store.raise_alert(&bad, now).await.is_err());

        // Audited.
        let audit = app
            .get("/api/v1/audit?entity_type=alert", &owner.token)
            .await
            .json();
        assert!(
            audit["items"].as_array().is_some_and(|v| !v.is_empty()),
            "{}: {audit}",
            app.label
        );
    }
}

#[tokio::test]
async fn subscriptions_route_by_kind_market_and_severity() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let op = app.member(org, "op@acme.example", Role::Operator).await;
        // The operator only wants German exceptions from warning on, by e-mail and inbox.
        let r = app
            .api(
                Method::POST,
                "/api/v1/alert-subscriptions",
                Some(&op.token),
                Some(
                    json!({"kinds": ["exception.*"], "markets": ["DE"], "min_severity": "warning",
                    "channels": ["inbox", "email"]}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
        let sub_id = r.json()["id"].as_i64().expect("id");
        let bad = app
            .api(
                Method::POST,
                "/api/v1/alert-subscriptions",
                Some(&op.token),
                Some(json!({"channels": ["pigeon"]})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bad = app
            .api(
                Method::POST,
                "/api/v1/alert-subscriptions",
                Some(&op.token),
                Some(json!({"markets": ["Germany"], "channels": ["inbox"]})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        let now = t("2026-03-01T10:00:00Z");
        let de = app
            .store
            .raise_alert(
                &alert(org, "exception.customs_hold_too_long", "a", Some("DE")),
                now,
            )
            .await
            .expect("raise");
        assert_eq!((de.inbox, de.emails), (2, 1), "{}", app.label);
        let us = app
            .store
            .raise_alert(
                &alert(org, "exception.customs_hold_too_long", "b", Some("US")),
                now,
            )
            .await
            .expect("raise");
        assert_eq!(
            (us.inbox, us.emails),
            (1, 0),
            "{}: only the owner",
            app.label
        );
        let cert = app
            .store
            .raise_alert(&alert(org, "compliance.cert_expiry", "c", Some("DE")), now)
            .await
            .expect("raise");
        assert_eq!((cert.inbox, cert.emails), (1, 0));
        let op_inbox = app.get("/api/v1/alerts", &op.token).await.json();
        assert_eq!(op_inbox["total"], 1);
        assert_eq!(
            app.get("/api/v1/alerts", &owner.token).await.json()["total"],
            3
        );

        // Someone else's subscription is not found; one's own is deleted.
        let r = app
            .api(
                Method::DELETE,
                &format!("/api/v1/alert-subscriptions/{sub_id}"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .api(
                Method::DELETE,
                &format!("/api/v1/alert-subscriptions/{sub_id}"),
                Some(&op.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
}

/// What the test webhook receiver saw.
#[derive(Default)]
struct Received {
    requests: Vec<(HeaderMap, Vec<u8>)>,
    /// Status codes to answer with, in order (then 200).
    script: VecDeque<u16>,
}

async fn receiver(state: Arc<Mutex<Received>>) -> String {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = state.clone();
            async move {
                let mut s = state.lock().expect("lock");
                s.requests.push((headers, body.to_vec()));
                let code = s.script.pop_front().unwrap_or(200);
                StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/hook")
}

#[tokio::test]
async fn webhooks_are_signed_retried_with_backoff_and_logged() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let op = app.member(org, "op@acme.example", Role::Operator).await;
        let viewer = app.member(org, "viewer@acme.example", Role::Viewer).await;
        let other = app.org("Other").await;
        let stranger = app.member(other, "x@other.example", Role::Owner).await;

        let seen = Arc::new(Mutex::new(Received {
            script: VecDeque::from([500]),
            ..Received::default()
        }));
        let url = receiver(seen.clone()).await;
        let body =
            json!({"url": url, "description": "ERP", "kinds": ["exception.*"], "markets": ["DE"]});
        for (who, token) in [("operator", &op.token), ("viewer", &viewer.token)] {
            let r = app
                .api(
                    Method::POST,
                    "/api/v1/webhook-endpoints",
                    Some(token),
                    Some(body.clone()),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: {who}", app.label);
        }
        let r = app
            .api(
                Method::POST,
                "/api/v1/webhook-endpoints",
                Some(&owner.token),
                Some(json!({"url": "ftp://nope"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .api(
                Method::POST,
                "/api/v1/webhook-endpoints",
                Some(&owner.token),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
        let ep = r.json();
        let ep_id = ep["id"].as_i64().expect("id");
        let secret = ep["secret"]
            .as_str()
            .expect("secret shown once")
            .to_string();
        let listed = app
            .get("/api/v1/webhook-endpoints", &viewer.token)
            .await
            .json();
        assert!(listed[0].get("secret").is_none(), "secret is not listed");
        let r = app
            .get(
                &format!("/api/v1/webhook-endpoints/{ep_id}"),
                &stranger.token,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", app.label);

        let t0 = t("2026-03-01T10:00:00Z");
        // Filtered out: another kind, another market.
        let r = app
            .store
            .raise_alert(&alert(org, "compliance.cert_expiry", "k0", Some("DE")), t0)
            .await
            .expect("raise");
        assert_eq!(r.webhooks, 0);
        let r = app
            .store
            .raise_alert(
                &alert(org, "exception.delivery_failed", "k1", Some("FR")),
                t0,
            )
            .await
            .expect("raise");
        assert_eq!(r.webhooks, 0);
        let raised = app
            .store
            .raise_alert(
                &alert(org, "exception.delivery_failed", "k2", Some("DE")),
                t0,
            )
            .await
            .expect("raise");
        assert_eq!(raised.webhooks, 1, "{}", app.label);

        let dir = tempfile::tempdir().expect("dir");
        let services = Arc::new(Services::for_tests(dir.path()));
        let registry = jobs::registry();
        // First attempt: the receiver answers 500 → retried after 30 s.
        let runs = registry.run_due(&app.store, services.clone(), t0).await;
        let hook_run = runs
            .iter()
            .find(|r| r.name == "alerts.webhooks")
            .expect("ran");
        assert!(hook_run.ok, "{}", hook_run.message);
        let log = app
            .get("/api/v1/webhook-deliveries", &viewer.token)
            .await
            .json();
        let d = &log[0];
        assert_eq!(d["status"], "pending", "{}: {log}", app.label);
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["last_status_code"], 500);
        let next: Timestamp = d["next_attempt_at"]
            .as_str()
            .expect("next")
            .parse()
            .expect("ts");
        assert_eq!(
            next,
            t0.checked_add(SignedDuration::from_secs(30)).expect("t")
        );

        // Not due yet: nothing is sent.
        let t1 = t0.checked_add(SignedDuration::from_secs(29)).expect("t");
        tradelane_server::notify::deliver_webhooks(&app.store, &services, t1)
            .await
            .expect("deliver");
        assert_eq!(seen.lock().expect("lock").requests.len(), 1);
        // Due: the receiver answers 200 → delivered.
        let t2 = t0.checked_add(SignedDuration::from_secs(31)).expect("t");
        let (ok, retry, failed) =
            tradelane_server::notify::deliver_webhooks(&app.store, &services, t2)
                .await
                .expect("deliver");
        assert_eq!((ok, retry, failed), (1, 0, 0), "{}", app.label);
        let log = app
            .get(
                &format!("/api/v1/webhook-deliveries?endpoint={ep_id}"),
                &viewer.token,
            )
            .await
            .json();
        assert_eq!(log[0]["status"], "delivered");
        assert_eq!(log[0]["attempts"], 2);
        assert_eq!(log[0]["last_status_code"], 200);
        // Another organisation's endpoint filter is a 404.
        let r = app
            .get(
                &format!("/api/v1/webhook-deliveries?endpoint={ep_id}"),
                &stranger.token,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        let requests = seen.lock().expect("lock").requests.clone();
        assert_eq!(requests.len(), 2);
        for (i, (headers, body)) in requests.iter().enumerate() {
            let sig = headers
                .get(SIGNATURE_HEADER)
                .and_then(|v| v.to_str().ok())
                .expect("signature header");
            let sent_at = if i == 0 { t0 } else { t2 };
            assert!(
                verify_signature(&secret, sig, body, sent_at, 300),
                "{}: attempt {i} signature {sig}",
                app.label
            );
            assert!(!verify_signature(
                "wrong-secret-wrong-secret",
                sig,
                body,
                sent_at,
                300
            ));
            assert_eq!(headers[EVENT_HEADER], "exception.delivery_failed");
            assert_eq!(
                headers[DELIVERY_HEADER].to_str().ok(),
                Some(d["id"].to_string().as_str()),
                "same delivery id on every attempt"
            );
            let payload: Value = serde_json::from_slice(body).expect("json");
            assert_eq!(payload["type"], "exception.delivery_failed");
            assert_eq!(payload["alert_id"], raised.id.0);
            assert_eq!(payload["market"], "DE");
            assert_eq!(payload["title"]["zh-CN"], "CE 证书将在 30 天后到期");
        }

        // Retry by hand (operators may; viewers may not), then delete (owner).
        let did = d["id"].as_i64().expect("id");
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/webhook-deliveries/{did}/retry"),
                Some(&viewer.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/webhook-deliveries/{did}/retry"),
                Some(&stranger.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/webhook-deliveries/{did}/retry"),
                Some(&op.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["status"], "pending");
        let r = app
            .api(
                Method::DELETE,
                &format!("/api/v1/webhook-endpoints/{ep_id}"),
                Some(&stranger.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .api(
                Method::DELETE,
                &format!("/api/v1/webhook-endpoints/{ep_id}"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_given_up_after_the_last_attempt() {
    let apps = TestApp::all().await;
    let app = &apps[0];
    let org = app.org("Acme").await;
    let owner = app.member(org, "owner@acme.example", Role::Owner).await;
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let r = app
        .api(
            Method::POST,
            "/api/v1/webhook-endpoints",
            Some(&owner.token),
            Some(json!({"url": format!("http://127.0.0.1:{port}/x")})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let mut now = t("2026-03-01T10:00:00Z");
    app.store
        .raise_alert(&alert(org, "exception.no_scan", "z", None), now)
        .await
        .expect("raise");
    let dir = tempfile::tempdir().expect("dir");
    let services = Services::for_tests(dir.path());
    for _ in 0..tradelane_store::alerts::MAX_ATTEMPTS {
        tradelane_server::notify::deliver_webhooks(&app.store, &services, now)
            .await
            .expect("deliver");
        now = now.checked_add(SignedDuration::from_hours(7)).expect("t");
    }
    let log = app
        .get("/api/v1/webhook-deliveries", &owner.token)
        .await
        .json();
    assert_eq!(log[0]["status"], "failed", "{log}");
    assert_eq!(log[0]["attempts"], tradelane_store::alerts::MAX_ATTEMPTS);
    assert!(
        log[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot reach"))
    );
}

/// `<a@b> BODY=8BITMIME` → `<a@b>`.
fn envelope_address(s: &str) -> String {
    let s = s.trim();
    match s.find('>') {
        Some(end) => s[..=end].to_string(),
        None => s.to_string(),
    }
}

/// Messages the sink received: envelope sender, recipients, data.
type SmtpMessages = Arc<Mutex<Vec<(String, Vec<String>, String)>>>;

/// A tiny SMTP server: accepts everything, keeps each message's envelope and data.
async fn smtp_sink() -> (u16, SmtpMessages) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let got: SmtpMessages = Arc::default();
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                let (mut from, mut to, mut data) = (String::new(), Vec::new(), String::new());
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_string();
                    let upper = cmd.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        from = envelope_address(&cmd[10..]);
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(envelope_address(&cmd[8..]));
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        let _ = w.write_all(b"354 go ahead\r\n").await;
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        store
                            .lock()
                            .expect("lock")
                            .push((from.clone(), to.clone(), data.clone()));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else if upper == "RSET" || upper == "NOOP" {
                        b"250 OK\r\n"
                    } else {
                        b"502 not implemented\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, got)
}

#[tokio::test]
async fn email_goes_out_over_smtp_and_to_a_directory_when_smtp_is_unset() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let zh = app
            .member_with_locale(
                org,
                "li@acme.example",
                Role::Operator,
                tradelane_domain::UiLang::ZhCn,
            )
            .await;
        let r = app
            .api(
                Method::POST,
                "/api/v1/alert-subscriptions",
                Some(&zh.token),
                Some(json!({"channels": ["email"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let now = t("2026-03-01T10:00:00Z");
        let raised = app
            .store
            .raise_alert(&alert(org, "compliance.cert_expiry", "m1", Some("DE")), now)
            .await
            .expect("raise");
        assert_eq!(
            (raised.inbox, raised.emails),
            (0, 1),
            "{}: e-mail only",
            app.label
        );

        let (port, got) = smtp_sink().await;
        let dir = tempfile::tempdir().expect("dir");
        let services = Services::new(&MailSettings {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            from: "tradelane <alerts@tradelane.example>".into(),
            dir: dir.path().to_path_buf(),
        });
        let (sent, retry, failed) =
            tradelane_server::notify::send_emails(&app.store, &services, now)
                .await
                .expect("send");
        assert_eq!((sent, retry, failed), (1, 0, 0), "{}", app.label);
        let mails = got.lock().expect("lock").clone();
        assert_eq!(mails.len(), 1);
        let (from, to, data) = &mails[0];
        assert_eq!(from, "<alerts@tradelane.example>");
        assert_eq!(to, &vec!["<li@acme.example>".to_string()]);
        assert!(data.contains("To: li@acme.example"), "{data}");
        assert!(data.contains("Subject: "), "{data}");
        // Sent once: a second run sends nothing.
        let again = tradelane_server::notify::send_emails(&app.store, &services, now)
            .await
            .expect("send");
        assert_eq!(again, (0, 0, 0));
        let outbox = app.store.list_emails(org, 10).await.expect("outbox");
        assert_eq!(outbox[0].status, tradelane_store::DeliveryStatus::Delivered);
        // In the user's language.
        assert_eq!(
            outbox[0].subject, "[tradelane · 警告] CE 证书将在 30 天后到期",
            "{}",
            app.label
        );

        // Without SMTP: the mail lands in the directory as an .eml file.
        app.store
            .raise_alert(&alert(org, "compliance.cert_expiry", "m2", None), now)
            .await
            .expect("raise");
        let dir_services = Services::new(&MailSettings::to_dir(dir.path()));
        let (sent, _, _) = tradelane_server::notify::send_emails(&app.store, &dir_services, now)
            .await
            .expect("send");
        assert_eq!(sent, 1);
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .collect();
        assert_eq!(files.len(), 1, "{}", app.label);
        let text = std::fs::read_to_string(files[0].path()).expect("eml");
        assert!(text.contains("li@acme.example"), "{text}");

        // An SMTP server that is down: the mail stays queued for a retry.
        app.store
            .raise_alert(&alert(org, "compliance.cert_expiry", "m3", None), now)
            .await
            .expect("raise");
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let down = Services::new(&MailSettings {
            smtp_url: Some(format!("smtp://127.0.0.1:{dead}")),
            from: "alerts@tradelane.example".into(),
            dir: dir.path().to_path_buf(),
        });
        let (sent, retry, _) = tradelane_server::notify::send_emails(&app.store, &down, now)
            .await
            .expect("send");
        assert_eq!((sent, retry), (0, 1), "{}", app.label);
    }
}

async fn shipment_with_events(
    app: &TestApp,
    token: &str,
    reference: &str,
    number: &str,
    events: Value,
) -> i64 {
    let r = app
        .api(
            Method::POST,
            "/api/v1/shipments",
            Some(token),
            Some(json!({
                "reference": reference, "carrier": "ups", "origin": "CN", "destination": "DE",
                "tracking_numbers": [number],
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.label, r.text());
    let id = r.json()["id"].as_i64().expect("id");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/shipments/{id}/events"),
            Some(token),
            Some(events),
        )
        .await;
    assert!(r.status.is_success(), "{}: {}", app.label, r.text());
    assert_eq!(
        r.json()["errors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r.text()
    );
    id
}

#[tokio::test]
async fn exceptions_are_raised_once_with_evidence_and_closed_when_resolved() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let viewer = app.member(org, "viewer@acme.example", Role::Viewer).await;
        let other = app.org("Other").await;
        let stranger = app.member(other, "x@other.example", Role::Owner).await;

        // Customs hold in Germany since 1 March 08:00 UTC.
        let held = shipment_with_events(
            &app,
            &owner.token,
            "PO-HOLD",
            "1Z999AA10123456784",
            json!([{"tracking_number": "1Z999AA10123456784", "text": "Held by clearing agency", "time": "2026-03-01T09:00:00+01:00",
                    "location": {"city": "Leipzig", "country_code": "DE"}, "leg": "import_clearance"}]),
        )
        .await;
        // Failed delivery.
        let failed = shipment_with_events(
            &app,
            &owner.token,
            "PO-FAIL",
            "1Z999AA10123456785",
            json!([{"tracking_number": "1Z999AA10123456785", "category": "DELIVERY_FAILED", "time": "2026-03-02T15:00:00+01:00",
                    "location": {"city": "Berlin", "country_code": "DE"}}]),
        )
        .await;

        // Only customs holds over 24 h, scoped to import clearance into DE.
        let rules = json!({"rules": [
            {"id": "customs_24h", "kind": "customs_hold_longer_than", "hours": 24, "severity": "critical",
             "scope": {"legs": ["import_clearance"], "destinations": ["DE"]}},
            {"id": "failed", "kind": "delivery_failed", "severity": "warning"}
        ]});
        let r = app
            .api(
                Method::PUT,
                "/api/v1/exception-rules",
                Some(&viewer.token),
                Some(rules.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .api(
                Method::PUT,
                "/api/v1/exception-rules",
                Some(&owner.token),
                Some(json!({"rules": [
                {"id": "x", "kind": "no_scan", "hours": 0, "severity": "info"}]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let r = app
            .api(
                Method::PUT,
                "/api/v1/exception-rules",
                Some(&owner.token),
                Some(rules),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        assert_eq!(r.json()["defaults"], false);

        // 20 hours into the hold: only the failed delivery.
        let t1 = t("2026-03-02T04:00:00Z");
        let rep = app
            .store
            .evaluate_exceptions(org, t1)
            .await
            .expect("evaluate");
        assert_eq!(
            (rep.shipments, rep.raised, rep.alerts),
            (2, 1, 1),
            "{}: {rep:?}",
            app.label
        );
        // 31 hours into the hold: the hold too.
        let t2 = t("2026-03-02T15:00:00Z");
        let rep = app
            .store
            .evaluate_exceptions(org, t2)
            .await
            .expect("evaluate");
        assert_eq!((rep.raised, rep.alerts), (1, 1), "{}: {rep:?}", app.label);
        // Raised once: evaluating again changes nothing.
        let rep = app
            .store
            .evaluate_exceptions(org, t("2026-03-02T16:00:00Z"))
            .await
            .expect("evaluate");
        assert_eq!((rep.raised, rep.resolved), (0, 0), "{}", app.label);

        let board = app.get("/api/v1/exceptions", &viewer.token).await.json();
        let items = board.as_array().expect("list");
        assert_eq!(items.len(), 2, "{board}");
        let hold = items
            .iter()
            .find(|x| x["kind"] == "customs_hold_too_long")
            .expect("hold");
        assert_eq!(hold["shipment_id"], held);
        assert_eq!(hold["severity"], "critical");
        assert_eq!(hold["leg"], "import_clearance");
        assert_eq!(hold["destination"], "DE");
        assert_eq!(hold["state"], "open");
        assert!(
            hold["summary"]
                .as_str()
                .is_some_and(|s| s.contains("limit 24 h")),
            "{hold}"
        );
        assert_eq!(
            hold["evidence"]["events"][0]["text"],
            "Held by clearing agency"
        );
        let hold_id = hold["id"].as_i64().expect("id");

        // The alert reached the inbox with a link to the shipment, in both languages.
        let inbox = app.get("/api/v1/alerts", &owner.token).await.json();
        let a = inbox["items"]
            .as_array()
            .and_then(|v| {
                v.iter()
                    .find(|a| a["kind"] == "exception.customs_hold_too_long")
            })
            .expect("alert")
            .clone();
        assert_eq!(a["link"], format!("/shipments/{held}"));
        assert_eq!(a["title"]["zh-CN"], "清关扣留超时：PO-HOLD");
        assert!(
            a["body"]["zh-CN"]
                .as_str()
                .is_some_and(|s| s.contains("上限 24 小时")),
            "{a}"
        );
        assert_eq!(a["market"], "DE");

        // Roles and isolation on acknowledge/resolve.
        let path = format!("/api/v1/exceptions/{hold_id}/acknowledge");
        assert_eq!(
            app.api(Method::POST, &path, Some(&viewer.token), None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.api(Method::POST, &path, Some(&stranger.token), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/api/v1/exceptions/{hold_id}"), &stranger.token)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = app.api(Method::POST, &path, Some(&owner.token), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["state"], "acknowledged");

        // Customs clears: the hold closes by itself.
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/shipments/{held}/events"),
                Some(&owner.token),
                Some(json!([{"tracking_number": "1Z999AA10123456784", "text": "Released by clearing agency", "time": "2026-03-02T18:00:00+01:00",
                    "location": {"city": "Leipzig", "country_code": "DE"}, "leg": "import_clearance"}])),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text());
        let rep = app
            .store
            .evaluate_exceptions(org, t("2026-03-02T18:00:00Z"))
            .await
            .expect("evaluate");
        assert_eq!((rep.raised, rep.resolved), (0, 1), "{}: {rep:?}", app.label);
        let x = app
            .get(&format!("/api/v1/exceptions/{hold_id}"), &owner.token)
            .await
            .json();
        assert_eq!(x["state"], "resolved");
        assert_eq!(x["resolution"], "auto");

        // Resolving the failed delivery by hand: not raised again while the condition lasts.
        let fail_id = app
            .get("/api/v1/exceptions", &owner.token)
            .await
            .json()
            .as_array()
            .and_then(|v| v.iter().find(|x| x["shipment_id"] == failed).cloned())
            .and_then(|x| x["id"].as_i64())
            .expect("failed exception");
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/exceptions/{fail_id}/resolve"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["resolution"], "manual");
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/exceptions/{fail_id}/resolve"),
                Some(&owner.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let rep = app
            .store
            .evaluate_exceptions(org, t("2026-03-03T18:00:00Z"))
            .await
            .expect("evaluate");
        assert_eq!(rep.raised, 0, "{}", app.label);
        let open = app.get("/api/v1/exceptions", &owner.token).await.json();
        assert_eq!(open.as_array().map(Vec::len), Some(0), "{open}");
        let all = app
            .get("/api/v1/exceptions?status=all", &owner.token)
            .await
            .json();
        assert_eq!(all.as_array().map(Vec::len), Some(2));
        // The other organisation has none.
        let theirs = app
            .get("/api/v1/exceptions?status=all", &stranger.token)
            .await
            .json();
        assert_eq!(theirs.as_array().map(Vec::len), Some(0));
    }
}

#[tokio::test]
async fn no_scan_and_probably_lost_follow_the_clock_and_a_late_promise_is_flagged() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let id = shipment_with_events(
            &app,
            &owner.token,
            "PO-QUIET",
            "1Z999AA10123456786",
            json!([{"tracking_number": "1Z999AA10123456786", "category": "IN_TRANSIT", "time": "2026-03-01T08:00:00+08:00",
                    "location": {"city": "Shenzhen", "country_code": "CN"}, "leg": "main_carriage"}]),
        )
        .await;
        // Defaults: no scan for 72 h, probably lost after 20 days.
        let base = t("2026-03-01T00:00:00Z");
        let at = |h: i64| base.checked_add(SignedDuration::from_hours(h)).expect("t");
        let rep = app
            .store
            .evaluate_exceptions(org, at(71))
            .await
            .expect("eval");
        assert_eq!(rep.raised, 0, "{}", app.label);
        let rep = app
            .store
            .evaluate_exceptions(org, at(73))
            .await
            .expect("eval");
        assert_eq!(rep.raised, 1, "{}", app.label);
        let rep = app
            .store
            .evaluate_exceptions(org, at(21 * 24))
            .await
            .expect("eval");
        assert_eq!(rep.raised, 1, "{}: probably lost on day 21", app.label);
        let kinds: Vec<String> = app
            .get(&format!("/api/v1/exceptions?shipment={id}"), &owner.token)
            .await
            .json()
            .as_array()
            .expect("list")
            .iter()
            .map(|x| x["kind"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(
            kinds.contains(&"no_scan".into()) && kinds.contains(&"probably_lost".into()),
            "{kinds:?}"
        );
        // Through the job runner too (nothing new to raise; the job reports what it checked).
        let dir = tempfile::tempdir().expect("dir");
        let services = Arc::new(Services::for_tests(dir.path()));
        let run = jobs::registry()
            .run_named("tracking.exceptions", &app.store, services, at(21 * 24 + 1))
            .await
            .expect("job");
        assert!(
            run.ok && run.message.contains("0 exceptions raised"),
            "{}",
            run.message
        );
    }
}

#[tokio::test]
async fn alert_pages_render_in_both_languages() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let _owner = app.member(org, "owner@acme.example", Role::Owner).await;
        let _zh = app
            .member_with_locale(
                org,
                "li@acme.example",
                Role::Viewer,
                tradelane_domain::UiLang::ZhCn,
            )
            .await;
        app.store
            .raise_alert(
                &alert(org, "compliance.cert_expiry", "p1", Some("DE")),
                t("2026-03-01T10:00:00Z"),
            )
            .await
            .expect("raise");
        let s = app.login("owner@acme.example").await;
        let badge = app.page("/alerts/badge", Some(&s)).await;
        assert!(badge.text().contains(">1</span>"), "{}", badge.text());
        let page = app.page("/alerts", Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("CE certificate expires in 30 days"));
        let settings = app.page("/alerts/settings", Some(&s)).await;
        assert_eq!(settings.status, StatusCode::OK);
        assert!(
            settings.text().contains("webhook-form"),
            "owners get the form"
        );
        let board = app.page("/exceptions", Some(&s)).await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board.text().contains("rules-table"));
        // Forms need the CSRF token.
        let r = app.form("/alerts/read", &s, &[], false).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app.form("/alerts/read", &s, &[], true).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let badge = app.page("/alerts/badge", Some(&s)).await;
        assert!(!badge.text().contains("inbox-unread"), "{}", badge.text());

        let zh = app.login("li@acme.example").await;
        let page = app.page("/alerts", Some(&zh)).await;
        assert!(
            page.text().contains("CE 证书将在 30 天后到期"),
            "{}",
            page.text()
        );
        assert!(page.text().contains("收件箱"));
        let board = app.page("/exceptions", Some(&zh)).await;
        assert!(board.text().contains("异常看板"));
        assert!(
            !board.text().contains("rules-form"),
            "viewers cannot edit rules"
        );
        let r = app
            .form(
                "/alerts/webhooks",
                &zh,
                &[("url", "https://x.example/")],
                true,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "viewers cannot add webhooks"
        );
    }
}

#[tokio::test]
async fn alerts_api_is_documented() {
    let apps = TestApp::all().await;
    let app = &apps[0];
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths: serde_json::Map<String, Value> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(p, _)| {
            [
                "/api/v1/alerts",
                "/api/v1/alert-subscriptions",
                "/api/v1/webhook-endpoints",
                "/api/v1/webhook-deliveries",
                "/api/v1/exception-rules",
                "/api/v1/exceptions",
            ]
            .iter()
            .any(|prefix| p.starts_with(prefix))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(paths.len(), 15, "{:?}", paths.keys().collect::<Vec<_>>());
    insta::assert_json_snapshot!("alerts_openapi", paths);
}
