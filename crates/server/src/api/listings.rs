//! Listing QA over the API: check one listing or a batch against the marketplace rules,
//! claim lexicons, units, sizes, the source text and a glossary. A read-only computation:
//! any authenticated role may call it and nothing is stored.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tradelane_listing_qa::{
    CheckInput, Finding, Glossary, Listing, QaEngine, Severity, SourceListing,
};
use utoipa::ToSchema;

use super::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldErrorBody};

/// Largest batch accepted in one request.
pub const MAX_BATCH: usize = 1_000;

/// One engine per process: the rule data is parsed once; its automata are built on first use.
static ENGINE: LazyLock<Result<QaEngine, String>> =
    LazyLock::new(|| QaEngine::new().map_err(|e| e.to_string()));

/// The shared QA engine, or a 500 naming the broken rule data.
pub fn engine() -> ApiResult<&'static QaEngine> {
    ENGINE
        .as_ref()
        .map_err(|e| ApiError::internal("loading the listing rule data", e))
}

/// The listing as it will be published.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ListingBody {
    /// `amazon`, `ebay`, `shopify`, `temu`, `tiktok`; other marketplaces get only the
    /// market-independent checks.
    pub marketplace: String,
    /// BCP 47 tag of the target: `de-DE`, `en-US`, `ja-JP`, `zh-Hant` ...
    pub locale: String,
    pub title: String,
    /// Up to 5 bullet points (more are checked and reported by the marketplace rule).
    #[serde(default)]
    pub bullets: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub search_terms: String,
    /// `brand` exempts the seller's own brand from the all-caps and trademark checks.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// The listing the target was translated from.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SourceListingBody {
    /// Usually `zh-CN` or `en`.
    pub locale: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub bullets: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub search_terms: String,
}

/// One listing to check.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ListingCheckRequest {
    pub listing: ListingBody,
    pub source: Option<SourceListingBody>,
    /// `{"terms": [{"source", "translations": {"de-DE": ...}}], "do_not_translate": [...],
    /// "forbidden": [{"term", "markets": [...], "note"}]}`.
    #[schema(value_type = Option<Object>)]
    pub glossary: Option<Glossary>,
    /// Check with the rules in force on this day (`YYYY-MM-DD`); default today (UTC).
    pub date: Option<String>,
}

