//! LibreTranslate: `POST {base}/translate` with JSON `{"q": [...], "source": "zh",
//! "target": "de", "format": "text" | "html", "api_key": KEY}` (the key travels in the body,
//! as the API documents) → `{"translatedText": [...]}` (a string when `q` is a string).
//! Language codes are ISO 639-1 (`zh` Simplified, `zt` Traditional Chinese).
//!
//! Do-not-translate terms are replaced by numbered placeholders `[[n]]` and put back.

use serde_json::{Value, json};

use super::protect::{from_placeholders, to_placeholders};
use super::{BatchRequest, BatchResponse, Counters, Provider, Transport};
use crate::http::{ProviderError, RetryPolicy};
use crate::model::{ProviderKind, ProviderSettings};

#[derive(Debug)]
pub struct LibreTranslate {
    name: String,
    url: String,
    api_key: Option<String>,
    batch_size: usize,
    transport: Transport,
}

/// LibreTranslate language code: `de-DE` → `de`, `zh-CN` → `zh`, `zh-Hant`/`zh-TW` → `zt`.
pub fn code(tag: &str) -> String {
    let lower = tag.trim().replace('_', "-").to_ascii_lowercase();
    let mut parts = lower.split('-');
    let lang = parts.next().unwrap_or("").to_string();
    if lang == "zh" && parts.any(|p| matches!(p, "hant" | "tw" | "hk" | "mo")) {
        return "zt".into();
    }
    lang
}

impl LibreTranslate {
    pub fn new(
        settings: &ProviderSettings,
        policy: RetryPolicy,
    ) -> Result<LibreTranslate, ProviderError> {
        let base = settings
            .base_url()
            .ok_or_else(|| ProviderError::Config("LibreTranslate needs the server's URL".into()))?;
        Ok(LibreTranslate {
            name: settings.name.clone(),
            url: format!("{base}/translate"),
            api_key: settings.api_key.clone().filter(|k| !k.is_empty()),
            batch_size: settings.batch_size(),
            transport: Transport::new(settings, policy)?,
        })
    }
}

impl Provider for LibreTranslate {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Libretranslate
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn batch_size(&self) -> usize {
        self.batch_size
    }
    fn counters(&self) -> &Counters {
        &self.transport.counters
    }

    async fn translate_batch(
        &self,
        req: &BatchRequest<'_>,
    ) -> Result<BatchResponse, ProviderError> {
        let mut protected = Vec::with_capacity(req.texts.len());
        let mut originals = Vec::with_capacity(req.texts.len());
        for t in req.texts {
            let (p, o) = to_placeholders(t, &req.glossary.do_not_translate);
            protected.push(p);
            originals.push(o);
        }
        let mut body = json!({
            "q": protected,
            "source": code(req.source_locale),
            "target": code(req.target_locale),
            "format": if req.html { "html" } else { "text" },
        });
        if let Some(k) = &self.api_key {
            body["api_key"] = json!(k);
        }
        let answer = self.transport.post(&self.url, &[], &body).await?;
        let texts: Vec<String> = match answer.get("translatedText") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| ProviderError::Decode("translatedText holds a non-string".into()))?,
            Some(Value::String(s)) if req.texts.len() == 1 => vec![s.clone()],
            _ => {
                let msg = answer
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("no translatedText");
                return Err(ProviderError::Decode(msg.to_string()));
            }
        };
        if texts.len() != req.texts.len() {
            return Err(ProviderError::Decode(format!(
                "{} translations for {} texts",
                texts.len(),
                req.texts.len()
            )));
        }
        Ok(BatchResponse {
            texts: texts
                .iter()
                .zip(&originals)
                .map(|(t, o)| from_placeholders(t, o))
                .collect(),
            chars_billed: super::char_count(req.texts),
            tokens_in: 0,
            tokens_out: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(code("de-DE"), "de");
        assert_eq!(code("zh-CN"), "zh");
        assert_eq!(code("zh-Hant"), "zt");
        assert_eq!(code("ja-JP"), "ja");
    }
}
