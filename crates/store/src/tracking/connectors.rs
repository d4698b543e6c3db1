//! Carrier tracking API connectors configured per organisation (DHL Shipment Tracking – Unified
//! API, UPS Track API, FedEx Track API). Credentials are write-only: they are read back only by
//! the poller ([`Store::connector_credentials`]); everything shown to people carries a hint
//! (`…k3Xz`) instead.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use super::to_json;
use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, bool_from_db, bool_to_db, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, OrgId};
use crate::time;

/// Which documented tracking API a connector calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    /// DHL Shipment Tracking – Unified API (`DHL-API-Key` header).
    DhlUnified,
    /// UPS Track API v1 (OAuth client credentials).
    UpsTrack,
    /// FedEx Track API (OAuth client credentials).
    FedexTrack,
}

impl ConnectorKind {
    pub const ALL: [ConnectorKind; 3] = [
        ConnectorKind::DhlUnified,
        ConnectorKind::UpsTrack,
        ConnectorKind::FedexTrack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorKind::DhlUnified => "dhl_unified",
            ConnectorKind::UpsTrack => "ups_track",
            ConnectorKind::FedexTrack => "fedex_track",
        }
    }

    pub fn parse(s: &str) -> Result<ConnectorKind> {
        ConnectorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "connector kind {s:?} is not known; expected dhl_unified, ups_track or \
                     fedex_track"
                ))
            })
    }

    /// The production endpoint of the API.
    pub fn default_base_url(self) -> &'static str {
        match self {
            ConnectorKind::DhlUnified => "https://api-eu.dhl.com",
            ConnectorKind::UpsTrack => "https://onlinetools.ups.com",
            ConnectorKind::FedexTrack => "https://apis.fedex.com",
        }
    }

    /// Carrier ids (mapping file ids) whose tracking numbers the connector polls.
    pub fn carriers(self) -> &'static [&'static str] {
        match self {
            ConnectorKind::DhlUnified => &["dhl_express", "dhl"],
            ConnectorKind::UpsTrack => &["ups"],
            ConnectorKind::FedexTrack => &["fedex"],
        }
    }

    /// Whether the API takes a client id + secret (OAuth) rather than one API key.
    pub fn uses_oauth(self) -> bool {
        !matches!(self, ConnectorKind::DhlUnified)
    }
}

/// Secrets of a connector. `Debug` never prints them.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorCredentials {
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
}

impl fmt::Debug for ConnectorCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConnectorCredentials(***)")
    }
}

impl ConnectorCredentials {
    /// The last four characters of the key (or client id) behind an ellipsis.
    pub fn hint(&self) -> String {
        let basis = self
            .api_key
            .as_deref()
            .or(self.client_id.as_deref())
            .unwrap_or("");
        let tail: String = basis
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if basis.chars().count() <= 8 {
            "…".to_string()
        } else {
            format!("…{tail}")
        }
    }

    fn check(&self, kind: ConnectorKind) -> Result<()> {
        let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if kind.uses_oauth() {
            if !present(&self.client_id) || !present(&self.client_secret) {
                return Err(StoreError::Invalid(format!(
                    "{} needs client_id and client_secret (OAuth client credentials)",
                    kind.as_str()
                )));
            }
        } else if !present(&self.api_key) {
            return Err(StoreError::Invalid(format!(
                "{} needs api_key",
                kind.as_str()
            )));
        }
        for v in [&self.api_key, &self.client_id, &self.client_secret]
            .into_iter()
            .flatten()
        {
            check_text("credential", v)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConnector {
    pub name: String,
    pub kind: ConnectorKind,
    /// Defaults to the API's production endpoint.
    pub base_url: Option<String>,
    pub credentials: ConnectorCredentials,
    /// Minutes between polls (5 to 1440).
    pub poll_minutes: u32,
}

/// A change to a connector; `None` keeps the stored value. Credentials given replace the
/// stored ones field by field (a blank field keeps the old secret), so a form can rotate a key
/// without ever showing the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorUpdate {
    pub name: Option<String>,
    pub base_url: Option<String>,
    pub enabled: Option<bool>,
    pub poll_minutes: Option<u32>,
    pub credentials: Option<ConnectorCredentials>,
}

impl ConnectorCredentials {
    /// `self` with the non-blank fields of `new` put over it.
    fn merged(&self, new: &ConnectorCredentials) -> ConnectorCredentials {
        let pick = |new: &Option<String>, old: &Option<String>| match new.as_deref().map(str::trim)
        {
            Some(v) if !v.is_empty() => Some(v.to_string()),
            _ => old.clone(),
        };
        ConnectorCredentials {
            api_key: pick(&new.api_key, &self.api_key),
            client_id: pick(&new.client_id, &self.client_id),
            client_secret: pick(&new.client_secret, &self.client_secret),
        }
    }
}

/// A connector as shown: never the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConnector {
    pub id: i64,
    pub org_id: OrgId,
    pub name: String,
    pub kind: ConnectorKind,
    pub base_url: String,
    pub credential_hint: String,
    pub enabled: bool,
    pub poll_minutes: u32,
    pub last_polled_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

impl StoredConnector {
    /// Whether a poll is due at `now`.
    pub fn due(&self, now: Timestamp) -> bool {
        self.enabled
            && self.last_polled_at.is_none_or(|last| {
                now.duration_since(last).as_secs() >= i64::from(self.poll_minutes) * 60
            })
    }
}

const COLUMNS: &str = "id, org_id, name, kind, base_url, credential_hint, enabled, poll_minutes, \
     last_polled_at, last_error, created_at";

fn connector_from_row(r: &AnyRow) -> Result<StoredConnector> {
    Ok(StoredConnector {
        id: get_i64(r, "id")?,
        org_id: OrgId(get_i64(r, "org_id")?),
        name: get_string(r, "name")?,
        kind: ConnectorKind::parse(&get_string(r, "kind")?)
            .map_err(|e| StoreError::corrupt(e.to_string()))?,
        base_url: get_string(r, "base_url")?,
        credential_hint: get_string(r, "credential_hint")?,
        enabled: bool_from_db(get_i64(r, "enabled")?),
        poll_minutes: u32::try_from(get_i64(r, "poll_minutes")?).unwrap_or(60),
        last_polled_at: time::opt_from_text(
            "carrier_connectors.last_polled_at",
            get_opt_string(r, "last_polled_at")?,
        )?,
        last_error: get_opt_string(r, "last_error")?,
        created_at: time::from_text(
            "carrier_connectors.created_at",
            &get_string(r, "created_at")?,
        )?,
    })
}

fn check_poll_minutes(minutes: u32) -> Result<()> {
    if (5..=1440).contains(&minutes) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "poll_minutes {minutes} is out of range; expected 5 to 1440"
        )))
    }
}

