//! Landed cost storage: the rule pack versions an organisation loaded, dated FX reference rates, and saved
//! quotes with the pack version and rates they used.
//!
//! Rule packs are per organisation (each loads its own overlays; a pack is never shared across tenants). FX
//! reference rates are public facts and shared by every organisation. The active pack of an organisation is
//! [`compose_pack`] of its latest stored version: a pack with the built-in pack's id replaces the built-in pack,
//! any other pack is an overlay merged on top of it.

use std::collections::HashMap;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use tradelane_domain::{Country, Currency, Decimal, Subdivision};
use tradelane_landed_cost::{FxError, FxTable, RuleError, RulePack, builtin_pack};

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, OrgId};
use crate::time;

/// Source name the engine gives the ECB euro reference rates (checked by a test).
pub const ECB_SOURCE: &str = "ECB euro foreign exchange reference rates";

/// Rate type of the ECB daily euro reference rates.
pub const RATE_TYPE_DAILY: &str = "daily";

/// Rows per multi-row INSERT (7 parameters each: well under SQLite's and PostgreSQL's limits).
const FX_CHUNK: usize = 500;

/// Most target markets an organisation may choose.
pub const MAX_TARGET_MARKETS: usize = 12;

/// A market the organisation sells into: a country, and a state/province where taxes differ by it
/// ("DE", "US", "CA-ON").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetMarket {
    pub country: Country,
    pub subdivision: Option<Subdivision>,
}

impl TargetMarket {
    /// Parses "DE" or "CA-ON" (case-insensitive); the error says what was expected.
    pub fn parse(text: &str) -> std::result::Result<TargetMarket, String> {
        let t = text.trim();
        if t.contains('-') {
            let sub = Subdivision::parse(&t.to_ascii_uppercase()).map_err(|e| {
                format!("target market '{t}': {e} (expected a country code such as DE or a province such as CA-ON)")
            })?;
            return Ok(TargetMarket {
                country: sub.country(),
                subdivision: Some(sub),
            });
        }
        let country = Country::parse(&t.to_ascii_uppercase()).map_err(|e| {
            format!("target market '{t}': {e} (expected a country code such as DE or a province such as CA-ON)")
        })?;
        Ok(TargetMarket {
            country,
            subdivision: None,
        })
    }

    /// Parses a comma- or space-separated list ("DE, GB, US, CA-ON").
    pub fn parse_list(text: &str) -> std::result::Result<Vec<TargetMarket>, String> {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(TargetMarket::parse)
            .collect()
    }
}

impl Serialize for TargetMarket {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Display for TargetMarket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.subdivision {
            Some(s) => f.write_str(s.code()),
            None => f.write_str(self.country.code()),
        }
    }
}

/// A stored rule pack version, without its TOML text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulePackInfo {
    pub id: i64,
    pub org_id: OrgId,
    pub pack_id: String,
    pub pack_version: String,
    /// Publication date written in the pack (YYYY-MM-DD).
    pub published: String,
    /// SHA-256 of the TOML text, hex.
    pub sha256: String,
    /// Rules in the pack (all kinds).
    pub rule_count: i64,
    pub loaded_at: Timestamp,
    /// Label of the actor who loaded it.
    pub loaded_by: String,
}

/// A stored rule pack version with its TOML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRulePack {
    pub info: RulePackInfo,
    pub toml: String,
}

/// Outcome of [`Store::save_rule_pack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRulePack {
    pub info: RulePackInfo,
    /// False when the same text was loaded before (nothing was written).
    pub created: bool,
}

/// One published exchange rate: `rate` units of `quote_currency` per one `base` on `rate_date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FxRateRow {
    pub source: String,
    pub base: Currency,
    pub quote_currency: Currency,
    pub rate_date: Date,
    pub rate: Decimal,
    pub rate_type: String,
}

/// Outcome of [`Store::upsert_fx_rates`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FxUpsertOutcome {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What is stored for one rate series (source, base, type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FxSeriesSummary {
    pub source: String,
    pub base: String,
    pub rate_type: String,
    pub currencies: i64,
    pub rates: i64,
    pub first_date: String,
    pub last_date: String,
}

/// A quote to save: the request and the result as JSON, the pack version and the FX rates it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuote {
    pub request_json: String,
    pub result_json: String,
    pub pack_id: String,
    pub pack_version: String,
    pub fx_json: String,
}

/// A saved quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuote {
    pub id: i64,
    pub org_id: OrgId,
    pub created_at: Timestamp,
    pub created_by: String,
    pub request_json: String,
    pub result_json: String,
    pub pack_id: String,
    pub pack_version: String,
    pub fx_json: String,
}

