//! The listing localization workbench: translating stored listings through the translation
//! module, the review rules (who may approve what), QA findings on stored listings, bulk jobs
//! and the marketplace flat-file export. Shared by the JSON API, the pages and the CLI.
//!
//! Invariants:
//! - a listing is translated whole or not at all: when any field fails at the provider, nothing
//!   of that listing is saved and the failure is reported for that listing alone;
//! - approval needs a listing without QA error findings, and an operator cannot approve text
//!   they wrote themselves (the owner can);
//! - a bulk job records its progress after every listing, so a page can poll it.

pub mod assist;
pub mod configured;
pub mod export;
pub mod translator;

use std::sync::Arc;

use jiff::civil::Date;
use tradelane_listing_qa::{CheckInput, Finding, Glossary, Listing, Severity, SourceListing};
use tradelane_store::listings::{SOURCE_LOCALES, canonical_locale, canonical_marketplace};
use tradelane_store::{
    Actor, JobItem, JobStatus, ListingAction, ListingContent, ListingQuery, ListingState, OrgId,
    Role, Store, StoredListing, UserId,
};

pub use translator::{OfflineTranslator, Segment, SegmentOutcome, Translator};

use crate::error::{ApiError, ApiResult};

pub use crate::api::listings::engine;

/// The marketplace family the QA rules know (`amazon-de` → `amazon`).
pub fn rules_marketplace(marketplace: &str) -> String {
    marketplace
        .split(['-', '.', '_'])
        .next()
        .unwrap_or(marketplace)
        .to_string()
}

/// The stored listing as the QA engine sees it.
pub fn qa_listing(l: &StoredListing) -> Listing {
    Listing {
        marketplace: rules_marketplace(&l.marketplace),
        locale: l.locale.clone(),
        title: l.content.title.clone(),
        bullets: l.content.bullets.clone(),
        description: l.content.description.clone(),
        search_terms: l.content.search_terms.clone(),
        attributes: l.content.attributes.clone(),
    }
}

pub fn qa_source(l: &StoredListing) -> SourceListing {
    SourceListing {
        locale: l.locale.clone(),
        title: l.content.title.clone(),
        bullets: l.content.bullets.clone(),
        description: l.content.description.clone(),
        search_terms: l.content.search_terms.clone(),
    }
}

/// QA findings of a stored listing against its source (if any) and the glossary (if any),
/// with the rules in force on `date`.
pub fn findings(
    target: &StoredListing,
    source: Option<&StoredListing>,
    glossary: Option<&Glossary>,
    date: Option<Date>,
) -> ApiResult<Vec<Finding>> {
    let engine = engine()?;
    let listing = qa_listing(target);
    let src = source.map(qa_source);
    let input = CheckInput {
        listing: &listing,
        source: src.as_ref(),
        glossary,
        watchlist: None,
        date,
    };
    Ok(engine.check(&input))
}

/// The translator for the caller's organisation: its configured provider (with translation
/// memory and glossary), or the offline stand-in (clearly labelled, never a real translation)
/// when none is configured.
pub async fn translator_for(
    state: &crate::state::AppState,
    org: OrgId,
) -> ApiResult<Arc<dyn Translator>> {
    configured::translator_for_org(
        &state.store,
        &state.config.data_dir,
        state.tm_cache.clone(),
        org,
    )
    .await
}

/// The listing's source, when it has one in this organisation.
pub async fn source_of(
    store: &Store,
    org: OrgId,
    l: &StoredListing,
) -> ApiResult<Option<StoredListing>> {
    match l.source_id {
        Some(id) => match store.get_listing(org, id).await {
            Ok(s) => Ok(Some(s)),
            Err(tradelane_store::StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        },
        None => Ok(None),
    }
}

/// The organisation's glossary for checks (None while it is empty).
pub async fn glossary(store: &Store, org: OrgId) -> ApiResult<Option<Glossary>> {
    let g = store.glossary_for_checks(org).await?;
    Ok(
        (!(g.terms.is_empty() && g.do_not_translate.is_empty() && g.forbidden.is_empty()))
            .then_some(g),
    )
}

/// Today (UTC) as a civil date, for "rules in force".
pub fn today() -> Date {
    crate::api::listings::today()
}

/// Why a listing could not be translated; nothing of it was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslateFailure {
    pub message: String,
    /// The listing was left alone on purpose (already reviewed, same locale), not failed.
    pub skipped: bool,
}

