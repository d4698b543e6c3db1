//! Organisations, users and API tokens from the command line.

use crate::helpers::{Env, PASSWORD};

#[test]
fn first_owner_creates_the_organisation_and_others_join_it() {
    for env in Env::all() {
        let run = env.ok(&[
            "user",
            "create",
            "--org",
            "Nordlicht GmbH",
            "--email",
            "Chef@Example.com",
            "--name",
            "Chef",
            "--role",
            "owner",
            "--password",
            PASSWORD,
            "--locale",
            "en",
        ]);
        assert!(
            run.stdout
                .contains("created organisation \"Nordlicht GmbH\""),
            "[{}] {}",
            env.backend,
            run.stdout
        );

        // An operator cannot conjure up a new organisation through a typo.
        let typo = env.run(&[
            "user",
            "create",
            "--org",
            "Nordlicht GmbJ",
            "--email",
            "op@example.com",
            "--name",
            "Op",
            "--role",
            "operator",
            "--password",
            PASSWORD,
        ]);
        typo.exit_code(1);
        assert!(typo.stderr.contains("does not exist"), "{}", typo.stderr);

        env.ok(&[
            "user",
            "create",
            "--org",
            "nordlicht gmbh",
            "--email",
            "op@example.com",
            "--name",
            "Op",
            "--role",
            "operator",
            "--password",
            PASSWORD,
        ]);
        let users = env
            .ok(&[
                "user",
                "list",
                "--org",
                "Nordlicht GmbH",
                "--format",
                "json",
            ])
            .stdout;
        let users: Vec<serde_json::Value> = serde_json::from_str(&users).expect("json");
        let emails: Vec<&str> = users.iter().filter_map(|u| u["email"].as_str()).collect();
        assert_eq!(emails.len(), 2);
        assert!(
            emails.contains(&"chef@example.com"),
            "e-mails are stored lower-case: {emails:?}"
        );

        // The same e-mail twice is refused.
        env.run(&[
            "user",
            "create",
            "--org",
            "Nordlicht GmbH",
            "--email",
            "op@example.com",
            "--name",
            "Op",
            "--role",
            "viewer",
            "--password",
            PASSWORD,
        ])
        .exit_code(1);
        // A short password is refused before anything is written.
        let short = env.run(&[
            "user",
            "create",
            "--org",
            "Nordlicht GmbH",
            "--email",
            "v@example.com",
            "--name",
            "V",
            "--role",
            "viewer",
            "--password",
            "short",
        ]);
        short.exit_code(1);
        assert!(short.stderr.contains("at least 8"), "{}", short.stderr);
    }
}

#[test]
fn password_can_come_from_the_environment_or_stdin() {
    let env = Env::sqlite();
    let mut cmd = env.command();
    cmd.args([
        "user",
        "create",
        "--org",
        "Env Org",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--role",
        "owner",
    ])
    .env("TRADELANE_PASSWORD", PASSWORD);
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let run = env.run_with_stdin(
        &[
            "user",
            "create",
            "--org",
            "Env Org",
            "--email",
            "b@example.com",
            "--name",
            "B",
            "--role",
            "viewer",
        ],
        format!("{PASSWORD}\n").as_bytes(),
    );
    run.exit_code(0);
}

#[test]
fn tokens_are_shown_once_listed_without_secret_and_revocable() {
    for env in Env::all() {
        let env = env.with_owner("Tokens Ltd");
        let created = env.ok(&[
            "token",
            "create",
            "--org",
            "Tokens Ltd",
            "--name",
            "ci",
            "--user",
            "owner@example.com",
        ]);
        let token = created.stdout.trim().to_string();
        assert!(
            token.starts_with("tl_") && token.len() > 40,
            "[{}] {token}",
            env.backend
        );

        let list = env
            .ok(&["token", "list", "--org", "Tokens Ltd", "--format", "json"])
            .stdout;
        assert!(!list.contains(&token), "the secret is never listed again");
        let tokens: Vec<serde_json::Value> = serde_json::from_str(&list).expect("json");
        assert_eq!(tokens.len(), 1);
        let id = tokens[0]["id"].to_string();

        env.ok(&["token", "revoke", "--org", "Tokens Ltd", &id]);
        let list = env.ok(&["token", "list", "--org", "Tokens Ltd"]).stdout;
        assert!(list.contains("revoked"), "{list}");

        env.run(&[
            "token",
            "create",
            "--org",
            "Tokens Ltd",
            "--name",
            "x",
            "--user",
            "nobody@example.com",
        ])
        .exit_code(1);
    }
}

#[test]
fn commands_need_an_organisation_when_there_are_several() {
    let env = Env::sqlite();
    env.ok(&["org", "create", "One"]);
    env.ok(&["org", "create", "Two"]);
    env.run(&["org", "create", "two"]).exit_code(1);
    let run = env.run(&["sku", "list"]);
    run.exit_code(1);
    assert!(run.stderr.contains("--org"), "{}", run.stderr);
    env.ok(&["sku", "list", "--org", "Two"]);
}
