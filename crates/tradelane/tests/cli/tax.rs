//! Tax obligations, target markets and rule-pack diffs from the command line, on every backend.

use crate::helpers::Env;

const ORDERS: &str = "order_id,date,channel,destination,net_amount,currency,marketplace_collected\n\
A1,2026-01-10,shop,AU,30000,AUD,no\n\
A2,2026-06-10,shop,AU,30000,AUD,no\n\
U1,2026-03-01,amazon,US-TX,1000,USD,yes\n";

#[test]
fn orders_import_idempotently_and_the_dashboard_profile_and_calendar_read_them() {
    for env in Env::all() {
        let env = env.with_owner("Acme");
        let file = env.write("orders.csv", ORDERS.as_bytes());
        let first = env.ok(&["tax", "import", file.to_str().unwrap()]);
        assert!(first.stdout.contains("3 new"), "{}", first.stdout);
        let again = env.ok(&["tax", "import", file.to_str().unwrap()]);
        assert!(
            again.stdout.contains("0 new, 0 updated, 3 unchanged"),
            "{}",
            again.stdout
        );
        // A bad file: every row error named, exit 2, nothing stored.
        let bad = env.write(
            "bad.csv",
            b"date,destination,net_amount,currency\n2026-01-01,XX,1,EUR\n",
        );
        let run = env.run(&["tax", "import", bad.to_str().unwrap()]);
        run.exit_code(2);
        assert!(
            run.stderr.contains("line 2, column 'destination': 'XX'"),
            "{}",
            run.stderr
        );
        let dash = env.ok(&[
            "tax",
            "dashboard",
            "--as-of",
            "2026-06-30",
            "--format",
            "json",
        ]);
        let d: serde_json::Value = serde_json::from_str(&dash.stdout).unwrap();
        assert_eq!(d["orders"], 3);
        let au = d["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["market"] == "AU")
            .unwrap();
        // AUD 60,000 of 75,000 in the rolling 12 months to 2026-06-30.
        assert_eq!(
            au["percent"].as_str().unwrap().parse::<f64>().unwrap(),
            80.0
        );
        assert_eq!(au["obligation"], "approaching");
        // Profile: an unknown scheme is refused by name; a good one feeds the calendar.
        let run = env.run(&["tax", "profile", "--schemes", "EU-IOSS,ZZ-VAT"]);
        run.exit_code(2);
        assert!(run.stderr.contains("ZZ-VAT"), "{}", run.stderr);
        env.ok(&[
            "tax",
            "profile",
            "--schemes",
            "EU-IOSS,EU-OSS",
            "--established-in",
            "CN",
        ]);
        let cal = env.ok(&[
            "tax",
            "calendar",
            "--from",
            "2026-07-01",
            "--to",
            "2026-08-31",
        ]);
        assert!(
            cal.stdout.contains("2026-07-31") && cal.stdout.contains("EU-IOSS"),
            "{}",
            cal.stdout
        );
        // OSS quarterly: Q2 is due at the end of the following month.
        assert!(cal.stdout.contains("EU-OSS"), "{}", cal.stdout);
    }
}

#[test]
fn target_markets_price_a_sku_and_a_pack_diff_is_filtered_to_them() {
    for env in Env::all() {
        let env = env.with_owner("Acme");
        let ecb = env.write(
            "ecb.csv",
            b"Date,USD,CNY,GBP,\n2026-07-15,1.1700,8.4000,0.8600,\n",
        );
        env.ok(&["fx", "import", ecb.to_str().unwrap()]);
        let skus = env.write(
            "skus.csv",
            "SKU,Title,Origin,HS code,Unit value,Currency,Net weight\nTS-1,T-shirt,CN,610910,20,EUR,0.2 kg\n".as_bytes(),
        );
        env.ok(&["sku", "import", skus.to_str().unwrap()]);
        let run = env.run(&["landed-cost", "markets", "--set", "DE,QQ"]);
        run.exit_code(2);
        env.ok(&["landed-cost", "markets", "--set", "DE,GB,TH"]);
        let shown = env.ok(&["landed-cost", "markets"]);
        assert!(
            shown.stdout.contains("TH") && shown.stdout.contains("not in the rule pack"),
            "{}",
            shown.stdout
        );
        let cost = env.ok(&[
            "landed-cost",
            "sku",
            "TS-1",
            "--date",
            "2026-07-15",
            "--format",
            "json",
        ]);
        let rows: serde_json::Value = serde_json::from_str(&cost.stdout).unwrap();
        // DE DDP on 2026-07-15, no IOSS: 20 + 12 % duty 2.40 + VAT 19 % of 22.40 = 4.26 -> 26.66 EUR.
        assert_eq!(rows[0]["market"], "DE");
        assert_eq!(rows[0]["landed_cost"]["amount"], "26.66");
        assert!(rows[2]["error"].as_str().unwrap().contains("TH"));
        // A diff of the built-in pack against an overlay: only what concerns DE and the T-shirt.
        let overlay = env.write(
            "overlay.toml",
            br#"format_version = 1
pack_id = "acme"
pack_version = "1"
published = 2026-11-01
[[duty]]
id = "ACME-EU-6109"
territory = "EU"
hs = "6109.10.00.10"
rate = "10%"
effective_from = 2027-01-01
source = "test"
uncertain = false
[[duty]]
id = "ACME-JP-9503"
territory = "JP"
hs = "9503.00.10"
rate = "3%"
effective_from = 2027-01-01
source = "test"
uncertain = false
"#,
        );
        let diff = env.ok(&[
            "rules",
            "diff",
            "builtin",
            overlay.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let d: serde_json::Value = serde_json::from_str(&diff.stdout).unwrap();
        let ids: Vec<&str> = d["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec!["ACME-EU-6109"], "{}", diff.stdout);
        let all = env.ok(&[
            "rules",
            "diff",
            "builtin",
            overlay.to_str().unwrap(),
            "--all",
        ]);
        assert!(
            all.stdout.contains("ACME-JP-9503") && all.stdout.contains("2 added"),
            "{}",
            all.stdout
        );
        let run = env.run(&["rules", "diff", "--kind", "nope", "builtin", "builtin"]);
        run.exit_code(2);
    }
}
