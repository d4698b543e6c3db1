//! Operator mapping overrides: an organisation maps a raw code or event text the built-in rules
//! did not understand to a status (and optionally an incident reason and leg). Overrides overlay
//! the built-in mapping files for that organisation only; adding or removing one re-classifies
//! the organisation's stored events of that carrier and re-derives the shipments whose events
//! changed, in the same transaction as the change and its audit row.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tradelane_tracking::mapping::{CodeRule, MappingFile, TextRule};
use tradelane_tracking::{
    IncidentReason, LegKind, MappingSet, NormalizedEvent, Normalizer, Status,
};

use super::batch::{V, insert_rows, rederive_ids};
use super::{from_json, to_json, unmapped_code_key};
use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, OrgId};
use crate::time;

/// What an override matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The raw code or category the carrier sent (exact, case-insensitive).
    Code,
    /// A keyword in the event text (case-insensitive for ASCII letters, exact otherwise).
    Text,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Code => "code",
            MatchKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Result<MatchKind> {
        match s.trim() {
            "code" => Ok(MatchKind::Code),
            "text" => Ok(MatchKind::Text),
            other => Err(StoreError::Invalid(format!(
                "match {other:?} is not known; expected code or text"
            ))),
        }
    }
}

/// A mapping override to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMappingOverride {
    /// Carrier id as events carry it (`ups`, `yunexpress`, a forwarder's name).
    pub carrier: String,
    pub match_kind: MatchKind,
    /// The code, or the keyword / phrase of the text.
    pub pattern: String,
    pub status: Status,
    pub reason: Option<IncidentReason>,
    pub leg: Option<LegKind>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingOverride {
    pub id: i64,
    pub carrier: String,
    pub match_kind: MatchKind,
    pub pattern: String,
    pub status: Status,
    pub reason: Option<IncidentReason>,
    pub leg: Option<LegKind>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// What re-classifying after an override change did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReclassifyReport {
    /// Stored events looked at (the carrier's, or all for the generic carrier).
    pub examined: usize,
    /// Events whose status, reason, leg or rule changed.
    pub reclassified: usize,
    /// Shipments re-derived because one of their events changed.
    pub shipments: usize,
}

/// An incident reason by its snake_case name (or an alias the mapping files accept).
pub fn parse_reason(text: &str) -> Result<IncidentReason> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_string())).map_err(|_| {
        StoreError::Invalid(format!(
            "reason {text:?} is not known; expected e.g. address_issue, recipient_absent, \
             duties_unpaid, damaged, refused, prohibited_item"
        ))
    })
}

fn override_from_row(r: &AnyRow) -> Result<MappingOverride> {
    let parse_status = |t: String| {
        t.parse::<Status>().map_err(|_| {
            StoreError::corrupt(format!("tracking_mapping_overrides.status holds {t:?}"))
        })
    };
    Ok(MappingOverride {
        id: get_i64(r, "id")?,
        carrier: get_string(r, "carrier")?,
        match_kind: MatchKind::parse(&get_string(r, "match_kind")?)
            .map_err(|e| StoreError::corrupt(e.to_string()))?,
        pattern: get_string(r, "pattern")?,
        status: parse_status(get_string(r, "status")?)?,
        reason: get_opt_string(r, "reason")?
            .map(|t| {
                parse_reason(&t).map_err(|_| {
                    StoreError::corrupt(format!("tracking_mapping_overrides.reason holds {t:?}"))
                })
            })
            .transpose()?,
        leg: get_opt_string(r, "leg")?
            .map(|t| {
                t.parse::<LegKind>().map_err(|_| {
                    StoreError::corrupt(format!("tracking_mapping_overrides.leg holds {t:?}"))
                })
            })
            .transpose()?,
        note: get_opt_string(r, "note")?,
        created_by: get_string(r, "created_by")?,
        created_at: time::from_text(
            "tracking_mapping_overrides.created_at",
            &get_string(r, "created_at")?,
        )?,
    })
}

