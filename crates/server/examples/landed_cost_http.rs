//! HTTP benchmark of `POST /api/v1/landed-cost/quotes` on loopback: batches of 1,000 lines, latency percentiles,
//! against the naive baseline of one request per line. Run with
//! `cargo run --release -p tradelane-server --example landed_cost_http -- [ROUNDS]`.
//!
//! A fresh SQLite store (in a temporary directory) holds one organisation, an operator token and the rates the
//! quotes need. Three shapes are timed, each ROUNDS times (default 200):
//! * one consignment of 1,000 lines (`QuoteRequest` with 1,000 lines), not saved;
//! * a batch of 1,000 one-line consignments (`{"requests": [...]}`), not saved (`save=false`);
//! * the same batch saved (1,000 quote rows and one audit entry per request, one transaction);
//! * baseline: the same 1,000 consignments sent as 1,000 separate requests on one keep-alive connection.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tradelane_server::auth::new_api_token;
use tradelane_server::{AppState, ServerConfig, build_app};
use tradelane_store::landed_cost::ecb_csv_rows;
use tradelane_store::{Actor, NewUser, Role};

const ECB: &str =
    "Date,USD,CNY,GBP,JPY,AUD,CAD,\n2026-07-15,1.1700,8.4000,0.8600,172.5,1.78,1.60,\n";

/// Destinations and codes mixed so lookups are not all the same path.
const MARKETS: &[(&str, Option<&str>)] = &[
    ("DE", None),
    ("FR", None),
    ("GB", None),
    ("US", None),
    ("AU", None),
];
const CODES: &[&str] = &[
    "6109.10.00",
    "8518.30.20",
    "4202.22.15",
    "6402.99.31",
    "9503.00.00",
];
/// Codes the EU, UK and Australian tariffs of the built-in pack rate at this length.
const EU_CODES: &[&str] = &["6109.10.00", "8518.30.20"];

fn line(country: &str, i: usize) -> Value {
    let codes = if country == "US" { CODES } else { EU_CODES };
    json!({"hs_code": codes[(i / MARKETS.len()) % codes.len()], "origin": "CN",
           "value": {"amount": format!("{}.50", 10 + i % 90), "currency": "USD"},
           "quantity": "1", "net_weight_kg": "0.4"})
}

fn request(i: usize, lines: Vec<Value>) -> Value {
    let (country, sub) = MARKETS[i % MARKETS.len()];
    json!({"lines": lines, "destination": {"country": country, "subdivision": sub},
           "mode": "express", "incoterm": "DDP", "channel": "own_shop",
           "date": "2026-07-15", "seller_currency": "CNY"})
}

struct Client {
    stream: TcpStream,
    token: String,
    buf: Vec<u8>,
}

