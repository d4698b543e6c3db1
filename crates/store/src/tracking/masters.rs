//! Forwarder master shipments: one container or air consignment carrying many shipments. A
//! shipment joins a master through its main-carriage leg (`shipment_legs.master_id`); events
//! whose tracking number is the master's reference (container number, master AWB or B/L) are
//! stored once per member shipment (see the batch ingest).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tradelane_tracking::LegKind;
use tradelane_tracking::event::canonical_tracking_number;
use tradelane_tracking::model::{MainCarriageRefs, TransportMode};

use super::{ShipmentId, clean_refs, from_json, mode_from_text, mode_text, to_json};
use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_opt_i64, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, OrgId};
use crate::time;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMasterShipment {
    /// Container number, master AWB or master B/L: the reference the master's events carry.
    pub reference: String,
    pub forwarder: String,
    pub mode: TransportMode,
    #[serde(default)]
    pub refs: MainCarriageRefs,
    /// Shipments travelling in it (more can be added later).
    #[serde(default)]
    pub shipments: Vec<ShipmentId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterMember {
    pub id: ShipmentId,
    pub reference: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMasterShipment {
    pub id: i64,
    pub reference: String,
    pub forwarder: String,
    pub mode: TransportMode,
    pub refs: MainCarriageRefs,
    pub shipments: Vec<MasterMember>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One event of a master shipment's own reference and the member shipments it was stored on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterEvent {
    pub event: tradelane_tracking::NormalizedEvent,
    pub shipments: Vec<ShipmentId>,
}

fn master_from_row(r: &AnyRow, shipments: Vec<MasterMember>) -> Result<StoredMasterShipment> {
    Ok(StoredMasterShipment {
        id: get_i64(r, "id")?,
        reference: get_string(r, "reference")?,
        forwarder: get_string(r, "forwarder")?,
        mode: mode_from_text(&get_string(r, "mode")?)?,
        refs: from_json("master_shipments.refs_json", &get_string(r, "refs_json")?)?,
        shipments,
        created_at: time::from_text("master_shipments.created_at", &get_string(r, "created_at")?)?,
        updated_at: time::from_text("master_shipments.updated_at", &get_string(r, "updated_at")?)?,
    })
}

async fn members(conn: &mut AnyConnection, org: OrgId, master: i64) -> Result<Vec<MasterMember>> {
    sqlx::query(
        "SELECT DISTINCT s.id, s.reference, s.status FROM shipment_legs l \
         JOIN shipments s ON s.id = l.shipment_id AND s.org_id = l.org_id \
         WHERE l.org_id = $1 AND l.master_id = $2 ORDER BY s.id",
    )
    .bind(org.0)
    .bind(master)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(MasterMember {
            id: ShipmentId(get_i64(r, "id")?),
            reference: get_string(r, "reference")?,
            status: get_string(r, "status")?,
        })
    })
    .collect()
}

async fn fetch_master(
    conn: &mut AnyConnection,
    org: OrgId,
    id: i64,
) -> Result<StoredMasterShipment> {
    let row = sqlx::query(
        "SELECT id, reference, forwarder, mode, refs_json, created_at, updated_at \
         FROM master_shipments WHERE org_id = $1 AND id = $2",
    )
    .bind(org.0)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("master shipment", id))?;
    let list = members(conn, org, id).await?;
    master_from_row(&row, list)
}