async fn load_overrides(conn: &mut AnyConnection, org: OrgId) -> Result<Vec<MappingOverride>> {
    sqlx::query(
        "SELECT id, carrier, match_kind, pattern, status, reason, leg, note, created_by, \
         created_at FROM tracking_mapping_overrides WHERE org_id = $1 ORDER BY id",
    )
    .bind(org.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(override_from_row)
    .collect()
}

/// The overrides as mapping files, one per carrier. A code override matches the raw code and
/// the raw category (the unmapped report lists whichever the carrier sent).
pub fn override_files(overrides: &[MappingOverride]) -> Vec<(String, MappingFile)> {
    let mut by_carrier: BTreeMap<&str, Vec<&MappingOverride>> = BTreeMap::new();
    for o in overrides {
        by_carrier.entry(&o.carrier).or_default().push(o);
    }
    by_carrier
        .into_iter()
        .map(|(carrier, list)| {
            let mut file = MappingFile {
                id: carrier.to_string(),
                name: None,
                aliases: Vec::new(),
                default_leg: None,
                default_zone: None,
                date_order: Default::default(),
                use_generic: true,
                source: Some("organisation mapping overrides".into()),
                codes: Vec::new(),
                texts: Vec::new(),
                categories: Vec::new(),
            };
            for o in list {
                match o.match_kind {
                    MatchKind::Code => {
                        let rule = |suffix: &str| CodeRule {
                            id: format!("org.{}.{suffix}.{}", o.carrier, o.id),
                            codes: vec![o.pattern.clone()],
                            ranges: Vec::new(),
                            status: o.status,
                            reason: o.reason,
                            leg: o.leg,
                            note: o.note.clone(),
                        };
                        file.codes.push(rule("code"));
                        file.categories.push(rule("category"));
                    }
                    MatchKind::Text => file.texts.push(TextRule {
                        id: format!("org.{}.text.{}", o.carrier, o.id),
                        keywords: vec![o.pattern.clone()],
                        regex: None,
                        status: Some(o.status),
                        reason: o.reason,
                        leg: o.leg,
                        note: o.note.clone(),
                    }),
                }
            }
            (format!("org-overrides-{carrier}.toml"), file)
        })
        .collect()
}

fn builtin() -> Result<Arc<Normalizer>> {
    static BUILTIN: OnceLock<std::result::Result<Arc<Normalizer>, String>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| {
            MappingSet::builtin()
                .map(|m| Arc::new(Normalizer::new(m)))
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| StoreError::Invalid(format!("built-in mapping files: {e}")))
}

/// Normalisers built from overrides, keyed by a fingerprint of the override rows (so a change
/// by another process or connection is picked up on the next call).
type Cache = Mutex<HashMap<u64, Arc<Normalizer>>>;

fn normalizer_for(overrides: &[MappingOverride]) -> Result<Arc<Normalizer>> {
    if overrides.is_empty() {
        return builtin();
    }
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for o in overrides {
        (
            o.id,
            &o.carrier,
            o.match_kind,
            &o.pattern,
            o.status.as_str(),
            o.reason.map(|r| r.as_str()),
            o.leg.map(|l| l.as_str()),
        )
            .hash(&mut h);
    }
    let key = h.finish();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(n) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(n);
    }
    let set = MappingSet::builtin_with_files(override_files(overrides))
        .map_err(|e| StoreError::Invalid(format!("mapping override: {e}")))?;
    let n = Arc::new(Normalizer::new(set));
    if let Ok(mut c) = cache.lock() {
        if c.len() > 64 {
            c.clear();
        }
        c.insert(key, n.clone());
    }
    Ok(n)
}

impl Store {
    /// The normaliser for an organisation: the built-in mappings overlaid with its overrides.
    pub async fn org_normalizer(&self, org: OrgId) -> Result<Arc<Normalizer>> {
        let mut conn = self.pool.acquire().await?;
        let overrides = load_overrides(&mut conn, org).await?;
        normalizer_for(&overrides)
    }

    /// The organisation's mapping overrides, oldest first.
    pub async fn list_mapping_overrides(&self, org: OrgId) -> Result<Vec<MappingOverride>> {
        let mut conn = self.pool.acquire().await?;
        load_overrides(&mut conn, org).await
    }

