//! `tradelane user ...`: the way the first owner of an organisation comes to exist.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, Result, bail};
use tradelane_domain::UiLang;
use tradelane_store::{NewUser, Org, Role, Store, User};

use crate::cli::{GlobalOpts, OutputFormat, RoleArg, UserCommand, UserCreateArgs};
use crate::commands::{cli_actor, short_time};
use crate::context::{find_org, open_store, require_org};
use crate::output::{Listing, print_json, print_listing};

pub const MIN_PASSWORD_CHARS: usize = 8;

pub async fn run(global: &GlobalOpts, cmd: UserCommand) -> Result<()> {
    let store = open_store(global).await?;
    match cmd {
        UserCommand::Create(args) => {
            let password = obtain_password(args.password.as_deref())?;
            let (org, created_org) = org_for_new_user(&store, global, args.role).await?;
            let user = create_user(&store, &org, &args, &password).await?;
            match global.format {
                Some(OutputFormat::Json) => print_json(&user)?,
                _ => {
                    if created_org {
                        println!("created organisation {:?} (id {})", org.name, org.id);
                    }
                    println!(
                        "created {} {} <{}> in {:?} (user id {})",
                        user.role, user.display_name, user.email, org.name, user.id
                    );
                }
            }
            Ok(())
        }
        UserCommand::List => {
            let org = require_org(&store, global).await?;
            let users = store.list_users(org.id).await.context("listing users")?;
            let rows = users
                .iter()
                .map(|u| {
                    vec![
                        u.id.to_string(),
                        u.email.clone(),
                        u.display_name.clone(),
                        u.role.to_string(),
                        u.locale.code().to_string(),
                        if u.disabled { "disabled" } else { "active" }.to_string(),
                        short_time(&u.created_at),
                    ]
                })
                .collect();
            print_listing(
                global.format.unwrap_or(OutputFormat::Table),
                &Listing {
                    headers: &[
                        "id",
                        "email",
                        "name",
                        "role",
                        "locale",
                        "status",
                        "created (UTC)",
                    ],
                    rows,
                    items: &users,
                },
            )
        }
    }
}

pub fn role(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Owner => Role::Owner,
        RoleArg::Operator => Role::Operator,
        RoleArg::Viewer => Role::Viewer,
    }
}

/// The organisation the new user joins. A named organisation that does not exist yet is
/// created only for its first owner, so a typo in `--org` cannot silently make a new tenant
/// for an operator or viewer.
async fn org_for_new_user(
    store: &Store,
    global: &GlobalOpts,
    role_arg: RoleArg,
) -> Result<(Org, bool)> {
    let Some(wanted) = &global.org else {
        return Ok((require_org(store, global).await?, false));
    };
    if let Some(org) = find_org(store, wanted).await? {
        return Ok((org, false));
    }
    if role_arg != RoleArg::Owner {
        bail!(
            "organisation {wanted:?} does not exist; create it with its first owner \
             (`tradelane user create --org {wanted:?} --role owner ...`)"
        );
    }
    if wanted.trim().parse::<i64>().is_ok() {
        bail!("organisation id {wanted} does not exist");
    }
    let org = store
        .create_org(wanted)
        .await
        .with_context(|| format!("creating organisation {wanted:?}"))?;
    Ok((org, true))
}

pub async fn create_user(
    store: &Store,
    org: &Org,
    args: &UserCreateArgs,
    password: &str,
) -> Result<User> {
    let locale = UiLang::parse(&args.locale)
        .map_err(|e| anyhow::anyhow!("--locale {:?}: {e}", args.locale))?;
    let password_hash =
        tradelane_server::auth::hash_password(password).context("hashing the password")?;
    let new = NewUser {
        org_id: org.id,
        email: args.email.clone(),
        display_name: args.name.clone(),
        password_hash,
        role: role(args.role),
        locale,
    };
    store
        .create_user(&cli_actor(org.id), new)
        .await
        .with_context(|| format!("creating user {}", args.email))
}

/// `--password` / `TRADELANE_PASSWORD`, else a hidden prompt (typed twice) on a terminal,
/// else the first line of standard input (`echo "$PW" | tradelane user create ...`).
fn obtain_password(given: Option<&str>) -> Result<String> {
    let password = match given {
        Some(p) => p.to_string(),
        None if std::io::stdin().is_terminal() => {
            let term = console::Term::stderr();
            term.write_str("Password: ")?;
            let first = term.read_secure_line()?;
            term.write_str("Repeat password: ")?;
            let second = term.read_secure_line()?;
            if first != second {
                bail!("the two passwords differ");
            }
            first
        }
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    check_password(&password)?;
    Ok(password)
}

pub fn check_password(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        bail!(
            "the password has {chars} characters; at least {MIN_PASSWORD_CHARS} are required \
             (give it with --password, TRADELANE_PASSWORD, or type it when asked)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused_with_the_rule() {
        let err = check_password("abc").expect_err("too short");
        assert!(err.to_string().contains("at least 8"), "{err}");
        assert!(check_password("correct horse").is_ok());
        // Characters, not bytes: eight Chinese characters are long enough.
        assert!(check_password("八个汉字的密码啊").is_ok());
    }
}
