//! Batch ingestion and bulk re-derivation: the fast paths behind [`Store::ingest_raw`] and
//! [`Store::rederive_all`].
//!
//! One write transaction per batch; multi-row statements of a fixed width (so each shape is
//! prepared once per connection and reused); anonymous `?` parameters on SQLite (named ones are
//! resolved linearly there); de-duplication inside the batch before the database sees it, and by
//! the unique keys against what is already stored. The per-shipment path
//! ([`Store::ingest_events`]) stays as the row-at-a-time baseline the benchmark compares with.

use std::collections::{BTreeMap, HashMap, HashSet};

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AssertSqlSafe};
use tradelane_tracking::{NormalizedEvent, Normalizer, RawEvent, ShipmentState, Status};

use super::{
    NewShipment, RawEventError, RawIngestOptions, RawIngestReport, ShipmentId, from_json, legs_of,
    raw_json, state_has_exception, to_json, unmapped_code_key,
};
use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{Backend, begin_write, bool_to_db, get_i64, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::import::placeholders;
use crate::model::{Actor, OrgId};
use crate::time;

/// Rows per multi-row statement. Wide enough to amortise the round trip, narrow enough to stay
/// under SQLite's parameter limit with every table here (11 columns × 400 = 4,400).
const CHUNK: usize = 400;

/// A bound value of a multi-row statement.
#[derive(Debug, Clone)]
pub(crate) enum V {
    I(i64),
    OI(Option<i64>),
    T(String),
    OT(Option<String>),
}

/// Runs `INSERT … VALUES (…),(…) {tail}` for `rows` in chunks of [`CHUNK`] and returns the rows
/// of every `RETURNING` clause.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    head: &str,
    tail: &str,
    per_row: usize,
    rows: &[Vec<V>],
) -> Result<Vec<sqlx::any::AnyRow>> {
    if backend == Backend::Postgres {
        return insert_rows_pg(conn, head, tail, per_row, rows).await;
    }
    let mut out = Vec::new();
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "{head} VALUES {} {tail}",
            placeholders(backend, chunk.len(), per_row)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            debug_assert_eq!(row.len(), per_row);
            for v in row {
                q = match v {
                    V::I(x) => q.bind(*x),
                    V::OI(x) => q.bind(*x),
                    V::T(x) => q.bind(x.clone()),
                    V::OT(x) => q.bind(x.clone()),
                };
            }
        }
        if tail.contains("RETURNING") {
            out.extend(q.fetch_all(&mut *conn).await?);
        } else {
            q.execute(&mut *conn).await?;
        }
    }
    Ok(out)
}

/// Rows per PostgreSQL statement.
const PG_CHUNK: usize = 1_000;

/// PostgreSQL path of [`insert_rows`]: each chunk is one `INSERT … SELECT * FROM
/// unnest($1::bigint[], $2::text[], …)` with one array-literal text parameter per column.
/// Binding thousands of values one by one costs more than the server's array parser, and
/// array literals parse several times faster than the same rows as JSON (measured: the JSON
/// lexer's per-character unescaping took a quarter of the server's time on event payloads).
async fn insert_rows_pg(
    conn: &mut AnyConnection,
    head: &str,
    tail: &str,
    per_row: usize,
    rows: &[Vec<V>],
) -> Result<Vec<sqlx::any::AnyRow>> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    if first.len() != per_row {
        return Err(StoreError::corrupt(format!(
            "insert {head:?}: {} values for {per_row} columns",
            first.len()
        )));
    }
    let arrays = first
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            V::I(_) | V::OI(_) => format!("${}::bigint[]", i + 1),
            V::T(_) | V::OT(_) => format!("${}::text[]", i + 1),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("{head} SELECT * FROM unnest({arrays}) {tail}");
    let mut out = Vec::new();
    for chunk in rows.chunks(PG_CHUNK) {
        let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
        for column in 0..per_row {
            q = q.bind(array_literal(chunk.iter().map(|row| row.get(column)))?);
        }
        if tail.contains("RETURNING") {
            out.extend(q.fetch_all(&mut *conn).await?);
        } else {
            q.execute(&mut *conn).await?;
        }
    }
    Ok(out)
}

