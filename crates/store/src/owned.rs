//! The audited delete that every organisation-owned resource shares: read the row filtered by
//! organisation (another organisation's id is "not found"), delete it and write an audit entry
//! holding what was removed, in one transaction.

use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::begin_write;
use crate::error::{Result, StoreError};
use crate::model::Actor;
use crate::time;

/// Where a resource's rows live and how the audit log names them.
pub(crate) struct OwnedTable<T> {
    pub table: &'static str,
    /// The column list `from_row` reads.
    pub columns: &'static str,
    /// The resource as "not found" errors name it ("rate card").
    pub what: &'static str,
    pub entity_type: &'static str,
    pub delete_action: &'static str,
    pub from_row: fn(&AnyRow) -> Result<T>,
}

impl Store {
    /// Deletes row `id` of the actor's organisation; returns what was removed.
    pub(crate) async fn delete_owned<T: serde::Serialize>(
        &self,
        actor: &Actor,
        id: i64,
        t: &OwnedTable<T>,
    ) -> Result<T> {
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let current = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM {} WHERE org_id = $1 AND id = $2",
            t.columns, t.table
        )))
        .bind(actor.org_id.0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(t.from_row)
        .transpose()?
        .ok_or_else(|| StoreError::not_found(t.what, id))?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {} WHERE org_id = $1 AND id = $2",
            t.table
        )))
        .bind(actor.org_id.0)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: t.delete_action,
                entity_type: t.entity_type,
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&current)?),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(current)
    }
}
