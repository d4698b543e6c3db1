//! Polling carrier tracking APIs over HTTP. The tracking engine's connectors
//! ([`tradelane_tracking::connector`]) build requests and parse responses without I/O; this
//! module sends them with reqwest (rustls), obtains and caches OAuth tokens (UPS, FedEx), retries
//! 429 and 5xx answers and network errors with exponential backoff (honouring `Retry-After`),
//! and stores what comes back through the organisation's normaliser and the batch ingest.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use thiserror::Error;
use tradelane_store::{
    Actor, ConnectorCredentials, ConnectorKind, RawIngestOptions, RawIngestReport, Store,
    StoreError, StoredConnector,
};
use tradelane_tracking::connector::{
    ConnectorError, DhlUnifiedConnector, FedexTrackConnector, HttpMethod, HttpRequest,
    HttpResponse, TrackRequest, TrackingConnector, UpsTrackConnector, parse_token_response,
};

/// How often and how long to retry one request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in total (first try included).
    pub attempts: u32,
    /// Delay before the second attempt; doubles each time.
    pub base_delay: Duration,
    /// Upper bound of any delay, including a server's `Retry-After`.
    pub max_delay: Duration,
    /// Timeout of one HTTP exchange.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `n + 1` (n ≥ 1) after a retryable answer.
    pub fn delay(&self, n: u32, retry_after_secs: Option<u64>) -> Duration {
        let backoff = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(n.saturating_sub(1)));
        let wanted = match retry_after_secs {
            Some(s) => Duration::from_secs(s).max(backoff),
            None => backoff,
        };
        wanted.min(self.max_delay)
    }
}

#[derive(Debug, Error)]
pub enum PollError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Connector(#[from] ConnectorError),
    #[error("HTTP request to {url} failed: {message}")]
    Transport { url: String, message: String },
}

/// What one poll of one connector did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PollOutcome {
    pub connector_id: i64,
    /// Tracking numbers asked about.
    pub numbers: usize,
    /// HTTP requests sent, retries included.
    pub requests: usize,
    /// Retries after 429 / 5xx / network errors.
    pub retries: usize,
    pub received: usize,
    pub inserted: usize,
    pub duplicates: usize,
    /// Per-number or per-event problems; the rest was stored.
    pub errors: Vec<String>,
}

/// Sends one request, retrying 429, 5xx and transport errors per `policy`. Returns the final
/// response (which may still be an error status) and how many attempts it took.
pub async fn send_with_retry(
    client: &reqwest::Client,
    req: &HttpRequest,
    policy: &RetryPolicy,
) -> Result<(HttpResponse, u32), PollError> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let result = send_once(client, req, policy.timeout).await;
        let retry_after = match &result {
            Ok(resp) if resp.status == 429 || resp.status >= 500 => Some(resp.retry_after_secs),
            Ok(_) => None,
            Err(_) => Some(None),
        };
        match retry_after {
            Some(after) if attempt < policy.attempts => {
                tokio::time::sleep(policy.delay(attempt, after)).await;
            }
            _ => return result.map(|r| (r, attempt)),
        }
    }
}

async fn send_once(
    client: &reqwest::Client,
    req: &HttpRequest,
    timeout: Duration,
) -> Result<HttpResponse, PollError> {
    let mut builder = match req.method {
        HttpMethod::Get => client.get(&req.url),
        HttpMethod::Post => client.post(&req.url),
    }
    .timeout(timeout);
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    if let Some(body) = &req.body {
        builder = builder.body(body.clone());
    }
    let transport = |e: reqwest::Error| PollError::Transport {
        url: req.url.clone(),
        message: e.without_url().to_string(),
    };
    let resp = builder.send().await.map_err(transport)?;
    let status = resp.status().as_u16();
    let retry_after_secs = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = resp.text().await.map_err(transport)?;
    Ok(HttpResponse {
        status,
        retry_after_secs,
        body,
    })
}

/// OAuth tokens by (connector id, base URL), with their expiry.
/// Access token and expiry per (connector id, base URL).
type TokenCache = Mutex<HashMap<(i64, String), (String, Timestamp)>>;

fn token_cache() -> &'static TokenCache {
    static CACHE: OnceLock<TokenCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

