//! Landed cost from the command line: rule packs, FX rates, one quote, a batch file.

use crate::helpers::Env;

// Written in the published ECB layout (newest first, trailing comma); rates invented for the tests.
const ECB: &str =
    "Date,USD,CNY,GBP,\n2026-07-15,1.1700,8.4000,0.8600,\n2026-07-14,1.1600,8.3000,0.8500,\n";

const OVERLAY: &str = r#"
format_version = 1
pack_id = "acme-overlay"
pack_version = "3"
published = 2026-07-01

[[duty]]
id = "ACME-EU-HORSES"
territory = "EU"
hs = "0101.21"
rate = "5%"
effective_from = 2026-01-01
source = "Acme test overlay"
uncertain = true
"#;

const QUOTE: &[&str] = &[
    "landed-cost",
    "quote",
    "--hs",
    "851830",
    "--origin",
    "CN",
    "--value",
    "25.00",
    "--currency",
    "USD",
    "--qty",
    "2",
    "--weight-kg",
    "0.3",
    "--to",
    "DE",
    "--mode",
    "postal",
    "--incoterm",
    "DDP",
    "--registration",
    "IOSS",
    "--date",
    "2026-07-15",
    "--seller-currency",
    "CNY",
];

#[test]
fn rules_check_names_the_rule_and_exits_2() {
    let env = Env::sqlite();
    let bad = env.write("bad.toml", OVERLAY.replace("0101.21", "01x1").as_bytes());
    let run = env.run(&["rules", "check", bad.to_str().unwrap()]);
    run.exit_code(2);
    assert!(
        run.stdout.contains("ACME-EU-HORSES") && run.stdout.contains("'hs'"),
        "{}",
        run.stdout
    );
    let good = env.write("good.toml", OVERLAY.as_bytes());
    let run = env.ok(&["rules", "check", good.to_str().unwrap()]);
    assert!(
        run.stdout.contains("valid") && run.stdout.contains("1 rules"),
        "{}",
        run.stdout
    );
    // Valid alone but overlapping a built-in rule for the same key: refused, naming both rules.
    let clash = env.write(
        "clash.toml",
        OVERLAY.replace("0101.21", "8518.30").as_bytes(),
    );
    let run = env.run(&["rules", "check", clash.to_str().unwrap()]);
    run.exit_code(2);
    assert!(run.stdout.contains("EU-MFN-851830"), "{}", run.stdout);
}

