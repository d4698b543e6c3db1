//! QA engine throughput on full listings (title, 5 bullets, description, search terms)
//! with more than 10,000 lexicon terms loaded, against a naive per-term `str::find`
//! scan of the same lexicon over the same listings in the same run.
//!
//! Run: `cargo bench -p tradelane-listing-qa --bench qa`

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use tradelane_listing_qa::text::{at_word_boundaries, fold};
use tradelane_listing_qa::{
    CheckInput, Glossary, GlossaryTerm, LexiconEntry, Listing, QaEngine, RuleData, Severity,
    SourceListing,
};

fn main() {
    divan::main();
}

const LISTINGS: usize = 200;
const SYNTHETIC_TERMS: usize = 10_000;

/// Deterministic pseudo-random syllable words, so the synthetic terms look like words
/// (varied prefixes, like real lexicons) rather than one shared prefix.
fn synthetic_terms(n: usize) -> Vec<String> {
    const SYL: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zu", "bre", "chi", "dra", "fle", "gro",
        "hu", "ji", "klo", "mar", "nix", "pol", "qua", "rin", "sto", "wex",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|i| {
            let parts = 2 + (next() % 3) as usize;
            let mut w: String = (0..parts)
                .map(|_| SYL[(next() % SYL.len() as u64) as usize])
                .collect();
            if i % 4 == 0 {
                w.push(' ');
                w.push_str(SYL[(next() % SYL.len() as u64) as usize]);
                w.push_str("tor");
            }
            w
        })
        .collect()
}

fn engine_with_terms() -> (QaEngine, Vec<String>) {
    let terms = synthetic_terms(SYNTHETIC_TERMS);
    let extra: Vec<LexiconEntry> = terms
        .chunks(50)
        .enumerate()
        .map(|(i, chunk)| LexiconEntry {
            id: format!("bench.synthetic.{i}"),
            category: "cultural".into(),
            lang: "de".into(),
            severity: Severity::Warning,
            terms: chunk.to_vec(),
            except: vec![],
            regions: vec![],
            note: "synthetic benchmark term".into(),
            fix: None,
            effective_from: None,
            effective_to: None,
        })
        .collect();
    let engine = match QaEngine::from_data(RuleData::default(), extra) {
        Ok(e) => e,
        Err(e) => panic!("rule data: {e}"),
    };
    // every term the engine scans for a de-DE Amazon listing, for the naive baseline
    let all: Vec<String> = engine
        .lexicon_entries()
        .iter()
        .filter(|e| e.lang == "de" || e.lang == "*")
        .flat_map(|e| e.terms.iter().map(|t| fold(t)))
        .collect();
    (engine, all)
}

fn listings() -> Vec<Listing> {
    let products = [
        "Schreibtischlampe",
        "Powerbank",
        "Trinkflasche",
        "Gartenschlauch",
        "Kopfhörer",
        "Rucksack",
    ];
    let extras = [
        "",
        " heilt Kopfschmerzen",
        " kostenloser Versand",
        " umweltfreundlich",
        " CE-zertifiziert",
        "",
    ];
    (0..LISTINGS)
        .map(|i| {
            let p = products[i % products.len()];
            let x = extras[i % extras.len()];
            Listing {
                marketplace: "amazon".into(),
                locale: "de-DE".into(),
                title: format!("Lumora {p} Modell LX-{i}, 3 Stufen, USB-C aufladbar, für Büro und Reisen{x}"),
                bullets: vec![
                    format!("Robustes Gehäuse aus Aluminium, {i} g leicht und kratzfest"),
                    "Eingebauter Akku mit 2000 mAh hält mit einer Ladung etwa 8 Stunden".into(),
                    format!("Maße 30 x 20 x 10 cm, passt in jede Tasche{x}"),
                    "Einfache Bedienung über eine Taste, Anzeige des Ladestands".into(),
                    "Lieferumfang: Gerät, USB-C-Kabel, Bedienungsanleitung auf Deutsch".into(),
                ],
                description: format!(
                    "<p>Die Lumora {p} ist für den Alltag gemacht.</p> Sie ist leicht, leise und hält lange durch. \
                     Das Gehäuse besteht aus recyceltem Aluminium, die Oberfläche ist angenehm griffig. \
                     Geladen wird über USB-C in etwa 2 Stunden; ein Netzteil mit 5 V und 2 A genügt. \
                     Bei Fragen hilft unser Kundendienst auf Deutsch werktags von 9 bis 17 Uhr.{x}"
                ),
                search_terms: "Leselampe Nachttischlampe dimmbar Reise Zubehör".into(),
                attributes: Default::default(),
            }
        })
        .collect()
}

