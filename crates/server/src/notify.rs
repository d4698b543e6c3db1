//! Delivery of alerts outside the app: signed webhooks over HTTP and e-mail over SMTP (or into a
//! directory when no SMTP server is configured), plus the periodic tasks that drain the outboxes
//! the store fills and evaluate shipment exceptions.
//!
//! Webhook signature: header `X-Tradelane-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
//! the bytes `"<t>.<body>"` with the endpoint's secret (the timestamp is signed, so a receiver can
//! reject old replays). `X-Tradelane-Event` carries the alert kind and `X-Tradelane-Delivery` the
//! delivery id (stable across retries, for receivers that de-duplicate).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::Sha256;
use tradelane_store::{AttemptOutcome, DeliveryStatus, DueWebhook, OutboxEmail, Store};

use crate::jobs::Jobs;

/// Header names of outgoing webhooks.
pub const SIGNATURE_HEADER: &str = "X-Tradelane-Signature";
pub const EVENT_HEADER: &str = "X-Tradelane-Event";
pub const DELIVERY_HEADER: &str = "X-Tradelane-Delivery";

/// Environment variables of the mail settings.
pub const SMTP_URL_ENV: &str = "TRADELANE_SMTP_URL";
pub const MAIL_FROM_ENV: &str = "TRADELANE_MAIL_FROM";
pub const MAIL_DIR_ENV: &str = "TRADELANE_MAIL_DIR";

/// How e-mail leaves: an SMTP URL, or a directory of `.eml` files.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, for a local relay), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465` (TLS). None: write to `dir`.
    pub smtp_url: Option<String>,
    /// `Name <address>` or a bare address.
    pub from: String,
    pub dir: PathBuf,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field(
                "smtp_url",
                &self.smtp_url.as_deref().map(tradelane_store::redact_url),
            )
            .field("from", &self.from)
            .field("dir", &self.dir)
            .finish()
    }
}

impl MailSettings {
    /// From `TRADELANE_SMTP_URL`, `TRADELANE_MAIL_FROM`, `TRADELANE_MAIL_DIR` (default
    /// `<data dir>/mail`).
    pub fn from_env(data_dir: &Path) -> MailSettings {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        MailSettings {
            smtp_url: var(SMTP_URL_ENV),
            from: var(MAIL_FROM_ENV).unwrap_or_else(|| "tradelane <tradelane@localhost>".into()),
            dir: var(MAIL_DIR_ENV)
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("mail")),
        }
    }

    /// Directory delivery in `dir`.
    pub fn to_dir(dir: &Path) -> MailSettings {
        MailSettings {
            smtp_url: None,
            from: "tradelane <tradelane@localhost>".into(),
            dir: dir.to_path_buf(),
        }
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Broken(String),
}

/// Sends e-mail with the configured transport.
pub struct Mailer {
    from: Result<Mailbox, String>,
    transport: Transport,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match &self.transport {
            Transport::Smtp(_) => "Mailer(smtp)",
            Transport::Dir(..) => "Mailer(dir)",
            Transport::Broken(_) => "Mailer(misconfigured)",
        })
    }
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Mailer {
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("{MAIL_FROM_ENV} {:?} is not an address: {e}", settings.from));
        let transport = match &settings.smtp_url {
            Some(url) => match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
                Ok(builder) => {
                    Transport::Smtp(builder.timeout(Some(Duration::from_secs(20))).build())
                }
                Err(e) => Transport::Broken(format!(
                    "{SMTP_URL_ENV} {} is unusable: {e}",
                    tradelane_store::redact_url(url)
                )),
            },
            None => Transport::Dir(
                AsyncFileTransport::<Tokio1Executor>::new(&settings.dir),
                settings.dir.clone(),
            ),
        };
        if let Transport::Broken(why) = &transport {
            tracing::error!(%why, "e-mail is not configured correctly; mails stay in the outbox");
        }
        Mailer { from, transport }
    }

    /// Sends one outbox e-mail; the outcome says whether to retry.
    pub async fn send(&self, mail: &OutboxEmail) -> AttemptOutcome {
        let permanent = |error: String| AttemptOutcome::Permanent {
            status_code: None,
            error,
        };
        let from = match &self.from {
            Ok(f) => f.clone(),
            Err(e) => {
                return AttemptOutcome::Retry {
                    status_code: None,
                    error: e.clone(),
                };
            }
        };
        let to = match mail.to.parse::<Mailbox>() {
            Ok(t) => t,
            Err(e) => return permanent(format!("recipient {:?}: {e}", mail.to)),
        };
        let message = match Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
        {
            Ok(m) => m,
            Err(e) => return permanent(format!("cannot build the message: {e}")),
        };
        match &self.transport {
            Transport::Smtp(t) => match t.send(message).await {
                Ok(r) => AttemptOutcome::Delivered {
                    status_code: r.code().to_string().parse::<i64>().ok(),
                },
                Err(e) if e.is_permanent() => permanent(format!("SMTP: {e}")),
                Err(e) => AttemptOutcome::Retry {
                    status_code: None,
                    error: format!("SMTP: {e}"),
                },
            },
            Transport::Dir(t, dir) => {
                if let Err(e) = tokio::fs::create_dir_all(dir).await {
                    return AttemptOutcome::Retry {
                        status_code: None,
                        error: format!("mail directory {}: {e}", dir.display()),
                    };
                }
                match t.send(message).await {
                    Ok(_) => AttemptOutcome::Delivered { status_code: None },
                    Err(e) => AttemptOutcome::Retry {
                        status_code: None,
                        error: format!("mail directory {}: {e}", dir.display()),
                    },
                }
            }
            Transport::Broken(why) => AttemptOutcome::Retry {
                status_code: None,
                error: why.clone(),
            },
        }
    }
}

