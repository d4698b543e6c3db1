//! Bulk import: upsert by SKU code in one transaction. Unchanged rows (same content hash) are
//! neither written nor audited, so importing the same file twice changes nothing.

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::{AnyConnection, AssertSqlSafe};
use tradelane_domain::SkuRecord;

use crate::Store;
use crate::audit::{self, AUDIT_PARAMS_PER_ROW, AuditRecord, INSERT_AUDIT_COLUMNS};
use crate::db::{begin_write, bool_to_db, get_i64, get_string};
use crate::derive::{SkuColumns, derive};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, BatchId, ImportOutcome, OrgId};
use crate::skus::{INSERT_SKU_COLUMNS, SKU_PARAMS_PER_ROW, insert_tag_rows};
use crate::time;

/// Rows per multi-row statement: 500 x 14 parameters stays well under SQLite's 32,766 and
/// PostgreSQL's 65,535 bound-parameter limits.
const CHUNK: usize = 500;

/// What is already stored for a code.
struct Existing {
    id: i64,
    hash: String,
}

/// A deliberate failure after this many rows have been written, to prove the rollback.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FailAfter(pub usize);

impl Store {
    /// Imports records into the actor's organisation: new codes are created, changed ones
    /// updated (version +1), identical ones left alone. All or nothing: any error leaves the
    /// catalogue exactly as it was. Duplicate codes within `records` are refused up front.
    pub async fn import_skus(
        &self,
        actor: &Actor,
        records: &[SkuRecord],
        source_label: &str,
    ) -> Result<ImportOutcome> {
        self.import_skus_inner(actor, records, source_label, None)
            .await
    }

    pub(crate) async fn import_skus_inner(
        &self,
        actor: &Actor,
        records: &[SkuRecord],
        source_label: &str,
        fail_after: Option<FailAfter>,
    ) -> Result<ImportOutcome> {
        check_text("import source label", source_label)?;
        check_duplicate_codes(records)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;

        let existing = load_existing(&mut tx, actor.org_id).await?;
        let batch_id = insert_batch(&mut tx, actor, now, source_label).await?;

        let (mut created, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
        let mut written = 0usize;
        for chunk in records.chunks(CHUNK) {
            let mut to_create: Vec<SkuColumns> = Vec::new();
            let mut to_update: Vec<(i64, SkuColumns)> = Vec::new();
            for record in chunk {
                let cols = derive(record)?;
                match existing.get(&cols.code) {
                    Some(e) if e.hash == cols.content_hash => unchanged += 1,
                    Some(e) => to_update.push((e.id, cols)),
                    None => to_create.push(cols),
                }
            }
            if !to_create.is_empty() {
                create_chunk(&mut tx, actor, now, batch_id, &to_create).await?;
                created += to_create.len() as u64;
                written += to_create.len();
            }
            if !to_update.is_empty() {
                update_chunk(&mut tx, actor, now, batch_id, &to_update).await?;
                updated += to_update.len() as u64;
                written += to_update.len();
            }
            if let Some(FailAfter(n)) = fail_after
                && written >= n
            {
                return Err(StoreError::Invalid(format!(
                    "import stopped on purpose after {written} rows"
                )));
            }
        }

        if created == 0 && updated == 0 {
            // Nothing changed: leave no trace, not even the batch row.
            tx.rollback().await?;
            return Ok(ImportOutcome {
                created,
                updated,
                unchanged,
                batch_id: None,
            });
        }
        sqlx::query(
            "UPDATE import_batches SET created = $1, updated = $2, unchanged = $3 WHERE id = $4",
        )
        .bind(created as i64)
        .bind(updated as i64)
        .bind(unchanged as i64)
        .bind(batch_id.0)
        .execute(&mut *tx)
        .await?;
        let summary = serde_json::json!({
            "source": source_label,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
        });
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "import.commit",
                entity_type: "import_batch",
                entity_id: batch_id.to_string(),
                batch_id: Some(batch_id),
                before: None,
                after: Some(summary.to_string()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ImportOutcome {
            created,
            updated,
            unchanged,
            batch_id: Some(batch_id),
        })
    }
}

fn check_duplicate_codes(records: &[SkuRecord]) -> Result<()> {
    let mut first_seen: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if let Some(first) = first_seen.insert(r.code.as_str(), i) {
            return Err(StoreError::Invalid(format!(
                "SKU code {} appears twice in the import, as record {} and record {}; each code may appear once",
                r.code,
                first + 1,
                i + 1
            )));
        }
    }
    Ok(())
}

