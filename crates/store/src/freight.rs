//! Forwarder rate cards per organisation: the cards of imported CSV/XLSX files, kept whole as JSON beside the
//! columns used to list them (forwarder, lane, mode, validity, source file and its SHA-256).
//!
//! An import is one transaction: every card of the file is stored or none is (the caller parses the file
//! with `tradelane_freight::import_cards` and refuses it on any row error before calling). A file whose
//! content is already stored for the organisation is not imported again, so re-importing changes nothing.
//! Every change writes an audit row in its transaction; every query filters by organisation.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use tradelane_freight::RateCard;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, OrgId};
use crate::owned::OwnedTable;
use crate::time;

/// Most cards one file may hold.
pub const MAX_CARDS_PER_FILE: usize = 5_000;
/// Most cards one organisation keeps.
pub const MAX_CARDS: usize = 50_000;
/// Longest file name kept (characters); longer names are cut.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// A stored rate card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRateCard {
    pub id: i64,
    pub card: RateCard,
    pub source_file: String,
    /// SHA-256 (hex) of the file the card came from.
    pub source_checksum: String,
    pub created_at: Timestamp,
}

impl StoredRateCard {
    /// The card with its stored id as card id, so quotes and exclusions name the stored card.
    pub fn card_for_quote(&self) -> RateCard {
        let mut card = self.card.clone();
        card.id = self.id.to_string();
        card
    }

    /// Whether the card's validity has ended before `date`.
    pub fn expired_on(&self, date: Date) -> bool {
        self.card.valid_to < date
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardImportOutcome {
    /// Cards stored by this import.
    pub created: u64,
    /// The same file content was imported before: nothing was written.
    pub already_imported: bool,
    pub source_checksum: String,
    /// Ids of the file's cards (new or, when already imported, those still stored).
    pub card_ids: Vec<i64>,
}

/// SHA-256 of a file's bytes, lower-case hex.
pub fn file_checksum(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

const COLUMNS: &str = "id, card_json, source_file, source_checksum, created_at";

fn from_row(row: &AnyRow) -> Result<StoredRateCard> {
    let id = get_i64(row, "id")?;
    let json = get_string(row, "card_json")?;
    let card: RateCard = serde_json::from_str(&json)
        .map_err(|e| StoreError::corrupt(format!("freight_cards.card_json of card {id}: {e}")))?;
    Ok(StoredRateCard {
        id,
        card,
        source_file: get_string(row, "source_file")?,
        source_checksum: get_string(row, "source_checksum")?,
        created_at: time::from_text("freight_cards.created_at", &get_string(row, "created_at")?)?,
    })
}

fn clean_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    match cleaned.trim() {
        "" => "upload".to_string(),
        t => t.to_string(),
    }
}

fn check_card(index: usize, card: &RateCard) -> Result<()> {
    let at = |field: &str| format!("card #{} ({}) {field}", index + 1, card.source);
    for (field, value) in [
        ("id", card.id.as_str()),
        ("forwarder", card.forwarder.as_str()),
        ("origin", card.lane.origin.as_str()),
        ("destination", card.lane.destination.as_str()),
        ("source", card.source.as_str()),
    ] {
        check_text(&at(field), value)?;
        if value.chars().count() > 500 {
            return Err(StoreError::Invalid(format!(
                "{}: longer than 500 characters",
                at(field)
            )));
        }
    }
    if card.forwarder.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "{}: empty; expected the forwarder's name",
            at("forwarder")
        )));
    }
    if card.valid_to < card.valid_from {
        return Err(StoreError::Invalid(format!(
            "{}: {} is before valid_from {}",
            at("valid_to"),
            card.valid_to,
            card.valid_from
        )));
    }
    Ok(())
}

const CARDS: OwnedTable<StoredRateCard> = OwnedTable {
    table: "freight_cards",
    columns: COLUMNS,
    what: "rate card",
    entity_type: "freight_card",
    delete_action: "freight.card_delete",
    from_row,
};