/// One listing, or `{"items": [...]}` for a batch (documentation of the body; the handler
/// reads the JSON itself so that a bad item is named by its position).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub enum ListingCheckBody {
    Batch {
        /// Up to 1,000 listings; each is checked on its own.
        items: Vec<ListingCheckRequest>,
    },
    One(Box<ListingCheckRequest>),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingSpan {
    /// Offsets in Unicode scalar values (what the marketplace counts).
    pub char_start: usize,
    pub char_end: usize,
    /// Offsets in UTF-8 bytes.
    pub byte_start: usize,
    pub byte_end: usize,
    /// Offsets in UTF-16 code units, for JavaScript string slicing.
    pub utf16_start: usize,
    pub utf16_end: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingMessage {
    pub en: String,
    pub zh: String,
}

/// A finding: which rule, where, why, and how to fix it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingFinding {
    /// E.g. `amazon.title.promotional`, `claim.medical`, `units.conversion`.
    pub rule_id: String,
    /// The lexicon entry, size table or glossary term that matched.
    pub entry_id: Option<String>,
    /// `error`, `warning` or `info`.
    pub severity: String,
    /// `title`, `bullet`, `description` or `search_terms`.
    pub field: String,
    /// 0-based bullet number, for `bullet`.
    pub bullet_index: Option<usize>,
    /// Null when the finding is about something missing.
    pub span: Option<FindingSpan>,
    pub excerpt: Option<String>,
    pub message: FindingMessage,
    /// Replace the span (or the whole field without a span) with this; empty = delete.
    pub fix: Option<String>,
    /// The public rule text or regulation this check enforces.
    pub source: Option<String>,
    /// The rule's figure could not be confirmed against the marketplace's current page.
    pub uncertain: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingCheckResponse {
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
    pub findings: Vec<ListingFinding>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingBatchItem {
    /// Position in `items` (0-based).
    pub index: usize,
    #[serde(flatten)]
    pub result: ListingCheckResponse,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingBatchResponse {
    pub checked: usize,
    /// Listings with at least one error finding.
    pub with_errors: usize,
    pub results: Vec<ListingBatchItem>,
}

/// The answer: one listing's findings, or one result per item of a batch (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum ListingCheckResult {
    One(ListingCheckResponse),
    Batch(ListingBatchResponse),
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// UTF-16 length of the first `chars` chars of `text`.
fn utf16_offset(text: &str, chars: usize) -> usize {
    text.chars().take(chars).map(char::len_utf16).sum()
}

/// The text of the field a finding is about.
pub fn field_text<'a>(listing: &'a Listing, f: &Finding) -> &'a str {
    use tradelane_listing_qa::FieldRef;
    match f.field {
        FieldRef::Title => &listing.title,
        FieldRef::Bullet(i) => listing.bullets.get(i).map_or("", String::as_str),
        FieldRef::Description => &listing.description,
        FieldRef::SearchTerms => &listing.search_terms,
    }
}

fn finding_body(listing: &Listing, f: &Finding) -> ListingFinding {
    use tradelane_listing_qa::FieldRef;
    let text = field_text(listing, f);
    ListingFinding {
        rule_id: f.rule_id.clone(),
        entry_id: f.entry_id.clone(),
        severity: severity_str(f.severity).to_string(),
        field: f.field.kind().as_str().to_string(),
        bullet_index: match f.field {
            FieldRef::Bullet(i) => Some(i),
            _ => None,
        },
        span: f.span.map(|s| FindingSpan {
            char_start: s.char_start,
            char_end: s.char_end,
            byte_start: s.byte_start,
            byte_end: s.byte_end,
            utf16_start: utf16_offset(text, s.char_start),
            utf16_end: utf16_offset(text, s.char_end),
        }),
        excerpt: f.excerpt.clone(),
        message: FindingMessage {
            en: f.message.en.clone(),
            zh: f.message.zh.clone(),
        },
        fix: f.fix.as_ref().map(|x| x.replacement.clone()),
        source: f.source.clone(),
        uncertain: f.uncertain,
    }
}

pub(crate) fn response(listing: &Listing, findings: &[Finding]) -> ListingCheckResponse {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    ListingCheckResponse {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        info: count(Severity::Info),
        findings: findings.iter().map(|f| finding_body(listing, f)).collect(),
    }
}

impl From<ListingBody> for Listing {
    fn from(b: ListingBody) -> Listing {
        Listing {
            marketplace: b.marketplace,
            locale: b.locale,
            title: b.title,
            bullets: b.bullets,
            description: b.description,
            search_terms: b.search_terms,
            attributes: b.attributes,
        }
    }
}

impl From<SourceListingBody> for SourceListing {
    fn from(b: SourceListingBody) -> SourceListing {
        SourceListing {
            locale: b.locale,
            title: b.title,
            bullets: b.bullets,
            description: b.description,
            search_terms: b.search_terms,
        }
    }
}

/// Whether `tag` looks like a BCP 47 language tag (`de-DE`, `zh-Hant`, `es-419`).
pub fn is_locale_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    lang_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

pub fn today() -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// A request ready for the engine, or the field errors (named with `prefix`).
struct Prepared {
    listing: Listing,
    source: Option<SourceListing>,
    glossary: Option<Glossary>,
    date: jiff::civil::Date,
}

fn prepare(
    req: ListingCheckRequest,
    prefix: &str,
    errors: &mut Vec<FieldErrorBody>,
) -> Option<Prepared> {
    let before = errors.len();
    let l = &req.listing;
    if l.marketplace.trim().is_empty() {
        errors.push(FieldErrorBody {
            field: format!("{prefix}listing.marketplace"),
            value: String::new(),
            expected: "a marketplace: amazon, ebay, shopify, temu or tiktok".into(),
        });
    }
    if !is_locale_tag(&l.locale) {
        errors.push(FieldErrorBody {
            field: format!("{prefix}listing.locale"),
            value: l.locale.clone(),
            expected: "a locale tag such as de-DE, en-US, ja-JP or zh-Hant".into(),
        });
    }
    if let Some(s) = &req.source
        && !is_locale_tag(&s.locale)
    {
        errors.push(FieldErrorBody {
            field: format!("{prefix}source.locale"),
            value: s.locale.clone(),
            expected: "a locale tag such as zh-CN or en".into(),
        });
    }
    let date = match &req.date {
        None => Some(today()),
        Some(d) => match d.trim().parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldErrorBody {
                    field: format!("{prefix}date"),
                    value: d.clone(),
                    expected: "a date YYYY-MM-DD".into(),
                });
                None
            }
        },
    };
    if errors.len() > before {
        return None;
    }
    Some(Prepared {
        listing: req.listing.into(),
        source: req.source.map(Into::into),
        glossary: req.glossary,
        date: date.unwrap_or_else(today),
    })
}

fn run(engine: &QaEngine, p: &Prepared) -> ListingCheckResponse {
    let findings = engine.check(&CheckInput {
        listing: &p.listing,
        source: p.source.as_ref(),
        glossary: p.glossary.as_ref(),
        watchlist: None,
        date: Some(p.date),
    });
    response(&p.listing, &findings)
}