/// Puts shipments into a master: their main-carriage leg points at it (a leg is added when the
/// shipment has none). Another organisation's shipment is not found.
async fn attach(
    conn: &mut AnyConnection,
    org: OrgId,
    master: i64,
    forwarder: &str,
    mode: TransportMode,
    shipments: &[ShipmentId],
) -> Result<()> {
    for s in shipments {
        let exists = sqlx::query("SELECT id FROM shipments WHERE id = $1 AND org_id = $2")
            .bind(s.0)
            .bind(org.0)
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Err(StoreError::not_found("shipment", s));
        }
        let leg = sqlx::query(
            "SELECT id, master_id FROM shipment_legs WHERE org_id = $1 AND shipment_id = $2 \
             AND kind = $3 ORDER BY seq LIMIT 1",
        )
        .bind(org.0)
        .bind(s.0)
        .bind(LegKind::MainCarriage.as_str().to_string())
        .fetch_optional(&mut *conn)
        .await?;
        match leg {
            Some(l) => {
                if let Some(other) = get_opt_i64(&l, "master_id")?
                    && other != master
                {
                    return Err(StoreError::Conflict {
                        what: format!(
                            "shipment {s} already travels in master shipment {other}; remove \
                             it there first"
                        ),
                    });
                }
                sqlx::query(
                    "UPDATE shipment_legs SET master_id = $1 WHERE id = $2 AND org_id = $3",
                )
                .bind(master)
                .bind(get_i64(&l, "id")?)
                .bind(org.0)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                let next = sqlx::query(
                    "SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM shipment_legs \
                     WHERE org_id = $1 AND shipment_id = $2",
                )
                .bind(org.0)
                .bind(s.0)
                .fetch_one(&mut *conn)
                .await?;
                sqlx::query(
                    "INSERT INTO shipment_legs (org_id, shipment_id, seq, kind, carrier, \
                     reference, mode, master_id) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
                )
                .bind(org.0)
                .bind(s.0)
                .bind(get_i64(&next, "n")?)
                .bind(LegKind::MainCarriage.as_str().to_string())
                .bind(forwarder.to_string())
                .bind(mode_text(mode))
                .bind(master)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

impl Store {
    /// Creates a master shipment and puts the given shipments in it.
    pub async fn create_master_shipment(
        &self,
        actor: &Actor,
        new: &NewMasterShipment,
    ) -> Result<StoredMasterShipment> {
        let reference = canonical_tracking_number(new.reference.trim());
        if reference.is_empty() {
            return Err(StoreError::Invalid(
                "reference is empty; give the container number or master AWB / B/L".into(),
            ));
        }
        check_text("reference", &reference)?;
        let forwarder = new.forwarder.trim();
        if forwarder.is_empty() {
            return Err(StoreError::Invalid("forwarder is empty".into()));
        }
        check_text("forwarder", forwarder)?;
        let refs = clean_refs(0, &new.refs)?;
        let now = time::now();
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO master_shipments (org_id, reference, forwarder, mode, refs_json, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(reference.clone())
        .bind(forwarder.to_string())
        .bind(mode_text(new.mode))
        .bind(to_json("master refs", &refs)?)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: format!("master shipment {reference} already exists"),
                }
            } else {
                e.into()
            }
        })?;
        let id = get_i64(&row, "id")?;
        attach(
            &mut tx,
            actor.org_id,
            id,
            forwarder,
            new.mode,
            &new.shipments,
        )
        .await?;
        let stored = fetch_master(&mut tx, actor.org_id, id).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "master_shipment.create",
                entity_type: "master_shipment",
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

    /// Adds shipments to an existing master shipment.
    pub async fn add_to_master_shipment(
        &self,
        actor: &Actor,
        id: i64,
        shipments: &[ShipmentId],
    ) -> Result<StoredMasterShipment> {
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = fetch_master(&mut tx, actor.org_id, id).await?;
        attach(
            &mut tx,
            actor.org_id,
            id,
            &before.forwarder,
            before.mode,
            shipments,
        )
        .await?;
        sqlx::query("UPDATE master_shipments SET updated_at = $1 WHERE id = $2 AND org_id = $3")
            .bind(time::to_text(now))
            .bind(id)
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        let after = fetch_master(&mut tx, actor.org_id, id).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "master_shipment.add",
                entity_type: "master_shipment",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&before.shipments)?),
                after: Some(audit::json(&after.shipments)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn get_master_shipment(&self, org: OrgId, id: i64) -> Result<StoredMasterShipment> {
        let mut conn = self.pool.acquire().await?;
        fetch_master(&mut conn, org, id).await
    }

    /// The events that arrived for the master's reference (container, master AWB / B/L) in time
    /// order, each with the member shipments it fanned out to.
    pub async fn master_events(&self, org: OrgId, id: i64) -> Result<Vec<MasterEvent>> {
        let master = self.get_master_shipment(org, id).await?;
        let rows = sqlx::query(
            "SELECT e.shipment_id, e.dedup_key, e.event_json FROM tracking_events e \
             WHERE e.org_id = $1 AND e.tracking_number = $2 AND e.shipment_id IN \
             (SELECT l.shipment_id FROM shipment_legs l WHERE l.org_id = $1 AND l.master_id = $3) \
             ORDER BY e.occurred_at, e.id",
        )
        .bind(org.0)
        .bind(master.reference.clone())
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<MasterEvent> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for r in &rows {
            let shipment = ShipmentId(get_i64(r, "shipment_id")?);
            let key = get_string(r, "dedup_key")?;
            match index.get(&key) {
                Some(i) => {
                    if !out[*i].shipments.contains(&shipment) {
                        out[*i].shipments.push(shipment);
                    }
                }
                None => {
                    index.insert(key, out.len());
                    out.push(MasterEvent {
                        event: from_json(
                            "tracking_events.event_json",
                            &get_string(r, "event_json")?,
                        )?,
                        shipments: vec![shipment],
                    });
                }
            }
        }
        Ok(out)
    }

    /// The organisation's master shipments, newest first.
    pub async fn list_master_shipments(&self, org: OrgId) -> Result<Vec<StoredMasterShipment>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, reference, forwarder, mode, refs_json, created_at, updated_at \
             FROM master_shipments WHERE org_id = $1 ORDER BY id DESC LIMIT 500",
        )
        .bind(org.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let list = members(&mut conn, org, get_i64(r, "id")?).await?;
            out.push(master_from_row(r, list)?);
        }
        Ok(out)
    }
}
