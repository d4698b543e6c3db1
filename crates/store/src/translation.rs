//! Translation module storage: the organisation's machine-translation provider (its API key
//! sealed by the server before it reaches the store, shown only as a hint), the glossary, the
//! translation memory and the usage/cost log.
//!
//! Invariants:
//! - the store never sees an API key in clear: callers hand over the sealed value
//!   (`tlk1:<key id>:…`), its key id and a hint; [`Store::translation_sealed_key`] is the one
//!   read of the sealed value (for the translator), everything shown carries the hint;
//! - every change writes an audit row in its transaction (the audit shows the hint and key
//!   id, never the sealed value);
//! - a glossary import is one transaction keyed by (kind, term): all rows or none, and an
//!   unchanged re-import writes nothing;
//! - approving a translated listing writes its field pairs into the memory in the approval's
//!   transaction ([`learn_approved`]), so the next translation reuses them.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tradelane_listing_qa::{ForbiddenTerm, Glossary, GlossaryTerm};

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_opt_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text};
use crate::listings::StoredListing;
use crate::model::{Actor, ImportOutcome, OrgId, Page, check_paging};
use crate::owned::OwnedTable;
use crate::time;

/// Provider kinds the translation module speaks.
pub const PROVIDER_KINDS: [&str; 4] = ["openai", "deepl", "libretranslate", "offline"];
/// Longest glossary term or translation (characters).
pub const MAX_TERM_CHARS: usize = 200;
/// Longest note (characters).
pub const MAX_NOTE_CHARS: usize = 1_000;
/// Most glossary entries one organisation keeps.
pub const MAX_GLOSSARY_ENTRIES: usize = 50_000;
/// Longest memory segment (characters, either side).
pub const MAX_SEGMENT_CHARS: usize = 20_000;

/// A sealed API key as the caller computed it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedKey {
    /// `tlk1:<key id>:<base64>`.
    pub sealed: String,
    pub key_id: String,
    /// `…k3Xz`.
    pub hint: String,
}

impl std::fmt::Debug for SealedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedKey({}, {})", self.key_id, self.hint)
    }
}

/// The provider settings to store. `api_key: None` keeps the stored key (a form can change
/// anything else without showing it); `clear_api_key` removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderInput {
    pub name: String,
    pub kind: String,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<SealedKey>,
    pub clear_api_key: bool,
    pub requests_per_minute: Option<u32>,
    pub batch_size: Option<u32>,
    pub timeout_ms: Option<u64>,
    /// JSON `{currency, per_million_chars, per_million_input_tokens, per_million_output_tokens}`,
    /// checked by the caller.
    pub pricing_json: Option<String>,
}

/// The stored provider, without its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProvider {
    pub id: i64,
    pub org_id: OrgId,
    pub name: String,
    pub kind: String,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub has_api_key: bool,
    pub api_key_id: Option<String>,
    pub api_key_hint: String,
    pub requests_per_minute: Option<u32>,
    pub batch_size: Option<u32>,
    pub timeout_ms: Option<u64>,
    pub pricing_json: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Kind of a glossary entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlossaryKind {
    /// A term with its required translation per locale.
    Term,
    /// Brand names, model numbers: must appear unchanged.
    DoNotTranslate,
    /// Must not appear in the target markets.
    Forbidden,
}

impl GlossaryKind {
    pub const ALL: [GlossaryKind; 3] = [
        GlossaryKind::Term,
        GlossaryKind::DoNotTranslate,
        GlossaryKind::Forbidden,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GlossaryKind::Term => "term",
            GlossaryKind::DoNotTranslate => "do_not_translate",
            GlossaryKind::Forbidden => "forbidden",
        }
    }

    pub fn parse(s: &str) -> Result<GlossaryKind> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "term" => Ok(GlossaryKind::Term),
            "do_not_translate" | "dnt" | "keep" => Ok(GlossaryKind::DoNotTranslate),
            "forbidden" => Ok(GlossaryKind::Forbidden),
            other => Err(StoreError::Invalid(format!(
                "kind {other:?}: expected term, do_not_translate or forbidden"
            ))),
        }
    }
}

