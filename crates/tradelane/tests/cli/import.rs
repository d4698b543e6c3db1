//! `sku import` / `sku list` / `sku export` through the binary: encodings, all-or-nothing
//! validation, idempotent re-import and export round trips.

use crate::helpers::{Env, codes, find};

/// A seller's sheet as Excel on a Chinese Windows saves it: Chinese headers, Chinese text.
const CHINESE_HEADERS_CSV: &str = "\
货号,品名,品牌,申报品名,英文品名,原产国,海关编码,申报价值,币种,净重,毛重,尺寸,电池
CN-TWS-01,蓝牙耳机 入耳式 降噪,声悦,蓝牙耳机（带麦克风）,Bluetooth earphones with microphone,CN,851830,12.50,USD,0.05 kg,0.12 kg,7x7x3 cm,内置锂离子电池 1.85Wh
CN-PB-02,移动电源 10000毫安,伏特,锂离子蓄电池（移动电源）,Lithium-ion power bank,CN,850760,9.90,USD,0.21 kg,0.28 kg,14x7x2 cm,锂离子电池 单独 37Wh
CN-TEE-03,纯棉男式T恤 白色,北织,男式针织T恤（全棉）,\"Men's T-shirt, knitted, of cotton\",VN,610910,18.00,CNY,180 g,200 g,25x20x2 cm,无
";

const ORG: &str = "Acme Trading";

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
    assert!(!had_errors, "fixture is representable in GBK");
    bytes.into_owned()
}

fn utf8_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn check_chinese_catalogue(env: &Env) {
    let items = env.skus(ORG);
    assert_eq!(
        codes(&items),
        ["CN-PB-02", "CN-TEE-03", "CN-TWS-01"],
        "[{}]",
        env.backend
    );
    let tws = &find(&items, "CN-TWS-01")["record"];
    assert_eq!(
        tws["title"], "蓝牙耳机 入耳式 降噪",
        "[{}] {tws}",
        env.backend
    );
    assert_eq!(tws["customs_description_zh"], "蓝牙耳机（带麦克风）");
    assert_eq!(tws["hs_code"], "851830");
    assert_eq!(tws["origin"], "CN");
    assert_eq!(tws["battery"]["kind"], "lithium");
    assert_eq!(tws["battery"]["packing"], "contained_in");
    let pb = &find(&items, "CN-PB-02")["record"];
    assert_eq!(pb["battery"]["packing"], "alone", "{pb}");
    let tee = &find(&items, "CN-TEE-03")["record"];
    assert_eq!(tee["origin"], "VN");
    assert_eq!(tee["battery"]["kind"], "none", "{tee}");
}

#[test]
fn gbk_csv_with_chinese_headers_imports_correctly() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let file = env.write("gbk.csv", &gbk(CHINESE_HEADERS_CSV));
        let run = env.ok(&[
            "sku",
            "import",
            "--org",
            ORG,
            file.to_str().expect("utf-8 path"),
        ]);
        assert!(
            run.stdout.contains("3 created"),
            "[{}] {}",
            env.backend,
            run.stdout
        );
        assert!(
            !run.stderr.contains('\u{1b}'),
            "no progress bar or colour codes when stderr is not a terminal: {:?}",
            run.stderr
        );
        check_chinese_catalogue(&env);
    }
}

#[test]
fn utf8_bom_csv_from_stdin_imports_correctly() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let run = env.run_with_stdin(
            &["sku", "import", "--org", ORG, "-"],
            &utf8_bom(CHINESE_HEADERS_CSV),
        );
        run.exit_code(0);
        check_chinese_catalogue(&env);
    }
}