async fn oauth_token(
    client: &reqwest::Client,
    connector: &StoredConnector,
    creds: &ConnectorCredentials,
    policy: &RetryPolicy,
    now: Timestamp,
    outcome: &mut PollOutcome,
) -> Result<String, PollError> {
    let key = (connector.id, connector.base_url.clone());
    if let Some((token, until)) = token_cache().lock().ok().and_then(|c| c.get(&key).cloned())
        && until > now
    {
        return Ok(token);
    }
    let id = creds.client_id.as_deref().unwrap_or_default();
    let secret = creds.client_secret.as_deref().unwrap_or_default();
    let req = match connector.kind {
        ConnectorKind::UpsTrack => {
            UpsTrackConnector::token_request(&connector.base_url, id, secret)
        }
        _ => FedexTrackConnector::token_request(&connector.base_url, id, secret),
    };
    let (resp, attempts) = send_with_retry(client, &req, policy).await?;
    outcome.requests += attempts as usize;
    outcome.retries += attempts.saturating_sub(1) as usize;
    let (token, expires_in) = parse_token_response(&resp)?;
    // Renew a minute early; a token without a lifetime is used for this poll only.
    let until = now
        .checked_add(jiff::SignedDuration::from_secs(
            i64::try_from(expires_in.saturating_sub(60)).unwrap_or(0),
        ))
        .unwrap_or(now);
    if let Ok(mut c) = token_cache().lock() {
        c.insert(key, (token.clone(), until));
    }
    Ok(token)
}

/// Polls one connector for `numbers` (all open tracking numbers of its carriers when `None`)
/// and stores the events. Records the poll's time and outcome on the connector.
pub async fn poll_connector(
    store: &Store,
    client: &reqwest::Client,
    actor: &Actor,
    connector_id: i64,
    numbers: Option<Vec<String>>,
    policy: &RetryPolicy,
    now: Timestamp,
) -> Result<PollOutcome, PollError> {
    let org = actor.org_id;
    let connector = store.get_connector(org, connector_id).await?;
    let result = poll_inner(store, client, actor, &connector, numbers, policy, now).await;
    let error = match &result {
        Ok(o) if o.errors.is_empty() => None,
        Ok(o) => Some(o.errors.join("; ")),
        Err(e) => Some(e.to_string()),
    };
    store
        .record_connector_poll(org, connector_id, now, error.as_deref())
        .await?;
    result
}

async fn poll_inner(
    store: &Store,
    client: &reqwest::Client,
    actor: &Actor,
    connector: &StoredConnector,
    numbers: Option<Vec<String>>,
    policy: &RetryPolicy,
    now: Timestamp,
) -> Result<PollOutcome, PollError> {
    let org = actor.org_id;
    let mut outcome = PollOutcome {
        connector_id: connector.id,
        ..PollOutcome::default()
    };
    let numbers = match numbers {
        Some(n) => n,
        None => {
            store
                .numbers_to_poll(org, connector.kind.carriers())
                .await?
        }
    };
    outcome.numbers = numbers.len();
    if numbers.is_empty() {
        return Ok(outcome);
    }
    let creds = store.connector_credentials(org, connector.id).await?;
    let api: Box<dyn TrackingConnector + Send + Sync> = match connector.kind {
        ConnectorKind::DhlUnified => Box::new(DhlUnifiedConnector {
            base_url: connector.base_url.clone(),
            api_key: creds.api_key.clone().unwrap_or_default(),
        }),
        ConnectorKind::UpsTrack => Box::new(UpsTrackConnector {
            base_url: connector.base_url.clone(),
            access_token: oauth_token(client, connector, &creds, policy, now, &mut outcome).await?,
            transaction_source: "tradelane".into(),
        }),
        ConnectorKind::FedexTrack => Box::new(FedexTrackConnector {
            base_url: connector.base_url.clone(),
            access_token: oauth_token(client, connector, &creds, policy, now, &mut outcome).await?,
        }),
    };
    let request_id = format!("tl-{}-{}", connector.id, now.as_millisecond());
    let requests = api.build_requests(&TrackRequest {
        tracking_numbers: numbers,
        language: Some("en".into()),
        request_id,
    })?;
    let mut raws = Vec::new();
    for req in &requests {
        let (resp, attempts) = match send_with_retry(client, req, policy).await {
            Ok(r) => r,
            Err(e) => {
                outcome.requests += policy.attempts as usize;
                outcome.errors.push(e.to_string());
                continue;
            }
        };
        outcome.requests += attempts as usize;
        outcome.retries += attempts.saturating_sub(1) as usize;
        match api.parse_response(req, &resp) {
            Ok(parsed) => {
                for s in parsed.shipments.iter().filter(|s| s.not_found) {
                    outcome.errors.push(format!(
                        "{}: not known to the carrier yet",
                        s.tracking_number
                    ));
                }
                raws.extend(parsed.events);
            }
            // A 401 stops the poll: every other request would fail the same way.
            Err(e @ ConnectorError::Unauthorized { .. }) => return Err(e.into()),
            Err(e) => outcome
                .errors
                .push(format!("{}: {e}", req.tracking_numbers.join(", "))),
        }
    }
    if !raws.is_empty() {
        let normalizer = store.org_normalizer(org).await?;
        let report: RawIngestReport = store
            .ingest_raw(
                actor,
                &normalizer,
                raws,
                &RawIngestOptions {
                    create_missing: false,
                    default_carrier: Some(connector.kind.carriers()[0].to_string()),
                },
            )
            .await?;
        outcome.received = report.received;
        outcome.inserted = report.inserted;
        outcome.duplicates = report.duplicates;
        outcome.errors.extend(
            report
                .errors
                .into_iter()
                .map(|e| format!("event {} ({}): {}", e.index, e.tracking_number, e.message)),
        );
    }
    Ok(outcome)
}

