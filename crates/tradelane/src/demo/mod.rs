//! `tradelane demo`: a ready-to-explore installation. Idempotent: running it again reuses the
//! organisation and users and re-imports the catalogue, which then changes nothing.

use anyhow::{Context, Result, bail};
use tradelane_domain::UiLang;
use tradelane_store::{Actor, NewUser, Org, Role, Store, User};

use crate::cli::{DemoArgs, GlobalOpts};
use crate::commands::import::{ImportSource, prepare_import};
use crate::context::{find_org, open_store};

mod freight;
mod listings;
mod pools;

pub const DEMO_ORG: &str = "Demo Trading Co.";
/// Documented in the README; `--password` or TRADELANE_DEMO_PASSWORD replaces it.
pub const DEMO_PASSWORD: &str = "tradelane-demo";
/// The demo catalogue, in the shape a seller's spreadsheet has: some headers in Chinese, some in
/// English, weights and values in their own columns.
pub const DEMO_CATALOGUE_CSV: &str = include_str!("catalogue.csv");

/// The header row of the demo catalogue (and of the synthetic benchmark catalogue).
pub const CATALOGUE_HEADERS: [&str; 19] = [
    "SKU",
    "品名",
    "品牌",
    "Customs description (EN)",
    "中文报关名",
    "原产国",
    "海关编码",
    "HS US",
    "HS DE",
    "申报价值",
    "币种",
    "净重",
    "毛重",
    "尺寸",
    "材质",
    "电池",
    "标签",
    "Image URLs",
    "Marketplace ID amazon_asin",
];

pub struct DemoUser {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub locale: UiLang,
}

pub const DEMO_USERS: [DemoUser; 3] = [
    DemoUser {
        email: "demo@tradelane.local",
        name: "王芳",
        role: Role::Owner,
        locale: UiLang::ZhCn,
    },
    DemoUser {
        email: "operator@tradelane.local",
        name: "Li Wei",
        role: Role::Operator,
        locale: UiLang::En,
    },
    DemoUser {
        email: "viewer@tradelane.local",
        name: "Anna Schmidt",
        role: Role::Viewer,
        locale: UiLang::En,
    },
];

pub async fn run(global: &GlobalOpts, args: &DemoArgs) -> Result<()> {
    let password = args
        .password
        .clone()
        .unwrap_or_else(|| DEMO_PASSWORD.to_string());
    crate::commands::user::check_password(&password)?;
    let store = open_store(global).await?;
    let org = demo_org(&store).await?;
    let (owner, created_users) = ensure_users(&store, &org, &password).await?;

    let prepared = prepare_import(
        ImportSource::Bytes {
            name: "demo-catalogue.csv".into(),
            bytes: DEMO_CATALOGUE_CSV.as_bytes().to_vec(),
        },
        None,
    )?;
    if !prepared.errors.is_empty() {
        bail!(
            "the built-in demo catalogue has {} invalid cells; first: {}",
            prepared.errors.len(),
            crate::commands::import::describe_error(&prepared.errors[0])
        );
    }
    let outcome = store
        .import_skus(&Actor::user(&owner), &prepared.records, "demo catalogue")
        .await
        .context("importing the demo catalogue")?;
    println!(
        "Demo organisation {:?}: {} SKUs ({} created, {} updated, {} unchanged).",
        org.name,
        prepared.records.len(),
        outcome.created,
        outcome.updated,
        outcome.unchanged
    );
    let users = store
        .list_users(org.id)
        .await
        .context("listing demo users")?;
    let operator = users.iter().find(|u| u.role == Role::Operator);
    let listings = listings::seed(&store, &owner, operator)
        .await
        .context("creating the demo listings")?;
    if listings > 0 {
        println!("Demo listings for the workbench: {listings} created.");
    }
    let cards = freight::seed(&store, &owner)
        .await
        .context("importing the demo rate cards")?;
    if cards > 0 {
        println!("Demo forwarder rate cards: {cards} imported.");
    }
    if pools::seed(&store, &org, &owner)
        .await
        .context("creating the demo consolidation pool")?
    {
        println!("Demo consolidation pool (two shipments to Los Angeles): planned.");
    }

    let url = crate::commands::serve::public_url(args.bind);
    println!();
    println!("  URL:       {url}");
    for user in &DEMO_USERS {
        println!(
            "  {:<9}  {}  /  {}",
            format!("{}:", user.role),
            user.email,
            password
        );
    }
    if created_users < DEMO_USERS.len() {
        println!("  (users from an earlier `tradelane demo` run keep the password they had)");
    }
    println!();
    if args.no_serve {
        println!(
            "Start the server with `tradelane serve --bind {}`.",
            args.bind
        );
        return Ok(());
    }
    println!("Serving; press Ctrl-C to stop.");
    crate::commands::serve::serve(
        global,
        &crate::cli::ServeArgs {
            bind: args.bind,
            secure_cookies: false,
        },
    )
    .await
}

async fn demo_org(store: &Store) -> Result<Org> {
    match find_org(store, DEMO_ORG).await? {
        Some(org) => Ok(org),
        None => store
            .create_org(DEMO_ORG)
            .await
            .context("creating the demo organisation"),
    }
}

/// Creates the demo users that are missing; returns the owner and how many were created.
/// Existing users keep their passwords: a second `demo` run must not undo a password someone
/// changed.
async fn ensure_users(store: &Store, org: &Org, password: &str) -> Result<(User, usize)> {
    let existing = store
        .list_users(org.id)
        .await
        .context("listing demo users")?;
    let mut owner = None;
    let mut created = 0;
    for demo in &DEMO_USERS {
        let user = match existing.iter().find(|u| u.email == demo.email) {
            Some(user) => user.clone(),
            None => {
                created += 1;
                let password_hash = tradelane_server::auth::hash_password(password)
                    .context("hashing the demo password")?;
                store
                    .create_user(
                        &crate::commands::cli_actor(org.id),
                        NewUser {
                            org_id: org.id,
                            email: demo.email.to_string(),
                            display_name: demo.name.to_string(),
                            password_hash,
                            role: demo.role,
                            locale: demo.locale,
                        },
                    )
                    .await
                    .with_context(|| format!("creating demo user {}", demo.email))?
            }
        };
        if demo.role == Role::Owner {
            owner = Some(user);
        }
    }
    Ok((owner.context("the demo has no owner")?, created))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalogue_header_matches_the_constant() {
        let first = DEMO_CATALOGUE_CSV.lines().next().expect("has a header");
        assert_eq!(first, CATALOGUE_HEADERS.join(","));
    }

    #[test]
    fn demo_catalogue_is_valid_and_large_enough() {
        let prepared = prepare_import(
            ImportSource::Bytes {
                name: "demo-catalogue.csv".into(),
                bytes: DEMO_CATALOGUE_CSV.as_bytes().to_vec(),
            },
            None,
        )
        .expect("the demo catalogue is readable");
        assert!(prepared.errors.is_empty(), "{:?}", prepared.errors);
        assert!(prepared.records.len() >= 60, "{}", prepared.records.len());
    }
}