fn clean_base_url(kind: ConnectorKind, url: Option<&str>) -> Result<String> {
    let url = url
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(kind.default_base_url())
        .trim_end_matches('/')
        .to_string();
    check_base_url(&url)?;
    Ok(url)
}

fn check_base_url(url: &str) -> Result<()> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > 8
        && !url.contains(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "base_url {url:?} is not an http(s) URL such as https://api-eu.dhl.com"
        )))
    }
}

impl Store {
    pub async fn create_connector(
        &self,
        actor: &Actor,
        new: &NewConnector,
    ) -> Result<StoredConnector> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("connector name is empty".into()));
        }
        check_text("name", name)?;
        new.credentials.check(new.kind)?;
        let base_url = clean_base_url(new.kind, new.base_url.as_deref())?;
        check_poll_minutes(new.poll_minutes)?;
        let hint = new.credentials.hint();
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO carrier_connectors (org_id, name, kind, base_url, credentials, \
             credential_hint, enabled, poll_minutes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(name.to_string())
        .bind(new.kind.as_str().to_string())
        .bind(base_url.clone())
        .bind(to_json("credentials", &new.credentials)?)
        .bind(hint.clone())
        .bind(i64::from(new.poll_minutes))
        .bind(time::to_text(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: format!("connector {name} already exists in this organisation"),
                }
            } else {
                e.into()
            }
        })?;
        let id = get_i64(&row, "id")?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "carrier_connector.create",
                entity_type: "carrier_connector",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({
                    "name": name, "kind": new.kind, "base_url": base_url,
                    "credential_hint": hint, "poll_minutes": new.poll_minutes,
                }))?),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_connector(actor.org_id, id).await
    }

    pub async fn get_connector(&self, org: OrgId, id: i64) -> Result<StoredConnector> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM carrier_connectors WHERE org_id = $1 AND id = $2"
        )))
        .bind(org.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("connector", id))?;
        connector_from_row(&row)
    }

    pub async fn list_connectors(&self, org: OrgId) -> Result<Vec<StoredConnector>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM carrier_connectors WHERE org_id = $1 ORDER BY id"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(connector_from_row)
        .collect()
    }

    /// Every enabled connector of every organisation (for the periodic poll).
    pub async fn all_enabled_connectors(&self) -> Result<Vec<StoredConnector>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM carrier_connectors WHERE enabled = 1 ORDER BY org_id, id"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(connector_from_row)
        .collect()
    }

    /// The credentials, for the poller only (never shown).
    pub async fn connector_credentials(&self, org: OrgId, id: i64) -> Result<ConnectorCredentials> {
        let row =
            sqlx::query("SELECT credentials FROM carrier_connectors WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::not_found("connector", id))?;
        super::from_json(
            "carrier_connectors.credentials",
            &get_string(&row, "credentials")?,
        )
    }

    /// Records a poll's time and outcome (`error` None = success).
    pub async fn record_connector_poll(
        &self,
        org: OrgId,
        id: i64,
        at: Timestamp,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE carrier_connectors SET last_polled_at = $1, last_error = $2 \
             WHERE org_id = $3 AND id = $4",
        )
        .bind(time::to_text(at))
        .bind(error.map(|e| e.chars().take(500).collect::<String>()))
        .bind(org.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Enables or disables a connector.
    pub async fn set_connector_enabled(
        &self,
        actor: &Actor,
        id: i64,
        enabled: bool,
    ) -> Result<StoredConnector> {
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let done =
            sqlx::query("UPDATE carrier_connectors SET enabled = $1 WHERE org_id = $2 AND id = $3")
                .bind(bool_to_db(enabled))
                .bind(actor.org_id.0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("connector", id));
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "carrier_connector.enable",
                entity_type: "carrier_connector",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({"enabled": enabled}))?),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_connector(actor.org_id, id).await
    }

    /// Changes a connector's name, endpoint, interval, enabled flag or credentials (in one
    /// transaction with its audit row; the audit shows the credential hint, never a secret).
    pub async fn update_connector(
        &self,
        actor: &Actor,
        id: i64,
        change: &ConnectorUpdate,
    ) -> Result<StoredConnector> {
        let org = actor.org_id;
        let before = self.get_connector(org, id).await?;
        let name = match change.name.as_deref().map(str::trim) {
            Some("") => return Err(StoreError::Invalid("connector name is empty".into())),
            Some(n) => {
                check_text("name", n)?;
                n.to_string()
            }
            None => before.name.clone(),
        };
        let base_url = match change.base_url.as_deref() {
            Some(u) => clean_base_url(before.kind, Some(u))?,
            None => before.base_url.clone(),
        };
        let poll_minutes = change.poll_minutes.unwrap_or(before.poll_minutes);
        check_poll_minutes(poll_minutes)?;
        let enabled = change.enabled.unwrap_or(before.enabled);
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let (credentials, hint) = match &change.credentials {
            Some(new) => {
                let row = sqlx::query(
                    "SELECT credentials FROM carrier_connectors WHERE org_id = $1 AND id = $2",
                )
                .bind(org.0)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::not_found("connector", id))?;
                let old: ConnectorCredentials = super::from_json(
                    "carrier_connectors.credentials",
                    &get_string(&row, "credentials")?,
                )?;
                let merged = old.merged(new);
                merged.check(before.kind)?;
                let hint = merged.hint();
                (Some(to_json("credentials", &merged)?), hint)
            }
            None => (None, before.credential_hint.clone()),
        };
        let done = sqlx::query(
            "UPDATE carrier_connectors SET name = $1, base_url = $2, poll_minutes = $3, \
             enabled = $4, credentials = COALESCE($5, credentials), credential_hint = $6 \
             WHERE org_id = $7 AND id = $8",
        )
        .bind(name.clone())
        .bind(base_url.clone())
        .bind(i64::from(poll_minutes))
        .bind(bool_to_db(enabled))
        .bind(credentials.clone())
        .bind(hint.clone())
        .bind(org.0)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: format!("connector {name} already exists in this organisation"),
                }
            } else {
                e.into()
            }
        })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("connector", id));
        }
        let shown = |name: &str, url: &str, minutes: u32, enabled: bool, hint: &str| {
            serde_json::json!({
                "name": name, "base_url": url, "poll_minutes": minutes, "enabled": enabled,
                "credential_hint": hint,
            })
        };
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "carrier_connector.update",
                entity_type: "carrier_connector",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&shown(
                    &before.name,
                    &before.base_url,
                    before.poll_minutes,
                    before.enabled,
                    &before.credential_hint,
                ))?),
                after: Some(audit::json(&serde_json::json!({
                    "connector": shown(&name, &base_url, poll_minutes, enabled, &hint),
                    "credentials_replaced": credentials.is_some(),
                }))?),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_connector(org, id).await
    }

    /// Removes a connector (its credentials go with it).
    pub async fn delete_connector(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_connector(actor.org_id, id).await?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        sqlx::query("DELETE FROM carrier_connectors WHERE org_id = $1 AND id = $2")
            .bind(actor.org_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "carrier_connector.delete",
                entity_type: "carrier_connector",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&serde_json::json!({
                    "name": before.name, "kind": before.kind, "base_url": before.base_url,
                    "credential_hint": before.credential_hint,
                }))?),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tracking numbers a connector should poll: references of legs whose carrier is one of
    /// `carriers`, on shipments not yet in a final state.
    pub async fn numbers_to_poll(&self, org: OrgId, carriers: &[&str]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for c in carriers {
            let rows = sqlx::query(
                "SELECT DISTINCT l.reference FROM shipment_legs l \
                 JOIN shipments s ON s.id = l.shipment_id AND s.org_id = l.org_id \
                 WHERE l.org_id = $1 AND LOWER(l.carrier) = $2 AND l.reference IS NOT NULL \
                 AND s.status NOT IN ('delivered', 'returned', 'cancelled') \
                 ORDER BY l.reference LIMIT 5000",
            )
            .bind(org.0)
            .bind(c.to_string())
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                let n = get_string(&r, "reference")?;
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        Ok(out)
    }
}
