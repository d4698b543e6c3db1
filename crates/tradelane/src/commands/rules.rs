//! `tradelane rules check|load|show`: landed-cost rule packs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use serde::Serialize;
use tradelane_landed_cost::pack::RuleCounts;
use tradelane_landed_cost::{RuleError, RulePack};
use tradelane_store::compose_pack;

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::{cli_actor, short_time};
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{Listing, print_json, print_listing};

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate a rule pack file (see crates/landed-cost/RULEPACK.md): every error with its section, rule id and
    /// field; exit 2 when there is any. Also checks the pack composes with the built-in pack.
    Check {
        /// Rule pack TOML file; `-` reads standard input.
        file: PathBuf,
    },
    /// Store a new version of the organisation's rule pack (validated first). A pack with the built-in pack's
    /// id replaces it; any other pack id is an overlay added to it.
    Load {
        /// Rule pack TOML file; `-` reads standard input.
        file: PathBuf,
    },
    /// The active pack (id, version, rule counts) and the stored versions.
    Show,
    /// What changes for me: rules added, removed and changed between two versions of a pack (landed cost,
    /// requirements or tax), with their dates, for the organisation's markets and products.
    Diff(crate::commands::tax::DiffArgs),
}

pub async fn run(global: &GlobalOpts, cmd: RulesCommand) -> Result<()> {
    match cmd {
        RulesCommand::Check { file } => check(global, &file),
        RulesCommand::Load { file } => load(global, &file).await,
        RulesCommand::Show => show(global).await,
        RulesCommand::Diff(args) => crate::commands::tax::diff(global, &args).await,
    }
}

/// Reads a text file, or standard input for `-`.
pub fn read_text(path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn print_errors(name: &str, errors: &[RuleError]) {
    for e in errors {
        println!("{name}: {e}");
    }
}

fn counts_line(c: &RuleCounts) -> String {
    format!(
        "{} rules: {} markets, {} duties, {} additional duties, {} taxes, {} low-value regimes, {} fees",
        c.total(),
        c.markets,
        c.duties,
        c.additional_duties,
        c.taxes,
        c.low_value,
        c.fees
    )
}

fn check(global: &GlobalOpts, file: &Path) -> Result<()> {
    let name = file.display().to_string();
    let text = read_text(file)?;
    let pack = match RulePack::from_toml_str(&text) {
        Ok(pack) => pack,
        Err(errors) => {
            if global.format == Some(OutputFormat::Json) {
                print_json(&errors)?;
            } else {
                print_errors(&name, &errors);
            }
            return Err(validation(format!(
                "{name}: {} error(s) in the rule pack",
                errors.len()
            )));
        }
    };
    // Valid on its own; as an overlay it must also fit the built-in pack (no overlapping dates for a key).
    if let Err(errors) = compose_pack(Some(&text)) {
        if global.format == Some(OutputFormat::Json) {
            print_json(&errors)?;
        } else {
            print_errors(&name, &errors);
        }
        return Err(validation(format!(
            "{name}: valid alone, but {} error(s) when combined with the built-in pack",
            errors.len()
        )));
    }
    let meta = pack.meta();
    if global.format == Some(OutputFormat::Json) {
        print_json(&PackSummary {
            pack_id: &meta.pack_id,
            pack_version: &meta.pack_version,
            published: meta.published.to_string(),
            counts: pack.counts(),
        })
    } else {
        println!(
            "{name}: valid: pack '{}' version {} (published {}), {}",
            meta.pack_id,
            meta.pack_version,
            meta.published,
            counts_line(&pack.counts())
        );
        Ok(())
    }
}

#[derive(Serialize)]
struct PackSummary<'a> {
    pack_id: &'a str,
    pack_version: &'a str,
    published: String,
    counts: RuleCounts,
}

async fn load(global: &GlobalOpts, file: &Path) -> Result<()> {
    let name = file.display().to_string();
    let text = read_text(file)?;
    // Check first so every error is printed, one per line, before anything is stored.
    if let Err(errors) = RulePack::from_toml_str(&text).and_then(|_| compose_pack(Some(&text))) {
        print_errors(&name, &errors);
        return Err(validation(format!(
            "{name}: {} error(s); nothing was stored",
            errors.len()
        )));
    }
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let saved = store
        .save_rule_pack(&cli_actor(org.id), &text)
        .await
        .with_context(|| format!("storing {name}"))?;
    let info = &saved.info;
    if saved.created {
        println!(
            "stored rule pack '{}' version {} ({} rules) as version #{} for {}",
            info.pack_id, info.pack_version, info.rule_count, info.id, org.name
        );
    } else {
        println!(
            "rule pack '{}' version {} was already stored (#{}, loaded {} by {}); nothing changed",
            info.pack_id,
            info.pack_version,
            info.id,
            short_time(&info.loaded_at),
            info.loaded_by
        );
    }
    Ok(())
}

async fn show(global: &GlobalOpts) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let latest = store
        .latest_rule_pack(org.id)
        .await
        .context("reading the stored rule pack")?;
    let active = compose_pack(latest.as_ref().map(|p| p.toml.as_str())).map_err(|errors| {
        anyhow::anyhow!(
            "the stored rule pack no longer composes with this build's built-in pack: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let versions = store
        .list_rule_packs(org.id)
        .await
        .context("listing stored rule packs")?;
    let format = global.format.unwrap_or(OutputFormat::Table);
    if format == OutputFormat::Json {
        let meta = active.meta();
        return print_json(&serde_json::json!({
            "active": {
                "pack_id": meta.pack_id,
                "pack_version": meta.pack_version,
                "published": meta.published.to_string(),
                "counts": active.counts(),
            },
            "stored_versions": versions,
        }));
    }
    let meta = active.meta();
    println!(
        "active pack: '{}' version {} (published {})\n{}",
        meta.pack_id,
        meta.pack_version,
        meta.published,
        counts_line(&active.counts())
    );
    if versions.is_empty() {
        println!(
            "no stored version: the built-in pack is used (`tradelane rules load FILE` adds one)"
        );
        return Ok(());
    }
    let rows = versions
        .iter()
        .map(|v| {
            vec![
                v.id.to_string(),
                v.pack_id.clone(),
                v.pack_version.clone(),
                v.published.clone(),
                v.rule_count.to_string(),
                short_time(&v.loaded_at),
                v.loaded_by.clone(),
                v.sha256.chars().take(12).collect(),
            ]
        })
        .collect();
    println!();
    print_listing(
        format,
        &Listing {
            headers: &[
                "#",
                "pack id",
                "version",
                "published",
                "rules",
                "loaded (UTC)",
                "by",
                "sha256",
            ],
            rows,
            items: &versions,
        },
    )
}