/// A PostgreSQL array literal (`{1,NULL}`, `{"a\"b",NULL}`) of one column's values.
pub(crate) fn array_literal<'a>(values: impl Iterator<Item = Option<&'a V>>) -> Result<String> {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(1024);
    out.push('{');
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match v {
            Some(V::I(x) | V::OI(Some(x))) => {
                let _ = write!(out, "{x}");
            }
            Some(V::T(t) | V::OT(Some(t))) => {
                out.push('"');
                for c in t.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            Some(V::OI(None) | V::OT(None)) => out.push_str("NULL"),
            None => {
                return Err(StoreError::corrupt(
                    "rows of a multi-row insert differ in width",
                ));
            }
        }
    }
    out.push('}');
    Ok(out)
}

/// `SELECT … WHERE org_id = ? AND {column} IN (…)` over `keys` in chunks.
async fn select_in(
    conn: &mut AnyConnection,
    backend: Backend,
    select: &str,
    column: &str,
    org: OrgId,
    keys: &[V],
    order: &str,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK * 4) {
        let list = match backend {
            Backend::Sqlite => vec!["?"; chunk.len()].join(","),
            Backend::Postgres => (2..chunk.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(","),
        };
        let first = match backend {
            Backend::Sqlite => "?",
            Backend::Postgres => "$1",
        };
        let sql = format!("{select} WHERE org_id = {first} AND {column} IN ({list}) {order}");
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.0);
        for k in chunk {
            q = match k {
                V::I(x) => q.bind(*x),
                V::OI(x) => q.bind(*x),
                V::T(x) => q.bind(x.clone()),
                V::OT(x) => q.bind(x.clone()),
            };
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Writes derived states with one multi-row `UPDATE … FROM (VALUES …)` per chunk.
pub(crate) async fn write_states(
    conn: &mut AnyConnection,
    backend: Backend,
    org: OrgId,
    states: &[(ShipmentId, ShipmentState, usize)],
    at: &str,
) -> Result<()> {
    if backend == Backend::Postgres {
        return write_states_pg(conn, org, states, at).await;
    }
    for chunk in states.chunks(CHUNK) {
        let values = placeholders(backend, chunk.len(), 7);
        let n = chunk.len() * 7;
        let (org_ph, at_ph) = match backend {
            Backend::Sqlite => ("?".to_string(), "?".to_string()),
            Backend::Postgres => (format!("${}", n + 1), format!("${}", n + 2)),
        };
        // SQLite binds anonymous parameters in text order: the SET clause's `at` comes first.
        let sql = format!(
            "UPDATE shipments SET updated_at = {at_ph}, state_json = v.column2, \
             status = v.column3, has_exception = v.column4, event_count = v.column5, \
             last_event_at = v.column6, current_leg = v.column7 FROM (VALUES {values}) AS v \
             WHERE shipments.id = v.column1 AND shipments.org_id = {org_ph}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if backend == Backend::Sqlite {
            q = q.bind(at.to_string());
        }
        for (id, state, count) in chunk {
            q = q
                .bind(id.0)
                .bind(to_json("shipment state", state)?)
                .bind(state.status.as_str().to_string())
                .bind(bool_to_db(state_has_exception(state)))
                .bind(*count as i64)
                .bind(state.last_event.as_ref().map(|e| time::to_text(e.time.utc)))
                .bind(state.leg.as_str().to_string());
        }
        q = q.bind(org.0);
        if backend == Backend::Postgres {
            q = q.bind(at.to_string());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// PostgreSQL path of [`write_states`]: one `UPDATE … FROM unnest(…)` per [`PG_CHUNK`] rows,
/// one array-literal parameter per column.
async fn write_states_pg(
    conn: &mut AnyConnection,
    org: OrgId,
    states: &[(ShipmentId, ShipmentState, usize)],
    at: &str,
) -> Result<()> {
    const SQL: &str = "UPDATE shipments SET updated_at = $8, state_json = v.state_json, \
         status = v.status, has_exception = v.has_exception, event_count = v.event_count, \
         last_event_at = v.last_event_at, current_leg = v.current_leg \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], \
         $6::text[], $7::text[]) \
         AS v(id, state_json, status, has_exception, event_count, last_event_at, current_leg) \
         WHERE shipments.id = v.id AND shipments.org_id = $9";
    for chunk in states.chunks(PG_CHUNK) {
        let mut rows: Vec<Vec<V>> = Vec::with_capacity(chunk.len());
        for (id, state, count) in chunk {
            rows.push(vec![
                V::I(id.0),
                V::T(to_json("shipment state", state)?),
                V::T(state.status.as_str().to_string()),
                V::I(bool_to_db(state_has_exception(state))),
                V::I(*count as i64),
                V::OT(state.last_event.as_ref().map(|e| time::to_text(e.time.utc))),
                V::T(state.leg.as_str().to_string()),
            ]);
        }
        let mut q = sqlx::query(SQL);
        for column in 0..7 {
            q = q.bind(array_literal(rows.iter().map(|row| row.get(column)))?);
        }
        q.bind(at.to_string())
            .bind(org.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn raw_row(
    org: OrgId,
    shipment: Option<ShipmentId>,
    raw: &RawEvent,
    error: Option<String>,
    at: &str,
) -> Result<(String, Vec<V>)> {
    let json = raw_json(raw)?;
    check_text("raw event", &json)?;
    let hash = hex::encode(Sha256::digest(json.as_bytes()));
    let row = vec![
        V::I(org.0),
        V::OI(shipment.map(|s| s.0)),
        V::T(hash.clone()),
        V::T(raw.source.clone()),
        V::T(raw.carrier.clone()),
        V::T(raw.tracking_number.clone()),
        V::T(json),
        V::OT(error),
        V::T(at.to_string()),
    ];
    Ok((hash, row))
}

const RAW_INSERT: &str = "INSERT INTO tracking_raw_events (org_id, shipment_id, content_hash, \
     source, carrier, tracking_number, raw_json, error, received_at)";
/// A raw event seen before is only rewritten when this batch attaches it to a shipment or
/// changes its error: a replay writes no row versions.
const RAW_CONFLICT: &str = "ON CONFLICT (org_id, content_hash) DO UPDATE SET \
     shipment_id = COALESCE(tracking_raw_events.shipment_id, excluded.shipment_id), \
     error = excluded.error \
     WHERE (tracking_raw_events.shipment_id IS NULL AND excluded.shipment_id IS NOT NULL) \
     OR tracking_raw_events.error IS DISTINCT FROM excluded.error";
const EVENT_INSERT: &str = "INSERT INTO tracking_events (org_id, shipment_id, dedup_key, \
     raw_hash, carrier, tracking_number, status, leg, occurred_at, event_json, received_at)";
const EVENT_CONFLICT: &str =
    "ON CONFLICT (org_id, shipment_id, dedup_key) DO NOTHING RETURNING shipment_id, dedup_key";

/// Unknown events newly stored, per (carrier, code key): count, first/last seen, a text sample.
#[derive(Default)]
struct UnmappedTally {
    count: i64,
    first: String,
    last: String,
    sample: Option<String>,
}

impl Store {
    /// Normalises a batch of raw events, attaches each to the shipment whose leg (or reference)
    /// carries its tracking number and stores the whole batch in one transaction: raw events
    /// once by content hash, normalised events once by (shipment, dedup key), unknown codes
    /// counted for the unmapped report, every touched shipment's state re-derived from all its
    /// stored events. A bad event (unreadable time, nothing to classify, unknown tracking number
    /// without `create_missing`) is reported with its index and kept raw with the reason; the
    /// rest are stored. Replaying a batch changes nothing.
    pub async fn ingest_raw(
        &self,
        actor: &Actor,
        normalizer: &Normalizer,
        raws: Vec<RawEvent>,
        options: &RawIngestOptions,
    ) -> Result<RawIngestReport> {
        let org = actor.org_id;
        let mut report = RawIngestReport {
            received: raws.len(),
            ..RawIngestReport::default()
        };
        // 1. Normalise (pure).
        let mut good: Vec<(usize, RawEvent, NormalizedEvent)> = Vec::with_capacity(raws.len());
        let mut rejected: Vec<(RawEvent, String)> = Vec::new();
        for (index, mut raw) in raws.into_iter().enumerate() {
            if raw.carrier.trim().is_empty()
                && let Some(c) = &options.default_carrier
            {
                raw.carrier = c.clone();
            }
            match normalizer.normalize(&raw) {
                Ok(e) => good.push((index, raw, e)),
                Err(e) => {
                    report.errors.push(RawEventError {
                        index,
                        tracking_number: raw.tracking_number.clone(),
                        message: e.to_string(),
                    });
                    rejected.push((raw, e.to_string()));
                }
            }
        }
        let now = time::now();
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        if self.backend == Backend::Postgres {
            refresh_stale_statistics(&mut tx).await?;
        }
        // 2. Find the shipments: legs first, then shipment references; lowest id wins.
        let numbers: Vec<String> = {
            let mut seen = HashSet::new();
            good.iter()
                .map(|(_, _, e)| e.tracking_number.clone())
                .filter(|n| seen.insert(n.clone()))
                .collect()
        };
        for n in &numbers {
            check_text("tracking number", n)?;
        }
        let keys: Vec<V> = numbers.iter().map(|n| V::T(n.clone())).collect();
        let mut found: HashMap<String, i64> = HashMap::new();
        for (select, column) in [
            (
                "SELECT shipment_id AS id, reference AS number FROM shipment_legs",
                "reference",
            ),
            ("SELECT id, reference AS number FROM shipments", "reference"),
        ] {
            for row in select_in(&mut tx, self.backend, select, column, org, &keys, "").await? {
                let id = get_i64(&row, "id")?;
                let number = get_string(&row, "number")?;
                found
                    .entry(number)
                    .and_modify(|v| *v = (*v).min(id))
                    .or_insert(id);
            }
        }
        // Containers / master AWBs: their events apply to every shipment travelling in them.
        let unresolved: Vec<V> = numbers
            .iter()
            .filter(|n| !found.contains_key(*n))
            .map(|n| V::T(n.clone()))
            .collect();
        let mut masters: HashMap<String, Vec<i64>> = HashMap::new();
        for row in select_in(
            &mut tx,
            self.backend,
            "SELECT number, id FROM (SELECT m.org_id AS org_id, m.reference AS number, \
             l.shipment_id AS id FROM master_shipments m JOIN shipment_legs l \
             ON l.master_id = m.id AND l.org_id = m.org_id) x",
            "number",
            org,
            &unresolved,
            "",
        )
        .await?
        {
            let ids = masters.entry(get_string(&row, "number")?).or_default();
            let id = get_i64(&row, "id")?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        // 3. Create the missing shipments (reference = tracking number) in bulk.
        if options.create_missing {
            let mut missing: Vec<(String, String)> = Vec::new();
            let mut seen = HashSet::new();
            for (_, _, e) in &good {
                if !found.contains_key(&e.tracking_number)
                    && !masters.contains_key(&e.tracking_number)
                    && seen.insert(&e.tracking_number)
                {
                    missing.push((e.tracking_number.clone(), e.carrier.clone()));
                }
            }
            let created = create_shipments_bulk(&mut tx, self.backend, org, &missing, &at).await?;
            for (number, id) in created {
                report.created_shipments.push(ShipmentId(id));
                found.insert(number, id);
            }
        }
        // 4. Attach; unknown numbers are per-event errors.
        let mut by_shipment: BTreeMap<i64, Vec<(RawEvent, NormalizedEvent)>> = BTreeMap::new();
        for (index, mut raw, mut e) in good {
            if let Some(ids) = masters.get(&e.tracking_number) {
                // A master's own scans are main carriage unless the source said otherwise.
                if raw.leg_hint.is_none() {
                    raw.leg_hint = Some(tradelane_tracking::LegKind::MainCarriage);
                    if let Ok(again) = normalizer.normalize(&raw) {
                        e = again;
                    }
                }
                for id in ids {
                    by_shipment
                        .entry(*id)
                        .or_default()
                        .push((raw.clone(), e.clone()));
                }
                continue;
            }
            match found.get(&e.tracking_number) {
                Some(id) => by_shipment.entry(*id).or_default().push((raw, e)),
                None => {
                    let message = format!(
                        "no shipment has tracking number {}; create the shipment first",
                        e.tracking_number
                    );
                    report.errors.push(RawEventError {
                        index,
                        tracking_number: e.tracking_number.clone(),
                        message: message.clone(),
                    });
                    rejected.push((raw, message));
                }
            }
        }
        report.errors.sort_by_key(|e| e.index);
        // 5. Raw events (attached and rejected), once per content hash.
        let mut raw_rows: Vec<Vec<V>> = Vec::new();
        let mut raw_index: HashMap<String, usize> = HashMap::new();
        let mut event_rows: Vec<Vec<V>> = Vec::new();
        let mut in_batch: HashSet<(i64, String)> = HashSet::new();
        let mut pending: HashMap<(i64, String), NormalizedEvent> = HashMap::new();
        for (id, events) in &by_shipment {
            for (raw, ev) in events {
                let (hash, row) = raw_row(org, Some(ShipmentId(*id)), raw, None, &at)?;
                match raw_index.get(&hash) {
                    Some(i) => raw_rows[*i] = row,
                    None => {
                        raw_index.insert(hash.clone(), raw_rows.len());
                        raw_rows.push(row);
                    }
                }
                if !in_batch.insert((*id, ev.dedup_key.0.clone())) {
                    continue;
                }
                let event_json = to_json("normalised event", ev)?;
                check_text("event", &event_json)?;
                event_rows.push(vec![
                    V::I(org.0),
                    V::I(*id),
                    V::T(ev.dedup_key.0.clone()),
                    V::T(hash),
                    V::T(ev.carrier.clone()),
                    V::T(ev.tracking_number.clone()),
                    V::T(ev.status.as_str().to_string()),
                    V::T(ev.leg.as_str().to_string()),
                    V::T(time::to_text(ev.time.utc)),
                    V::T(event_json),
                    V::T(at.clone()),
                ]);
                pending.insert((*id, ev.dedup_key.0.clone()), ev.clone());
            }
        }
        for (raw, error) in &rejected {
            let (hash, row) = raw_row(org, None, raw, Some(error.clone()), &at)?;
            match raw_index.get(&hash) {
                // Attached in this batch already (the same content twice): keep the attachment.
                Some(_) => {}
                None => {
                    raw_index.insert(hash, raw_rows.len());
                    raw_rows.push(row);
                }
            }
        }
        insert_rows(
            &mut tx,
            self.backend,
            RAW_INSERT,
            RAW_CONFLICT,
            9,
            &raw_rows,
        )
        .await?;
        // 6. Normalised events; RETURNING lists the ones actually new.
        let inserted_rows = insert_rows(
            &mut tx,
            self.backend,
            EVENT_INSERT,
            EVENT_CONFLICT,
            11,
            &event_rows,
        )
        .await?;
        let mut new_per_shipment: HashMap<i64, Vec<NormalizedEvent>> = HashMap::new();
        let mut tally: BTreeMap<(String, String), UnmappedTally> = BTreeMap::new();
        for row in &inserted_rows {
            let id = get_i64(row, "shipment_id")?;
            let key = get_string(row, "dedup_key")?;
            let Some(ev) = pending.remove(&(id, key)) else {
                continue;
            };
            if ev.status == Status::Unknown {
                let seen = time::to_text(ev.time.utc);
                let t = tally
                    .entry((ev.carrier.clone(), unmapped_code_key(&ev)))
                    .or_default();
                t.count += 1;
                if t.first.is_empty() || seen < t.first {
                    t.first = seen.clone();
                }
                if seen > t.last {
                    t.last = seen;
                }
                if t.sample.is_none() {
                    t.sample = ev.raw_text.clone();
                }
            }
            new_per_shipment.entry(id).or_default().push(ev);
        }
        report.inserted = inserted_rows.len();
        report.duplicates = report
            .received
            .saturating_sub(report.inserted + report.errors.len());
        // 7. Unmapped codes.
        let unmapped_rows: Vec<Vec<V>> = tally
            .into_iter()
            .map(|((carrier, code), t)| {
                vec![
                    V::I(org.0),
                    V::T(carrier),
                    V::T(code),
                    V::OT(t.sample),
                    V::I(t.count),
                    V::T(t.first),
                    V::T(t.last),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            self.backend,
            "INSERT INTO tracking_unmapped (org_id, carrier, code_key, text_sample, event_count, \
             first_seen, last_seen)",
            "ON CONFLICT (org_id, carrier, code_key) DO UPDATE SET \
             event_count = tracking_unmapped.event_count + excluded.event_count, \
             text_sample = COALESCE(tracking_unmapped.text_sample, excluded.text_sample), \
             first_seen = CASE WHEN excluded.first_seen < tracking_unmapped.first_seen \
               THEN excluded.first_seen ELSE tracking_unmapped.first_seen END, \
             last_seen = CASE WHEN excluded.last_seen > tracking_unmapped.last_seen \
               THEN excluded.last_seen ELSE tracking_unmapped.last_seen END",
            7,
            &unmapped_rows,
        )
        .await?;
        // 8. Re-derive touched shipments. A shipment that had no events before needs only the
        //    new ones; others are read back whole (order and replays do not matter to the fold).
        let touched: Vec<i64> = by_shipment.keys().copied().collect();
        let ids: Vec<V> = touched.iter().map(|i| V::I(*i)).collect();
        let mut had_events: HashSet<i64> = HashSet::new();
        for row in select_in(
            &mut tx,
            self.backend,
            "SELECT id, event_count FROM shipments",
            "id",
            org,
            &ids,
            "",
        )
        .await?
        {
            if get_i64(&row, "event_count")? > 0 {
                had_events.insert(get_i64(&row, "id")?);
            }
        }
        let reread: Vec<i64> = touched
            .iter()
            .copied()
            .filter(|id| had_events.contains(id) && new_per_shipment.contains_key(id))
            .collect();
        for block in reread.chunks(REDERIVE_BLOCK) {
            rederive_ids(&mut tx, self.backend, org, block, &at).await?;
        }
        let mut states = Vec::new();
        for id in &touched {
            if had_events.contains(id) {
                continue;
            }
            if let Some(events) = new_per_shipment.get(id) {
                let state = tradelane_tracking::derive_state(events);
                states.push((ShipmentId(*id), state, events.len()));
            }
        }
        write_states(&mut tx, self.backend, org, &states, &at).await?;
        // Statuses of every touched shipment, including those the batch only replayed.
        let mut status_of: HashMap<i64, Status> =
            states.iter().map(|(id, s, _)| (id.0, s.status)).collect();
        let missing_status: Vec<V> = touched
            .iter()
            .filter(|id| !status_of.contains_key(id))
            .map(|i| V::I(*i))
            .collect();
        for row in select_in(
            &mut tx,
            self.backend,
            "SELECT id, status FROM shipments",
            "id",
            org,
            &missing_status,
            "",
        )
        .await?
        {
            let text = get_string(&row, "status")?;
            let status = text
                .parse::<Status>()
                .map_err(|_| StoreError::corrupt(format!("shipments.status holds {text:?}")))?;
            status_of.insert(get_i64(&row, "id")?, status);
        }
        report.shipments = touched
            .iter()
            .filter_map(|id| status_of.get(id).map(|s| (ShipmentId(*id), *s)))
            .collect();
        // 9. One audit row for the batch (the created shipments and the counts).
        if report.inserted > 0 || !report.created_shipments.is_empty() || !rejected.is_empty() {
            audit::write(
                &mut tx,
                actor,
                now,
                AuditRecord {
                    action: "shipment.events.batch",
                    entity_type: "shipment",
                    entity_id: format!("{} shipments", touched.len()),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(&serde_json::json!({
                        "received": report.received,
                        "inserted": report.inserted,
                        "duplicates": report.duplicates,
                        "errors": report.errors.len(),
                        "created_shipments": report.created_shipments,
                        "shipments": touched.len(),
                    }))?),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Re-derives every shipment's state of the organisation from its stored events (a
    /// shipment without events goes back to `pending`): blocks of shipments, their events read
    /// with one query per block, states written with multi-row updates, one transaction.
    /// Returns (shipments, events) read.
    pub async fn rederive_all(&self, actor: &Actor) -> Result<(usize, usize)> {
        let org = actor.org_id;
        let now = time::now();
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        if self.backend == Backend::Postgres {
            // Right after a bulk load autovacuum has not sampled the tables yet, and without
            // statistics PostgreSQL plans the per-block event reads as full scans.
            sqlx::query("ANALYZE shipments, tracking_events")
                .execute(&mut *tx)
                .await?;
        }
        let ids: Vec<i64> = sqlx::query("SELECT id FROM shipments WHERE org_id = $1 ORDER BY id")
            .bind(org.0)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| get_i64(r, "id"))
            .collect::<Result<_>>()?;
        let mut events_read = 0usize;
        for block in ids.chunks(REDERIVE_BLOCK) {
            events_read += rederive_ids(&mut tx, self.backend, org, block, &at).await?;
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "shipment.rederive_all",
                entity_type: "shipment",
                entity_id: format!("{} shipments", ids.len()),
                batch_id: None,
                before: None,
                after: Some(audit::json(
                    &serde_json::json!({"shipments": ids.len(), "events": events_read}),
                )?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((ids.len(), events_read))
    }
}

/// Tables a batch ingest reads by key lists (`… IN (…)`, `UPDATE … FROM unnest(…)`).
const INGEST_TABLES: [&str; 3] = ["shipments", "shipment_legs", "tracking_events"];

/// Runs ANALYZE on the ingest's tables whose planner statistics are stale: more rows changed
/// since the last analysis than half the rows the statistics describe (and at least 5,000).
/// While a bulk load grows a table, autovacuum samples it at most once a minute; until then
/// PostgreSQL estimates a list of 1,000 keys to match most of the table and scans all of it
/// for every batch, which made loading events into existing shipments 30× slower. Growth by
/// halves means a load of N rows analyses each table about log₂(N / 5,000) times.
async fn refresh_stale_statistics(conn: &mut AnyConnection) -> Result<()> {
    let rows = sqlx::query(
        "SELECT relname::TEXT AS name FROM pg_stat_user_tables \
         WHERE relname IN ('shipments', 'shipment_legs', 'tracking_events') \
         AND n_mod_since_analyze > 5000 \
         AND n_mod_since_analyze > COALESCE((SELECT reltuples FROM pg_class \
             WHERE oid = relid), 0) / 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let name = get_string(&row, "name")?;
        // The name comes from the fixed list above, never from input.
        if let Some(table) = INGEST_TABLES.iter().find(|t| **t == name) {
            sqlx::query(AssertSqlSafe(format!("ANALYZE {table}")))
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Shipments re-derived per read of their events.
const REDERIVE_BLOCK: usize = 1_000;

/// Re-derives and writes the states of `ids` from all their stored events; returns how many
/// events were read.
pub(crate) async fn rederive_ids(
    conn: &mut AnyConnection,
    backend: Backend,
    org: OrgId,
    ids: &[i64],
    at: &str,
) -> Result<usize> {
    let keys: Vec<V> = ids.iter().map(|i| V::I(*i)).collect();
    let mut by_id: HashMap<i64, Vec<NormalizedEvent>> = HashMap::with_capacity(ids.len());
    let mut read = 0usize;
    for row in select_in(
        conn,
        backend,
        "SELECT shipment_id, event_json FROM tracking_events",
        "shipment_id",
        org,
        &keys,
        "",
    )
    .await?
    {
        by_id
            .entry(get_i64(&row, "shipment_id")?)
            .or_default()
            .push(from_json(
                "tracking_events.event_json",
                &get_string(&row, "event_json")?,
            )?);
        read += 1;
    }
    let states: Vec<(ShipmentId, ShipmentState, usize)> = ids
        .iter()
        .map(|id| {
            let events = by_id.remove(id).unwrap_or_default();
            let state = tradelane_tracking::derive_state(&events);
            (ShipmentId(*id), state, events.len())
        })
        .collect();
    write_states(conn, backend, org, &states, at).await?;
    Ok(read)
}

/// Inserts shipments (reference = tracking number, one last-mile leg) for numbers no shipment
/// carries; returns (number, id).
async fn create_shipments_bulk(
    conn: &mut AnyConnection,
    backend: Backend,
    org: OrgId,
    missing: &[(String, String)],
    at: &str,
) -> Result<Vec<(String, i64)>> {
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let empty_state = to_json("shipment state", &tradelane_tracking::derive_state(&[]))?;
    let mut rows = Vec::with_capacity(missing.len());
    let mut legs_by_number = HashMap::new();
    for (number, carrier) in missing {
        let new = NewShipment {
            reference: number.clone(),
            carrier: Some(carrier.clone()),
            tracking_numbers: vec![number.clone()],
            ..NewShipment::default()
        };
        let legs = legs_of(&new, &new.carrier)?;
        let numbers: Vec<String> = legs.iter().filter_map(|l| l.reference.clone()).collect();
        rows.push(vec![
            V::I(org.0),
            V::T(number.clone()),
            V::T("[]".into()),
            V::T(carrier.clone()),
            V::T(to_json("tracking numbers", &numbers)?),
            V::T(empty_state.clone()),
            V::T(Status::Pending.as_str().to_string()),
            V::T(at.to_string()),
            V::T(at.to_string()),
        ]);
        legs_by_number.insert(number.clone(), legs);
    }
    let created = insert_rows(
        conn,
        backend,
        "INSERT INTO shipments (org_id, reference, order_refs_json, carrier, \
         tracking_numbers_json, state_json, status, created_at, updated_at)",
        "RETURNING id, reference",
        9,
        &rows,
    )
    .await?;
    let mut out = Vec::with_capacity(created.len());
    let mut leg_rows = Vec::new();
    for row in created {
        let id = get_i64(&row, "id")?;
        let number = get_string(&row, "reference")?;
        for leg in legs_by_number.get(&number).into_iter().flatten() {
            leg_rows.push(vec![
                V::I(org.0),
                V::I(id),
                V::I(leg.seq),
                V::T(leg.kind.as_str().to_string()),
                V::OT(leg.carrier.clone()),
                V::OT(leg.reference.clone()),
            ]);
        }
        out.push((number, id));
    }
    insert_rows(
        conn,
        backend,
        "INSERT INTO shipment_legs (org_id, shipment_id, seq, kind, carrier, reference)",
        "",
        6,
        &leg_rows,
    )
    .await?;
    Ok(out)
}
