//! Import throughput on a 100,000-row catalogue: the full decode + parse + validate pipeline
//! next to a naive baseline (the csv crate reading into `Vec<Vec<String>>`, no validation).
//!
//! Run: `cargo bench -p tradelane-catalogue-io --bench import`

mod catalogue_gen;

use std::sync::LazyLock;

use tradelane_catalogue_io::{ImportOptions, ReadOptions, import_bytes};

const ROWS: usize = 100_000;

static UTF8: LazyLock<Vec<u8>> = LazyLock::new(|| catalogue_gen::catalogue_csv(ROWS).into_bytes());
static GBK: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let text = catalogue_gen::catalogue_csv(ROWS);
    encoding_rs::GBK.encode(&text).0.into_owned()
});
static XLSX: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let text = catalogue_gen::catalogue_csv(ROWS);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    for (r, record) in reader.records().enumerate() {
        let record = record.expect("generated CSV is well-formed");
        for (c, field) in record.iter().enumerate() {
            sheet
                .write_string(r as u32, c as u16, field)
                .expect("within sheet limits");
        }
    }
    book.save_to_buffer().expect("workbook is writable")
});

fn main() {
    divan::main();
}

fn import(bytes: &[u8]) -> usize {
    let import = import_bytes(
        bytes,
        &ReadOptions::default(),
        None,
        &ImportOptions::default(),
    )
    .expect("generated file is readable");
    assert!(
        import.report.is_committable(),
        "{:?}",
        import.report.errors.first()
    );
    import.report.records.len()
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn tradelane_import_utf8_csv() -> usize {
    import(divan::black_box(&UTF8))
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn tradelane_import_gbk_csv() -> usize {
    import(divan::black_box(&GBK))
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn tradelane_import_xlsx() -> usize {
    import(divan::black_box(&XLSX))
}

/// The baseline: what any CSV import must at least do, with no decoding, mapping or checks.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn naive_csv_to_strings() -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(divan::black_box(&UTF8[..]));
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("well-formed").iter().map(str::to_owned).collect())
        .collect();
    rows.len()
}
