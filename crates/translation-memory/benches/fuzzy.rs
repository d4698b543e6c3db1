//! Translation-memory fuzzy lookup with 100,000 stored segments: the trigram index against a
//! linear scan (full edit distance to every segment of the pair) in the same run. Prints the
//! p50/p99/max latency of 1,000 index lookups (and 50 linear scans) before the divan timings.
//!
//! Run: `cargo bench -p tradelane-tm --bench fuzzy`

use std::time::{Duration, Instant};

use divan::{Bencher, black_box};
use tradelane_tm::{TmIndex, TmQuery, TmSegment};

const SEGMENTS: usize = 100_000;
const QUERIES: usize = 1_000;

fn main() {
    let (tm, queries) = corpus();
    report(&tm, &queries);
    divan::main();
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const COMMON: [&str; 24] = [
    "with",
    "for",
    "and",
    "the",
    "cable",
    "wireless",
    "black",
    "set",
    "pack",
    "for kids",
    "stainless steel",
    "waterproof",
    "USB-C",
    "portable",
    "cm",
    "kg",
    "mini",
    "pro",
    "storage box",
    "phone case",
    "LED",
    "adjustable",
    "2 pcs",
    "charger",
];
const SYL: [&str; 20] = [
    "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zu", "bre", "chi", "dra", "fle", "gro", "hu",
    "ji", "klo", "mar", "nix", "pol",
];

/// Listing-like English source segments: common catalogue words mixed with rarer made-up
/// words (product names), 5–14 words each (roughly 40–110 characters).
fn sentence(rng: &mut Rng) -> String {
    let words = 5 + rng.below(10);
    let mut out = Vec::with_capacity(words);
    for _ in 0..words {
        if rng.below(2) == 0 {
            out.push(COMMON[rng.below(COMMON.len())].to_string());
        } else {
            let parts = 2 + rng.below(2);
            out.push((0..parts).map(|_| SYL[rng.below(SYL.len())]).collect());
        }
    }
    out.join(" ")
}

fn mutate(s: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(chars.len().max(1));
        match rng.below(3) {
            0 if !chars.is_empty() => {
                chars.remove(at);
            }
            1 => chars.insert(at.min(chars.len()), 'e'),
            _ if !chars.is_empty() => chars[at] = 'x',
            _ => {}
        }
    }
    chars.into_iter().collect()
}

fn corpus() -> (TmIndex, Vec<String>) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut sources = Vec::with_capacity(SEGMENTS);
    let mut tm = TmIndex::new();
    for i in 0..SEGMENTS {
        // One in four segments is a variant of an earlier one, as in real catalogues.
        let s = if i > 0 && rng.below(4) == 0 {
            let base: &String = &sources[rng.below(sources.len())];
            mutate(base, &mut rng)
        } else {
            sentence(&mut rng)
        };
        tm.insert(TmSegment {
            id: i as i64,
            source_locale: "en".into(),
            target_locale: "de-DE".into(),
            source: s.clone(),
            target: format!("de {i}"),
            provenance: String::new(),
        });
        sources.push(s);
    }
    let queries = (0..QUERIES)
        .map(|i| match i % 4 {
            0 => sources[rng.below(sources.len())].clone(),
            1 | 2 => mutate(&sources[rng.below(sources.len())], &mut rng),
            _ => sentence(&mut rng),
        })
        .collect();
    (tm, queries)
}

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    let at = |p: f64| {
        v[((v.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(v.len() - 1)]
    };
    (at(0.50), at(0.99), v[v.len() - 1])
}

/// CPU time this thread has used. On a machine shared with other work the wall-clock latency
/// of a lookup mostly measures the wait for a core; this is the time the lookup itself costs.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn report(tm: &TmIndex, queries: &[String]) {
    let mut index_times = Vec::with_capacity(queries.len());
    let mut index_cpu = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for q in queries {
        let c = thread_cpu();
        let t = Instant::now();
        let r = tm.lookup(&TmQuery::new("en", "de-DE", q));
        index_times.push(t.elapsed());
        index_cpu.push(thread_cpu().saturating_sub(c));
        hits += usize::from(!r.is_empty());
    }
    let (p50, p99, max) = percentiles(index_times);
    println!(
        "index lookup, {SEGMENTS} segments, {} queries ({hits} with a match >= 70): p50 {p50:?}  p99 {p99:?}  max {max:?}",
        queries.len()
    );
    let (c50, c99, cmax) = percentiles(index_cpu);
    println!("  thread CPU time per lookup: p50 {c50:?}  p99 {c99:?}  max {cmax:?}");
    let mut scan_times = Vec::new();
    let mut differ = 0;
    for q in queries.iter().take(50) {
        let t = Instant::now();
        let slow = tm.linear_scan(&TmQuery::new("en", "de-DE", q));
        scan_times.push(t.elapsed());
        let fast = tm.lookup(&TmQuery::new("en", "de-DE", q));
        differ += usize::from(fast != slow);
    }
    let (s50, s99, smax) = percentiles(scan_times);
    println!(
        "linear scan, same corpus, 50 queries: p50 {s50:?}  p99 {s99:?}  max {smax:?}; answers differing from the index: {differ}"
    );
    println!(
        "ratio (p50): {:.0}x",
        s50.as_secs_f64() / p50.as_secs_f64().max(1e-9)
    );
}

#[divan::bench(sample_count = 20)]
fn index_lookup_1000_queries(bencher: Bencher) {
    let (tm, queries) = corpus();
    bencher.bench_local(|| {
        for q in &queries {
            black_box(tm.lookup(&TmQuery::new("en", "de-DE", q)));
        }
    });
}

#[divan::bench(sample_count = 3)]
fn linear_scan_10_queries(bencher: Bencher) {
    let (tm, queries) = corpus();
    bencher.bench_local(|| {
        for q in queries.iter().take(10) {
            black_box(tm.linear_scan(&TmQuery::new("en", "de-DE", q)));
        }
    });
}
