//! `tradelane token ...`: API tokens for scripts and integrations.

use anyhow::{Context, Result, anyhow};
use tradelane_store::{Actor, TokenId};

use crate::cli::{GlobalOpts, OutputFormat, TokenCommand};
use crate::commands::{short_time, user::role};
use crate::context::{open_store, require_org};
use crate::output::{Listing, print_json, print_listing};

pub async fn run(global: &GlobalOpts, cmd: TokenCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    match cmd {
        TokenCommand::Create {
            name,
            user,
            role: role_arg,
        } => {
            let users = store.list_users(org.id).await.context("listing users")?;
            let wanted = user.trim().to_lowercase();
            let owner = users
                .into_iter()
                .find(|u| u.email == wanted)
                .ok_or_else(|| anyhow!("no user {user:?} in organisation {:?}", org.name))?;
            let token_role = role_arg.map(role).unwrap_or(owner.role);
            let (plaintext, hash, prefix) = tradelane_server::auth::new_api_token();
            let actor = Actor::new(org.id, Some(owner.id), format!("{} (cli)", owner.email));
            let token = store
                .create_api_token(&actor, &name, &hash, &prefix, token_role)
                .await
                .with_context(|| format!("creating API token {name:?}"))?;
            match global.format {
                Some(OutputFormat::Json) => print_json(&serde_json::json!({
                    "id": token.id,
                    "name": token.name,
                    "role": token.role,
                    "token": plaintext,
                }))?,
                _ => {
                    eprintln!(
                        "created API token {:?} (id {}, role {}) acting as {}; it is shown only now:",
                        token.name, token.id, token.role, owner.email
                    );
                    println!("{plaintext}");
                }
            }
            Ok(())
        }
        TokenCommand::List => {
            let tokens = store
                .list_api_tokens(org.id)
                .await
                .context("listing API tokens")?;
            let rows = tokens
                .iter()
                .map(|t| {
                    vec![
                        t.id.to_string(),
                        t.name.clone(),
                        format!("{}…", t.token_prefix),
                        t.role.to_string(),
                        short_time(&t.created_at),
                        t.last_used_at.as_ref().map(short_time).unwrap_or_default(),
                        t.revoked_at
                            .as_ref()
                            .map(|at| format!("revoked {}", short_time(at)))
                            .unwrap_or_else(|| "active".to_string()),
                    ]
                })
                .collect();
            print_listing(
                global.format.unwrap_or(OutputFormat::Table),
                &Listing {
                    headers: &[
                        "id",
                        "name",
                        "prefix",
                        "role",
                        "created (UTC)",
                        "last used",
                        "status",
                    ],
                    rows,
                    items: &tokens,
                },
            )
        }
        TokenCommand::Revoke { id } => {
            let id: TokenId = id.parse().context("token id")?;
            store
                .revoke_api_token(&crate::commands::cli_actor(org.id), id)
                .await
                .with_context(|| format!("revoking API token {id}"))?;
            println!("revoked API token {id}");
            Ok(())
        }
    }
}