/// A glossary entry as entered or imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlossaryInput {
    pub kind: GlossaryKind,
    pub term: String,
    /// Locale tag (`de-DE`, `de`, `zh-Hant`) → required translation; kind `term` only.
    #[serde(default)]
    pub translations: BTreeMap<String, String>,
    /// Where a forbidden term applies (`DE`, `EU`, `de-DE`, `amazon`); empty = everywhere.
    #[serde(default)]
    pub markets: Vec<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlossaryEntry {
    pub id: i64,
    pub kind: GlossaryKind,
    pub term: String,
    pub translations: BTreeMap<String, String>,
    pub markets: Vec<String>,
    pub note: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A translation memory pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmEntry {
    pub id: i64,
    pub source_locale: String,
    pub target_locale: String,
    pub source_text: String,
    pub target_text: String,
    pub origin: String,
    pub listing_id: Option<i64>,
    pub updated_at: Timestamp,
}

/// Filter of the memory list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmQueryFilter {
    pub target_locale: Option<String>,
    /// Substring of the source or target text (case-insensitive).
    pub text: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

impl Default for TmQueryFilter {
    fn default() -> Self {
        TmQueryFilter {
            target_locale: None,
            text: None,
            page: 1,
            per_page: crate::DEFAULT_PER_PAGE,
        }
    }
}

/// What one translation run used (one listing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    pub provider: String,
    pub listing_id: Option<i64>,
    pub source_locale: String,
    pub target_locale: String,
    pub requests: u64,
    pub retries: u64,
    pub chars_billed: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Decimal string in `currency`.
    pub cost: Option<String>,
    pub currency: Option<String>,
    pub segments_from_memory: u64,
    pub segments_translated: u64,
    pub segments_failed: u64,
    /// The listing was saved (false: reported as failed, nothing saved).
    pub ok: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredUsage {
    pub id: i64,
    pub at: Timestamp,
    #[serde(flatten)]
    pub record: UsageRecord,
}

fn check_len(field: &str, value: &str, max: usize) -> Result<()> {
    check_text(field, value)?;
    let n = value.chars().count();
    if n > max {
        return Err(StoreError::Invalid(format!(
            "{field}: {n} characters; at most {max}"
        )));
    }
    Ok(())
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower case with white space collapsed: the key of a glossary term.
pub fn term_key(term: &str) -> String {
    collapse(term).to_lowercase()
}

/// SHA-256 of the whitespace-collapsed text: the key of a memory pair.
pub fn source_hash(text: &str) -> String {
    hex::encode(Sha256::digest(collapse(text).as_bytes()))
}

/// `de-de` → `de-DE`, `zh_hant` → `zh-Hant`; checks the shape of a locale tag.
pub fn normalize_locale_tag(tag: &str) -> Result<String> {
    let t = tag.trim();
    let mut out = Vec::new();
    for (i, p) in t.split(['-', '_']).enumerate() {
        let ok = if i == 0 {
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic())
        } else {
            (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())
        };
        if !ok {
            return Err(StoreError::Invalid(format!(
                "locale {t:?} is not a language tag such as de, de-DE or zh-Hant"
            )));
        }
        out.push(if i == 0 {
            p.to_ascii_lowercase()
        } else if p.len() == 4 {
            let mut c = p.to_ascii_lowercase();
            c[..1].make_ascii_uppercase();
            c
        } else {
            p.to_ascii_uppercase()
        });
    }
    Ok(out.join("-"))
}

/// A glossary entry checked and in its stored form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct NormalisedEntry {
    kind: GlossaryKind,
    term: String,
    key: String,
    translations: BTreeMap<String, String>,
    markets: Vec<String>,
    note: String,
}

impl NormalisedEntry {
    fn same_as(&self, e: &GlossaryEntry) -> bool {
        self.term == e.term
            && self.translations == e.translations
            && self.markets == e.markets
            && self.note == e.note
    }
}

fn normalise_entry(input: &GlossaryInput) -> Result<NormalisedEntry> {
    let term = collapse(&input.term);
    if term.is_empty() {
        return Err(StoreError::Invalid("term: empty; expected the term".into()));
    }
    check_len("term", &term, MAX_TERM_CHARS)?;
    let note = input.note.trim().to_string();
    check_len("note", &note, MAX_NOTE_CHARS)?;
    let mut translations = BTreeMap::new();
    for (locale, text) in &input.translations {
        let text = collapse(text);
        if text.is_empty() {
            continue;
        }
        check_len("translation", &text, MAX_TERM_CHARS)?;
        translations.insert(normalize_locale_tag(locale)?, text);
    }
    if input.kind == GlossaryKind::Term && translations.is_empty() {
        return Err(StoreError::Invalid(format!(
            "term {term:?}: needs at least one translation (locale = text)"
        )));
    }
    if input.kind != GlossaryKind::Term {
        translations.clear();
    }
    let mut markets = Vec::new();
    for m in &input.markets {
        let m = m.trim();
        if m.is_empty() {
            continue;
        }
        if m.contains(',') || m.chars().count() > 40 {
            return Err(StoreError::Invalid(format!(
                "markets: {m:?} is not a market such as DE, EU, de-DE or amazon"
            )));
        }
        check_text("markets", m)?;
        let m = if m.len() == 2 && m.chars().all(|c| c.is_ascii_alphabetic()) {
            m.to_ascii_uppercase()
        } else {
            m.to_string()
        };
        if !markets.contains(&m) {
            markets.push(m);
        }
    }
    markets.sort();
    if input.kind != GlossaryKind::Forbidden {
        markets.clear();
    }
    Ok(NormalisedEntry {
        kind: input.kind,
        key: term_key(&term),
        term,
        translations,
        markets,
        note,
    })
}

const PROVIDER_COLUMNS: &str = "id, org_id, name, kind, base_url, model, api_key_sealed, \
     api_key_id, api_key_hint, requests_per_minute, batch_size, timeout_ms, pricing_json, \
     created_at, updated_at";