/// Check one listing, or a batch of listings.
///
/// One listing answers `ListingCheckResponse`; a batch (`{"items": [...]}`) answers `ListingBatchResponse` with
/// one result per item in order. Lengths are counted as the marketplace counts them (characters,
/// not bytes; Amazon search terms in bytes); spans are given in chars, UTF-8 bytes and UTF-16
/// units. Nothing is stored; any role may check.
#[utoipa::path(post, path = "/listings/check", tag = "listings", request_body = ListingCheckBody,
    responses((status = 200, description = "ListingCheckResponse for one listing, ListingBatchResponse for a batch", body = ListingCheckResult),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_listings(
    _caller: Principal,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let engine = engine()?;
    let mut errors = Vec::new();
    match parse_body(body)? {
        ListingCheckBody::One(req) => {
            let Some(p) = prepare(*req, "", &mut errors) else {
                return Err(invalid(errors));
            };
            Ok(Json(run(engine, &p)).into_response())
        }
        ListingCheckBody::Batch { items } => {
            if items.len() > MAX_BATCH {
                return Err(ApiError::validation(
                    "items",
                    &items.len().to_string(),
                    &format!("at most {MAX_BATCH} listings per batch"),
                ));
            }
            let prepared: Vec<Option<Prepared>> = items
                .into_iter()
                .enumerate()
                .map(|(i, req)| prepare(req, &format!("items[{i}]."), &mut errors))
                .collect();
            if !errors.is_empty() {
                return Err(invalid(errors));
            }
            let prepared: Vec<Prepared> = prepared.into_iter().flatten().collect();
            let results = tokio::task::spawn_blocking(move || {
                prepared
                    .iter()
                    .enumerate()
                    .map(|(index, p)| ListingBatchItem {
                        index,
                        result: run(engine, p),
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| ApiError::internal("checking listings", e))?;
            Ok(Json(ListingBatchResponse {
                checked: results.len(),
                with_errors: results.iter().filter(|r| r.result.errors > 0).count(),
                results,
            })
            .into_response())
        }
    }
}

/// `{"items": [...]}` is a batch, anything else one listing; a request that is not a listing is
/// a 422 naming its position and serde's reason.
fn parse_body(value: serde_json::Value) -> ApiResult<ListingCheckBody> {
    let not_a_listing = |at: &str, e: serde_json::Error| {
        ApiError::validation(
            at,
            "",
            &format!(
                "a listing check {{\"listing\": {{\"marketplace\", \"locale\", \"title\", ...}}}} ({e})"
            ),
        )
    };
    match value {
        serde_json::Value::Object(mut o) if o.contains_key("items") => {
            let serde_json::Value::Array(items) = o.remove("items").unwrap_or_default() else {
                return Err(ApiError::validation(
                    "items",
                    "",
                    "an array of listing checks",
                ));
            };
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    serde_json::from_value(v).map_err(|e| not_a_listing(&format!("items[{i}]"), e))
                })
                .collect::<ApiResult<Vec<ListingCheckRequest>>>()?;
            Ok(ListingCheckBody::Batch { items })
        }
        other => serde_json::from_value(other)
            .map(|r| ListingCheckBody::One(Box::new(r)))
            .map_err(|e| not_a_listing("body", e)),
    }
}

fn invalid(fields: Vec<FieldErrorBody>) -> ApiError {
    ApiError::Validation {
        message: format!(
            "{} field(s) are invalid: {}",
            fields.len(),
            fields
                .iter()
                .take(5)
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        fields,
    }
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(check_listings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_count_surrogate_pairs() {
        // 🔥 is one char but two UTF-16 units.
        assert_eq!(utf16_offset("a🔥b", 2), 3);
        assert_eq!(utf16_offset("无线🔥", 3), 4);
    }

    #[test]
    fn invalid_fields_are_named_with_their_batch_position() {
        let req: ListingCheckRequest = serde_json::from_str(
            r#"{"listing":{"marketplace":"","locale":"x","title":"t"},"date":"26.11.2026"}"#,
        )
        .expect("valid JSON shape");
        let mut errors = Vec::new();
        assert!(prepare(req, "items[3].", &mut errors).is_none());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "items[3].listing.marketplace",
                "items[3].listing.locale",
                "items[3].date"
            ]
        );
    }

    #[test]
    fn batch_and_single_bodies_are_told_apart() {
        let json = |s: &str| serde_json::from_str::<serde_json::Value>(s).expect("JSON");
        let one = parse_body(json(
            r#"{"listing":{"marketplace":"amazon","locale":"en-US","title":"Lamp"}}"#,
        ))
        .expect("one listing");
        assert!(matches!(one, ListingCheckBody::One(_)));
        let batch = parse_body(json(
            r#"{"items":[{"listing":{"marketplace":"amazon","locale":"en-US","title":"Lamp"}}]}"#,
        ))
        .expect("a batch");
        assert!(matches!(batch, ListingCheckBody::Batch { items } if items.len() == 1));
        let bad = parse_body(json(r#"{"items":[{"listing":{"marketplace":"amazon","locale":"en-US","title":"Lamp"}}, {"listing": 3}]}"#))
            .expect_err("second item is not a listing");
        assert!(format!("{:?}", bad.body()).contains("items[1]"));
    }
}