#[test]
fn without_rates_a_quote_fails_clearly_and_with_rates_it_prints_rule_ids() {
    for env in Env::all() {
        let env = env.with_owner("Acme");
        let run = env.run(QUOTE);
        run.exit_code(2);
        assert!(
            run.stderr.contains("no USD exchange rate") && run.stderr.contains("fx import"),
            "[{}] {}",
            env.backend,
            run.stderr
        );
        let ecb = env.write("eurofxref-hist.csv", ECB.as_bytes());
        let run = env.ok(&["fx", "import", ecb.to_str().unwrap()]);
        assert!(run.stdout.contains("6 new"), "{}", run.stdout);
        let run = env.ok(&["fx", "import", ecb.to_str().unwrap()]);
        assert!(
            run.stdout.contains("0 new") && run.stdout.contains("6 unchanged"),
            "{}",
            run.stdout
        );

        let run = env.ok(QUOTE);
        // FACTS.md §2 EU: under IOSS from 2026-07-01 one EUR 3 duty for the one tariff subheading; VAT-DE 19 %.
        assert!(run.stdout.contains("EU-FLAT-DUTY-3"), "{}", run.stdout);
        assert!(run.stdout.contains("VAT-DE-standard"), "{}", run.stdout);
        assert!(run.stdout.contains("3.00 EUR"), "{}", run.stdout);
        assert!(
            run.stdout.contains("rule pack: tradelane-builtin"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("1 EUR = 8.4 CNY"), "{}", run.stdout);

        let mut json_args = QUOTE.to_vec();
        json_args.extend(["--format", "json"]);
        let run = env.ok(&json_args);
        let q: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON quote");
        // --value is the whole line: 25 USD / 1.17 USD per EUR = 21.3675 -> 21.37 EUR, no freight.
        // VAT base 21.37 + 3 duty = 24.37 x 19 % = 4.6303 -> 4.63 EUR.
        assert_eq!(q["totals"]["taxes"]["amount"], "4.63");
        assert_eq!(q["seller_currency"], "CNY");

        // The same request as JSON on standard input.
        let request = serde_json::json!({
            "lines": [{"hs_code": "851830", "origin": "CN", "value": {"amount": "25", "currency": "USD"},
                       "quantity": "2", "net_weight_kg": "0.6"}],
            "destination": {"country": "DE"}, "mode": "postal", "incoterm": "DDP", "channel": "own_shop",
            "registrations": ["IOSS"], "date": "2026-07-15", "seller_currency": "CNY"
        });
        let run = env.run_with_stdin(
            &["landed-cost", "quote", "--json", "-", "--format", "json"],
            request.to_string().as_bytes(),
        );
        let run = run.success();
        let q: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON quote");
        assert_eq!(q["totals"]["taxes"]["amount"], "4.63");
    }
}

#[test]
fn a_loaded_overlay_is_shown_and_used() {
    for env in Env::all() {
        let env = env.with_owner("Acme");
        let overlay = env.write("overlay.toml", OVERLAY.as_bytes());
        let run = env.ok(&["rules", "load", overlay.to_str().unwrap()]);
        assert!(
            run.stdout
                .contains("stored rule pack 'acme-overlay' version 3"),
            "{}",
            run.stdout
        );
        let run = env.ok(&["rules", "load", overlay.to_str().unwrap()]);
        assert!(run.stdout.contains("already stored"), "{}", run.stdout);
        let run = env.ok(&["rules", "show"]);
        assert!(
            run.stdout.contains("+acme-overlay@3"),
            "[{}] {}",
            env.backend,
            run.stdout
        );
        let run = env.ok(&[
            "landed-cost",
            "quote",
            "--hs",
            "0101.21.00",
            "--origin",
            "CN",
            "--value",
            "200",
            "--currency",
            "EUR",
            "--to",
            "FR",
            "--incoterm",
            "DAP",
            "--date",
            "2026-07-15",
        ]);
        // CIF 200 (no freight) x 5 % = 10.00, marked uncertain in the overlay.
        assert!(run.stdout.contains("ACME-EU-HORSES"), "{}", run.stdout);
        assert!(run.stdout.contains("10.00 EUR"), "{}", run.stdout);
        assert!(
            run.stdout.contains("? = the rule is marked uncertain"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_batch_writes_one_line_per_row_with_an_error_column() {
    let env = Env::sqlite().with_owner("Acme");
    let ecb = env.write("ecb.csv", ECB.as_bytes());
    let orders = env.write(
        "orders.csv",
        b"order_id,hs_code,origin,value,currency,quantity,net_weight_kg,destination,subdivision,mode,incoterm,date,registrations\n\
A1,851830,CN,25,USD,2,0.3,DE,,postal,DDP,2026-07-15,IOSS\n\
A1,420222,CN,40,USD,1,0.5,DE,,postal,DDP,2026-07-15,IOSS\n\
B2,851830,CN,ten,USD,1,0.1,US,,express,DAP,2026-07-15,\n\
C3,851830,CN,30,EUR,1,0.8,GB,,postal,DDP,2026-07-15,\n",
    );
    let out = env.dir.path().join("out.csv");
    let run = env.ok(&[
        "landed-cost",
        "batch",
        orders.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--fx-file",
        ecb.to_str().unwrap(),
    ]);
    assert!(run.stderr.contains("4 rows in 3 orders"), "{}", run.stderr);
    let text = std::fs::read_to_string(&out).expect("output written");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    // Both A1 rows are one consignment: one EUR 3 flat duty per distinct subheading (851830, 420222).
    assert_eq!(&rows[0][col("duties")], "3");
    assert_eq!(&rows[1][col("duties")], "3");
    assert_eq!(&rows[0][col("error")], "");
    assert!(rows[0][col("rule_ids")].contains("EU-FLAT-DUTY-3"));
    assert!(rows[2][col("error")].contains("line 4") && rows[2][col("error")].contains("'ten'"));
    assert_eq!(&rows[3][col("destination")], "GB");
    assert_eq!(&rows[3][col("error")], "", "{text}");
    assert!(rows[3][col("fx_rates")].is_empty() || rows[3][col("fx_rates")].contains("GBP"));
}
