//! Measures the store at catalogue scale on SQLite and (when reachable) PostgreSQL:
//! bulk import of N SKUs (fresh, unchanged re-import, 10% changed) against a naive baseline
//! (one `create_sku` call per row), and list/search latency against a naive baseline (load the
//! whole catalogue and filter in memory).
//!
//! cargo run --release -p tradelane-store --features test-support --example store_bench -- [ROWS]

use std::time::{Duration, Instant};

use tradelane_domain::{
    Battery, BatteryChemistry, BatteryPacking, Country, Currency, Decimal, HsCode, Money, SkuCode,
    SkuRecord, UiLang, Weight,
};
use tradelane_store::testing::{self, TestStore};
use tradelane_store::{Actor, NewUser, Role, SkuQuery, SkuSort, Store};

const WORDS: [&str; 16] = [
    "Power bank",
    "Bluetooth headphones",
    "Phone case",
    "LED strip",
    "Dog leash",
    "Running shoes",
    "Lipstick",
    "Frying pan",
    "Toy car",
    "Cotton T-shirt",
    "USB-C cable",
    "Desk lamp",
    "Yoga mat",
    "Water bottle",
    "Cat toy",
    "Wireless charger",
];
const BRANDS: [&str; 8] = [
    "Anker", "Baseus", "Ugreen", "Xiaomi", "Lenovo", "Petkit", "Li-Ning", "Joyoung",
];
const ORIGINS: [&str; 4] = ["CN", "VN", "TR", "IN"];
const HS: [&str; 8] = [
    "850760", "851830", "420292", "940540", "420100", "640411", "330410", "732393",
];

