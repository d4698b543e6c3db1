//! `compliance gap|requirements|screen`, `customs check` and `tax thresholds` through the binary, on a small
//! catalogue imported the way a seller imports it.

use crate::helpers::Env;

const ORG: &str = "Harbour Goods";

const CATALOGUE: &str = "\
sku_code,title,brand,customs_description_en,origin,hs_code,unit_value,currency,net_weight,gross_weight,battery
PB-20K,Power bank 20000 mAh with USB-C,Voltix,Lithium-ion power bank,CN,850760,14.50,USD,0.38 kg,0.45 kg,lithium ion alone 74Wh
DESK-ORG,Bamboo desk organiser,Voltix,gift,CN,442199,6.00,USD,0.40 kg,0.48 kg,none
";

fn env_with_catalogue(env: Env) -> Env {
    let env = env.with_owner(ORG);
    let file = env.write("catalogue.csv", CATALOGUE.as_bytes());
    env.ok(&[
        "sku",
        "import",
        "--org",
        ORG,
        file.to_str().expect("utf-8 path"),
    ]);
    env
}

#[test]
fn gap_lists_the_power_bank_as_needing_un38_3_and_says_nothing_is_on_file() {
    for env in Env::all() {
        let env = env_with_catalogue(env);
        let run = env.ok(&[
            "compliance",
            "gap",
            "--org",
            ORG,
            "--markets",
            "DE,US",
            "--format",
            "json",
        ]);
        let report: serde_json::Value =
            serde_json::from_str(&run.stdout).expect("gap --format json prints JSON");
        assert!(
            report["note"]
                .as_str()
                .is_some_and(|n| n.contains("0 document(s) on file")),
            "[{}] {report}",
            env.backend
        );
        let rows = report["rows"].as_array().expect("rows");
        for market in ["DE", "US"] {
            let un38 = rows
                .iter()
                .find(|r| {
                    r["sku"] == "PB-20K" && r["market"] == market && r["requirement"] == "TR-UN38.3"
                })
                .unwrap_or_else(|| {
                    panic!(
                        "[{}] no UN 38.3 row for the power bank in {market}: {report}",
                        env.backend
                    )
                });
            assert_eq!(un38["status"], "missing", "{un38}");
            assert!(!un38["source"].as_str().unwrap_or("").is_empty(), "{un38}");
        }
        // The organiser has no battery: no transport rule for it.
        assert!(
            !rows.iter().any(|r| r["sku"] == "DESK-ORG"
                && r["requirement"].as_str().unwrap_or("").starts_with("TR-")),
            "{report}"
        );

        let table = env.ok(&["compliance", "gap", "--org", ORG, "--markets", "DE,ZA"]);
        assert!(
            table.stdout.contains("0 document(s) on file"),
            "{}",
            table.stdout
        );
        assert!(table.stdout.contains("TR-UN38.3"), "{}", table.stdout);
        // A market the pack does not cover is said to be not covered, never compliant.
        assert!(table.stdout.contains("not covered"), "{}", table.stdout);

        let csv = env.ok(&[
            "compliance",
            "gap",
            "--org",
            ORG,
            "--markets",
            "US",
            "--format",
            "csv",
        ]);
        assert!(
            csv.stdout.starts_with("sku,market,requirement"),
            "{}",
            csv.stdout
        );
        assert!(csv.stdout.contains("PB-20K,US,TR-UN38.3"), "{}", csv.stdout);
    }
}

#[test]
fn requirements_explain_why_with_sources_and_reject_unknown_skus() {
    let env = env_with_catalogue(Env::sqlite());
    let run = env.ok(&[
        "compliance",
        "requirements",
        "--org",
        ORG,
        "--sku",
        "PB-20K",
        "--market",
        "DE",
    ]);
    assert!(run.stdout.contains("TR-UN38.3"), "{}", run.stdout);
    assert!(run.stdout.contains("source:"), "{}", run.stdout);
    assert!(run.stdout.contains("Does not apply"), "{}", run.stdout);
    // 74 Wh alone: PI 965 Section II, not Section I (> 100 Wh).
    assert!(run.stdout.contains("TR-PI965-II"), "{}", run.stdout);

    let missing = env.run(&[
        "compliance",
        "requirements",
        "--org",
        ORG,
        "--sku",
        "NOPE-1",
        "--market",
        "DE",
    ]);
    missing.exit_code(1);
    assert!(missing.stderr.contains("NOPE-1"), "{}", missing.stderr);
}

