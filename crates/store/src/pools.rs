//! Consolidation pools (拼柜): a pool per lane and cut-off, organised by one organisation, joined by
//! others when it is open for opt-in, each participant putting in its own cartons; the planner's
//! result (`tradelane_freight::PoolPlan`) is stored as JSON.
//!
//! Who sees what (every read takes the caller's organisation):
//! - a pool is visible to its organiser, to its participants, and — while it is open for opt-in
//!   (`visibility = open`, `status = open`) — to every organisation, so it can be found and joined;
//!   any other pool answers "not found", exactly like a pool that does not exist;
//! - carton lines are read and changed only by their own organisation ([`Store::pool_cartons`],
//!   [`Store::put_pool_cartons`] filter by the caller's organisation); nobody else ever reads them,
//!   the organiser included;
//! - the stored plan is returned through [`PoolPlan::view_for`]: a participant sees the container
//!   figures and only its own carton lines, share and saving; the organiser additionally sees each
//!   participant's aggregate line (cartons, volume, weight, basis, share), never their carton lines
//!   nor their solo quotes;
//! - organiser-only operations (close, rate cards, planning) filter by the organiser's id, so any
//!   other organisation gets "not found". [`Store::pool_plan_input`] is the one read that gathers
//!   every participant's cartons; it serves only the organiser's plan run, whose result is stored,
//!   and is never returned to a client as such.
//!
//! Every change writes an audit row in the actor's organisation in the same transaction; a join
//! also writes one in the organiser's organisation.

use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use tradelane_domain::{Currency, Money};
use tradelane_freight::{
    CartonLine, ContainerProfile, FxTable, Lane, MAX_POOL_CARTONS, MAX_PROFILES, Mode, PoolInput,
    PoolParticipant, PoolPlan, RateCard, SplitMethod,
};

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, bool_from_db, bool_to_db, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, OrgId};
use crate::orgs::clean_name;
use crate::time;

/// Rate cards stored with one pool.
pub const MAX_POOL_CARDS: usize = 500;
/// Carton lines one organisation puts in one pool.
pub const MAX_POOL_LINES: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PoolId(pub i64);

impl std::fmt::Display for PoolId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolStatus {
    /// Joins and carton changes allowed.
    Open,
    /// Intake stopped; the organiser plans.
    Closed,
    /// A plan is stored (intake stays stopped).
    Planned,
}

impl PoolStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PoolStatus::Open => "open",
            PoolStatus::Closed => "closed",
            PoolStatus::Planned => "planned",
        }
    }

    pub fn parse(s: &str) -> Option<PoolStatus> {
        match s {
            "open" => Some(PoolStatus::Open),
            "closed" => Some(PoolStatus::Closed),
            "planned" => Some(PoolStatus::Planned),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolVisibility {
    /// Only the organiser's organisation takes part (several of its own shipments).
    Private,
    /// Other organisations may find the pool and opt in while it is open.
    Open,
}

impl PoolVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            PoolVisibility::Private => "private",
            PoolVisibility::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Option<PoolVisibility> {
        match s {
            "private" => Some(PoolVisibility::Private),
            "open" => Some(PoolVisibility::Open),
            _ => None,
        }
    }
}

/// A pool as created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPool {
    pub name: String,
    /// ORIGIN-DESTINATION, e.g. CNSZX-USLAX.
    pub lane: String,
    pub cut_off: Date,
    pub mode: Mode,
    pub currency: Currency,
    pub method: SplitMethod,
    pub visibility: PoolVisibility,
    /// Load spaces with their price (more may come from FCL rate cards).
    pub profiles: Vec<ContainerProfile>,
}

/// A pool as the caller's organisation sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPool {
    pub id: PoolId,
    pub organiser_org: OrgId,
    pub organiser_name: String,
    pub name: String,
    pub lane: String,
    pub cut_off: Date,
    pub mode: Mode,
    pub currency: Currency,
    pub method: SplitMethod,
    pub status: PoolStatus,
    pub visibility: PoolVisibility,
    pub profiles: Vec<ContainerProfile>,
    /// Rate cards of the pool: the organiser's, so empty for everyone else.
    pub cards: Vec<RateCard>,
    pub participant_count: u64,
    /// The caller's organisation organises the pool.
    pub is_organiser: bool,
    /// The caller's organisation takes part.
    pub joined: bool,
    pub planned_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl StoredPool {
    pub fn accepts_changes(&self) -> bool {
        self.status == PoolStatus::Open
    }
}

/// What a participant states when it opts in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinPool {
    /// Its goods must leave by this date; before the cut-off means they cannot wait for the pool.
    #[serde(default)]
    pub deadline: Option<Date>,
    /// A quote it has for shipping alone (its own forwarder), for the saving.
    #[serde(default)]
    pub solo_quote: Option<Money>,
}

