//! `tradelane demo --no-serve`: the demo data set, idempotent.

use crate::helpers::{Env, codes};

#[test]
fn demo_creates_a_catalogue_users_and_is_idempotent() {
    for env in Env::all() {
        let first = env.ok(&["demo", "--no-serve"]);
        assert!(
            first.stdout.contains("demo@tradelane.local"),
            "[{}] {}",
            env.backend,
            first.stdout
        );
        assert!(
            first.stdout.contains("tradelane-demo"),
            "the password is printed: {}",
            first.stdout
        );
        let items = env.skus("Demo Trading Co.");
        assert!(items.len() >= 60, "{} SKUs", items.len());
        let all = codes(&items);
        assert!(
            all.iter().any(|c| c.starts_with("PB-")),
            "power banks are in the demo"
        );

        let second = env.ok(&["demo", "--no-serve"]);
        assert!(
            second.stdout.contains("0 created, 0 updated"),
            "{}",
            second.stdout
        );
        assert_eq!(env.skus("Demo Trading Co."), items);

        let users = env
            .ok(&[
                "user",
                "list",
                "--org",
                "Demo Trading Co.",
                "--format",
                "json",
            ])
            .stdout;
        let users: Vec<serde_json::Value> = serde_json::from_str(&users).expect("json");
        let roles: Vec<&str> = users.iter().filter_map(|u| u["role"].as_str()).collect();
        assert_eq!(users.len(), 3);
        for role in ["owner", "operator", "viewer"] {
            assert!(roles.contains(&role), "{roles:?}");
        }
    }
}
