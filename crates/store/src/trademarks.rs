//! Trademark watchlist and allowlist per organisation: the marks listings are screened against (with Nice classes,
//! owner, markets and a note) and the seller's own and licensed brands, which screening never reports.
//!
//! Every change writes an audit row in its transaction. An import is one transaction keyed by the mark's
//! reference (its registration number, or a key derived from its text): new references are inserted, changed
//! ones updated, identical ones left alone, so re-importing a file writes nothing; any invalid or duplicated row
//! refuses the whole import.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, ImportOutcome, OrgId};
use crate::owned::OwnedTable;
use crate::time;

/// Longest mark, owner or brand (characters).
pub const MAX_MARK_CHARS: usize = 200;
/// Longest note (characters).
pub const MAX_NOTE_CHARS: usize = 1_000;
/// Most marks one organisation keeps.
pub const MAX_MARKS: usize = 200_000;

/// A mark as entered or imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkInput {
    /// Registration number or another stable reference; derived from the mark's text when empty.
    #[serde(default)]
    pub mark_ref: Option<String>,
    /// The mark as registered, e.g. "AirPods".
    pub mark: String,
    /// Nice classes 1-45; empty = all.
    #[serde(default)]
    pub classes: Vec<u16>,
    #[serde(default)]
    pub owner: String,
    /// ISO alpha-2 codes or `EU`; empty = everywhere.
    #[serde(default)]
    pub markets: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// A stored mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchMark {
    pub id: i64,
    pub mark_ref: String,
    pub mark: String,
    pub classes: Vec<u16>,
    pub owner: String,
    pub markets: Vec<String>,
    pub note: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Why a brand is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrandKind {
    /// The seller's own brand.
    Own,
    /// A brand the seller is licensed to use.
    Licensed,
}

impl BrandKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BrandKind::Own => "own",
            BrandKind::Licensed => "licensed",
        }
    }

    pub fn parse(text: &str) -> Result<BrandKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "own" => Ok(BrandKind::Own),
            "licensed" | "licence" | "license" => Ok(BrandKind::Licensed),
            other => Err(StoreError::Invalid(format!(
                "brand kind '{other}': expected own or licensed"
            ))),
        }
    }
}

/// A brand on the allowlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedBrand {
    pub id: i64,
    pub brand: String,
    pub kind: BrandKind,
    pub note: String,
    pub created_at: Timestamp,
}

/// Lower case with runs of white space collapsed to one space: the key of a brand, and of a mark without a
/// reference.
pub fn text_key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn check_len(field: &str, value: &str, max: usize) -> Result<()> {
    check_text(field, value)?;
    let n = value.chars().count();
    if n > max {
        return Err(StoreError::Invalid(format!(
            "{field}: {n} characters; at most {max}"
        )));
    }
    Ok(())
}

/// A mark checked and in its stored form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Normalised {
    mark_ref: String,
    mark: String,
    classes: Vec<u16>,
    owner: String,
    markets: Vec<String>,
    note: String,
}

impl Normalised {
    fn classes_text(&self) -> String {
        join_classes(&self.classes)
    }

    fn same_as(&self, m: &WatchMark) -> bool {
        self.mark == m.mark
            && self.classes == m.classes
            && self.owner == m.owner
            && self.markets == m.markets
            && self.note == m.note
    }
}

