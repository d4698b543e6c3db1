//! Trademark screening: listings per second against 50,000 marks with the index, against the naive pairwise scan
//! (every mark against every field) in the same run. Synthetic marks and listings from a fixed-seed generator.
//!
//! Two watchlists: "dense" builds marks from 30 two-letter syllables, so nearly every 3-syllable combination is a
//! mark and ordinary words are often one edit away from one (a worst case: ~150 findings per listing); "sparse"
//! builds them from 120 consonant-vowel syllables (about 3 % of the 3-syllable space used), closer to a real
//! brand watchlist.

use tradelane_compliance::screening::{Listing, Mark, ScreeningIndex, naive_screen};

fn main() {
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
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "zo", "vi", "ran", "tek", "lu", "mor", "pix", "sen", "dra", "qu", "fy", "bel", "nor",
    "ix", "ga", "tro", "vel", "su", "mon", "ar", "ly", "zen", "cor", "pa", "xo", "ri", "ton", "ma",
    "el",
];
const WORDS: &[&str] = &[
    "wireless",
    "earbuds",
    "case",
    "for",
    "with",
    "charging",
    "cable",
    "usb",
    "fast",
    "portable",
    "speaker",
    "cotton",
    "shirt",
    "men",
    "women",
    "kids",
    "toy",
    "set",
    "kitchen",
    "silicone",
    "stainless",
    "steel",
    "bottle",
    "waterproof",
    "led",
    "lamp",
    "desk",
    "phone",
    "holder",
    "car",
    "mount",
    "compatible",
    "premium",
    "quality",
    "gift",
    "black",
    "white",
    "pack",
    "of",
    "2",
    "large",
    "small",
    "travel",
    "outdoor",
    "home",
];

fn sparse_syllables() -> Vec<String> {
    let consonants = [
        "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "x",
        "z", "qu",
    ];
    let vowels = ["a", "e", "i", "o", "u", "y"];
    consonants
        .iter()
        .flat_map(|c| vowels.iter().map(move |v| format!("{c}{v}")))
        .collect()
}

fn marks(n: usize) -> Vec<Mark> {
    marks_from(n, SYLLABLES)
}

fn marks_from(n: usize, syllables: &[&str]) -> Vec<Mark> {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    (0..n)
        .map(|i| {
            let parts = 2 + (rng.next() % 3) as usize;
            let mut text: String = (0..parts).map(|_| rng.pick(syllables)).collect();
            if i.is_multiple_of(5) {
                text.push(' ');
                text.push_str(rng.pick(syllables));
                text.push_str(rng.pick(syllables));
            }
            Mark {
                id: format!("M{i}"),
                text,
                classes: vec![(rng.next() % 45) as u16 + 1],
                owner: "Owner".into(),
            }
        })
        .collect()
}

fn listings(n: usize, marks: &[Mark]) -> Vec<Listing> {
    let mut rng = Rng(0xD1B54A32D192ED03);
    let sentence = |rng: &mut Rng, words: usize| -> String {
        let mut s: Vec<String> = (0..words).map(|_| rng.pick(WORDS).to_string()).collect();
        if rng.next().is_multiple_of(4) {
            let m = &marks[(rng.next() % marks.len() as u64) as usize].text;
            let pos = (rng.next() % s.len() as u64) as usize;
            s[pos] = m.clone();
        }
        s.join(" ")
    };
    (0..n)
        .map(|_| Listing {
            title: sentence(&mut rng, 14),
            bullets: (0..5).map(|_| sentence(&mut rng, 18)).collect(),
            brand: Some(sentence(&mut rng, 1)),
            image_file_names: vec![
                "main-image-01.jpg".into(),
                format!("{}.png", sentence(&mut rng, 3).replace(' ', "-")),
            ],
            classes: Vec::new(),
        })
        .collect()
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn index_200_listings_50k_marks(bencher: divan::Bencher) {
    let marks = marks(50_000);
    let index = ScreeningIndex::new(&marks, &[]);
    let batch = listings(200, &marks);
    bencher
        .counter(divan::counter::ItemsCount::new(batch.len()))
        .bench_local(|| {
            let n: usize = batch.iter().map(|l| index.screen(l).len()).sum();
            divan::black_box(n)
        });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn index_200_listings_50k_sparse_marks(bencher: divan::Bencher) {
    let syllables = sparse_syllables();
    let refs: Vec<&str> = syllables.iter().map(String::as_str).collect();
    let marks = marks_from(50_000, &refs);
    let index = ScreeningIndex::new(&marks, &[]);
    let batch = listings(200, &marks);
    bencher
        .counter(divan::counter::ItemsCount::new(batch.len()))
        .bench_local(|| {
            let n: usize = batch.iter().map(|l| index.screen(l).len()).sum();
            divan::black_box(n)
        });
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn naive_pairwise_5_listings_50k_marks(bencher: divan::Bencher) {
    let marks = marks(50_000);
    let batch = listings(5, &marks);
    bencher
        .counter(divan::counter::ItemsCount::new(batch.len()))
        .bench_local(|| {
            let n: usize = batch.iter().map(|l| naive_screen(&marks, l).len()).sum();
            divan::black_box(n)
        });
}

#[divan::bench(sample_count = 2, sample_size = 1)]
fn build_index_50k_marks(bencher: divan::Bencher) {
    let marks = marks(50_000);
    bencher.bench_local(|| divan::black_box(ScreeningIndex::new(&marks, &[]).len()));
}
