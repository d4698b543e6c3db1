//! Translation providers behind one trait. Each speaks its API's documented wire format;
//! the shared HTTP layer ([`crate::http`]) adds rate limiting and retries.

mod deepl;
mod libre;
pub mod offline;
mod openai;
pub mod protect;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use deepl::DeepL;
pub use libre::LibreTranslate;
pub use offline::{Offline, convert_script};
pub use openai::OpenAiChat;

use crate::http::{ProviderError, RateLimiter, RetryPolicy};
use crate::model::{ProviderKind, ProviderSettings};

/// The glossary entries that apply to one batch, as given to the provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchGlossary {
    /// (source term, required target term)
    pub terms: Vec<(String, String)>,
    /// Terms that must appear unchanged (brands, model numbers).
    pub do_not_translate: Vec<String>,
    /// Terms that must not appear in the target market.
    pub forbidden: Vec<String>,
}

/// One request to a provider: up to its batch size of texts in one language pair.
#[derive(Debug, Clone, Copy)]
pub struct BatchRequest<'a> {
    pub source_locale: &'a str,
    pub target_locale: &'a str,
    pub texts: &'a [String],
    pub html: bool,
    pub glossary: &'a BatchGlossary,
}

/// The provider's answer: one text per input text, in order, and what was billed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchResponse {
    pub texts: Vec<String>,
    pub chars_billed: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

/// Requests and retries made by a provider, counted across calls.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
}

impl Counters {
    pub fn add(&self, requests: u64, retries: u64) {
        self.requests.fetch_add(requests, Ordering::Relaxed);
        self.retries.fetch_add(retries, Ordering::Relaxed);
    }

    pub fn get(&self) -> (u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.retries.load(Ordering::Relaxed),
        )
    }
}

/// A machine translation service.
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;
    fn name(&self) -> &str;
    fn model(&self) -> Option<&str> {
        None
    }
    /// Most texts per [`Provider::translate_batch`] call.
    fn batch_size(&self) -> usize;
    /// Translates every text of the batch, or fails as a whole (after retries).
    fn translate_batch(
        &self,
        req: &BatchRequest<'_>,
    ) -> impl Future<Output = Result<BatchResponse, ProviderError>> + Send;
    fn counters(&self) -> &Counters;
}

/// Shared plumbing of the HTTP providers.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub client: reqwest::Client,
    pub limiter: RateLimiter,
    pub policy: RetryPolicy,
    pub timeout_ms: u64,
    pub counters: Arc<Counters>,
}

impl Transport {
    pub(crate) fn new(
        settings: &ProviderSettings,
        policy: RetryPolicy,
    ) -> Result<Transport, ProviderError> {
        let timeout_ms = settings.timeout_ms.unwrap_or(30_000).max(1);
        Ok(Transport {
            client: crate::http::client(Duration::from_millis(timeout_ms))?,
            limiter: RateLimiter::new(settings.requests_per_minute),
            policy,
            timeout_ms,
            counters: Arc::new(Counters::default()),
        })
    }

    pub(crate) async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ProviderError> {
        let (result, retries) = crate::http::post_json(
            &self.client,
            &self.limiter,
            &self.policy,
            self.timeout_ms,
            url,
            headers,
            body,
        )
        .await;
        self.counters.add(retries + 1, retries);
        result
    }
}

/// Any configured provider (enum dispatch keeps the trait free of boxed futures).
#[derive(Debug)]
pub enum AnyProvider {
    OpenAi(OpenAiChat),
    DeepL(DeepL),
    Libre(LibreTranslate),
    Offline(Offline),
}

impl AnyProvider {
    /// Builds the provider a stored configuration describes.
    pub fn build(
        settings: &ProviderSettings,
        policy: RetryPolicy,
    ) -> Result<AnyProvider, ProviderError> {
        settings.validate().map_err(ProviderError::Config)?;
        Ok(match settings.kind {
            ProviderKind::Openai => AnyProvider::OpenAi(OpenAiChat::new(settings, policy)?),
            ProviderKind::Deepl => AnyProvider::DeepL(DeepL::new(settings, policy)?),
            ProviderKind::Libretranslate => {
                AnyProvider::Libre(LibreTranslate::new(settings, policy)?)
            }
            ProviderKind::Offline => AnyProvider::Offline(Offline::new(&settings.name)),
        })
    }
}

macro_rules! dispatch {
    ($self:ident, $p:ident => $e:expr) => {
        match $self {
            AnyProvider::OpenAi($p) => $e,
            AnyProvider::DeepL($p) => $e,
            AnyProvider::Libre($p) => $e,
            AnyProvider::Offline($p) => $e,
        }
    };
}

impl Provider for AnyProvider {
    fn kind(&self) -> ProviderKind {
        dispatch!(self, p => p.kind())
    }
    fn name(&self) -> &str {
        dispatch!(self, p => p.name())
    }
    fn model(&self) -> Option<&str> {
        dispatch!(self, p => p.model())
    }
    fn batch_size(&self) -> usize {
        dispatch!(self, p => p.batch_size())
    }
    async fn translate_batch(
        &self,
        req: &BatchRequest<'_>,
    ) -> Result<BatchResponse, ProviderError> {
        dispatch!(self, p => p.translate_batch(req).await)
    }
    fn counters(&self) -> &Counters {
        dispatch!(self, p => p.counters())
    }
}

/// Characters as the providers count them (Unicode scalar values).
pub fn char_count(texts: &[String]) -> u64 {
    texts.iter().map(|t| t.chars().count() as u64).sum()
}

/// English name of a language for prompts ("German"), from a BCP 47 tag.
pub fn language_name(tag: &str) -> String {
    let t = tag.trim().replace('_', "-");
    let lower = t.to_ascii_lowercase();
    let lang = lower.split('-').next().unwrap_or("");
    let name = match lang {
        "zh" => {
            if ["hant", "tw", "hk", "mo"]
                .iter()
                .any(|s| lower.split('-').skip(1).any(|p| p == *s))
            {
                "Traditional Chinese"
            } else {
                "Simplified Chinese"
            }
        }
        "en" => "English",
        "de" => "German",
        "fr" => "French",
        "es" => "Spanish",
        "it" => "Italian",
        "ja" => "Japanese",
        "ko" => "Korean",
        "nl" => "Dutch",
        "pl" => "Polish",
        "pt" => "Portuguese",
        "sv" => "Swedish",
        "tr" => "Turkish",
        "ar" => "Arabic",
        "ru" => "Russian",
        "vi" => "Vietnamese",
        "th" => "Thai",
        _ => return t,
    };
    format!("{name} ({t})")
}