impl TranslateFailure {
    fn failed(message: String) -> Self {
        TranslateFailure {
            message,
            skipped: false,
        }
    }
}

fn segments_of(c: &ListingContent) -> Vec<Segment> {
    let mut out = vec![Segment::new("title", &c.title, false)];
    for (i, b) in c.bullets.iter().enumerate() {
        out.push(Segment::new(&format!("bullet.{i}"), b, false));
    }
    if !c.description.is_empty() {
        out.push(Segment::new("description", &c.description, true));
    }
    if !c.search_terms.is_empty() {
        out.push(Segment::new("search_terms", &c.search_terms, false));
    }
    out
}

/// Translates one source listing into `target_locale` for `marketplace` and saves it as
/// machine-translated. All fields or nothing: a failed field leaves the target untouched.
pub async fn translate_listing(
    store: &Store,
    actor: &Actor,
    translator: &dyn Translator,
    source: &StoredListing,
    marketplace: &str,
    target_locale: &str,
) -> ApiResult<Result<StoredListing, TranslateFailure>> {
    let marketplace = canonical_marketplace(marketplace)?;
    let target = canonical_locale(target_locale)?;
    if source.locale == target {
        return Ok(Err(TranslateFailure {
            message: format!("the source is already in {target}"),
            skipped: true,
        }));
    }
    let segments = segments_of(&source.content);
    let report = match translator
        .translate(actor, &source.locale, target, &segments)
        .await
    {
        Ok(r) => r,
        Err(message) => return Ok(Err(TranslateFailure::failed(message))),
    };
    let outcome = save_report(
        store,
        actor,
        source,
        &marketplace,
        target,
        &segments,
        &report,
    )
    .await;
    if let Some(u) = &report.usage {
        let saved = match &outcome {
            Ok(Ok(l)) => Some(l.id.0),
            _ => None,
        };
        let rec = tradelane_store::translation::UsageRecord {
            provider: report.provider.clone(),
            listing_id: saved,
            source_locale: source.locale.clone(),
            target_locale: target.to_string(),
            requests: u.requests,
            retries: u.retries,
            chars_billed: u.chars_billed,
            tokens_in: u.tokens_in,
            tokens_out: u.tokens_out,
            cost: u.cost.map(|c| c.normalize().to_string()),
            currency: u.currency.clone(),
            segments_from_memory: u.segments_from_memory,
            segments_translated: u.segments_translated,
            segments_failed: u.segments_failed,
            ok: saved.is_some(),
        };
        // The run happened (and may have been billed) whatever became of the listing.
        if let Err(e) = store.record_translation_usage(actor, &rec).await {
            tracing::error!(error = %e, "recording translation usage");
        }
    }
    outcome
}

/// Saves the translated fields of one listing, all or nothing.
async fn save_report(
    store: &Store,
    actor: &Actor,
    source: &StoredListing,
    marketplace: &str,
    target: &str,
    segments: &[Segment],
    report: &translator::SegmentsReport,
) -> ApiResult<Result<StoredListing, TranslateFailure>> {
    let mut content = ListingContent {
        attributes: source.content.attributes.clone(),
        ..ListingContent::default()
    };
    let mut failures = Vec::new();
    let mut bullets: Vec<(usize, String)> = Vec::new();
    for (seg, out) in segments.iter().zip(report.results.iter()) {
        match out {
            SegmentOutcome::Ok { text } => match seg.id.as_str() {
                "title" => content.title = text.clone(),
                "description" => content.description = text.clone(),
                "search_terms" => content.search_terms = text.clone(),
                id => {
                    if let Some(i) = id.strip_prefix("bullet.").and_then(|i| i.parse().ok()) {
                        bullets.push((i, text.clone()));
                    }
                }
            },
            SegmentOutcome::Failed { error } => failures.push(format!("{}: {error}", seg.id)),
        }
    }
    if report.results.len() != segments.len() {
        failures.push(format!(
            "the provider answered {} of {} fields",
            report.results.len(),
            segments.len()
        ));
    }
    if !failures.is_empty() {
        return Ok(Err(TranslateFailure::failed(failures.join("; "))));
    }
    bullets.sort_by_key(|(i, _)| *i);
    content.bullets = bullets.into_iter().map(|(_, b)| b).collect();
    match store
        .save_translation(
            actor,
            source,
            marketplace,
            target,
            &content,
            &report.provider,
        )
        .await
    {
        Ok(saved) => Ok(Ok(saved)),
        Err(e @ tradelane_store::StoreError::Conflict { .. }) => Ok(Err(TranslateFailure {
            message: e.to_string(),
            skipped: true,
        })),
        Err(e @ tradelane_store::StoreError::Invalid(_)) => {
            Ok(Err(TranslateFailure::failed(e.to_string())))
        }
        Err(e) => Err(e.into()),
    }
}

