//! Document vault metadata: certificates, test reports, declarations and registrations on file per SKU, per tag
//! (a family of SKUs) or for the whole seller. The bytes live in a blob store (crate `tradelane-vault`); a row
//! here holds what the gap report needs (type, standards, markets, dates) plus the blob key and SHA-256.
//!
//! Every query filters by organisation; uploads and deletions are audited in the same transaction.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, OrgId};
use crate::time;

/// Longest title / issuer / file name.
pub const MAX_TEXT_CHARS: usize = 200;
/// Most standards, markets or covered requirement ids on one document.
pub const MAX_LIST_ITEMS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocumentId(pub i64);

impl std::fmt::Display for DocumentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which SKUs a document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// One SKU (subject = SKU code).
    Sku,
    /// Every SKU carrying a tag (subject = the tag): a product family sharing a test report.
    Tag,
    /// The seller as a whole (subject empty): registrations, responsible-person agreements.
    Seller,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Sku => "sku",
            SubjectKind::Tag => "tag",
            SubjectKind::Seller => "seller",
        }
    }

    pub fn parse(text: &str) -> Option<SubjectKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "sku" => Some(SubjectKind::Sku),
            "tag" | "family" => Some(SubjectKind::Tag),
            "seller" | "org" => Some(SubjectKind::Seller),
            _ => None,
        }
    }
}

/// A document to file (the blob is already stored under `blob_key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDocument {
    pub subject_kind: SubjectKind,
    /// SKU code, tag, or empty for the seller.
    pub subject: String,
    /// Evidence type as the requirement pack names it: `eu_doc`, `test_report`, `un38_3_summary`, `sds` …
    pub doc_type: String,
    pub title: String,
    pub issuer: String,
    /// Standards named on the document (`EN 62368-1:2014`).
    pub standards: Vec<String>,
    /// Markets it is valid for (ISO alpha-2 or `EU`); empty = any market.
    pub markets: Vec<String>,
    /// Requirement ids it explicitly evidences; empty = matched by type and standards.
    pub covers: Vec<String>,
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub blob_key: String,
}

/// A document on file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDocument {
    pub id: DocumentId,
    pub org_id: OrgId,
    #[serde(flatten)]
    pub doc: NewDocument,
    pub created_at: jiff::Timestamp,
    pub created_by: String,
}

/// Filter of [`Store::list_documents`]; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentQuery {
    pub subject_kind: Option<SubjectKind>,
    pub subject: Option<String>,
    pub doc_type: Option<String>,
    /// Only documents with an expiry on or before this day.
    pub expires_by: Option<Date>,
}

fn too_long(field: &str, value: &str, max: usize) -> Result<()> {
    check_text(field, value)?;
    let n = value.chars().count();
    if n > max {
        return Err(StoreError::Invalid(format!(
            "{field}: {n} characters; at most {max}"
        )));
    }
    Ok(())
}

fn is_code(s: &str, extra: &[u8]) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || extra.contains(&b)
        })
}

fn clean_list(field: &str, items: Vec<String>, max_chars: usize) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let item = item.trim().to_string();
        if item.is_empty() || out.contains(&item) {
            continue;
        }
        too_long(field, &item, max_chars)?;
        out.push(item);
    }
    if out.len() > MAX_LIST_ITEMS {
        return Err(StoreError::Invalid(format!(
            "{field}: {} items; at most {MAX_LIST_ITEMS}",
            out.len()
        )));
    }
    Ok(out)
}

