//! Tracking ingestion and re-derivation at scale on SQLite and (when reachable) PostgreSQL,
//! each against a row-at-a-time baseline in the same run:
//!
//! 1. batch ingest (`Store::ingest_raw`: normalise + multi-row inserts + de-dup + state
//!    derivation, one transaction per batch) of EVENTS raw events, 8 per shipment, shipments
//!    created on the fly; baseline: `Store::ingest_events` one shipment at a time (single-row
//!    inserts, one transaction per shipment) on a sample;
//! 2. a replay of the first batch (everything a duplicate);
//! 3. re-deriving every shipment's status from its stored events (`Store::rederive_all`) with
//!    REDERIVE_SHIPMENTS shipments × 10 events; baseline: one shipment at a time through the
//!    single-shipment path on a sample.
//!
//! cargo run --release -p tradelane-store --features test-support --example tracking_bench -- \
//!     [EVENTS] [REDERIVE_SHIPMENTS]
//! (`STORE_BENCH_BACKENDS=sqlite` or `postgres` limits it to one backend.)
//!
//! Besides wall-clock rates it prints CPU time (Linux `/proc`): this process's user + system
//! time, plus on PostgreSQL the server backends serving the bench database, so the figures mean
//! something on a machine shared with other work ("events per CPU-second").

use std::sync::Arc;
use std::time::{Duration, Instant};

use tradelane_domain::UiLang;
use tradelane_store::testing::{self, TestStore};
use tradelane_store::{Actor, NewShipment, NewUser, RawIngestOptions, Role, Store};
use tradelane_tracking::{MappingSet, Normalizer, RawEvent, RawTimestamp};

// The allocator the tradelane binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A shipment's journey as carriers report it: code, text, hours after the first event.
const UPS: [(&str, &str, i64); 8] = [
    ("MP", "Order Processed: Ready for UPS", 0),
    ("OR", "Origin Scan", 20),
    ("DP", "Departed from Facility", 26),
    ("AR", "Arrived at Facility", 60),
    ("DP", "Departed from Facility", 66),
    ("AR", "Arrived at Facility", 90),
    ("OT", "Out For Delivery Today", 110),
    ("KB", "DELIVERED", 118),
];
const YUN: [(&str, &str, i64); 8] = [
    ("", "快件已揽收", 0),
    ("", "已到达深圳分拨中心", 12),
    ("", "离开深圳，发往香港", 20),
    ("", "航班已起飞", 40),
    ("", "Arrived at destination airport", 60),
    ("", "Customs clearance completed", 80),
    ("", "Out for delivery", 100),
    ("", "Delivered, signed by recipient", 110),
];

fn journey(i: usize, per: usize) -> Vec<RawEvent> {
    let base = 1_764_000_000 + (i as i64 % 5_000) * 3_600;
    let chinese = i.is_multiple_of(3);
    (0..per)
        .map(|k| {
            let (code, text, h) = if chinese { YUN[k % 8] } else { UPS[k % 8] };
            let at = jiff::Timestamp::from_second(base + h * 3_600 + (k / 8) as i64 * 86_400)
                .expect("time");
            let ts = if chinese {
                // Forwarders write Beijing time without an offset.
                at.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone"))
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            } else {
                at.to_string()
            };
            RawEvent {
                source: "bench".into(),
                carrier: if chinese { "yunexpress" } else { "ups" }.into(),
                tracking_number: if chinese {
                    format!("YT{i:014}")
                } else {
                    format!("1ZBENCH{i:010}")
                },
                code: (!code.is_empty()).then(|| code.to_string()),
                text: Some(text.to_string()),
                timestamp: RawTimestamp::new(ts),
                payload: Some(serde_json::json!({"seq": k})),
                ..RawEvent::default()
            }
        })
        .collect()
}

async fn actor_for(store: &Store, name: &str) -> Actor {
    let org = store.create_org(name).await.expect("org");
    let owner = store
        .create_user(
            &Actor::cli(org.id),
            NewUser {
                org_id: org.id,
                email: format!("owner@{}.example", name.to_lowercase()),
                display_name: "Owner".into(),
                password_hash: "x".into(),
                role: Role::Owner,
                locale: UiLang::En,
            },
        )
        .await
        .expect("user");
    Actor::user(&owner)
}

/// CPU seconds (user + system) of a process from `/proc/<pid>/stat`; 0 when unreadable.
fn proc_cpu_secs(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may contain spaces) start at state (field 3).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 (indices 11 and 12 after the state field).
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of this process and of the PostgreSQL backends of its database.
async fn cpu_secs(store: &Store) -> f64 {
    let (own, server) = cpu_split(store).await;
    own + server
}

