//! The audit log: written inside the transaction of the change it describes, read newest first.

use jiff::Timestamp;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::db::{get_i64, get_opt_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError};
use crate::model::{
    Actor, AuditEntry, AuditId, AuditQuery, BatchId, OrgId, Page, UserId, check_paging,
};
use crate::sql::{Arg, Filter};
use crate::time;

/// One audit row to write.
pub(crate) struct AuditRecord<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub batch_id: Option<BatchId>,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(crate) const INSERT_AUDIT_COLUMNS: &str = "org_id, at, actor_user_id, actor_label, action, \
     entity_type, entity_id, batch_id, before_json, after_json";
pub(crate) const AUDIT_PARAMS_PER_ROW: usize = 10;

pub(crate) async fn write(
    conn: &mut AnyConnection,
    actor: &Actor,
    at: Timestamp,
    rec: AuditRecord<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (org_id, at, actor_user_id, actor_label, action, entity_type, \
         entity_id, batch_id, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(actor.org_id.0)
    .bind(time::to_text(at))
    .bind(actor.user_id.map(|u| u.0))
    .bind(actor.label.clone())
    .bind(rec.action.to_string())
    .bind(rec.entity_type.to_string())
    .bind(rec.entity_id)
    .bind(rec.batch_id.map(|b| b.0))
    .bind(rec.before)
    .bind(rec.after)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Serialises a value for the before/after columns.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Invalid(format!("cannot serialise audit snapshot: {e}")))
}

fn entry_from_row(row: &AnyRow) -> Result<AuditEntry> {
    let parse = |col: &str, text: Option<String>| -> Result<Option<serde_json::Value>> {
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StoreError::corrupt(format!("audit_log.{col} is not JSON: {e}")))
        })
        .transpose()
    };
    Ok(AuditEntry {
        id: AuditId(get_i64(row, "id")?),
        org_id: OrgId(get_i64(row, "org_id")?),
        at: time::from_text("audit_log.at", &get_string(row, "at")?)?,
        actor_user_id: get_opt_i64(row, "actor_user_id")?.map(UserId),
        actor_label: get_string(row, "actor_label")?,
        action: get_string(row, "action")?,
        entity_type: get_string(row, "entity_type")?,
        entity_id: get_string(row, "entity_id")?,
        batch_id: get_opt_i64(row, "batch_id")?.map(BatchId),
        before: parse("before_json", get_opt_string(row, "before_json")?)?,
        after: parse("after_json", get_opt_string(row, "after_json")?)?,
    })
}

impl Store {
    /// The organisation's audit log, newest first.
    pub async fn list_audit(&self, org: OrgId, q: &AuditQuery) -> Result<Page<AuditEntry>> {
        check_paging(q.page, q.per_page)?;
        let mut f = Filter::new();
        f.and("org_id = {}", vec![Arg::I64(org.0)]);
        if let Some(t) = &q.entity_type {
            f.and("entity_type = {}", vec![Arg::Text(t.clone())]);
        }
        if let Some(id) = &q.entity_id {
            f.and("entity_id = {}", vec![Arg::Text(id.clone())]);
        }
        if let Some(u) = q.actor_user_id {
            f.and("actor_user_id = {}", vec![Arg::I64(u.0)]);
        }
        if let Some(b) = q.batch_id {
            f.and("batch_id = {}", vec![Arg::I64(b.0)]);
        }
        let where_sql = f.where_sql();
        let total: i64 = f
            .query(format!("SELECT COUNT(*) AS n FROM audit_log {where_sql}"))
            .fetch_one(&self.pool)
            .await
            .and_then(|r| sqlx::Row::try_get::<i64, _>(&r, "n"))?;
        let offset = i64::from(q.page - 1) * i64::from(q.per_page);
        let rows = f
            .query(format!(
                "SELECT id, org_id, at, actor_user_id, actor_label, action, entity_type, entity_id, \
                 batch_id, before_json, after_json FROM audit_log {where_sql} \
                 ORDER BY id DESC LIMIT {} OFFSET {offset}",
                q.per_page
            ))
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            page: q.page,
            per_page: q.per_page,
        })
    }
}