/// The source listings to translate for a marketplace: per SKU, a listing in a source locale
/// (zh-CN, en), preferring one written for this marketplace, else its marketplace family
/// (`amazon` for `amazon-de`), else any.
pub async fn sources_for(
    store: &Store,
    org: OrgId,
    marketplace: &str,
    target_locale: &str,
) -> ApiResult<Vec<StoredListing>> {
    let marketplace = canonical_marketplace(marketplace)?;
    let family = rules_marketplace(&marketplace);
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let p = store
            .list_listings(
                org,
                &ListingQuery {
                    page,
                    per_page: tradelane_store::MAX_PER_PAGE,
                    ..ListingQuery::default()
                },
            )
            .await?;
        let n = p.items.len();
        all.extend(p.items);
        if n == 0 || all.len() as u64 >= p.total {
            break;
        }
        page += 1;
    }
    let mut best: std::collections::BTreeMap<i64, (u8, StoredListing)> = Default::default();
    for l in all {
        if !SOURCE_LOCALES.contains(&l.locale.as_str()) || l.locale == target_locale {
            continue;
        }
        // A translation is never a source for another one.
        if l.source_id.is_some() {
            continue;
        }
        let rank = if l.marketplace == marketplace {
            0
        } else if l.marketplace == family {
            1
        } else {
            2
        };
        // Among equals prefer Chinese (the seller's own text) for zh-Hant, English otherwise.
        let lang_rank = match (target_locale, l.locale.as_str()) {
            ("zh-Hant", "zh-CN") => 0,
            ("zh-Hant", _) => 1,
            (_, "zh-CN") => 1,
            _ => 0,
        };
        let score = rank * 2 + lang_rank;
        match best.get(&l.sku_id.0) {
            Some((s, _)) if *s <= score => {}
            _ => {
                best.insert(l.sku_id.0, (score, l));
            }
        }
    }
    Ok(best.into_values().map(|(_, l)| l).collect())
}

/// Runs a bulk translation: every source in `sources`, progress recorded after each.
pub async fn run_translate_job(
    store: &Store,
    actor: &Actor,
    translator: Arc<dyn Translator>,
    job_id: i64,
    marketplace: &str,
    target_locale: &str,
    sources: Vec<StoredListing>,
) -> ApiResult<Vec<JobItem>> {
    let mut items = Vec::with_capacity(sources.len());
    for src in &sources {
        let item = match translate_listing(
            store,
            actor,
            translator.as_ref(),
            src,
            marketplace,
            target_locale,
        )
        .await
        {
            Ok(Ok(saved)) => JobItem {
                sku_code: src.sku_code.clone(),
                listing_id: Some(saved.id),
                outcome: "translated".into(),
                message: None,
            },
            Ok(Err(f)) => JobItem {
                sku_code: src.sku_code.clone(),
                listing_id: None,
                outcome: if f.skipped { "skipped" } else { "failed" }.into(),
                message: Some(f.message),
            },
            Err(e) => JobItem {
                sku_code: src.sku_code.clone(),
                listing_id: None,
                outcome: "failed".into(),
                message: Some(e.to_string()),
            },
        };
        items.push(item);
        store
            .update_listing_job(actor.org_id, job_id, JobStatus::Running, &items)
            .await?;
    }
    store
        .update_listing_job(actor.org_id, job_id, JobStatus::Done, &items)
        .await?;
    Ok(items)
}

