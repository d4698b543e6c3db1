//! `tradelane bench import`: time a large CSV import end to end (read, decode, map, validate,
//! store in one transaction) and its peak memory, against a naive baseline that writes one SKU
//! per transaction.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tradelane_store::{Actor, Store};

use crate::bench::{peak_rss_kib, synthetic};
use crate::cli::{BenchImportArgs, GlobalOpts};
use crate::commands::import::{ImportSource, prepare_import};

/// A fresh database for one benchmark run: the given URL, or an SQLite file in a temporary
/// directory removed afterwards.
pub struct Scratch {
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub fn scratch(global: &GlobalOpts) -> Result<Scratch> {
    let dir = tempfile::Builder::new()
        .prefix("tradelane-bench-")
        .tempdir()
        .context("creating a temporary directory")?;
    let url = match &global.database_url {
        Some(url) => url.clone(),
        None => tradelane_store::sqlite_url_for_dir(dir.path()),
    };
    Ok(Scratch { url, dir })
}

pub async fn fresh_org(store: &Store, purpose: &str) -> Result<Actor> {
    let name = format!(
        "bench {purpose} {}",
        jiff::Timestamp::now().as_millisecond()
    );
    let org = store
        .create_org(&name)
        .await
        .context("creating the benchmark organisation")?;
    Ok(Actor::new(org.id, None, format!("bench:{purpose}")))
}

pub async fn run(global: &GlobalOpts, args: &BenchImportArgs) -> Result<()> {
    if args.rows == 0 {
        bail!("--rows must be at least 1");
    }
    let scratch = scratch(global)?;
    let backend = tradelane_store::Backend::from_url(&scratch.url)?;
    eprintln!(
        "database: {} ({backend})",
        tradelane_store::redact_url(&scratch.url)
    );

    // The file is generated in a streaming way so that the import's peak memory is not the
    // generator's.
    let csv_path = scratch.dir.path().join("catalogue.csv");
    let gen_start = Instant::now();
    let file = std::fs::File::create(&csv_path).context("creating the CSV file")?;
    synthetic::write_csv(args.rows, std::io::BufWriter::new(file))
        .context("writing the CSV file")?;
    let size = std::fs::metadata(&csv_path)?.len();
    eprintln!(
        "generated {} rows, {:.1} MB in {:.2?}",
        args.rows,
        size as f64 / 1e6,
        gen_start.elapsed()
    );
    let rss_before = peak_rss_kib();

    let store = Store::connect(&scratch.url)
        .await
        .context("opening the database")?;
    let actor = fresh_org(&store, "import").await?;

    let start = Instant::now();
    let prepared = tokio::task::spawn_blocking({
        let path = csv_path.clone();
        move || prepare_import(ImportSource::Path(path), None)
    })
    .await??;
    let parse_time = start.elapsed();
    let peak_after_parse = peak_rss_kib();
    if !prepared.errors.is_empty() {
        bail!(
            "the synthetic catalogue has errors, first: {}",
            crate::commands::import::describe_error(&prepared.errors[0])
        );
    }
    let store_start = Instant::now();
    let outcome = store
        .import_skus(&actor, &prepared.records, "bench import")
        .await
        .context("storing the catalogue")?;
    let store_time = store_start.elapsed();
    let total = start.elapsed();
    let peak = peak_rss_kib();
    drop(prepared);

    let again_start = Instant::now();
    let prepared = tokio::task::spawn_blocking({
        let path = csv_path.clone();
        move || prepare_import(ImportSource::Path(path), None)
    })
    .await??;
    let again = store
        .import_skus(&actor, &prepared.records, "bench re-import")
        .await
        .context("re-importing the catalogue")?;
    let again_time = again_start.elapsed();

    // Naive baseline: the same rows written one store call (one transaction) each.
    let baseline_rows = args.baseline_rows.min(prepared.records.len());
    let baseline_actor = fresh_org(&store, "baseline").await?;
    let baseline_start = Instant::now();
    for record in &prepared.records[..baseline_rows] {
        store
            .create_sku(&baseline_actor, record)
            .await
            .context("baseline: creating one SKU")?;
    }
    let baseline_time = baseline_start.elapsed();

    let rate = |rows: usize, d: Duration| rows as f64 / d.as_secs_f64().max(1e-9);
    let batch_rate = rate(args.rows, total);
    let naive_rate = rate(baseline_rows, baseline_time);
    println!(
        "## bench import ({backend}, {} rows, {:.1} MB CSV)",
        args.rows,
        size as f64 / 1e6
    );
    println!();
    println!("| step | time | rows/s |");
    println!("|---|---|---|");
    println!(
        "| read + decode + map + validate | {:.2?} | {:.0} |",
        parse_time,
        rate(args.rows, parse_time)
    );
    println!(
        "| store (one transaction) | {:.2?} | {:.0} |",
        store_time,
        rate(args.rows, store_time)
    );
    println!(
        "| **import total** | **{:.2?}** | **{:.0}** |",
        total, batch_rate
    );
    println!(
        "| re-import, same file ({} unchanged) | {:.2?} | {:.0} |",
        again.unchanged,
        again_time,
        rate(args.rows, again_time)
    );
    println!(
        "| naive baseline: one transaction per SKU ({baseline_rows} rows) | {:.2?} | {:.0} |",
        baseline_time, naive_rate
    );
    println!();
    println!(
        "created {} updated {} unchanged {}; batch/naive throughput ratio {:.1}x",
        outcome.created,
        outcome.updated,
        outcome.unchanged,
        batch_rate / naive_rate.max(1e-9)
    );
    match (rss_before, peak_after_parse, peak) {
        (Some(before), Some(parsed), Some(peak)) => println!(
            "peak RSS (VmHWM) {:.1} MB; {:.1} MB after validation, before storing; {:.1} MB before the import",
            peak as f64 / 1024.0,
            parsed as f64 / 1024.0,
            before as f64 / 1024.0
        ),
        _ => println!("peak RSS: not available on this platform"),
    }
    if again.created + again.updated != 0 {
        bail!(
            "re-importing the same file changed {} SKUs; it must change none",
            again.created + again.updated
        );
    }
    Ok(())
}