/// One participant as the caller may see it: the organiser sees every participant, others only
/// themselves. Aggregates only, never carton lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolMember {
    pub org_id: OrgId,
    pub name: String,
    pub deadline: Option<Date>,
    pub joined_at: Timestamp,
    pub carton_lines: u64,
    pub cartons: u64,
    /// Only in the caller's own entry.
    pub solo_quote: Option<Money>,
}

/// How an upload changes the caller's cartons in the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartonWrite {
    /// The upload becomes the whole list (lines not in it are removed).
    Replace,
    /// Lines are added, or replaced when their id is already there.
    Merge,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CartonWriteOutcome {
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
    /// Carton lines of the caller in the pool afterwards.
    pub lines: u64,
}

const POOL_COLUMNS: &str = "p.id, p.org_id, o.name AS organiser_name, p.name, p.lane, p.cut_off, \
     p.mode, p.currency, p.split_method, p.status, p.visibility, p.profiles_json, p.cards_json, \
     p.planned_at, p.version, p.created_at, p.created_by, \
     (SELECT COUNT(*) FROM freight_pool_participants x WHERE x.pool_id = p.id) AS participant_count, \
     (SELECT COUNT(*) FROM freight_pool_participants y WHERE y.pool_id = p.id AND y.org_id = $1) AS joined";

/// Pools the organisation `$1` may see.
const VISIBLE: &str = "(p.org_id = $1 \
     OR EXISTS (SELECT 1 FROM freight_pool_participants m WHERE m.pool_id = p.id AND m.org_id = $1) \
     OR (p.visibility = 'open' AND p.status = 'open'))";

fn corrupt(col: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(format!("freight_pools.{col}: {e}"))
}

fn parse_date(col: &str, text: &str) -> Result<Date> {
    text.parse::<Date>().map_err(|e| corrupt(col, e))
}

fn parse_decimal(col: &str, text: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|e| corrupt(col, e))
}

fn mode_from(text: &str) -> Result<Mode> {
    Mode::parse(text).ok_or_else(|| corrupt("mode", text))
}

fn method_from(text: &str) -> Result<SplitMethod> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| corrupt("split_method", e))
}

fn method_text(m: SplitMethod) -> String {
    match m {
        SplitMethod::WeightOrMeasure => "weight_or_measure",
        SplitMethod::VolumeOnly => "volume_only",
        SplitMethod::WeightOnly => "weight_only",
    }
    .to_string()
}

fn pool_from_row(row: &AnyRow, viewer: OrgId) -> Result<StoredPool> {
    let organiser_org = OrgId(get_i64(row, "org_id")?);
    let is_organiser = organiser_org == viewer;
    let profiles: Vec<ContainerProfile> = serde_json::from_str(&get_string(row, "profiles_json")?)
        .map_err(|e| corrupt("profiles_json", e))?;
    let cards: Vec<RateCard> = if is_organiser {
        serde_json::from_str(&get_string(row, "cards_json")?)
            .map_err(|e| corrupt("cards_json", e))?
    } else {
        Vec::new()
    };
    let status = get_string(row, "status")?;
    let visibility = get_string(row, "visibility")?;
    let currency = get_string(row, "currency")?;
    Ok(StoredPool {
        id: PoolId(get_i64(row, "id")?),
        organiser_org,
        organiser_name: get_string(row, "organiser_name")?,
        name: get_string(row, "name")?,
        lane: get_string(row, "lane")?,
        cut_off: parse_date("cut_off", &get_string(row, "cut_off")?)?,
        mode: mode_from(&get_string(row, "mode")?)?,
        currency: Currency::parse(&currency).map_err(|e| corrupt("currency", e))?,
        method: method_from(&get_string(row, "split_method")?)?,
        status: PoolStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        visibility: PoolVisibility::parse(&visibility)
            .ok_or_else(|| corrupt("visibility", &visibility))?,
        profiles,
        cards,
        participant_count: u64::try_from(get_i64(row, "participant_count")?).unwrap_or(0),
        is_organiser,
        joined: get_i64(row, "joined")? > 0,
        planned_at: time::opt_from_text(
            "freight_pools.planned_at",
            get_opt_string(row, "planned_at")?,
        )?,
        version: get_i64(row, "version")?,
        created_at: time::from_text("freight_pools.created_at", &get_string(row, "created_at")?)?,
        created_by: get_string(row, "created_by")?,
    })
}

