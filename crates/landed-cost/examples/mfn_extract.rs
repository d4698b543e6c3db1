//! Reads the official tariff files under the shared data folder (TRADELANE_SHARED_DATA or ../shared/data)
//! and prints `[[duty_schedule]]` lines for the HS subheadings small sellers ship most, for the built-in pack.
//! A subheading whose tariff lines all carry one rate becomes one rule; otherwise one rule per line.
//!
//! cargo run -p tradelane-landed-cost --example mfn_extract > /tmp/mfn.toml

use jiff::civil::date;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tradelane_landed_cost::import::{
    ImportOptions, UkColumn, import_uk_tariff_csv, import_us_hts_csv,
};
use tradelane_landed_cost::pack::DutyRule;

const SUBHEADINGS: &str = "
392690 420232 420239 420299 420292 850440 850760 854442 854449 853669 851830 851822 851829 851840 851850 851762 851769
847130 847160 847170 847330 852351 852352 851310 851631 851632 851640 851650 851660 851671 851672 851679 850940 850980
851010 851020 846721 846729 820320 820411 820412 820540 820551 820559 820600 821192 821300 821420 821510 821591 821599
853950 940540 940510 940520 940591 940592 940599
950300 950490 950440 950510 950590 950691 950699 950662 950640 950632 950631 950651 950670 950710 950790 950420 950450
871200 871499 650610 611241 611212
610910 610990 611020 611030 611011 610462 610463 610342 610343 610442 610443 610444 610510 610610 610620 610711 610821
610822 611420 611430 611595 611596 611693 611710 620342 620343 620462 620463 620520 620630 620640 621010 621133 621143
621210 621410 621420 621430 621440 621590 621710
640219 640220 640299 640319 640351 640359 640391 640399 640411 640419 640420 640510 640520 640590 640610
330410 330420 330430 330491 330499 330510 330590 330610 330300 330730 330790 340111 340130 960321 960329 961610 961620 960330
392410 392490 691110 691200 701337 701349 732393 732394 732399 761510 821191 821520 392330 392321
630210 630221 630222 630231 630232 630260 630291 630293 630312 630392 630399 630411 630419 630492 630493 630710 630790
940421 940429 940430 940490
420211 420212 420219 420221 420222 420229 420231 420291
711311 711319 711719 711790 711711 910211 910212 910219 910221 910229 911320 911390
230910 420100 960390
960810 482010 392620 900410 900490 910521 830140 830630 830629 442010 691310 691390 701890 960711 960622 670290 670411
670419 670420 731815 732690 761699 392640 392610 940161 940360 940370 940171 940320 940350 960500 961511 961519 960910
852852 852859 852869 850811 851821 853110 854370 820310 820510 820520 820530 820560 820570 820750 846711 846722 901780
";

#[derive(Clone, PartialEq)]
struct Line {
    code: String,
    rate: String,
}

fn lines_under(rules: &[DutyRule], hs6: &str) -> Vec<Line> {
    rules
        .iter()
        .filter(|r| r.prefix.to_string().starts_with(hs6))
        .map(|r| Line {
            code: r.prefix.to_string(),
            rate: r.rate.to_string(),
        })
        .collect()
}

/// Collapses tariff lines to the shortest prefixes (6, then 8 digits) under which the rate is uniform.
fn collapse(hs6: &str, lines: &[Line]) -> Vec<Line> {
    if lines.iter().all(|l| l.rate == lines[0].rate) {
        return vec![Line {
            code: hs6.into(),
            rate: lines[0].rate.clone(),
        }];
    }
    let mut by8: BTreeMap<String, Vec<&Line>> = BTreeMap::new();
    for l in lines {
        by8.entry(l.code[..8.min(l.code.len())].to_string())
            .or_default()
            .push(l);
    }
    let mut out = Vec::new();
    for (code8, group) in by8 {
        if group.iter().all(|l| l.rate == group[0].rate) {
            out.push(Line {
                code: code8,
                rate: group[0].rate.clone(),
            });
        } else {
            out.extend(group.into_iter().cloned());
        }
    }
    out
}

fn dotted(code: &str) -> String {
    match code.len() {
        6 => format!("{}.{}", &code[..4], &code[4..]),
        8 => format!("{}.{}.{}", &code[..4], &code[4..6], &code[6..]),
        10 => format!(
            "{}.{}.{}.{}",
            &code[..4],
            &code[4..6],
            &code[6..8],
            &code[8..]
        ),
        _ => code.into(),
    }
}

fn main() -> Result<(), String> {
    let root = std::env::var("TRADELANE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("../shared/data"));
    let tariffs = root.join("tariffs");
    let read = |p: &str| {
        std::fs::read_to_string(tariffs.join(p)).map_err(|e| {
            format!(
                "{}: {e} (set TRADELANE_SHARED_DATA)",
                tariffs.join(p).display()
            )
        })
    };
    let opts = |t: &str| ImportOptions {
        territory: t.into(),
        id_prefix: t.into(),
        source: String::new(),
        effective_from: date(2021, 1, 1),
        effective_to: None,
        uncertain: false,
        skip_chapters: vec![98, 99],
    };
    let us26 = import_us_hts_csv(&read("us/hts_2026_revision_4_csv.csv")?, &opts("US"))
        .map_err(|e| e.to_string())?
        .rules;
    let us25 = import_us_hts_csv(&read("us/htsdata_2025-04.csv")?, &opts("US"))
        .map_err(|e| e.to_string())?
        .rules;
    let uk = read("uk/global-uk-tariff.csv")?;
    let gb = import_uk_tariff_csv(&uk, UkColumn::Ukgt, &opts("GB"))
        .map_err(|e| e.to_string())?
        .rules;
    let eu = import_uk_tariff_csv(&uk, UkColumn::Cet, &opts("EU"))
        .map_err(|e| e.to_string())?
        .rules;
    let codes: Vec<&str> = SUBHEADINGS.split_whitespace().collect();
    for (name, rules) in [("US", &us26), ("GB", &gb), ("EU", &eu)] {
        println!("# ---- {name} ----");
        let mut count = 0;
        for hs6 in &codes {
            let lines = lines_under(rules, hs6);
            if lines.is_empty() {
                println!("# {hs6}: not in the file");
                continue;
            }
            count += 1;
            for l in collapse(hs6, &lines) {
                let mut extra = String::new();
                if name == "US" {
                    // The 2025 edition must agree for the rule to start in 2025.
                    let old = collapse(hs6, &lines_under(&us25, hs6));
                    if !old.contains(&l) {
                        extra = ", effective_from = 2026-01-01, note_en = \"rate or code differs in the April 2025 edition\"".into();
                    }
                }
                println!(
                    "  {{ hs = \"{}\", rate = \"{}\"{extra} }},",
                    dotted(&l.code),
                    l.rate
                );
            }
        }
        println!("# {name}: {count} subheadings");
    }
    Ok(())
}
