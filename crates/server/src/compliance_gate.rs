//! The compliance gate: a listing export or a shipment to a market is blocked while a required item for the SKU
//! is missing or expired there (or the requirements pack does not cover the market or category: nothing is
//! assumed compliant). An owner can override with a reason; the override goes to the audit log before the
//! export or documents are produced.
//!
//! [`compliance_blockers`] is the one function both paths call.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;
use tradelane_compliance::gap::{Blocker, GapOptions, GapSku, blocking_items};
use tradelane_compliance::requirements::BlockTarget;
use tradelane_domain::{Country, SkuCode};
use tradelane_store::{Actor, DocumentQuery, OrgId, Role, Store, StoredDocument};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::vault::{EXPIRING_WITHIN_DAYS, applies_to, on_file};

/// One item that blocks a SKU in a market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BlockerView {
    pub sku: String,
    /// ISO alpha-2.
    pub market: String,
    /// Requirement id (empty when the pack does not cover the market or category).
    pub requirement: String,
    /// missing, expired or not_covered.
    pub status: String,
    /// Which requirement, which document or why missing.
    pub reason: String,
}

/// The items that block `target` for one SKU in one market on `today`, evaluated against the documents on file
/// (`docs`: the organisation's documents; those that do not apply to the SKU are ignored). Unknown SKU: 404.
pub async fn compliance_blockers(
    store: &Store,
    org: OrgId,
    sku: &str,
    market: Country,
    target: BlockTarget,
    today: Date,
    docs: Option<&[StoredDocument]>,
) -> ApiResult<Vec<BlockerView>> {
    let pack = crate::api::compliance::pack()?;
    let code = SkuCode::parse(sku.trim())
        .map_err(|_| ApiError::validation("sku", sku, "a SKU code of the catalogue"))?;
    let record = store
        .get_sku_by_code(org, &code)
        .await?
        .ok_or(ApiError::NotFound)?
        .record;
    let loaded;
    let all = match docs {
        Some(d) => d,
        None => {
            loaded = store.list_documents(org, &DocumentQuery::default()).await?;
            &loaded[..]
        }
    };
    let mine: Vec<StoredDocument> = all
        .iter()
        .filter(|d| applies_to(d, &record))
        .cloned()
        .collect();
    let evidence = on_file(&mine);
    let gap_sku = GapSku::from_record(&record, None);
    let options = GapOptions {
        today,
        expiring_within_days: EXPIRING_WITHIN_DAYS,
    };
    Ok(
        blocking_items(pack, &gap_sku, market, &evidence, target, options)
            .into_iter()
            .map(|b| match b {
                Blocker::NotCovered(nc) => BlockerView {
                    sku: record.code.to_string(),
                    market: market.code().to_string(),
                    requirement: String::new(),
                    status: "not_covered".into(),
                    reason: nc.to_string(),
                },
                Blocker::Item(line) => BlockerView {
                    sku: record.code.to_string(),
                    market: market.code().to_string(),
                    requirement: line.requirement.id.clone(),
                    status: line.status.name().to_string(),
                    reason: line.reason(&evidence),
                },
            })
            .collect(),
    )
}

/// Blockers for many (SKU, market) pairs at once (documents read once), in pair order.
pub async fn blockers_for(
    store: &Store,
    org: OrgId,
    pairs: &[(String, Country)],
    target: BlockTarget,
    today: Date,
) -> ApiResult<Vec<BlockerView>> {
    let docs = store.list_documents(org, &DocumentQuery::default()).await?;
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for (sku, market) in pairs {
        if seen.insert((sku.clone(), market.code()), ()).is_some() {
            continue;
        }
        out.extend(
            compliance_blockers(store, org, sku, *market, target, today, Some(&docs)).await?,
        );
    }
    Ok(out)
}

/// `listing_export` or `shipment`, as recorded in the audit log.
pub fn target_name(target: BlockTarget) -> &'static str {
    match target {
        BlockTarget::Listing => "listing_export",
        BlockTarget::Shipment => "shipment",
    }
}

/// Lets the operation go ahead when nothing blocks it, or when an owner gives a reason (audited as
/// `compliance.override` with the blocking items). Otherwise 409 `compliance_blocked` naming every item, or 403
/// for a non-owner who tries to override. Returns whether an override was recorded.
pub async fn authorise(
    store: &Store,
    actor: &Actor,
    role: Role,
    target: BlockTarget,
    entity: &str,
    blockers: &[BlockerView],
    override_reason: Option<&str>,
) -> ApiResult<bool> {
    if blockers.is_empty() {
        return Ok(false);
    }
    let what = match target {
        BlockTarget::Listing => "the listing export",
        BlockTarget::Shipment => "the shipment",
    };
    let reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
    let Some(reason) = reason else {
        let shown: Vec<String> = blockers
            .iter()
            .take(20)
            .map(|b| format!("{} {}: {}", b.sku, b.market, b.reason))
            .collect();
        let more = blockers.len().saturating_sub(shown.len());
        return Err(ApiError::ComplianceBlocked(format!(
            "{what} is blocked by {} compliance item(s): {}{}; file the documents in the vault, or an owner can \
             override with a reason",
            blockers.len(),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        )));
    };
    if !role.can_admin() {
        return Err(ApiError::Forbidden);
    }
    let details = serde_json::json!({
        "reason": reason,
        "blockers": blockers,
    });
    store
        .record_compliance_override(actor, target_name(target), entity, &details)
        .await?;
    Ok(true)
}

/// The market a listing is for: the country suffix of the marketplace (`amazon-de`, `amazon.co.uk`), else the
/// region of the locale (`de-DE`). None when neither names one (`shopify`, `zh-Hant`).
pub fn listing_market(marketplace: &str, locale: &str) -> Option<Country> {
    let mp = marketplace.trim().to_ascii_uppercase();
    if let Some(last) = mp.rsplit(['-', '.', '_']).next()
        && last.len() == 2
        && last != mp
    {
        let code = if last == "UK" { "GB" } else { last };
        if let Ok(c) = Country::parse(code) {
            return Some(c);
        }
    }
    let region = locale.trim().rsplit(['-', '_']).next()?;
    if region.len() == 2
        && region.bytes().all(|b| b.is_ascii_alphabetic())
        && region != locale.trim()
    {
        return Country::parse(&region.to_ascii_uppercase()).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_markets_come_from_the_marketplace_or_the_locale() {
        let m = |a: &str, b: &str| listing_market(a, b).map(|c| c.code());
        assert_eq!(m("amazon-de", "de-DE"), Some("DE"));
        assert_eq!(m("amazon.co.uk", "en"), Some("GB"));
        assert_eq!(m("amazon", "fr-FR"), Some("FR"));
        assert_eq!(m("shopify", "zh-Hant"), None);
        assert_eq!(m("ebay", "de"), None);
        assert_eq!(m("temu", "zh-Hant-TW"), Some("TW"));
    }
}
