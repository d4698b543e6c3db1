//! Cross-checks the built-in pack's MFN duty rules against the official tariff files in the shared data folder:
//! every tariff line of the USITC HTS CSV (US) and the UK Global Tariff CSV (UKGT column for GB, the restated EU
//! CET column for EU) that falls under a prefix the pack rates must get, through the engine's own longest-prefix
//! lookup, exactly the rate the official file gives that line. A pack rule written at 6 digits whose national
//! sub-lines differ is therefore caught. Skips cleanly when the folder is absent (env TRADELANE_SHARED_DATA, else
//! ../shared/data from the repository root).

use jiff::civil::{Date, date};
use std::collections::BTreeSet;
use std::path::PathBuf;
use tradelane_domain::Country;
use tradelane_landed_cost::builtin_pack;
use tradelane_landed_cost::engine::find_base_duty;
use tradelane_landed_cost::import::{
    ImportOptions, ImportReport, UkColumn, import_uk_tariff_csv, import_us_hts_csv,
};
use tradelane_landed_cost::pack::{RulePack, builtin_pack_toml};

fn shared_data() -> Option<PathBuf> {
    let dir = match std::env::var_os("TRADELANE_SHARED_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    dir.join("tariffs").is_dir().then_some(dir)
}

fn options(territory: &str) -> ImportOptions {
    ImportOptions {
        territory: territory.into(),
        id_prefix: format!("{territory}-OFFICIAL"),
        source: "official file".into(),
        effective_from: date(2021, 1, 1),
        effective_to: None,
        uncertain: false,
        skip_chapters: vec![98, 99],
    }
}

/// Compares every official line under a pack MFN prefix with the pack's answer; returns the mismatches and the
/// number of official lines checked.
fn mismatches(
    pack: &RulePack,
    territory: &str,
    report: &ImportReport,
    on: Date,
) -> (Vec<String>, usize) {
    let mfn = format!("{territory}-MFN");
    let mut wrong = Vec::new();
    let mut checked = 0;
    for official in &report.rules {
        // Origin CN: a non-preferential origin, so the MFN rule is the one that applies.
        let found = match find_base_duty(pack, territory, &official.prefix, Country::CN, on) {
            Ok(found) => found,
            Err(e) => {
                wrong.push(format!("{}: {e}", official.prefix));
                continue;
            }
        };
        let Some(rule) = found else { continue };
        if !rule.meta.id.starts_with(&mfn) {
            continue;
        }
        checked += 1;
        if rule.rate != official.rate {
            wrong.push(format!(
                "{territory} {}: pack rule {} ({}) gives {}, the official file {}",
                official.prefix, rule.meta.id, rule.prefix, rule.rate, official.rate
            ));
        }
    }
    (wrong, checked)
}

/// Distinct HS prefixes the pack rates for a territory with MFN rules.
fn mfn_prefixes(pack: &RulePack, territory: &str) -> BTreeSet<String> {
    pack.duties()
        .filter(|d| d.layer.is_none() && d.territory == territory)
        .map(|d| d.prefix.to_string())
        .collect()
}

#[test]
fn the_pack_rates_at_least_200_codes_in_each_mfn_market() {
    let pack = builtin_pack().expect("built-in pack");
    for territory in ["US", "GB", "EU", "JP", "CA", "AU"] {
        let prefixes = mfn_prefixes(&pack, territory);
        assert!(
            prefixes.len() >= 200,
            "{territory}: {} MFN codes in the pack",
            prefixes.len()
        );
        // Every MFN rule names the official tariff it comes from.
        for d in pack
            .duties()
            .filter(|d| d.layer.is_none() && d.territory == territory)
        {
            assert!(!d.meta.source.is_empty(), "{}", d.meta.id);
        }
    }
}

#[test]
fn the_pack_agrees_with_the_official_us_and_uk_tariff_files() {
    let Some(dir) = shared_data() else {
        eprintln!("skipped: no shared data folder (set TRADELANE_SHARED_DATA)");
        return;
    };
    let pack = builtin_pack().expect("built-in pack");
    let tariffs = dir.join("tariffs");
    let mut all_wrong = Vec::new();
    if let Ok(text) = std::fs::read_to_string(tariffs.join("us/hts_2026_revision_4_csv.csv")) {
        let report = import_us_hts_csv(&text, &options("US")).expect("USITC layout");
        let (wrong, checked) = mismatches(&pack, "US", &report, date(2026, 11, 26));
        eprintln!(
            "US: {checked} official lines under pack MFN rules, {} mismatches",
            wrong.len()
        );
        assert!(checked >= 200, "US: only {checked} official lines checked");
        all_wrong.extend(wrong);
        // The check can fail: a pack with one rate changed is caught at that line.
        let edited = builtin_pack_toml().replacen(
            "{ hs = \"3926.90.10\", rate = \"3.4%\" }",
            "{ hs = \"3926.90.10\", rate = \"9.9%\" }",
            1,
        );
        assert_ne!(edited, builtin_pack_toml(), "fixture edit applies");
        let wrong_pack = RulePack::from_toml_str(&edited).expect("edited pack");
        let (caught, _) = mismatches(&wrong_pack, "US", &report, date(2026, 11, 26));
        assert!(
            !caught.is_empty() && caught.iter().all(|m| m.contains("3926901")),
            "{caught:?}"
        );
    } else {
        eprintln!("skipped US: file not readable");
    }
    if let Ok(text) = std::fs::read_to_string(tariffs.join("uk/global-uk-tariff.csv")) {
        for (column, territory) in [(UkColumn::Ukgt, "GB"), (UkColumn::Cet, "EU")] {
            let report =
                import_uk_tariff_csv(&text, column, &options(territory)).expect("UKGT layout");
            let (wrong, checked) = mismatches(&pack, territory, &report, date(2026, 11, 26));
            eprintln!(
                "{territory}: {checked} official lines under pack MFN rules, {} mismatches",
                wrong.len()
            );
            assert!(
                checked >= 200,
                "{territory}: only {checked} official lines checked"
            );
            all_wrong.extend(wrong);
        }
    } else {
        eprintln!("skipped UK/EU: file not readable");
    }
    assert!(
        all_wrong.is_empty(),
        "{} mismatches:\n{}",
        all_wrong.len(),
        all_wrong.join("\n")
    );
}
