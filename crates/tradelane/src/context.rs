//! What every command needs: the opened store and the organisation it acts on.

use anyhow::{Context as _, Result, bail};
use tradelane_store::{Org, OrgId, Store, sqlite_url_for_dir};

use crate::cli::GlobalOpts;

/// The database URL from `--database-url` / `TRADELANE_DATABASE_URL`, else the SQLite file in
/// the data directory (created on first use).
pub fn database_url(global: &GlobalOpts) -> String {
    match &global.database_url {
        Some(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => sqlite_url_for_dir(&global.data_dir),
    }
}

/// Connects and applies pending migrations.
pub async fn open_store(global: &GlobalOpts) -> Result<Store> {
    let url = database_url(global);
    Store::connect(&url)
        .await
        .with_context(|| format!("opening the database {}", tradelane_store::redact_url(&url)))
}

/// Finds an organisation by id or exact name (names compare case-insensitively).
pub async fn find_org(store: &Store, wanted: &str) -> Result<Option<Org>> {
    let orgs = store.list_orgs().await.context("listing organisations")?;
    Ok(pick_org(orgs, wanted))
}

fn pick_org(orgs: Vec<Org>, wanted: &str) -> Option<Org> {
    let wanted = wanted.trim();
    let by_id: Option<OrgId> = wanted.parse::<i64>().ok().map(OrgId);
    let mut by_name = None;
    for org in orgs {
        if Some(org.id) == by_id {
            return Some(org);
        }
        if by_name.is_none() && org.name.trim().to_lowercase() == wanted.to_lowercase() {
            by_name = Some(org);
        }
    }
    by_name
}

/// The organisation a command acts on: `--org`, or the only one there is.
pub async fn require_org(store: &Store, global: &GlobalOpts) -> Result<Org> {
    if let Some(wanted) = &global.org {
        return match find_org(store, wanted).await? {
            Some(org) => Ok(org),
            None => bail!(
                "organisation {wanted:?} does not exist; `tradelane org list` shows the existing ones"
            ),
        };
    }
    let mut orgs = store.list_orgs().await.context("listing organisations")?;
    match orgs.len() {
        0 => bail!(
            "there is no organisation yet; create one with `tradelane user create --org NAME --role owner ...` \
             or `tradelane org create NAME`"
        ),
        1 => Ok(orgs.remove(0)),
        n => {
            let names: Vec<String> = orgs
                .iter()
                .map(|o| format!("{} ({})", o.name, o.id))
                .collect();
            bail!(
                "there are {n} organisations; choose one with --org NAME or --org ID: {}",
                names.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn org(id: i64, name: &str) -> Org {
        Org {
            id: OrgId(id),
            name: name.to_string(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn org_is_found_by_id_or_case_insensitive_name() {
        let orgs = vec![org(1, "Acme Trading"), org(2, "42"), org(42, "Other")];
        assert_eq!(
            pick_org(orgs.clone(), "acme trading").map(|o| o.id),
            Some(OrgId(1))
        );
        // An id wins over a name that looks like a number.
        assert_eq!(pick_org(orgs.clone(), "42").map(|o| o.id), Some(OrgId(42)));
        assert_eq!(pick_org(orgs, "Nobody").map(|o| o.id), None);
    }

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let global = GlobalOpts {
            database_url: None,
            data_dir: PathBuf::from("/var/lib/tradelane"),
            org: None,
            format: None,
        };
        let url = database_url(&global);
        assert!(url.starts_with("sqlite://"), "{url}");
        assert!(url.contains("/var/lib/tradelane/"), "{url}");
        let explicit = GlobalOpts {
            database_url: Some(" postgres://u@h/db ".into()),
            ..global
        };
        assert_eq!(database_url(&explicit), "postgres://u@h/db");
    }
}
