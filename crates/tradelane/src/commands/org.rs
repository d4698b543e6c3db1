//! `tradelane org ...`.

use anyhow::{Context, Result, bail};

use crate::cli::{GlobalOpts, OrgCommand, OutputFormat};
use crate::commands::short_time;
use crate::context::{find_org, open_store};
use crate::output::{Listing, print_json, print_listing};

pub async fn run(global: &GlobalOpts, cmd: OrgCommand) -> Result<()> {
    let store = open_store(global).await?;
    match cmd {
        OrgCommand::Create { name } => {
            if let Some(existing) = find_org(&store, &name).await? {
                bail!(
                    "organisation {:?} already exists (id {})",
                    existing.name,
                    existing.id
                );
            }
            let org = store
                .create_org(&name)
                .await
                .with_context(|| format!("creating organisation {name:?}"))?;
            match global.format {
                Some(OutputFormat::Json) => print_json(&org)?,
                _ => println!("created organisation {:?} (id {})", org.name, org.id),
            }
        }
        OrgCommand::List => {
            let orgs = store.list_orgs().await.context("listing organisations")?;
            let rows = orgs
                .iter()
                .map(|o| vec![o.id.to_string(), o.name.clone(), short_time(&o.created_at)])
                .collect();
            print_listing(
                global.format.unwrap_or(OutputFormat::Table),
                &Listing {
                    headers: &["id", "name", "created (UTC)"],
                    rows,
                    items: &orgs,
                },
            )?;
        }
    }
    Ok(())
}