/// The pack to quote with: the built-in pack, replaced by a stored pack with the same pack id, or with a stored
/// overlay (any other pack id) merged on top. Pure; every problem is returned.
pub fn compose_pack(stored: Option<&str>) -> std::result::Result<RulePack, Vec<RuleError>> {
    let builtin = builtin_pack()?;
    let Some(text) = stored else {
        return Ok(builtin);
    };
    let user = RulePack::from_toml_str(text)?;
    if user.meta().pack_id == builtin.meta().pack_id {
        Ok(user)
    } else {
        builtin.merged(&user, None)
    }
}

/// Reads the ECB `eurofxref-hist.csv` layout into rows to store. Parsing and validation are the engine's
/// ([`FxTable::from_ecb_csv`]); this only lists, for every publication date of the file, the rates the table
/// holds for that date.
pub fn ecb_csv_rows(text: &str) -> std::result::Result<Vec<FxRateRow>, FxError> {
    let table = FxTable::from_ecb_csv(text)?;
    let base = table.base();
    let source = table.source().to_string();
    let mut currencies: Vec<Currency> = table.currencies().collect();
    currencies.sort_by_key(|c| c.code());
    let mut rows = Vec::with_capacity(table.len());
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    for line in body.lines().skip(1) {
        let first = line.split(',').next().unwrap_or("").trim();
        let Ok(date) = Date::from_str(first) else {
            continue;
        };
        for &currency in &currencies {
            // A rate published on this very date; an earlier one (N/A today) is not repeated.
            if let Ok(rate) = table.rate(base, currency, date)
                && rate.rate_date == date
            {
                rows.push(FxRateRow {
                    source: source.clone(),
                    base,
                    quote_currency: currency,
                    rate_date: date,
                    rate: rate.rate,
                    rate_type: RATE_TYPE_DAILY.to_string(),
                });
            }
        }
    }
    Ok(rows)
}

/// (source, base, rate type, quote currency, date) of a stored rate.
type RateKey = (String, String, String, String, String);

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

const PACK_COLUMNS: &str =
    "id, org_id, pack_id, pack_version, published, sha256, rule_count, loaded_at, loaded_by";

fn pack_info_from_row(row: &AnyRow) -> Result<RulePackInfo> {
    Ok(RulePackInfo {
        id: get_i64(row, "id")?,
        org_id: OrgId(get_i64(row, "org_id")?),
        pack_id: get_string(row, "pack_id")?,
        pack_version: get_string(row, "pack_version")?,
        published: get_string(row, "published")?,
        sha256: get_string(row, "sha256")?,
        rule_count: get_i64(row, "rule_count")?,
        loaded_at: time::from_text("rule_packs.loaded_at", &get_string(row, "loaded_at")?)?,
        loaded_by: get_string(row, "loaded_by")?,
    })
}

fn quote_from_row(row: &AnyRow) -> Result<StoredQuote> {
    Ok(StoredQuote {
        id: get_i64(row, "id")?,
        org_id: OrgId(get_i64(row, "org_id")?),
        created_at: time::from_text("quotes.created_at", &get_string(row, "created_at")?)?,
        created_by: get_string(row, "created_by")?,
        request_json: get_string(row, "request_json")?,
        result_json: get_string(row, "result_json")?,
        pack_id: get_string(row, "pack_id")?,
        pack_version: get_string(row, "pack_version")?,
        fx_json: get_string(row, "fx_json")?,
    })
}

fn currency_from_db(column: &str, text: &str) -> Result<Currency> {
    Currency::parse(text).map_err(|e| {
        StoreError::corrupt(format!(
            "column {column} holds {text:?}, expected a currency: {e}"
        ))
    })
}

fn rule_errors_message(errors: &[RuleError]) -> String {
    let shown: Vec<String> = errors.iter().take(20).map(ToString::to_string).collect();
    let more = errors.len().saturating_sub(shown.len());
    let mut message = format!(
        "the rule pack has {} error(s): {}",
        errors.len(),
        shown.join("; ")
    );
    if more > 0 {
        message.push_str(&format!("; and {more} more"));
    }
    message
}