/// What background jobs use to reach the outside world.
#[derive(Debug)]
pub struct Services {
    pub mailer: Mailer,
    pub http: reqwest::Client,
}

impl Services {
    pub fn new(mail: &MailSettings) -> Services {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tradelane/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot build the HTTP client; using defaults");
                reqwest::Client::new()
            });
        Services {
            mailer: Mailer::new(mail),
            http,
        }
    }

    /// Mail into `dir`, a real HTTP client.
    pub fn for_tests(dir: &Path) -> Services {
        Services::new(&MailSettings::to_dir(dir))
    }
}

type HmacSha256 = Hmac<Sha256>;

/// The signature header value for `body` sent at `unix_seconds`.
pub fn sign_payload(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail; an empty signature would be refused.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return format!("t={unix_seconds},v1=");
    };
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a signature header (for receivers, and our tests): right secret, and signed no more
/// than `tolerance_secs` before `now`.
pub fn verify_signature(
    secret: &str,
    header: &str,
    body: &[u8],
    now: Timestamp,
    tolerance_secs: i64,
) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(sig)) = (t, v1) else {
        return false;
    };
    if (now.as_second() - t).abs() > tolerance_secs {
        return false;
    }
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// One HTTP attempt of a due delivery.
pub async fn post_webhook(
    http: &reqwest::Client,
    due: &DueWebhook,
    now: Timestamp,
) -> AttemptOutcome {
    let body = due.delivery.payload.clone().into_bytes();
    let signature = sign_payload(&due.secret, now.as_second(), &body);
    let sent = http
        .post(&due.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_HEADER, due.delivery.event_kind.clone())
        .header(DELIVERY_HEADER, due.delivery.id.to_string())
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let code = i64::from(resp.status().as_u16());
            if resp.status().is_success() {
                AttemptOutcome::Delivered {
                    status_code: Some(code),
                }
            } else if code == 410 {
                AttemptOutcome::Permanent {
                    status_code: Some(code),
                    error: "410 Gone: the receiver asked not to send again".into(),
                }
            } else {
                AttemptOutcome::Retry {
                    status_code: Some(code),
                    error: format!("HTTP {code}"),
                }
            }
        }
        Err(e) => AttemptOutcome::Retry {
            status_code: None,
            error: if e.is_timeout() {
                "timed out".to_string()
            } else {
                format!("cannot reach the endpoint: {}", without_url(&e))
            },
        },
    }
}

fn without_url(e: &reqwest::Error) -> String {
    // The URL may carry a token in its query; the log keeps only the error kind.
    let mut e_str = e.to_string();
    if let Some(url) = e.url() {
        e_str = e_str.replace(url.as_str(), "<endpoint>");
    }
    e_str
}

/// Delivers the webhooks due at `now`. Returns (delivered, retrying, failed).
pub async fn deliver_webhooks(
    store: &Store,
    services: &Services,
    now: Timestamp,
) -> anyhow::Result<(usize, usize, usize)> {
    let due = store.due_webhook_deliveries(now, 200).await?;
    let mut counts = (0, 0, 0);
    for d in &due {
        let outcome = post_webhook(&services.http, d, now).await;
        match store
            .record_webhook_attempt(d.delivery.id, now, &outcome)
            .await?
        {
            DeliveryStatus::Delivered => counts.0 += 1,
            DeliveryStatus::Pending => counts.1 += 1,
            DeliveryStatus::Failed => counts.2 += 1,
        }
    }
    Ok(counts)
}

