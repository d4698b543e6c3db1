//! Listing workbench pages: the list of stored listings (per SKU, marketplace, locale, state),
//! the side-by-side editor with QA findings marked inline, review (approve / reject with a
//! comment), bulk translation with a polled progress bar, and the flat-file export.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_store::listings::{LOCALES, canonical_locale, canonical_marketplace};
use tradelane_store::{
    ListingAction, ListingContent, ListingId, ListingQuery, ListingState, StoredListing,
};

use super::PageError;
use super::layout::{Layout, msg};
use super::listings::{Results, build_results, field_label};
use crate::api::listing_workbench::{export_file, export_selection, version_diff};
use crate::auth::PageUser;
use crate::diff::FieldChange;
use crate::format;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::util::url_encode;
use crate::workbench::{self, export};

pub const MARKETPLACES: &[&str] = &[
    "amazon",
    "amazon-de",
    "amazon-uk",
    "amazon-fr",
    "amazon-es",
    "amazon-it",
    "amazon-jp",
    "amazon-us",
    "ebay",
    "shopify",
    "temu",
    "tiktok",
];
const TARGETS: &[&str] = &[
    "en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "ja-JP", "zh-Hant",
];

fn state_key(s: ListingState) -> &'static str {
    match s {
        ListingState::Draft => msg("workbench.state.draft"),
        ListingState::MachineTranslated => msg("workbench.state.machine_translated"),
        ListingState::InReview => msg("workbench.state.in_review"),
        ListingState::Approved => msg("workbench.state.approved"),
        ListingState::Exported => msg("workbench.state.exported"),
    }
}

fn action_key(a: ListingAction) -> &'static str {
    match a {
        ListingAction::Create => msg("workbench.action.create"),
        ListingAction::Edit => msg("workbench.action.edit"),
        ListingAction::Translate => msg("workbench.action.translate"),
        ListingAction::Submit => msg("workbench.action.submit"),
        ListingAction::Approve => msg("workbench.action.approve"),
        ListingAction::Reject => msg("workbench.action.reject"),
        ListingAction::Export => msg("workbench.action.export"),
        ListingAction::Import => msg("workbench.action.import"),
    }
}

fn state_class(s: ListingState) -> &'static str {
    match s {
        ListingState::Draft => "badge",
        ListingState::MachineTranslated => "badge warn",
        ListingState::InReview => "badge review",
        ListingState::Approved => "badge okb",
        ListingState::Exported => "badge muted",
    }
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opts(values: &[&str], selected: &str, any: Option<String>) -> Vec<Opt> {
    let mut out = Vec::new();
    if let Some(label) = any {
        out.push(Opt {
            value: String::new(),
            label,
            selected: selected.is_empty(),
        });
    }
    out.extend(values.iter().map(|v| Opt {
        value: v.to_string(),
        label: v.to_string(),
        selected: *v == selected,
    }));
    out
}

pub struct Row {
    pub href: String,
    pub sku: String,
    pub marketplace: String,
    pub locale: String,
    pub state: String,
    pub state_class: &'static str,
    pub title: String,
    pub title_chars: usize,
    pub origin: String,
    pub offline: bool,
    pub updated: String,
}

pub struct Chip {
    pub href: String,
    pub label: String,
    pub count: i64,
    pub active: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    marketplace: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    state: String,
    page: Option<u32>,
}