#[test]
fn a_file_with_errors_exits_2_names_the_cells_and_commits_nothing() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let good = env.write("good.csv", CHINESE_HEADERS_CSV.as_bytes());
        env.ok(&["sku", "import", "--org", ORG, good.to_str().expect("path")]);
        let before = env.skus(ORG);
        let audit_before = env
            .ok(&[
                "audit", "list", "--org", ORG, "--format", "json", "--limit", "200",
            ])
            .stdout;

        // Line 2 changes a valid SKU (must not be applied), line 3 has a bad HS code, line 4 a
        // negative weight and an unknown currency.
        let bad = "\
货号,品名,海关编码,申报价值,币种,净重,毛重
CN-TWS-01,蓝牙耳机 新标题,851830,13.00,USD,0.05 kg,0.12 kg
CN-BAD-01,坏的海关编码,85AB30,1.00,USD,0.1 kg,0.2 kg
CN-BAD-02,负重量,950300,1.00,XYZ,-1 kg,0.2 kg
";
        let file = env.write("bad.csv", bad.as_bytes());
        let run = env.run(&["sku", "import", "--org", ORG, file.to_str().expect("path")]);
        run.exit_code(2);
        assert!(
            run.stdout.contains("85AB30"),
            "[{}] the report names the bad value:\n{}",
            env.backend,
            run.stdout
        );
        assert!(run.stdout.contains("XYZ"), "{}", run.stdout);
        assert!(
            run.stdout.lines().any(|l| l.trim_start().starts_with('3')),
            "line 3 is named:\n{}",
            run.stdout
        );
        assert!(
            run.stderr.contains("nothing was imported"),
            "{}",
            run.stderr
        );

        // The same report as CSV, for a spreadsheet.
        let csv_run = env.run(&[
            "sku",
            "import",
            "--org",
            ORG,
            "--format",
            "csv",
            file.to_str().expect("path"),
        ]);
        csv_run.exit_code(2);
        assert!(
            csv_run
                .stdout
                .starts_with("line,column,field,value,expected"),
            "{}",
            csv_run.stdout
        );

        assert_eq!(env.skus(ORG), before, "[{}] nothing changed", env.backend);
        let audit_after = env
            .ok(&[
                "audit", "list", "--org", ORG, "--format", "json", "--limit", "200",
            ])
            .stdout;
        assert_eq!(
            audit_before, audit_after,
            "no audit rows for a refused import"
        );
    }
}

#[test]
fn importing_the_same_file_twice_changes_nothing_and_a_changed_row_updates() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let file = env.write("cat.csv", CHINESE_HEADERS_CSV.as_bytes());
        let path = file.to_str().expect("path");
        env.ok(&["sku", "import", "--org", ORG, path]);
        let first = env.skus(ORG);
        let second_run = env.ok(&["sku", "import", "--org", ORG, path]);
        assert!(
            second_run
                .stdout
                .contains("0 created, 0 updated, 3 unchanged"),
            "[{}] {}",
            env.backend,
            second_run.stdout
        );
        assert_eq!(env.skus(ORG), first, "versions and timestamps untouched");

        let dry = env.ok(&["sku", "import", "--org", ORG, "--dry-run", path]);
        assert!(
            dry.stdout
                .contains("would create 0, update 0, leave 3 unchanged"),
            "{}",
            dry.stdout
        );

        let changed = CHINESE_HEADERS_CSV.replace("12.50,USD", "13.75,USD");
        let changed_file = env.write("changed.csv", changed.as_bytes());
        let run = env.ok(&[
            "sku",
            "import",
            "--org",
            ORG,
            changed_file.to_str().expect("path"),
        ]);
        assert!(
            run.stdout.contains("0 created, 1 updated, 2 unchanged"),
            "{}",
            run.stdout
        );
        let items = env.skus(ORG);
        assert_eq!(find(&items, "CN-TWS-01")["version"], 2);
        assert_eq!(find(&items, "CN-PB-02")["version"], 1);
        let audit = env.ok(&["audit", "list", "--org", ORG]).stdout;
        assert!(
            audit.contains("CN-TWS-01") || audit.contains("sku.import.update"),
            "the update is audited:\n{audit}"
        );
    }
}

/// The demo catalogue exercises every column: national codes, batteries, marketplaces.
fn demo_env(env: Env) -> (Env, Vec<serde_json::Value>) {
    env.ok(&["demo", "--no-serve"]);
    let before = env.skus(DEMO_ORG);
    assert!(before.len() >= 60);
    (env, before)
}

const DEMO_ORG: &str = "Demo Trading Co.";