impl Store {
    /// The organisation's rate cards by forwarder, lane, mode and validity.
    pub async fn list_freight_cards(&self, org: OrgId) -> Result<Vec<StoredRateCard>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM freight_cards WHERE org_id = $1 \
             ORDER BY forwarder, lane_origin, lane_destination, mode, valid_from, id"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Number of stored rate cards.
    pub async fn count_freight_cards(&self, org: OrgId) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM freight_cards WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&self.pool)
            .await?;
        get_i64(&row, "n")
    }

    pub async fn get_freight_card(&self, org: OrgId, id: i64) -> Result<StoredRateCard> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM freight_cards WHERE org_id = $1 AND id = $2"
        )))
        .bind(org.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("rate card", id))?;
        from_row(&row)
    }

    /// Stores the cards of one file in one transaction: all or none. `content` is the file's bytes (its
    /// SHA-256 makes the import idempotent: the same content again writes nothing). A card that fails its
    /// checks refuses the whole file, naming the card. One audit row per import.
    pub async fn import_freight_cards(
        &self,
        actor: &Actor,
        file_name: &str,
        content: &[u8],
        cards: &[RateCard],
    ) -> Result<CardImportOutcome> {
        let file_name = clean_file_name(file_name);
        check_text("file name", &file_name)?;
        if cards.is_empty() {
            return Err(StoreError::Invalid(
                "the file holds no rate cards; expected one card per row".into(),
            ));
        }
        if cards.len() > MAX_CARDS_PER_FILE {
            return Err(StoreError::Invalid(format!(
                "{} rate cards in one file; at most {MAX_CARDS_PER_FILE}",
                cards.len()
            )));
        }
        for (i, card) in cards.iter().enumerate() {
            check_card(i, card)?;
        }
        let checksum = file_checksum(content);
        let now = time::now();
        let now_text = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let existing = sqlx::query(
            "SELECT id FROM freight_cards WHERE org_id = $1 AND source_checksum = $2 ORDER BY source_index",
        )
        .bind(actor.org_id.0)
        .bind(checksum.clone())
        .fetch_all(&mut *tx)
        .await?;
        if !existing.is_empty() {
            tx.commit().await?;
            return Ok(CardImportOutcome {
                created: 0,
                already_imported: true,
                source_checksum: checksum,
                card_ids: existing
                    .iter()
                    .map(|r| get_i64(r, "id"))
                    .collect::<Result<_>>()?,
            });
        }
        let row = sqlx::query("SELECT COUNT(*) AS n FROM freight_cards WHERE org_id = $1")
            .bind(actor.org_id.0)
            .fetch_one(&mut *tx)
            .await?;
        let stored = usize::try_from(get_i64(&row, "n")?).unwrap_or(0);
        if stored + cards.len() > MAX_CARDS {
            return Err(StoreError::Invalid(format!(
                "the organisation would keep {} rate cards; at most {MAX_CARDS}",
                stored + cards.len()
            )));
        }
        let mut ids = Vec::with_capacity(cards.len());
        for (i, card) in cards.iter().enumerate() {
            let json = audit::json(card)?;
            let row = sqlx::query(
                "INSERT INTO freight_cards (org_id, card_ref, forwarder, lane_origin, lane_destination, mode, \
                 currency, valid_from, valid_to, source_file, source_checksum, source_index, card_json, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(actor.org_id.0)
            .bind(card.id.clone())
            .bind(card.forwarder.clone())
            .bind(card.lane.origin.clone())
            .bind(card.lane.destination.clone())
            .bind(card.mode.code())
            .bind(card.currency.to_string())
            .bind(card.valid_from.to_string())
            .bind(card.valid_to.to_string())
            .bind(file_name.clone())
            .bind(checksum.clone())
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(json)
            .bind(now_text.clone())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict {
                        what: format!("the file {file_name} is being imported by another request"),
                    }
                } else {
                    e.into()
                }
            })?;
            ids.push(get_i64(&row, "id")?);
        }
        let mut forwarders: Vec<&str> = cards.iter().map(|c| c.forwarder.as_str()).collect();
        forwarders.sort_unstable();
        forwarders.dedup();
        forwarders.truncate(50);
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "freight.cards_import",
                entity_type: "freight_card_file",
                entity_id: checksum.clone(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({
                    "file": file_name,
                    "sha256": checksum,
                    "cards": cards.len(),
                    "card_ids": ids.iter().take(200).collect::<Vec<_>>(),
                    "forwarders": forwarders,
                }))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(CardImportOutcome {
            created: u64::try_from(ids.len()).unwrap_or(u64::MAX),
            already_imported: false,
            source_checksum: checksum,
            card_ids: ids,
        })
    }

    /// Removes one rate card. Audited with what was removed.
    pub async fn delete_freight_card(&self, actor: &Actor, id: i64) -> Result<StoredRateCard> {
        self.delete_owned(actor, id, &CARDS).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::all_backends;
    use tradelane_freight::{import_cards, read_bytes};

    const CARDS: &str = "forwarder,origin,destination,mode,currency,rates,min_charge,valid_from,valid_to,transit_days\n\
        FastAir,CNSZX,US,air,USD,0:6.5;100:5.2,60,2026-01-01,2026-12-31,6-8\n\
        OceanPool,CNSZX,USLAX,sea_lcl,USD,85,150,2026-01-01,2026-06-30,25-30\n\
        OldCard,CNSZX,US,air,USD,1,0,2025-01-01,2025-12-31,6\n";

    fn parse(csv: &str) -> Vec<RateCard> {
        let import = import_cards(&read_bytes(csv.as_bytes()).unwrap(), "rates.csv");
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        import.cards
    }

    #[tokio::test]
    async fn import_is_whole_idempotent_audited_and_isolated() {
        for ts in all_backends().await {
            let label = ts.label();
            let org = ts.create_org("Acme").await.unwrap();
            let other = ts.create_org("Other").await.unwrap();
            let actor = Actor::new(org.id, None, "test");
            let intruder = Actor::new(other.id, None, "intruder");
            let cards = parse(CARDS);

            let o = ts
                .import_freight_cards(&actor, "rates.csv", CARDS.as_bytes(), &cards)
                .await
                .unwrap();
            assert_eq!((o.created, o.already_imported), (3, false), "{label}");
            assert_eq!(o.source_checksum, file_checksum(CARDS.as_bytes()));
            let list = ts.list_freight_cards(org.id).await.unwrap();
            assert_eq!(
                list.iter()
                    .map(|c| c.card.forwarder.as_str())
                    .collect::<Vec<_>>(),
                ["FastAir", "OceanPool", "OldCard"],
                "{label}"
            );
            assert_eq!(list[0].card, cards[0], "{label}: the card round-trips");
            assert_eq!(list[0].source_file, "rates.csv");
            assert!(list[2].expired_on("2026-03-01".parse().unwrap()));
            assert_eq!(list[1].card_for_quote().id, list[1].id.to_string());

            // Same content again (another name): nothing written.
            let again = ts
                .import_freight_cards(&actor, "copy.csv", CARDS.as_bytes(), &cards)
                .await
                .unwrap();
            assert_eq!((again.created, again.already_imported), (0, true));
            assert_eq!(again.card_ids, o.card_ids);
            assert_eq!(ts.count_freight_cards(org.id).await.unwrap(), 3, "{label}");

            // A bad card refuses the whole file.
            let mut bad = parse(CARDS);
            bad[1].forwarder = " ".into();
            let err = ts
                .import_freight_cards(&actor, "bad.csv", b"other bytes", &bad)
                .await
                .unwrap_err();
            assert!(err.to_string().contains("card #2"), "{err}");
            let err = ts
                .import_freight_cards(&actor, "empty.csv", b"x", &[])
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Invalid(_)));
            assert_eq!(ts.count_freight_cards(org.id).await.unwrap(), 3, "{label}");

            // Another organisation sees nothing, cannot read or delete, and its own import of the same
            // file is its own.
            assert!(ts.list_freight_cards(other.id).await.unwrap().is_empty());
            assert!(matches!(
                ts.get_freight_card(other.id, o.card_ids[0]).await,
                Err(StoreError::NotFound { .. })
            ));
            assert!(matches!(
                ts.delete_freight_card(&intruder, o.card_ids[0]).await,
                Err(StoreError::NotFound { .. })
            ));
            let theirs = ts
                .import_freight_cards(&intruder, "rates.csv", CARDS.as_bytes(), &cards)
                .await
                .unwrap();
            assert_eq!(theirs.created, 3, "{label}");
            assert_eq!(ts.count_freight_cards(org.id).await.unwrap(), 3);

            let removed = ts.delete_freight_card(&actor, o.card_ids[2]).await.unwrap();
            assert_eq!(removed.card.forwarder, "OldCard");
            assert_eq!(ts.count_freight_cards(org.id).await.unwrap(), 2);
            assert_eq!(ts.count_freight_cards(other.id).await.unwrap(), 3);

            let audit = ts
                .list_audit(org.id, &crate::AuditQuery::default())
                .await
                .unwrap();
            let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
            assert_eq!(
                actions,
                ["freight.card_delete", "freight.cards_import", "org.create"],
                "{label}: one row per change, none for the re-import or refusals"
            );
        }
    }
}
