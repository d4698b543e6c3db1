//! Batch ingestion and bulk re-derivation: the fast paths behind [`Store::ingest_raw`] and
//! [`Store::rederive_all`].
//!
//! One write transaction per batch; multi-row statements of a fixed width (so each shape is
//! prepared once per connection and reused); anonymous `?` parameters on SQLite (named ones are
//! resolved linearly there); de-duplication inside the batch before the database sees it, and by
//! the unique keys against what is already stored. The per-shipment path
//! ([`Store::ingest_events`]) stays as the row-at-a-time baseline the benchmark compares with.

use std::collections::BTreeMap;

// Keyed by tracking numbers and dedup keys, several lookups per event: SipHash was a tenth of
// the batch's own time. foldhash keeps a per-process random seed.
use foldhash::{HashMap, HashSet};

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
/// under SQLite's parameter limit with every table here (13 columns × 400 = 5,200).
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

/// PostgreSQL path of [`insert_rows`]: each chunk is one `INSERT … SELECT * FROM …` over
/// whole columns, one parameter per column (see [`pg_columns`]).
async fn insert_rows_pg(
    conn: &mut AnyConnection,
    head: &str,
    tail: &str,
    per_row: usize,
    rows: &[Vec<V>],
) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut out = Vec::new();
    for chunk in rows.chunks(PG_CHUNK) {
        let (source, params) = pg_columns(chunk, per_row, 1)?;
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "{head} SELECT * FROM {source} {tail}"
        )));
        for p in params {
            q = q.bind(p);
        }
        if tail.contains("RETURNING") {
            out.extend(q.fetch_all(&mut *conn).await?);
        } else {
            q.execute(&mut *conn).await?;
        }
    }
    Ok(out)
}

/// Field separator and NULL marker of the delimited column text (ASCII unit and record
/// separator; JSON never holds them unescaped).
const FIELD_SEP: u8 = 0x1f;
const NULL_MARK: u8 = 0x1e;

/// A `FROM` source of `rows` as whole columns, with its parameters (numbered from `first`):
/// binding thousands of values one by one costs more than parsing one value per column.
///
/// Text columns go as delimited text split by `string_to_table`, which PostgreSQL parses about
/// ten times faster than the same values as an array literal (measured: the array parser was a
/// third of the server's time in batch ingest, and JSON was slower still). A chunk whose text
/// holds a separator or the NULL marker, or of a single row (an empty string splits into no
/// fields), goes as array literals instead; integer columns always do.
pub(crate) fn pg_columns(
    rows: &[Vec<V>],
    per_row: usize,
    first: usize,
) -> Result<(String, Vec<String>)> {
    let Some(row) = rows.first() else {
        return Err(StoreError::corrupt("a multi-row statement without rows"));
    };
    if row.len() != per_row {
        return Err(StoreError::corrupt(format!(
            "{} values for {per_row} columns",
            row.len()
        )));
    }
    let delimited = rows.len() > 1
        && rows.iter().flatten().all(|v| match v {
            V::T(t) | V::OT(Some(t)) => {
                memchr::memchr2(FIELD_SEP, NULL_MARK, t.as_bytes()).is_none()
            }
            _ => true,
        });
    let mut exprs = Vec::with_capacity(per_row);
    let mut params = Vec::with_capacity(per_row);
    for (i, v) in row.iter().enumerate() {
        let n = first + i;
        let column = rows.iter().map(|r| r.get(i));
        match (v, delimited) {
            (V::I(_) | V::OI(_), true) => exprs.push(format!("unnest(${n}::bigint[])")),
            (V::I(_) | V::OI(_), false) => exprs.push(format!("${n}::bigint[]")),
            (V::T(_) | V::OT(_), true) => {
                exprs.push(format!("string_to_table(${n}, chr(31), chr(30))"));
            }
            (V::T(_) | V::OT(_), false) => exprs.push(format!("${n}::text[]")),
        }
        params.push(match (v, delimited) {
            (V::T(_) | V::OT(_), true) => delimited_text(column)?,
            _ => array_literal(column)?,
        });
    }
    let source = if delimited {
        format!("ROWS FROM ({})", exprs.join(", "))
    } else {
        format!("unnest({})", exprs.join(", "))
    };
    Ok((source, params))
}