/// Starts a bulk job in the background and returns its id at once.
pub async fn start_translate_job(
    store: &Store,
    actor: &Actor,
    translator: Arc<dyn Translator>,
    marketplace: &str,
    target_locale: &str,
) -> ApiResult<tradelane_store::ListingJob> {
    let marketplace = canonical_marketplace(marketplace)?;
    let target = canonical_locale(target_locale)?;
    let sources = sources_for(store, actor.org_id, &marketplace, target).await?;
    let job = store
        .create_listing_job(
            actor,
            "translate",
            &marketplace,
            target,
            sources.len() as i64,
        )
        .await?;
    let (store2, actor2, id) = (store.clone(), actor.clone(), job.id);
    tokio::spawn(async move {
        if let Err(e) = run_translate_job(
            &store2,
            &actor2,
            translator,
            id,
            &marketplace,
            target,
            sources,
        )
        .await
        {
            tracing::error!(job = id, error = %e, "listing translation job failed");
            let _ = store2
                .update_listing_job(actor2.org_id, id, JobStatus::Failed, &[])
                .await;
        }
    });
    Ok(job)
}

/// Who changed the text last (for the four-eyes rule).
pub async fn last_text_editor(
    store: &Store,
    org: OrgId,
    l: &StoredListing,
) -> ApiResult<Option<UserId>> {
    let versions = store.listing_versions(org, l.id).await?;
    Ok(versions
        .iter()
        .find(|v| v.action.changes_text() && v.action != ListingAction::Translate)
        .and_then(|v| v.actor_user_id))
}

/// Why the caller may not approve (or reject) this listing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// Viewers review nothing.
    Role,
    /// An operator cannot approve text they wrote themselves.
    OwnText,
    /// The listing is not in review.
    State(ListingState),
    /// QA error findings must be fixed first.
    Qa(usize),
}

impl Blocker {
    pub fn message(&self) -> String {
        match self {
            Blocker::Role => "your role does not allow this".into(),
            Blocker::OwnText => "you edited this text yourself; another reviewer (or the owner) \
                                 must approve it"
                .into(),
            Blocker::State(s) => {
                format!("the listing is {s}; only listings in review can be approved or rejected")
            }
            Blocker::Qa(n) => format!("{n} QA error(s) must be fixed before approval"),
        }
    }

    pub fn into_api_error(self) -> ApiError {
        match self {
            Blocker::Role | Blocker::OwnText => ApiError::Forbidden,
            Blocker::State(_) => ApiError::Conflict(self.message()),
            Blocker::Qa(_) => ApiError::Validation {
                message: self.message(),
                fields: Vec::new(),
            },
        }
    }
}

/// What stops `role`/`user` from approving `l` now (reject only needs the role and state).
pub async fn review_blocker(
    store: &Store,
    org: OrgId,
    role: Role,
    user: UserId,
    l: &StoredListing,
    approving: bool,
) -> ApiResult<Option<Blocker>> {
    if !role.can_write() {
        return Ok(Some(Blocker::Role));
    }
    if l.state != ListingState::InReview {
        return Ok(Some(Blocker::State(l.state)));
    }
    if !approving {
        return Ok(None);
    }
    if role != Role::Owner && last_text_editor(store, org, l).await? == Some(user) {
        return Ok(Some(Blocker::OwnText));
    }
    let source = source_of(store, org, l).await?;
    let glossary = glossary(store, org).await?;
    let found = findings(l, source.as_ref(), glossary.as_ref(), Some(today()))?;
    let errors = found
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if errors > 0 {
        return Ok(Some(Blocker::Qa(errors)));
    }
    Ok(None)
}

/// Approves or rejects after the review rules; the comment is kept with the version.
#[allow(clippy::too_many_arguments)]
pub async fn review(
    store: &Store,
    actor: &Actor,
    role: Role,
    user: UserId,
    id: tradelane_store::ListingId,
    version: Option<i64>,
    approve: bool,
    comment: Option<&str>,
) -> ApiResult<StoredListing> {
    let l = store.get_listing(actor.org_id, id).await?;
    if let Some(v) = version
        && v != l.version
    {
        return Err(ApiError::VersionMismatch);
    }
    if let Some(b) = review_blocker(store, actor.org_id, role, user, &l, approve).await? {
        return Err(b.into_api_error());
    }
    let action = if approve {
        ListingAction::Approve
    } else {
        ListingAction::Reject
    };
    Ok(store
        .transition_listing(actor, id, Some(l.version), action, comment)
        .await?)
}
