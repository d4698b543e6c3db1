//! `compliance watchlist|allow` and `compliance screen` of the stored listings, on every backend.

use crate::helpers::Env;

const ORG: &str = "Harbour Goods";

const CATALOGUE: &str = "\
sku_code,title,brand,customs_description_en,origin,hs_code,unit_value,currency,net_weight,gross_weight
EAR-1,Wireless earbuds case for Air Pods,Voltix,Earphone case,CN,420292,4.50,USD,0.05 kg,0.06 kg
DESK-ORG,Bamboo desk organiser,Voltix,Desk organiser of bamboo,CN,442199,6.00,USD,0.40 kg,0.48 kg
";

const MARKS: &str = "id,mark,classes,owner,markets,note\n\
US-1,AirPods,9,Apple Inc.,US;EU,\n\
,Voltix,9,Someone Else,,\n";

#[test]
fn watchlist_add_list_edit_import_rm_allow_and_screen_the_stored_catalogue() {
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let file = env.write("catalogue.csv", CATALOGUE.as_bytes());
        env.ok(&["sku", "import", "--org", ORG, file.to_str().expect("path")]);

        // Empty watchlist: nothing to find.
        let run = env.ok(&["compliance", "screen", "--org", ORG]);
        assert!(
            run.stdout.contains("No trademark findings"),
            "{}",
            run.stdout
        );

        // A bad file: every row error named, exit 2, nothing stored.
        let bad = env.write("bad.csv", b"mark,classes\nAirPods,9;50\n,9\n");
        let run = env.run(&[
            "compliance",
            "watchlist",
            "import",
            "--org",
            ORG,
            bad.to_str().expect("path"),
        ]);
        run.exit_code(2);
        assert!(
            run.stderr.contains("line 2, column 'classes': '9;50'"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("line 3, column 'mark'"),
            "{}",
            run.stderr
        );
        let list = env.ok(&["compliance", "watchlist", "list", "--org", ORG]);
        assert!(list.stdout.contains("empty"), "{}", list.stdout);

        let marks = env.write("marks.csv", MARKS.as_bytes());
        let path = marks.to_str().expect("path");
        let first = env.ok(&["compliance", "watchlist", "import", "--org", ORG, path]);
        assert!(
            first.stdout.contains("2 new, 0 updated, 0 unchanged"),
            "{}",
            first.stdout
        );
        let again = env.ok(&["compliance", "watchlist", "import", "--org", ORG, path]);
        assert!(
            again.stdout.contains("0 new, 0 updated, 2 unchanged"),
            "{}",
            again.stdout
        );

        let added = env.ok(&[
            "compliance",
            "watchlist",
            "add",
            "--org",
            ORG,
            "Lego",
            "--classes",
            "28",
            "--owner",
            "LEGO A/S",
            "--format",
            "json",
        ]);
        let lego: serde_json::Value = serde_json::from_str(&added.stdout).expect("json");
        let lego_id = lego["id"].as_i64().expect("id").to_string();
        let run = env.run(&["compliance", "watchlist", "add", "--org", ORG, "LEGO"]);
        run.exit_code(2);
        let run = env.run(&[
            "compliance",
            "watchlist",
            "add",
            "--org",
            ORG,
            "X",
            "--classes",
            "99",
        ]);
        run.exit_code(2);
        assert!(run.stderr.contains("99"), "{}", run.stderr);
        env.ok(&[
            "compliance",
            "watchlist",
            "edit",
            "--org",
            ORG,
            &lego_id,
            "--note",
            "toys only",
        ]);
        let list = env.ok(&[
            "compliance",
            "watchlist",
            "list",
            "--org",
            ORG,
            "--format",
            "json",
        ]);
        let items: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
        let items = items.as_array().expect("array");
        assert_eq!(items.len(), 3);
        let lego = items.iter().find(|m| m["mark"] == "Lego").expect("lego");
        assert_eq!(lego["note"], "toys only");
        assert_eq!(lego["classes"], serde_json::json!([28]));
        env.ok(&["compliance", "watchlist", "rm", "--org", ORG, &lego_id]);
        let run = env.run(&["compliance", "watchlist", "rm", "--org", ORG, &lego_id]);
        run.exit_code(2);

        // Screening the stored catalogue: "Air Pods" (spacing) and "Voltix" (the seller's brand, also on the
        // watchlist) found; exit 1.
        let run = env.run(&["compliance", "screen", "--org", ORG]);
        run.exit_code(1);
        assert!(run.stdout.contains("Air Pods"), "{}", run.stdout);
        assert!(run.stdout.contains("Voltix"), "{}", run.stdout);
        // Voltix is the seller's own brand: allowed, never reported again.
        env.ok(&["compliance", "allow", "add", "--org", ORG, "Voltix"]);
        let allow = env.ok(&["compliance", "allow", "list", "--org", ORG]);
        assert!(
            allow.stdout.contains("Voltix") && allow.stdout.contains("own"),
            "{}",
            allow.stdout
        );
        let run = env.run(&["compliance", "screen", "--org", ORG, "--format", "json"]);
        run.exit_code(1);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        assert_eq!(report["findings"], 1, "{report}");
        assert_eq!(report["items"][0]["sku_code"], "EAR-1");
        assert_eq!(report["items"][0]["findings"][0]["kind"], "spacing");
        // One SKU only.
        env.ok(&["compliance", "screen", "--org", ORG, "--sku", "DESK-ORG"]);
        let allow = env.ok(&[
            "compliance",
            "allow",
            "list",
            "--org",
            ORG,
            "--format",
            "json",
        ]);
        let brands: serde_json::Value = serde_json::from_str(&allow.stdout).expect("json");
        let id = brands[0]["id"].as_i64().expect("id").to_string();
        env.ok(&["compliance", "allow", "rm", "--org", ORG, &id]);
        let audit = env.ok(&[
            "audit", "list", "--org", ORG, "--limit", "100", "--format", "json",
        ]);
        for action in [
            "watchlist.import",
            "watchlist.add",
            "watchlist.update",
            "watchlist.delete",
            "allowlist.add",
            "allowlist.delete",
        ] {
            assert!(audit.stdout.contains(action), "{action}: {}", audit.stdout);
        }
    }
}