impl Store {
    /// Stores a new version of the organisation's rule pack. The text must be a valid pack that also composes
    /// with the built-in pack ([`compose_pack`]); otherwise `Invalid` lists the rule errors and nothing is
    /// written. Loading the same text again writes nothing and returns the stored version (`created: false`).
    pub async fn save_rule_pack(&self, actor: &Actor, toml: &str) -> Result<SavedRulePack> {
        check_text("rule pack", toml)?;
        let pack = RulePack::from_toml_str(toml)
            .map_err(|e| StoreError::Invalid(rule_errors_message(&e)))?;
        compose_pack(Some(toml)).map_err(|e| StoreError::Invalid(rule_errors_message(&e)))?;
        let meta = pack.meta();
        let sha = sha256_hex(toml);
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let existing = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PACK_COLUMNS} FROM rule_packs WHERE org_id = $1 AND sha256 = $2"
        )))
        .bind(actor.org_id.0)
        .bind(sha.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            let info = pack_info_from_row(&row)?;
            tx.commit().await?;
            return Ok(SavedRulePack {
                info,
                created: false,
            });
        }
        let rule_count = i64::try_from(pack.counts().total()).unwrap_or(i64::MAX);
        let row = sqlx::query(
            "INSERT INTO rule_packs (org_id, pack_id, pack_version, published, sha256, toml, rule_count, \
             loaded_at, loaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(meta.pack_id.clone())
        .bind(meta.pack_version.clone())
        .bind(meta.published.to_string())
        .bind(sha.clone())
        .bind(toml.to_string())
        .bind(rule_count)
        .bind(time::to_text(now))
        .bind(actor.label.clone())
        .fetch_one(&mut *tx)
        .await?;
        let info = RulePackInfo {
            id: get_i64(&row, "id")?,
            org_id: actor.org_id,
            pack_id: meta.pack_id.clone(),
            pack_version: meta.pack_version.clone(),
            published: meta.published.to_string(),
            sha256: sha,
            rule_count,
            loaded_at: now,
            loaded_by: actor.label.clone(),
        };
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "rule_pack.load",
                entity_type: "rule_pack",
                entity_id: info.id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&info)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(SavedRulePack {
            info,
            created: true,
        })
    }

    /// The organisation's most recently loaded rule pack, with its text.
    pub async fn latest_rule_pack(&self, org: OrgId) -> Result<Option<StoredRulePack>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PACK_COLUMNS}, toml FROM rule_packs WHERE org_id = $1 ORDER BY id DESC LIMIT 1"
        )))
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StoredRulePack {
                info: pack_info_from_row(&r)?,
                toml: get_string(&r, "toml")?,
            })
        })
        .transpose()
    }

    /// The TOML text of one of the organisation's stored versions (None when it has no such version).
    pub async fn rule_pack_text(&self, org: OrgId, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT toml FROM rule_packs WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| get_string(&r, "toml")).transpose()
    }

    /// Identity of the organisation's most recent rule pack, without its text (for cache keys).
    pub async fn latest_rule_pack_info(&self, org: OrgId) -> Result<Option<RulePackInfo>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PACK_COLUMNS} FROM rule_packs WHERE org_id = $1 ORDER BY id DESC LIMIT 1"
        )))
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(pack_info_from_row).transpose()
    }

    /// Every rule pack version the organisation loaded, newest first (without the texts).
    pub async fn list_rule_packs(&self, org: OrgId) -> Result<Vec<RulePackInfo>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PACK_COLUMNS} FROM rule_packs WHERE org_id = $1 ORDER BY id DESC"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(pack_info_from_row).collect()
    }

    /// Inserts new rates and corrects changed ones, in one transaction; rates already stored with the same
    /// value are left alone, so importing the same file twice writes nothing the second time. With an actor,
    /// one audit entry records the counts (rates are shared data, the entry goes to the actor's organisation).
    pub async fn upsert_fx_rates(
        &self,
        actor: Option<&Actor>,
        rows: &[FxRateRow],
    ) -> Result<FxUpsertOutcome> {
        for r in rows {
            check_text("FX source", &r.source)?;
            check_text("FX rate type", &r.rate_type)?;
            if r.rate <= Decimal::ZERO {
                return Err(StoreError::Invalid(format!(
                    "FX rate {} {}/{} on {} is {}: expected a positive rate",
                    r.source, r.base, r.quote_currency, r.rate_date, r.rate
                )));
            }
        }
        let now = time::now();
        let now_text = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        // Existing rates of the series the rows touch, to split the rows into new / changed / unchanged.
        let mut series: Vec<(String, String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.source.clone(),
                    r.base.code().to_string(),
                    r.rate_type.clone(),
                )
            })
            .collect();
        series.sort();
        series.dedup();
        let mut existing: HashMap<RateKey, (i64, String)> = HashMap::new();
        for (source, base, rate_type) in &series {
            let found = sqlx::query(
                "SELECT id, quote_currency, rate_date, rate FROM fx_rates \
                 WHERE source = $1 AND base = $2 AND rate_type = $3",
            )
            .bind(source.clone())
            .bind(base.clone())
            .bind(rate_type.clone())
            .fetch_all(&mut *tx)
            .await?;
            for row in found {
                existing.insert(
                    (
                        source.clone(),
                        base.clone(),
                        rate_type.clone(),
                        get_string(&row, "quote_currency")?,
                        get_string(&row, "rate_date")?,
                    ),
                    (get_i64(&row, "id")?, get_string(&row, "rate")?),
                );
            }
        }
        let mut outcome = FxUpsertOutcome::default();
        let mut to_insert: Vec<&FxRateRow> = Vec::new();
        let mut to_update: Vec<(i64, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in rows {
            let key = (
                r.source.clone(),
                r.base.code().to_string(),
                r.rate_type.clone(),
                r.quote_currency.code().to_string(),
                r.rate_date.to_string(),
            );
            if !seen.insert(key.clone()) {
                // The same rate twice in one input: the first one counts.
                outcome.unchanged += 1;
                continue;
            }
            match existing.get(&key) {
                None => to_insert.push(r),
                Some((id, stored)) => {
                    let same = Decimal::from_str(stored).is_ok_and(|d| d == r.rate);
                    if same {
                        outcome.unchanged += 1;
                    } else {
                        to_update.push((*id, r.rate.to_string()));
                    }
                }
            }
        }
        for chunk in to_insert.chunks(FX_CHUNK) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = i * 7;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO fx_rates (source, base, quote_currency, rate_date, rate, rate_type, imported_at) \
                 VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(r.source.clone())
                    .bind(r.base.code().to_string())
                    .bind(r.quote_currency.code().to_string())
                    .bind(r.rate_date.to_string())
                    .bind(r.rate.to_string())
                    .bind(r.rate_type.clone())
                    .bind(now_text.clone());
            }
            q.execute(&mut *tx).await?;
        }
        outcome.inserted = to_insert.len();
        for (id, rate) in &to_update {
            sqlx::query("UPDATE fx_rates SET rate = $1, imported_at = $2 WHERE id = $3")
                .bind(rate.clone())
                .bind(now_text.clone())
                .bind(*id)
                .execute(&mut *tx)
                .await?;
        }
        outcome.updated = to_update.len();
        if let Some(actor) = actor
            && (outcome.inserted > 0 || outcome.updated > 0)
        {
            let sources: Vec<&str> = series.iter().map(|(s, _, _)| s.as_str()).collect();
            audit::write(
                &mut tx,
                actor,
                now,
                AuditRecord {
                    action: "fx.import",
                    entity_type: "fx_rates",
                    entity_id: sources.join(", "),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(&outcome)?),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// All stored rates of one series as an [`FxTable`] (None when the series has no rate).
    pub async fn fx_table(
        &self,
        source: &str,
        base: Currency,
        rate_type: &str,
    ) -> Result<Option<FxTable>> {
        let rows = sqlx::query(
            "SELECT quote_currency, rate_date, rate FROM fx_rates \
             WHERE source = $1 AND base = $2 AND rate_type = $3",
        )
        .bind(source.to_string())
        .bind(base.code().to_string())
        .bind(rate_type.to_string())
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut table = FxTable::new(base, source);
        for row in &rows {
            let currency = currency_from_db(
                "fx_rates.quote_currency",
                &get_string(row, "quote_currency")?,
            )?;
            let date_text = get_string(row, "rate_date")?;
            let date = Date::from_str(&date_text).map_err(|e| {
                StoreError::corrupt(format!(
                    "column fx_rates.rate_date holds {date_text:?}, expected YYYY-MM-DD: {e}"
                ))
            })?;
            let rate_text = get_string(row, "rate")?;
            let rate = Decimal::from_str(&rate_text).map_err(|e| {
                StoreError::corrupt(format!(
                    "column fx_rates.rate holds {rate_text:?}, expected a decimal: {e}"
                ))
            })?;
            table.insert(date, currency, rate);
        }
        Ok(Some(table))
    }

    /// The ECB daily reference rates as stored (None before any import).
    pub async fn ecb_fx_table(&self) -> Result<Option<FxTable>> {
        self.fx_table(ECB_SOURCE, Currency::EUR, RATE_TYPE_DAILY)
            .await
    }

    /// A value that changes whenever stored rates change (count and newest import time), for caches.
    pub async fn fx_fingerprint(&self) -> Result<String> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(imported_at) AS last FROM fx_rates WHERE rate_type = $1",
        )
        .bind(RATE_TYPE_DAILY.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(format!(
            "{}@{}",
            get_i64(&row, "n")?,
            get_opt_string(&row, "last")?.unwrap_or_default()
        ))
    }

    /// One summary per stored rate series.
    pub async fn fx_summary(&self) -> Result<Vec<FxSeriesSummary>> {
        let rows = sqlx::query(
            "SELECT source, base, rate_type, COUNT(DISTINCT quote_currency) AS currencies, COUNT(*) AS rates, \
             MIN(rate_date) AS first_date, MAX(rate_date) AS last_date FROM fx_rates \
             GROUP BY source, base, rate_type ORDER BY source, base, rate_type",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FxSeriesSummary {
                    source: get_string(r, "source")?,
                    base: get_string(r, "base")?,
                    rate_type: get_string(r, "rate_type")?,
                    currencies: get_i64(r, "currencies")?,
                    rates: get_i64(r, "rates")?,
                    first_date: get_string(r, "first_date")?,
                    last_date: get_string(r, "last_date")?,
                })
            })
            .collect()
    }

    /// The markets the organisation sells into, in its order (empty until it chooses).
    pub async fn target_markets(&self, org: OrgId) -> Result<Vec<TargetMarket>> {
        let rows = sqlx::query(
            "SELECT country, subdivision FROM target_markets WHERE org_id = $1 ORDER BY position",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let country = get_string(r, "country")?;
                let sub = get_opt_string(r, "subdivision")?;
                TargetMarket::parse(&match sub {
                    Some(s) => s,
                    None => country,
                })
                .map_err(StoreError::Corrupt)
            })
            .collect()
    }

    /// Replaces the organisation's target markets (at most [`MAX_TARGET_MARKETS`], no duplicates) in one
    /// transaction with an audit entry holding before and after; the same list again writes nothing and
    /// returns false.
    pub async fn set_target_markets(
        &self,
        actor: &Actor,
        markets: &[TargetMarket],
    ) -> Result<bool> {
        if markets.len() > MAX_TARGET_MARKETS {
            return Err(StoreError::Invalid(format!(
                "{} target markets given: at most {MAX_TARGET_MARKETS}",
                markets.len()
            )));
        }
        for (i, m) in markets.iter().enumerate() {
            if markets[..i].contains(m) {
                return Err(StoreError::Invalid(format!(
                    "target market '{m}' is listed twice"
                )));
            }
        }
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let rows = sqlx::query(
            "SELECT country, subdivision FROM target_markets WHERE org_id = $1 ORDER BY position",
        )
        .bind(actor.org_id.0)
        .fetch_all(&mut *tx)
        .await?;
        let before: Vec<String> = rows
            .iter()
            .map(|r| {
                Ok(match get_opt_string(r, "subdivision")? {
                    Some(s) => s,
                    None => get_string(r, "country")?,
                })
            })
            .collect::<Result<_>>()?;
        let after: Vec<String> = markets.iter().map(ToString::to_string).collect();
        if before == after {
            tx.commit().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM target_markets WHERE org_id = $1")
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        for (i, m) in markets.iter().enumerate() {
            sqlx::query(
                "INSERT INTO target_markets (org_id, position, country, subdivision) VALUES ($1, $2, $3, $4)",
            )
            .bind(actor.org_id.0)
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(m.country.code().to_string())
            .bind(m.subdivision.map(|s| s.code().to_string()))
            .execute(&mut *tx)
            .await?;
        }
        audit::write(
            &mut tx,
            actor,
            time::now(),
            AuditRecord {
                action: "landed_cost.target_markets",
                entity_type: "org",
                entity_id: actor.org_id.0.to_string(),
                batch_id: None,
                before: Some(audit::json(
                    &serde_json::json!({ "target_markets": before }),
                )?),
                after: Some(audit::json(
                    &serde_json::json!({ "target_markets": after }),
                )?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Saves quotes in one transaction with one audit entry naming their ids; returns the ids in input order.
    pub async fn save_quotes(&self, actor: &Actor, quotes: &[NewQuote]) -> Result<Vec<i64>> {
        let refs: Vec<&NewQuote> = quotes.iter().collect();
        self.save_quote_refs(actor, &refs).await
    }

    /// [`Store::save_quotes`] on borrowed quotes (the texts are bound without copying).
    pub async fn save_quote_refs(&self, actor: &Actor, quotes: &[&NewQuote]) -> Result<Vec<i64>> {
        if quotes.is_empty() {
            return Ok(Vec::new());
        }
        for q in quotes {
            check_text("quote request", &q.request_json)?;
            check_text("quote result", &q.result_json)?;
            check_text("pack version", &q.pack_version)?;
        }
        let now = time::now();
        let now_text = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let mut ids = Vec::with_capacity(quotes.len());
        // 8 parameters per row; 200 rows keep each statement well under the parameter limits.
        for chunk in quotes.chunks(200) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p: Vec<String> = (1..=8).map(|k| format!("${}", i * 8 + k)).collect();
                    format!("({})", p.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO quotes (org_id, created_at, created_by, request_json, result_json, pack_id, \
                 pack_version, fx_json) VALUES {} RETURNING id",
                values.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for n in chunk {
                q = q
                    .bind(actor.org_id.0)
                    .bind(now_text.as_str())
                    .bind(actor.label.as_str())
                    .bind(n.request_json.as_str())
                    .bind(n.result_json.as_str())
                    .bind(n.pack_id.as_str())
                    .bind(n.pack_version.as_str())
                    .bind(n.fx_json.as_str());
            }
            let rows = q.fetch_all(&mut *tx).await?;
            let mut chunk_ids = rows
                .iter()
                .map(|r| get_i64(r, "id"))
                .collect::<Result<Vec<i64>>>()?;
            // RETURNING order is not guaranteed by SQL; ids are increasing in insertion order.
            chunk_ids.sort_unstable();
            ids.extend(chunk_ids);
        }
        let (first, last) = (ids[0], ids[ids.len() - 1]);
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "landed_cost.quote",
                entity_type: "quote",
                entity_id: if first == last {
                    first.to_string()
                } else {
                    format!("{first}..{last}")
                },
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({
                    "quotes": ids.len(),
                    "pack_id": quotes[0].pack_id,
                    "pack_version": quotes[0].pack_version,
                }))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// The organisation's saved quotes, newest first.
    pub async fn list_quotes(&self, org: OrgId, limit: i64) -> Result<Vec<StoredQuote>> {
        let rows = sqlx::query(
            "SELECT id, org_id, created_at, created_by, request_json, result_json, pack_id, pack_version, \
             fx_json FROM quotes WHERE org_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(org.0)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(quote_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuditQuery;
    use crate::testing::all_backends;
    use tradelane_landed_cost::pack::builtin_pack_toml;

    // Written in the published layout: newest first, N/A for a discontinued currency, trailing comma.
    const ECB: &str = "Date,USD,JPY,CYP,CNY,\n\
2026-07-03,1.1500,165.20,N/A,8.2000,\n\
2026-07-02,1.1400,164.00,N/A,N/A,\n\
2026-07-01,1.1000,160.00,N/A,8.0000,\n";

    /// An overlay pack: one extra duty rule for a territory the built-in pack knows.
    const OVERLAY: &str = r#"
format_version = 1
pack_id = "acme-overlay"
pack_version = "1"
published = 2026-07-01

[[duty]]
id = "ACME-EU-9999.99"
territory = "EU"
hs = "9999.99"
rate = "5%"
effective_from = 2026-01-01
source = "Acme test overlay"
uncertain = true
"#;

    #[test]
    fn ecb_rows_list_each_published_rate_once() {
        let rows = ecb_csv_rows(ECB).unwrap();
        // 3 USD + 3 JPY + 2 CNY (N/A on 07-02 is not repeated from 07-01); CYP has no rate at all.
        assert_eq!(rows.len(), 8);
        assert!(
            rows.iter()
                .all(|r| r.source == ECB_SOURCE && r.base == Currency::EUR)
        );
        let cny_02 = rows
            .iter()
            .any(|r| r.quote_currency.code() == "CNY" && r.rate_date.to_string() == "2026-07-02");
        assert!(!cny_02);
        assert!(ecb_csv_rows("Date;USD\n").is_err());
    }

    #[test]
    fn composing_replaces_or_overlays_the_builtin_pack() {
        let builtin = compose_pack(None).unwrap();
        let overlay = compose_pack(Some(OVERLAY)).unwrap();
        assert_eq!(overlay.meta().pack_id, builtin.meta().pack_id);
        assert!(overlay.meta().pack_version.ends_with("+acme-overlay@1"));
        assert_eq!(overlay.counts().duties, builtin.counts().duties + 1);
        let replaced = compose_pack(Some(builtin_pack_toml())).unwrap();
        assert_eq!(replaced.counts(), builtin.counts());
        let broken = compose_pack(Some("format_version = 1\n")).unwrap_err();
        assert!(!broken.is_empty());
    }

    #[test]
    fn target_markets_parse_countries_and_provinces_with_clear_errors() {
        let list = TargetMarket::parse_list("de, GB US ca-on").unwrap();
        let text: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["DE", "GB", "US", "CA-ON"]);
        assert_eq!(list[3].country, Country::CA);
        let err = TargetMarket::parse("XX").unwrap_err();
        assert!(err.contains("'XX'") && err.contains("expected"), "{err}");
        assert!(TargetMarket::parse("CA-ZZ").is_err());
    }

    #[tokio::test]
    async fn target_markets_are_ordered_idempotent_audited_and_isolated() {
        for s in all_backends().await {
            let org = s.create_org("Acme").await.unwrap();
            let other = s.create_org("Other").await.unwrap();
            let actor = Actor::cli(org.id);
            assert!(s.target_markets(org.id).await.unwrap().is_empty());
            let list = TargetMarket::parse_list("US, DE, CA-ON").unwrap();
            assert!(
                s.set_target_markets(&actor, &list).await.unwrap(),
                "{}",
                s.label()
            );
            assert_eq!(s.target_markets(org.id).await.unwrap(), list);
            // The same list again changes nothing and writes no audit entry.
            assert!(!s.set_target_markets(&actor, &list).await.unwrap());
            let reordered = TargetMarket::parse_list("DE, US").unwrap();
            assert!(s.set_target_markets(&actor, &reordered).await.unwrap());
            assert_eq!(s.target_markets(org.id).await.unwrap(), reordered);
            assert!(s.target_markets(other.id).await.unwrap().is_empty());
            let log = s.list_audit(org.id, &AuditQuery::default()).await.unwrap();
            let entries: Vec<_> = log
                .items
                .iter()
                .filter(|e| e.action == "landed_cost.target_markets")
                .collect();
            assert_eq!(entries.len(), 2);
            // Duplicates and too many markets are refused and nothing changes.
            let dup = TargetMarket::parse_list("DE, DE").unwrap();
            assert!(matches!(
                s.set_target_markets(&actor, &dup).await,
                Err(StoreError::Invalid(m)) if m.contains("twice")
            ));
            let many: Vec<TargetMarket> = "AT BE BG HR CY CZ DK EE FI FR DE GR HU"
                .split(' ')
                .map(|c| TargetMarket::parse(c).unwrap())
                .collect();
            assert!(s.set_target_markets(&actor, &many).await.is_err());
            assert_eq!(s.target_markets(org.id).await.unwrap(), reordered);
        }
    }

    #[tokio::test]
    async fn rule_packs_are_versioned_idempotent_audited_and_isolated() {
        for s in all_backends().await {
            let org = s.create_org("Acme").await.unwrap();
            let other = s.create_org("Other").await.unwrap();
            let actor = Actor::cli(org.id);
            assert!(s.latest_rule_pack(org.id).await.unwrap().is_none());
            let first = s.save_rule_pack(&actor, OVERLAY).await.unwrap();
            assert!(first.created, "{}", s.label());
            assert_eq!(first.info.pack_id, "acme-overlay");
            assert_eq!(first.info.rule_count, 1);
            let again = s.save_rule_pack(&actor, OVERLAY).await.unwrap();
            assert!(!again.created);
            assert_eq!(again.info, first.info);
            let second_text = OVERLAY.replace("pack_version = \"1\"", "pack_version = \"2\"");
            let second = s.save_rule_pack(&actor, &second_text).await.unwrap();
            assert!(second.created);
            let latest = s.latest_rule_pack(org.id).await.unwrap().unwrap();
            assert_eq!(latest.info.pack_version, "2");
            let info = s.latest_rule_pack_info(org.id).await.unwrap().unwrap();
            assert_eq!(info, latest.info);
            assert_eq!(latest.toml, second_text);
            let listed = s.list_rule_packs(org.id).await.unwrap();
            assert_eq!(
                listed
                    .iter()
                    .map(|p| p.pack_version.as_str())
                    .collect::<Vec<_>>(),
                vec!["2", "1"]
            );
            assert!(s.latest_rule_pack(other.id).await.unwrap().is_none());
            assert!(s.list_rule_packs(other.id).await.unwrap().is_empty());
            let log = s.list_audit(org.id, &AuditQuery::default()).await.unwrap();
            assert_eq!(
                log.items
                    .iter()
                    .filter(|e| e.action == "rule_pack.load")
                    .count(),
                2
            );
            // An invalid pack is refused with the rule named, and nothing is written.
            let bad = OVERLAY.replace("hs = \"9999.99\"", "hs = \"99x9\"");
            let err = s.save_rule_pack(&actor, &bad).await.unwrap_err();
            assert!(
                matches!(&err, StoreError::Invalid(m) if m.contains("ACME-EU-9999.99") && m.contains("'hs'")),
                "{err}"
            );
            assert_eq!(s.list_rule_packs(org.id).await.unwrap().len(), 2);
        }
    }

    #[tokio::test]
    async fn fx_rates_upsert_idempotently_and_load_as_a_table() {
        for s in all_backends().await {
            let org = s.create_org("Acme").await.unwrap();
            let actor = Actor::cli(org.id);
            assert!(s.ecb_fx_table().await.unwrap().is_none());
            let before = s.fx_fingerprint().await.unwrap();
            let rows = ecb_csv_rows(ECB).unwrap();
            let first = s.upsert_fx_rates(Some(&actor), &rows).await.unwrap();
            assert_eq!(
                first,
                FxUpsertOutcome {
                    inserted: 8,
                    updated: 0,
                    unchanged: 0
                },
                "{}",
                s.label()
            );
            let after = s.fx_fingerprint().await.unwrap();
            assert_ne!(before, after);
            let second = s.upsert_fx_rates(Some(&actor), &rows).await.unwrap();
            assert_eq!(second.inserted + second.updated, 0);
            assert_eq!(second.unchanged, 8);
            assert_eq!(s.fx_fingerprint().await.unwrap(), after);
            // A corrected rate is updated in place.
            let corrected = ECB.replace("1.1500", "1.1510");
            let third = s
                .upsert_fx_rates(Some(&actor), &ecb_csv_rows(&corrected).unwrap())
                .await
                .unwrap();
            assert_eq!((third.inserted, third.updated), (0, 1));
            let table = s.ecb_fx_table().await.unwrap().unwrap();
            assert_eq!(table.len(), 8);
            let d = |t: &str| Date::from_str(t).unwrap();
            let usd = Currency::parse("USD").unwrap();
            let r = table.rate(Currency::EUR, usd, d("2026-07-03")).unwrap();
            assert_eq!(r.rate, Decimal::from_str("1.151").unwrap());
            // A weekend uses the last publication.
            let sat = table.rate(Currency::EUR, usd, d("2026-07-04")).unwrap();
            assert_eq!(sat.rate_date, d("2026-07-03"));
            let summary = s.fx_summary().await.unwrap();
            assert_eq!(summary.len(), 1);
            assert_eq!(summary[0].currencies, 3);
            assert_eq!(summary[0].first_date, "2026-07-01");
            let log = s.list_audit(org.id, &AuditQuery::default()).await.unwrap();
            // Two writing imports audited; the idempotent one wrote nothing.
            assert_eq!(
                log.items.iter().filter(|e| e.action == "fx.import").count(),
                2
            );
            let zero = FxRateRow {
                rate: Decimal::ZERO,
                ..rows[0].clone()
            };
            assert!(matches!(
                s.upsert_fx_rates(None, &[zero]).await,
                Err(StoreError::Invalid(_))
            ));
        }
    }

    #[tokio::test]
    async fn quotes_are_saved_in_order_audited_and_isolated() {
        for s in all_backends().await {
            let org = s.create_org("Acme").await.unwrap();
            let other = s.create_org("Other").await.unwrap();
            let actor = Actor::cli(org.id);
            let quotes: Vec<NewQuote> = (0..450)
                .map(|i| NewQuote {
                    request_json: format!("{{\"n\":{i}}}"),
                    result_json: "{}".into(),
                    pack_id: "tradelane-builtin".into(),
                    pack_version: "v".into(),
                    fx_json: "[]".into(),
                })
                .collect();
            let ids = s.save_quotes(&actor, &quotes).await.unwrap();
            assert_eq!(ids.len(), 450, "{}", s.label());
            assert!(ids.windows(2).all(|w| w[0] < w[1]));
            let listed = s.list_quotes(org.id, 1000).await.unwrap();
            assert_eq!(listed.len(), 450);
            assert_eq!(listed[0].id, ids[449]);
            assert_eq!(listed[0].request_json, "{\"n\":449}");
            assert_eq!(listed[0].created_by, "cli");
            assert!(s.list_quotes(other.id, 10).await.unwrap().is_empty());
            assert!(s.save_quotes(&actor, &[]).await.unwrap().is_empty());
            let log = s.list_audit(org.id, &AuditQuery::default()).await.unwrap();
            let entry = log
                .items
                .iter()
                .find(|e| e.action == "landed_cost.quote")
                .unwrap();
            assert_eq!(entry.entity_id, format!("{}..{}", ids[0], ids[449]));
        }
    }

    #[test]
    fn the_ecb_source_name_is_the_engines() {
        let table = FxTable::from_ecb_csv("Date,USD,\n2026-07-01,1.1,\n").unwrap();
        assert_eq!(table.source(), ECB_SOURCE);
    }
}
