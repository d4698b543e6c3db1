//! The listing QA workbench: source (left) and target (right) side by side; on submit the
//! target text comes back with every finding's span marked inline and a findings list.
//!
//! Highlighting never renders user text as HTML: the field is cut on the findings' char
//! offsets into plain-text pieces and the template escapes each piece.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::response::{IntoResponse, Response};
use tradelane_listing_qa::{CheckInput, FieldRef, Finding, Listing, Severity, SourceListing};

use super::PageError;
use super::layout::{Layout, msg};
use crate::api::listings::{engine, is_locale_tag, today};
use crate::auth::PageUser;
use crate::i18n::Tr;

pub const MARKETPLACES: &[&str] = &["amazon", "ebay", "shopify", "temu", "tiktok"];
pub const TARGET_LOCALES: &[&str] = &[
    "en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "ja-JP", "zh-Hant", "zh-CN",
];
pub const SOURCE_LOCALES: &[&str] = &["zh-CN", "en", "zh-Hant", "de-DE", "ja-JP"];
const BULLETS: usize = 5;
/// Longest field accepted from the form, in chars: well above any marketplace limit, so the
/// length rules still fire, but bounded.
const MAX_FIELD_CHARS: usize = 20_000;

/// One text box pair of the form.
pub struct FieldRow {
    pub name: String,
    pub label: String,
    pub source_name: String,
    pub source: String,
    pub target: String,
    pub multiline: bool,
}

pub struct Choice {
    pub value: &'static str,
    pub selected: bool,
}

/// A piece of a target field: plain text, marked when findings cover it.
pub struct Piece {
    pub text: String,
    /// `error`, `warning`, `info` (the highest severity covering the piece).
    pub class: Option<&'static str>,
    /// Tooltip: the covering findings' messages.
    pub title: String,
    /// Numbers of the findings whose span ends here (shown after the piece).
    pub ends: Vec<usize>,
}

pub struct ResultRow {
    pub label: String,
    pub source: String,
    pub pieces: Vec<Piece>,
    pub empty: bool,
}

pub struct FindingRow {
    pub n: usize,
    pub class: &'static str,
    pub severity_key: &'static str,
    pub field: String,
    pub rule_id: String,
    pub excerpt: String,
    pub message: String,
    pub fix: Option<String>,
    pub fix_delete: bool,
    pub source: String,
    pub uncertain: bool,
}

pub struct Results {
    pub rows: Vec<ResultRow>,
    pub findings: Vec<FindingRow>,
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "listings.html")]
struct ListingsPage {
    t: Tr,
    l: Layout,
    marketplaces: Vec<Choice>,
    locales: Vec<Choice>,
    source_locales: Vec<Choice>,
    brand: String,
    fields: Vec<FieldRow>,
    errors: Vec<String>,
    results: Option<Results>,
    css_url: String,
}

fn choices(options: &'static [&'static str], selected: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|v| Choice {
            value: v,
            selected: *v == selected,
        })
        .collect()
}

fn get<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.as_str())
}

/// Form text with Windows line endings made `\n` (browsers send CRLF) and edges trimmed,
/// so the offsets shown match the text the seller pastes into the marketplace.
fn field(form: &HashMap<String, String>, name: &str) -> String {
    get(form, name).replace("\r\n", "\n").trim().to_string()
}

fn bullet_name(i: usize) -> String {
    format!("bullet{}", i + 1)
}

pub(crate) fn field_label(t: &Tr, f: FieldRef) -> String {
    match f {
        FieldRef::Title => t.t(msg("listings.field.title")).to_string(),
        FieldRef::Bullet(i) => t.tf(msg("listings.field.bullet"), &[("n", &(i + 1).to_string())]),
        FieldRef::Description => t.t(msg("listings.field.description")).to_string(),
        FieldRef::SearchTerms => t.t(msg("listings.field.search_terms")).to_string(),
    }
}