/// Polls every enabled connector whose interval has passed; returns one outcome (or error
/// text) per connector polled. This is the periodic job's body.
pub async fn poll_due(
    store: &Store,
    client: &reqwest::Client,
    policy: &RetryPolicy,
    now: Timestamp,
) -> Result<Vec<(i64, Result<PollOutcome, String>)>, StoreError> {
    let mut out = Vec::new();
    for c in store.all_enabled_connectors().await? {
        if !c.due(now) {
            continue;
        }
        let actor = Actor::new(c.org_id, None, "carrier poll");
        let result = poll_connector(store, client, &actor, c.id, None, policy, now)
            .await
            .map_err(|e| e.to_string());
        out.push((c.id, result));
    }
    Ok(out)
}

/// Registers the periodic carrier poll: every minute the runner looks at every organisation's
/// enabled connectors and polls those whose own interval (`poll_minutes`) has passed since their
/// last poll, for the open (not delivered, returned or cancelled) shipments of their carriers.
/// A connector's failure (bad key, carrier down after the retries) is recorded on the connector
/// and does not stop the others.
pub fn register(jobs: &mut crate::jobs::Jobs) {
    jobs.every("tracking.poll", Duration::from_secs(60), |ctx| async move {
        let policy = crate::api::tracking_ops::poll_policy();
        let results = poll_due(&ctx.store, &ctx.services.http, &policy, ctx.now).await?;
        Ok(poll_summary(&results))
    });
}

/// One line for the jobs table: what the run polled and stored.
pub fn poll_summary(results: &[(i64, Result<PollOutcome, String>)]) -> String {
    let polled = results.len();
    let (mut numbers, mut inserted, mut failed) = (0usize, 0usize, Vec::new());
    for (id, r) in results {
        match r {
            Ok(o) => {
                numbers += o.numbers;
                inserted += o.inserted;
                if !o.errors.is_empty() {
                    failed.push(format!("connector {id}: {}", o.errors.join("; ")));
                }
            }
            Err(e) => failed.push(format!("connector {id}: {e}")),
        }
    }
    let mut line =
        format!("{polled} connectors polled, {numbers} tracking numbers, {inserted} new events");
    if !failed.is_empty() {
        line.push_str(&format!(
            ", {} with errors ({})",
            failed.len(),
            failed.join(" | ")
        ));
    }
    line
}

/// The HTTP client for carrier APIs (rustls; no cookies; a clear user agent).
pub fn http_client() -> Result<reqwest::Client, PollError> {
    reqwest::Client::builder()
        .user_agent(concat!("tradelane/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PollError::Transport {
            url: String::new(),
            message: e.to_string(),
        })
}
