//! The indexed columns of a SKU row, derived from its record. The record (as JSON) is the truth;
//! these columns exist only so lists, filters and search can use indexes.

use sha2::{Digest, Sha256};
use tradelane_domain::SkuRecord;

use crate::error::{Result, StoreError};

/// Bumped whenever the derivation below changes, so that re-importing after an upgrade
/// refreshes rows whose derived columns were computed the old way.
const DERIVATION_VERSION: &str = "sku-columns-v1";

pub(crate) struct SkuColumns {
    pub code: String,
    pub title: String,
    pub brand: String,
    pub brand_key: String,
    pub origin: Option<String>,
    pub hs_code: Option<String>,
    pub has_battery: bool,
    pub search_text: String,
    /// Lower-cased, trimmed, without duplicates or empties.
    pub tags: Vec<String>,
    pub record_json: String,
    pub content_hash: String,
}

/// Case-folds for search and exact-but-case-insensitive filters.
pub(crate) fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

pub(crate) fn derive(record: &SkuRecord) -> Result<SkuColumns> {
    if let Err(errors) = record.validate() {
        let detail: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        return Err(StoreError::Invalid(format!(
            "SKU {}: {}",
            record.code,
            detail.join("; ")
        )));
    }
    let record_json = serde_json::to_string(record).map_err(|e| {
        StoreError::Invalid(format!("SKU {} cannot be serialised: {e}", record.code))
    })?;
    // serde_json writes NUL as the escape \u0000; look closer only when that text shows up.
    if record_json.contains("\\u0000") {
        check_no_nul(record, &record_json)?;
    }
    let mut hasher = Sha256::new();
    hasher.update(DERIVATION_VERSION.as_bytes());
    hasher.update([0u8]);
    hasher.update(record_json.as_bytes());
    let content_hash = hex::encode(hasher.finalize());

    let brand = record.brand.clone().unwrap_or_default();
    let mut search = String::with_capacity(128);
    let mut push = |s: &str| {
        if !s.is_empty() {
            search.push_str(&s.to_lowercase());
            search.push('\n');
        }
    };
    push(record.code.as_str());
    push(&record.title);
    push(&brand);
    push(record.customs_description_en.as_deref().unwrap_or_default());
    push(record.customs_description_zh.as_deref().unwrap_or_default());
    if let Some(hs) = &record.hs_code {
        push(hs.as_str());
    }
    for code in record.national_hs_codes.values() {
        push(code.as_str());
    }
    let mut tags: Vec<String> = record
        .tags
        .iter()
        .map(|t| fold(t))
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();

    Ok(SkuColumns {
        code: record.code.as_str().to_string(),
        title: record.title.clone(),
        brand_key: fold(&brand),
        brand,
        origin: record.origin.map(|c| c.code().to_string()),
        hs_code: record.hs_code.as_ref().map(|h| h.as_str().to_string()),
        has_battery: record.battery.is_lithium(),
        search_text: search,
        tags,
        record_json,
        content_hash,
    })
}

/// Finds the field holding a NUL character (PostgreSQL TEXT cannot store it) and names it.
fn check_no_nul(record: &SkuRecord, json: &str) -> Result<()> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        StoreError::Invalid(format!("SKU {} cannot be serialised: {e}", record.code))
    })?;
    let mut path = Vec::new();
    if let Some(field) = find_nul(&value, &mut path) {
        return Err(StoreError::Invalid(format!(
            "SKU {}: field {field} contains a NUL character (\\0), which cannot be stored; remove it",
            record.code
        )));
    }
    Ok(())
}

fn find_nul(value: &serde_json::Value, path: &mut Vec<String>) -> Option<String> {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(path.join(".")),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            path.push(i.to_string());
            let found = find_nul(v, path);
            path.pop();
            found
        }),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                return Some(format!("{} (a key)", path.join(".")));
            }
            path.push(k.clone());
            let found = find_nul(v, path);
            path.pop();
            found
        }),
        _ => None,
    }
}
