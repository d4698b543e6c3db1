//! The catalogue: one row per SKU, the validated record as JSON plus indexed columns.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};
use tradelane_domain::{HsPrefix, SkuCode, SkuRecord};

use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, bool_to_db, escape_like, get_i64, get_string};
use crate::derive::{SkuColumns, derive, fold};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, OrgId, Page, SkuId, SkuQuery, StoredSku, check_paging};
use crate::sql::{Arg, Filter};
use crate::time;
use crate::{Backend, Store};

pub(crate) const SKU_COLUMNS: &str =
    "s.id, s.org_id, s.record_json, s.created_at, s.updated_at, s.version";

pub(crate) fn stored_from_row(row: &AnyRow) -> Result<StoredSku> {
    let id = SkuId(get_i64(row, "id")?);
    let json = get_string(row, "record_json")?;
    let record: SkuRecord = serde_json::from_str(&json).map_err(|e| {
        StoreError::corrupt(format!(
            "skus.record_json of SKU row {id} is not a SKU record: {e}"
        ))
    })?;
    Ok(StoredSku {
        id,
        org_id: OrgId(get_i64(row, "org_id")?),
        record,
        created_at: time::from_text("skus.created_at", &get_string(row, "created_at")?)?,
        updated_at: time::from_text("skus.updated_at", &get_string(row, "updated_at")?)?,
        version: get_i64(row, "version")?,
    })
}

fn code_conflict(code: &str) -> StoreError {
    StoreError::Conflict {
        what: format!("SKU code {code} already exists in this organisation"),
    }
}

/// Replaces the tag rows of one SKU.
pub(crate) async fn write_tags(
    conn: &mut AnyConnection,
    backend: Backend,
    org: OrgId,
    sku: SkuId,
    tags: &[String],
    replace: bool,
) -> Result<()> {
    if replace {
        sqlx::query("DELETE FROM sku_tags WHERE sku_id = $1 AND org_id = $2")
            .bind(sku.0)
            .bind(org.0)
            .execute(&mut *conn)
            .await?;
    }
    if tags.is_empty() {
        return Ok(());
    }
    let rows: Vec<(i64, &str)> = tags.iter().map(|t| (sku.0, t.as_str())).collect();
    insert_tag_rows(conn, backend, org, &rows).await
}

/// Inserts (sku_id, tag) rows, many per statement.
pub(crate) async fn insert_tag_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    org: OrgId,
    rows: &[(i64, &str)],
) -> Result<()> {
    const PER_STATEMENT: usize = 1000;
    for chunk in rows.chunks(PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO sku_tags (org_id, sku_id, tag) VALUES {}",
            crate::import::placeholders(backend, chunk.len(), 3)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (sku, tag) in chunk {
            q = q.bind(org.0).bind(*sku).bind(tag.to_string());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn load_for_write(
    conn: &mut AnyConnection,
    org: OrgId,
    id: SkuId,
) -> Result<(StoredSku, String, String)> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SKU_COLUMNS}, s.content_hash FROM skus s WHERE s.id = $1 AND s.org_id = $2"
    )))
    .bind(id.0)
    .bind(org.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("SKU", id))?;
    let json = get_string(&row, "record_json")?;
    Ok((
        stored_from_row(&row)?,
        get_string(&row, "content_hash")?,
        json,
    ))
}