impl Client {
    /// One HTTP/1.1 POST on the kept-alive connection; returns status and body.
    async fn post(&mut self, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.token,
            body.len()
        );
        // One write: head and body in separate segments would wait on the peer's delayed ACK (Nagle).
        let mut message = head.into_bytes();
        message.extend_from_slice(body);
        self.stream.write_all(&message).await.expect("write");
        self.buf.clear();
        let mut chunk = [0u8; 65536];
        loop {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
            let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&self.buf[..end]).to_lowercase();
            let status: u16 = head[9..12].parse().expect("status");
            if let Some(len) = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
            {
                while self.buf.len() < end + 4 + len {
                    let n = self.stream.read(&mut chunk).await.expect("read");
                    assert!(n > 0, "connection closed");
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                return (status, self.buf[end + 4..end + 4 + len].to_vec());
            }
            // Chunked: read until the terminating chunk.
            while !self.buf.ends_with(b"0\r\n\r\n") {
                let n = self.stream.read(&mut chunk).await.expect("read");
                assert!(n > 0, "connection closed");
                self.buf.extend_from_slice(&chunk[..n]);
            }
            return (status, Vec::new());
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn report(name: &str, mut times: Vec<Duration>) -> Duration {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<48} n={:<4} p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().expect("at least one round"))
    );
    percentile(&times, 0.5)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = tradelane_store::Store::open_default(dir.path())
        .await
        .expect("store");
    let org = store.create_org("Bench").await.expect("org");
    let user = store
        .create_user(
            &Actor::cli(org.id),
            NewUser {
                org_id: org.id,
                email: "bench@example.com".into(),
                display_name: "Bench".into(),
                password_hash: "unused".into(),
                role: Role::Operator,
                locale: tradelane_domain::UiLang::En,
            },
        )
        .await
        .expect("user");
    let (token, hash, prefix) = new_api_token();
    store
        .create_api_token(&Actor::user(&user), "bench", &hash, &prefix, Role::Operator)
        .await
        .expect("token");
    store
        .upsert_fx_rates(None, &ecb_csv_rows(ECB).expect("rates"))
        .await
        .expect("rates stored");
    let config = ServerConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        database_url: None,
        data_dir: dir.path().to_path_buf(),
        secure_cookies: false,
    };
    let app = build_app(AppState::new(store.clone(), config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    let mut client = Client {
        stream: {
            let stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            stream
        },
        token,
        buf: Vec::new(),
    };

    let consignment =
        serde_json::to_vec(&request(0, (0..1000).map(|i| line("DE", i)).collect())).expect("json");
    let batch: Vec<Value> = (0..1000)
        .map(|i| request(i, vec![line(MARKETS[i % MARKETS.len()].0, i)]))
        .collect();
    let batch_body = serde_json::to_vec(&json!({ "requests": batch })).expect("json");
    let singles: Vec<Vec<u8>> = batch
        .iter()
        .map(|r| serde_json::to_vec(r).expect("json"))
        .collect();

    // Warm-up (pack and rates load into the cache), and a check that everything quotes.
    let (status, body) = client
        .post("/api/v1/landed-cost/quotes?save=false", &batch_body)
        .await;
    let parsed: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(status, 200, "{parsed}");
    let first_error = parsed["results"]
        .as_array()
        .and_then(|r| r.iter().find(|i| i.get("error").is_some()))
        .map(|i| i["error"].to_string());
    assert_eq!(parsed["failed"], 0, "first error: {first_error:?}");
    let (status, body) = client
        .post("/api/v1/landed-cost/quotes?save=false", &consignment)
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    println!(
        "landed-cost HTTP on loopback, {rounds} rounds each, request bodies: consignment {} KB, batch {} KB",
        consignment.len() / 1024,
        batch_body.len() / 1024
    );
    let time = |times: &mut Vec<Duration>, t: Instant| times.push(t.elapsed());
    let mut t_cons = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let (status, _) = client
            .post("/api/v1/landed-cost/quotes?save=false", &consignment)
            .await;
        time(&mut t_cons, t);
        assert_eq!(status, 200);
    }
    report("1 consignment x 1,000 lines (not saved)", t_cons);
    let mut t_batch = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let (status, _) = client
            .post("/api/v1/landed-cost/quotes?save=false", &batch_body)
            .await;
        time(&mut t_batch, t);
        assert_eq!(status, 200);
    }
    let batch_p50 = report("batch of 1,000 one-line requests (not saved)", t_batch);
    let mut t_saved = Vec::new();
    for _ in 0..rounds.min(50) {
        let t = Instant::now();
        let (status, _) = client.post("/api/v1/landed-cost/quotes", &batch_body).await;
        time(&mut t_saved, t);
        assert_eq!(status, 200);
    }
    report("batch of 1,000 one-line requests (saved)", t_saved);
    let baseline_rounds = (rounds / 100).max(1);
    let mut t_base = Vec::new();
    for _ in 0..baseline_rounds {
        let t = Instant::now();
        for body in &singles {
            let (status, _) = client
                .post("/api/v1/landed-cost/quotes?save=false", body)
                .await;
            assert_eq!(status, 200);
        }
        time(&mut t_base, t);
    }
    let base_p50 = report("baseline: 1,000 separate requests (not saved)", t_base);
    println!(
        "batch vs one request per line (p50): {:.1}x faster",
        base_p50.as_secs_f64() / batch_p50.as_secs_f64()
    );
}
