//! Engine throughput with the built-in pack plus 20,000 synthetic duty rules, and the duty lookup by trie
//! against a naive linear scan over every rule, in the same run.
//!
//! cargo bench -p tradelane-landed-cost --bench quote

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use jiff::civil::date;
use rust_decimal::Decimal;
use std::sync::OnceLock;
use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money};
use tradelane_landed_cost::engine::{find_base_duty, find_base_duty_linear};
use tradelane_landed_cost::pack::{SalesChannel, TransportMode, builtin_pack_toml};
use tradelane_landed_cost::{
    Destination, FxTable, HsDigits, QuoteLine, QuoteRequest, RulePack, quote,
};

const SYNTHETIC_RULES: usize = 20_000;
const LINES: usize = 100;

/// A deterministic pseudo-random sequence (no dependency needed for a benchmark fixture).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Distinct 8-digit prefixes in chapters 01-97 (not 77), as text.
fn synthetic_prefixes() -> Vec<String> {
    let mut rng = Lcg(7);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(SYNTHETIC_RULES);
    while out.len() < SYNTHETIC_RULES {
        let chapter = 1 + rng.next() % 97;
        if chapter == 77 {
            continue;
        }
        let prefix = format!("{chapter:02}{:06}", rng.next() % 1_000_000);
        if seen.insert(prefix.clone()) {
            out.push(prefix);
        }
    }
    out
}

struct Fixture {
    pack: RulePack,
    fx: FxTable,
    request: QuoteRequest,
    codes: Vec<HsDigits>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let prefixes = synthetic_prefixes();
        // 20,000 synthetic rules in the KR territory (the built-in pack has a KR market and VAT but no KR tariff).
        let mut toml = String::from(builtin_pack_toml());
        toml.push_str("\n[[duty_schedule]]\nid_prefix = \"SYN\"\nterritory = \"KR\"\neffective_from = 2021-01-01\nsource = \"synthetic benchmark rule\"\nuncertain = true\nlines = [\n");
        for (i, p) in prefixes.iter().enumerate() {
            toml.push_str(&format!("  {{ hs = \"{p}\", rate = \"{}.{}%\" }},\n", i % 20, i % 10));
        }
        toml.push_str("]\n");
        let pack = RulePack::from_toml_str(&toml).expect("bench pack");
        let fx = FxTable::from_ecb_csv("Date,USD,KRW,CNY,\n2026-11-26,1.25,1750,8.75,\n").expect("fx");
        let mut rng = Lcg(11);
        let lines: Vec<QuoteLine> = (0..LINES)
            .map(|_| {
                let p = &prefixes[(rng.next() as usize) % prefixes.len()];
                QuoteLine {
                    hs_code: HsCode::parse(&format!("{p}{:02}", rng.next() % 100)).expect("code"),
                    origin: Country::CN,
                    value: Money::new(Decimal::new(1000 + (rng.next() % 100_000) as i64, 2), Currency::USD),
                    quantity: Decimal::from(1 + rng.next() % 5),
                    net_weight_kg: Decimal::new(5, 1),
                    volume_litres: None,
                    area_m2: None,
                    category: None,
                }
            })
            .collect();
        let codes = lines.iter().map(|l| HsDigits::parse_code(l.hs_code.as_str()).expect("code")).collect();
        let request = QuoteRequest {
            lines,
            destination: Destination { country: Country::KR, subdivision: None },
            mode: TransportMode::Express,
            incoterm: Incoterm::Ddp,
            freight: Some(Money::new(Decimal::from(25), Currency::USD)),
            insurance: None,
            registrations: Vec::new(),
            channel: SalesChannel::OwnShop,
            carrier: None,
            date: date(2026, 11, 26),
            seller_currency: Currency::CNY,
        };
        eprintln!("bench pack: {} rules ({:?}), {} trie nodes", pack.counts().total(), pack.counts(), pack.index_nodes());
        Fixture { pack, fx, request, codes }
    })
}

fn main() {
    divan::main();
}

/// A whole quote of 100 lines (FX, valuation, regimes, duty, VAT, totals in two currencies, explanations kept
/// as data); throughput is in lines.
#[divan::bench]
fn quote_100_lines(bencher: Bencher) {
    let f = fixture();
    bencher
        .counter(ItemsCount::new(LINES))
        .bench(|| quote(black_box(&f.pack), &f.fx, black_box(&f.request)).expect("quote"));
}

/// Duty rule lookup through the prefix trie, 100 codes.
#[divan::bench]
fn lookup_trie_100(bencher: Bencher) {
    let f = fixture();
    let day = date(2026, 11, 26);
    bencher.counter(ItemsCount::new(LINES)).bench(|| {
        for code in &f.codes {
            black_box(
                find_base_duty(&f.pack, "KR", black_box(code), Country::CN, day).expect("lookup"),
            );
        }
    });
}

/// The naive baseline: the same lookups by scanning every duty rule of the pack.
#[divan::bench]
fn lookup_linear_100(bencher: Bencher) {
    let f = fixture();
    let day = date(2026, 11, 26);
    bencher.counter(ItemsCount::new(LINES)).bench(|| {
        for code in &f.codes {
            black_box(
                find_base_duty_linear(&f.pack, "KR", black_box(code), Country::CN, day)
                    .expect("lookup"),
            );
        }
    });
}

/// A quote of a single line: the per-request overhead (market, FX lookups, regimes, totals) is not shared.
#[divan::bench]
fn quote_1_line(bencher: Bencher) {
    let f = fixture();
    let mut one = f.request.clone();
    one.lines.truncate(1);
    bencher
        .counter(ItemsCount::new(1usize))
        .bench(|| quote(black_box(&f.pack), &f.fx, black_box(&one)).expect("quote"));
}
