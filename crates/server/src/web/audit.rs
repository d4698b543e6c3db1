//! The audit log: who changed what, when, with the fields before and after.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tradelane_store::AuditQuery;

use super::PageError;
use super::layout::Layout;
use crate::auth::PageUser;
use crate::diff::{FieldChange, changes};
use crate::format;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::util::url_encode;

pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_href: Option<String>,
    pub changes: Vec<FieldChange>,
    pub changes_summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Tr,
    l: Layout,
    total_text: String,
    entries: Vec<AuditLine>,
    page_text: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    entity_type: Option<String>,
    entity_id: Option<String>,
    page: Option<String>,
}

impl AuditParams {
    fn link(&self, page: u32) -> String {
        let mut link = format!("/audit?page={page}");
        if let Some(v) = self.entity_type.as_deref().filter(|v| !v.is_empty()) {
            link.push_str(&format!("&entity_type={}", url_encode(v)));
        }
        if let Some(v) = self.entity_id.as_deref().filter(|v| !v.is_empty()) {
            link.push_str(&format!("&entity_id={}", url_encode(v)));
        }
        link
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<AuditParams>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "audit", "/audit");
    let t = l.t;
    let page = params
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let query = AuditQuery {
        entity_type: params.entity_type.clone().filter(|v| !v.is_empty()),
        entity_id: params.entity_id.clone().filter(|v| !v.is_empty()),
        page,
        ..AuditQuery::default()
    };
    let result = state
        .store
        .list_audit(user.org_id, &query)
        .await
        .map_err(|e| l.store_error(e))?;
    let entries = result
        .items
        .iter()
        .map(|e| {
            let changes = changes(e.before.as_ref(), e.after.as_ref());
            AuditLine {
                changes_summary: t.tf(
                    "audit.fields_changed",
                    &[("count", &changes.len().to_string())],
                ),
                changes,
                at: format::timestamp(e.at, t.lang),
                actor: e.actor_label.clone(),
                action: e.action.clone(),
                entity: format!("{} {}", e.entity_type, e.entity_id),
                entity_href: (e.entity_type == "sku" && e.action != "sku.delete")
                    .then(|| format!("/catalogue/{}", url_encode(&e.entity_id))),
            }
        })
        .collect();
    let pages = result.page_count();
    Ok(AuditPage {
        t,
        l,
        total_text: t.tf(
            "audit.total",
            &[("count", &format::number(result.total.into(), 0, t.lang))],
        ),
        entries,
        page_text: t.tf(
            "catalogue.page_of",
            &[
                ("page", &result.page.to_string()),
                ("pages", &pages.to_string()),
            ],
        ),
        prev_href: (result.page > 1).then(|| params.link(result.page - 1)),
        next_href: (result.page < pages).then(|| params.link(result.page + 1)),
    }
    .into_response())
}
