//! The organisation's trade profile (exporter identity and tax/customs registrations printed on customs
//! documents) and the audit of customs-document overrides.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, OrgId};
use crate::time;

/// Limits keep a profile printable and the row small.
pub const MAX_FIELD_CHARS: usize = 200;
/// Address lines.
pub const MAX_ADDRESS_LINES: usize = 6;
/// Registrations per organisation.
pub const MAX_REGISTRATIONS: usize = 40;

/// A tax or customs registration: scheme code (`EORI`, `IOSS`, `EU_VAT`, `UK_VAT`, `AU_GST`, `NZ_GST`,
/// `NO_VOEC`, `CH_VAT`, `SG_OVR`, `CA_GST`), the number, and for `EU_VAT` the member state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeRegistration {
    pub scheme: String,
    pub number: String,
    #[serde(default)]
    pub country: Option<String>,
}

/// The profile as edited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeProfileInput {
    /// Legal name in Latin script (as on the business licence's English name).
    pub legal_name: String,
    /// Name in the local script (e.g. the Chinese registered name); may be empty.
    #[serde(default)]
    pub local_name: String,
    /// Address lines (street, city and postcode ...), without the country.
    #[serde(default)]
    pub address: Vec<String>,
    /// Country of establishment, ISO alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub registrations: Vec<TradeRegistration>,
}

/// A stored profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeProfile {
    pub org_id: OrgId,
    #[serde(flatten)]
    pub profile: TradeProfileInput,
    /// Increases with every change; pass it back to [`Store::put_trade_profile`].
    pub version: i64,
    pub updated_at: jiff::Timestamp,
    pub updated_by: String,
}

fn check_field(field: &str, value: &str) -> Result<()> {
    check_text(field, value)?;
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(StoreError::Invalid(format!(
            "{field}: {} characters; at most {MAX_FIELD_CHARS}",
            value.chars().count()
        )));
    }
    Ok(())
}

