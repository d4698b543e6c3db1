//! A closed-loop HTTP/1.1 load generator for loopback measurements: N keep-alive connections,
//! each sending its next request as soon as the previous response body has arrived.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::header::{AUTHORIZATION, HOST};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One load run: which paths to request (round-robin over the request index) and how hard.
pub struct LoadPlan {
    pub addr: SocketAddr,
    pub bearer: Option<String>,
    pub paths: Vec<String>,
    pub connections: usize,
    pub requests: usize,
}

#[derive(Debug, Clone)]
pub struct LoadResult {
    pub latencies: LatencySummary,
    pub requests: usize,
    pub non_success: usize,
    pub wall: Duration,
    pub bytes: u64,
}

impl LoadResult {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencySummary {
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean: Duration,
}

/// Nearest-rank percentiles of `samples` (which it sorts). None for no samples.
pub fn summarize(samples: &mut [Duration]) -> Option<LatencySummary> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = |p: f64| {
        let n = samples.len();
        let idx = ((p / 100.0) * n as f64).ceil() as usize;
        samples[idx.clamp(1, n) - 1]
    };
    let total: Duration = samples.iter().sum();
    Some(LatencySummary {
        p50: rank(50.0),
        p90: rank(90.0),
        p99: rank(99.0),
        max: samples[samples.len() - 1],
        mean: total / u32::try_from(samples.len()).unwrap_or(u32::MAX),
    })
}

pub async fn run(plan: LoadPlan) -> Result<LoadResult> {
    if plan.paths.is_empty() || plan.connections == 0 {
        bail!("a load run needs at least one path and one connection");
    }
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(plan.connections);
    for _ in 0..plan.connections {
        let plan = Arc::clone(&plan);
        let next = Arc::clone(&next);
        workers.push(tokio::spawn(async move { connection(&plan, &next).await }));
    }
    let mut samples = Vec::with_capacity(plan.requests);
    let mut non_success = 0;
    let mut bytes = 0;
    for worker in workers {
        let outcome = worker.await.context("load worker panicked")??;
        samples.extend(outcome.samples);
        non_success += outcome.non_success;
        bytes += outcome.bytes;
    }
    let wall = started.elapsed();
    let requests = samples.len();
    let latencies = summarize(&mut samples).context("no request completed")?;
    Ok(LoadResult {
        latencies,
        requests,
        non_success,
        wall,
        bytes,
    })
}

struct WorkerOutcome {
    samples: Vec<Duration>,
    non_success: usize,
    bytes: u64,
}

async fn connection(plan: &LoadPlan, next: &AtomicUsize) -> Result<WorkerOutcome> {
    let stream = TcpStream::connect(plan.addr)
        .await
        .with_context(|| format!("connecting to {}", plan.addr))?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP handshake")?;
    tokio::spawn(conn);
    let host = plan.addr.to_string();
    let mut outcome = WorkerOutcome {
        samples: Vec::new(),
        non_success: 0,
        bytes: 0,
    };
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= plan.requests {
            break;
        }
        let path = &plan.paths[i % plan.paths.len()];
        let mut builder = Request::get(path.as_str()).header(HOST, host.as_str());
        if let Some(token) = &plan.bearer {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = builder.body(Empty::<Bytes>::new())?;
        let start = Instant::now();
        sender
            .ready()
            .await
            .context("connection closed by server")?;
        let response = sender
            .send_request(request)
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        outcome.samples.push(start.elapsed());
        outcome.bytes += body.len() as u64;
        if !status.is_success() {
            outcome.non_success += 1;
            if outcome.non_success == 1 {
                tracing::warn!(%path, %status, body = %String::from_utf8_lossy(&body), "non-success response");
            }
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(ms).collect();
        let s = summarize(&mut samples).expect("samples");
        assert_eq!(s.p50, ms(50));
        assert_eq!(s.p90, ms(90));
        assert_eq!(s.p99, ms(99));
        assert_eq!(s.max, ms(100));
        assert_eq!(s.mean, Duration::from_micros(50_500));
    }

    #[test]
    fn single_sample_is_every_percentile() {
        let s = summarize(&mut [ms(7)]).expect("one sample");
        assert_eq!((s.p50, s.p99, s.max), (ms(7), ms(7), ms(7)));
        assert!(summarize(&mut []).is_none());
    }
}