fn carton_from_row(row: &AnyRow) -> Result<CartonLine> {
    let dec = |col: &str| -> Result<Decimal> { parse_decimal(col, &get_string(row, col)?) };
    let qty = get_i64(row, "qty")?;
    Ok(CartonLine {
        line: usize::try_from(get_i64(row, "id")?).unwrap_or(0),
        id: get_string(row, "carton_ref")?,
        dims_mm: [dec("length_mm")?, dec("width_mm")?, dec("height_mm")?],
        weight_kg: dec("weight_kg")?,
        qty: u32::try_from(qty).map_err(|e| corrupt("qty", e))?,
        this_side_up: bool_from_db(get_i64(row, "this_side_up")?),
        stackable: bool_from_db(get_i64(row, "stackable")?),
        max_load_kg: get_opt_string(row, "max_load_kg")?
            .map(|t| parse_decimal("max_load_kg", &t))
            .transpose()?,
        stop: 1,
        battery: bool_from_db(get_i64(row, "battery")?),
    })
}

fn check_profiles(profiles: &[ContainerProfile]) -> Result<()> {
    if profiles.len() > MAX_PROFILES {
        return Err(StoreError::Invalid(format!(
            "containers: {}; at most {MAX_PROFILES}",
            profiles.len()
        )));
    }
    for (i, p) in profiles.iter().enumerate() {
        check_text(&format!("containers[{i}].code"), &p.code)?;
        if p.code.trim().is_empty() || p.code.chars().count() > 40 {
            return Err(StoreError::Invalid(format!(
                "containers[{i}].code: expected a name of 1 to 40 characters"
            )));
        }
        if p.inner_mm.iter().any(|d| *d <= 0 || *d > 100_000) {
            return Err(StoreError::Invalid(format!(
                "containers[{i}].inner_mm: {:?}; expected each from 1 to 100000 mm",
                p.inner_mm
            )));
        }
        if p.payload_kg <= Decimal::ZERO {
            return Err(StoreError::Invalid(format!(
                "containers[{i}].payload_kg: {}; expected more than 0",
                p.payload_kg
            )));
        }
        if p.price.is_negative() {
            return Err(StoreError::Invalid(format!(
                "containers[{i}].price: {}; expected 0 or more",
                p.price
            )));
        }
        if profiles[..i].iter().any(|q| q.code == p.code) {
            return Err(StoreError::Invalid(format!(
                "containers[{i}].code: {} is listed twice",
                p.code
            )));
        }
    }
    Ok(())
}

