//! Normaliser throughput (indexed path vs. the naive try-every-rule baseline) and state
//! derivation throughput. Events are synthetic but shaped like real feeds: most carry a carrier
//! code, a third are text-only (Chinese and postal carriers), timestamps in several layouts.

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use tradelane_tracking::{
    Location, MappingSet, NormalizedEvent, Normalizer, RawEvent, RawTimestamp, derive_state,
};

fn main() {
    cpu_time_report();
    divan::main();
}

/// On-CPU nanoseconds of the current thread (Linux `schedstat`), so the figure is per core even
/// when other processes compete for the machine. `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn per_cpu_second(label: &str, items: usize, f: impl Fn()) {
    let Some(start) = thread_cpu_ns() else {
        println!("{label}: thread CPU time unavailable on this platform");
        return;
    };
    f();
    let Some(end) = thread_cpu_ns() else { return };
    let secs = (end - start) as f64 / 1e9;
    println!(
        "{label}: {items} items in {secs:.3} CPU-s = {:.0} items per CPU-second",
        items as f64 / secs
    );
}

/// Throughput per CPU-second for the headline figures (printed before divan's wall-clock table).
fn cpu_time_report() {
    let n = normalizer();
    let evs = events();
    let reps = 30;
    // Warm up caches and lazy regex DFA states.
    for e in &evs {
        let _ = black_box(n.normalize(e));
        let _ = black_box(n.normalize_naive(e));
    }
    per_cpu_second("cpu normalize_indexed", evs.len() * reps, || {
        for _ in 0..reps {
            for e in &evs {
                let _ = black_box(n.normalize(black_box(e)));
            }
        }
    });
    per_cpu_second("cpu normalize_naive_baseline", evs.len() * 5, || {
        for _ in 0..5 {
            for e in &evs {
                let _ = black_box(n.normalize_naive(black_box(e)));
            }
        }
    });
    let ships = shipments();
    let total: usize = ships.iter().map(Vec::len).sum();
    per_cpu_second("cpu derive_state (events)", total * reps, || {
        for _ in 0..reps {
            for s in &ships {
                black_box(derive_state(black_box(s)));
            }
        }
    });
}

const EVENTS: usize = 10_000;

/// (carrier, code, category, text, timestamp, utc_offset, zone, country)
type Template = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const TEMPLATES: &[Template] = &[
    (
        "ups",
        Some("OR"),
        Some("I"),
        "Origin Scan",
        "20251203 141500",
        Some("-05:00"),
        None,
        Some("US"),
    ),
    (
        "ups",
        Some("DP"),
        Some("I"),
        "Departed from Facility",
        "20251203 181500",
        Some("-05:00"),
        None,
        Some("US"),
    ),
    (
        "ups",
        Some("FS"),
        Some("D"),
        "DELIVERED",
        "20251205 101500",
        Some("-05:00"),
        None,
        Some("US"),
    ),
    (
        "fedex",
        Some("AR"),
        None,
        "Arrived at FedEx location",
        "2025-12-03T14:15:00-06:00",
        None,
        None,
        Some("US"),
    ),
    (
        "fedex",
        Some("DL"),
        None,
        "Delivered",
        "2025-12-04T09:01:00-06:00",
        None,
        None,
        Some("US"),
    ),
    (
        "dhl_express",
        Some("AF"),
        None,
        "Arrived at Sort Facility LEIPZIG - GERMANY",
        "2025-12-03T14:15:00+01:00",
        None,
        None,
        Some("DE"),
    ),
    (
        "dhl_express",
        Some("WC"),
        None,
        "With delivery courier",
        "2025-12-04 08:00:00",
        None,
        None,
        Some("DE"),
    ),
    (
        "canada_post",
        Some("1496"),
        None,
        "Delivered",
        "2025-12-03 14:15:00",
        None,
        Some("America/Toronto"),
        Some("CA"),
    ),
    (
        "cainiao",
        Some("LH_DEPART"),
        None,
        "Departed from departure country/region",
        "2025-12-01 22:00:00",
        None,
        None,
        Some("CN"),
    ),
    (
        "usps",
        Some("01"),
        None,
        "Delivered, In/At Mailbox",
        "2025-12-06T11:12:00-08:00",
        None,
        None,
        Some("US"),
    ),
    (
        "yunexpress",
        None,
        None,
        "离开【深圳转运中心】，下一站【广州】",
        "2025-12-01 10:00:00",
        None,
        None,
        None,
    ),
    (
        "yunexpress",
        None,
        None,
        "到达派件城市【Los Angeles】",
        "2025-12-05 07:00:00",
        None,
        Some("America/Los_Angeles"),
        None,
    ),
    (
        "china_post",
        None,
        None,
        "【深圳市邮政速递物流】已收寄",
        "2025-12-01 09:30:00",
        None,
        None,
        None,
    ),
    (
        "4px",
        None,
        None,
        "Handed over to last mile carrier USPS",
        "2025-12-04T03:00:00+08:00",
        None,
        None,
        None,
    ),
    (
        "royal_mail",
        None,
        None,
        "We tried to deliver your item",
        "2025-12-05T12:00:00Z",
        None,
        None,
        Some("GB"),
    ),
    (
        "深圳货代",
        None,
        None,
        "已开船",
        "2025-11-20 18:00",
        None,
        Some("Asia/Shanghai"),
        None,
    ),
];