fn record(i: usize, generation: u32) -> SkuRecord {
    let code = SkuCode::parse(&format!("SKU-{i:07}")).expect("valid code");
    let word = WORDS[i % WORDS.len()];
    let mut r = SkuRecord::new(code, format!("{word} model {i} gen {generation}"));
    r.brand = Some(BRANDS[i % BRANDS.len()].to_string());
    r.customs_description_en = Some(format!("{word} for retail sale"));
    r.customs_description_zh = Some("日用消费品".to_string());
    r.origin = Some(Country::parse(ORIGINS[i % ORIGINS.len()]).expect("country"));
    r.hs_code = Some(HsCode::parse(HS[i % HS.len()]).expect("hs"));
    r.unit_value = Some(Money::from_minor_units(
        500 + (i % 10_000) as i64,
        Currency::parse("USD").expect("usd"),
    ));
    r.net_weight = Some(Weight::parse("0.3 kg").expect("weight"));
    r.gross_weight = Some(Weight::parse("0.4 kg").expect("weight"));
    r.materials = vec!["ABS plastic".to_string()];
    r.tags = vec![format!("cat-{}", i % 40), "2026-season".to_string()];
    r.image_urls = vec![format!("https://img.example.com/sku/{i}.jpg")];
    r.marketplace_ids
        .insert("amazon_asin".into(), format!("B0{i:08}"));
    if i.is_multiple_of(5) {
        r.battery = Battery::Lithium {
            chemistry: BatteryChemistry::LiIon,
            packing: BatteryPacking::ContainedIn,
            watt_hours: Some(Decimal::new(37, 0)),
            lithium_grams: None,
        };
    }
    r
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `f` `runs` times and returns (median, p99) in milliseconds.
async fn latency<F, Fut>(runs: usize, mut f: F) -> (f64, f64)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f(0).await; // warm caches and the prepared-statement cache
    let mut samples = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        f(i).await;
        samples.push(ms(t.elapsed()));
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (p(0.5), p(0.99))
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

async fn run(ts: TestStore, rows: usize) {
    let store: &Store = &ts;
    let label = ts.label();
    println!("\n== {label}: {rows} SKUs ==");
    let actor = actor_for(store, "Bench").await;
    let records: Vec<SkuRecord> = (0..rows).map(|i| record(i, 1)).collect();

    let t = Instant::now();
    let out = store
        .import_skus(&actor, &records, "bench.csv")
        .await
        .expect("import");
    let fresh = t.elapsed();
    assert_eq!(out.created as usize, rows);
    println!(
        "import fresh            {:>9.0} ms  ({:.0} rows/s, peak RSS so far {:.0} MB)",
        ms(fresh),
        rows as f64 / fresh.as_secs_f64(),
        peak_rss_mb()
    );

    if std::env::var("STORE_BENCH_IMPORT_ONLY").is_ok() {
        return;
    }
    let t = Instant::now();
    let out = store
        .import_skus(&actor, &records, "bench.csv")
        .await
        .expect("reimport");
    assert_eq!(out.unchanged as usize, rows);
    println!("re-import unchanged     {:>9.0} ms", ms(t.elapsed()));

    let changed: Vec<SkuRecord> = (0..rows)
        .map(|i| {
            if i.is_multiple_of(10) {
                record(i, 2)
            } else {
                records[i].clone()
            }
        })
        .collect();
    let t = Instant::now();
    let out = store
        .import_skus(&actor, &changed, "bench-v2.csv")
        .await
        .expect("update import");
    assert_eq!(out.updated as usize, rows.div_ceil(10));
    println!("import 10% changed      {:>9.0} ms", ms(t.elapsed()));

    // Naive baseline: one create_sku (one transaction) per row, on a separate organisation.
    let naive_rows = 2_000.min(rows);
    let naive_actor = actor_for(store, "Naive").await;
    let t = Instant::now();
    for r in &records[..naive_rows] {
        store.create_sku(&naive_actor, r).await.expect("create");
    }
    let naive = t.elapsed();
    let naive_rate = naive_rows as f64 / naive.as_secs_f64();
    let bulk_rate = rows as f64 / fresh.as_secs_f64();
    println!(
        "naive create_sku x{naive_rows}   {:>9.0} ms  ({naive_rate:.0} rows/s) -> bulk import is {:.1}x faster",
        ms(naive),
        bulk_rate / naive_rate
    );

    let org = actor.org_id;
    let queries: Vec<(&str, SkuQuery)> = vec![
        ("list page 1 (code)", SkuQuery::default()),
        (
            "list page 1 (updated desc)",
            SkuQuery {
                sort: SkuSort::UpdatedDesc,
                ..Default::default()
            },
        ),
        (
            "list page 1000",
            SkuQuery {
                page: 1000,
                per_page: 50.min(rows as u32),
                ..Default::default()
            },
        ),
        (
            "search rare 'model 4242 '",
            SkuQuery {
                text: Some("model 4242 ".into()),
                ..Default::default()
            },
        ),
        (
            "search common 'power bank'",
            SkuQuery {
                text: Some("power bank".into()),
                ..Default::default()
            },
        ),
        (
            "search no hit 'zzzz'",
            SkuQuery {
                text: Some("zzzz".into()),
                ..Default::default()
            },
        ),
        (
            "filter brand",
            SkuQuery {
                brand: Some("ugreen".into()),
                ..Default::default()
            },
        ),
        (
            "filter tag",
            SkuQuery {
                tag: Some("cat-7".into()),
                ..Default::default()
            },
        ),
        (
            "filter battery+origin",
            SkuQuery {
                has_battery: Some(true),
                origin: Country::parse("CN").ok(),
                ..Default::default()
            },
        ),
        (
            "filter hs prefix 8507",
            SkuQuery {
                hs_prefix: Some("8507".into()),
                ..Default::default()
            },
        ),
    ];
    for (name, q) in &queries {
        let (p50, p99) = latency(100, |_| async {
            store.list_skus(org, q).await.expect("list");
        })
        .await;
        let total = store.list_skus(org, q).await.expect("list").total;
        println!("{name:<30} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  ({total} matches)");
    }

    // Naive search baseline: load everything, filter in memory.
    let (naive_p50, _) = latency(5, |_| async {
        let all = store.all_skus(org).await.expect("all");
        let hits = all
            .iter()
            .filter(|s| s.record.title.to_lowercase().contains("model 4242 "))
            .count();
        std::hint::black_box(hits);
    })
    .await;
    let (idx_p50, _) = latency(50, |_| async {
        let q = SkuQuery {
            text: Some("model 4242 ".into()),
            ..Default::default()
        };
        store.list_skus(org, &q).await.expect("list");
    })
    .await;
    println!(
        "naive search (load all + filter) p50 {naive_p50:.1} ms -> store search is {:.0}x faster",
        naive_p50 / idx_p50
    );
    println!("peak RSS {:.0} MB", peak_rss_mb());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    // STORE_BENCH_BACKENDS=sqlite (or postgres) limits the run to one backend.
    let only = std::env::var("STORE_BENCH_BACKENDS").unwrap_or_default();
    if only.is_empty() || only.contains("sqlite") {
        run(testing::sqlite().await, rows).await;
    }
    if only.is_empty() || only.contains("postgres") {
        match testing::postgres().await {
            Some(pg) => run(pg, rows).await,
            None => println!("\nPostgreSQL unreachable: skipped"),
        }
    }
}