fn form_rows(t: &Tr, form: &HashMap<String, String>) -> Vec<FieldRow> {
    let mut refs = vec![FieldRef::Title];
    refs.extend((0..BULLETS).map(FieldRef::Bullet));
    refs.extend([FieldRef::Description, FieldRef::SearchTerms]);
    refs.into_iter()
        .map(|f| {
            let name = match f {
                FieldRef::Title => "title".to_string(),
                FieldRef::Bullet(i) => bullet_name(i),
                FieldRef::Description => "description".to_string(),
                FieldRef::SearchTerms => "search_terms".to_string(),
            };
            let source_name = format!("source_{name}");
            FieldRow {
                label: field_label(t, f),
                source: get(form, &source_name).to_string(),
                target: get(form, &name).to_string(),
                multiline: !matches!(f, FieldRef::Title),
                name,
                source_name,
            }
        })
        .collect()
}

fn page(
    l: Layout,
    form: &HashMap<String, String>,
    errors: Vec<String>,
    results: Option<Results>,
) -> ListingsPage {
    let t = l.t;
    let marketplace = match get(form, "marketplace") {
        "" => "amazon",
        m => m,
    };
    let locale = match get(form, "locale") {
        "" => "en-US",
        m => m,
    };
    let source_locale = match get(form, "source_locale") {
        "" => "zh-CN",
        m => m,
    };
    ListingsPage {
        t,
        marketplaces: choices(MARKETPLACES, marketplace),
        locales: choices(TARGET_LOCALES, locale),
        source_locales: choices(SOURCE_LOCALES, source_locale),
        brand: get(form, "brand").to_string(),
        fields: form_rows(&t, form),
        errors,
        results,
        css_url: crate::assets::asset_url("listings.css"),
        l,
    }
}

pub async fn form_page(PageUser(user): PageUser) -> Response {
    let l = Layout::for_user(&user, "listings", "/listings");
    page(l, &HashMap::new(), Vec::new(), None).into_response()
}

