//! `listings check` / `listings convert` through the binary: exit codes for scripts, findings
//! named by row and rule, malformed input named by row and column.

use crate::helpers::Env;

const PROMO_CSV: &str = "\
sku,marketplace,locale,title,bullet1
EB-01,amazon,en-US,Wireless Earbuds FREE SHIPPING!!,Battery lasts 30 hours
";

const CLEAN_CSV: &str = "\
货号,平台,语言,标题,要点1,原文标题,原文要点1
EB-02,amazon,de-DE,Kabellose Ohrhörer mit Ladeetui,Akku hält 30 Stunden,无线耳机 带充电盒,续航 30 小时
";

#[test]
fn an_error_finding_exits_1_and_names_the_rule() {
    let env = Env::sqlite();
    let file = env.write("listings.csv", PROMO_CSV.as_bytes());
    let file = file.to_str().expect("utf-8 path");
    let run = env.run(&["listings", "check", file]);
    run.exit_code(1);
    assert!(
        run.stdout.contains("amazon.title.promotional"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("FREE SHIPPING"), "{}", run.stdout);
    assert!(run.stdout.contains("EB-01"), "{}", run.stdout);
    assert!(run.stderr.contains("severity error"), "{}", run.stderr);

    // JSON output carries the span, in chars, of the phrase in the title.
    let run = env.run(&["listings", "check", file, "--format", "json"]);
    run.exit_code(1);
    let items: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("JSON array");
    let promo = items
        .iter()
        .find(|f| f["rule_id"] == "amazon.title.promotional")
        .expect("promotional finding");
    assert_eq!(promo["row"], 2);
    assert_eq!(promo["sku"], "EB-01");
    assert_eq!(promo["span"]["char_start"], 17);
    assert_eq!(promo["span"]["char_end"], 30);
}

#[test]
fn a_clean_listing_exits_0_and_messages_follow_lang() {
    let env = Env::sqlite();
    let file = env.write("clean.csv", CLEAN_CSV.as_bytes());
    let file = file.to_str().expect("utf-8 path");
    let run = env.run(&["listings", "check", file]);
    run.exit_code(0);
    assert!(!run.stdout.contains("error"), "{}", run.stdout);

    // The same data as JSON lines on stdin, with the bullet's number dropped: a warning only.
    let line = r#"{"sku":"EB-03","listing":{"marketplace":"amazon","locale":"de-DE","title":"Kabellose Ohrhörer","bullets":["Akku hält lange"]},"source":{"locale":"zh-CN","title":"无线耳机","bullets":["续航 30 小时"]}}"#;
    let run = env.run_with_stdin(
        &["listings", "check", "-", "--lang", "zh-CN"],
        line.as_bytes(),
    );
    run.exit_code(0);
    assert!(run.stdout.contains("numbers.missing"), "{}", run.stdout);
    assert!(run.stdout.contains("警告"), "{}", run.stdout);
    assert!(run.stdout.contains("要点[1]"), "{}", run.stdout);
}

#[test]
fn malformed_input_exits_2_naming_row_and_column() {
    let env = Env::sqlite();
    let csv =
        "sku,marketplace,locale,title\nA,amazon,en-US,Lamp\nB,amazon,english please,Desk lamp\n";
    let run = env.run_with_stdin(&["listings", "check", "-"], csv.as_bytes());
    run.exit_code(2);
    assert!(
        run.stderr.contains("row 3: locale \"english please\""),
        "{}",
        run.stderr
    );

    let run = env.run_with_stdin(&["listings", "check", "-"], b"sku,title\nA,Lamp\n");
    run.exit_code(2);
    assert!(
        run.stderr.contains("no marketplace column"),
        "{}",
        run.stderr
    );

    let run = env.run_with_stdin(
        &["listings", "check", "-"],
        b"{\"listing\":{\"marketplace\":\"amazon\",\"locale\":\"en-US\",\"title\":\"Lamp\"}}\n{\"listing\":[]}\n",
    );
    run.exit_code(2);
    assert!(
        run.stderr.contains("line 2: not a listing"),
        "{}",
        run.stderr
    );
}

#[test]
fn convert_between_simplified_and_traditional() {
    let env = Env::sqlite();
    let run = env.run_with_stdin(
        &["listings", "convert", "--to", "zh-Hant"],
        "无线鼠标 软件".as_bytes(),
    );
    run.exit_code(0);
    assert_eq!(run.stdout, "無線鼠標 軟件");
    let run = env.run_with_stdin(
        &["listings", "convert", "--to", "zh-Hans"],
        "無線鼠標".as_bytes(),
    );
    run.exit_code(0);
    assert_eq!(run.stdout, "无线鼠标");
}

#[test]
fn a_glossary_file_applies_to_every_row() {
    let env = Env::sqlite();
    let csv = "sku,marketplace,locale,title\nEB-04,amazon,de-DE,Kabellose Ohrhörer Sonix\n";
    let file = env.write("g.csv", csv.as_bytes());
    let glossary = env.write(
        "glossary.json",
        r#"{"do_not_translate": ["SoundX"], "forbidden": [{"term": "Ohrhörer", "markets": ["DE"]}]}"#
            .as_bytes(),
    );
    let run = env.run(&[
        "listings",
        "check",
        file.to_str().expect("utf-8 path"),
        "--glossary",
        glossary.to_str().expect("utf-8 path"),
    ]);
    run.exit_code(1);
    assert!(run.stdout.contains("glossary.forbidden"), "{}", run.stdout);

    let bad = env.write("bad.json", b"[1, 2]");
    let run = env.run(&[
        "listings",
        "check",
        file.to_str().expect("utf-8 path"),
        "--glossary",
        bad.to_str().expect("utf-8 path"),
    ]);
    run.exit_code(2);
    assert!(run.stderr.contains("not a glossary"), "{}", run.stderr);
}
