//! The offline provider: no network, never pretends to translate. Every text comes back as
//! `[offline] <source>` so nobody mistakes it for a translation (the UI shows it as offline);
//! Simplified ↔ Traditional Chinese is the exception, converted with OpenCC dictionaries
//! (the translator routes it through [`convert_script`] and labels it a script conversion).

use super::{BatchRequest, BatchResponse, Counters, Provider};
use crate::http::ProviderError;
use crate::model::ProviderKind;

/// Prefix of every offline output.
pub const OFFLINE_MARK: &str = "[offline] ";

#[derive(Debug, Default)]
pub struct Offline {
    name: String,
    counters: Counters,
}

impl Offline {
    pub fn new(name: &str) -> Offline {
        Offline {
            name: if name.trim().is_empty() {
                "offline".into()
            } else {
                name.to_string()
            },
            counters: Counters::default(),
        }
    }
}

/// Which Chinese script a tag means: Some(true) Traditional, Some(false) Simplified, None not
/// Chinese.
pub fn chinese_script(tag: &str) -> Option<bool> {
    let lower = tag.trim().replace('_', "-").to_ascii_lowercase();
    let mut parts = lower.split('-');
    if !matches!(parts.next(), Some("zh" | "cmn")) {
        return None;
    }
    Some(parts.any(|p| matches!(p, "hant" | "tw" | "hk" | "mo")))
}

/// zh-Hans → zh-Hant (or back) offline, when the pair is exactly that; None otherwise.
pub fn convert_script(source_locale: &str, target_locale: &str, text: &str) -> Option<String> {
    match (
        chinese_script(source_locale)?,
        chinese_script(target_locale)?,
    ) {
        (false, true) => tradelane_listing_qa::to_traditional(text),
        (true, false) => tradelane_listing_qa::to_simplified(text),
        _ => Some(text.to_string()),
    }
}

impl Provider for Offline {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Offline
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn batch_size(&self) -> usize {
        ProviderKind::Offline.default_batch_size()
    }
    fn counters(&self) -> &Counters {
        &self.counters
    }

    async fn translate_batch(
        &self,
        req: &BatchRequest<'_>,
    ) -> Result<BatchResponse, ProviderError> {
        Ok(BatchResponse {
            texts: req
                .texts
                .iter()
                .map(|t| format!("{OFFLINE_MARK}{t}"))
                .collect(),
            ..Default::default()
        })
    }
}
