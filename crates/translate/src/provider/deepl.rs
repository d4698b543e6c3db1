//! DeepL API v2: `POST {base}/v2/translate`, header `Authorization: DeepL-Auth-Key KEY`,
//! JSON `{"text": [...], "source_lang": "ZH", "target_lang": "DE", "tag_handling": "xml",
//! "ignore_tags": ["keep"], "show_billed_characters": true}` →
//! `{"translations": [{"detected_source_language", "text", "billed_characters"?}]}`.
//! Up to 50 texts per request. Free-plan keys (`…:fx`) use `api-free.deepl.com`.
//!
//! Do-not-translate terms are wrapped in an ignored `<keep>` tag (plain text) or
//! `<span translate="no">` (HTML, `tag_handling: "html"`), then unwrapped.
//! HTTP 456 (quota exceeded) and 403 (bad key) are reported, not retried.

use serde_json::{Value, json};

use super::protect::{KEEP_TAG, from_html_keep, from_xml_keep, to_html_keep, to_xml_keep};
use super::{BatchRequest, BatchResponse, Counters, Provider, Transport};
use crate::http::{ProviderError, RetryPolicy};
use crate::model::{ProviderKind, ProviderSettings};

#[derive(Debug)]
pub struct DeepL {
    name: String,
    url: String,
    api_key: String,
    model: Option<String>,
    batch_size: usize,
    transport: Transport,
}

/// DeepL source language code (language only): `zh-CN` → `ZH`.
pub fn source_code(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// DeepL target language code: `en-GB` → `EN-GB`, `en` → `EN-US`, `pt-BR` → `PT-BR`,
/// `zh-Hant`/`zh-TW` → `ZH-HANT`, `zh-CN` → `ZH-HANS`, `de-AT` → `DE`.
pub fn target_code(tag: &str) -> String {
    let lower = tag.trim().replace('_', "-").to_ascii_lowercase();
    let mut parts = lower.split('-');
    let lang = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    match lang {
        "en" => {
            if rest
                .iter()
                .any(|p| matches!(*p, "gb" | "uk" | "ie" | "au" | "nz" | "in"))
            {
                "EN-GB".into()
            } else {
                "EN-US".into()
            }
        }
        "pt" => {
            if rest.contains(&"br") {
                "PT-BR".into()
            } else {
                "PT-PT".into()
            }
        }
        "zh" => {
            if rest
                .iter()
                .any(|p| matches!(*p, "hant" | "tw" | "hk" | "mo"))
            {
                "ZH-HANT".into()
            } else {
                "ZH-HANS".into()
            }
        }
        other => other.to_ascii_uppercase(),
    }
}

impl DeepL {
    pub fn new(settings: &ProviderSettings, policy: RetryPolicy) -> Result<DeepL, ProviderError> {
        let base = settings
            .base_url()
            .ok_or_else(|| ProviderError::Config("base_url is missing".into()))?;
        let api_key = settings
            .api_key
            .clone()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ProviderError::Config("DeepL needs an API key".into()))?;
        Ok(DeepL {
            name: settings.name.clone(),
            url: format!("{base}/v2/translate"),
            api_key,
            model: settings.model.clone().filter(|m| !m.trim().is_empty()),
            batch_size: settings.batch_size().min(50),
            transport: Transport::new(settings, policy)?,
        })
    }
}

impl Provider for DeepL {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Deepl
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
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
        let dnt = &req.glossary.do_not_translate;
        let texts: Vec<String> = req
            .texts
            .iter()
            .map(|t| {
                if req.html {
                    to_html_keep(t, dnt)
                } else {
                    to_xml_keep(t, dnt)
                }
            })
            .collect();
        let mut body = json!({
            "text": texts,
            "source_lang": source_code(req.source_locale),
            "target_lang": target_code(req.target_locale),
            "show_billed_characters": true,
        });
        if req.html {
            body["tag_handling"] = json!("html");
        } else {
            body["tag_handling"] = json!("xml");
            body["ignore_tags"] = json!([KEEP_TAG]);
        }
        if let Some(m) = &self.model {
            body["model_type"] = json!(m);
        }
        let headers = [("authorization", format!("DeepL-Auth-Key {}", self.api_key))];
        let answer = self.transport.post(&self.url, &headers, &body).await?;
        let items = answer
            .get("translations")
            .and_then(Value::as_array)
            .ok_or_else(|| ProviderError::Decode("no \"translations\" array".into()))?;
        if items.len() != req.texts.len() {
            return Err(ProviderError::Decode(format!(
                "{} translations for {} texts",
                items.len(),
                req.texts.len()
            )));
        }
        let mut out = BatchResponse::default();
        let mut billed_reported = true;
        for item in items {
            let text = item
                .get("text")
                .and_then(Value::as_str)
                .ok_or_else(|| ProviderError::Decode("translation without \"text\"".into()))?;
            out.texts.push(if req.html {
                from_html_keep(text)
            } else {
                from_xml_keep(text)
            });
            match item.get("billed_characters").and_then(Value::as_u64) {
                Some(n) => out.chars_billed += n,
                None => billed_reported = false,
            }
        }
        if !billed_reported {
            out.chars_billed = super::char_count(req.texts);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes() {
        assert_eq!(source_code("zh-CN"), "ZH");
        assert_eq!(target_code("en-GB"), "EN-GB");
        assert_eq!(target_code("en"), "EN-US");
        assert_eq!(target_code("de-DE"), "DE");
        assert_eq!(target_code("ja-JP"), "JA");
        assert_eq!(target_code("zh-Hant"), "ZH-HANT");
        assert_eq!(target_code("zh_TW"), "ZH-HANT");
        assert_eq!(target_code("zh-CN"), "ZH-HANS");
        assert_eq!(target_code("pt-BR"), "PT-BR");
    }
}