#[test]
fn screen_exits_1_on_a_watchlisted_mark_written_with_a_space() {
    let env = env_with_catalogue(Env::sqlite());
    let marks = env.write("marks.csv", b"mark,owner,classes\nAirPods,Apple Inc.,9\n");
    let listings = env.write(
        "listings.csv",
        "sku,title,brand\nL-1,Wireless earbuds case compatible with Air Pods,Voltix\nL-2,Bamboo desk organiser,Voltix\n"
            .as_bytes(),
    );
    let run = env.run(&[
        "compliance",
        "screen",
        "--watchlist",
        marks.to_str().expect("path"),
        listings.to_str().expect("path"),
    ]);
    run.exit_code(1);
    assert!(run.stdout.contains("L-1"), "{}", run.stdout);
    assert!(run.stdout.contains("Air Pods"), "{}", run.stdout);
    assert!(!run.stdout.contains("L-2"), "{}", run.stdout);

    // The seller's own brand on the allowlist is never reported; a clean file exits 0.
    let clean = env.write("clean.csv", b"title,brand\nBamboo desk organiser,Voltix\n");
    let allow = env.write("allow.txt", b"Voltix\n");
    let own = env.write("own.csv", b"mark\nVoltix\n");
    env.ok(&[
        "compliance",
        "screen",
        "--watchlist",
        own.to_str().expect("path"),
        "--allowlist",
        allow.to_str().expect("path"),
        clean.to_str().expect("path"),
    ]);
}

#[test]
fn customs_check_rejects_a_gift_description_and_passes_a_specific_one() {
    let env = env_with_catalogue(Env::sqlite());
    let gift = env.run(&[
        "customs", "check", "--org", ORG, "--sku", "DESK-ORG", "--to", "DE",
    ]);
    gift.exit_code(1);
    assert!(gift.stdout.contains("ERROR"), "{}", gift.stdout);
    assert!(gift.stdout.contains("'gift'"), "{}", gift.stdout);

    let pb = env.ok(&[
        "customs",
        "check",
        "--org",
        ORG,
        "--sku",
        "PB-20K",
        "--to",
        "US",
        "--declared-value",
        "2.00",
        "USD",
    ]);
    // Passes (no error) but warns about the undervaluation and flags the lithium battery.
    assert!(
        pb.stdout.contains("below the catalogue value"),
        "{}",
        pb.stdout
    );
    assert!(pb.stdout.contains("UN3480"), "{}", pb.stdout);
}

#[test]
fn tax_thresholds_show_percent_reached_and_report_unconverted_orders() {
    let env = Env::sqlite();
    let orders = env.write(
        "orders.csv",
        b"id,date,channel,destination,net_amount,currency,marketplace_collected\n\
          A1,2026-02-01,shop,AU,30000,AUD,no\n\
          A2,2026-03-01,shop,AU,900,USD,no\n",
    );
    let run = env.ok(&[
        "tax",
        "thresholds",
        orders.to_str().expect("path"),
        "--as-of",
        "2026-06-30",
    ]);
    assert!(run.stdout.contains("AU-GST"), "{}", run.stdout);
    assert!(run.stdout.contains("40.0%"), "{}", run.stdout);
    // The USD order has no AUD rate: reported, never silently dropped or converted at a guess.
    assert!(run.stdout.contains("NOT in the totals"), "{}", run.stdout);
    assert!(run.stdout.contains("A2"), "{}", run.stdout);

    let bad = env.write(
        "bad.csv",
        b"date,destination,net_amount,currency\n2026-13-01,AU,1,AUD\n",
    );
    let failed = env.run(&["tax", "thresholds", bad.to_str().expect("path")]);
    failed.exit_code(1);
    assert!(failed.stderr.contains("line 2"), "{}", failed.stderr);
}