/// Trims every field and rejects what cannot be stored or printed.
fn normalise(mut p: TradeProfileInput) -> Result<TradeProfileInput> {
    p.legal_name = p.legal_name.trim().to_string();
    if p.legal_name.is_empty() {
        return Err(StoreError::Invalid(
            "legal_name: empty; expected the exporter's legal name".into(),
        ));
    }
    for (field, value) in [
        ("legal_name", &mut p.legal_name),
        ("local_name", &mut p.local_name),
        ("contact_name", &mut p.contact_name),
        ("phone", &mut p.phone),
        ("email", &mut p.email),
    ] {
        *value = value.trim().to_string();
        check_field(field, value)?;
    }
    p.address = p
        .address
        .into_iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if p.address.len() > MAX_ADDRESS_LINES {
        return Err(StoreError::Invalid(format!(
            "address: {} lines; at most {MAX_ADDRESS_LINES}",
            p.address.len()
        )));
    }
    for (i, l) in p.address.iter().enumerate() {
        check_field(&format!("address[{i}]"), l)?;
    }
    p.country = p
        .country
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty());
    if let Some(c) = &p.country
        && (c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(StoreError::Invalid(format!(
            "country: '{c}'; expected an ISO 3166 alpha-2 code such as CN"
        )));
    }
    if p.registrations.len() > MAX_REGISTRATIONS {
        return Err(StoreError::Invalid(format!(
            "registrations: {}; at most {MAX_REGISTRATIONS}",
            p.registrations.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, r) in p.registrations.iter_mut().enumerate() {
        r.scheme = r.scheme.trim().to_ascii_uppercase();
        r.number = r.number.trim().to_ascii_uppercase();
        r.country = r
            .country
            .take()
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty());
        check_field(&format!("registrations[{i}].scheme"), &r.scheme)?;
        check_field(&format!("registrations[{i}].number"), &r.number)?;
        if r.number.is_empty() {
            return Err(StoreError::Invalid(format!(
                "registrations[{i}].number: empty"
            )));
        }
        if !seen.insert((r.scheme.clone(), r.country.clone())) {
            return Err(StoreError::Invalid(format!(
                "registrations[{i}]: a second {} number{}; keep one per scheme and country",
                r.scheme,
                r.country
                    .as_deref()
                    .map(|c| format!(" for {c}"))
                    .unwrap_or_default()
            )));
        }
    }
    Ok(p)
}

const COLUMNS: &str = "org_id, legal_name, local_name, address_json, country, contact_name, phone, email, \
     registrations_json, version, updated_at, updated_by";

fn from_row(row: &AnyRow) -> Result<TradeProfile> {
    let json = |col: &str| -> Result<String> { get_string(row, col) };
    let address: Vec<String> = serde_json::from_str(&json("address_json")?)
        .map_err(|e| StoreError::corrupt(format!("trade_profiles.address_json: {e}")))?;
    let registrations: Vec<TradeRegistration> = serde_json::from_str(&json("registrations_json")?)
        .map_err(|e| StoreError::corrupt(format!("trade_profiles.registrations_json: {e}")))?;
    Ok(TradeProfile {
        org_id: OrgId(get_i64(row, "org_id")?),
        profile: TradeProfileInput {
            legal_name: get_string(row, "legal_name")?,
            local_name: get_string(row, "local_name")?,
            address,
            country: get_opt_string(row, "country")?,
            contact_name: get_string(row, "contact_name")?,
            phone: get_string(row, "phone")?,
            email: get_string(row, "email")?,
            registrations,
        },
        version: get_i64(row, "version")?,
        updated_at: time::from_text("trade_profiles.updated_at", &get_string(row, "updated_at")?)?,
        updated_by: get_string(row, "updated_by")?,
    })
}

impl Store {
    /// The organisation's trade profile; `None` until one is saved.
    pub async fn trade_profile(&self, org: OrgId) -> Result<Option<TradeProfile>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM trade_profiles WHERE org_id = $1"
        )))
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Creates or replaces the profile. `expected_version` is the version the caller read (`None` when it saw
    /// no profile): a different current version is a [`StoreError::VersionMismatch`]. Saving an unchanged
    /// profile writes nothing. Audited (before/after) in the same transaction.
    pub async fn put_trade_profile(
        &self,
        actor: &Actor,
        input: TradeProfileInput,
        expected_version: Option<i64>,
    ) -> Result<TradeProfile> {
        let p = normalise(input)?;
        let address_json = audit::json(&p.address)?;
        let regs_json = audit::json(&p.registrations)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let current = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM trade_profiles WHERE org_id = $1"
        )))
        .bind(actor.org_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?;
        if current.as_ref().map(|c| c.version) != expected_version {
            return Err(StoreError::VersionMismatch);
        }
        if let Some(c) = current.as_ref().filter(|c| c.profile == p) {
            let unchanged = c.clone();
            tx.commit().await?;
            return Ok(unchanged);
        }
        let version = current.as_ref().map_or(1, |c| c.version + 1);
        let q = if current.is_some() {
            "UPDATE trade_profiles SET legal_name = $2, local_name = $3, address_json = $4, country = $5, \
             contact_name = $6, phone = $7, email = $8, registrations_json = $9, version = $10, updated_at = $11, \
             updated_by = $12 WHERE org_id = $1"
        } else {
            "INSERT INTO trade_profiles (org_id, legal_name, local_name, address_json, country, contact_name, \
             phone, email, registrations_json, version, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        };
        sqlx::query(q)
            .bind(actor.org_id.0)
            .bind(p.legal_name.clone())
            .bind(p.local_name.clone())
            .bind(address_json)
            .bind(p.country.clone())
            .bind(p.contact_name.clone())
            .bind(p.phone.clone())
            .bind(p.email.clone())
            .bind(regs_json)
            .bind(version)
            .bind(time::to_text(now))
            .bind(actor.label.clone())
            .execute(&mut *tx)
            .await?;
        let stored = TradeProfile {
            org_id: actor.org_id,
            profile: p,
            version,
            updated_at: now,
            updated_by: actor.label.clone(),
        };
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: if current.is_some() {
                    "trade_profile.update"
                } else {
                    "trade_profile.create"
                },
                entity_type: "trade_profile",
                entity_id: actor.org_id.0.to_string(),
                batch_id: None,
                before: current
                    .as_ref()
                    .map(|c| audit::json(&c.profile))
                    .transpose()?,
                after: Some(audit::json(&stored.profile)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Records that customs documents were issued although the declaration checks found errors: who, which
    /// invoice, the reason given and the findings overridden. The caller checks the role (owners only).
    pub async fn record_customs_override(
        &self,
        actor: &Actor,
        invoice_number: &str,
        details: &serde_json::Value,
    ) -> Result<()> {
        check_field("invoice number", invoice_number)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "customs_documents.override",
                entity_type: "customs_declaration",
                entity_id: invoice_number.to_string(),
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
mod tests {
    use super::*;
    use crate::testing::all_backends;

    fn input() -> TradeProfileInput {
        TradeProfileInput {
            legal_name: " Shenzhen Example Trading Co., Ltd. ".into(),
            local_name: "深圳市示例贸易有限公司".into(),
            address: vec!["1 Example Road".into(), "".into(), "Shenzhen 518000".into()],
            country: Some("cn".into()),
            contact_name: "Li Wei".into(),
            phone: "+86 755 0000 0000".into(),
            email: "export@example.com".into(),
            registrations: vec![
                TradeRegistration {
                    scheme: "ioss".into(),
                    number: "im2760000001".into(),
                    country: None,
                },
                TradeRegistration {
                    scheme: "EU_VAT".into(),
                    number: "DE123456789".into(),
                    country: Some("de".into()),
                },
            ],
        }
    }

    #[tokio::test]
    async fn profile_round_trip_versions_audit_and_isolation() {
        for ts in all_backends().await {
            let org = ts.create_org("Acme").await.unwrap();
            let other = ts.create_org("Other").await.unwrap();
            let actor = Actor::new(org.id, None, "test");
            assert!(
                ts.trade_profile(org.id).await.unwrap().is_none(),
                "{}",
                ts.label()
            );
            let saved = ts.put_trade_profile(&actor, input(), None).await.unwrap();
            assert_eq!(saved.version, 1);
            assert_eq!(
                saved.profile.legal_name,
                "Shenzhen Example Trading Co., Ltd."
            );
            assert_eq!(
                saved.profile.address,
                vec!["1 Example Road", "Shenzhen 518000"]
            );
            assert_eq!(saved.profile.country.as_deref(), Some("CN"));
            assert_eq!(saved.profile.registrations[0].number, "IM2760000001");
            let read = ts.trade_profile(org.id).await.unwrap().unwrap();
            assert_eq!(read.profile, saved.profile, "{}", ts.label());
            // Unchanged: nothing written, version stays.
            let again = ts
                .put_trade_profile(&actor, input(), Some(1))
                .await
                .unwrap();
            assert_eq!(again.version, 1);
            // Stale version: rejected.
            let mut changed = input();
            changed.phone = "+86 1".into();
            assert!(matches!(
                ts.put_trade_profile(&actor, changed.clone(), None).await,
                Err(StoreError::VersionMismatch)
            ));
            let v2 = ts
                .put_trade_profile(&actor, changed, Some(1))
                .await
                .unwrap();
            assert_eq!(v2.version, 2);
            // Another organisation sees nothing and its own write does not touch ours.
            assert!(ts.trade_profile(other.id).await.unwrap().is_none());
            let audit = ts
                .list_audit(org.id, &crate::AuditQuery::default())
                .await
                .unwrap();
            let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
            assert_eq!(
                actions
                    .iter()
                    .filter(|a| a.starts_with("trade_profile."))
                    .count(),
                2,
                "{actions:?}"
            );
            ts.record_customs_override(
                &actor,
                "INV-1",
                &serde_json::json!({"reason": "broker confirmed"}),
            )
            .await
            .unwrap();
            let audit = ts
                .list_audit(org.id, &crate::AuditQuery::default())
                .await
                .unwrap();
            assert!(
                audit
                    .items
                    .iter()
                    .any(|e| e.action == "customs_documents.override" && e.entity_id == "INV-1")
            );
            let other_audit = ts
                .list_audit(other.id, &crate::AuditQuery::default())
                .await
                .unwrap();
            assert!(
                other_audit
                    .items
                    .iter()
                    .all(|e| !e.action.starts_with("trade_profile")
                        && !e.action.starts_with("customs_documents"))
            );
        }
    }

    #[tokio::test]
    async fn bad_profiles_are_rejected_with_the_field_named() {
        for ts in all_backends().await {
            let org = ts.create_org("Acme").await.unwrap();
            let actor = Actor::new(org.id, None, "test");
            let mut p = input();
            p.legal_name = "  ".into();
            let e = ts
                .put_trade_profile(&actor, p, None)
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains("legal_name"), "{e}");
            let mut p = input();
            p.phone = "a\0b".into();
            let e = ts
                .put_trade_profile(&actor, p, None)
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains("phone"), "{e}");
            let mut p = input();
            p.registrations.push(p.registrations[0].clone());
            let e = ts
                .put_trade_profile(&actor, p, None)
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains("registrations[2]"), "{e}");
            let mut p = input();
            p.country = Some("China".into());
            let e = ts
                .put_trade_profile(&actor, p, None)
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains("country"), "{e}");
            assert!(ts.trade_profile(org.id).await.unwrap().is_none());
        }
    }
}