#[test]
fn csv_export_then_reimport_changes_nothing_in_either_header_language() {
    for env in Env::all() {
        let (env, before) = demo_env(env);
        let unchanged = format!("0 created, 0 updated, {} unchanged", before.len());

        let csv = env.ok(&["sku", "export", "--org", DEMO_ORG]).stdout;
        let csv_file = env.write("export.csv", csv.as_bytes());
        let run = env.ok(&[
            "sku",
            "import",
            "--org",
            DEMO_ORG,
            csv_file.to_str().expect("path"),
        ]);
        assert!(
            run.stdout.contains(&unchanged),
            "[{}] CSV: {}",
            env.backend,
            run.stdout
        );

        // Chinese headers on export read back the same way.
        let zh = env
            .ok(&[
                "sku", "export", "--org", DEMO_ORG, "--lang", "zh-CN", "--format", "csv",
            ])
            .stdout;
        assert!(
            zh.contains("货号") || zh.contains("品名"),
            "Chinese headers: {}",
            zh.lines().next().unwrap_or_default()
        );
        let zh_file = env.write("export-zh.csv", zh.as_bytes());
        let run = env.ok(&[
            "sku",
            "import",
            "--org",
            DEMO_ORG,
            zh_file.to_str().expect("path"),
        ]);
        assert!(run.stdout.contains(&unchanged), "zh CSV: {}", run.stdout);

        // JSON export is the records themselves.
        let json = env
            .ok(&["sku", "export", "--org", DEMO_ORG, "--format", "json"])
            .stdout;
        let records: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json export");
        assert_eq!(records.len(), before.len());
        assert_eq!(env.skus(DEMO_ORG), before);
    }
}

#[test]
fn xlsx_export_then_reimport_changes_nothing() {
    for env in Env::all() {
        let (env, before) = demo_env(env);
        let xlsx = env.data_dir().join("export.xlsx");
        env.ok(&[
            "sku",
            "export",
            "--org",
            DEMO_ORG,
            "-o",
            xlsx.to_str().expect("path"),
        ]);
        let bytes = std::fs::read(&xlsx).expect("xlsx written");
        assert!(bytes.starts_with(b"PK"), "an XLSX is a zip file");
        let run = env.ok(&[
            "sku",
            "import",
            "--org",
            DEMO_ORG,
            xlsx.to_str().expect("path"),
        ]);
        let unchanged = format!("0 created, 0 updated, {} unchanged", before.len());
        if !run.stdout.contains(&unchanged) {
            // Name the first field that did not survive the round trip.
            let after = env.skus(DEMO_ORG);
            let changed: Vec<String> = before
                .iter()
                .zip(&after)
                .filter(|(b, a)| b["record"] != a["record"])
                .take(3)
                .map(|(b, a)| {
                    format!(
                        "{}\n  before {}\n  after  {}",
                        b["record"]["code"], b["record"], a["record"]
                    )
                })
                .collect();
            panic!(
                "[{}] XLSX round trip changed SKUs: {}\n{}",
                env.backend,
                run.stdout,
                changed.join("\n")
            );
        }
    }
}

#[test]
fn list_filters_and_formats_pipe_cleanly() {
    let (env, _) = demo_env(Env::sqlite());
    let org = DEMO_ORG;
    let run = env.ok(&[
        "sku",
        "list",
        "--org",
        org,
        "--hs-prefix",
        "8507",
        "--format",
        "json",
    ]);
    let items: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("json");
    assert!(!items.is_empty());
    assert!(items.iter().all(|s| {
        s["record"]["hs_code"]
            .as_str()
            .is_some_and(|h| h.starts_with("8507"))
    }));

    let run = env.ok(&[
        "sku", "list", "--org", org, "--origin", "VN", "--format", "csv",
    ]);
    let mut lines = run.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("code,title,brand,origin,hs,value,gross,battery,tags")
    );
    assert!(lines.clone().count() >= 1);
    assert!(lines.all(|l| l.contains(",VN,")), "{}", run.stdout);

    let table = env
        .ok(&["sku", "list", "--org", org, "--q", "power bank"])
        .stdout;
    assert!(table.contains("PB-"), "{table}");

    let get = env.ok(&["sku", "get", "--org", org, "PB-20K-PD65"]).stdout;
    assert!(get.contains("Li-ion alone 74 Wh"), "{get}");

    env.run(&["sku", "list", "--org", org, "--origin", "XX"])
        .exit_code(2);
    env.run(&["sku", "get", "--org", org, "NO-SUCH-SKU"])
        .exit_code(1);

    env.ok(&["sku", "delete", "--org", org, "PB-20K-PD65"]);
    env.run(&["sku", "get", "--org", org, "PB-20K-PD65"])
        .exit_code(1);
}