#[divan::bench(sample_count = 20)]
fn engine_check(bencher: Bencher) {
    let (engine, _) = engine_with_terms();
    let ls = listings();
    for l in &ls {
        black_box(engine.check(&CheckInput::new(l))); // build the automata before timing
    }
    bencher.counter(ItemsCount::new(ls.len())).bench_local(|| {
        let mut n = 0;
        for l in &ls {
            n += engine.check(&CheckInput::new(black_box(l))).len();
        }
        n
    });
}

/// The same listings compared with a zh-CN source and a glossary (number, model and
/// glossary checks on top).
#[divan::bench(sample_count = 20)]
fn engine_check_with_source(bencher: Bencher) {
    let (engine, _) = engine_with_terms();
    let ls = listings();
    let src = SourceListing {
        locale: "zh-CN".into(),
        title: "Lumora 台灯 LX-1，3档亮度，USB-C充电".into(),
        bullets: vec![
            "铝合金外壳，重量120克".into(),
            "内置2000mAh电池，续航约8小时".into(),
            "尺寸30 x 20 x 10厘米".into(),
        ],
        description: "Lumora 适合日常使用，充电约2小时，5V 2A充电器即可。".into(),
        search_terms: String::new(),
    };
    let glossary = Glossary {
        terms: vec![GlossaryTerm {
            source: "台灯".into(),
            translations: [("de".to_string(), "Schreibtischlampe".to_string())]
                .into_iter()
                .collect(),
        }],
        do_not_translate: vec!["Lumora".into()],
        forbidden: vec![],
    };
    let input = |l| CheckInput {
        listing: l,
        source: Some(&src),
        glossary: Some(&glossary),
        watchlist: None,
        date: None,
    };
    for l in &ls {
        black_box(engine.check(&input(l)));
    }
    bencher.counter(ItemsCount::new(ls.len())).bench_local(|| {
        let mut n = 0;
        for l in &ls {
            n += engine.check(&input(black_box(l))).len();
        }
        n
    });
}

/// The lexicon part alone through the engine's automaton, the like-for-like comparison
/// with the naive scan below.
#[divan::bench(sample_count = 20)]
fn automaton_scan_only(bencher: Bencher) {
    let (engine, _) = engine_with_terms();
    let ls = listings();
    black_box(engine.lexicon_for("amazon", "de", tradelane_listing_qa::FieldKind::Bullet)); // build before timing
    bencher.counter(ItemsCount::new(ls.len())).bench_local(|| {
        let mut n = 0;
        for l in &ls {
            for field in std::iter::once(&l.title)
                .chain(&l.bullets)
                .chain([&l.description, &l.search_terms])
            {
                let folded = tradelane_listing_qa::text::Folded::new(black_box(field));
                let lex =
                    engine.lexicon_for("amazon", "de", tradelane_listing_qa::FieldKind::Bullet);
                n += lex.find(&folded).len();
            }
        }
        n
    });
}

/// Naive baseline: every term searched with `str::find` in every field.
#[divan::bench(sample_count = 5)]
fn naive_per_term_find(bencher: Bencher) {
    let (_, terms) = engine_with_terms();
    let ls = listings();
    bencher.counter(ItemsCount::new(ls.len())).bench_local(|| {
        let mut n = 0;
        for l in &ls {
            for field in std::iter::once(&l.title)
                .chain(&l.bullets)
                .chain([&l.description, &l.search_terms])
            {
                let hay = fold(black_box(field));
                for t in &terms {
                    let mut from = 0;
                    while let Some(at) = hay[from..].find(t.as_str()) {
                        let s = from + at;
                        if at_word_boundaries(&hay, s, s + t.len()) {
                            n += 1;
                        }
                        from = s + t.len();
                    }
                }
            }
        }
        n
    });
}
