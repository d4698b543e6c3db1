//! Organisations (tenants).

use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, Org, OrgId};
use crate::time;

pub(crate) const MAX_NAME_CHARS: usize = 200;

/// Trims a name and checks it is storable and of sensible length.
pub(crate) fn clean_name(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    check_text(field, v)?;
    if v.is_empty() {
        return Err(StoreError::Invalid(format!(
            "{field} is empty; a name is required"
        )));
    }
    let n = v.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(StoreError::Invalid(format!(
            "{field} is {n} characters long; at most {MAX_NAME_CHARS} are allowed"
        )));
    }
    Ok(v.to_string())
}

fn org_from_row(row: &AnyRow) -> Result<Org> {
    Ok(Org {
        id: OrgId(get_i64(row, "id")?),
        name: get_string(row, "name")?,
        created_at: time::from_text("orgs.created_at", &get_string(row, "created_at")?)?,
    })
}

impl Store {
    /// Creates an organisation. Audited as done by "system" (there is no one inside it yet).
    pub async fn create_org(&self, name: &str) -> Result<Org> {
        let name = clean_name("organisation name", name)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query("INSERT INTO orgs (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name.clone())
            .bind(time::to_text(now))
            .fetch_one(&mut *tx)
            .await?;
        let org = Org {
            id: OrgId(get_i64(&row, "id")?),
            name,
            created_at: now,
        };
        let actor = Actor::new(org.id, None, "system");
        audit::write(
            &mut tx,
            &actor,
            now,
            AuditRecord {
                action: "org.create",
                entity_type: "org",
                entity_id: org.id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&org)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn get_org(&self, id: OrgId) -> Result<Org> {
        let row = sqlx::query("SELECT id, name, created_at FROM orgs WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", id))?;
        org_from_row(&row)
    }

    pub async fn list_orgs(&self) -> Result<Vec<Org>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM orgs ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// Renames the actor's own organisation.
    pub async fn rename_org(&self, actor: &Actor, name: &str) -> Result<Org> {
        let name = clean_name("organisation name", name)?;
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query("SELECT id, name, created_at FROM orgs WHERE id = $1")
            .bind(actor.org_id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", actor.org_id))?;
        let before = org_from_row(&row)?;
        if before.name == name {
            return Ok(before);
        }
        sqlx::query("UPDATE orgs SET name = $1 WHERE id = $2")
            .bind(name.clone())
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        let after = Org {
            name,
            ..before.clone()
        };
        audit::write(
            &mut tx,
            actor,
            time::now(),
            AuditRecord {
                action: "org.rename",
                entity_type: "org",
                entity_id: after.id.to_string(),
                batch_id: None,
                before: Some(audit::json(&before)?),
                after: Some(audit::json(&after)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}