/// Trims and checks a new document; the SKU subject is checked against the catalogue in the transaction.
fn normalise(mut d: NewDocument) -> Result<NewDocument> {
    d.subject = d.subject.trim().to_string();
    match d.subject_kind {
        SubjectKind::Seller => d.subject.clear(),
        SubjectKind::Sku | SubjectKind::Tag if d.subject.is_empty() => {
            return Err(StoreError::Invalid(format!(
                "subject: empty; expected the {} the document is for",
                if d.subject_kind == SubjectKind::Sku {
                    "SKU code"
                } else {
                    "tag"
                }
            )));
        }
        _ => too_long("subject", &d.subject, 100)?,
    }
    d.doc_type = d.doc_type.trim().to_ascii_lowercase();
    if !is_code(&d.doc_type, &[]) || d.doc_type.len() > 40 {
        return Err(StoreError::Invalid(format!(
            "doc_type: '{}'; expected a document type such as eu_doc, test_report or sds",
            d.doc_type
        )));
    }
    d.title = d.title.trim().to_string();
    d.issuer = d.issuer.trim().to_string();
    too_long("title", &d.title, MAX_TEXT_CHARS)?;
    too_long("issuer", &d.issuer, MAX_TEXT_CHARS)?;
    d.standards = clean_list("standards", d.standards, 120)?;
    d.markets = clean_list(
        "markets",
        d.markets
            .into_iter()
            .map(|m| m.trim().to_ascii_uppercase())
            .collect(),
        2,
    )?;
    if let Some(bad) = d
        .markets
        .iter()
        .find(|m| m.len() != 2 || !m.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(StoreError::Invalid(format!(
            "markets: '{bad}'; expected ISO alpha-2 codes (DE, US) or EU"
        )));
    }
    d.covers = clean_list("covers", d.covers, 80)?;
    if let Some(bad) = d.covers.iter().find(|c| {
        !c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    }) {
        return Err(StoreError::Invalid(format!(
            "covers: '{bad}'; expected requirement ids such as eu_ce_lvd"
        )));
    }
    if let Some(exp) = d.expires_on
        && exp < d.issued_on
    {
        return Err(StoreError::Invalid(format!(
            "expires_on: {exp} is before the issue date {}",
            d.issued_on
        )));
    }
    too_long("file_name", &d.file_name, MAX_TEXT_CHARS)?;
    too_long("content_type", &d.content_type, 100)?;
    if d.size_bytes < 0 {
        return Err(StoreError::Invalid("size_bytes: negative".into()));
    }
    d.sha256 = d.sha256.to_ascii_lowercase();
    if d.sha256.len() != 64 || !d.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid("sha256: expected 64 hex digits".into()));
    }
    if d.blob_key.is_empty() {
        return Err(StoreError::Invalid("blob_key: empty".into()));
    }
    too_long("blob_key", &d.blob_key, 200)?;
    Ok(d)
}

const COLUMNS: &str = "id, org_id, subject_kind, subject, doc_type, title, issuer, standards_json, markets_json, \
     covers_json, issued_on, expires_on, file_name, content_type, size_bytes, sha256, blob_key, created_at, created_by";

fn parse_date(col: &str, text: &str) -> Result<Date> {
    text.parse::<Date>()
        .map_err(|e| StoreError::corrupt(format!("compliance_documents.{col}: '{text}': {e}")))
}

fn from_row(row: &AnyRow) -> Result<StoredDocument> {
    let list = |col: &str| -> Result<Vec<String>> {
        serde_json::from_str(&get_string(row, col)?)
            .map_err(|e| StoreError::corrupt(format!("compliance_documents.{col}: {e}")))
    };
    let kind_text = get_string(row, "subject_kind")?;
    Ok(StoredDocument {
        id: DocumentId(get_i64(row, "id")?),
        org_id: OrgId(get_i64(row, "org_id")?),
        doc: NewDocument {
            subject_kind: SubjectKind::parse(&kind_text).ok_or_else(|| {
                StoreError::corrupt(format!("compliance_documents.subject_kind: '{kind_text}'"))
            })?,
            subject: get_string(row, "subject")?,
            doc_type: get_string(row, "doc_type")?,
            title: get_string(row, "title")?,
            issuer: get_string(row, "issuer")?,
            standards: list("standards_json")?,
            markets: list("markets_json")?,
            covers: list("covers_json")?,
            issued_on: parse_date("issued_on", &get_string(row, "issued_on")?)?,
            expires_on: get_opt_string(row, "expires_on")?
                .map(|t| parse_date("expires_on", &t))
                .transpose()?,
            file_name: get_string(row, "file_name")?,
            content_type: get_string(row, "content_type")?,
            size_bytes: get_i64(row, "size_bytes")?,
            sha256: get_string(row, "sha256")?,
            blob_key: get_string(row, "blob_key")?,
        },
        created_at: time::from_text(
            "compliance_documents.created_at",
            &get_string(row, "created_at")?,
        )?,
        created_by: get_string(row, "created_by")?,
    })
}

/// What the audit log keeps of a document (no blob key: it is an internal detail).
fn audit_view(d: &StoredDocument) -> serde_json::Value {
    serde_json::json!({
        "id": d.id.0,
        "subject_kind": d.doc.subject_kind.as_str(),
        "subject": d.doc.subject,
        "doc_type": d.doc.doc_type,
        "title": d.doc.title,
        "issuer": d.doc.issuer,
        "standards": d.doc.standards,
        "markets": d.doc.markets,
        "covers": d.doc.covers,
        "issued_on": d.doc.issued_on.to_string(),
        "expires_on": d.doc.expires_on.map(|e| e.to_string()),
        "file_name": d.doc.file_name,
        "size_bytes": d.doc.size_bytes,
        "sha256": d.doc.sha256,
    })
}

