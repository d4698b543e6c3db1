//! `tradelane bench api`: seed a catalogue, start the real server as a child process, and load
//! the catalogue list/search API over loopback with concurrent keep-alive connections.
//! Baseline in the same run: the cheapest authenticated request the server answers (who am I),
//! so the list/search figures can be read as "cost on top of the HTTP stack and auth".

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tradelane_store::{Actor, NewUser, Role, Store};

use crate::bench::import::{fresh_org, scratch};
use crate::bench::load::{self, LoadPlan, LoadResult};
use crate::bench::{peak_rss_kib, synthetic};
use crate::cli::{BenchApiArgs, GlobalOpts};
use crate::commands::import::{ImportSource, prepare_import};

/// Kills the server child when the benchmark ends, however it ends.
struct ServerChild(Child);

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn run(global: &GlobalOpts, args: &BenchApiArgs) -> Result<()> {
    if args.skus == 0 || args.connections == 0 || args.requests == 0 {
        bail!("--skus, --connections and --requests must be at least 1");
    }
    let scratch = scratch(global)?;
    let backend = tradelane_store::Backend::from_url(&scratch.url)?;
    eprintln!(
        "database: {} ({backend})",
        tradelane_store::redact_url(&scratch.url)
    );
    let store = Store::connect(&scratch.url)
        .await
        .context("opening the database")?;
    let system = fresh_org(&store, "api").await?;
    let user = store
        .create_user(
            &system,
            NewUser {
                org_id: system.org_id,
                email: format!("bench-{}@tradelane.local", system.org_id),
                display_name: "Benchmark".into(),
                password_hash: tradelane_server::auth::hash_password("bench-password-not-used")?,
                role: Role::Owner,
                locale: tradelane_domain::UiLang::En,
            },
        )
        .await
        .context("creating the benchmark user")?;
    let (token, hash, prefix) = tradelane_server::auth::new_api_token();
    store
        .create_api_token(&Actor::user(&user), "bench", &hash, &prefix, Role::Viewer)
        .await
        .context("creating the benchmark token")?;

    let seed_start = Instant::now();
    let mut csv = Vec::new();
    synthetic::write_csv(args.skus, &mut csv)?;
    let prepared = tokio::task::spawn_blocking(move || {
        prepare_import(
            ImportSource::Bytes {
                name: "bench.csv".into(),
                bytes: csv,
            },
            None,
        )
    })
    .await??;
    let outcome = store
        .import_skus(&Actor::user(&user), &prepared.records, "bench api seed")
        .await
        .context("seeding the catalogue")?;
    drop(prepared);
    eprintln!(
        "seeded {} SKUs in {:.2?} (peak RSS {:.0} MB)",
        outcome.created,
        seed_start.elapsed(),
        peak_rss_kib().unwrap_or(0) as f64 / 1024.0
    );
    drop(store);

    let addr = free_loopback_addr()?;
    let _server = start_server(global, &scratch.url, scratch.dir.path(), addr)?;
    wait_until_up(addr, &token).await?;

    let per_page = 50;
    let deep_pages = (args.skus / per_page).max(1);
    let scenarios: Vec<(&str, Vec<String>)> = vec![
        (
            "baseline: GET /api/v1/me (HTTP + token auth, no catalogue)",
            vec!["/api/v1/me".to_string()],
        ),
        (
            "list, first page (50)",
            vec![format!("/api/v1/skus?page=1&per_page={per_page}")],
        ),
        (
            "list, random deep pages",
            (0..64)
                .map(|i| {
                    format!(
                        "/api/v1/skus?page={}&per_page={per_page}",
                        1 + (i * 7919) % deep_pages
                    )
                })
                .collect(),
        ),
        (
            "search text (q=)",
            ["earbuds", "bottle", "harness", "LED", "蓝牙", "BN-0421"]
                .iter()
                .map(|q| format!("/api/v1/skus?q={}&per_page={per_page}", percent_encode(q)))
                .collect(),
        ),
        (
            "filter HS prefix",
            ["8507", "851830", "9503", "6109"]
                .iter()
                .map(|p| format!("/api/v1/skus?hs_prefix={p}&per_page={per_page}"))
                .collect(),
        ),
        (
            "filter brand + origin",
            ["Lumora", "Sonique"]
                .iter()
                .map(|b| format!("/api/v1/skus?brand={b}&origin=VN&per_page={per_page}"))
                .collect(),
        ),
    ];

    println!(
        "## bench api ({backend}, {} SKUs, {} connections, {} requests per scenario)",
        args.skus, args.connections, args.requests
    );
    println!();
    println!("| scenario | p50 | p90 | p99 | max | req/s | non-2xx |");
    println!("|---|---|---|---|---|---|---|");
    let mut baseline_p99 = None;
    for (name, paths) in scenarios {
        // Warm-up: caches, prepared statements, connection pool.
        load::run(LoadPlan {
            addr,
            bearer: Some(token.clone()),
            paths: paths.clone(),
            connections: args.connections,
            requests: (args.requests / 10).max(args.connections),
        })
        .await
        .with_context(|| format!("warming up {name}"))?;
        let result = load::run(LoadPlan {
            addr,
            bearer: Some(token.clone()),
            paths,
            connections: args.connections,
            requests: args.requests,
        })
        .await
        .with_context(|| format!("measuring {name}"))?;
        print_row(name, &result);
        if baseline_p99.is_none() {
            baseline_p99 = Some(result.latencies.p99);
        }
    }
    println!();
    if let Some(p99) = baseline_p99 {
        println!(
            "baseline p99 {:.2} ms: the HTTP + auth floor the other rows pay too",
            ms(p99)
        );
    }
    Ok(())
}

fn print_row(name: &str, r: &LoadResult) {
    println!(
        "| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.0} | {} |",
        ms(r.latencies.p50),
        ms(r.latencies.p90),
        ms(r.latencies.p99),
        ms(r.latencies.max),
        r.requests_per_second(),
        r.non_success
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn free_loopback_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?)
}

fn start_server(
    global: &GlobalOpts,
    url: &str,
    data_dir: &std::path::Path,
    addr: SocketAddr,
) -> Result<ServerChild> {
    let exe = std::env::current_exe().context("locating the tradelane binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("serve")
        .arg("--bind")
        .arg(addr.to_string())
        .arg("--database-url")
        .arg(url)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(org) = &global.org {
        cmd.arg("--org").arg(org);
    }
    Ok(ServerChild(cmd.spawn().context("starting the server")?))
}

async fn wait_until_up(addr: SocketAddr, token: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let probe = load::run(LoadPlan {
            addr,
            bearer: Some(token.to_string()),
            paths: vec!["/api/v1/skus?per_page=1".into()],
            connections: 1,
            requests: 1,
        })
        .await;
        match probe {
            Ok(r) if r.non_success == 0 => return Ok(()),
            Ok(_) => bail!("the server answers the catalogue API with an error; see the log above"),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => return Err(e.context("the server did not come up within 60 s")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(percent_encode("蓝牙"), "%E8%93%9D%E7%89%99");
        assert_eq!(percent_encode("LED strip"), "LED%20strip");
        assert_eq!(percent_encode("BN-0421"), "BN-0421");
    }
}
