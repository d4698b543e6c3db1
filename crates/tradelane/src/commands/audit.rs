//! `tradelane audit list`.

use anyhow::{Context, Result};
use tradelane_store::AuditQuery;

use crate::cli::{AuditCommand, GlobalOpts, OutputFormat};
use crate::commands::short_time;
use crate::context::{open_store, require_org};
use crate::output::{Listing, print_listing};

pub async fn run(global: &GlobalOpts, cmd: AuditCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    match cmd {
        AuditCommand::List { limit } => {
            let query = AuditQuery {
                per_page: limit.clamp(1, tradelane_store::MAX_PER_PAGE),
                ..AuditQuery::default()
            };
            let page = store
                .list_audit(org.id, &query)
                .await
                .context("reading the audit log")?;
            let rows = page
                .items
                .iter()
                .map(|e| {
                    vec![
                        e.id.to_string(),
                        short_time(&e.at),
                        e.actor_label.clone(),
                        e.action.clone(),
                        format!("{} {}", e.entity_type, e.entity_id),
                        e.batch_id.map(|b| b.to_string()).unwrap_or_default(),
                    ]
                })
                .collect();
            print_listing(
                global.format.unwrap_or(OutputFormat::Table),
                &Listing {
                    headers: &["id", "at (UTC)", "who", "action", "entity", "batch"],
                    rows,
                    items: &page.items,
                },
            )
        }
    }
}