fn opt_u32(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

fn provider_from_row(r: &AnyRow) -> Result<StoredProvider> {
    Ok(StoredProvider {
        id: get_i64(r, "id")?,
        org_id: OrgId(get_i64(r, "org_id")?),
        name: get_string(r, "name")?,
        kind: get_string(r, "kind")?,
        base_url: get_opt_string(r, "base_url")?,
        model: get_opt_string(r, "model")?,
        has_api_key: get_opt_string(r, "api_key_sealed")?.is_some(),
        api_key_id: get_opt_string(r, "api_key_id")?,
        api_key_hint: get_string(r, "api_key_hint")?,
        requests_per_minute: opt_u32(get_opt_i64(r, "requests_per_minute")?),
        batch_size: opt_u32(get_opt_i64(r, "batch_size")?),
        timeout_ms: get_opt_i64(r, "timeout_ms")?.and_then(|v| u64::try_from(v).ok()),
        pricing_json: get_opt_string(r, "pricing_json")?,
        created_at: time::from_text(
            "translation_settings.created_at",
            &get_string(r, "created_at")?,
        )?,
        updated_at: time::from_text(
            "translation_settings.updated_at",
            &get_string(r, "updated_at")?,
        )?,
    })
}

const GLOSSARY_COLUMNS: &str =
    "id, kind, term, translations_json, markets, note, created_at, updated_at";

const GLOSSARY: OwnedTable<GlossaryEntry> = OwnedTable {
    table: "glossary_entries",
    columns: GLOSSARY_COLUMNS,
    what: "glossary entry",
    entity_type: "glossary_entry",
    delete_action: "glossary.delete",
    from_row: entry_from_row,
};

fn entry_from_row(r: &AnyRow) -> Result<GlossaryEntry> {
    let kind = get_string(r, "kind")?;
    Ok(GlossaryEntry {
        id: get_i64(r, "id")?,
        kind: GlossaryKind::parse(&kind)
            .map_err(|_| StoreError::corrupt(format!("glossary_entries.kind {kind:?}")))?,
        term: get_string(r, "term")?,
        translations: serde_json::from_str(&get_string(r, "translations_json")?)
            .map_err(|e| StoreError::corrupt(format!("glossary_entries.translations_json: {e}")))?,
        markets: get_string(r, "markets")?
            .split(',')
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect(),
        note: get_string(r, "note")?,
        created_at: time::from_text("glossary_entries.created_at", &get_string(r, "created_at")?)?,
        updated_at: time::from_text("glossary_entries.updated_at", &get_string(r, "updated_at")?)?,
    })
}

const TM_COLUMNS: &str =
    "id, source_locale, target_locale, source_text, target_text, origin, listing_id, updated_at";

fn tm_from_row(r: &AnyRow) -> Result<TmEntry> {
    Ok(TmEntry {
        id: get_i64(r, "id")?,
        source_locale: get_string(r, "source_locale")?,
        target_locale: get_string(r, "target_locale")?,
        source_text: get_string(r, "source_text")?,
        target_text: get_string(r, "target_text")?,
        origin: get_string(r, "origin")?,
        listing_id: get_opt_i64(r, "listing_id")?,
        updated_at: time::from_text("tm_segments.updated_at", &get_string(r, "updated_at")?)?,
    })
}

fn clean_opt(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Inserts or updates one memory pair inside `conn`'s transaction. Returns the row id and
/// whether anything changed.
#[allow(clippy::too_many_arguments)]
async fn upsert_tm(
    conn: &mut AnyConnection,
    org: OrgId,
    source_locale: &str,
    target_locale: &str,
    source: &str,
    target: &str,
    origin: &str,
    listing_id: Option<i64>,
    at: Timestamp,
) -> Result<(i64, bool)> {
    let hash = source_hash(source);
    let existing = sqlx::query(
        "SELECT id, target_text FROM tm_segments WHERE org_id = $1 AND source_locale = $2 \
         AND target_locale = $3 AND source_hash = $4",
    )
    .bind(org.0)
    .bind(source_locale.to_string())
    .bind(target_locale.to_string())
    .bind(hash.clone())
    .fetch_optional(&mut *conn)
    .await?;
    let at_text = time::to_text(at);
    match existing {
        Some(row) => {
            let id = get_i64(&row, "id")?;
            if get_string(&row, "target_text")? == target {
                return Ok((id, false));
            }
            sqlx::query(
                "UPDATE tm_segments SET source_text = $1, target_text = $2, origin = $3, \
                 listing_id = $4, updated_at = $5 WHERE org_id = $6 AND id = $7",
            )
            .bind(source.to_string())
            .bind(target.to_string())
            .bind(origin.to_string())
            .bind(listing_id)
            .bind(at_text)
            .bind(org.0)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            Ok((id, true))
        }
        None => {
            let row = sqlx::query(
                "INSERT INTO tm_segments (org_id, source_locale, target_locale, source_text, \
                 source_hash, target_text, origin, listing_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(org.0)
            .bind(source_locale.to_string())
            .bind(target_locale.to_string())
            .bind(source.to_string())
            .bind(hash)
            .bind(target.to_string())
            .bind(origin.to_string())
            .bind(listing_id)
            .bind(at_text.clone())
            .bind(at_text)
            .fetch_one(&mut *conn)
            .await?;
            Ok((get_i64(&row, "id")?, true))
        }
    }
}

/// The field pairs of an approved translation: (source text, target text), non-empty both.
pub fn listing_pairs(source: &StoredListing, target: &StoredListing) -> Vec<(String, String)> {
    let (s, t) = (&source.content, &target.content);
    let mut pairs = vec![(s.title.clone(), t.title.clone())];
    for (a, b) in s.bullets.iter().zip(t.bullets.iter()) {
        pairs.push((a.clone(), b.clone()));
    }
    pairs.push((s.description.clone(), t.description.clone()));
    pairs.push((s.search_terms.clone(), t.search_terms.clone()));
    pairs
        .into_iter()
        .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
        .filter(|(a, b)| {
            a.chars().count() <= MAX_SEGMENT_CHARS && b.chars().count() <= MAX_SEGMENT_CHARS
        })
        .collect()
}

/// Writes the field pairs of an approved listing into the memory, inside the approval's
/// transaction, with one audit row when anything changed. Returns the number of pairs
/// written or changed.
pub(crate) async fn learn_approved(
    conn: &mut AnyConnection,
    actor: &Actor,
    source: &StoredListing,
    target: &StoredListing,
    at: Timestamp,
) -> Result<usize> {
    let origin: String = format!("listing {} approved by {}", target.id, actor.label)
        .chars()
        .take(200)
        .collect();
    let mut changed = Vec::new();
    for (s, t) in listing_pairs(source, target) {
        let (id, did) = upsert_tm(
            conn,
            actor.org_id,
            &source.locale,
            &target.locale,
            &s,
            &t,
            &origin,
            Some(target.id.0),
            at,
        )
        .await?;
        if did {
            changed.push(id);
        }
    }
    if !changed.is_empty() {
        audit::write(
            conn,
            actor,
            at,
            AuditRecord {
                action: "tm.learn",
                entity_type: "tm_segment",
                entity_id: target.id.0.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({
                    "source_locale": source.locale,
                    "target_locale": target.locale,
                    "segments": changed,
                }))?),
            },
        )
        .await?;
    }
    Ok(changed.len())
}

/// See [`Store::tm_stamp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmStamp {
    pub count: i64,
    pub max_id: i64,
    pub max_updated: String,
}

