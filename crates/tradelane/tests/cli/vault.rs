//! `compliance docs upload|list|show|download|rm` through the binary: content checks, the local blob store under
//! the data directory, checksum-verified download, the gap report counting the documents, and deletion.

use crate::helpers::Env;

const ORG: &str = "Harbour Goods";

const CATALOGUE: &str = "\
sku_code,title,brand,customs_description_en,origin,hs_code,unit_value,currency,net_weight,gross_weight,battery
PB-20K,Power bank 20000 mAh with USB-C,Voltix,Lithium-ion power bank,CN,850760,14.50,USD,0.38 kg,0.45 kg,lithium ion alone 74Wh
";

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn un38_row(gap: &serde_json::Value, market: &str) -> serde_json::Value {
    gap["rows"]
        .as_array()
        .and_then(|rows| {
            rows.iter().find(|r| {
                r["sku"] == "PB-20K" && r["market"] == market && r["requirement"] == "TR-UN38.3"
            })
        })
        .cloned()
        .unwrap_or_else(|| panic!("no UN 38.3 row in {market}: {gap}"))
}

#[test]
fn upload_list_download_gap_and_remove() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let file = env.write("catalogue.csv", CATALOGUE.as_bytes());
        env.ok(&["sku", "import", "--org", ORG, file.to_str().expect("utf-8")]);

        // Refused: a PNG-named executable and a PDF named as an image.
        let exe = env.write("summary.png", b"MZ\x90\0\x03\0");
        let run = env.run(&[
            "compliance",
            "docs",
            "upload",
            exe.to_str().unwrap(),
            "--org",
            ORG,
            "--sku",
            "PB-20K",
            "--type",
            "un38_3_summary",
            "--issued",
            "2025-01-01",
        ]);
        run.exit_code(1);
        assert!(run.stderr.contains("Windows executable"), "{}", run.stderr);
        let mislabelled = env.write("summary.png", PDF);
        let run = env.run(&[
            "compliance",
            "docs",
            "upload",
            mislabelled.to_str().unwrap(),
            "--org",
            ORG,
            "--sku",
            "PB-20K",
            "--type",
            "un38_3_summary",
            "--issued",
            "2025-01-01",
        ]);
        run.exit_code(1);
        assert!(run.stderr.contains("content is PDF"), "{}", run.stderr);

        let pdf = env.write("UN38.3 summary.pdf", PDF);
        let run = env.ok(&[
            "compliance",
            "docs",
            "upload",
            pdf.to_str().unwrap(),
            "--org",
            ORG,
            "--sku",
            "PB-20K",
            "--type",
            "un38_3_summary",
            "--issued",
            "2025-01-01",
            "--expires",
            "2099-12-31",
            "--markets",
            "EU",
            "--issuer",
            "Example Lab",
            "--format",
            "json",
        ]);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        let id = doc["id"].as_i64().expect("id").to_string();
        assert_eq!(doc["file_name"], "UN38.3 summary.pdf");
        // The blob lives under the data directory, under a generated name.
        let vault_dir = env.data_dir().join("vault");
        let stored: Vec<_> = std::fs::read_dir(&vault_dir)
            .expect("vault dir")
            .flatten()
            .flat_map(|org| std::fs::read_dir(org.path()).expect("org dir").flatten())
            .collect();
        assert_eq!(stored.len(), 1, "[{}]", env.backend);
        assert!(!stored[0].file_name().to_string_lossy().contains("summary"));

        let list = env.ok(&[
            "compliance",
            "docs",
            "list",
            "--org",
            ORG,
            "--sku",
            "PB-20K",
        ]);
        assert!(
            list.stdout.contains("un38_3_summary") && list.stdout.contains("valid"),
            "{}",
            list.stdout
        );

        let out = env.data_dir().join("copy.pdf");
        env.ok(&[
            "compliance",
            "docs",
            "download",
            &id,
            "--org",
            ORG,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(std::fs::read(&out).expect("downloaded"), PDF);
        // Tampering is detected.
        std::fs::write(stored[0].path(), b"%PDF-1.4 changed %%EOF").expect("tamper");
        let run = env.run(&[
            "compliance",
            "docs",
            "download",
            &id,
            "--org",
            ORG,
            "-o",
            out.to_str().unwrap(),
        ]);
        run.exit_code(1);
        assert!(run.stderr.contains("SHA-256"), "{}", run.stderr);
        std::fs::write(stored[0].path(), PDF).expect("restore");

        // The gap report counts it: met in DE (EU), missing in US.
        let gap = env.ok(&[
            "compliance",
            "gap",
            "--org",
            ORG,
            "--markets",
            "DE,US",
            "--format",
            "json",
        ]);
        let gap: serde_json::Value = serde_json::from_str(&gap.stdout).expect("json");
        assert_eq!(gap["documents"], 1);
        assert_eq!(un38_row(&gap, "DE")["status"], "met", "[{}]", env.backend);
        assert_eq!(un38_row(&gap, "US")["status"], "missing");

        env.ok(&["compliance", "docs", "rm", &id, "--org", ORG]);
        let list = env.ok(&[
            "compliance",
            "docs",
            "list",
            "--org",
            ORG,
            "--format",
            "json",
        ]);
        assert_eq!(list.stdout.trim(), "[]", "{}", list.stdout);
        assert!(
            !stored[0].path().exists(),
            "the blob is removed with the document"
        );
        let run = env.run(&["compliance", "docs", "show", &id, "--org", ORG]);
        run.exit_code(1);
    }
}

#[test]
fn the_size_limit_is_configurable() {
    let env = Env::sqlite().with_owner(ORG);
    let file = env.write("catalogue.csv", CATALOGUE.as_bytes());
    env.ok(&["sku", "import", "--org", ORG, file.to_str().expect("utf-8")]);
    let pdf = env.write("big.pdf", &[PDF, &[b' '; 100]].concat());
    let output = env
        .command()
        .env("TRADELANE_VAULT_MAX_BYTES", "64")
        .args([
            "compliance",
            "docs",
            "upload",
            pdf.to_str().unwrap(),
            "--org",
            ORG,
            "--seller",
            "--type",
            "responsible_person",
            "--issued",
            "2025-01-01",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the limit is 64 bytes"), "{stderr}");
}
