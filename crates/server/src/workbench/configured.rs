//! The organisation's configured translation provider behind the workbench's [`Translator`]
//! seam: the stored settings (API key unsealed with the server key), the glossary and the
//! translation memory go into one `tradelane_translate` run per listing, so memory matches are
//! used before any provider call, Simplified ↔ Traditional Chinese is converted offline, and
//! usage and cost come back with the text. Without settings the offline stand-in is used.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rust_decimal::Decimal;
use tradelane_listing_qa::Glossary;
use tradelane_store::translation::{SealedKey, StoredProvider, TmStamp};
use tradelane_store::{Actor, OrgId, Store};
use tradelane_translate::secret::{Keyring, SecretError};
use tradelane_translate::{
    AnyProvider, Origin, Outcome, Pricing, ProviderKind, ProviderSettings, RetryPolicy, TmIndex,
    TmSegment, TranslateRequest, Usage,
};

use super::translator::{
    OfflineTranslator, Segment, SegmentOutcome, SegmentsReport, TranslateFuture, Translator,
};
use crate::error::{ApiError, ApiResult};

/// The server key ring: `TRADELANE_SECRET_KEY`, else `secret.key` in the data directory
/// (created on first use), plus previous keys for rotation.
pub fn keyring(data_dir: &Path) -> Result<Keyring, SecretError> {
    Keyring::load(data_dir)
}

/// The last four characters of a key behind an ellipsis (short keys: just the ellipsis).
pub fn key_hint(key: &str) -> String {
    let n = key.chars().count();
    if n <= 8 {
        "…".into()
    } else {
        format!("…{}", key.chars().skip(n - 4).collect::<String>())
    }
}

/// Seals an API key for organisation `org` with the current server key.
pub fn seal(data_dir: &Path, org: OrgId, key: &str) -> ApiResult<SealedKey> {
    let ring = keyring(data_dir).map_err(|e| ApiError::Internal(format!("secret key: {e}")))?;
    let sealed = ring
        .encrypt(org.0, key)
        .map_err(|e| ApiError::Internal(format!("sealing the API key: {e}")))?;
    Ok(SealedKey {
        sealed,
        key_id: ring.current_id().to_string(),
        hint: key_hint(key),
    })
}

/// The stored pricing JSON as the translate crate reads it.
pub fn parse_pricing(json: Option<&str>) -> Result<Option<Pricing>, String> {
    match json {
        None => Ok(None),
        Some(j) => serde_json::from_str::<Pricing>(j)
            .map(Some)
            .map_err(|e| format!("pricing: {e}")),
    }
}

/// Provider settings from the stored row and the unsealed key.
pub fn settings_of(
    p: &StoredProvider,
    api_key: Option<String>,
) -> Result<ProviderSettings, String> {
    let kind = ProviderKind::parse(&p.kind).ok_or_else(|| format!("unknown kind {:?}", p.kind))?;
    Ok(ProviderSettings {
        name: p.name.clone(),
        kind,
        base_url: p.base_url.clone(),
        model: p.model.clone(),
        api_key,
        batch_size: p.batch_size.map(|b| b as usize),
        requests_per_minute: p.requests_per_minute,
        timeout_ms: p.timeout_ms,
        pricing: parse_pricing(p.pricing_json.as_deref())?,
    })
}

/// The organisation's provider settings with the key unsealed; None when nothing is configured.
pub async fn org_settings(
    store: &Store,
    data_dir: &Path,
    org: OrgId,
) -> ApiResult<Option<Result<ProviderSettings, String>>> {
    let Some(p) = store.translation_provider(org).await? else {
        return Ok(None);
    };
    let key = match store.translation_sealed_key(org).await? {
        None => None,
        Some(sealed) => match keyring(data_dir).and_then(|r| r.decrypt(org.0, &sealed)) {
            Ok(k) => Some(k),
            Err(e) => return Ok(Some(Err(format!("the stored API key cannot be used: {e}")))),
        },
    };
    Ok(Some(settings_of(&p, key)))
}