pub async fn check(
    PageUser(user): PageUser,
    headers: axum::http::HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "listings", "/listings");
    let t = l.t;
    let mut errors = Vec::new();
    let marketplace = get(&form, "marketplace").trim().to_ascii_lowercase();
    if !MARKETPLACES.contains(&marketplace.as_str()) {
        errors.push(t.t(msg("listings.error.marketplace")).to_string());
    }
    let locale = get(&form, "locale").trim().to_string();
    let source_locale = get(&form, "source_locale").trim().to_string();
    if !is_locale_tag(&locale) || !is_locale_tag(&source_locale) {
        errors.push(t.t(msg("listings.error.locale")).to_string());
    }
    let mut listing = Listing {
        marketplace,
        locale,
        title: field(&form, "title"),
        bullets: (0..BULLETS)
            .map(|i| field(&form, &bullet_name(i)))
            .collect(),
        description: field(&form, "description"),
        search_terms: field(&form, "search_terms"),
        ..Default::default()
    };
    let brand = field(&form, "brand");
    if !brand.is_empty() {
        listing.attributes.insert("brand".into(), brand);
    }
    // Empty trailing bullet boxes are not bullets; an empty box between two filled ones is
    // kept so findings keep pointing at the box the seller typed in.
    while listing.bullets.last().is_some_and(String::is_empty) {
        listing.bullets.pop();
    }
    let source = SourceListing {
        locale: source_locale,
        title: field(&form, "source_title"),
        bullets: (0..BULLETS)
            .map(|i| field(&form, &format!("source_{}", bullet_name(i))))
            .collect(),
        description: field(&form, "source_description"),
        search_terms: field(&form, "source_search_terms"),
    };
    let has_source = !source.title.is_empty()
        || source.bullets.iter().any(|b| !b.is_empty())
        || !source.description.is_empty()
        || !source.search_terms.is_empty();
    if listing.title.is_empty() {
        errors.push(t.t(msg("listings.error.title")).to_string());
    }
    let too_long = std::iter::once(&listing.title)
        .chain(&listing.bullets)
        .chain([&listing.description, &listing.search_terms])
        .chain(std::iter::once(&source.title).chain(&source.bullets))
        .chain([&source.description, &source.search_terms])
        .any(|s| s.chars().count() > MAX_FIELD_CHARS);
    if too_long {
        errors.push(t.tf(
            msg("listings.error.too_long"),
            &[("max", &MAX_FIELD_CHARS.to_string())],
        ));
    }
    if !errors.is_empty() {
        // htmx does not swap 4xx answers by default; its partial update carries the messages
        // with a 200, a plain form POST gets the 422.
        let status = if headers.contains_key("hx-request") {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok((status, page(l, &form, errors, None)).into_response());
    }
    let engine = engine()
        .map_err(|e| l.error(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let findings = engine.check(&CheckInput {
        listing: &listing,
        source: has_source.then_some(&source),
        glossary: None,
        watchlist: None,
        date: Some(today()),
    });
    let results = build_results(&t, &listing, &source, &findings);
    Ok(page(l, &form, Vec::new(), Some(results)).into_response())
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn severity_key(s: Severity) -> &'static str {
    match s {
        Severity::Error => msg("listings.severity.error"),
        Severity::Warning => msg("listings.severity.warning"),
        Severity::Info => msg("listings.severity.info"),
    }
}

fn message(t: &Tr, f: &Finding) -> String {
    if t.code() == "en" {
        f.message.en.clone()
    } else {
        f.message.zh.clone()
    }
}

pub(crate) fn build_results(
    t: &Tr,
    listing: &Listing,
    source: &SourceListing,
    findings: &[Finding],
) -> Results {
    // Findings in reading order: by field, then by position, then by severity.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| {
        let f = &findings[i];
        (
            f.field,
            f.span.map_or(usize::MAX, |s| s.char_start),
            std::cmp::Reverse(f.severity),
        )
    });
    let numbered: Vec<(usize, &Finding)> = order
        .iter()
        .enumerate()
        .map(|(n, &i)| (n + 1, &findings[i]))
        .collect();

    let mut refs = vec![FieldRef::Title];
    refs.extend(
        (0..listing
            .bullets
            .len()
            .max(source.bullets.iter().filter(|b| !b.is_empty()).count()))
            .map(FieldRef::Bullet),
    );
    refs.extend([FieldRef::Description, FieldRef::SearchTerms]);
    let rows = refs
        .into_iter()
        .filter_map(|f| {
            let (target, src) = match f {
                FieldRef::Title => (listing.title.as_str(), source.title.as_str()),
                FieldRef::Bullet(i) => (
                    listing.bullets.get(i).map_or("", String::as_str),
                    source.bullets.get(i).map_or("", String::as_str),
                ),
                FieldRef::Description => {
                    (listing.description.as_str(), source.description.as_str())
                }
                FieldRef::SearchTerms => {
                    (listing.search_terms.as_str(), source.search_terms.as_str())
                }
            };
            let here: Vec<(usize, &Finding)> = numbered
                .iter()
                .filter(|(_, x)| x.field == f)
                .copied()
                .collect();
            if target.is_empty() && src.is_empty() && here.is_empty() {
                return None;
            }
            Some(ResultRow {
                label: field_label(t, f),
                source: src.to_string(),
                pieces: pieces(t, target, &here),
                empty: target.is_empty(),
            })
        })
        .collect();

    let findings_rows = numbered
        .iter()
        .map(|&(n, f)| FindingRow {
            n,
            class: severity_class(f.severity),
            severity_key: severity_key(f.severity),
            field: field_label(t, f.field),
            rule_id: f.rule_id.clone(),
            excerpt: f.excerpt.clone().unwrap_or_default(),
            message: message(t, f),
            fix: f
                .fix
                .as_ref()
                .map(|x| x.replacement.clone())
                .filter(|r| !r.is_empty()),
            fix_delete: f.fix.as_ref().is_some_and(|x| x.replacement.is_empty()),
            source: f.source.clone().unwrap_or_default(),
            uncertain: f.uncertain,
        })
        .collect();
    let count = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.severity == s)
            .count()
            .to_string()
    };
    Results {
        rows,
        findings: findings_rows,
        summary: t.tf(
            msg("listings.summary"),
            &[
                ("errors", &count(Severity::Error)),
                ("warnings", &count(Severity::Warning)),
                ("info", &count(Severity::Info)),
            ],
        ),
    }
}

