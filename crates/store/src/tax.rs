//! Tax obligations storage: the orders an organisation imports to measure its sales against the tax-registration
//! thresholds, and its tax profile (country of establishment, worldwide turnover, stock countries, the filing
//! schemes it is registered in).
//!
//! Import is one transaction keyed by order reference: a new reference is inserted, a reference whose content
//! changed is updated, an identical one is left alone (so re-importing a file writes nothing), with one audit
//! entry counting what changed.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use tradelane_domain::{Country, Currency, Decimal, Money, Subdivision};

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, bool_from_db, bool_to_db, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, ImportOutcome, OrgId};
use crate::time;

/// Rows per multi-row INSERT (11 parameters each).
const CHUNK: usize = 400;

/// One imported order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxOrder {
    /// The order's reference (its id in the export, or a key derived from its content).
    pub order_ref: String,
    pub date: Date,
    pub channel: String,
    pub destination: Country,
    pub subdivision: Option<Subdivision>,
    /// Net amount (excluding tax).
    pub net_amount: Money,
    /// The marketplace collected and remits the tax (facilitator / deemed supplier).
    pub marketplace_collected: bool,
}

impl TaxOrder {
    fn content_hash(&self) -> String {
        let text = format!(
            "{}|{}|{}|{}|{}|{}|{}",
            self.date,
            self.channel,
            self.destination.code(),
            self.subdivision.map_or("", |s| s.code()),
            self.net_amount.amount().normalize(),
            self.net_amount.currency().code(),
            self.marketplace_collected
        );
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// The seller as the thresholds need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxProfile {
    /// Country of establishment.
    pub established_in: Country,
    /// Worldwide turnover of the last 12 months, when known.
    pub global_turnover: Option<Money>,
    /// Countries where the seller holds stock.
    pub stock_countries: Vec<Country>,
    /// Filing schemes the seller is registered in ("EU-IOSS", "EU-OSS", "GB-VAT", ...).
    pub schemes: Vec<String>,
}

fn order_from_row(row: &AnyRow) -> Result<TaxOrder> {
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("tax order {what} '{v}'"));
    let date_text = get_string(row, "order_date")?;
    let dest = get_string(row, "destination")?;
    let sub = get_opt_string(row, "subdivision")?;
    let amount = get_string(row, "net_amount")?;
    let currency = get_string(row, "currency")?;
    Ok(TaxOrder {
        order_ref: get_string(row, "order_ref")?,
        date: date_text.parse().map_err(|_| corrupt("date", &date_text))?,
        channel: get_string(row, "channel")?,
        destination: Country::parse(&dest).map_err(|_| corrupt("destination", &dest))?,
        subdivision: sub
            .as_deref()
            .map(|s| Subdivision::parse(s).map_err(|_| corrupt("subdivision", s)))
            .transpose()?,
        net_amount: Money::new(
            amount
                .parse::<Decimal>()
                .map_err(|_| corrupt("amount", &amount))?,
            Currency::parse(&currency).map_err(|_| corrupt("currency", &currency))?,
        ),
        marketplace_collected: bool_from_db(get_i64(row, "marketplace_collected")?),
    })
}

fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl Store {
    /// Imports orders into the actor's organisation in one transaction: new references inserted, changed ones
    /// updated, identical ones left alone. Duplicate references within `orders` are refused and nothing is
    /// written. One audit entry records the counts when anything changed.
    pub async fn import_tax_orders(
        &self,
        actor: &Actor,
        orders: &[TaxOrder],
        source_label: &str,
    ) -> Result<ImportOutcome> {
        check_text("import source label", source_label)?;
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(orders.len());
        for (i, o) in orders.iter().enumerate() {
            check_text("order reference", &o.order_ref)?;
            check_text("channel", &o.channel)?;
            if o.order_ref.trim().is_empty() {
                return Err(StoreError::Invalid(format!(
                    "order #{}: the order reference is empty",
                    i + 1
                )));
            }
            if let Some(first) = seen.insert(o.order_ref.as_str(), i) {
                return Err(StoreError::Invalid(format!(
                    "order reference '{}' appears twice (orders #{} and #{})",
                    o.order_ref,
                    first + 1,
                    i + 1
                )));
            }
        }
        let now = time::now();
        let now_text = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let rows =
            sqlx::query("SELECT id, order_ref, content_hash FROM tax_orders WHERE org_id = $1")
                .bind(actor.org_id.0)
                .fetch_all(&mut *tx)
                .await?;
        let mut existing: HashMap<String, (i64, String)> = HashMap::with_capacity(rows.len());
        for r in &rows {
            existing.insert(
                get_string(r, "order_ref")?,
                (get_i64(r, "id")?, get_string(r, "content_hash")?),
            );
        }
        let mut new_rows: Vec<(&TaxOrder, String)> = Vec::new();
        let mut changed: Vec<(i64, &TaxOrder, String)> = Vec::new();
        let mut unchanged = 0u64;
        for o in orders {
            let hash = o.content_hash();
            match existing.get(&o.order_ref) {
                None => new_rows.push((o, hash)),
                Some((_, h)) if *h == hash => unchanged += 1,
                Some((id, _)) => changed.push((*id, o, hash)),
            }
        }
        for chunk in new_rows.chunks(CHUNK) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p: Vec<String> = (1..=11).map(|k| format!("${}", i * 11 + k)).collect();
                    format!("({})", p.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO tax_orders (org_id, order_ref, order_date, channel, destination, subdivision, \
                 net_amount, currency, marketplace_collected, content_hash, imported_at) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (o, hash) in chunk {
                q = q
                    .bind(actor.org_id.0)
                    .bind(o.order_ref.as_str())
                    .bind(o.date.to_string())
                    .bind(o.channel.as_str())
                    .bind(o.destination.code())
                    .bind(o.subdivision.map(|s| s.code()))
                    .bind(o.net_amount.amount().normalize().to_string())
                    .bind(o.net_amount.currency().code())
                    .bind(bool_to_db(o.marketplace_collected))
                    .bind(hash.as_str())
                    .bind(now_text.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        for (id, o, hash) in &changed {
            sqlx::query(
                "UPDATE tax_orders SET order_date = $1, channel = $2, destination = $3, subdivision = $4, \
                 net_amount = $5, currency = $6, marketplace_collected = $7, content_hash = $8, imported_at = $9 \
                 WHERE id = $10 AND org_id = $11",
            )
            .bind(o.date.to_string())
            .bind(o.channel.as_str())
            .bind(o.destination.code())
            .bind(o.subdivision.map(|s| s.code()))
            .bind(o.net_amount.amount().normalize().to_string())
            .bind(o.net_amount.currency().code())
            .bind(bool_to_db(o.marketplace_collected))
            .bind(hash.as_str())
            .bind(now_text.as_str())
            .bind(*id)
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        }
        let created = new_rows.len() as u64;
        let updated = changed.len() as u64;
        if created + updated > 0 {
            audit::write(
                &mut tx,
                actor,
                now,
                AuditRecord {
                    action: "tax.orders_import",
                    entity_type: "tax_orders",
                    entity_id: source_label.to_string(),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(&serde_json::json!({
                        "source": source_label,
                        "created": created,
                        "updated": updated,
                        "unchanged": unchanged,
                        "updated_refs": changed.iter().take(50).map(|(_, o, _)| o.order_ref.as_str()).collect::<Vec<_>>(),
                    }))?),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ImportOutcome {
            created,
            updated,
            unchanged,
            batch_id: None,
        })
    }

    /// The organisation's orders dated `from..=to` (either end open), by date then reference.
    pub async fn tax_orders(
        &self,
        org: OrgId,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<TaxOrder>> {
        let rows = sqlx::query(
            "SELECT order_ref, order_date, channel, destination, subdivision, net_amount, currency, \
             marketplace_collected FROM tax_orders WHERE org_id = $1 AND order_date >= $2 AND order_date <= $3 \
             ORDER BY order_date, order_ref",
        )
        .bind(org.0)
        .bind(from.map_or_else(|| "0000-01-01".to_string(), |d| d.to_string()))
        .bind(to.map_or_else(|| "9999-12-31".to_string(), |d| d.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Number of stored orders of the organisation.
    pub async fn count_tax_orders(&self, org: OrgId) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tax_orders WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&self.pool)
            .await?;
        get_i64(&row, "n")
    }

    /// The organisation's tax profile, if it set one.
    pub async fn tax_profile(&self, org: OrgId) -> Result<Option<TaxProfile>> {
        let row = sqlx::query(
            "SELECT established_in, global_turnover, global_turnover_currency, stock_countries, schemes \
             FROM tax_profiles WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let corrupt =
            |what: &str, v: &str| StoreError::Corrupt(format!("tax profile {what} '{v}'"));
        let est = get_string(&row, "established_in")?;
        let turnover = match (
            get_opt_string(&row, "global_turnover")?,
            get_opt_string(&row, "global_turnover_currency")?,
        ) {
            (Some(a), Some(c)) => Some(Money::new(
                a.parse::<Decimal>().map_err(|_| corrupt("turnover", &a))?,
                Currency::parse(&c).map_err(|_| corrupt("currency", &c))?,
            )),
            _ => None,
        };
        let stock = get_string(&row, "stock_countries")?;
        let schemes = get_string(&row, "schemes")?;
        Ok(Some(TaxProfile {
            established_in: Country::parse(&est).map_err(|_| corrupt("country", &est))?,
            global_turnover: turnover,
            stock_countries: split_list(&stock)
                .map(|c| Country::parse(c).map_err(|_| corrupt("stock country", c)))
                .collect::<Result<_>>()?,
            schemes: split_list(&schemes).map(str::to_string).collect(),
        }))
    }

    /// Sets the organisation's tax profile with an audit entry (before/after); the same profile again writes
    /// nothing and returns false.
    pub async fn set_tax_profile(&self, actor: &Actor, profile: &TaxProfile) -> Result<bool> {
        for s in &profile.schemes {
            check_text("scheme", s)?;
            if s.contains(',') || s.trim().is_empty() {
                return Err(StoreError::Invalid(format!(
                    "scheme '{s}': expected a scheme name such as EU-IOSS"
                )));
            }
        }
        let before = self.tax_profile(actor.org_id).await?;
        if before.as_ref() == Some(profile) {
            return Ok(false);
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        sqlx::query("DELETE FROM tax_profiles WHERE org_id = $1")
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO tax_profiles (org_id, established_in, global_turnover, global_turnover_currency, \
             stock_countries, schemes, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(actor.org_id.0)
        .bind(profile.established_in.code())
        .bind(
            profile
                .global_turnover
                .map(|m| m.amount().normalize().to_string()),
        )
        .bind(profile.global_turnover.map(|m| m.currency().code()))
        .bind(
            profile
                .stock_countries
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(","),
        )
        .bind(profile.schemes.join(","))
        .bind(time::to_text(now))
        .execute(&mut *tx)
        .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "tax.profile",
                entity_type: "org",
                entity_id: actor.org_id.0.to_string(),
                batch_id: None,
                before: before.as_ref().map(audit::json).transpose()?,
                after: Some(audit::json(profile)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuditQuery;
    use crate::testing::all_backends;
    use jiff::civil::date;

    fn order(r: &str, d: Date, dest: &str, amount: i64, mp: bool) -> TaxOrder {
        let (destination, subdivision) = if dest.contains('-') {
            let s = Subdivision::parse(dest).unwrap();
            (s.country(), Some(s))
        } else {
            (Country::parse(dest).unwrap(), None)
        };
        TaxOrder {
            order_ref: r.into(),
            date: d,
            channel: "shop".into(),
            destination,
            subdivision,
            net_amount: Money::new(Decimal::from(amount), Currency::EUR),
            marketplace_collected: mp,
        }
    }

    #[tokio::test]
    async fn orders_import_idempotently_update_corrections_audit_and_isolate() {
        for s in all_backends().await {
            let org = s.create_org("Acme").await.unwrap();
            let other = s.create_org("Other").await.unwrap();
            let actor = Actor::cli(org.id);
            let orders = vec![
                order("A1", date(2026, 1, 5), "DE", 120, false),
                order("A2", date(2026, 2, 5), "US-CA", 80, true),
                order("A3", date(2026, 3, 5), "FR", 40, false),
            ];
            let first = s
                .import_tax_orders(&actor, &orders, "orders.csv")
                .await
                .unwrap();
            assert_eq!(
                (first.created, first.updated, first.unchanged),
                (3, 0, 0),
                "{}",
                s.label()
            );
            let again = s
                .import_tax_orders(&actor, &orders, "orders.csv")
                .await
                .unwrap();
            assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
            let mut fixed = orders.clone();
            fixed[2].net_amount = Money::new(Decimal::from(45), Currency::EUR);
            let third = s
                .import_tax_orders(&actor, &fixed, "orders.csv")
                .await
                .unwrap();
            assert_eq!((third.created, third.updated, third.unchanged), (0, 1, 2));
            let stored = s.tax_orders(org.id, None, None).await.unwrap();
            assert_eq!(stored, fixed);
            let feb = s
                .tax_orders(org.id, Some(date(2026, 2, 1)), Some(date(2026, 2, 28)))
                .await
                .unwrap();
            assert_eq!(feb.len(), 1);
            assert_eq!(feb[0].subdivision.map(|s| s.code()), Some("US-CA"));
            assert!(feb[0].marketplace_collected);
            assert_eq!(s.count_tax_orders(org.id).await.unwrap(), 3);
            assert!(s.tax_orders(other.id, None, None).await.unwrap().is_empty());
            let log = s.list_audit(org.id, &AuditQuery::default()).await.unwrap();
            assert_eq!(
                log.items
                    .iter()
                    .filter(|e| e.action == "tax.orders_import")
                    .count(),
                2
            );
            // Duplicate references: refused, nothing written.
            let dup = vec![
                order("B1", date(2026, 4, 1), "DE", 1, false),
                order("B1", date(2026, 4, 2), "DE", 2, false),
            ];
            let err = s
                .import_tax_orders(&actor, &dup, "dup.csv")
                .await
                .unwrap_err();
            assert!(
                matches!(&err, StoreError::Invalid(m) if m.contains("'B1'") && m.contains("twice")),
                "{err}"
            );
            assert_eq!(s.count_tax_orders(org.id).await.unwrap(), 3);
        }
    }

    #[tokio::test]
    async fn tax_profile_round_trips_idempotently_and_isolates() {
        for s in all_backends().await {
            let org = s.create_org("Acme").await.unwrap();
            let other = s.create_org("Other").await.unwrap();
            let actor = Actor::cli(org.id);
            assert!(s.tax_profile(org.id).await.unwrap().is_none());
            let p = TaxProfile {
                established_in: Country::CN,
                global_turnover: Some(Money::new(Decimal::from(2_000_000), Currency::SGD)),
                stock_countries: vec![Country::DE, Country::PL],
                schemes: vec!["EU-IOSS".into(), "GB-VAT".into()],
            };
            assert!(
                s.set_tax_profile(&actor, &p).await.unwrap(),
                "{}",
                s.label()
            );
            assert!(!s.set_tax_profile(&actor, &p).await.unwrap());
            assert_eq!(s.tax_profile(org.id).await.unwrap(), Some(p.clone()));
            assert!(s.tax_profile(other.id).await.unwrap().is_none());
            let bad = TaxProfile {
                schemes: vec!["EU,IOSS".into()],
                ..p
            };
            assert!(s.set_tax_profile(&actor, &bad).await.is_err());
        }
    }
}