impl Store {
    /// One page of the organisation's catalogue, filtered and sorted.
    pub async fn list_skus(&self, org: OrgId, q: &SkuQuery) -> Result<Page<StoredSku>> {
        check_paging(q.page, q.per_page)?;
        let mut f = Filter::new();
        f.and("s.org_id = {}", vec![Arg::I64(org.0)]);
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            check_text("search text", text)?;
            let folded = text.to_lowercase();
            if self.backend == Backend::Sqlite && !folded.contains(['%', '_', '\\']) {
                // The FTS5 trigram index answers LIKE only without an ESCAPE clause, so it is
                // used when the text holds no LIKE metacharacters (nearly always).
                f.and(
                    "s.id IN (SELECT rowid FROM skus_fts WHERE skus_fts.search_text LIKE {})",
                    vec![Arg::Text(format!("%{folded}%"))],
                );
            } else {
                let pattern = format!("%{}%", escape_like(&folded));
                f.and(
                    "s.search_text LIKE {} ESCAPE '\\'",
                    vec![Arg::Text(pattern)],
                );
            }
        }
        if let Some(brand) = q.brand.as_deref().map(fold).filter(|b| !b.is_empty()) {
            check_text("brand", &brand)?;
            f.and("s.brand_key = {}", vec![Arg::Text(brand)]);
        }
        if let Some(origin) = q.origin {
            f.and("s.origin = {}", vec![Arg::Text(origin.code().to_string())]);
        }
        if let Some(prefix) = q.hs_prefix.as_deref().filter(|p| !p.trim().is_empty()) {
            let prefix = HsPrefix::parse(prefix)
                .map_err(|e| StoreError::Invalid(format!("HS prefix filter: {e}")))?;
            f.and(
                "s.hs_code LIKE {}",
                vec![Arg::Text(format!("{}%", prefix.as_str()))],
            );
        }
        if let Some(tag) = q.tag.as_deref().map(fold).filter(|t| !t.is_empty()) {
            check_text("tag", &tag)?;
            f.and(
                "s.id IN (SELECT t.sku_id FROM sku_tags t WHERE t.org_id = {} AND t.tag = {})",
                vec![Arg::I64(org.0), Arg::Text(tag)],
            );
        }
        if let Some(b) = q.has_battery {
            f.and("s.has_battery = {}", vec![Arg::I64(bool_to_db(b))]);
        }
        let where_sql = f.where_sql();
        let count = f
            .query(format!("SELECT COUNT(*) AS n FROM skus s {where_sql}"))
            .fetch_one(&self.pool)
            .await?;
        let total = u64::try_from(get_i64(&count, "n")?).unwrap_or(0);
        let offset = u64::from(q.page - 1) * u64::from(q.per_page);
        let items = if offset >= total {
            Vec::new()
        } else {
            // Deferred join: pick the page's ids from the indexes first, then read only those
            // rows, so deep pages do not drag every skipped row's record through memory.
            let order = q.sort.order_by();
            let rows = f
                .query(format!(
                    "SELECT {SKU_COLUMNS} FROM skus s WHERE s.id IN \
                     (SELECT s.id FROM skus s {where_sql} ORDER BY {order} LIMIT {} OFFSET {offset}) \
                     ORDER BY {order}",
                    q.per_page
                ))
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(stored_from_row)
                .collect::<Result<Vec<_>>>()?
        };
        Ok(Page {
            items,
            total,
            page: q.page,
            per_page: q.per_page,
        })
    }

    pub async fn get_sku(&self, org: OrgId, id: SkuId) -> Result<StoredSku> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SKU_COLUMNS} FROM skus s WHERE s.id = $1 AND s.org_id = $2"
        )))
        .bind(id.0)
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("SKU", id))?;
        stored_from_row(&row)
    }

    pub async fn get_sku_by_code(&self, org: OrgId, code: &SkuCode) -> Result<Option<StoredSku>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SKU_COLUMNS} FROM skus s WHERE s.org_id = $1 AND s.code = $2"
        )))
        .bind(org.0)
        .bind(code.as_str().to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_from_row).transpose()
    }

    /// Adds a SKU; `Conflict` when the code is taken in the organisation.
    pub async fn create_sku(&self, actor: &Actor, record: &SkuRecord) -> Result<StoredSku> {
        let cols = derive(record)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let inserted = insert_sku(&mut tx, actor.org_id, &cols, now).await;
        let id = match inserted {
            Ok(id) => id,
            Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                return Err(code_conflict(&cols.code));
            }
            Err(e) => return Err(e),
        };
        write_tags(&mut tx, self.backend, actor.org_id, id, &cols.tags, false).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "sku.create",
                entity_type: "sku",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(cols.record_json.clone()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(StoredSku {
            id,
            org_id: actor.org_id,
            record: record.clone(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
    }

    /// Replaces a SKU's record. With `expected_version`, fails with `VersionMismatch` if the SKU
    /// changed since it was read. Saving an identical record writes nothing.
    pub async fn update_sku(
        &self,
        actor: &Actor,
        id: SkuId,
        record: &SkuRecord,
        expected_version: Option<i64>,
    ) -> Result<StoredSku> {
        let cols = derive(record)?;
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let (current, current_hash, before_json) =
            load_for_write(&mut tx, actor.org_id, id).await?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::VersionMismatch);
        }
        if current_hash == cols.content_hash {
            return Ok(current);
        }
        let now = time::now();
        let updated = sqlx::query(
            "UPDATE skus SET code = $1, title = $2, brand = $3, brand_key = $4, origin = $5, \
             hs_code = $6, has_battery = $7, search_text = $8, content_hash = $9, record_json = $10, \
             updated_at = $11, version = version + 1 \
             WHERE id = $12 AND org_id = $13 AND version = $14",
        )
        .bind(cols.code.clone())
        .bind(cols.title.clone())
        .bind(cols.brand.clone())
        .bind(cols.brand_key.clone())
        .bind(cols.origin.clone())
        .bind(cols.hs_code.clone())
        .bind(bool_to_db(cols.has_battery))
        .bind(cols.search_text.clone())
        .bind(cols.content_hash.clone())
        .bind(cols.record_json.clone())
        .bind(time::to_text(now))
        .bind(id.0)
        .bind(actor.org_id.0)
        .bind(current.version)
        .execute(&mut *tx)
        .await;
        match updated {
            Ok(done) if done.rows_affected() == 1 => {}
            Ok(_) => return Err(StoreError::VersionMismatch),
            Err(e) if is_unique_violation(&e) => return Err(code_conflict(&cols.code)),
            Err(e) => return Err(e.into()),
        }
        write_tags(&mut tx, self.backend, actor.org_id, id, &cols.tags, true).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "sku.update",
                entity_type: "sku",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(before_json),
                after: Some(cols.record_json),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(StoredSku {
            id,
            org_id: actor.org_id,
            record: record.clone(),
            created_at: current.created_at,
            updated_at: now,
            version: current.version + 1,
        })
    }

    pub async fn delete_sku(&self, actor: &Actor, id: SkuId) -> Result<()> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let (_, _, before_json) = load_for_write(&mut tx, actor.org_id, id).await?;
        sqlx::query("DELETE FROM sku_tags WHERE sku_id = $1 AND org_id = $2")
            .bind(id.0)
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM skus WHERE id = $1 AND org_id = $2")
            .bind(id.0)
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        audit::write(
            &mut tx,
            actor,
            time::now(),
            AuditRecord {
                action: "sku.delete",
                entity_type: "sku",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(before_json),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every SKU of the organisation in code order, for export.
    pub async fn all_skus(&self, org: OrgId) -> Result<Vec<StoredSku>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SKU_COLUMNS} FROM skus s WHERE s.org_id = $1 ORDER BY s.code, s.id"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_from_row).collect()
    }

    pub async fn count_skus(&self, org: OrgId) -> Result<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM skus WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(get_i64(&row, "n")?).unwrap_or(0))
    }

    /// Distinct brands in use (as first written), for a filter drop-down.
    pub async fn list_brands(&self, org: OrgId) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT MIN(brand) AS brand FROM skus WHERE org_id = $1 AND brand_key <> '' \
             GROUP BY brand_key ORDER BY brand_key",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| get_string(r, "brand")).collect()
    }

    /// Distinct tags in use (lower-cased), for a filter drop-down.
    pub async fn list_tags(&self, org: OrgId) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT tag FROM sku_tags WHERE org_id = $1 ORDER BY tag")
            .bind(org.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| get_string(r, "tag")).collect()
    }
}

pub(crate) const INSERT_SKU_COLUMNS: &str = "org_id, code, title, brand, brand_key, origin, hs_code, \
     has_battery, search_text, content_hash, record_json, version, created_at, updated_at";
pub(crate) const SKU_PARAMS_PER_ROW: usize = 14;

async fn insert_sku(
    conn: &mut AnyConnection,
    org: OrgId,
    cols: &SkuColumns,
    now: Timestamp,
) -> Result<SkuId> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO skus ({INSERT_SKU_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id"
    )))
    .bind(org.0)
    .bind(cols.code.clone())
    .bind(cols.title.clone())
    .bind(cols.brand.clone())
    .bind(cols.brand_key.clone())
    .bind(cols.origin.clone())
    .bind(cols.hs_code.clone())
    .bind(bool_to_db(cols.has_battery))
    .bind(cols.search_text.clone())
    .bind(cols.content_hash.clone())
    .bind(cols.record_json.clone())
    .bind(time::to_text(now))
    .fetch_one(&mut *conn)
    .await?;
    Ok(SkuId(get_i64(&row, "id")?))
}