/// One text column as `string_to_table` splits it: values joined by [`FIELD_SEP`], NULL as
/// [`NULL_MARK`]. The caller has checked that no value holds either byte.
fn delimited_text<'a>(values: impl Iterator<Item = Option<&'a V>> + Clone) -> Result<String> {
    let size: usize = values
        .clone()
        .map(|v| match v {
            Some(V::T(t) | V::OT(Some(t))) => t.len() + 1,
            _ => 2,
        })
        .sum();
    let mut out = String::with_capacity(size);
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(char::from(FIELD_SEP));
        }
        match v {
            Some(V::T(t) | V::OT(Some(t))) => out.push_str(t),
            Some(V::OT(None)) => out.push(char::from(NULL_MARK)),
            Some(V::I(_) | V::OI(_)) | None => {
                return Err(StoreError::corrupt(
                    "rows of a multi-row statement differ in width or type",
                ));
            }
        }
    }
    Ok(out)
}

/// A PostgreSQL array literal (`{1,NULL}`, `{"a\"b",NULL}`) of one column's values.
///
/// Built for every stored byte of a batch, so it is sized once and copies the runs between
/// quotes and backslashes whole (per-character pushes were a sixth of the ingest's client time).
pub(crate) fn array_literal<'a>(
    values: impl Iterator<Item = Option<&'a V>> + Clone,
) -> Result<String> {
    use std::fmt::Write as _;
    let size: usize = values
        .clone()
        .map(|v| match v {
            Some(V::T(t) | V::OT(Some(t))) => t.len() + 8,
            _ => 21,
        })
        .sum();
    let mut out = String::with_capacity(size + 2);
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
                let mut rest = t.as_str();
                // Both needles are ASCII, so every cut falls on a character boundary.
                while let Some(at) = memchr::memchr2(b'"', b'\\', rest.as_bytes()) {
                    let (run, tail) = rest.split_at(at);
                    out.push_str(run);
                    out.push('\\');
                    let (special, after) = tail.split_at(1);
                    out.push_str(special);
                    rest = after;
                }
                out.push_str(rest);
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
        let (source, params) = pg_columns(&rows, 7, 1)?;
        let sql = format!(
            "UPDATE shipments SET updated_at = $8, state_json = v.state_json, \
             status = v.status, has_exception = v.has_exception, event_count = v.event_count, \
             last_event_at = v.last_event_at, current_leg = v.current_leg \
             FROM {source} \
             AS v(id, state_json, status, has_exception, event_count, last_event_at, current_leg) \
             WHERE shipments.id = v.id AND shipments.org_id = $9"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for p in params {
            q = q.bind(p);
        }
        q.bind(at.to_string())
            .bind(org.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A raw event's stored form and its content hash (what makes a replay recognisable).
fn raw_content(raw: &RawEvent) -> Result<(String, String)> {
    let json = raw_json(raw)?;
    check_text("raw event", &json)?;
    let hash = hex::encode(Sha256::digest(json.as_bytes()));
    Ok((json, hash))
}

/// A row of tracking_raw_events: a payload that produced no stored event.
fn raw_row(
    org: OrgId,
    shipment: Option<ShipmentId>,
    raw: &RawEvent,
    json: String,
    hash: &str,
    error: Option<String>,
    at: &str,
) -> Vec<V> {
    vec![
        V::I(org.0),
        V::OI(shipment.map(|s| s.0)),
        V::T(hash.to_string()),
        V::T(raw.source.clone()),
        V::T(raw.carrier.clone()),
        V::T(raw.tracking_number.clone()),
        V::T(json),
        V::OT(error),
        V::T(at.to_string()),
    ]
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
     raw_hash, carrier, tracking_number, status, leg, occurred_at, event_json, received_at, \
     raw_json)";
const EVENT_CONFLICT: &str =
    "ON CONFLICT (org_id, shipment_id, dedup_key) DO NOTHING RETURNING shipment_id, dedup_key";

/// The events of a batch (step 5 of [`Store::ingest_raw`]) as rows of `tracking_events`, built
/// a chunk at a time: de-duplicated inside the batch by (shipment, dedup key), each with its raw
/// payload; a duplicate with a different payload becomes a raw row instead.
struct EventRows<'a> {
    org: OrgId,
    at: &'a str,
    /// Shipments created by this batch: their rows need no conflict check.
    fresh: &'a HashMap<i64, Status>,
    shipments: std::collections::btree_map::Iter<'a, i64, Vec<(RawEvent, NormalizedEvent)>>,
    current: Option<(i64, std::vec::IntoIter<&'a (RawEvent, NormalizedEvent)>)>,
    fresh_rows: Vec<Vec<V>>,
    other_rows: Vec<Vec<V>>,
    /// Keys of the events stored new (the fresh ones when built, the others when returned).
    new_keys: Vec<(i64, String)>,
    /// (shipment, dedup key) → the copy sent for it: content hash and raw event.
    in_batch: HashMap<(i64, String), (String, &'a RawEvent)>,
    /// The batch's other copies of an event whose content differs from the one sent.
    extras: Vec<((i64, String), String, &'a RawEvent)>,
    /// Events sent, by key, until known new.
    pending: HashMap<(i64, String), &'a NormalizedEvent>,
    /// Content hashes of the copies sent.
    placed: HashSet<String>,
    /// Threads encoding the events of a chunk.
    threads: usize,
}

impl<'a> EventRows<'a> {
    fn new(
        org: OrgId,
        at: &'a str,
        fresh: &'a HashMap<i64, Status>,
        by_shipment: &'a BTreeMap<i64, Vec<(RawEvent, NormalizedEvent)>>,
        threads: usize,
    ) -> Self {
        EventRows {
            org,
            at,
            fresh,
            shipments: by_shipment.iter(),
            current: None,
            fresh_rows: Vec::new(),
            other_rows: Vec::new(),
            new_keys: Vec::new(),
            in_batch: HashMap::default(),
            extras: Vec::new(),
            pending: HashMap::default(),
            placed: HashSet::default(),
            threads,
        }
    }

    /// The next [`PG_CHUNK`] rows for fresh shipments (true) or for others (false); at the end,
    /// what is left; then `None`.
    fn next_chunk(&mut self) -> Result<Option<(bool, Vec<Vec<V>>)>> {
        loop {
            if self.fresh_rows.len() >= PG_CHUNK {
                return Ok(Some((true, std::mem::take(&mut self.fresh_rows))));
            }
            if self.other_rows.len() >= PG_CHUNK {
                return Ok(Some((false, std::mem::take(&mut self.other_rows))));
            }
            let (work, copies) = self.gather(PG_CHUNK);
            if work.is_empty() && copies.is_empty() {
                if !self.fresh_rows.is_empty() {
                    return Ok(Some((true, std::mem::take(&mut self.fresh_rows))));
                }
                if !self.other_rows.is_empty() {
                    return Ok(Some((false, std::mem::take(&mut self.other_rows))));
                }
                return Ok(None);
            }
            let encoded = encode_events(&work, self.threads)?;
            for ((id, raw, ev), (json, hash, event_json)) in work.into_iter().zip(encoded) {
                let key = (id, ev.dedup_key.0.clone());
                self.placed.insert(hash.clone());
                let row = vec![
                    V::I(self.org.0),
                    V::I(id),
                    V::T(ev.dedup_key.0.clone()),
                    V::T(hash.clone()),
                    V::T(ev.carrier.clone()),
                    V::T(ev.tracking_number.clone()),
                    V::T(ev.status.as_str().to_string()),
                    V::T(ev.leg.as_str().to_string()),
                    V::T(time::to_text(ev.time.utc)),
                    V::T(event_json),
                    V::T(self.at.to_string()),
                    V::T(json),
                ];
                if self.fresh.contains_key(&id) {
                    self.new_keys.push(key.clone());
                    self.fresh_rows.push(row);
                } else {
                    self.other_rows.push(row);
                }
                self.in_batch.insert(key.clone(), (hash, raw));
                self.pending.insert(key, ev);
            }
            // Later copies of an event: kept apart when their content differs from the copy
            // sent.
            for (key, raw) in copies {
                let (_, hash) = raw_content(raw)?;
                if self
                    .in_batch
                    .get(&key)
                    .is_some_and(|(sent, _)| *sent != hash)
                {
                    self.extras.push((key, hash, raw));
                }
            }
        }
    }

    /// Up to `limit` events to send (the first copy of each (shipment, dedup key)), and the
    /// later copies met on the way.
    #[allow(clippy::type_complexity)]
    fn gather(
        &mut self,
        limit: usize,
    ) -> (
        Vec<(i64, &'a RawEvent, &'a NormalizedEvent)>,
        Vec<((i64, String), &'a RawEvent)>,
    ) {
        let mut work = Vec::with_capacity(limit);
        let mut copies = Vec::new();
        let mut taken: HashSet<(i64, &'a str)> = HashSet::default();
        while work.len() < limit {
            let next = match &mut self.current {
                Some((id, events)) => events.next().map(|e| (*id, e)),
                None => None,
            };
            let Some((id, (raw, ev))) = next else {
                match self.shipments.next() {
                    Some((id, events)) => {
                        // Rows go in (shipment, dedup key) order, the same in every batch, so
                        // two batches storing the same events wait for each other in one
                        // direction and never deadlock.
                        let mut events: Vec<&'a (RawEvent, NormalizedEvent)> =
                            events.iter().collect();
                        events.sort_by(|a, b| a.1.dedup_key.0.cmp(&b.1.dedup_key.0));
                        self.current = Some((*id, events.into_iter()));
                        continue;
                    }
                    None => break,
                }
            };
            let key = ev.dedup_key.0.as_str();
            if taken.contains(&(id, key)) || self.in_batch.contains_key(&(id, key.to_string())) {
                copies.push(((id, key.to_string()), raw));
            } else {
                taken.insert((id, key));
                work.push((id, raw, ev));
            }
        }
        (work, copies)
    }
}

/// Threads to encode events on: the machine's cores (up to 4), less the one SQLite's own worker
/// thread stores the previous chunk on (PostgreSQL works in its own processes).
fn encode_threads(backend: Backend) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    match backend {
        Backend::Postgres => cores,
        Backend::Sqlite => cores.saturating_sub(1).max(1),
    }
}

/// Each event's raw payload as stored, its content hash and the normalised event as stored: the
/// costliest part of a batch on the client, spread over the machine's cores for large chunks
/// (plain threads: the work is pure and finishes before the caller goes on).
fn encode_events(
    work: &[(i64, &RawEvent, &NormalizedEvent)],
    threads: usize,
) -> Result<Vec<(String, String, String)>> {
    let encode = |part: &[(i64, &RawEvent, &NormalizedEvent)]| -> Result<Vec<_>> {
        part.iter()
            .map(|(_, raw, ev)| {
                let (json, hash) = raw_content(raw)?;
                let event_json = to_json("normalised event", ev)?;
                check_text("event", &event_json)?;
                Ok((json, hash, event_json))
            })
            .collect()
    };
    if threads < 2 || work.len() < 256 {
        return encode(work);
    }
    let per = work.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = work
            .chunks(per)
            .map(|part| scope.spawn(move || encode(part)))
            .collect();
        let mut out = Vec::with_capacity(work.len());
        for part in parts {
            let done = part
                .join()
                .map_err(|_| StoreError::corrupt("an event encoding thread panicked"))?;
            out.extend(done?);
        }
        Ok(out)
    })
}

/// Unknown events newly stored, per (carrier, code key): count, first/last seen, a text sample.
#[derive(Default)]
struct UnmappedTally(BTreeMap<(String, String), Unmapped>);

#[derive(Default)]
struct Unmapped {
    count: i64,
    first: String,
    last: String,
    sample: Option<String>,
}

impl UnmappedTally {
    fn add(&mut self, ev: &NormalizedEvent) {
        if ev.status != Status::Unknown {
            return;
        }
        let seen = time::to_text(ev.time.utc);
        let t = self
            .0
            .entry((ev.carrier.clone(), unmapped_code_key(ev)))
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

    /// Adds the tally to the organisation's unmapped-code report.
    async fn store(self, conn: &mut AnyConnection, backend: Backend, org: OrgId) -> Result<()> {
        let rows: Vec<Vec<V>> = self
            .0
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
            conn,
            backend,
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
            &rows,
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// Normalises a batch of raw events, attaches each to the shipment whose leg (or reference)
    /// carries its tracking number and stores the whole batch in one transaction: normalised
    /// events once by (shipment, dedup key), each with its raw payload; payloads that stored no
    /// event (rejected, or a duplicate's different payload) kept raw once by content hash;
    /// unknown codes
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
            let mut seen = HashSet::default();
            good.iter()
                .map(|(_, _, e)| e.tracking_number.clone())
                .filter(|n| seen.insert(n.clone()))
                .collect()
        };
        for n in &numbers {
            check_text("tracking number", n)?;
        }
        let keys: Vec<V> = numbers.iter().map(|n| V::T(n.clone())).collect();
        let mut found: HashMap<String, i64> = HashMap::default();
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
        let mut masters: HashMap<String, Vec<i64>> = HashMap::default();
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
        // 3. Create the missing shipments (reference = tracking number) in bulk. A new shipment
        //    has no stored events, so all of its events in the batch (one per dedup key, the
        //    first copy as in step 5) are new and its state is known now: it is written with the
        //    row instead of by a later update that would touch every index of the row again.
        let mut fresh: HashMap<i64, Status> = HashMap::default();
        if options.create_missing {
            let mut missing: Vec<NewTracked> = Vec::new();
            let mut slot: HashMap<&str, (usize, HashSet<&str>)> = HashMap::default();
            for (_, _, e) in &good {
                let number = e.tracking_number.as_str();
                if found.contains_key(number) || masters.contains_key(number) {
                    continue;
                }
                let (i, keys) = slot.entry(number).or_insert_with(|| {
                    missing.push(NewTracked {
                        number: number.to_string(),
                        carrier: e.carrier.clone(),
                        events: Vec::new(),
                    });
                    (missing.len() - 1, HashSet::default())
                });
                if keys.insert(e.dedup_key.0.as_str()) {
                    missing[*i].events.push(e);
                }
            }
            // In number order, like the events in step 5: concurrent batches creating the same
            // shipments wait for each other in one direction.
            missing.sort_by(|a, b| a.number.cmp(&b.number));
            let created = create_shipments_bulk(&mut tx, self.backend, org, &missing, &at).await?;
            for (number, id, status) in created {
                report.created_shipments.push(ShipmentId(id));
                fresh.insert(id, status);
                found.insert(number, id);
            }
            // A concurrent batch created some first (the insert waited for it to commit):
            // those are existing shipments now.
            let raced: Vec<V> = missing
                .iter()
                .filter(|t| !found.contains_key(&t.number))
                .map(|t| V::T(t.number.clone()))
                .collect();
            for row in select_in(
                &mut tx,
                self.backend,
                "SELECT id, reference AS number FROM shipments",
                "reference",
                org,
                &raced,
                "",
            )
            .await?
            {
                found.insert(get_string(&row, "number")?, get_i64(&row, "id")?);
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
        // 5. Normalised events, each with the raw payload it came from (one row per event);
        //    RETURNING lists the ones actually new. Rows are encoded a chunk at a time, the
        //    next chunk while the database stores the previous one.
        let mut rows = EventRows::new(org, &at, &fresh, &by_shipment, encode_threads(self.backend));
        let mut ready = rows.next_chunk()?;
        while let Some((of_fresh, chunk)) = ready.take() {
            let tail = if of_fresh { "" } else { EVENT_CONFLICT };
            let (stored, next) = tokio::join!(
                insert_rows(&mut tx, self.backend, EVENT_INSERT, tail, 12, &chunk),
                async { rows.next_chunk() },
            );
            for row in stored? {
                rows.new_keys.push((
                    get_i64(&row, "shipment_id")?,
                    get_string(&row, "dedup_key")?,
                ));
            }
            ready = next?;
        }
        let EventRows {
            new_keys,
            in_batch,
            extras,
            mut pending,
            mut placed,
            ..
        } = rows;
        report.inserted = new_keys.len();
        let mut new_per_shipment: HashMap<i64, Vec<&NormalizedEvent>> = HashMap::default();
        let mut tally = UnmappedTally::default();
        for key in new_keys {
            let id = key.0;
            let Some(ev) = pending.remove(&key) else {
                continue;
            };
            tally.add(ev);
            new_per_shipment.entry(id).or_default().push(ev);
        }
        // 6. Payloads that stored no new event are kept raw, unless they are the stored
        //    event's own (a replay).
        let mut raw_rows = unstored_payloads(
            &mut tx,
            self.backend,
            org,
            &at,
            (&pending, &in_batch, &extras),
            &mut placed,
        )
        .await?;
        // 7. Rejected payloads, with their reason, unless the batch stored the same content.
        for (raw, error) in &rejected {
            let (json, hash) = raw_content(raw)?;
            if placed.insert(hash.clone()) {
                raw_rows.push(raw_row(
                    org,
                    None,
                    raw,
                    json,
                    &hash,
                    Some(error.clone()),
                    &at,
                ));
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
        report.duplicates = report
            .received
            .saturating_sub(report.inserted + report.errors.len());
        // 8. Unmapped codes.
        tally.store(&mut tx, self.backend, org).await?;
        // 9. Re-derive touched shipments. A shipment that had no events before needs only the
        //    new ones; others are read back whole (order and replays do not matter to the fold).
        //    Shipments created in step 3 already hold their state.
        //    On PostgreSQL the shipments that gained events are locked first, in id order: a
        //    concurrent batch for the same shipment waits here, and the events read after the
        //    lock include the ones it committed, so neither overwrites the other's state.
        //    (SQLite runs one writer at a time.)
        let touched: Vec<i64> = by_shipment.keys().copied().collect();
        let ids: Vec<V> = touched
            .iter()
            .filter(|id| !fresh.contains_key(id) && new_per_shipment.contains_key(id))
            .map(|i| V::I(*i))
            .collect();
        let mut had_events: HashSet<i64> = HashSet::default();
        for row in select_in(
            &mut tx,
            self.backend,
            "SELECT id, event_count FROM shipments",
            "id",
            org,
            &ids,
            match self.backend {
                Backend::Postgres => "ORDER BY id FOR UPDATE",
                Backend::Sqlite => "",
            },
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
            if had_events.contains(id) || fresh.contains_key(id) {
                continue;
            }
            if let Some(events) = new_per_shipment.get(id) {
                let state = tradelane_tracking::derive_state_of(events.iter().copied());
                states.push((ShipmentId(*id), state, events.len()));
            }
        }
        write_states(&mut tx, self.backend, org, &states, &at).await?;
        // Statuses of every touched shipment, including those the batch only replayed.
        let mut status_of: HashMap<i64, Status> = fresh;
        status_of.extend(states.iter().map(|(id, s, _)| (id.0, s.status)));
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
        // 10. One audit row for the batch (the created shipments and the counts).
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

/// Raw rows for the payloads of a batch that stored no new event and are not the stored event's
/// own payload: the copy sent for an event stored before (still `pending`), and the batch's other
/// copies of an event with a different payload (`extras`). Each content once; its hash is added
/// to `placed`.
#[allow(clippy::type_complexity)]
async fn unstored_payloads(
    conn: &mut AnyConnection,
    backend: Backend,
    org: OrgId,
    at: &str,
    (pending, in_batch, extras): (
        &HashMap<(i64, String), &NormalizedEvent>,
        &HashMap<(i64, String), (String, &RawEvent)>,
        &[((i64, String), String, &RawEvent)],
    ),
    placed: &mut HashSet<String>,
) -> Result<Vec<Vec<V>>> {
    let mut stored: HashMap<(i64, String), String> = HashMap::default();
    if !pending.is_empty() {
        let ids: Vec<V> = pending
            .keys()
            .map(|(id, _)| *id)
            .collect::<HashSet<_>>()
            .into_iter()
            .map(V::I)
            .collect();
        for row in select_in(
            conn,
            backend,
            "SELECT shipment_id, dedup_key, raw_hash FROM tracking_events",
            "shipment_id",
            org,
            &ids,
            "",
        )
        .await?
        {
            let key = (
                get_i64(&row, "shipment_id")?,
                get_string(&row, "dedup_key")?,
            );
            if pending.contains_key(&key) {
                stored.insert(key, get_string(&row, "raw_hash")?);
            }
        }
    }
    let mut rows: Vec<Vec<V>> = Vec::new();
    let mut kept: HashSet<&str> = HashSet::default();
    let sent = pending.keys().filter_map(|key| {
        let (hash, raw) = in_batch.get(key)?;
        Some((key, hash, *raw))
    });
    let others = extras.iter().map(|(key, hash, raw)| (key, hash, *raw));
    for (key, hash, raw) in sent.chain(others) {
        let own = stored
            .get(key)
            .or_else(|| in_batch.get(key).map(|(h, _)| h));
        if own != Some(hash) && kept.insert(hash) {
            let (json, _) = raw_content(raw)?;
            placed.insert(hash.clone());
            rows.push(raw_row(
                org,
                Some(ShipmentId(key.0)),
                raw,
                json,
                hash,
                None,
                at,
            ));
        }
    }
    Ok(rows)
}

/// Tables a batch ingest reads by key lists (`… IN (…)`, `UPDATE … FROM unnest(…)`).
const INGEST_TABLES: [&str; 3] = ["shipments", "shipment_legs", "tracking_events"];

/// Runs ANALYZE on the ingest's tables whose planner statistics are stale: more rows changed
/// since the last analysis than the rows the statistics describe (and at least 5,000).
/// While a bulk load grows a table, autovacuum samples it at most once a minute; until then
/// PostgreSQL estimates a list of 1,000 keys to match most of the table and scans all of it
/// for every batch, which made loading events into existing shipments 30× slower. Analysing
/// each time a table doubles means a load of N rows analyses it about log₂(N / 5,000) times.
/// Each analysis is cheap because migration 0230 keeps the events' statistics small (a
/// 3,000-row sample, no statistics of the JSON columns).
async fn refresh_stale_statistics(conn: &mut AnyConnection) -> Result<()> {
    let rows = sqlx::query(
        "SELECT relname::TEXT AS name FROM pg_stat_user_tables \
         WHERE relname IN ('shipments', 'shipment_legs', 'tracking_events') \
         AND n_mod_since_analyze > 5000 \
         AND n_mod_since_analyze > COALESCE((SELECT reltuples FROM pg_class \
             WHERE oid = relid), 0)",
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let name = get_string(&row, "name")?;
        // The name comes from the fixed list above, never from input. A concurrent batch
        // analysing the same table makes this one skip it rather than wait and repeat it.
        if let Some(table) = INGEST_TABLES.iter().find(|t| **t == name) {
            sqlx::query(AssertSqlSafe(format!("ANALYZE (SKIP_LOCKED) {table}")))
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
    let mut by_id: HashMap<i64, Vec<NormalizedEvent>> =
        HashMap::with_capacity_and_hasher(ids.len(), Default::default());
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

/// A shipment to create for a tracking number no shipment carries, with the batch's events for
/// it (one per dedup key).
struct NewTracked<'a> {
    number: String,
    carrier: String,
    events: Vec<&'a NormalizedEvent>,
}

/// Inserts shipments (reference = tracking number, one last-mile leg) with the state their
/// events give; returns (number, id, status).
async fn create_shipments_bulk(
    conn: &mut AnyConnection,
    backend: Backend,
    org: OrgId,
    missing: &[NewTracked<'_>],
    at: &str,
) -> Result<Vec<(String, i64, Status)>> {
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::with_capacity(missing.len());
    let mut legs_by_number = HashMap::default();
    let mut status_by_number = HashMap::default();
    for t in missing {
        let new = NewShipment {
            reference: t.number.clone(),
            carrier: Some(t.carrier.clone()),
            tracking_numbers: vec![t.number.clone()],
            ..NewShipment::default()
        };
        let legs = legs_of(&new, &new.carrier)?;
        let numbers: Vec<String> = legs.iter().filter_map(|l| l.reference.clone()).collect();
        let state = tradelane_tracking::derive_state_of(t.events.iter().copied());
        rows.push(vec![
            V::I(org.0),
            V::T(t.number.clone()),
            V::T("[]".into()),
            V::T(t.carrier.clone()),
            V::T(to_json("tracking numbers", &numbers)?),
            V::T(to_json("shipment state", &state)?),
            V::T(state.status.as_str().to_string()),
            V::I(bool_to_db(state_has_exception(&state))),
            V::I(t.events.len() as i64),
            V::OT(state.last_event.as_ref().map(|e| time::to_text(e.time.utc))),
            V::T(state.leg.as_str().to_string()),
            V::T(at.to_string()),
            V::T(at.to_string()),
        ]);
        legs_by_number.insert(t.number.clone(), legs);
        status_by_number.insert(t.number.clone(), state.status);
    }
    let created = insert_rows(
        conn,
        backend,
        "INSERT INTO shipments (org_id, reference, order_refs_json, carrier, \
         tracking_numbers_json, state_json, status, has_exception, event_count, last_event_at, \
         current_leg, created_at, updated_at)",
        "ON CONFLICT (org_id, reference) DO NOTHING RETURNING id, reference",
        13,
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
        let status = status_by_number
            .get(&number)
            .copied()
            .unwrap_or(Status::Pending);
        out.push((number, id, status));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(texts: &[Option<&str>]) -> Vec<Vec<V>> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| vec![V::I(i as i64), V::OT(t.map(str::to_string))])
            .collect()
    }

    #[test]
    fn plain_text_goes_delimited_and_separators_fall_back_to_array_literals() {
        let (source, params) = pg_columns(&rows(&[Some("a\"b\\c"), None, Some("")]), 2, 3).unwrap();
        assert_eq!(
            source,
            "ROWS FROM (unnest($3::bigint[]), string_to_table($4, chr(31), chr(30)))"
        );
        assert_eq!(params, ["{0,1,2}", "a\"b\\c\u{1f}\u{1e}\u{1f}"]);

        let (source, params) = pg_columns(&rows(&[Some("x\u{1f}y"), None]), 2, 1).unwrap();
        assert_eq!(source, "unnest($1::bigint[], $2::text[])");
        assert_eq!(params, ["{0,1}", "{\"x\u{1f}y\",NULL}"]);

        // One row: an empty string would split into no fields at all.
        let (source, params) = pg_columns(&rows(&[Some("")]), 2, 1).unwrap();
        assert_eq!(source, "unnest($1::bigint[], $2::text[])");
        assert_eq!(params, ["{0}", "{\"\"}"]);
    }

    #[test]
    fn array_literals_escape_quotes_and_backslashes_only() {
        let values = [V::T(r#"say "hi" \ {a,b} NULL 已签收"#.into()), V::OT(None)];
        let literal = array_literal(values.iter().map(Some)).unwrap();
        assert_eq!(literal, r#"{"say \"hi\" \\ {a,b} NULL 已签收",NULL}"#);
    }

    #[test]
    fn rows_of_different_widths_are_refused() {
        let mut r = rows(&[Some("a"), Some("b")]);
        r[1].pop();
        assert!(pg_columns(&r, 2, 1).is_err());
        assert!(pg_columns(&[], 2, 1).is_err());
    }
}