fn join_classes(classes: &[u16]) -> String {
    classes
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn normalise(input: &MarkInput) -> Result<Normalised> {
    let mark = input.mark.split_whitespace().collect::<Vec<_>>().join(" ");
    if mark.is_empty() {
        return Err(StoreError::Invalid(
            "mark: empty; expected the mark as registered, e.g. AirPods".into(),
        ));
    }
    check_len("mark", &mark, MAX_MARK_CHARS)?;
    let owner = input.owner.trim().to_string();
    check_len("owner", &owner, MAX_MARK_CHARS)?;
    let note = input.note.trim().to_string();
    check_len("note", &note, MAX_NOTE_CHARS)?;
    let mark_ref = match input.mark_ref.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => text_key(&mark),
    };
    check_len("reference", &mark_ref, MAX_MARK_CHARS)?;
    let mut classes = input.classes.clone();
    for c in &classes {
        if !(1..=45).contains(c) {
            return Err(StoreError::Invalid(format!(
                "classes: {c} is not a Nice class; expected 1-45"
            )));
        }
    }
    classes.sort_unstable();
    classes.dedup();
    let mut markets = Vec::new();
    for m in &input.markets {
        let code = m.trim().to_ascii_uppercase();
        if code.is_empty() {
            continue;
        }
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(StoreError::Invalid(format!(
                "markets: '{}' is not a market; expected ISO codes such as US, DE, or EU",
                m.trim()
            )));
        }
        if !markets.contains(&code) {
            markets.push(code);
        }
    }
    markets.sort();
    Ok(Normalised {
        mark_ref,
        mark,
        classes,
        owner,
        markets,
        note,
    })
}

fn split_classes(text: &str) -> Result<Vec<u16>> {
    text.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<u16>()
                .map_err(|_| StoreError::corrupt(format!("trademark_marks.classes '{text}'")))
        })
        .collect()
}

fn split_markets(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

const MARK_COLUMNS: &str =
    "id, mark_ref, mark, classes, owner, markets, note, created_at, updated_at";

fn mark_from_row(row: &AnyRow) -> Result<WatchMark> {
    Ok(WatchMark {
        id: get_i64(row, "id")?,
        mark_ref: get_string(row, "mark_ref")?,
        mark: get_string(row, "mark")?,
        classes: split_classes(&get_string(row, "classes")?)?,
        owner: get_string(row, "owner")?,
        markets: split_markets(&get_string(row, "markets")?),
        note: get_string(row, "note")?,
        created_at: time::from_text(
            "trademark_marks.created_at",
            &get_string(row, "created_at")?,
        )?,
        updated_at: time::from_text(
            "trademark_marks.updated_at",
            &get_string(row, "updated_at")?,
        )?,
    })
}

fn brand_from_row(row: &AnyRow) -> Result<AllowedBrand> {
    let kind = get_string(row, "kind")?;
    Ok(AllowedBrand {
        id: get_i64(row, "id")?,
        brand: get_string(row, "brand")?,
        kind: BrandKind::parse(&kind)
            .map_err(|_| StoreError::corrupt(format!("trademark_allowlist.kind '{kind}'")))?,
        note: get_string(row, "note")?,
        created_at: time::from_text(
            "trademark_allowlist.created_at",
            &get_string(row, "created_at")?,
        )?,
    })
}

fn conflict_on_ref(e: sqlx::Error, mark_ref: &str) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Conflict {
            what: format!("a mark with the reference '{mark_ref}' is already on the watchlist"),
        }
    } else {
        e.into()
    }
}

const MARKS: OwnedTable<WatchMark> = OwnedTable {
    table: "trademark_marks",
    columns: MARK_COLUMNS,
    what: "mark",
    entity_type: "trademark_mark",
    delete_action: "watchlist.delete",
    from_row: mark_from_row,
};

const ALLOWED_BRANDS: OwnedTable<AllowedBrand> = OwnedTable {
    table: "trademark_allowlist",
    columns: "id, brand, kind, note, created_at",
    what: "allowed brand",
    entity_type: "allowed_brand",
    delete_action: "allowlist.delete",
    from_row: brand_from_row,
};

