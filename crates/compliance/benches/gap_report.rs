//! Gap report for 10,000 SKUs × 20 markets (target: under 2 s), against the same report without the
//! per-profile requirement cache. Synthetic catalogue: 10,000 SKUs over 48 distinct product profiles, about
//! 5 documents per SKU (some expired), plus seller registrations.

use jiff::civil::date;
use rust_decimal::Decimal;
use tradelane_compliance::gap::{
    DocSubject, GapOptions, GapSku, OnFileDocument, gap_report, gap_report_uncached,
};
use tradelane_compliance::requirements::{BatteryFacts, Category, ProductProfile, RequirementPack};
use tradelane_domain::{BatteryChemistry, BatteryPacking, Country, SkuCode};

fn main() {
    divan::main();
}

const MARKETS: [Country; 20] = [
    Country::DE,
    Country::FR,
    Country::IT,
    Country::ES,
    Country::NL,
    Country::PL,
    Country::SE,
    Country::BE,
    Country::AT,
    Country::IE,
    Country::GB,
    Country::US,
    Country::JP,
    Country::KR,
    Country::AU,
    Country::CA,
    Country::CH,
    Country::BR,
    Country::MX,
    Country::NO,
];

fn profile(i: usize) -> ProductProfile {
    let cats = [
        Category::Electrical,
        Category::Toy,
        Category::Textile,
        Category::Cosmetic,
        Category::FoodContact,
        Category::GeneralConsumer,
    ];
    let mut p = ProductProfile::new(cats[i % cats.len()]);
    if p.category == Category::Electrical {
        p.has_radio = i.is_multiple_of(2);
        p.mains_powered = i.is_multiple_of(3);
        if !i.is_multiple_of(4) {
            p.battery = Some(BatteryFacts {
                chemistry: BatteryChemistry::LiIon,
                packing: [
                    BatteryPacking::ContainedIn,
                    BatteryPacking::PackedWith,
                    BatteryPacking::Alone,
                ][i % 3],
                watt_hours: Some(Decimal::from((i % 7) as i64 * 20 + 1)),
                lithium_grams: None,
                button_cell: false,
            });
        }
    }
    if p.category == Category::Toy {
        p.child_max_age = Some([2u8, 8, 12, 13][i % 4]);
    }
    p
}

fn catalogue(n: usize) -> (Vec<GapSku>, Vec<OnFileDocument>) {
    let types = [
        "eu_doc",
        "test_report",
        "label_artwork",
        "responsible_person",
        "fcc_grant",
        "cpc",
        "un38_3_summary",
        "certificate",
    ];
    let standards = [
        "EN 62368-1",
        "EN 300 328",
        "EN 55032",
        "EN 71-1",
        "ASTM F963-23",
        "EN IEC 63000",
    ];
    let mut skus = Vec::with_capacity(n);
    let mut docs = Vec::new();
    for i in 0..n {
        let code = SkuCode::parse(&format!("SKU-{i:05}")).unwrap_or_else(|e| panic!("{e}"));
        for d in 0..5 {
            let k = i * 7 + d * 3;
            docs.push(OnFileDocument {
                id: format!("D-{i}-{d}"),
                doc_type: types[k % types.len()].into(),
                standards: vec![standards[k % standards.len()].into()],
                markets: Vec::new(),
                covers: Vec::new(),
                subject: if d == 4 {
                    DocSubject::Family(format!("F{}", i / 10))
                } else {
                    DocSubject::Sku(code.clone())
                },
                issued: date(2024, 1, 1),
                expires: Some(date(2025 + (k % 4) as i16, 1 + (k % 12) as i8, 1)),
            });
        }
        skus.push(GapSku {
            code,
            family: Some(format!("F{}", i / 10)),
            tags: Vec::new(),
            profile: profile(i % 48),
        });
    }
    for t in [
        "packaging_registration",
        "weee_registration",
        "battery_registration",
        "responsible_person",
    ] {
        docs.push(OnFileDocument {
            id: format!("SELLER-{t}"),
            doc_type: t.into(),
            standards: Vec::new(),
            markets: Vec::new(),
            covers: Vec::new(),
            subject: DocSubject::Seller,
            issued: date(2024, 1, 1),
            expires: None,
        });
    }
    (skus, docs)
}

const OPTIONS: GapOptions = GapOptions {
    today: date(2026, 11, 26),
    expiring_within_days: 90,
};

#[divan::bench(sample_count = 5, sample_size = 1)]
fn gap_10k_skus_x_20_markets(bencher: divan::Bencher) {
    let pack = RequirementPack::builtin().unwrap_or_else(|e| panic!("{e:?}"));
    let (skus, docs) = catalogue(10_000);
    bencher.bench_local(|| {
        let cells = gap_report(&pack, &skus, &MARKETS, &docs, OPTIONS);
        assert_eq!(cells.len(), 200_000);
        divan::black_box(cells)
    });
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn baseline_uncached_10k_skus_x_20_markets(bencher: divan::Bencher) {
    let pack = RequirementPack::builtin().unwrap_or_else(|e| panic!("{e:?}"));
    let (skus, docs) = catalogue(10_000);
    bencher.bench_local(|| {
        divan::black_box(gap_report_uncached(&pack, &skus, &MARKETS, &docs, OPTIONS))
    });
}