const TM_SEGMENTS: OwnedTable<TmEntry> = OwnedTable {
    table: "tm_segments",
    columns: TM_COLUMNS,
    what: "memory segment",
    entity_type: "tm_segment",
    delete_action: "tm.delete",
    from_row: tm_from_row,
};

impl Store {
    /// The organisation's provider settings, if any (never the key).
    pub async fn translation_provider(&self, org: OrgId) -> Result<Option<StoredProvider>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROVIDER_COLUMNS} FROM translation_settings WHERE org_id = $1"
        )))
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(provider_from_row).transpose()
    }

    /// The sealed API key, for the translator only (never shown).
    pub async fn translation_sealed_key(&self, org: OrgId) -> Result<Option<String>> {
        let row = sqlx::query("SELECT api_key_sealed FROM translation_settings WHERE org_id = $1")
            .bind(org.0)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => get_opt_string(&r, "api_key_sealed"),
            None => Ok(None),
        }
    }

    /// Every organisation's sealed key (for re-sealing after a server key rotation).
    pub async fn all_translation_sealed_keys(&self) -> Result<Vec<(OrgId, String)>> {
        let rows = sqlx::query(
            "SELECT org_id, api_key_sealed FROM translation_settings \
             WHERE api_key_sealed IS NOT NULL ORDER BY org_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    OrgId(get_i64(r, "org_id")?),
                    get_string(r, "api_key_sealed")?,
                ))
            })
            .collect()
    }

    /// Replaces a sealed key by one sealed with the new server key (audited).
    pub async fn reseal_translation_key(&self, actor: &Actor, key: &SealedKey) -> Result<()> {
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let done = sqlx::query(
            "UPDATE translation_settings SET api_key_sealed = $1, api_key_id = $2, \
             updated_at = $3 WHERE org_id = $4 AND api_key_sealed IS NOT NULL",
        )
        .bind(key.sealed.clone())
        .bind(key.key_id.clone())
        .bind(time::to_text(now))
        .bind(actor.org_id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found(
                "translation provider",
                actor.org_id.0,
            ));
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "translation.provider.rekey",
                entity_type: "translation_settings",
                entity_id: actor.org_id.0.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({"api_key_id": key.key_id}))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates or replaces the organisation's provider settings (audited; the audit shows the
    /// key's hint and id only).
    pub async fn put_translation_provider(
        &self,
        actor: &Actor,
        input: &ProviderInput,
    ) -> Result<StoredProvider> {
        let name = collapse(&input.name);
        if name.is_empty() {
            return Err(StoreError::Invalid(
                "name: empty; expected a label such as DeepL".into(),
            ));
        }
        check_len("name", &name, 100)?;
        let kind = input.kind.trim().to_ascii_lowercase();
        if !PROVIDER_KINDS.contains(&kind.as_str()) {
            return Err(StoreError::Invalid(format!(
                "kind {kind:?}: expected one of {}",
                PROVIDER_KINDS.join(", ")
            )));
        }
        let base_url =
            clean_opt(input.base_url.as_deref()).map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &base_url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() > 8
                && !u.contains(char::is_whitespace);
            if !ok {
                return Err(StoreError::Invalid(format!(
                    "base_url {u:?} is not an http(s) URL such as https://api.deepl.com"
                )));
            }
            check_len("base_url", u, 500)?;
        }
        let model = clean_opt(input.model.as_deref());
        if let Some(m) = &model {
            check_len("model", m, 200)?;
        }
        if let Some(p) = &input.pricing_json {
            serde_json::from_str::<serde_json::Value>(p)
                .map_err(|e| StoreError::Invalid(format!("pricing: not JSON ({e})")))?;
        }
        if let Some(k) = &input.api_key {
            check_len("api key", &k.sealed, 4_000)?;
            check_len("api key id", &k.key_id, 64)?;
            check_len("api key hint", &k.hint, 20)?;
        }
        if let Some(r) = input.requests_per_minute
            && !(1..=100_000).contains(&r)
        {
            return Err(StoreError::Invalid(format!(
                "requests_per_minute {r}: expected 1 to 100000"
            )));
        }
        if let Some(b) = input.batch_size
            && !(1..=200).contains(&b)
        {
            return Err(StoreError::Invalid(format!(
                "batch_size {b}: expected 1 to 200"
            )));
        }
        if let Some(t) = input.timeout_ms
            && !(100..=600_000).contains(&t)
        {
            return Err(StoreError::Invalid(format!(
                "timeout_ms {t}: expected 100 to 600000"
            )));
        }
        let now = time::now();
        let now_text = time::to_text(now);
        let org = actor.org_id;
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROVIDER_COLUMNS} FROM translation_settings WHERE org_id = $1"
        )))
        .bind(org.0)
        .fetch_optional(&mut *tx)
        .await?;
        let old_sealed = match &before {
            Some(r) => get_opt_string(r, "api_key_sealed")?.map(|s| {
                Ok::<_, StoreError>((
                    s,
                    get_opt_string(r, "api_key_id")?,
                    get_string(r, "api_key_hint")?,
                ))
            }),
            None => None,
        }
        .transpose()?;
        let before = before.as_ref().map(provider_from_row).transpose()?;
        let (sealed, key_id, hint) = match (&input.api_key, input.clear_api_key, old_sealed) {
            (Some(k), _, _) => (
                Some(k.sealed.clone()),
                Some(k.key_id.clone()),
                k.hint.clone(),
            ),
            (None, true, _) => (None, None, String::new()),
            (None, false, Some((s, id, hint))) => (Some(s), id, hint),
            (None, false, None) => (None, None, String::new()),
        };
        let pricing = input.pricing_json.clone();
        let shown = serde_json::json!({
            "name": name, "kind": kind, "base_url": base_url, "model": model,
            "api_key_hint": hint, "api_key_id": key_id,
            "requests_per_minute": input.requests_per_minute, "batch_size": input.batch_size,
            "timeout_ms": input.timeout_ms, "pricing": pricing,
        });
        // One provider per organisation (UNIQUE (org_id)): the first save inserts, later ones
        // replace everything but the creation time.
        sqlx::query(
            "INSERT INTO translation_settings (org_id, name, kind, base_url, model, \
             api_key_sealed, api_key_id, api_key_hint, requests_per_minute, batch_size, \
             timeout_ms, pricing_json, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
             ON CONFLICT (org_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
             base_url = excluded.base_url, model = excluded.model, \
             api_key_sealed = excluded.api_key_sealed, api_key_id = excluded.api_key_id, \
             api_key_hint = excluded.api_key_hint, \
             requests_per_minute = excluded.requests_per_minute, \
             batch_size = excluded.batch_size, timeout_ms = excluded.timeout_ms, \
             pricing_json = excluded.pricing_json, updated_at = excluded.updated_at",
        )
        .bind(org.0)
        .bind(name.clone())
        .bind(kind.clone())
        .bind(base_url.clone())
        .bind(model.clone())
        .bind(sealed)
        .bind(key_id.clone())
        .bind(hint.clone())
        .bind(input.requests_per_minute.map(i64::from))
        .bind(input.batch_size.map(i64::from))
        .bind(input.timeout_ms.map(|t| t as i64))
        .bind(pricing.clone())
        .bind(now_text)
        .execute(&mut *tx)
        .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "translation.provider.put",
                entity_type: "translation_settings",
                entity_id: org.0.to_string(),
                batch_id: None,
                before: before.as_ref().map(audit::json).transpose()?,
                after: Some(audit::json(&shown)?),
            },
        )
        .await?;
        tx.commit().await?;
        self.translation_provider(org)
            .await?
            .ok_or_else(|| StoreError::not_found("translation provider", org.0))
    }

    /// Removes the provider settings (back to the offline stand-in). Audited.
    pub async fn delete_translation_provider(&self, actor: &Actor) -> Result<()> {
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROVIDER_COLUMNS} FROM translation_settings WHERE org_id = $1"
        )))
        .bind(actor.org_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(provider_from_row)
        .transpose()?
        .ok_or_else(|| StoreError::not_found("translation provider", actor.org_id.0))?;
        sqlx::query("DELETE FROM translation_settings WHERE org_id = $1")
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "translation.provider.delete",
                entity_type: "translation_settings",
                entity_id: actor.org_id.0.to_string(),
                batch_id: None,
                before: Some(audit::json(&before)?),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The glossary, by term.
    pub async fn list_glossary(&self, org: OrgId) -> Result<Vec<GlossaryEntry>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {GLOSSARY_COLUMNS} FROM glossary_entries WHERE org_id = $1 \
             ORDER BY term_key, kind, id"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The glossary as the QA engine and the translator take it.
    pub async fn glossary_for_checks(&self, org: OrgId) -> Result<Glossary> {
        let mut g = Glossary::default();
        for e in self.list_glossary(org).await? {
            match e.kind {
                GlossaryKind::Term => g.terms.push(GlossaryTerm {
                    source: e.term,
                    translations: e.translations,
                }),
                GlossaryKind::DoNotTranslate => g.do_not_translate.push(e.term),
                GlossaryKind::Forbidden => g.forbidden.push(ForbiddenTerm {
                    term: e.term,
                    markets: e.markets,
                    note: (!e.note.is_empty()).then_some(e.note),
                }),
            }
        }
        Ok(g)
    }

    async fn get_glossary_entry(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        id: i64,
    ) -> Result<GlossaryEntry> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {GLOSSARY_COLUMNS} FROM glossary_entries WHERE org_id = $1 AND id = $2"
        )))
        .bind(org.0)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("glossary entry", id))?;
        entry_from_row(&row)
    }

    /// Adds an entry; the same (kind, term) again is a conflict. Audited.
    pub async fn add_glossary_entry(
        &self,
        actor: &Actor,
        input: &GlossaryInput,
    ) -> Result<GlossaryEntry> {
        let e = normalise_entry(input)?;
        let now = time::now();
        let now_text = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let dup = sqlx::query(
            "SELECT id FROM glossary_entries WHERE org_id = $1 AND kind = $2 AND term_key = $3",
        )
        .bind(actor.org_id.0)
        .bind(e.kind.as_str().to_string())
        .bind(e.key.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if dup.is_some() {
            return Err(StoreError::Conflict {
                what: format!(
                    "{} {:?} is already in the glossary",
                    e.kind.as_str(),
                    e.term
                ),
            });
        }
        let row = sqlx::query(
            "INSERT INTO glossary_entries (org_id, kind, term, term_key, translations_json, \
             markets, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(e.kind.as_str().to_string())
        .bind(e.term.clone())
        .bind(e.key.clone())
        .bind(audit::json(&e.translations)?)
        .bind(e.markets.join(","))
        .bind(e.note.clone())
        .bind(now_text.clone())
        .bind(now_text)
        .fetch_one(&mut *tx)
        .await?;
        let id = get_i64(&row, "id")?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "glossary.add",
                entity_type: "glossary_entry",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&e)?),
            },
        )
        .await?;
        let out = self.get_glossary_entry(&mut tx, actor.org_id, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes an entry of this organisation. Audited.
    pub async fn delete_glossary_entry(&self, actor: &Actor, id: i64) -> Result<GlossaryEntry> {
        self.delete_owned(actor, id, &GLOSSARY).await
    }

    /// Imports entries in one transaction keyed by (kind, term): new ones inserted, changed
    /// ones updated, identical ones left alone. Any invalid or repeated row refuses the whole
    /// import, naming the row (1-based).
    pub async fn import_glossary(
        &self,
        actor: &Actor,
        inputs: &[GlossaryInput],
        source_label: &str,
    ) -> Result<ImportOutcome> {
        check_len("import source label", source_label, 200)?;
        let mut entries = Vec::with_capacity(inputs.len());
        let mut seen: HashMap<(GlossaryKind, String), usize> = HashMap::new();
        for (i, input) in inputs.iter().enumerate() {
            let e = normalise_entry(input).map_err(|e| {
                StoreError::Invalid(format!(
                    "row {}: {}",
                    i + 1,
                    match e {
                        StoreError::Invalid(m) => m,
                        other => other.to_string(),
                    }
                ))
            })?;
            if let Some(first) = seen.insert((e.kind, e.key.clone()), i) {
                return Err(StoreError::Invalid(format!(
                    "row {}: {} {:?} is also row {}; each entry once",
                    i + 1,
                    e.kind.as_str(),
                    e.term,
                    first + 1
                )));
            }
            entries.push(e);
        }
        let now = time::now();
        let now_text = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {GLOSSARY_COLUMNS}, term_key FROM glossary_entries WHERE org_id = $1"
        )))
        .bind(actor.org_id.0)
        .fetch_all(&mut *tx)
        .await?;
        let mut existing: HashMap<(GlossaryKind, String), GlossaryEntry> = HashMap::new();
        for r in &rows {
            let e = entry_from_row(r)?;
            existing.insert((e.kind, get_string(r, "term_key")?), e);
        }
        let new_count = entries
            .iter()
            .filter(|e| !existing.contains_key(&(e.kind, e.key.clone())))
            .count();
        if existing.len() + new_count > MAX_GLOSSARY_ENTRIES {
            return Err(StoreError::Invalid(format!(
                "the glossary would hold {} entries; at most {MAX_GLOSSARY_ENTRIES}",
                existing.len() + new_count
            )));
        }
        let mut outcome = ImportOutcome {
            created: 0,
            updated: 0,
            unchanged: 0,
            batch_id: None,
        };
        let mut changed = Vec::new();
        for e in &entries {
            match existing.get(&(e.kind, e.key.clone())) {
                Some(old) if e.same_as(old) => outcome.unchanged += 1,
                Some(old) => {
                    sqlx::query(
                        "UPDATE glossary_entries SET term = $1, translations_json = $2, \
                         markets = $3, note = $4, updated_at = $5 WHERE org_id = $6 AND id = $7",
                    )
                    .bind(e.term.clone())
                    .bind(audit::json(&e.translations)?)
                    .bind(e.markets.join(","))
                    .bind(e.note.clone())
                    .bind(now_text.clone())
                    .bind(actor.org_id.0)
                    .bind(old.id)
                    .execute(&mut *tx)
                    .await?;
                    outcome.updated += 1;
                    changed.push(e.term.clone());
                }
                None => {
                    sqlx::query(
                        "INSERT INTO glossary_entries (org_id, kind, term, term_key, \
                         translations_json, markets, note, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(actor.org_id.0)
                    .bind(e.kind.as_str().to_string())
                    .bind(e.term.clone())
                    .bind(e.key.clone())
                    .bind(audit::json(&e.translations)?)
                    .bind(e.markets.join(","))
                    .bind(e.note.clone())
                    .bind(now_text.clone())
                    .bind(now_text.clone())
                    .execute(&mut *tx)
                    .await?;
                    outcome.created += 1;
                    changed.push(e.term.clone());
                }
            }
        }
        if !changed.is_empty() {
            changed.truncate(100);
            audit::write(
                &mut tx,
                actor,
                now,
                AuditRecord {
                    action: "glossary.import",
                    entity_type: "glossary",
                    entity_id: actor.org_id.0.to_string(),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(&serde_json::json!({
                        "source": source_label,
                        "rows": entries.len(),
                        "created": outcome.created,
                        "updated": outcome.updated,
                        "unchanged": outcome.unchanged,
                        "changed_terms": changed,
                    }))?),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// What identifies the current state of the memory into `target_locale`: row count,
    /// highest id and latest update. Any insert, delete or changed translation moves it, so a
    /// lookup index built from the rows stays valid while the stamp is the same.
    pub async fn tm_stamp(&self, org: OrgId, target_locale: &str) -> Result<TmStamp> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS max_id, \
             COALESCE(MAX(updated_at), '') AS max_updated FROM tm_segments \
             WHERE org_id = $1 AND target_locale = $2",
        )
        .bind(org.0)
        .bind(target_locale.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(TmStamp {
            count: get_i64(&row, "n")?,
            max_id: get_i64(&row, "max_id")?,
            max_updated: get_string(&row, "max_updated")?,
        })
    }

    /// Memory pairs into `target_locale` (every source locale), for a lookup index.
    pub async fn tm_segments_for_target(
        &self,
        org: OrgId,
        target_locale: &str,
    ) -> Result<Vec<TmEntry>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TM_COLUMNS} FROM tm_segments WHERE org_id = $1 AND target_locale = $2 \
             ORDER BY id"
        )))
        .bind(org.0)
        .bind(target_locale.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(tm_from_row).collect()
    }

    /// The memory, newest first, filtered.
    pub async fn list_tm(&self, org: OrgId, q: &TmQueryFilter) -> Result<Page<TmEntry>> {
        check_paging(q.page, q.per_page)?;
        let mut f = crate::sql::Filter::new();
        f.and("org_id = {}", vec![crate::sql::Arg::I64(org.0)]);
        if let Some(t) = q
            .target_locale
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            f.and(
                "target_locale = {}",
                vec![crate::sql::Arg::Text(t.to_string())],
            );
        }
        if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let like = format!("%{}%", crate::db::escape_like(&t.to_lowercase()));
            f.and(
                "(LOWER(source_text) LIKE {} ESCAPE '\\' OR LOWER(target_text) LIKE {} ESCAPE '\\')",
                vec![crate::sql::Arg::Text(like.clone()), crate::sql::Arg::Text(like)],
            );
        }
        let where_sql = f.where_sql();
        let total: i64 = f
            .query(format!("SELECT COUNT(*) AS n FROM tm_segments {where_sql}"))
            .fetch_one(&self.pool)
            .await
            .and_then(|r| sqlx::Row::try_get::<i64, _>(&r, "n"))?;
        let offset = i64::from(q.page - 1) * i64::from(q.per_page);
        let rows = f
            .query(format!(
                "SELECT {TM_COLUMNS} FROM tm_segments {where_sql} ORDER BY updated_at DESC, id DESC \
                 LIMIT {} OFFSET {offset}",
                q.per_page
            ))
            .fetch_all(&self.pool)
            .await?;
        Ok(Page {
            items: rows.iter().map(tm_from_row).collect::<Result<Vec<_>>>()?,
            total: u64::try_from(total).unwrap_or(0),
            page: q.page,
            per_page: q.per_page,
        })
    }

    /// Adds or replaces one pair by hand. Audited.
    pub async fn put_tm_segment(
        &self,
        actor: &Actor,
        source_locale: &str,
        target_locale: &str,
        source: &str,
        target: &str,
    ) -> Result<TmEntry> {
        let sl = normalize_locale_tag(source_locale)?;
        let tl = normalize_locale_tag(target_locale)?;
        for (field, text) in [("source", source), ("target", target)] {
            if text.trim().is_empty() {
                return Err(StoreError::Invalid(format!("{field}: empty")));
            }
            check_len(field, text, MAX_SEGMENT_CHARS)?;
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let (id, changed) = upsert_tm(
            &mut tx,
            actor.org_id,
            &sl,
            &tl,
            source.trim(),
            target.trim(),
            &format!("manual ({})", actor.label),
            None,
            now,
        )
        .await?;
        if changed {
            audit::write(
                &mut tx,
                actor,
                now,
                AuditRecord {
                    action: "tm.put",
                    entity_type: "tm_segment",
                    entity_id: id.to_string(),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(&serde_json::json!({
                        "source_locale": sl, "target_locale": tl,
                        "source": source.trim(), "target": target.trim(),
                    }))?),
                },
            )
            .await?;
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TM_COLUMNS} FROM tm_segments WHERE org_id = $1 AND id = $2"
        )))
        .bind(actor.org_id.0)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let out = tm_from_row(&row)?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes one pair of this organisation. Audited.
    pub async fn delete_tm_segment(&self, actor: &Actor, id: i64) -> Result<TmEntry> {
        self.delete_owned(actor, id, &TM_SEGMENTS).await
    }

    /// Records what a translation run used. Audited (the cost is the organisation's money).
    pub async fn record_translation_usage(&self, actor: &Actor, rec: &UsageRecord) -> Result<i64> {
        check_len("provider", &rec.provider, 200)?;
        let now = time::now();
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO translation_usage (org_id, at, provider, listing_id, source_locale, \
             target_locale, requests, retries, chars_billed, tokens_in, tokens_out, cost, \
             currency, segments_from_memory, segments_translated, segments_failed, ok) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
             RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(time::to_text(now))
        .bind(rec.provider.clone())
        .bind(rec.listing_id)
        .bind(rec.source_locale.clone())
        .bind(rec.target_locale.clone())
        .bind(n(rec.requests))
        .bind(n(rec.retries))
        .bind(n(rec.chars_billed))
        .bind(n(rec.tokens_in))
        .bind(n(rec.tokens_out))
        .bind(rec.cost.clone())
        .bind(rec.currency.clone())
        .bind(n(rec.segments_from_memory))
        .bind(n(rec.segments_translated))
        .bind(n(rec.segments_failed))
        .bind(crate::db::bool_to_db(rec.ok))
        .fetch_one(&mut *tx)
        .await?;
        let id = get_i64(&row, "id")?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "translation.usage",
                entity_type: "translation_usage",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(rec)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Usage rows, newest first (at most `limit`).
    pub async fn list_translation_usage(&self, org: OrgId, limit: u32) -> Result<Vec<StoredUsage>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, at, provider, listing_id, source_locale, target_locale, requests, \
             retries, chars_billed, tokens_in, tokens_out, cost, currency, segments_from_memory, \
             segments_translated, segments_failed, ok FROM translation_usage WHERE org_id = $1 \
             ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 10_000)
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let u = |r: &AnyRow, c: &str| get_i64(r, c).map(|v| u64::try_from(v).unwrap_or(0));
        rows.iter()
            .map(|r| {
                Ok(StoredUsage {
                    id: get_i64(r, "id")?,
                    at: time::from_text("translation_usage.at", &get_string(r, "at")?)?,
                    record: UsageRecord {
                        provider: get_string(r, "provider")?,
                        listing_id: get_opt_i64(r, "listing_id")?,
                        source_locale: get_string(r, "source_locale")?,
                        target_locale: get_string(r, "target_locale")?,
                        requests: u(r, "requests")?,
                        retries: u(r, "retries")?,
                        chars_billed: u(r, "chars_billed")?,
                        tokens_in: u(r, "tokens_in")?,
                        tokens_out: u(r, "tokens_out")?,
                        cost: get_opt_string(r, "cost")?,
                        currency: get_opt_string(r, "currency")?,
                        segments_from_memory: u(r, "segments_from_memory")?,
                        segments_translated: u(r, "segments_translated")?,
                        segments_failed: u(r, "segments_failed")?,
                        ok: crate::db::bool_from_db(get_i64(r, "ok")?),
                    },
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