impl Store {
    /// The organisation's watchlist, by mark.
    pub async fn list_watch_marks(&self, org: OrgId) -> Result<Vec<WatchMark>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MARK_COLUMNS} FROM trademark_marks WHERE org_id = $1 ORDER BY mark, id"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mark_from_row).collect()
    }

    /// Number of marks on the watchlist.
    pub async fn count_watch_marks(&self, org: OrgId) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM trademark_marks WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&self.pool)
            .await?;
        get_i64(&row, "n")
    }

    pub async fn get_watch_mark(&self, org: OrgId, id: i64) -> Result<WatchMark> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MARK_COLUMNS} FROM trademark_marks WHERE org_id = $1 AND id = $2"
        )))
        .bind(org.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("mark", id))?;
        mark_from_row(&row)
    }

    /// Adds a mark; a second mark with the same reference is a conflict. Audited.
    pub async fn add_watch_mark(&self, actor: &Actor, input: &MarkInput) -> Result<WatchMark> {
        let m = normalise(input)?;
        let now = time::now();
        let now_text = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO trademark_marks (org_id, mark_ref, mark, classes, owner, markets, note, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(m.mark_ref.clone())
        .bind(m.mark.clone())
        .bind(m.classes_text())
        .bind(m.owner.clone())
        .bind(m.markets.join(","))
        .bind(m.note.clone())
        .bind(now_text.clone())
        .bind(now_text)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict_on_ref(e, &m.mark_ref))?;
        let id = get_i64(&row, "id")?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "watchlist.add",
                entity_type: "trademark_mark",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&m)?),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_watch_mark(actor.org_id, id).await
    }

    /// Replaces a mark's fields; an unchanged mark writes nothing. Audited with before and after.
    pub async fn update_watch_mark(
        &self,
        actor: &Actor,
        id: i64,
        input: &MarkInput,
    ) -> Result<WatchMark> {
        let m = normalise(input)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let current = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MARK_COLUMNS} FROM trademark_marks WHERE org_id = $1 AND id = $2"
        )))
        .bind(actor.org_id.0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(mark_from_row)
        .transpose()?
        .ok_or_else(|| StoreError::not_found("mark", id))?;
        if m.same_as(&current) && m.mark_ref == current.mark_ref {
            tx.commit().await?;
            return Ok(current);
        }
        sqlx::query(
            "UPDATE trademark_marks SET mark_ref = $1, mark = $2, classes = $3, owner = $4, markets = $5, \
             note = $6, updated_at = $7 WHERE org_id = $8 AND id = $9",
        )
        .bind(m.mark_ref.clone())
        .bind(m.mark.clone())
        .bind(m.classes_text())
        .bind(m.owner.clone())
        .bind(m.markets.join(","))
        .bind(m.note.clone())
        .bind(time::to_text(now))
        .bind(actor.org_id.0)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_on_ref(e, &m.mark_ref))?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "watchlist.update",
                entity_type: "trademark_mark",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&current)?),
                after: Some(audit::json(&m)?),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_watch_mark(actor.org_id, id).await
    }

    /// Removes a mark. Audited with what was removed.
    pub async fn delete_watch_mark(&self, actor: &Actor, id: i64) -> Result<WatchMark> {
        self.delete_owned(actor, id, &MARKS).await
    }

    /// Imports marks in one transaction: new references inserted, changed ones updated, identical ones left
    /// alone. An invalid mark or a reference given twice refuses the import (the error names the mark's
    /// position, 1-based) and nothing is written. One audit row with the counts when anything changed.
    pub async fn import_watch_marks(
        &self,
        actor: &Actor,
        inputs: &[MarkInput],
        source_label: &str,
    ) -> Result<ImportOutcome> {
        check_len("import source label", source_label, MAX_MARK_CHARS)?;
        let mut marks = Vec::with_capacity(inputs.len());
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let m = normalise(input)
                .map_err(|e| StoreError::Invalid(format!("mark #{}: {}", i + 1, inner(&e))))?;
            if let Some(first) = seen.insert(m.mark_ref.clone(), i) {
                return Err(StoreError::Invalid(format!(
                    "mark #{}: the reference '{}' is also mark #{}; each mark once",
                    i + 1,
                    m.mark_ref,
                    first + 1
                )));
            }
            marks.push(m);
        }
        let now = time::now();
        let now_text = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MARK_COLUMNS} FROM trademark_marks WHERE org_id = $1"
        )))
        .bind(actor.org_id.0)
        .fetch_all(&mut *tx)
        .await?;
        let existing: HashMap<String, WatchMark> = rows
            .iter()
            .map(|r| mark_from_row(r).map(|m| (m.mark_ref.clone(), m)))
            .collect::<Result<_>>()?;
        let new_count = marks
            .iter()
            .filter(|m| !existing.contains_key(&m.mark_ref))
            .count();
        if existing.len() + new_count > MAX_MARKS {
            return Err(StoreError::Invalid(format!(
                "the watchlist would hold {} marks; at most {MAX_MARKS}",
                existing.len() + new_count
            )));
        }
        let mut outcome = ImportOutcome {
            created: 0,
            updated: 0,
            unchanged: 0,
            batch_id: None,
        };
        for m in &marks {
            match existing.get(&m.mark_ref) {
                Some(e) if m.same_as(e) => outcome.unchanged += 1,
                Some(e) => {
                    sqlx::query(
                        "UPDATE trademark_marks SET mark = $1, classes = $2, owner = $3, markets = $4, note = $5, \
                         updated_at = $6 WHERE org_id = $7 AND id = $8",
                    )
                    .bind(m.mark.clone())
                    .bind(m.classes_text())
                    .bind(m.owner.clone())
                    .bind(m.markets.join(","))
                    .bind(m.note.clone())
                    .bind(now_text.clone())
                    .bind(actor.org_id.0)
                    .bind(e.id)
                    .execute(&mut *tx)
                    .await?;
                    outcome.updated += 1;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO trademark_marks (org_id, mark_ref, mark, classes, owner, markets, note, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(actor.org_id.0)
                    .bind(m.mark_ref.clone())
                    .bind(m.mark.clone())
                    .bind(m.classes_text())
                    .bind(m.owner.clone())
                    .bind(m.markets.join(","))
                    .bind(m.note.clone())
                    .bind(now_text.clone())
                    .bind(now_text.clone())
                    .execute(&mut *tx)
                    .await?;
                    outcome.created += 1;
                }
            }
        }
        if outcome.created + outcome.updated > 0 {
            let changed: Vec<&str> = marks
                .iter()
                .filter(|m| existing.get(&m.mark_ref).is_none_or(|e| !m.same_as(e)))
                .take(100)
                .map(|m| m.mark_ref.as_str())
                .collect();
            audit::write(
                &mut tx,
                actor,
                now,
                AuditRecord {
                    action: "watchlist.import",
                    entity_type: "trademark_watchlist",
                    entity_id: actor.org_id.0.to_string(),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(&serde_json::json!({
                        "source": source_label,
                        "rows": marks.len(),
                        "created": outcome.created,
                        "updated": outcome.updated,
                        "unchanged": outcome.unchanged,
                        "changed_refs": changed,
                    }))?),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The allowlist, by brand.
    pub async fn list_allowed_brands(&self, org: OrgId) -> Result<Vec<AllowedBrand>> {
        let rows = sqlx::query(
            "SELECT id, brand, kind, note, created_at FROM trademark_allowlist WHERE org_id = $1 \
             ORDER BY brand_key, id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(brand_from_row).collect()
    }

    /// Adds a brand to the allowlist; the same brand (ignoring case and spacing) twice is a conflict. Audited.
    pub async fn add_allowed_brand(
        &self,
        actor: &Actor,
        brand: &str,
        kind: BrandKind,
        note: &str,
    ) -> Result<AllowedBrand> {
        let brand = brand.split_whitespace().collect::<Vec<_>>().join(" ");
        if brand.is_empty() {
            return Err(StoreError::Invalid(
                "brand: empty; expected the brand as written on the product".into(),
            ));
        }
        check_len("brand", &brand, MAX_MARK_CHARS)?;
        let note = note.trim();
        check_len("note", note, MAX_NOTE_CHARS)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO trademark_allowlist (org_id, brand, brand_key, kind, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(brand.clone())
        .bind(text_key(&brand))
        .bind(kind.as_str())
        .bind(note.to_string())
        .bind(time::to_text(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: format!("'{brand}' is already on the allowlist"),
                }
            } else {
                e.into()
            }
        })?;
        let id = get_i64(&row, "id")?;
        let stored = AllowedBrand {
            id,
            brand,
            kind,
            note: note.to_string(),
            created_at: time::from_text("now", &time::to_text(now))?,
        };
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "allowlist.add",
                entity_type: "allowed_brand",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&stored)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Removes a brand from the allowlist. Audited.
    pub async fn delete_allowed_brand(&self, actor: &Actor, id: i64) -> Result<AllowedBrand> {
        self.delete_owned(actor, id, &ALLOWED_BRANDS).await
    }
}

/// The message of an `Invalid` error without its "invalid input: " prefix.
fn inner(e: &StoreError) -> String {
    match e {
        StoreError::Invalid(m) => m.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::all_backends;

    fn mark(r: Option<&str>, text: &str, classes: &[u16], owner: &str) -> MarkInput {
        MarkInput {
            mark_ref: r.map(str::to_string),
            mark: text.into(),
            classes: classes.to_vec(),
            owner: owner.into(),
            markets: vec!["us".into(), "EU".into()],
            note: String::new(),
        }
    }

    #[tokio::test]
    async fn marks_add_edit_delete_import_audit_and_isolation() {
        for ts in all_backends().await {
            let label = ts.label();
            let org = ts.create_org("Acme").await.unwrap();
            let other = ts.create_org("Other").await.unwrap();
            let actor = Actor::new(org.id, None, "test");
            let intruder = Actor::new(other.id, None, "intruder");

            let a = ts
                .add_watch_mark(
                    &actor,
                    &mark(None, "  Air  Pods ", &[9, 9, 26], "Apple Inc."),
                )
                .await
                .unwrap();
            assert_eq!(a.mark, "Air Pods", "{label}");
            assert_eq!(a.mark_ref, "air pods");
            assert_eq!(a.classes, vec![9, 26]);
            assert_eq!(a.markets, vec!["EU", "US"]);
            // Same reference again: conflict.
            let dup = ts
                .add_watch_mark(&actor, &mark(None, "air pods", &[], ""))
                .await;
            assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
            // Bad class / market: refused by name.
            let bad = ts
                .add_watch_mark(&actor, &mark(None, "X", &[46], ""))
                .await
                .unwrap_err();
            assert!(bad.to_string().contains("46"), "{bad}");
            let mut bad_market = mark(None, "Y", &[], "");
            bad_market.markets = vec!["USA".into()];
            assert!(ts.add_watch_mark(&actor, &bad_market).await.is_err());

            let mut edited = mark(Some("US-123"), "AirPods", &[9], "Apple Inc.");
            edited.note = "seen on competitor listings".into();
            let b = ts.update_watch_mark(&actor, a.id, &edited).await.unwrap();
            assert_eq!(b.mark_ref, "US-123");
            assert_eq!(b.note, "seen on competitor listings");

            // Another organisation sees nothing and cannot change or delete it.
            assert!(ts.list_watch_marks(other.id).await.unwrap().is_empty());
            assert!(matches!(
                ts.get_watch_mark(other.id, a.id).await,
                Err(StoreError::NotFound { .. })
            ));
            assert!(matches!(
                ts.update_watch_mark(&intruder, a.id, &edited).await,
                Err(StoreError::NotFound { .. })
            ));
            assert!(matches!(
                ts.delete_watch_mark(&intruder, a.id).await,
                Err(StoreError::NotFound { .. })
            ));

            // Import: one existing (unchanged), one changed, one new.
            let file = vec![
                edited.clone(),
                mark(None, "Nike", &[25], "Nike, Inc."),
                mark(Some("EU-9"), "Lego", &[28], "LEGO A/S"),
            ];
            let o = ts.import_watch_marks(&actor, &file, "w.csv").await.unwrap();
            assert_eq!((o.created, o.updated, o.unchanged), (2, 0, 1), "{label}");
            let again = ts.import_watch_marks(&actor, &file, "w.csv").await.unwrap();
            assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
            let mut changed = file.clone();
            changed[1].owner = "Nike Innovate C.V.".into();
            let o = ts
                .import_watch_marks(&actor, &changed, "w.csv")
                .await
                .unwrap();
            assert_eq!((o.created, o.updated, o.unchanged), (0, 1, 2));
            // A bad row or a duplicate refuses everything.
            let mut bad_file = changed.clone();
            bad_file.push(mark(None, "Adidas", &[25], ""));
            bad_file.push(mark(None, "", &[], ""));
            let err = ts
                .import_watch_marks(&actor, &bad_file, "w.csv")
                .await
                .unwrap_err();
            assert!(err.to_string().contains("mark #5"), "{err}");
            let dup_file = vec![mark(None, "Puma", &[], ""), mark(None, "PUMA", &[], "")];
            let err = ts
                .import_watch_marks(&actor, &dup_file, "w.csv")
                .await
                .unwrap_err();
            assert!(err.to_string().contains("mark #2"), "{err}");
            let marks = ts.list_watch_marks(org.id).await.unwrap();
            assert_eq!(marks.len(), 3, "{label}: nothing from refused imports");
            assert_eq!(ts.count_watch_marks(org.id).await.unwrap(), 3);
            // An import into the other organisation does not touch ours.
            ts.import_watch_marks(&intruder, &file, "x.csv")
                .await
                .unwrap();
            assert_eq!(ts.list_watch_marks(org.id).await.unwrap(), marks);

            let removed = ts.delete_watch_mark(&actor, a.id).await.unwrap();
            assert_eq!(removed.mark, "AirPods");
            assert_eq!(ts.list_watch_marks(org.id).await.unwrap().len(), 2);

            let audit = ts
                .list_audit(org.id, &crate::AuditQuery::default())
                .await
                .unwrap();
            let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
            for want in [
                "watchlist.add",
                "watchlist.update",
                "watchlist.import",
                "watchlist.delete",
            ] {
                assert!(actions.contains(&want), "{label}: {want} in {actions:?}");
            }
            assert_eq!(
                actions.iter().filter(|a| **a == "watchlist.import").count(),
                2,
                "{label}: unchanged re-import writes no audit row: {actions:?}"
            );
        }
    }

    #[tokio::test]
    async fn allowlist_add_delete_audit_and_isolation() {
        for ts in all_backends().await {
            let label = ts.label();
            let org = ts.create_org("Acme").await.unwrap();
            let other = ts.create_org("Other").await.unwrap();
            let actor = Actor::new(org.id, None, "test");
            let b = ts
                .add_allowed_brand(&actor, " Voltly ", BrandKind::Own, "")
                .await
                .unwrap();
            assert_eq!(b.brand, "Voltly", "{label}");
            assert!(matches!(
                ts.add_allowed_brand(&actor, "VOLTLY", BrandKind::Licensed, "")
                    .await,
                Err(StoreError::Conflict { .. })
            ));
            ts.add_allowed_brand(&actor, "Anker", BrandKind::Licensed, "licence 2026")
                .await
                .unwrap();
            let list = ts.list_allowed_brands(org.id).await.unwrap();
            assert_eq!(
                list.iter().map(|b| b.brand.as_str()).collect::<Vec<_>>(),
                ["Anker", "Voltly"]
            );
            assert_eq!(list[0].kind, BrandKind::Licensed);
            assert!(ts.list_allowed_brands(other.id).await.unwrap().is_empty());
            let intruder = Actor::new(other.id, None, "intruder");
            assert!(matches!(
                ts.delete_allowed_brand(&intruder, b.id).await,
                Err(StoreError::NotFound { .. })
            ));
            ts.delete_allowed_brand(&actor, b.id).await.unwrap();
            assert_eq!(ts.list_allowed_brands(org.id).await.unwrap().len(), 1);
            let audit = ts
                .list_audit(org.id, &crate::AuditQuery::default())
                .await
                .unwrap();
            let n = audit
                .items
                .iter()
                .filter(|e| e.action.starts_with("allowlist."))
                .count();
            assert_eq!(n, 3, "{label}");
        }
    }
}