/// The translator for one organisation: its configured provider with memory and glossary, or
/// the offline stand-in when nothing is configured. A configuration that cannot be used (key
/// sealed with a lost server key, bad settings) gives a translator that reports the problem
/// for every listing instead of translating.
pub async fn translator_for_org(
    store: &Store,
    data_dir: &Path,
    memory: Arc<MemoryCache>,
    org: OrgId,
) -> ApiResult<Arc<dyn Translator>> {
    let settings = match org_settings(store, data_dir, org).await? {
        None => return Ok(Arc::new(OfflineTranslator)),
        Some(Err(e)) => return Ok(Arc::new(Broken(e))),
        Some(Ok(s)) => s,
    };
    let provider = match AnyProvider::build(&settings, RetryPolicy::default()) {
        Ok(p) => p,
        Err(e) => return Ok(Arc::new(Broken(e.to_string()))),
    };
    let glossary = store.glossary_for_checks(org).await?;
    Ok(Arc::new(ConfiguredTranslator {
        label: provider_label(&settings),
        provider,
        pricing: settings.pricing.clone(),
        glossary,
        store: store.clone(),
        org,
        memory,
    }))
}

/// `deepl`, `openai/gpt-4o-mini`, `libretranslate`.
pub fn provider_label(s: &ProviderSettings) -> String {
    match s.model.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) if s.kind == ProviderKind::Openai => format!("{}/{m}", s.kind.as_str()),
        _ => s.kind.as_str().to_string(),
    }
    .chars()
    .take(80)
    .collect()
}

/// Translation memories as lookup indexes, kept between requests and jobs of one server and
/// rebuilt only when the stored memory changed ([`Store::tm_stamp`]). Building the index of a
/// large memory (100,000 segments) takes far longer than a lookup in it, and the editor asks
/// for suggestions on every page view.
#[derive(Default)]
pub struct MemoryCache {
    indexes: std::sync::Mutex<HashMap<MemoryKey, (TmStamp, Arc<TmIndex>)>>,
}

/// (organisation id, target locale).
type MemoryKey = (i64, String);

impl MemoryCache {
    fn get(&self, key: &MemoryKey, stamp: &TmStamp) -> Option<Arc<TmIndex>> {
        let indexes = self.indexes.lock().ok()?;
        indexes
            .get(key)
            .filter(|(s, _)| s == stamp)
            .map(|(_, index)| index.clone())
    }

    fn put(&self, key: MemoryKey, stamp: TmStamp, index: Arc<TmIndex>) {
        if let Ok(mut indexes) = self.indexes.lock() {
            indexes.insert(key, (stamp, index));
        }
    }
}

/// The memory into `target_locale` as a lookup index: the cached one while the stored memory is
/// unchanged, else built from the rows (and cached).
pub async fn memory_index(
    store: &Store,
    cache: &MemoryCache,
    org: OrgId,
    target_locale: &str,
) -> ApiResult<Arc<TmIndex>> {
    let key = (org.0, target_locale.to_string());
    let stamp = store.tm_stamp(org, target_locale).await?;
    if let Some(index) = cache.get(&key, &stamp) {
        return Ok(index);
    }
    let rows = store.tm_segments_for_target(org, target_locale).await?;
    let index = Arc::new(TmIndex::from_segments(rows.into_iter().map(|e| {
        TmSegment {
            id: e.id,
            source_locale: e.source_locale,
            target_locale: e.target_locale,
            source: e.source_text,
            target: e.target_text,
            provenance: e.origin,
        }
    })));
    // The stamp read before the rows: a change in between makes the next call rebuild.
    cache.put(key, stamp, index.clone());
    Ok(index)
}

struct Broken(String);

impl Translator for Broken {
    fn translate<'a>(
        &'a self,
        _actor: &'a Actor,
        _source_locale: &'a str,
        _target_locale: &'a str,
        _segments: &'a [Segment],
    ) -> TranslateFuture<'a> {
        let msg = format!("translation provider: {}", self.0);
        Box::pin(async move { Err(msg) })
    }
}

