//! What the editor shows next to a listing (memory suggestions with their score, glossary
//! hits per field) and the glossary CSV import, shared by the API, the pages and the CLI.

use serde::Serialize;
use tradelane_store::translation::{GlossaryInput, GlossaryKind};
use tradelane_store::{OrgId, Store, StoredListing};
use tradelane_translate::glossary_csv::{CsvError, parse_glossary_csv};
use tradelane_translate::{GlossaryHit, TmMatch, TmQuery};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, RowErrorBody};

/// Memory suggestions shown per field.
pub const SUGGESTIONS: usize = 3;
/// Lowest score shown.
pub const MIN_SCORE: u8 = 60;

/// Suggestions and glossary hits for one field of a listing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldAssist {
    /// `title`, `bullet.1` … `bullet.5`, `description`, `search_terms`.
    pub field: String,
    pub source: String,
    #[schema(value_type = Vec<Object>)]
    pub suggestions: Vec<TmMatch>,
    #[schema(value_type = Vec<Object>)]
    pub glossary_hits: Vec<GlossaryHit>,
}

/// The source fields of a listing with their ids.
fn source_fields(source: &StoredListing) -> Vec<(String, String)> {
    let c = &source.content;
    let mut out = vec![("title".to_string(), c.title.clone())];
    for (i, b) in c.bullets.iter().enumerate() {
        out.push((format!("bullet.{}", i + 1), b.clone()));
    }
    out.push(("description".into(), c.description.clone()));
    out.push(("search_terms".into(), c.search_terms.clone()));
    out.into_iter()
        .filter(|(_, t)| !t.trim().is_empty())
        .collect()
}

/// Memory suggestions (best first, score ≥ [`MIN_SCORE`]) and glossary hits for every
/// non-empty source field of `target`'s source listing. Empty when it has no source.
pub async fn listing_assist(
    store: &Store,
    memory: &super::configured::MemoryCache,
    org: OrgId,
    target: &StoredListing,
    source: Option<&StoredListing>,
) -> ApiResult<Vec<FieldAssist>> {
    let Some(source) = source else {
        return Ok(Vec::new());
    };
    let tm = super::configured::memory_index(store, memory, org, &target.locale).await?;
    let glossary = store.glossary_for_checks(org).await?;
    let market = super::rules_marketplace(&target.marketplace);
    Ok(source_fields(source)
        .into_iter()
        .map(|(field, text)| {
            let q = TmQuery::new(&source.locale, &target.locale, &text)
                .min_score(MIN_SCORE)
                .limit(SUGGESTIONS);
            FieldAssist {
                suggestions: tm.lookup(&q),
                glossary_hits: tradelane_translate::glossary_hits(
                    &glossary,
                    &text,
                    &target.locale,
                    &market,
                ),
                field,
                source: text,
            }
        })
        .collect())
}

/// Glossary entries from a CSV file (`kind,term,de-DE,…,markets,note`, English or Chinese
/// headers). Every problem is reported; nothing is half-read.
pub fn glossary_from_csv(text: &str) -> Result<Vec<GlossaryInput>, Vec<CsvError>> {
    let rows = parse_glossary_csv(text)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for r in rows {
        let kind = match GlossaryKind::parse(&r.kind) {
            Ok(k) => k,
            Err(e) => {
                errors.push(CsvError {
                    line: r.line,
                    column: "kind".into(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        out.push(GlossaryInput {
            kind,
            term: r.term,
            translations: r.translations,
            markets: r.markets,
            note: r.note.unwrap_or_default(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The 422 answer for a glossary file with problems.
pub fn csv_rejected(errors: &[CsvError]) -> ApiError {
    ApiError::ImportRejected {
        message: format!(
            "{} problem(s) in the glossary file; nothing was imported",
            errors.len()
        ),
        rows: errors
            .iter()
            .map(|e| RowErrorBody {
                line: e.line,
                column: e.column.clone(),
                field: e.column.clone(),
                value: String::new(),
                expected: e.message.clone(),
            })
            .collect(),
    }
}

/// Decodes an uploaded glossary file (UTF-8 with or without BOM).
pub fn decode_csv(bytes: &[u8]) -> ApiResult<String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiError::validation("file", "(binary)", "a UTF-8 CSV file with a term column")
    })
}
