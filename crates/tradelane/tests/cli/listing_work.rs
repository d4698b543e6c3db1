//! `listings import|translate|list|export` through the binary, on every backend: import is
//! all-or-nothing, translation reports per listing, export writes the marketplace flat file and
//! marks what it wrote.

use crate::helpers::Env;

const ORG: &str = "Acme";

const SKUS: &str = "\
sku,title,brand,origin,hs_code,unit_value,currency,gross_weight
CB-01,USB-C cable,VoltLine,CN,854442,1.20,USD,0.05 kg
CB-02,Phone case,Lumora,CN,392690,2.10,USD,0.06 kg
";

const LISTINGS: &str = "\u{feff}sku,marketplace,locale,title,bullet1,bullet2,description,search_terms
CB-01,amazon,zh-CN,USB-C 数据线 60W 编织 1米 🔌,支持 60 W 快充,编织线身,<p>结实</p><script>x()</script>,数据线
CB-02,amazon,zh-CN,手机壳 硅胶 黑色,防摔,,<p>柔软</p>,手机壳
";

#[test]
fn import_translate_list_export() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let skus = env.write("skus.csv", SKUS.as_bytes());
        env.ok(&["sku", "import", "--org", ORG, skus.to_str().expect("path")]);

        // A row naming an unknown SKU fails the whole import.
        let bad = env.write(
            "bad.csv",
            format!("{LISTINGS}NOPE,amazon,zh-CN,x,,,,\n").as_bytes(),
        );
        let run = env.run(&[
            "listings",
            "import",
            "--org",
            ORG,
            bad.to_str().expect("path"),
        ]);
        assert_ne!(run.code, Some(0));
        assert!(run.stderr.contains("NOPE"), "{}", run.stderr);
        let list = env.ok(&["listings", "list", "--org", ORG, "--format", "json"]);
        assert_eq!(list.stdout.trim(), "[]", "nothing imported");

        let good = env.write("listings.csv", LISTINGS.as_bytes());
        let run = env.ok(&[
            "listings",
            "import",
            "--org",
            ORG,
            good.to_str().expect("path"),
        ]);
        assert!(run.stdout.contains("2 created"), "{}", run.stdout);
        let run = env.ok(&[
            "listings",
            "import",
            "--org",
            ORG,
            good.to_str().expect("path"),
        ]);
        assert!(run.stdout.contains("2 unchanged"), "{}", run.stdout);

        let run = env.ok(&[
            "listings",
            "translate",
            "--org",
            ORG,
            "--target",
            "zh-Hant",
            "--market",
            "amazon-tw",
            "--format",
            "json",
        ]);
        let items: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("JSON report");
        assert_eq!(items.len(), 2);
        assert!(
            items.iter().all(|i| i["outcome"] == "translated"),
            "{items:?}"
        );
        let run = env.ok(&[
            "listings", "list", "--org", ORG, "--locale", "zh-Hant", "--format", "json",
        ]);
        let listed: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("JSON");
        let cb01 = listed.iter().find(|l| l["sku"] == "CB-01").expect("CB-01");
        assert!(cb01["title"].as_str().unwrap().contains("數據線"), "{cb01}");
        assert_eq!(cb01["state"], "machine_translated");
        assert_eq!(cb01["title_chars"], 21, "characters, not bytes");

        // Translating again for German through the offline provider: labelled, never a
        // translation; nothing is approved, so an export writes only the header.
        env.ok(&["listings", "translate", "--org", ORG, "--target", "de-DE"]);
        let out = env.data_dir().join("flat.csv");
        let run = env.ok(&[
            "listings",
            "export",
            "--org",
            ORG,
            "--out",
            out.to_str().expect("path"),
        ]);
        assert!(run.stderr.contains("0 listing(s)"), "{}", run.stderr);
        let text = std::fs::read_to_string(&out).expect("file written");
        assert!(
            text.trim_start_matches('\u{feff}')
                .starts_with("item_sku,item_name"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1);

        let run = env.run(&["listings", "translate", "--org", ORG, "--target", "xx-XX"]);
        assert_ne!(run.code, Some(0));
        assert!(run.stderr.contains("--target"), "{}", run.stderr);
    }
}
