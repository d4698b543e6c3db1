//! `tradelane freight pool create|join|add|rates|plan|show|close` with two organisations: the
//! organiser plans, each sees only its own cartons and share; a private pool cannot be joined.

use crate::helpers::Env;

const ACME: &str = "id,length,width,height,weight,qty\nA-1,60,50,40,15,60\nA-2,45,35,30,8,20\n";
const BOLT: &str = "箱号,长,宽,高,重量,数量,带电\nB-1,50,40,40,10,40,否\n";
const CARDS: &str = "forwarder,origin,destination,mode,currency,rates,min_charge,valid_from,valid_to,transit_days\n\
    Pearl,CNSZX,US,sea_lcl,USD,95,150,2026-01-01,2026-12-31,25-30\n";

#[test]
fn pool_from_create_to_plan_with_two_organisations() {
    for env in Env::all() {
        let env = env.with_owner("Acme");
        env.ok(&["org", "create", "Bolt"]);
        let acme = env.write("acme.csv", ACME.as_bytes());
        let bolt = env.write("bolt.csv", BOLT.as_bytes());
        let cards = env.write("cards.csv", CARDS.as_bytes());

        let run = env.ok(&[
            "--org",
            "Acme",
            "freight",
            "pool",
            "create",
            "--name",
            "LAX March",
            "--lane",
            "CNSZX-USLAX",
            "--cut-off",
            "2026-03-10",
            "--container",
            "20GP=1200",
            "--container",
            "40HQ=2200",
            "--open",
        ]);
        assert!(run.stdout.contains("Created pool 1"), "{}", run.stdout);
        let private = env.ok(&[
            "--org",
            "Acme",
            "freight",
            "pool",
            "create",
            "--name",
            "Own only",
            "--lane",
            "CNSZX-USLAX",
            "--cut-off",
            "2026-03-10",
            "--container",
            "20GP=1200",
        ]);
        assert!(
            private.stdout.contains("Created pool 2"),
            "{}",
            private.stdout
        );
        // Bad container: exit 2 with the expected form.
        env.run(&[
            "--org",
            "Acme",
            "freight",
            "pool",
            "create",
            "--name",
            "X",
            "--lane",
            "CNSZX-USLAX",
            "--cut-off",
            "2026-03-10",
            "--container",
            "40HQ",
        ])
        .exit_code(2);

        // Bolt sees the open pool only, cannot join the private one.
        let list = env.ok(&["--org", "Bolt", "freight", "pool", "list"]);
        assert!(
            list.stdout.contains("LAX March") && !list.stdout.contains("Own only"),
            "{}",
            list.stdout
        );
        let refused = env.run(&["--org", "Bolt", "freight", "pool", "join", "2"]);
        refused.exit_code(2);
        assert!(refused.stderr.contains("not found"), "{}", refused.stderr);

        env.ok(&[
            "--org",
            "Bolt",
            "freight",
            "pool",
            "join",
            "1",
            "--deadline",
            "2026-03-31",
        ]);
        env.ok(&[
            "--org",
            "Acme",
            "freight",
            "pool",
            "add",
            "1",
            acme.to_str().unwrap(),
        ]);
        let added = env.ok(&[
            "--org",
            "Bolt",
            "freight",
            "pool",
            "add",
            "1",
            bolt.to_str().unwrap(),
        ]);
        assert!(added.stdout.contains("1 added"), "{}", added.stdout);
        // Only the organiser gives rate cards and plans.
        env.run(&["--org", "Bolt", "freight", "pool", "plan", "1"])
            .exit_code(2);
        env.ok(&[
            "--org",
            "Acme",
            "freight",
            "pool",
            "rates",
            "1",
            cards.to_str().unwrap(),
        ]);
        let plan = env.ok(&[
            "--org",
            "Acme",
            "freight",
            "pool",
            "plan",
            "1",
            "--time-budget",
            "5s",
        ]);
        assert!(
            plan.stdout
                .contains("Plan: 1 container(s), total 1200.00 USD"),
            "{}",
            plan.stdout
        );
        assert!(plan.stdout.contains("20GP"), "{}", plan.stdout);
        // The organiser sees Bolt's share but not its cartons.
        assert!(plan.stdout.contains("Bolt: share"), "{}", plan.stdout);
        assert!(!plan.stdout.contains("B-1"), "{}", plan.stdout);

        // Bolt sees its own cartons, share and saving, nothing of Acme's (only its name as organiser).
        let show = env.ok(&["--org", "Bolt", "freight", "pool", "show", "1"]);
        assert!(show.stdout.contains("B-1"), "{}", show.stdout);
        assert!(show.stdout.contains("You: share"), "{}", show.stdout);
        assert!(show.stdout.contains("alone"), "{}", show.stdout);
        assert!(
            !show.stdout.contains("A-1") && !show.stdout.contains("A-2"),
            "{}",
            show.stdout
        );
        let json = env.ok(&[
            "--org", "Bolt", "--format", "json", "freight", "pool", "show", "1",
        ]);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(v["plan"]["participants"].as_array().unwrap().len(), 1);
        assert_eq!(v["pool"]["status"], "planned");
        // Planned: cartons are frozen.
        env.run(&[
            "--org",
            "Bolt",
            "freight",
            "pool",
            "add",
            "1",
            bolt.to_str().unwrap(),
        ])
        .exit_code(2);
    }
}