/// CPU seconds of this process, and of the PostgreSQL backends serving its database.
async fn cpu_split(store: &Store) -> (f64, f64) {
    let own = proc_cpu_secs("self");
    let mut total = 0.0;
    if store.backend() == tradelane_store::Backend::Postgres
        && let Ok(mut conn) = {
            use sqlx::Connection;
            sqlx::AnyConnection::connect(store.url().expose()).await
        }
        && let Ok(rows) = sqlx::query(
            "SELECT pid::BIGINT AS pid FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid()",
        )
        .fetch_all(&mut conn)
        .await
    {
        for r in rows {
            use sqlx::Row;
            if let Ok(pid) = r.try_get::<i64, _>("pid") {
                total += proc_cpu_secs(&pid.to_string());
            }
        }
    }
    (own, total)
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

const BATCH: usize = 10_000;

/// Ingests `events` in batches of [`BATCH`] through `writers` concurrent writers (each its own
/// connection and its own batches, as concurrent webhook requests or import workers would be);
/// returns the wall time and how many events were new.
async fn ingest_all(
    store: &Store,
    actor: &Actor,
    n: &Arc<Normalizer>,
    events: &[RawEvent],
    writers: usize,
) -> (Duration, usize) {
    // Batches arrive owned (parsed from a request or a file), so copying them is not timed.
    let mut queues: Vec<Vec<Vec<RawEvent>>> = vec![Vec::new(); writers.max(1)];
    for (i, chunk) in events.chunks(BATCH).enumerate() {
        let w = i % queues.len();
        queues[w].push(chunk.to_vec());
    }
    let (own0, server0) = cpu_split(store).await;
    let t = Instant::now();
    let tasks: Vec<_> = queues
        .into_iter()
        .map(|batches| {
            let (store, actor, n) = (store.clone(), actor.clone(), Arc::clone(n));
            tokio::spawn(async move {
                let options = RawIngestOptions {
                    create_missing: true,
                    default_carrier: None,
                };
                let mut inserted = 0;
                for batch in batches {
                    let r = store
                        .ingest_raw(&actor, &n, batch, &options)
                        .await
                        .expect("ingest");
                    assert!(
                        r.errors.is_empty(),
                        "{:?}",
                        &r.errors[..r.errors.len().min(3)]
                    );
                    inserted += r.inserted;
                }
                inserted
            })
        })
        .collect();
    let mut inserted = 0;
    for task in tasks {
        inserted += task.await.expect("writer");
    }
    let took = t.elapsed();
    let (own1, server1) = cpu_split(store).await;
    let cpu = own1 - own0 + server1 - server0;
    println!(
        "  ({:.1} CPU-s = {:.1} tradelane + {:.1} database server: {:.0} events per CPU-second)",
        cpu,
        own1 - own0,
        server1 - server0,
        events.len() as f64 / cpu.max(0.01)
    );
    (took, inserted)
}

async fn run(ts: TestStore, events: usize, rederive_shipments: usize) {
    let store: &Store = &ts;
    let label = ts.label();
    let n = Arc::new(Normalizer::new(MappingSet::builtin().expect("mappings")));
    println!("\n== {label} ==");

    // 1. Batch ingest.
    let shipments = events / 8;
    let raws: Vec<RawEvent> = (0..shipments).flat_map(|i| journey(i, 8)).collect();
    // One writer, then (PostgreSQL serves concurrent writers; SQLite takes one at a time) two,
    // each run into an organisation of its own.
    // (`TRACKING_BENCH_WRITERS=1,2,4` picks other counts.)
    let writer_counts: Vec<usize> = match store.backend() {
        tradelane_store::Backend::Postgres => std::env::var("TRACKING_BENCH_WRITERS")
            .ok()
            .map(|v| v.split(',').filter_map(|w| w.trim().parse().ok()).collect())
            .filter(|v: &Vec<usize>| !v.is_empty())
            .unwrap_or_else(|| vec![1, 2]),
        tradelane_store::Backend::Sqlite => vec![1],
    };
    let mut batch_rate = 0.0;
    let mut actor = None;
    for &writers in &writer_counts {
        let a = actor_for(store, &format!("Bench{writers}")).await;
        let (took, inserted) = ingest_all(store, &a, &n, &raws, writers).await;
        assert_eq!(inserted, raws.len());
        let rate = per_sec(raws.len(), took);
        println!(
            "batch ingest, {writers} writer(s): {} events, {} shipments in {:.2} s = {:.0} events/s",
            raws.len(),
            shipments,
            took.as_secs_f64(),
            rate
        );
        if writers == 1 {
            batch_rate = rate;
        }
        actor.get_or_insert(a);
    }
    let actor = actor.expect("at least one run");
    // 2. Replay of the first batch.
    let first = &raws[..raws.len().min(BATCH)];
    let t = Instant::now();
    let r = store
        .ingest_raw(
            &actor,
            &n,
            first.to_vec(),
            &RawIngestOptions {
                create_missing: true,
                default_carrier: None,
            },
        )
        .await
        .expect("replay");
    assert_eq!(r.inserted, 0);
    println!(
        "replay of {} events (all duplicates): {:.0} events/s",
        first.len(),
        per_sec(first.len(), t.elapsed())
    );
    // Baseline: one shipment per transaction, one row per statement.
    let base_actor = actor_for(store, "Baseline").await;
    let sample = (shipments / 10).clamp(50, 500);
    let base_raws: Vec<Vec<RawEvent>> = (0..sample).map(|i| journey(shipments + i, 8)).collect();
    let t = Instant::now();
    for journey in &base_raws {
        let number = journey[0].tracking_number.clone();
        let s = store
            .create_shipment(
                &base_actor,
                &NewShipment {
                    reference: number.clone(),
                    carrier: Some(journey[0].carrier.clone()),
                    tracking_numbers: vec![number],
                    ..NewShipment::default()
                },
            )
            .await
            .expect("shipment");
        let pairs = journey
            .iter()
            .map(|r| (r.clone(), n.normalize(r).expect("normalise")))
            .collect();
        store
            .ingest_events(&base_actor, s.id, pairs)
            .await
            .expect("ingest");
    }
    let base_rate = per_sec(sample * 8, t.elapsed());
    println!(
        "baseline row-at-a-time: {} events in {:.2} s = {:.0} events/s → batch is {:.1}x faster",
        sample * 8,
        t.elapsed().as_secs_f64(),
        base_rate,
        batch_rate / base_rate
    );

    // 3. Re-derivation of every shipment from its stored events.
    if rederive_shipments > 0 {
        let big = actor_for(store, "Rederive").await;
        // First the early half of every journey (new shipments), then the later half: events
        // for shipments that already have events, which re-derives them from everything stored,
        // as most real traffic does.
        let mut early: Vec<RawEvent> = Vec::new();
        let mut late: Vec<RawEvent> = Vec::new();
        for i in 0..rederive_shipments {
            for (k, e) in journey(10_000_000 + i, 10).into_iter().enumerate() {
                if k < 5 { early.push(e) } else { late.push(e) }
            }
        }
        for (what, raws) in [("new", &early), ("existing", &late)] {
            let (took, inserted) = ingest_all(store, &big, &n, raws, 1).await;
            println!(
                "loaded {} events into {} {what} shipments in {:.1} s ({:.0} events/s)",
                inserted,
                rederive_shipments,
                took.as_secs_f64(),
                per_sec(inserted, took)
            );
        }
        let cpu = cpu_secs(store).await;
        let t = Instant::now();
        let (s, e) = store.rederive_all(&big).await.expect("rederive");
        let took = t.elapsed();
        let cpu = cpu_secs(store).await - cpu;
        println!(
            "rederive_all: {s} shipments from {e} events in {:.2} s ({:.0} events/s; {:.1} CPU-s)",
            took.as_secs_f64(),
            per_sec(e, took),
            cpu
        );
        // Baseline: re-derive shipments one at a time (one query + one update each) via the
        // single-shipment ingest path with nothing new (a replay of one event).
        let sample = 1_000.min(rederive_shipments);
        let t = Instant::now();
        for i in 0..sample {
            let j = journey(10_000_000 + i, 10);
            let id = store
                .find_shipment_by_tracking(big.org_id, &j[0].tracking_number)
                .await
                .expect("find")
                .expect("exists");
            let pair = (j[0].clone(), n.normalize(&j[0]).expect("normalise"));
            store
                .ingest_events(&big, id, vec![pair])
                .await
                .expect("rederive one");
        }
        let per = t.elapsed().as_secs_f64() / sample as f64;
        println!(
            "baseline one shipment at a time: {:.2} ms per shipment → {:.1} s for {} shipments \
             (bulk is {:.1}x faster)",
            per * 1000.0,
            per * rederive_shipments as f64,
            rederive_shipments,
            per * rederive_shipments as f64 / took.as_secs_f64()
        );
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let rederive: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let only = std::env::var("STORE_BENCH_BACKENDS").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        run(testing::sqlite().await, events, rederive).await;
    }
    if only.is_empty() || only == "postgres" {
        match testing::postgres().await {
            Some(ts) => run(ts, events, rederive).await,
            None => println!("\nPostgreSQL not reachable: skipped"),
        }
    }
}
