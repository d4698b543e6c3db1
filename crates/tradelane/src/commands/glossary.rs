//! `tradelane listings glossary list|import`: the organisation glossary from the command line
//! (the same store calls as the API and the glossary page).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;
use tradelane_server::workbench::assist;
use tradelane_store::Actor;
use tradelane_translate::glossary_csv::{GlossaryRow, write_glossary_csv};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{ignore_broken_pipe, print_json, write_table};

#[derive(Debug, Subcommand)]
pub enum GlossaryCommand {
    /// Print the glossary (table, json, or csv in the import layout).
    List,
    /// Import a glossary CSV (`kind,term,de-DE,fr-FR,…,markets,note`, English or Chinese
    /// headers): every row or none; exit 2 naming every bad row.
    Import {
        /// The CSV file; `-` reads standard input.
        file: PathBuf,
    },
}

pub async fn run(global: &GlobalOpts, cmd: GlossaryCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    match cmd {
        GlossaryCommand::List => {
            let list = store.list_glossary(org.id).await?;
            match global.format.unwrap_or(OutputFormat::Table) {
                OutputFormat::Json => print_json(&list),
                OutputFormat::Csv => {
                    let rows: Vec<GlossaryRow> = list
                        .iter()
                        .map(|e| GlossaryRow {
                            line: 0,
                            kind: e.kind.as_str().to_string(),
                            term: e.term.clone(),
                            translations: e.translations.clone(),
                            markets: e.markets.clone(),
                            note: (!e.note.is_empty()).then(|| e.note.clone()),
                        })
                        .collect();
                    let text = write_glossary_csv(&rows);
                    ignore_broken_pipe(std::io::stdout().lock().write_all(text.as_bytes()))
                }
                _ => {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|e| {
                            vec![
                                e.term.clone(),
                                e.kind.as_str().to_string(),
                                e.translations
                                    .iter()
                                    .map(|(k, v)| format!("{k}={v}"))
                                    .collect::<Vec<_>>()
                                    .join("; "),
                                e.markets.join(","),
                                e.note.clone(),
                            ]
                        })
                        .collect();
                    ignore_broken_pipe(write_table(
                        &mut std::io::stdout().lock(),
                        &["term", "kind", "translations", "markets", "note"],
                        &rows,
                    ))
                }
            }
        }
        GlossaryCommand::Import { file } => {
            let bytes = if file.as_os_str() == "-" {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
                b
            } else {
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?
            };
            let text = assist::decode_csv(&bytes).map_err(|e| validation(e.to_string()))?;
            let inputs = assist::glossary_from_csv(&text).map_err(|errors| {
                for e in &errors {
                    eprintln!("{e}");
                }
                validation(format!(
                    "{} problem(s) in {}; nothing was imported",
                    errors.len(),
                    file.display()
                ))
            })?;
            let label = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "stdin".into());
            let o = store
                .import_glossary(&Actor::cli(org.id), &inputs, &label)
                .await
                .map_err(|e| match e {
                    tradelane_store::StoreError::Invalid(m) => validation(m),
                    other => anyhow!(other),
                })?;
            println!(
                "{} rows: {} new, {} changed, {} unchanged",
                inputs.len(),
                o.created,
                o.updated,
                o.unchanged
            );
            Ok(())
        }
    }
}