async fn load_existing(conn: &mut AnyConnection, org: OrgId) -> Result<HashMap<String, Existing>> {
    let rows = sqlx::query("SELECT id, code, content_hash FROM skus WHERE org_id = $1")
        .bind(org.0)
        .fetch_all(&mut *conn)
        .await?;
    let mut map = HashMap::with_capacity(rows.len());
    for row in &rows {
        map.insert(
            get_string(row, "code")?,
            Existing {
                id: get_i64(row, "id")?,
                hash: get_string(row, "content_hash")?,
            },
        );
    }
    Ok(map)
}

async fn insert_batch(
    conn: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    source_label: &str,
) -> Result<BatchId> {
    let row = sqlx::query(
        "INSERT INTO import_batches (org_id, at, actor_user_id, actor_label, source_label, \
         created, updated, unchanged) VALUES ($1, $2, $3, $4, $5, 0, 0, 0) RETURNING id",
    )
    .bind(actor.org_id.0)
    .bind(time::to_text(now))
    .bind(actor.user_id.map(|u| u.0))
    .bind(actor.label.clone())
    .bind(source_label.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(BatchId(get_i64(&row, "id")?))
}

fn placeholders(rows: usize, per_row: usize) -> String {
    let mut sql = String::with_capacity(rows * per_row * 5);
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..per_row {
            if c > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&(r * per_row + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

async fn create_chunk(
    conn: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    batch_id: BatchId,
    rows: &[SkuColumns],
) -> Result<()> {
    let now_text = time::to_text(now);
    let sql = format!(
        "INSERT INTO skus ({INSERT_SKU_COLUMNS}) VALUES {} RETURNING id, code",
        placeholders(rows.len(), SKU_PARAMS_PER_ROW)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for c in rows {
        q = q
            .bind(actor.org_id.0)
            .bind(c.code.clone())
            .bind(c.title.clone())
            .bind(c.brand.clone())
            .bind(c.brand_key.clone())
            .bind(c.origin.clone())
            .bind(c.hs_code.clone())
            .bind(bool_to_db(c.has_battery))
            .bind(c.search_text.clone())
            .bind(c.content_hash.clone())
            .bind(c.record_json.clone())
            .bind(1i64)
            .bind(now_text.clone())
            .bind(now_text.clone());
    }
    let inserted = q.fetch_all(&mut *conn).await.map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            StoreError::Conflict {
                what: "an imported SKU code already exists in this organisation".into(),
            }
        } else {
            e.into()
        }
    })?;
    // RETURNING order is not promised to follow VALUES order: match ids back by code.
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(inserted.len());
    for row in &inserted {
        ids.insert(get_string(row, "code")?, get_i64(row, "id")?);
    }
    let id_of = |code: &str| -> Result<i64> {
        ids.get(code).copied().ok_or_else(|| {
            StoreError::corrupt(format!(
                "inserted SKU {code} did not come back from the database"
            ))
        })
    };

    let mut tag_rows: Vec<(i64, &str)> = Vec::new();
    let mut audits: Vec<(i64, Option<&str>, &str)> = Vec::with_capacity(rows.len());
    for c in rows {
        let id = id_of(&c.code)?;
        tag_rows.extend(c.tags.iter().map(|t| (id, t.as_str())));
        audits.push((id, None, c.record_json.as_str()));
    }
    insert_tag_rows(conn, actor.org_id, &tag_rows).await?;
    insert_audits(conn, actor, now, batch_id, "sku.import.create", &audits).await
}

async fn update_chunk(
    conn: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    batch_id: BatchId,
    rows: &[(i64, SkuColumns)],
) -> Result<()> {
    // Snapshot the old records for the audit trail before overwriting them.
    let id_list = placeholders_list(2, rows.len());
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT id, record_json FROM skus WHERE org_id = $1 AND id IN ({id_list})"
    )))
    .bind(actor.org_id.0);
    for (id, _) in rows {
        q = q.bind(*id);
    }
    let mut before: HashMap<i64, String> = HashMap::with_capacity(rows.len());
    for row in q.fetch_all(&mut *conn).await? {
        before.insert(get_i64(&row, "id")?, get_string(&row, "record_json")?);
    }

    // One UPDATE ... FROM (VALUES ...) per chunk; VALUES columns are named column1.. on both
    // SQLite and PostgreSQL.
    const PER_ROW: usize = 10;
    let now_text = time::to_text(now);
    let sql = format!(
        "UPDATE skus SET title = v.column2, brand = v.column3, brand_key = v.column4, \
         origin = v.column5, hs_code = v.column6, has_battery = v.column7, \
         search_text = v.column8, content_hash = v.column9, record_json = v.column10, \
         updated_at = ${now_ph}, version = skus.version + 1 \
         FROM (VALUES {values}) AS v WHERE skus.id = v.column1 AND skus.org_id = ${org_ph}",
        values = placeholders(rows.len(), PER_ROW),
        now_ph = rows.len() * PER_ROW + 1,
        org_ph = rows.len() * PER_ROW + 2,
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (id, c) in rows {
        q = q
            .bind(*id)
            .bind(c.title.clone())
            .bind(c.brand.clone())
            .bind(c.brand_key.clone())
            .bind(c.origin.clone())
            .bind(c.hs_code.clone())
            .bind(bool_to_db(c.has_battery))
            .bind(c.search_text.clone())
            .bind(c.content_hash.clone())
            .bind(c.record_json.clone());
    }
    let done = q
        .bind(now_text)
        .bind(actor.org_id.0)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != rows.len() as u64 {
        return Err(StoreError::corrupt(format!(
            "import updated {} rows where {} were expected",
            done.rows_affected(),
            rows.len()
        )));
    }

    let del_list = placeholders_list(2, rows.len());
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM sku_tags WHERE org_id = $1 AND sku_id IN ({del_list})"
    )))
    .bind(actor.org_id.0);
    for (id, _) in rows {
        q = q.bind(*id);
    }
    q.execute(&mut *conn).await?;

    let mut tag_rows: Vec<(i64, &str)> = Vec::new();
    let mut audits: Vec<(i64, Option<&str>, &str)> = Vec::with_capacity(rows.len());
    for (id, c) in rows {
        tag_rows.extend(c.tags.iter().map(|t| (*id, t.as_str())));
        audits.push((
            *id,
            before.get(id).map(String::as_str),
            c.record_json.as_str(),
        ));
    }
    insert_tag_rows(conn, actor.org_id, &tag_rows).await?;
    insert_audits(conn, actor, now, batch_id, "sku.import.update", &audits).await
}

/// "$first, $first+1, ..." for `n` values.
fn placeholders_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn insert_audits(
    conn: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    batch_id: BatchId,
    action: &str,
    rows: &[(i64, Option<&str>, &str)],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO audit_log ({INSERT_AUDIT_COLUMNS}) VALUES {}",
        placeholders(rows.len(), AUDIT_PARAMS_PER_ROW)
    );
    let now_text = time::to_text(now);
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (id, before, after) in rows {
        q = q
            .bind(actor.org_id.0)
            .bind(now_text.clone())
            .bind(actor.user_id.map(|u| u.0))
            .bind(actor.label.clone())
            .bind(action.to_string())
            .bind("sku")
            .bind(id.to_string())
            .bind(batch_id.0)
            .bind(before.map(str::to_string))
            .bind(after.to_string());
    }
    q.execute(&mut *conn).await?;
    Ok(())
}