impl ListParams {
    fn link(&self, page: u32, state: &str) -> String {
        format!(
            "/listings/workbench?page={page}&state={}&marketplace={}&locale={}&q={}",
            url_encode(state),
            url_encode(&self.marketplace),
            url_encode(&self.locale),
            url_encode(&self.q)
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "workbench_list.html")]
struct ListPage {
    t: Tr,
    l: Layout,
    f: ListParams,
    marketplaces: Vec<Opt>,
    locales: Vec<Opt>,
    states: Vec<Opt>,
    chips: Vec<Chip>,
    rows: Vec<Row>,
    total_text: String,
    filter_error: Option<String>,
    prev_href: Option<String>,
    next_href: Option<String>,
    tr_marketplaces: Vec<Opt>,
    tr_targets: Vec<Opt>,
    css_urls: Vec<String>,
}

fn css() -> Vec<String> {
    vec![
        crate::assets::asset_url("listings.css"),
        crate::assets::asset_url("workbench.css"),
    ]
}

fn origin_text(t: &Tr, origin: &str) -> String {
    if origin.starts_with("offline") {
        t.t(msg("workbench.origin_offline")).to_string()
    } else if origin == "human" {
        t.t(msg("workbench.origin_human")).to_string()
    } else {
        origin.to_string()
    }
}

fn row(t: &Tr, l: &StoredListing) -> Row {
    let title: String = l.content.title.chars().take(90).collect();
    Row {
        href: format!("/listings/workbench/{}", l.id),
        sku: l.sku_code.clone(),
        marketplace: l.marketplace.clone(),
        locale: l.locale.clone(),
        state: t.t(state_key(l.state)).to_string(),
        state_class: state_class(l.state),
        title: if l.content.title.chars().count() > 90 {
            format!("{title}…")
        } else {
            title
        },
        title_chars: l.content.title.chars().count(),
        origin: origin_text(t, &l.origin),
        offline: l.origin.starts_with("offline"),
        updated: format::timestamp(l.updated_at, t.lang),
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", "/listings/workbench");
    let t = l.t;
    let mut filter_error = None;
    let st = match params.state.trim() {
        "" => None,
        s => match ListingState::parse(s) {
            Ok(s) => Some(s),
            Err(e) => {
                filter_error = Some(e.to_string());
                None
            }
        },
    };
    let locale = match params.locale.trim() {
        "" => None,
        s => match canonical_locale(s) {
            Ok(s) => Some(s.to_string()),
            Err(e) => {
                filter_error = Some(e.to_string());
                None
            }
        },
    };
    let marketplace = match params.marketplace.trim() {
        "" => None,
        s => match canonical_marketplace(s) {
            Ok(s) => Some(s),
            Err(e) => {
                filter_error = Some(e.to_string());
                None
            }
        },
    };
    let page_no = params.page.unwrap_or(1).max(1);
    let page = state
        .store
        .list_listings(
            user.org_id,
            &ListingQuery {
                marketplace,
                locale,
                state: st,
                text: Some(params.q.clone()),
                page: page_no,
                per_page: 50,
                ..ListingQuery::default()
            },
        )
        .await
        .map_err(|e| l.store_error(e))?;
    let counts = state
        .store
        .count_listings_by_state(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let mut chips = vec![Chip {
        href: params.link(1, ""),
        label: t.t(msg("workbench.all_states")).to_string(),
        count: counts.values().sum(),
        active: st.is_none(),
    }];
    chips.extend(ListingState::ALL.iter().map(|s| Chip {
        href: params.link(1, s.as_str()),
        label: t.t(state_key(*s)).to_string(),
        count: counts.get(s).copied().unwrap_or(0),
        active: st == Some(*s),
    }));
    let pages = page.total.div_ceil(50).max(1) as u32;
    let page_state = st.map_or("", |s| s.as_str());
    let body = ListPage {
        marketplaces: opts(
            MARKETPLACES,
            params.marketplace.trim(),
            Some(t.t(msg("workbench.any")).to_string()),
        ),
        locales: opts(
            &LOCALES,
            params.locale.trim(),
            Some(t.t(msg("workbench.any")).to_string()),
        ),
        states: {
            let mut v = vec![Opt {
                value: String::new(),
                label: t.t(msg("workbench.any")).to_string(),
                selected: st.is_none(),
            }];
            v.extend(ListingState::ALL.iter().map(|s| Opt {
                value: s.as_str().to_string(),
                label: t.t(state_key(*s)).to_string(),
                selected: st == Some(*s),
            }));
            v
        },
        chips,
        rows: page.items.iter().map(|x| row(&t, x)).collect(),
        total_text: t.tf(
            msg("workbench.total"),
            &[
                ("n", &page.total.to_string()),
                ("page", &page_no.to_string()),
                ("pages", &pages.to_string()),
            ],
        ),
        filter_error,
        prev_href: (page_no > 1).then(|| params.link(page_no - 1, page_state)),
        next_href: (page_no < pages).then(|| params.link(page_no + 1, page_state)),
        tr_marketplaces: opts(MARKETPLACES, "amazon-de", None),
        tr_targets: opts(TARGETS, "de-DE", None),
        css_urls: css(),
        f: params,
        t,
        l,
    };
    Ok(body.into_response())
}

pub struct VersionRow {
    pub version: i64,
    pub action: String,
    pub state: String,
    pub comment: String,
    pub actor: String,
    pub at: String,
    pub diff_href: String,
    pub selected: bool,
}

pub struct EditField {
    pub name: String,
    pub label: String,
    pub source: String,
    pub value: String,
    pub multiline: bool,
    pub chars: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "workbench_edit.html")]
struct EditPage {
    t: Tr,
    l: Layout,
    id: i64,
    heading: String,
    sku_href: String,
    state: String,
    state_class: &'static str,
    origin: String,
    offline: bool,
    version: i64,
    source_label: String,
    has_source: bool,
    review_comment: String,
    results: Results,
    fields: Vec<EditField>,
    can_submit: bool,
    can_review: bool,
    approve_blocker: Option<String>,
    versions: Vec<VersionRow>,
    diff: Option<(i64, i64, Vec<FieldChange>)>,
    message: Option<String>,
    error: Option<String>,
    css_urls: Vec<String>,
    trademark_findings: Vec<crate::trademarks::ScreenFinding>,
    assist: Vec<AssistRow>,
    provider_offline: bool,
    preview: Option<LocalePreview>,
}

/// Memory suggestions and glossary hits for one source field.
pub struct AssistRow {
    pub label: String,
    pub source: String,
    pub suggestions: Vec<Suggestion>,
    pub hits: Vec<Hit>,
}

pub struct Suggestion {
    pub score: u8,
    pub exact: bool,
    pub text: String,
}

pub struct Hit {
    pub class: &'static str,
    pub text: String,
}

/// The SKU's figures as the target locale writes them (ICU).
pub struct LocalePreview {
    pub title: String,
    pub price: Option<String>,
    pub weight: Option<String>,
    pub date: String,
}

fn assist_label(t: &Tr, field: &str) -> String {
    match field {
        "title" => t.t(msg("listings.field.title")).to_string(),
        "description" => t.t(msg("listings.field.description")).to_string(),
        "search_terms" => t.t(msg("listings.field.search_terms")).to_string(),
        other => match other
            .strip_prefix("bullet.")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) if n > 0 => field_label(t, tradelane_listing_qa::FieldRef::Bullet(n - 1)),
            _ => other.to_string(),
        },
    }
}

