//! Peak-memory probe for BENCHMARKS.md: imports one catalogue file the way the CLI does.
//!
//! `import_peak gen FILE ROWS` writes a generated CSV catalogue;
//! `import_peak import FILE` reads and validates it, keeping every record;
//! `import_peak stream FILE` validates it handing records to a sink that drops them (what a
//! validate-then-write import holds at most). Measure with `/usr/bin/time -v`.

#[path = "../benches/catalogue_gen.rs"]
mod catalogue_gen;

use tradelane_catalogue_io::{ImportOptions, ReadOptions, import_bytes, import_bytes_with};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("gen") if args.len() == 4 => {
            let rows: usize = args[3].parse()?;
            std::fs::write(&args[2], catalogue_gen::catalogue_csv(rows))?;
        }
        Some("import") if args.len() == 3 => {
            let bytes = std::fs::read(&args[2])?;
            let started = std::time::Instant::now();
            let import = import_bytes(
                &bytes,
                &ReadOptions::default(),
                None,
                &ImportOptions::default(),
            )?;
            drop(bytes);
            println!(
                "{} records, {} errors, {:?} in {:.3} s",
                import.report.records.len(),
                import.report.error_count(),
                import.format,
                started.elapsed().as_secs_f64()
            );
        }
        Some("stream") if args.len() == 3 => {
            let bytes = std::fs::read(&args[2])?;
            let started = std::time::Instant::now();
            let mut count = 0usize;
            let import = import_bytes_with(
                &bytes,
                &ReadOptions::default(),
                None,
                &ImportOptions::default(),
                |_, record| {
                    count += 1;
                    drop(record);
                },
            )?;
            println!(
                "{count} records streamed, {} errors, {:?} in {:.3} s",
                import.report.error_count(),
                import.format,
                started.elapsed().as_secs_f64()
            );
        }
        _ => eprintln!("usage: import_peak gen FILE ROWS | import_peak import|stream FILE"),
    }
    Ok(())
}