/// Sends the e-mails due at `now`. Returns (sent, retrying, failed).
pub async fn send_emails(
    store: &Store,
    services: &Services,
    now: Timestamp,
) -> anyhow::Result<(usize, usize, usize)> {
    let due = store.due_emails(now, 200).await?;
    let mut counts = (0, 0, 0);
    for m in &due {
        let outcome = services.mailer.send(m).await;
        match store.record_email_attempt(m.id, now, &outcome).await? {
            DeliveryStatus::Delivered => counts.0 += 1,
            DeliveryStatus::Pending => counts.1 += 1,
            DeliveryStatus::Failed => counts.2 += 1,
        }
    }
    Ok(counts)
}

/// Evaluates every organisation's exception rules at `now`.
pub async fn evaluate_all_exceptions(store: &Store, now: Timestamp) -> anyhow::Result<String> {
    let (mut shipments, mut raised, mut resolved) = (0, 0, 0);
    for org in store.list_orgs().await? {
        let r = store.evaluate_exceptions(org.id, now).await?;
        shipments += r.shipments;
        raised += r.raised;
        resolved += r.resolved;
    }
    Ok(format!(
        "{shipments} shipments checked, {raised} exceptions raised, {resolved} resolved"
    ))
}

/// The outbox tasks.
pub fn register(jobs: &mut Jobs) {
    jobs.every(
        "alerts.webhooks",
        Duration::from_secs(30),
        |ctx| async move {
            let (ok, retry, failed) = deliver_webhooks(&ctx.store, &ctx.services, ctx.now).await?;
            Ok(format!(
                "{ok} delivered, {retry} to retry, {failed} given up"
            ))
        },
    );
    jobs.every("alerts.email", Duration::from_secs(30), |ctx| async move {
        let (ok, retry, failed) = send_emails(&ctx.store, &ctx.services, ctx.now).await?;
        Ok(format!("{ok} sent, {retry} to retry, {failed} given up"))
    });
}

/// The shipment exception evaluation task.
pub fn register_exceptions(jobs: &mut Jobs) {
    jobs.every(
        "tracking.exceptions",
        Duration::from_secs(300),
        |ctx| async move { evaluate_all_exceptions(&ctx.store, ctx.now).await },
    );
}

/// Shared handle used by the app state.
pub type SharedServices = Arc<Services>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_expire() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let h = sign_payload("s3cret-s3cret-s3cret", now.as_second(), b"{\"a\":1}");
        assert!(h.starts_with(&format!("t={},v1=", now.as_second())));
        assert!(verify_signature(
            "s3cret-s3cret-s3cret",
            &h,
            b"{\"a\":1}",
            now,
            300
        ));
        assert!(!verify_signature(
            "other-secret-xxxxxx",
            &h,
            b"{\"a\":1}",
            now,
            300
        ));
        assert!(!verify_signature(
            "s3cret-s3cret-s3cret",
            &h,
            b"{\"a\":2}",
            now,
            300
        ));
        let later = now
            .checked_add(jiff::SignedDuration::from_secs(301))
            .unwrap();
        assert!(!verify_signature(
            "s3cret-s3cret-s3cret",
            &h,
            b"{\"a\":1}",
            later,
            300
        ));
        assert!(!verify_signature(
            "s3cret-s3cret-s3cret",
            "garbage",
            b"",
            now,
            300
        ));
    }

    #[test]
    fn known_vector() {
        // HMAC-SHA256(key="key", "0.The quick brown fox jumps over the lazy dog") computed
        // independently: `printf '0.The quick brown fox jumps over the lazy dog' | openssl dgst -sha256 -hmac key`.
        let h = sign_payload("key", 0, b"The quick brown fox jumps over the lazy dog");
        assert_eq!(
            h,
            "t=0,v1=8511f28f7a1949f0c42772b447d68b2daf760f5f0439a20a17e3b4e7cd395763"
        );
    }

    #[test]
    fn mail_settings_hide_the_password() {
        let s = MailSettings {
            smtp_url: Some("smtps://u:hunter2@mail.example:465".into()),
            from: "a@b.c".into(),
            dir: PathBuf::from("/tmp"),
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