fn events() -> Vec<RawEvent> {
    (0..EVENTS)
        .map(|i| {
            let t = TEMPLATES[i % TEMPLATES.len()];
            RawEvent {
                source: "bench".into(),
                carrier: t.0.into(),
                tracking_number: format!("TN{:08}", i / 8),
                code: t.1.map(Into::into),
                category: t.2.map(Into::into),
                text: Some(t.3.into()),
                location: Location {
                    city: Some("Shenzhen".into()),
                    country_code: t.7.map(Into::into),
                    ..Location::default()
                },
                timestamp: RawTimestamp {
                    value: t.4.into(),
                    utc_offset: t.5.map(Into::into),
                    time_zone: t.6.map(Into::into),
                },
                leg_hint: None,
                payload: None,
            }
        })
        .collect()
}

fn normalizer() -> Normalizer {
    Normalizer::new(MappingSet::builtin().expect("built-in mappings load"))
}

#[divan::bench(sample_count = 20)]
fn normalize_indexed(bencher: Bencher) {
    let n = normalizer();
    let evs = events();
    bencher.counter(ItemsCount::new(evs.len())).bench(|| {
        for e in &evs {
            let _ = black_box(n.normalize(black_box(e)));
        }
    });
}

#[divan::bench(sample_count = 10)]
fn normalize_naive_baseline(bencher: Bencher) {
    let n = normalizer();
    let evs = events();
    bencher.counter(ItemsCount::new(evs.len())).bench(|| {
        for e in &evs {
            let _ = black_box(n.normalize_naive(black_box(e)));
        }
    });
}

#[divan::bench(sample_count = 20)]
fn normalize_code_only_events(bencher: Bencher) {
    let n = normalizer();
    let evs: Vec<RawEvent> = events().into_iter().filter(|e| e.code.is_some()).collect();
    bencher.counter(ItemsCount::new(evs.len())).bench(|| {
        for e in &evs {
            let _ = black_box(n.normalize(black_box(e)));
        }
    });
}

#[divan::bench(sample_count = 20)]
fn normalize_text_only_events(bencher: Bencher) {
    let n = normalizer();
    let evs: Vec<RawEvent> = events().into_iter().filter(|e| e.code.is_none()).collect();
    bencher.counter(ItemsCount::new(evs.len())).bench(|| {
        for e in &evs {
            let _ = black_box(n.normalize(black_box(e)));
        }
    });
}

fn shipments() -> Vec<Vec<NormalizedEvent>> {
    let n = normalizer();
    let evs = n.normalize_batch(&events()).events;
    // 8 events per tracking number, shuffled within the shipment to exercise sorting.
    let mut out: Vec<Vec<NormalizedEvent>> = evs.chunks(8).map(|c| c.to_vec()).collect();
    for s in &mut out {
        s.reverse();
    }
    out
}

#[divan::bench(sample_count = 20)]
fn derive_state_per_event(bencher: Bencher) {
    let ships = shipments();
    let total: usize = ships.iter().map(Vec::len).sum();
    bencher.counter(ItemsCount::new(total)).bench(|| {
        for s in &ships {
            black_box(derive_state(black_box(s)));
        }
    });
}
