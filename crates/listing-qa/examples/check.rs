//! Checks listings given as JSON lines on stdin (`{"listing": {...}, "source": {...}}`)
//! and prints the findings as JSON lines. Exit code 1 when any finding is an error.
//!
//! `echo '{"listing":{"marketplace":"amazon","locale":"de-DE","title":"Lampe!"}}' |
//!  cargo run -p tradelane-listing-qa --example check`

use std::io::{BufRead, Write};

use serde::Deserialize;
use tradelane_listing_qa::{CheckInput, Glossary, Listing, QaEngine, Severity, SourceListing};

#[derive(Deserialize)]
struct Line {
    listing: Listing,
    source: Option<SourceListing>,
    glossary: Option<Glossary>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = QaEngine::new()?;
    let mut any_error = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let input: Line =
            serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let findings = engine.check(&CheckInput {
            listing: &input.listing,
            source: input.source.as_ref(),
            glossary: input.glossary.as_ref(),
            watchlist: None,
            date: None,
        });
        any_error |= findings.iter().any(|f| f.severity == Severity::Error);
        for f in findings {
            writeln!(out, "{}", serde_json::to_string(&f)?)?;
        }
    }
    if any_error {
        std::process::exit(1);
    }
    Ok(())
}