fn assist_rows(t: &Tr, fields: Vec<workbench::assist::FieldAssist>) -> Vec<AssistRow> {
    use tradelane_translate::GlossaryHitKind;
    fields
        .into_iter()
        .map(|f| AssistRow {
            label: assist_label(t, &f.field),
            source: f.source,
            suggestions: f
                .suggestions
                .into_iter()
                .map(|m| Suggestion {
                    score: m.score,
                    exact: m.exact,
                    text: m.target,
                })
                .collect(),
            hits: f
                .glossary_hits
                .into_iter()
                .map(|h| match h.kind {
                    GlossaryHitKind::Term => Hit {
                        class: "badge",
                        text: format!(
                            "{} → {}: {}",
                            h.term,
                            t.t(msg("translation.assist.required")),
                            h.required.unwrap_or_default()
                        ),
                    },
                    GlossaryHitKind::DoNotTranslate => Hit {
                        class: "badge review",
                        text: format!("{}: {}", h.term, t.t(msg("translation.assist.keep"))),
                    },
                    GlossaryHitKind::Forbidden => Hit {
                        class: "badge warn",
                        text: format!("{}: {}", h.term, t.t(msg("translation.assist.forbidden"))),
                    },
                })
                .collect(),
        })
        .collect()
}

/// Price, weight and today's date of the listing's SKU in the listing's locale.
async fn locale_preview(
    state: &AppState,
    t: &Tr,
    listing: &StoredListing,
) -> Option<LocalePreview> {
    let sku = state
        .store
        .get_sku(listing.org_id, listing.sku_id)
        .await
        .ok()?;
    // Built after the last await: ICU's formatters need not be Send.
    let fmt = tradelane_locale_format::LocaleFormat::new(&listing.locale).ok()?;
    let price = sku
        .record
        .unit_value
        .map(|m| fmt.money(m.amount(), m.currency()));
    let weight = sku
        .record
        .net_weight
        .map(|w| format!("{}\u{a0}kg", fmt.number_fixed(w.to_kg(), 3)));
    let date = fmt
        .date(
            workbench::today(),
            tradelane_locale_format::DateLength::Long,
        )
        .ok()?;
    Some(LocalePreview {
        title: t.tf(
            msg("translation.preview.title"),
            &[("locale", &listing.locale)],
        ),
        price,
        weight,
        date,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct EditParams {
    diff: Option<i64>,
    msg: Option<String>,
}

fn blocker_text(t: &Tr, b: &workbench::Blocker) -> String {
    match b {
        workbench::Blocker::Role => t.t(msg("error.forbidden")).to_string(),
        workbench::Blocker::OwnText => t.t(msg("workbench.blocker.own_text")).to_string(),
        workbench::Blocker::State(s) => t.tf(
            msg("workbench.blocker.state"),
            &[("state", t.t(state_key(*s)))],
        ),
        workbench::Blocker::Qa(n) => t.tf(msg("workbench.blocker.qa"), &[("n", &n.to_string())]),
    }
}

fn message_for(t: &Tr, code: &str) -> Option<String> {
    let key = match code {
        "saved" => msg("workbench.msg.saved"),
        "submit" => msg("workbench.msg.submitted"),
        "approve" => msg("workbench.msg.approved"),
        "reject" => msg("workbench.msg.rejected"),
        "unchanged" => msg("workbench.msg.unchanged"),
        _ => return None,
    };
    Some(t.t(key).to_string())
}

async fn render_edit(
    state: &AppState,
    user: &crate::auth::Principal,
    id: i64,
    params: EditParams,
    error: Option<String>,
    draft: Option<&ListingContent>,
) -> Result<Response, PageError> {
    let path = format!("/listings/workbench/{id}");
    let l = Layout::for_user(user, "workbench", &path);
    let t = l.t;
    let listing = state
        .store
        .get_listing(user.org_id, ListingId(id))
        .await
        .map_err(|e| l.store_error(e))?;
    let source = workbench::source_of(&state.store, user.org_id, &listing)
        .await
        .map_err(|e| l.error(e.status(), e.to_string()))?;
    let glossary = workbench::glossary(&state.store, user.org_id)
        .await
        .map_err(|e| l.error(e.status(), e.to_string()))?;
    let found = workbench::findings(
        &listing,
        source.as_ref(),
        glossary.as_ref(),
        Some(workbench::today()),
    )
    .map_err(|e| l.error(e.status(), e.to_string()))?;
    let trademark_findings = crate::trademarks::screen_org(
        &state.store,
        user.org_id,
        &crate::trademarks::ScreenScope {
            sku: None,
            listing: Some(id),
            include_clean: false,
        },
    )
    .await
    .map_err(|e| l.store_error(e))?
    .items
    .into_iter()
    .next()
    .map(|i| i.findings)
    .unwrap_or_default();
    let assist = workbench::assist::listing_assist(
        &state.store,
        &state.tm_cache,
        user.org_id,
        &listing,
        source.as_ref(),
    )
    .await
    .map_err(|e| l.error(e.status(), e.to_string()))?;
    let provider_offline = state
        .store
        .translation_provider(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .is_none();
    let preview = if tradelane_store::listings::is_source_locale(&listing.locale) {
        None
    } else {
        locale_preview(state, &t, &listing).await
    };
    let qa = workbench::qa_listing(&listing);
    let src = source
        .as_ref()
        .map(workbench::qa_source)
        .unwrap_or_default();
    let results = build_results(&t, &qa, &src, &found);
    let content = draft.unwrap_or(&listing.content);
    let mut fields = vec![EditField {
        name: "title".into(),
        label: t.t(msg("listings.field.title")).to_string(),
        source: src.title.clone(),
        value: content.title.clone(),
        multiline: true,
        chars: content.title.chars().count(),
    }];
    for i in 0..tradelane_store::listings::MAX_BULLETS {
        let v = content.bullets.get(i).cloned().unwrap_or_default();
        fields.push(EditField {
            name: format!("bullet{}", i + 1),
            label: field_label(&t, tradelane_listing_qa::FieldRef::Bullet(i)),
            source: src.bullets.get(i).cloned().unwrap_or_default(),
            chars: v.chars().count(),
            value: v,
            multiline: true,
        });
    }
    fields.push(EditField {
        name: "description".into(),
        label: t.t(msg("listings.field.description")).to_string(),
        source: src.description.clone(),
        value: content.description.clone(),
        multiline: true,
        chars: content.description.chars().count(),
    });
    fields.push(EditField {
        name: "search_terms".into(),
        label: t.t(msg("listings.field.search_terms")).to_string(),
        source: src.search_terms.clone(),
        value: content.search_terms.clone(),
        multiline: false,
        chars: content.search_terms.chars().count(),
    });
    let blocker = workbench::review_blocker(
        &state.store,
        user.org_id,
        user.role,
        user.user_id,
        &listing,
        true,
    )
    .await
    .map_err(|e| l.error(e.status(), e.to_string()))?;
    let versions = state
        .store
        .listing_versions(user.org_id, listing.id)
        .await
        .map_err(|e| l.store_error(e))?;
    let diff = match params.diff {
        Some(v) => {
            let d = version_diff(state, user.org_id, listing.id, None, Some(v))
                .await
                .map_err(|e| l.error(e.status(), e.to_string()))?;
            Some((d.from, d.to, d.changes))
        }
        None => None,
    };
    let version_rows = versions
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            action: t.t(action_key(v.action)).to_string(),
            state: t.t(state_key(v.state)).to_string(),
            comment: v.comment.clone().unwrap_or_default(),
            actor: v.actor_label.clone(),
            at: format::timestamp(v.at, t.lang),
            diff_href: format!("/listings/workbench/{id}?diff={}#diff", v.version),
            selected: params.diff == Some(v.version),
        })
        .collect();
    let page = EditPage {
        id,
        heading: format!(
            "{} · {} · {}",
            listing.sku_code, listing.marketplace, listing.locale
        ),
        sku_href: format!("/catalogue/{}", listing.sku_id),
        state: t.t(state_key(listing.state)).to_string(),
        state_class: state_class(listing.state),
        origin: origin_text(&t, &listing.origin),
        offline: listing.origin.starts_with("offline"),
        version: listing.version,
        source_label: source
            .as_ref()
            .map(|s| format!("{} · {}", s.locale, s.marketplace))
            .unwrap_or_default(),
        has_source: source.is_some(),
        review_comment: listing.review_comment.clone().unwrap_or_default(),
        results,
        fields,
        can_submit: l.can_write && listing.state.can_move(ListingAction::Submit),
        can_review: l.can_write && listing.state == ListingState::InReview,
        approve_blocker: blocker
            .filter(|_| listing.state == ListingState::InReview)
            .map(|b| blocker_text(&t, &b)),
        versions: version_rows,
        diff,
        message: params.msg.as_deref().and_then(|m| message_for(&t, m)),
        error,
        css_urls: css(),
        trademark_findings,
        assist: assist_rows(&t, assist),
        provider_offline,
        preview,
        t,
        l,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Query(params): Query<EditParams>,
) -> Result<Response, PageError> {
    render_edit(&state, &user, id, params, None, None).await
}

fn form_content(form: &HashMap<String, String>) -> ListingContent {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    ListingContent {
        title: get("title"),
        bullets: (1..=tradelane_store::listings::MAX_BULLETS)
            .map(|i| get(&format!("bullet{i}")))
            .collect(),
        description: get("description"),
        search_terms: get("search_terms"),
        attributes: Default::default(),
    }
}

/// Save, submit, approve or reject from the editor form.
pub async fn act(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let path = format!("/listings/workbench/{id}");
    let l = Layout::for_user(&user, "workbench", &path);
    if !l.can_write {
        return Err(l.forbidden());
    }
    let version = form
        .get("version")
        .and_then(|v| v.trim().parse::<i64>().ok());
    let action = form.get("action").map(String::as_str).unwrap_or("save");
    let comment = form.get("comment").map(String::as_str);
    let actor = user.actor();
    let result: Result<&str, String> = match action {
        "save" => {
            let current = state
                .store
                .get_listing(user.org_id, ListingId(id))
                .await
                .map_err(|e| l.store_error(e))?;
            let mut content = form_content(&form);
            content.attributes = current.content.attributes.clone();
            match state
                .store
                .update_listing_content(&actor, ListingId(id), version, &content)
                .await
            {
                Ok(saved) if saved.version == current.version => Ok("unchanged"),
                Ok(_) => Ok("saved"),
                Err(tradelane_store::StoreError::NotFound { .. }) => return Err(l.not_found()),
                Err(e) => {
                    let text = match e {
                        tradelane_store::StoreError::VersionMismatch => {
                            l.t.t(msg("error.version_mismatch")).to_string()
                        }
                        other => other.to_string(),
                    };
                    return render_edit(
                        &state,
                        &user,
                        id,
                        EditParams::default(),
                        Some(text),
                        Some(&content),
                    )
                    .await;
                }
            }
        }
        "submit" => state
            .store
            .transition_listing(&actor, ListingId(id), version, ListingAction::Submit, None)
            .await
            .map(|_| "submit")
            .map_err(|e| match e {
                tradelane_store::StoreError::NotFound { .. } => String::new(),
                other => other.to_string(),
            }),
        "approve" | "reject" => workbench::review(
            &state.store,
            &actor,
            user.role,
            user.user_id,
            ListingId(id),
            version,
            action == "approve",
            comment,
        )
        .await
        .map(|_| {
            if action == "approve" {
                "approve"
            } else {
                "reject"
            }
        })
        .map_err(|e| match e {
            crate::error::ApiError::NotFound => String::new(),
            crate::error::ApiError::Forbidden => blocker_text(&l.t, &workbench::Blocker::OwnText),
            other => other.to_string(),
        }),
        _ => Err(format!("unknown action {action:?}")),
    };
    match result {
        Ok(code) => Ok(Redirect::to(&format!("{path}?msg={code}")).into_response()),
        Err(e) if e.is_empty() => Err(l.not_found()),
        Err(e) => render_edit(&state, &user, id, EditParams::default(), Some(e), None).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "workbench_job.html")]
struct JobPartial {
    t: Tr,
    id: i64,
    running: bool,
    percent: i64,
    summary: String,
    items: Vec<(String, String, String, String)>,
}

fn job_partial(t: Tr, job: &tradelane_store::ListingJob) -> JobPartial {
    let running = job.status == tradelane_store::JobStatus::Running;
    JobPartial {
        id: job.id,
        running,
        percent: job.percent(),
        summary: t.tf(
            msg("workbench.job.summary"),
            &[
                ("done", &job.done.to_string()),
                ("total", &job.total.to_string()),
                ("failed", &job.failed.to_string()),
                ("market", &job.marketplace),
                ("locale", &job.target_locale),
            ],
        ),
        items: job
            .items
            .iter()
            .filter(|i| i.outcome != "translated")
            .map(|i| {
                (
                    i.sku_code.clone(),
                    i.outcome.clone(),
                    i.message.clone().unwrap_or_default(),
                    i.listing_id
                        .map(|l| format!("/listings/workbench/{l}"))
                        .unwrap_or_default(),
                )
            })
            .collect(),
        t,
    }
}

/// Starts a bulk translation and answers with the progress partial (htmx) or a redirect.
pub async fn translate(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: axum::http::HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", "/listings/workbench");
    if !l.can_write {
        return Err(l.forbidden());
    }
    let market = form.get("marketplace").cloned().unwrap_or_default();
    let target = form.get("target_locale").cloned().unwrap_or_default();
    let translator = workbench::translator_for(&state, user.org_id)
        .await
        .map_err(|e| l.error(e.status(), e.to_string()))?;
    let job =
        workbench::start_translate_job(&state.store, &user.actor(), translator, &market, &target)
            .await
            .map_err(|e| l.error(e.status(), e.to_string()))?;
    if headers.contains_key("hx-request") {
        Ok(job_partial(l.t, &job).into_response())
    } else {
        Ok(Redirect::to(&format!("/listings/workbench/jobs/{}", job.id)).into_response())
    }
}

pub async fn job(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", "/listings/workbench");
    let job = state
        .store
        .get_listing_job(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(job_partial(l.t, &job).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportParams {
    #[serde(default)]
    marketplace: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    mapping: String,
    #[serde(default)]
    include_exported: Option<String>,
    /// Owner's reason to export despite compliance blockers (audited).
    #[serde(default)]
    override_reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "workbench_export.html")]
struct ExportPage {
    t: Tr,
    l: Layout,
    marketplaces: Vec<Opt>,
    locales: Vec<Opt>,
    format: String,
    mapping: String,
    include_exported: bool,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    count_text: String,
    error: Option<String>,
    css_urls: Vec<String>,
}

fn blank(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The export form with a preview of the file's first rows in the chosen column layout.
pub async fn export_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<ExportParams>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", "/listings/workbench/export");
    let t = l.t;
    let mapping = if p.mapping.trim().is_empty() {
        export::AMAZON_MAPPING.to_string()
    } else {
        p.mapping.clone()
    };
    let include = p.include_exported.is_some();
    let mut error = None;
    let selection = export_selection(
        &state,
        user.org_id,
        blank(&p.marketplace),
        blank(&p.locale),
        &[],
        include,
    )
    .await;
    let (headers, rows, n) = match (
        selection,
        export::Layout::parse(export::preset(&mapping).unwrap_or(&mapping)),
    ) {
        (Ok(list), Ok(layout)) => (
            layout.headers().iter().map(|s| s.to_string()).collect(),
            list.iter()
                .take(10)
                .map(|x| {
                    layout
                        .row(x)
                        .into_iter()
                        .map(|c| {
                            if c.chars().count() > 60 {
                                format!("{}…", c.chars().take(60).collect::<String>())
                            } else {
                                c
                            }
                        })
                        .collect()
                })
                .collect(),
            list.len(),
        ),
        (Err(e), _) => {
            error = Some(e.to_string());
            (Vec::new(), Vec::new(), 0)
        }
        (_, Err(e)) => {
            error = Some(e);
            (Vec::new(), Vec::new(), 0)
        }
    };
    let page = ExportPage {
        marketplaces: opts(
            MARKETPLACES,
            p.marketplace.trim(),
            Some(t.t(msg("workbench.any")).to_string()),
        ),
        locales: opts(
            &LOCALES,
            p.locale.trim(),
            Some(t.t(msg("workbench.any")).to_string()),
        ),
        format: if p.format == "xlsx" { "xlsx" } else { "csv" }.into(),
        mapping,
        include_exported: include,
        headers,
        rows,
        count_text: t.tf(msg("workbench.export.count"), &[("n", &n.to_string())]),
        error,
        css_urls: css(),
        t,
        l,
    };
    Ok(page.into_response())
}

/// Downloads the flat file and marks the listings exported.
pub async fn export_download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(p): Form<ExportParams>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "workbench", "/listings/workbench/export");
    if !l.can_write {
        return Err(l.forbidden());
    }
    let fail = |e: crate::error::ApiError| l.error(e.status(), e.to_string());
    let list = export_selection(
        &state,
        user.org_id,
        blank(&p.marketplace),
        blank(&p.locale),
        &[],
        p.include_exported.is_some(),
    )
    .await
    .map_err(fail)?;
    let sheet = blank(&p.marketplace).unwrap_or("listings").to_string();
    let mapping = if p.mapping.trim().is_empty() {
        "amazon"
    } else {
        p.mapping.as_str()
    };
    let (bytes, ct, ext) = export_file(
        &state,
        &user,
        list,
        &p.format,
        mapping,
        true,
        &sheet,
        blank(&p.override_reason),
    )
    .await
    .map_err(fail)?;
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"listings-{sheet}.{ext}\""))
    {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/listings/workbench", get(list))
        .route("/listings/workbench/translate", post(translate))
        .route("/listings/workbench/jobs/{id}", get(job))
        .route(
            "/listings/workbench/export",
            get(export_page).post(export_download),
        )
        .route("/listings/workbench/{id}", get(edit).post(act))
}
