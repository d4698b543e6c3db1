//! The HTTP side every provider shares: one client (rustls with the ring provider), a
//! request-rate limiter, and retries with exponential backoff on timeouts, 429 and 5xx.

use std::sync::{Arc, Once};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Why a provider call failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProviderError {
    #[error("the provider did not answer within {0} ms")]
    Timeout(u64),
    #[error("rate limited by the provider (HTTP 429)")]
    RateLimited { retry_after: Option<Duration> },
    #[error("provider error HTTP {status}: {message}")]
    Server { status: u16, message: String },
    /// 4xx other than 429: bad key, quota used up, unsupported language. Not retried.
    #[error("provider refused the request HTTP {status}: {message}")]
    Rejected { status: u16, message: String },
    #[error("cannot reach the provider: {0}")]
    Connect(String),
    /// The answer does not have the documented shape.
    #[error("unreadable provider answer: {0}")]
    Decode(String),
    #[error("provider configuration: {0}")]
    Config(String),
    #[error("language not supported by this provider: {0}")]
    Unsupported(String),
}

impl ProviderError {
    /// Worth trying again later (same request).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::Timeout(_)
                | ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
                | ProviderError::Connect(_)
        )
    }
}

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total (first try included).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `attempt + 1` (attempt counts from 1): base × 2^(attempt−1), capped;
    /// a server's Retry-After wins when it is longer (still capped).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        exp.max(retry_after.unwrap_or_default()).min(self.max_delay)
    }
}

/// Spaces requests at least `60 s / requests_per_minute` apart (shared by clones).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    interval: Option<Duration>,
    next: Arc<Mutex<Option<Instant>>>,
}

impl RateLimiter {
    pub fn new(requests_per_minute: Option<u32>) -> RateLimiter {
        RateLimiter {
            interval: requests_per_minute
                .filter(|&n| n > 0)
                .map(|n| Duration::from_secs(60) / n),
            next: Arc::new(Mutex::new(None)),
        }
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let wait_until = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(wait_until).await;
    }
}

static CRYPTO: Once = Once::new();

/// The HTTP client: rustls with the ring crypto provider, system roots via the platform
/// verifier, the given per-request timeout.
pub fn client(timeout: Duration) -> Result<reqwest::Client, ProviderError> {
    CRYPTO.call_once(|| {
        // Fails only when a provider is already installed, which is what we want anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("tradelane/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProviderError::Config(format!("cannot build the HTTP client: {e}")))
}

/// A JSON POST with the retry policy applied. Returns the parsed body and how many retries
/// were made.
pub async fn post_json(
    client: &reqwest::Client,
    limiter: &RateLimiter,
    policy: &RetryPolicy,
    timeout_ms: u64,
    url: &str,
    headers: &[(&str, String)],
    body: &serde_json::Value,
) -> (Result<serde_json::Value, ProviderError>, u64) {
    let mut attempt = 0u32;
    let mut retries = 0u64;
    loop {
        attempt += 1;
        limiter.acquire().await;
        let result = post_once(client, timeout_ms, url, headers, body).await;
        match result {
            Err(e) if e.is_retryable() && attempt < policy.max_attempts.max(1) => {
                let retry_after = match &e {
                    ProviderError::RateLimited { retry_after } => *retry_after,
                    _ => None,
                };
                let delay = policy.delay(attempt, retry_after);
                tracing::warn!(url, attempt, error = %e, delay_ms = delay.as_millis() as u64, "provider call failed, retrying");
                retries += 1;
                tokio::time::sleep(delay).await;
            }
            other => return (other, retries),
        }
    }
}

async fn post_once(
    client: &reqwest::Client,
    timeout_ms: u64,
    url: &str,
    headers: &[(&str, String)],
    body: &serde_json::Value,
) -> Result<serde_json::Value, ProviderError> {
    let mut req = client.post(url).json(body);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let resp = req.send().await.map_err(|e| classify(e, timeout_ms))?;
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = resp.text().await.map_err(|e| classify(e, timeout_ms))?;
    if status.as_u16() == 429 {
        return Err(ProviderError::RateLimited { retry_after });
    }
    if status.is_server_error() {
        return Err(ProviderError::Server {
            status: status.as_u16(),
            message: short(&text),
        });
    }
    if !status.is_success() {
        return Err(ProviderError::Rejected {
            status: status.as_u16(),
            message: short(&text),
        });
    }
    serde_json::from_str(&text).map_err(|e| ProviderError::Decode(format!("not JSON: {e}")))
}

fn classify(e: reqwest::Error, timeout_ms: u64) -> ProviderError {
    if e.is_timeout() {
        ProviderError::Timeout(timeout_ms)
    } else {
        // The URL may carry credentials in odd setups: report without it.
        ProviderError::Connect(e.without_url().to_string())
    }
}

/// The first 300 chars of an error body, on one line.
fn short(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(300).collect();
    if one_line.chars().count() > 300 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        assert_eq!(p.delay(1, None), Duration::from_millis(100));
        assert_eq!(p.delay(2, None), Duration::from_millis(200));
        assert_eq!(p.delay(3, None), Duration::from_millis(400));
        assert_eq!(p.delay(6, None), Duration::from_secs(1));
        assert_eq!(
            p.delay(1, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_spaces_requests() {
        let l = RateLimiter::new(Some(120)); // one per 500 ms
        let start = Instant::now();
        for _ in 0..3 {
            l.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }
}