impl Store {
    /// Files a document whose blob is stored. A SKU subject must be a SKU of the organisation (another
    /// organisation's SKU is not found). Audited (`compliance_document.upload`) in the same transaction.
    pub async fn create_document(&self, actor: &Actor, doc: NewDocument) -> Result<StoredDocument> {
        let doc = normalise(doc)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        if doc.subject_kind == SubjectKind::Sku {
            let found = sqlx::query("SELECT id FROM skus WHERE org_id = $1 AND code = $2")
                .bind(actor.org_id.0)
                .bind(doc.subject.clone())
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::not_found("sku", &doc.subject));
            }
        }
        let row = sqlx::query(
            "INSERT INTO compliance_documents (org_id, subject_kind, subject, doc_type, title, issuer, \
             standards_json, markets_json, covers_json, issued_on, expires_on, file_name, content_type, size_bytes, \
             sha256, blob_key, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(doc.subject_kind.as_str().to_string())
        .bind(doc.subject.clone())
        .bind(doc.doc_type.clone())
        .bind(doc.title.clone())
        .bind(doc.issuer.clone())
        .bind(audit::json(&doc.standards)?)
        .bind(audit::json(&doc.markets)?)
        .bind(audit::json(&doc.covers)?)
        .bind(doc.issued_on.to_string())
        .bind(doc.expires_on.map(|d| d.to_string()))
        .bind(doc.file_name.clone())
        .bind(doc.content_type.clone())
        .bind(doc.size_bytes)
        .bind(doc.sha256.clone())
        .bind(doc.blob_key.clone())
        .bind(time::to_text(now))
        .bind(actor.label.clone())
        .fetch_one(&mut *tx)
        .await?;
        let stored = StoredDocument {
            id: DocumentId(get_i64(&row, "id")?),
            org_id: actor.org_id,
            doc,
            created_at: now,
            created_by: actor.label.clone(),
        };
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "compliance_document.upload",
                entity_type: "compliance_document",
                entity_id: stored.id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&audit_view(&stored))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// One document of the organisation; another organisation's id is not found.
    pub async fn get_document(&self, org: OrgId, id: DocumentId) -> Result<StoredDocument> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM compliance_documents WHERE org_id = $1 AND id = $2"
        )))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => from_row(&r),
            None => Err(StoreError::not_found("document", id)),
        }
    }

    /// The organisation's documents matching `q`, by subject, type and id.
    pub async fn list_documents(
        &self,
        org: OrgId,
        q: &DocumentQuery,
    ) -> Result<Vec<StoredDocument>> {
        let mut sql = format!("SELECT {COLUMNS} FROM compliance_documents WHERE org_id = $1");
        let mut args: Vec<String> = Vec::new();
        let mut add = |clause: &str, value: String, sql: &mut String| {
            args.push(value);
            sql.push_str(&format!(" AND {clause} = ${}", args.len() + 1));
        };
        if let Some(k) = q.subject_kind {
            add("subject_kind", k.as_str().to_string(), &mut sql);
        }
        if let Some(s) = &q.subject {
            add("subject", s.trim().to_string(), &mut sql);
        }
        if let Some(t) = &q.doc_type {
            add("doc_type", t.trim().to_ascii_lowercase(), &mut sql);
        }
        if let Some(by) = q.expires_by {
            args.push(by.to_string());
            sql.push_str(&format!(
                " AND expires_on IS NOT NULL AND expires_on <= ${}",
                args.len() + 1
            ));
        }
        sql.push_str(" ORDER BY subject_kind, subject, doc_type, id");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.0);
        for a in args {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// Removes a document's row (audited, `compliance_document.delete`) and returns it, so the caller can delete
    /// the blob after the commit.
    pub async fn delete_document(&self, actor: &Actor, id: DocumentId) -> Result<StoredDocument> {
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM compliance_documents WHERE org_id = $1 AND id = $2"
        )))
        .bind(actor.org_id.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::not_found("document", id));
        };
        let doc = from_row(&row)?;
        sqlx::query("DELETE FROM compliance_documents WHERE org_id = $1 AND id = $2")
            .bind(actor.org_id.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "compliance_document.delete",
                entity_type: "compliance_document",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&audit_view(&doc))?),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Records that an owner let a listing export or a shipment go ahead although compliance items block it:
    /// `target` is `listing_export` or `shipment`, `entity_id` what was exported or shipped, `details` the
    /// reason and the blocking items. The caller checks the role.
    pub async fn record_compliance_override(
        &self,
        actor: &Actor,
        target: &str,
        entity_id: &str,
        details: &serde_json::Value,
    ) -> Result<()> {
        too_long("entity id", entity_id, MAX_TEXT_CHARS)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "compliance.override",
                entity_type: target,
                entity_id: entity_id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(details)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