struct ConfiguredTranslator {
    label: String,
    provider: AnyProvider,
    pricing: Option<Pricing>,
    glossary: Glossary,
    store: Store,
    org: OrgId,
    /// The server's memory indexes; a listing approved during a bulk job is used by the
    /// listings translated after it.
    memory: Arc<MemoryCache>,
}

impl ConfiguredTranslator {
    async fn memory(&self, target: &str) -> Result<Arc<TmIndex>, String> {
        memory_index(&self.store, &self.memory, self.org, target)
            .await
            .map_err(|e| format!("translation memory: {e}"))
    }
}

fn add_usage(total: &mut Usage, u: &Usage) {
    total.requests += u.requests;
    total.retries += u.retries;
    total.chars_billed += u.chars_billed;
    total.tokens_in += u.tokens_in;
    total.tokens_out += u.tokens_out;
    if let Some(c) = u.cost {
        total.cost = Some(total.cost.unwrap_or(Decimal::ZERO) + c);
        total.currency = u.currency.clone();
    }
    total.segments_from_memory += u.segments_from_memory;
    total.segments_translated += u.segments_translated;
    total.segments_failed += u.segments_failed;
}

impl Translator for ConfiguredTranslator {
    fn translate<'a>(
        &'a self,
        _actor: &'a Actor,
        source_locale: &'a str,
        target_locale: &'a str,
        segments: &'a [Segment],
    ) -> TranslateFuture<'a> {
        Box::pin(async move {
            let tm = self.memory(target_locale).await?;
            let run = tradelane_translate::Translator {
                provider: &self.provider,
                tm: Some(tm.as_ref()),
                glossary: Some(&self.glossary),
                pricing: self.pricing.as_ref(),
            };
            let mut results: Vec<Option<SegmentOutcome>> = vec![None; segments.len()];
            let mut usage = Usage::default();
            let (mut memory, mut machine, mut script) = (0usize, 0usize, 0usize);
            // Plain fields in one run, HTML fields (descriptions) in another.
            for html in [false, true] {
                let idx: Vec<usize> = (0..segments.len())
                    .filter(|&i| segments[i].html == html)
                    .collect();
                if idx.is_empty() {
                    continue;
                }
                let req = TranslateRequest {
                    source_locale: source_locale.to_string(),
                    target_locale: target_locale.to_string(),
                    segments: idx
                        .iter()
                        .map(|&i| {
                            tradelane_translate::Segment::new(
                                segments[i].id.clone(),
                                segments[i].text.clone(),
                            )
                        })
                        .collect(),
                    html,
                    ..TranslateRequest::default()
                };
                let report = run.run(&req).await;
                add_usage(&mut usage, &report.usage);
                for (&i, r) in idx.iter().zip(report.results) {
                    results[i] = Some(match r.outcome {
                        Outcome::Ok { text, origin } => {
                            match origin {
                                Origin::TmExact { .. } | Origin::TmFuzzy { .. } => memory += 1,
                                Origin::ScriptConversion => script += 1,
                                Origin::Provider { .. } | Origin::Offline => machine += 1,
                                Origin::Unchanged => {}
                            }
                            SegmentOutcome::Ok { text }
                        }
                        Outcome::Failed { error, .. } => SegmentOutcome::Failed { error },
                    });
                }
            }
            let results = results
                .into_iter()
                .map(|r| {
                    r.unwrap_or(SegmentOutcome::Failed {
                        error: "not translated".into(),
                    })
                })
                .collect();
            let provider = if machine > 0 {
                if memory > 0 {
                    format!("{}+tm", self.label)
                } else {
                    self.label.clone()
                }
            } else if memory > 0 {
                "tm".to_string()
            } else if script > 0 {
                "opencc".to_string()
            } else {
                self.label.clone()
            };
            Ok(SegmentsReport {
                results,
                provider,
                usage: Some(usage),
            })
        })
    }
}