/// Cuts `text` at every span boundary (char offsets) into pieces, each marked with the
/// highest severity of the findings covering it. Spans that do not fit `text` are ignored
/// for marking (the finding is still listed).
pub fn pieces(t: &Tr, text: &str, findings: &[(usize, &Finding)]) -> Vec<Piece> {
    // Byte offset of every char boundary, so char offsets can be sliced without panicking.
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let chars = bounds.len() - 1;
    let spans: Vec<(usize, usize, usize, &Finding)> = findings
        .iter()
        .filter_map(|&(n, f)| {
            let s = f.span?;
            (s.char_start <= s.char_end && s.char_end <= chars).then_some((
                s.char_start,
                s.char_end,
                n,
                f,
            ))
        })
        .collect();
    let mut cuts: BTreeSet<usize> = BTreeSet::from([0, chars]);
    for &(s, e, _, _) in &spans {
        cuts.insert(s);
        cuts.insert(e);
    }
    let cuts: Vec<usize> = cuts.into_iter().collect();
    let mut out: Vec<Piece> = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let covering: Vec<&(usize, usize, usize, &Finding)> = spans
            .iter()
            .filter(|(s, e, _, _)| *s <= a && b <= *e && s < e)
            .collect();
        let ends: Vec<usize> = spans
            .iter()
            .filter(|(s, e, _, _)| *e == b && (*s < *e || *s == b))
            .map(|(_, _, n, _)| *n)
            .collect();
        let class = covering
            .iter()
            .map(|(_, _, _, f)| f.severity)
            .max()
            .map(severity_class);
        let title = covering
            .iter()
            .map(|(_, _, n, f)| format!("{n}. {}", message(t, f)))
            .collect::<Vec<_>>()
            .join("\n");
        out.push(Piece {
            text: text[bounds[a]..bounds[b]].to_string(),
            class,
            title,
            ends,
        });
    }
    // Zero-length spans at the very start (an insertion point) get their number too.
    let at_start: Vec<usize> = spans
        .iter()
        .filter(|(s, e, _, _)| *s == 0 && *e == 0)
        .map(|(_, _, n, _)| *n)
        .collect();
    if !at_start.is_empty() {
        out.insert(
            0,
            Piece {
                text: String::new(),
                class: None,
                title: String::new(),
                ends: at_start,
            },
        );
    }
    out
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/listings", get(form_page).post(check))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradelane_domain::UiLang;
    use tradelane_listing_qa::QaEngine;

    fn check(title: &str) -> (Listing, Vec<Finding>) {
        let engine = QaEngine::new().expect("rule data");
        let listing = Listing {
            marketplace: "amazon".into(),
            locale: "en-US".into(),
            title: title.into(),
            ..Default::default()
        };
        let findings = engine.check(&CheckInput::new(&listing));
        (listing, findings)
    }

    #[test]
    fn pieces_rebuild_the_text_and_mark_the_spans() {
        let (listing, findings) = check("无线耳机 🎧 Bluetooth Headphones FREE SHIPPING!!");
        let numbered: Vec<(usize, &Finding)> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| (i + 1, f))
            .collect();
        let t = Tr::new(UiLang::En);
        let ps = pieces(&t, &listing.title, &numbered);
        let rebuilt: String = ps.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(rebuilt, listing.title);
        let marked: String = ps
            .iter()
            .filter(|p| p.class == Some("error"))
            .map(|p| p.text.as_str())
            .collect();
        assert!(marked.contains("FREE SHIPPING"), "{marked:?}");
        assert!(marked.contains('!'), "{marked:?}");
        // Every finding with a span has its number shown once.
        let shown: usize = ps.iter().map(|p| p.ends.len()).sum();
        assert_eq!(shown, findings.iter().filter(|f| f.span.is_some()).count());
    }

    #[test]
    fn spans_outside_the_text_do_not_panic() {
        let (_, findings) = check("Lamp FREE SHIPPING");
        let numbered: Vec<(usize, &Finding)> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| (i + 1, f))
            .collect();
        let t = Tr::new(UiLang::ZhCn);
        // A shorter text than the one checked: out-of-range spans are skipped.
        let ps = pieces(&t, "Lamp", &numbered);
        let rebuilt: String = ps.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(rebuilt, "Lamp");
    }
}
