//! OpenAI-compatible chat completions: `POST {base}/chat/completions` with
//! `Authorization: Bearer KEY` (omitted when no key is set, as local llama.cpp / Ollama /
//! vLLM servers allow), `{"model", "messages": [{"role", "content"}], "temperature"}` →
//! `{"choices": [{"message": {"content"}}], "usage": {"prompt_tokens", "completion_tokens"}}`.
//!
//! A batch is sent as a JSON array of strings in the user message; the system message asks
//! for a JSON array of the same length back, and carries the glossary (required term
//! translations, do-not-translate terms, forbidden terms). A reply that is not such an array
//! is retried one segment per request.

use serde_json::{Value, json};

use super::{BatchRequest, BatchResponse, Counters, Provider, Transport, language_name};
use crate::http::{ProviderError, RetryPolicy};
use crate::model::{ProviderKind, ProviderSettings};

#[derive(Debug)]
pub struct OpenAiChat {
    name: String,
    url: String,
    model: String,
    api_key: Option<String>,
    batch_size: usize,
    transport: Transport,
}

impl OpenAiChat {
    pub fn new(
        settings: &ProviderSettings,
        policy: RetryPolicy,
    ) -> Result<OpenAiChat, ProviderError> {
        let base = settings
            .base_url()
            .ok_or_else(|| ProviderError::Config("base_url is missing".into()))?;
        Ok(OpenAiChat {
            name: settings.name.clone(),
            url: format!("{base}/chat/completions"),
            model: settings.model.clone().unwrap_or_default(),
            api_key: settings.api_key.clone().filter(|k| !k.is_empty()),
            batch_size: settings.batch_size(),
            transport: Transport::new(settings, policy)?,
        })
    }

    fn system_prompt(req: &BatchRequest<'_>) -> String {
        let mut p = format!(
            "You translate e-commerce product listing text from {} to {}. \
             The user message is a JSON array of strings. Reply with ONLY a JSON array of the \
             same number of strings, each the translation of the string at the same position. \
             Keep numbers, units, model numbers, placeholders like [[0]] and HTML tags exactly \
             as they are. Do not add claims, prices or text that is not in the source.",
            language_name(req.source_locale),
            language_name(req.target_locale)
        );
        let g = req.glossary;
        if !g.terms.is_empty() {
            p.push_str(
                "\nGlossary (always translate the term on the left as written on the right):",
            );
            for (s, t) in &g.terms {
                p.push_str(&format!("\n- {s} => {t}"));
            }
        }
        if !g.do_not_translate.is_empty() {
            p.push_str("\nNever translate or change these (brands, model numbers): ");
            p.push_str(&g.do_not_translate.join(", "));
        }
        if !g.forbidden.is_empty() {
            p.push_str("\nNever use these words in the translation: ");
            p.push_str(&g.forbidden.join(", "));
        }
        p
    }

    async fn call(
        &self,
        req: &BatchRequest<'_>,
        texts: &[String],
    ) -> Result<(Vec<String>, u64, u64), ProviderError> {
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": Self::system_prompt(req)},
                {"role": "user", "content": serde_json::to_string(texts).unwrap_or_default()},
            ],
        });
        let mut headers = Vec::new();
        if let Some(k) = &self.api_key {
            headers.push(("authorization", format!("Bearer {k}")));
        }
        let answer = self.transport.post(&self.url, &headers, &body).await?;
        let content = answer
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::Decode("no choices[0].message.content".into()))?;
        let tokens_in = answer
            .pointer("/usage/prompt_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let tokens_out = answer
            .pointer("/usage/completion_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let parsed = parse_array(content, texts.len());
        match parsed {
            Some(v) => Ok((v, tokens_in, tokens_out)),
            // One segment and no JSON array: the model answered with the bare translation.
            None if texts.len() == 1 && !content.trim().is_empty() => Ok((
                vec![strip_fences(content).trim().to_string()],
                tokens_in,
                tokens_out,
            )),
            None => Err(ProviderError::Decode(format!(
                "expected a JSON array of {} strings in the reply",
                texts.len()
            ))),
        }
    }
}

fn strip_fences(s: &str) -> &str {
    let t = s.trim();
    let t = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .unwrap_or(t);
    t.strip_suffix("```").unwrap_or(t)
}

/// The JSON array of `n` strings in a model reply (code fences and chatter around it allowed).
fn parse_array(content: &str, n: usize) -> Option<Vec<String>> {
    let t = strip_fences(content);
    let start = t.find('[')?;
    let end = t.rfind(']')?;
    let v: Vec<String> = serde_json::from_str(t.get(start..=end)?).ok()?;
    (v.len() == n).then_some(v)
}

impl Provider for OpenAiChat {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Openai
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        Some(&self.model)
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
        let chars = super::char_count(req.texts);
        match self.call(req, req.texts).await {
            Ok((texts, tin, tout)) => Ok(BatchResponse {
                texts,
                chars_billed: chars,
                tokens_in: tin,
                tokens_out: tout,
            }),
            Err(ProviderError::Decode(_)) if req.texts.len() > 1 => {
                // The model lost the array shape: one request per segment.
                let mut out = BatchResponse {
                    chars_billed: chars,
                    ..Default::default()
                };
                for t in req.texts {
                    let (mut v, tin, tout) = self.call(req, std::slice::from_ref(t)).await?;
                    out.texts.append(&mut v);
                    out.tokens_in += tin;
                    out.tokens_out += tout;
                }
                Ok(out)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_arrays_in_fences_and_chatter() {
        assert_eq!(
            parse_array("```json\n[\"a\", \"b\"]\n```", 2),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(
            parse_array("Here you go: [\"x\"]", 1),
            Some(vec!["x".to_string()])
        );
        assert_eq!(parse_array("[\"x\"]", 2), None);
        assert_eq!(parse_array("no", 1), None);
    }
}