    /// Adds (or replaces, for the same carrier, kind and pattern) a mapping override, then
    /// re-classifies the stored events it may concern and re-derives the shipments whose events
    /// changed. One transaction with its audit row.
    pub async fn add_mapping_override(
        &self,
        actor: &Actor,
        new: &NewMappingOverride,
    ) -> Result<(MappingOverride, ReclassifyReport)> {
        let carrier = new.carrier.trim();
        if carrier.is_empty() {
            return Err(StoreError::Invalid(
                "carrier is empty; give the carrier id the events carry (e.g. ups)".into(),
            ));
        }
        check_text("carrier", carrier)?;
        // A known carrier's alias ("UPS", "云途") is stored under its mapping id; an unknown one
        // under the folded key the normaliser gives that carrier's events ("Acme_Forwarder" →
        // "acmeforwarder"), so the override finds the events it is meant to re-classify.
        let builtin = builtin()?;
        let carrier = builtin
            .mappings()
            .carrier(carrier)
            .map(|c| c.id.clone())
            .unwrap_or_else(|| tradelane_tracking::mapping::alias_key(carrier));
        let carrier = carrier.as_str();
        let pattern = match new.match_kind {
            MatchKind::Code => new.pattern.trim().to_ascii_uppercase(),
            MatchKind::Text => new.pattern.trim().to_string(),
        };
        if pattern.is_empty() {
            return Err(StoreError::Invalid(
                "pattern is empty; give the code or a phrase of the event text".into(),
            ));
        }
        if pattern.chars().count() > 500 {
            return Err(StoreError::Invalid(
                "pattern is longer than 500 characters; use a shorter phrase".into(),
            ));
        }
        check_text("pattern", &pattern)?;
        if new.status == Status::Unknown {
            return Err(StoreError::Invalid(
                "status unknown cannot be a mapping; choose the status the event means".into(),
            ));
        }
        let note = new
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if let Some(n) = &note {
            check_text("note", n)?;
        }
        let now = time::now();
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = sqlx::query(
            "SELECT id, carrier, match_kind, pattern, status, reason, leg, note, created_by, \
             created_at FROM tracking_mapping_overrides WHERE org_id = $1 AND carrier = $2 \
             AND match_kind = $3 AND pattern = $4",
        )
        .bind(actor.org_id.0)
        .bind(carrier.to_string())
        .bind(new.match_kind.as_str().to_string())
        .bind(pattern.clone())
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| override_from_row(&r))
        .transpose()?;
        if let Some(b) = &before {
            sqlx::query("DELETE FROM tracking_mapping_overrides WHERE id = $1 AND org_id = $2")
                .bind(b.id)
                .bind(actor.org_id.0)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query(
            "INSERT INTO tracking_mapping_overrides (org_id, carrier, match_kind, pattern, status, \
             reason, leg, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(carrier.to_string())
        .bind(new.match_kind.as_str().to_string())
        .bind(pattern.clone())
        .bind(new.status.as_str().to_string())
        .bind(new.reason.map(|r| r.as_str().to_string()))
        .bind(new.leg.map(|l| l.as_str().to_string()))
        .bind(note.clone())
        .bind(actor.label.clone())
        .bind(at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let id = get_i64(&row, "id")?;
        let overrides = load_overrides(&mut tx, actor.org_id).await?;
        // Compile before touching events: a bad override fails here and changes nothing.
        let normalizer = normalizer_for(&overrides)?;
        let stored = overrides
            .iter()
            .find(|o| o.id == id)
            .cloned()
            .ok_or_else(|| StoreError::corrupt("mapping override vanished after insert"))?;
        let report = reclassify(&mut tx, self, actor.org_id, carrier, &normalizer, &at).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "tracking.mapping_override.add",
                entity_type: "tracking_mapping_override",
                entity_id: id.to_string(),
                batch_id: None,
                before: before.as_ref().map(audit::json).transpose()?,
                after: Some(audit::json(&serde_json::json!({
                    "override": stored,
                    "reclassified": report,
                }))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((stored, report))
    }

    /// Removes an override (another organisation's id is not found) and re-classifies.
    pub async fn delete_mapping_override(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<ReclassifyReport> {
        let now = time::now();
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = sqlx::query(
            "SELECT id, carrier, match_kind, pattern, status, reason, leg, note, created_by, \
             created_at FROM tracking_mapping_overrides WHERE org_id = $1 AND id = $2",
        )
        .bind(actor.org_id.0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| override_from_row(&r))
        .transpose()?
        .ok_or_else(|| StoreError::not_found("mapping override", id))?;
        sqlx::query("DELETE FROM tracking_mapping_overrides WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        let overrides = load_overrides(&mut tx, actor.org_id).await?;
        let normalizer = normalizer_for(&overrides)?;
        let report = reclassify(
            &mut tx,
            self,
            actor.org_id,
            &before.carrier,
            &normalizer,
            &at,
        )
        .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "tracking.mapping_override.delete",
                entity_type: "tracking_mapping_override",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&before)?),
                after: Some(audit::json(&serde_json::json!({"reclassified": report}))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}

/// Re-classifies the organisation's stored events of `carrier` (every event when the override
/// is on the generic rules), rewrites the changed ones, rebuilds the carrier's unmapped counts
/// from what is still unknown and re-derives the shipments whose events changed.
async fn reclassify(
    conn: &mut AnyConnection,
    store: &Store,
    org: OrgId,
    carrier: &str,
    normalizer: &Normalizer,
    at: &str,
) -> Result<ReclassifyReport> {
    let generic = carrier == tradelane_tracking::mapping::GENERIC_ID;
    // Events name the canonical carrier id; an override may use an alias of it.
    let canonical = normalizer
        .mappings()
        .carrier(carrier)
        .map(|c| c.id.clone())
        .unwrap_or_else(|| carrier.to_string());
    let rows = if generic {
        sqlx::query("SELECT id, shipment_id, event_json FROM tracking_events WHERE org_id = $1")
            .bind(org.0)
            .fetch_all(&mut *conn)
            .await?
    } else {
        sqlx::query(
            "SELECT id, shipment_id, event_json FROM tracking_events \
             WHERE org_id = $1 AND (carrier = $2 OR carrier = $3)",
        )
        .bind(org.0)
        .bind(carrier.to_string())
        .bind(canonical.clone())
        .fetch_all(&mut *conn)
        .await?
    };
    let mut report = ReclassifyReport {
        examined: rows.len(),
        ..ReclassifyReport::default()
    };
    let mut shipments: BTreeSet<i64> = BTreeSet::new();
    let mut carriers: BTreeSet<String> = BTreeSet::new();
    for row in &rows {
        let event: NormalizedEvent = from_json(
            "tracking_events.event_json",
            &get_string(row, "event_json")?,
        )?;
        carriers.insert(event.carrier.clone());
        let Some(after) = normalizer.reclassify(&event) else {
            continue;
        };
        sqlx::query(
            "UPDATE tracking_events SET status = $1, leg = $2, event_json = $3 \
             WHERE id = $4 AND org_id = $5",
        )
        .bind(after.status.as_str().to_string())
        .bind(after.leg.as_str().to_string())
        .bind(to_json("normalised event", &after)?)
        .bind(get_i64(row, "id")?)
        .bind(org.0)
        .execute(&mut *conn)
        .await?;
        report.reclassified += 1;
        shipments.insert(get_i64(row, "shipment_id")?);
    }
    // The unmapped report of these carriers, recounted from the events still unknown.
    for c in &carriers {
        sqlx::query("DELETE FROM tracking_unmapped WHERE org_id = $1 AND carrier = $2")
            .bind(org.0)
            .bind(c.clone())
            .execute(&mut *conn)
            .await?;
        let unknown = sqlx::query(
            "SELECT event_json FROM tracking_events WHERE org_id = $1 AND carrier = $2 \
             AND status = 'unknown'",
        )
        .bind(org.0)
        .bind(c.clone())
        .fetch_all(&mut *conn)
        .await?;
        let mut tally: BTreeMap<String, (i64, String, String, Option<String>)> = BTreeMap::new();
        for r in &unknown {
            let e: NormalizedEvent =
                from_json("tracking_events.event_json", &get_string(r, "event_json")?)?;
            let seen = time::to_text(e.time.utc);
            let t = tally
                .entry(unmapped_code_key(&e))
                .or_insert_with(|| (0, seen.clone(), seen.clone(), None));
            t.0 += 1;
            if seen < t.1 {
                t.1 = seen.clone();
            }
            if seen > t.2 {
                t.2 = seen;
            }
            if t.3.is_none() {
                t.3 = e.raw_text.clone();
            }
        }
        let rows: Vec<Vec<V>> = tally
            .into_iter()
            .map(|(code, (n, first, last, sample))| {
                vec![
                    V::I(org.0),
                    V::T(c.clone()),
                    V::T(code),
                    V::OT(sample),
                    V::I(n),
                    V::T(first),
                    V::T(last),
                ]
            })
            .collect();
        insert_rows(
            conn,
            store.backend,
            "INSERT INTO tracking_unmapped (org_id, carrier, code_key, text_sample, event_count, \
             first_seen, last_seen)",
            "",
            7,
            &rows,
        )
        .await?;
    }
    let ids: Vec<i64> = shipments.into_iter().collect();
    report.shipments = ids.len();
    for block in ids.chunks(1_000) {
        rederive_ids(conn, store.backend, org, block, at).await?;
    }
    Ok(report)
}