fn check_lines(lines: &[CartonLine]) -> Result<()> {
    if lines.len() > MAX_POOL_LINES {
        return Err(StoreError::Invalid(format!(
            "{} carton lines; at most {MAX_POOL_LINES} per organisation and pool",
            lines.len()
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut total = 0u64;
    for (i, l) in lines.iter().enumerate() {
        let field = |f: &str| format!("cartons[{i}].{f}");
        check_text(&field("id"), &l.id)?;
        if l.id.trim().is_empty() || l.id.chars().count() > 100 {
            return Err(StoreError::Invalid(format!(
                "{}: expected an id of 1 to 100 characters",
                field("id")
            )));
        }
        if !seen.insert(l.id.as_str()) {
            return Err(StoreError::Invalid(format!(
                "{}: {} appears twice; carton ids are unique per organisation in a pool",
                field("id"),
                l.id
            )));
        }
        for (k, name) in ["length_mm", "width_mm", "height_mm"].iter().enumerate() {
            let d = l.dims_mm[k];
            if d <= Decimal::ZERO || d > Decimal::from(100_000) {
                return Err(StoreError::Invalid(format!(
                    "{}: {d}; expected more than 0 and at most 100000 mm",
                    field(name)
                )));
            }
        }
        if l.weight_kg < Decimal::ZERO || l.weight_kg > Decimal::from(100_000) {
            return Err(StoreError::Invalid(format!(
                "{}: {}; expected 0 to 100000 kg",
                field("weight_kg"),
                l.weight_kg
            )));
        }
        if l.max_load_kg.is_some_and(|m| m < Decimal::ZERO) {
            return Err(StoreError::Invalid(format!(
                "{}: expected 0 or more",
                field("max_load_kg")
            )));
        }
        if l.qty == 0 {
            return Err(StoreError::Invalid(format!(
                "{}: 0; expected at least 1",
                field("qty")
            )));
        }
        total += u64::from(l.qty);
    }
    if total > MAX_POOL_CARTONS {
        return Err(StoreError::Invalid(format!(
            "{total} cartons; at most {MAX_POOL_CARTONS} in one pool"
        )));
    }
    Ok(())
}

/// The comparable content of a carton line (its row id and position aside).
fn same_line(a: &CartonLine, b: &CartonLine) -> bool {
    a.id == b.id
        && a.dims_mm == b.dims_mm
        && a.weight_kg == b.weight_kg
        && a.qty == b.qty
        && a.this_side_up == b.this_side_up
        && a.stackable == b.stackable
        && a.max_load_kg == b.max_load_kg
        && a.battery == b.battery
}

impl Store {
    async fn pool_row(
        &self,
        conn: &mut sqlx::AnyConnection,
        org: OrgId,
        id: PoolId,
    ) -> Result<StoredPool> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {POOL_COLUMNS} FROM freight_pools p JOIN orgs o ON o.id = p.org_id \
             WHERE p.id = $2 AND {VISIBLE}"
        )))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            Some(r) => pool_from_row(&r, org),
            None => Err(StoreError::not_found("pool", id)),
        }
    }

    /// Creates a pool organised by the actor's organisation, which takes part in it.
    pub async fn create_pool(&self, actor: &Actor, new: NewPool) -> Result<StoredPool> {
        let name = clean_name("pool name", &new.name)?;
        check_text("lane", &new.lane)?;
        let lane = Lane::parse(&new.lane).map_err(|e| StoreError::Invalid(format!("lane: {e}")))?;
        check_profiles(&new.profiles)?;
        let profiles_json = audit::json(&new.profiles)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let org_name: String = get_string(
            &sqlx::query("SELECT name FROM orgs WHERE id = $1")
                .bind(actor.org_id.0)
                .fetch_one(&mut *tx)
                .await?,
            "name",
        )?;
        let row = sqlx::query(
            "INSERT INTO freight_pools (org_id, name, lane, cut_off, mode, currency, split_method, \
             status, visibility, profiles_json, cards_json, plan_json, planned_at, version, \
             created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, '[]', NULL, NULL, 1, $10, $11, $10) \
             RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(name.clone())
        .bind(lane.to_string())
        .bind(new.cut_off.to_string())
        .bind(new.mode.code().to_string())
        .bind(new.currency.code().to_string())
        .bind(method_text(new.method))
        .bind(new.visibility.as_str().to_string())
        .bind(profiles_json)
        .bind(time::to_text(now))
        .bind(actor.label.clone())
        .fetch_one(&mut *tx)
        .await?;
        let id = PoolId(get_i64(&row, "id")?);
        sqlx::query(
            "INSERT INTO freight_pool_participants (pool_id, org_id, display_name, deadline, \
             solo_quote, solo_quote_currency, joined_at, joined_by) \
             VALUES ($1, $2, $3, NULL, NULL, NULL, $4, $5)",
        )
        .bind(id.0)
        .bind(actor.org_id.0)
        .bind(org_name)
        .bind(time::to_text(now))
        .bind(actor.label.clone())
        .execute(&mut *tx)
        .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "pool.create",
                entity_type: "freight_pool",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({
                    "name": name,
                    "lane": lane.to_string(),
                    "cut_off": new.cut_off.to_string(),
                    "mode": new.mode.code(),
                    "currency": new.currency.code(),
                    "split_method": method_text(new.method),
                    "visibility": new.visibility.as_str(),
                    "containers": new.profiles.iter().map(|p| &p.code).collect::<Vec<_>>(),
                }))?),
            },
        )
        .await?;
        let pool = self.pool_row(&mut tx, actor.org_id, id).await?;
        tx.commit().await?;
        Ok(pool)
    }

    /// Pools the organisation organises or takes part in, and pools open for it to join;
    /// by cut-off date.
    pub async fn list_pools(&self, org: OrgId) -> Result<Vec<StoredPool>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {POOL_COLUMNS} FROM freight_pools p JOIN orgs o ON o.id = p.org_id \
             WHERE {VISIBLE} ORDER BY p.cut_off, p.id"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| pool_from_row(r, org)).collect()
    }

    /// One pool, if the organisation may see it (else not found).
    pub async fn get_pool(&self, org: OrgId, id: PoolId) -> Result<StoredPool> {
        let mut conn = self.pool.acquire().await?;
        self.pool_row(&mut conn, org, id).await
    }

    /// Opts the actor's organisation in (or updates its deadline and solo quote). Only an open pool
    /// accepts: a private pool of another organisation is not found, a closed one is a conflict.
    pub async fn join_pool(&self, actor: &Actor, id: PoolId, join: JoinPool) -> Result<StoredPool> {
        if let Some(q) = &join.solo_quote
            && q.is_negative()
        {
            return Err(StoreError::Invalid(format!(
                "solo_quote: {q}; expected 0 or more"
            )));
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let pool = self.pool_row(&mut tx, actor.org_id, id).await?;
        if !pool.is_organiser && !pool.joined && pool.visibility == PoolVisibility::Private {
            return Err(StoreError::not_found("pool", id));
        }
        if !pool.accepts_changes() {
            return Err(StoreError::Conflict {
                what: format!(
                    "pool {id} is {}; it takes no more participants",
                    pool.status.as_str()
                ),
            });
        }
        let org_name: String = get_string(
            &sqlx::query("SELECT name FROM orgs WHERE id = $1")
                .bind(actor.org_id.0)
                .fetch_one(&mut *tx)
                .await?,
            "name",
        )?;
        let after = audit::json(&join)?;
        let deadline = join.deadline.map(|d| d.to_string());
        let quote = join.solo_quote.map(|q| q.amount().to_string());
        let quote_cur = join.solo_quote.map(|q| q.currency().code().to_string());
        if pool.joined {
            sqlx::query(
                "UPDATE freight_pool_participants SET deadline = $3, solo_quote = $4, \
                 solo_quote_currency = $5 WHERE pool_id = $1 AND org_id = $2",
            )
            .bind(id.0)
            .bind(actor.org_id.0)
            .bind(deadline)
            .bind(quote)
            .bind(quote_cur)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO freight_pool_participants (pool_id, org_id, display_name, deadline, \
                 solo_quote, solo_quote_currency, joined_at, joined_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.0)
            .bind(actor.org_id.0)
            .bind(org_name.clone())
            .bind(deadline)
            .bind(quote)
            .bind(quote_cur)
            .bind(time::to_text(now))
            .bind(actor.label.clone())
            .execute(&mut *tx)
            .await?;
        }
        bump(&mut tx, id, now).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: if pool.joined {
                    "pool.membership_update"
                } else {
                    "pool.join"
                },
                entity_type: "freight_pool",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(after),
            },
        )
        .await?;
        if !pool.joined && pool.organiser_org != actor.org_id {
            let organiser = Actor::new(pool.organiser_org, None, format!("org:{org_name}"));
            audit::write(
                &mut tx,
                &organiser,
                now,
                AuditRecord {
                    action: "pool.participant_joined",
                    entity_type: "freight_pool",
                    entity_id: id.to_string(),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(&serde_json::json!({
                        "org_id": actor.org_id.0,
                        "name": org_name,
                    }))?),
                },
            )
            .await?;
        }
        let pool = self.pool_row(&mut tx, actor.org_id, id).await?;
        tx.commit().await?;
        Ok(pool)
    }

    /// Participants as the organisation may see them: all of them (aggregates) for the organiser,
    /// itself only for a participant, nobody for an organisation that has not joined.
    pub async fn pool_members(&self, org: OrgId, id: PoolId) -> Result<Vec<PoolMember>> {
        let mut conn = self.pool.acquire().await?;
        let pool = self.pool_row(&mut conn, org, id).await?;
        let rows = sqlx::query(
            "SELECT m.org_id, m.display_name, m.deadline, m.solo_quote, m.solo_quote_currency, \
             m.joined_at, \
             (SELECT COUNT(*) FROM freight_pool_cartons c WHERE c.pool_id = m.pool_id AND c.org_id = m.org_id) AS lines, \
             (SELECT CAST(COALESCE(SUM(c.qty), 0) AS BIGINT) FROM freight_pool_cartons c WHERE c.pool_id = m.pool_id AND c.org_id = m.org_id) AS cartons \
             FROM freight_pool_participants m WHERE m.pool_id = $1 AND (m.org_id = $2 OR $3 = 1) \
             ORDER BY m.joined_at, m.org_id",
        )
        .bind(id.0)
        .bind(org.0)
        .bind(bool_to_db(pool.is_organiser))
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let member = OrgId(get_i64(r, "org_id")?);
            let solo_quote = if member == org {
                match (
                    get_opt_string(r, "solo_quote")?,
                    get_opt_string(r, "solo_quote_currency")?,
                ) {
                    (Some(a), Some(c)) => Some(Money::new(
                        parse_decimal("solo_quote", &a)?,
                        Currency::parse(&c).map_err(|e| corrupt("solo_quote_currency", e))?,
                    )),
                    _ => None,
                }
            } else {
                None
            };
            out.push(PoolMember {
                org_id: member,
                name: get_string(r, "display_name")?,
                deadline: get_opt_string(r, "deadline")?
                    .map(|d| parse_date("deadline", &d))
                    .transpose()?,
                joined_at: time::from_text("joined_at", &get_string(r, "joined_at")?)?,
                carton_lines: u64::try_from(get_i64(r, "lines")?).unwrap_or(0),
                cartons: u64::try_from(get_i64(r, "cartons")?).unwrap_or(0),
                solo_quote,
            });
        }
        Ok(out)
    }

    /// The organisation's own carton lines in the pool (nobody else's, whoever asks).
    pub async fn pool_cartons(&self, org: OrgId, id: PoolId) -> Result<Vec<CartonLine>> {
        let mut conn = self.pool.acquire().await?;
        self.pool_row(&mut conn, org, id).await?;
        let rows = sqlx::query(
            "SELECT id, carton_ref, length_mm, width_mm, height_mm, weight_kg, qty, battery, \
             this_side_up, stackable, max_load_kg FROM freight_pool_cartons \
             WHERE pool_id = $1 AND org_id = $2 ORDER BY id",
        )
        .bind(id.0)
        .bind(org.0)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(carton_from_row).collect()
    }

    /// Writes the actor's carton lines into the pool (its organisation must have joined and the
    /// pool be open). Only the actor's own lines are read or changed. One transaction, audited;
    /// writing the same lines again changes nothing.
    pub async fn put_pool_cartons(
        &self,
        actor: &Actor,
        id: PoolId,
        lines: Vec<CartonLine>,
        how: CartonWrite,
    ) -> Result<CartonWriteOutcome> {
        let lines: Vec<CartonLine> = lines
            .into_iter()
            .map(|mut l| {
                l.id = l.id.trim().to_string();
                l
            })
            .collect();
        check_lines(&lines)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let pool = self.pool_row(&mut tx, actor.org_id, id).await?;
        if !pool.joined {
            return Err(StoreError::Conflict {
                what: format!("join pool {id} before adding cartons"),
            });
        }
        if !pool.accepts_changes() {
            return Err(StoreError::Conflict {
                what: format!(
                    "pool {id} is {}; cartons can no longer change",
                    pool.status.as_str()
                ),
            });
        }
        let rows = sqlx::query(
            "SELECT id, carton_ref, length_mm, width_mm, height_mm, weight_kg, qty, battery, \
             this_side_up, stackable, max_load_kg FROM freight_pool_cartons \
             WHERE pool_id = $1 AND org_id = $2 ORDER BY id",
        )
        .bind(id.0)
        .bind(actor.org_id.0)
        .fetch_all(&mut *tx)
        .await?;
        let current: Vec<CartonLine> = rows.iter().map(carton_from_row).collect::<Result<_>>()?;
        let mut out = CartonWriteOutcome::default();
        let mut to_delete: Vec<String> = Vec::new();
        let mut to_insert: Vec<&CartonLine> = Vec::new();
        for l in &lines {
            match current.iter().find(|c| c.id == l.id) {
                Some(c) if same_line(c, l) => out.unchanged += 1,
                Some(_) => {
                    out.updated += 1;
                    to_delete.push(l.id.clone());
                    to_insert.push(l);
                }
                None => {
                    out.added += 1;
                    to_insert.push(l);
                }
            }
        }
        if how == CartonWrite::Replace {
            for c in &current {
                if !lines.iter().any(|l| l.id == c.id) {
                    out.removed += 1;
                    to_delete.push(c.id.clone());
                }
            }
        }
        let final_lines = match how {
            CartonWrite::Replace => lines.len() as u64,
            CartonWrite::Merge => current.len() as u64 + out.added,
        };
        let final_cartons: u64 = match how {
            CartonWrite::Replace => lines.iter().map(|l| u64::from(l.qty)).sum(),
            CartonWrite::Merge => {
                current
                    .iter()
                    .filter(|c| !lines.iter().any(|l| l.id == c.id))
                    .map(|c| u64::from(c.qty))
                    .sum::<u64>()
                    + lines.iter().map(|l| u64::from(l.qty)).sum::<u64>()
            }
        };
        if final_lines > MAX_POOL_LINES as u64 || final_cartons > MAX_POOL_CARTONS {
            return Err(StoreError::Invalid(format!(
                "{final_lines} carton lines, {final_cartons} cartons after this change; at most \
                 {MAX_POOL_LINES} lines and {MAX_POOL_CARTONS} cartons"
            )));
        }
        out.lines = final_lines;
        if to_delete.is_empty() && to_insert.is_empty() {
            tx.commit().await?;
            return Ok(out);
        }
        for r in &to_delete {
            sqlx::query(
                "DELETE FROM freight_pool_cartons WHERE pool_id = $1 AND org_id = $2 AND carton_ref = $3",
            )
            .bind(id.0)
            .bind(actor.org_id.0)
            .bind(r.clone())
            .execute(&mut *tx)
            .await?;
        }
        for l in &to_insert {
            sqlx::query(
                "INSERT INTO freight_pool_cartons (pool_id, org_id, carton_ref, length_mm, width_mm, \
                 height_mm, weight_kg, qty, battery, this_side_up, stackable, max_load_kg, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(id.0)
            .bind(actor.org_id.0)
            .bind(l.id.clone())
            .bind(l.dims_mm[0].normalize().to_string())
            .bind(l.dims_mm[1].normalize().to_string())
            .bind(l.dims_mm[2].normalize().to_string())
            .bind(l.weight_kg.normalize().to_string())
            .bind(i64::from(l.qty))
            .bind(bool_to_db(l.battery))
            .bind(bool_to_db(l.this_side_up))
            .bind(bool_to_db(l.stackable))
            .bind(l.max_load_kg.map(|m| m.normalize().to_string()))
            .bind(time::to_text(now))
            .execute(&mut *tx)
            .await?;
        }
        bump(&mut tx, id, now).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "pool.cartons",
                entity_type: "freight_pool",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&serde_json::json!({
                    "lines": current.len(),
                    "cartons": current.iter().map(|c| u64::from(c.qty)).sum::<u64>(),
                }))?),
                after: Some(audit::json(&serde_json::json!({
                    "mode": match how { CartonWrite::Replace => "replace", CartonWrite::Merge => "merge" },
                    "added": out.added,
                    "updated": out.updated,
                    "removed": out.removed,
                    "lines": final_lines,
                    "cartons": final_cartons,
                }))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Removes one of the actor's own carton lines (another organisation's line is not found).
    pub async fn delete_pool_carton(
        &self,
        actor: &Actor,
        id: PoolId,
        carton_ref: &str,
    ) -> Result<()> {
        check_text("carton id", carton_ref)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let pool = self.pool_row(&mut tx, actor.org_id, id).await?;
        if !pool.accepts_changes() {
            return Err(StoreError::Conflict {
                what: format!(
                    "pool {id} is {}; cartons can no longer change",
                    pool.status.as_str()
                ),
            });
        }
        let done = sqlx::query(
            "DELETE FROM freight_pool_cartons WHERE pool_id = $1 AND org_id = $2 AND carton_ref = $3",
        )
        .bind(id.0)
        .bind(actor.org_id.0)
        .bind(carton_ref.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("carton", carton_ref));
        }
        bump(&mut tx, id, now).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "pool.carton_delete",
                entity_type: "freight_pool",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&serde_json::json!({ "carton": carton_ref }))?),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stops intake (organiser only: anyone else gets not found).
    pub async fn close_pool(&self, actor: &Actor, id: PoolId) -> Result<StoredPool> {
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let pool = self.organised(&mut tx, actor, id).await?;
        if pool.status != PoolStatus::Open {
            return Err(StoreError::Conflict {
                what: format!("pool {id} is already {}", pool.status.as_str()),
            });
        }
        sqlx::query(
            "UPDATE freight_pools SET status = 'closed', version = version + 1, updated_at = $3 \
             WHERE id = $1 AND org_id = $2",
        )
        .bind(id.0)
        .bind(actor.org_id.0)
        .bind(time::to_text(now))
        .execute(&mut *tx)
        .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "pool.close",
                entity_type: "freight_pool",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(
                    &serde_json::json!({"status": pool.status.as_str()}),
                )?),
                after: Some(audit::json(&serde_json::json!({"status": "closed"}))?),
            },
        )
        .await?;
        let pool = self.pool_row(&mut tx, actor.org_id, id).await?;
        tx.commit().await?;
        Ok(pool)
    }

    /// Replaces the pool's rate cards (organiser only): solo quotes for the participants and FCL
    /// container prices.
    pub async fn set_pool_cards(
        &self,
        actor: &Actor,
        id: PoolId,
        cards: Vec<RateCard>,
    ) -> Result<StoredPool> {
        if cards.len() > MAX_POOL_CARDS {
            return Err(StoreError::Invalid(format!(
                "{} rate cards; at most {MAX_POOL_CARDS} per pool",
                cards.len()
            )));
        }
        let json = audit::json(&cards)?;
        check_text("rate cards", &json)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let pool = self.organised(&mut tx, actor, id).await?;
        sqlx::query(
            "UPDATE freight_pools SET cards_json = $3, version = version + 1, updated_at = $4 \
             WHERE id = $1 AND org_id = $2",
        )
        .bind(id.0)
        .bind(actor.org_id.0)
        .bind(json)
        .bind(time::to_text(now))
        .execute(&mut *tx)
        .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "pool.rate_cards",
                entity_type: "freight_pool",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(
                    &serde_json::json!({"cards": pool.cards.len()}),
                )?),
                after: Some(audit::json(&serde_json::json!({
                    "cards": cards.iter().map(|c| &c.id).collect::<Vec<_>>(),
                }))?),
            },
        )
        .await?;
        let pool = self.pool_row(&mut tx, actor.org_id, id).await?;
        tx.commit().await?;
        Ok(pool)
    }

    async fn organised(
        &self,
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        id: PoolId,
    ) -> Result<StoredPool> {
        let pool = self.pool_row(conn, actor.org_id, id).await?;
        if !pool.is_organiser {
            return Err(StoreError::not_found("pool", id));
        }
        Ok(pool)
    }

    /// Everything the planner needs (organiser only): every participant with its cartons, and the
    /// pool version to hand back to [`Store::save_pool_plan`]. The one read across participants'
    /// cartons; its result goes to the planner, never to a client.
    pub async fn pool_plan_input(&self, actor: &Actor, id: PoolId) -> Result<(PoolInput, i64)> {
        let mut conn = self.pool.acquire().await?;
        let pool = self.organised(&mut conn, actor, id).await?;
        let members = sqlx::query(
            "SELECT org_id, display_name, deadline, solo_quote, solo_quote_currency \
             FROM freight_pool_participants WHERE pool_id = $1 ORDER BY joined_at, org_id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut participants = Vec::with_capacity(members.len());
        for m in &members {
            let org = get_i64(m, "org_id")?;
            let rows = sqlx::query(
                "SELECT id, carton_ref, length_mm, width_mm, height_mm, weight_kg, qty, battery, \
                 this_side_up, stackable, max_load_kg FROM freight_pool_cartons \
                 WHERE pool_id = $1 AND org_id = $2 ORDER BY id",
            )
            .bind(id.0)
            .bind(org)
            .fetch_all(&mut *conn)
            .await?;
            let solo_quote = match (
                get_opt_string(m, "solo_quote")?,
                get_opt_string(m, "solo_quote_currency")?,
            ) {
                (Some(a), Some(c)) => Some(Money::new(
                    parse_decimal("solo_quote", &a)?,
                    Currency::parse(&c).map_err(|e| corrupt("solo_quote_currency", e))?,
                )),
                _ => None,
            };
            participants.push(PoolParticipant {
                id: org.to_string(),
                name: get_string(m, "display_name")?,
                deadline: get_opt_string(m, "deadline")?
                    .map(|d| parse_date("deadline", &d))
                    .transpose()?,
                cartons: rows.iter().map(carton_from_row).collect::<Result<_>>()?,
                solo_quote,
            });
        }
        let lane = Lane::parse(&pool.lane).map_err(|e| corrupt("lane", e))?;
        Ok((
            PoolInput {
                lane,
                cut_off: pool.cut_off,
                currency: pool.currency,
                method: pool.method,
                profiles: pool.profiles,
                participants,
                cards: pool.cards,
                fx: FxTable::default(),
            },
            pool.version,
        ))
    }

    /// Stores a plan computed from [`Store::pool_plan_input`] at `version` (organiser only); the
    /// pool becomes planned. A change since (a join, a carton upload) is a version mismatch.
    pub async fn save_pool_plan(
        &self,
        actor: &Actor,
        id: PoolId,
        version: i64,
        plan: &PoolPlan,
    ) -> Result<StoredPool> {
        let json = audit::json(plan)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let pool = self.organised(&mut tx, actor, id).await?;
        if pool.version != version {
            return Err(StoreError::VersionMismatch);
        }
        sqlx::query(
            "UPDATE freight_pools SET plan_json = $3, planned_at = $4, status = 'planned', \
             version = version + 1, updated_at = $4 WHERE id = $1 AND org_id = $2",
        )
        .bind(id.0)
        .bind(actor.org_id.0)
        .bind(json)
        .bind(time::to_text(now))
        .execute(&mut *tx)
        .await?;
        let unplaced: u64 = plan.unplaced.iter().map(|u| u64::from(u.count)).sum();
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "pool.plan",
                entity_type: "freight_pool",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(
                    &serde_json::json!({"status": pool.status.as_str()}),
                )?),
                after: Some(audit::json(&serde_json::json!({
                    "status": "planned",
                    "total": plan.total.to_string(),
                    "containers": plan.containers.iter().map(|c| &c.profile).collect::<Vec<_>>(),
                    "placed": plan.placed_cartons(),
                    "unplaced": unplaced,
                }))?),
            },
        )
        .await?;
        let pool = self.pool_row(&mut tx, actor.org_id, id).await?;
        tx.commit().await?;
        Ok(pool)
    }

    /// The stored plan as the organisation may see it ([`PoolPlan::view_for`]); `None` before
    /// planning. An organisation that has not joined sees no plan.
    pub async fn pool_plan(&self, org: OrgId, id: PoolId) -> Result<Option<PoolPlan>> {
        let mut conn = self.pool.acquire().await?;
        let pool = self.pool_row(&mut conn, org, id).await?;
        if !pool.joined && !pool.is_organiser {
            return Ok(None);
        }
        let row = sqlx::query("SELECT plan_json FROM freight_pools WHERE id = $1")
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await?;
        let Some(json) = get_opt_string(&row, "plan_json")? else {
            return Ok(None);
        };
        let plan: PoolPlan = serde_json::from_str(&json).map_err(|e| corrupt("plan_json", e))?;
        Ok(Some(plan.view_for(&org.0.to_string(), pool.is_organiser)))
    }
}

/// Every change to a pool or its participants bumps the pool version (a stale plan is refused).
async fn bump(conn: &mut sqlx::AnyConnection, id: PoolId, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE freight_pools SET version = version + 1, updated_at = $2 WHERE id = $1")
        .bind(id.0)
        .bind(time::to_text(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
