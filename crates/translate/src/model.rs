//! Requests, results and settings of a translation run.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_listing_qa::Finding;
use tradelane_tm::TmMatch;

/// One piece of text to translate; `id` is the caller's key ("title", "bullet.2").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub id: String,
    pub text: String,
}

impl Segment {
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Segment {
        Segment {
            id: id.into(),
            text: text.into(),
        }
    }
}

/// What to translate, from which locale into which.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TranslateRequest {
    /// BCP 47: `zh-CN`, `en`, `zh-Hans` ...
    pub source_locale: String,
    /// BCP 47: `de-DE`, `en-GB`, `ja-JP`, `zh-Hant` ...
    pub target_locale: String,
    pub segments: Vec<Segment>,
    /// Stored provider to use; None = the organisation's default (offline when none).
    #[serde(default)]
    pub provider_id: Option<i64>,
    /// Reuse a fuzzy memory match scoring at least this (1..=99) without calling the provider.
    /// None = only exact matches are reused.
    #[serde(default)]
    pub accept_fuzzy_at: Option<u8>,
    /// Segments hold HTML (descriptions): markup is kept, text is translated.
    #[serde(default)]
    pub html: bool,
    /// Marketplace the text is for (`amazon` ...), for market-specific forbidden terms.
    #[serde(default)]
    pub marketplace: Option<String>,
}

/// Where a segment's text came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// The memory held this exact source text for this language pair.
    TmExact { segment_id: i64 },
    /// A memory match above the caller's `accept_fuzzy_at` threshold; needs review.
    TmFuzzy { segment_id: i64, score: u8 },
    /// A machine translation.
    Provider {
        provider: String,
        provider_kind: ProviderKind,
        model: Option<String>,
    },
    /// Simplified ↔ Traditional Chinese by OpenCC dictionaries (offline, deterministic).
    ScriptConversion,
    /// NOT a translation: the offline provider returns the source marked `[offline] …`.
    Offline,
    /// Nothing to translate (no letters: empty, numbers, symbols); the source is kept.
    Unchanged,
}

impl Origin {
    pub fn label(&self) -> String {
        match self {
            Origin::TmExact { .. } => "tm_exact".into(),
            Origin::TmFuzzy { score, .. } => format!("tm_fuzzy({score})"),
            Origin::Provider { provider, .. } => format!("provider({provider})"),
            Origin::ScriptConversion => "script_conversion".into(),
            Origin::Offline => "offline".into(),
            Origin::Unchanged => "unchanged".into(),
        }
    }

    /// True when the text is a real translation (memory, provider or script conversion).
    pub fn is_translation(&self) -> bool {
        !matches!(self, Origin::Offline)
    }
}

/// A segment's outcome: a text, or an error after retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Ok { text: String, origin: Origin },
    Failed { error: String, retryable: bool },
}

/// Kind of a glossary entry found in a source segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlossaryHitKind {
    Term,
    DoNotTranslate,
    Forbidden,
}

/// A glossary entry that applies to a segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlossaryHit {
    pub kind: GlossaryHitKind,
    /// The term as written in the glossary.
    pub term: String,
    /// Required rendering in the target: the translation of a term, the term itself for
    /// do-not-translate; None for a forbidden term.
    pub required: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentResult {
    pub id: String,
    pub outcome: Outcome,
    /// Memory suggestions for the source, best first (up to 3).
    pub suggestions: Vec<TmMatch>,
    /// Glossary terms, do-not-translate and forbidden terms for this segment.
    pub glossary_hits: Vec<GlossaryHit>,
    /// `glossary.*` findings on the translated text (missing term, do-not-translate
    /// altered or missing, forbidden term used).
    pub findings: Vec<Finding>,
    /// Characters billed by the provider for this segment (0 for memory/offline).
    pub chars_billed: u64,
    /// This segment's share of the provider cost, in `Usage::currency`.
    pub cost: Option<Decimal>,
}

impl SegmentResult {
    pub fn text(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Ok { text, .. } => Some(text),
            Outcome::Failed { .. } => None,
        }
    }
}

/// What a run used: requests, characters, tokens, money.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub requests: u64,
    /// HTTP attempts that were retried (timeouts, 429, 5xx).
    pub retries: u64,
    pub chars_billed: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Total cost in `currency`, when the provider has prices configured.
    pub cost: Option<Decimal>,
    pub currency: Option<String>,
    pub segments_from_memory: u64,
    pub segments_translated: u64,
    pub segments_failed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranslateReport {
    pub source_locale: String,
    pub target_locale: String,
    /// Display name of the provider used (None when every segment came from memory).
    pub provider: Option<String>,
    pub provider_kind: Option<ProviderKind>,
    pub results: Vec<SegmentResult>,
    pub usage: Usage,
}

impl TranslateReport {
    pub fn failed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
            .count()
    }
}

/// The kinds of provider tradelane speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenAI-compatible `POST {base}/chat/completions` (OpenAI, llama.cpp, vLLM, Ollama, ...).
    Openai,
    /// DeepL API v2 `POST {base}/v2/translate`.
    Deepl,
    /// LibreTranslate `POST {base}/translate`.
    Libretranslate,
    /// No network: `[offline] …` markers; zh-Hans ↔ zh-Hant by OpenCC.
    Offline,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::Openai,
        ProviderKind::Deepl,
        ProviderKind::Libretranslate,
        ProviderKind::Offline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::Deepl => "deepl",
            ProviderKind::Libretranslate => "libretranslate",
            ProviderKind::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<ProviderKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openai" | "openai-compatible" | "chat" => Some(ProviderKind::Openai),
            "deepl" => Some(ProviderKind::Deepl),
            "libretranslate" | "libre" => Some(ProviderKind::Libretranslate),
            "offline" => Some(ProviderKind::Offline),
            _ => None,
        }
    }

    /// Base URL used when none is configured.
    pub fn default_base_url(self, api_key: Option<&str>) -> Option<&'static str> {
        match self {
            ProviderKind::Openai => Some("https://api.openai.com/v1"),
            // DeepL API Free keys end in ":fx" and live on a separate host.
            ProviderKind::Deepl => Some(match api_key {
                Some(k) if k.ends_with(":fx") => "https://api-free.deepl.com",
                _ => "https://api.deepl.com",
            }),
            ProviderKind::Libretranslate => None,
            ProviderKind::Offline => None,
        }
    }

    /// Most segments sent in one request by default.
    pub fn default_batch_size(self) -> usize {
        match self {
            ProviderKind::Openai => 20,
            ProviderKind::Deepl => 50, // the API's limit per request
            ProviderKind::Libretranslate => 25,
            ProviderKind::Offline => 1000,
        }
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Prices of a provider, for cost accounting. All optional; amounts per million units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    /// ISO 4217 code of the prices.
    pub currency: String,
    #[serde(default)]
    pub per_million_chars: Option<Decimal>,
    #[serde(default)]
    pub per_million_input_tokens: Option<Decimal>,
    #[serde(default)]
    pub per_million_output_tokens: Option<Decimal>,
}

impl Pricing {
    pub fn is_priced(&self) -> bool {
        self.per_million_chars.is_some()
            || self.per_million_input_tokens.is_some()
            || self.per_million_output_tokens.is_some()
    }

    /// Cost of `chars` billed characters and the given tokens.
    pub fn cost(&self, chars: u64, tokens_in: u64, tokens_out: u64) -> Decimal {
        let million = Decimal::from(1_000_000u32);
        let part = |units: u64, price: Option<Decimal>| {
            price.map_or(Decimal::ZERO, |p| Decimal::from(units) * p / million)
        };
        part(chars, self.per_million_chars)
            + part(tokens_in, self.per_million_input_tokens)
            + part(tokens_out, self.per_million_output_tokens)
    }
}

/// A configured provider, with its API key in clear (in memory only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSettings {
    pub name: String,
    pub kind: ProviderKind,
    /// None = the kind's default ([`ProviderKind::default_base_url`]).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Chat model (`gpt-4o-mini`, `qwen2.5:7b` ...); DeepL: `quality_optimized` etc.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default, skip_serializing)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub batch_size: Option<usize>,
    /// Requests per minute this provider may receive from tradelane; None = no limit.
    #[serde(default)]
    pub requests_per_minute: Option<u32>,
    /// Per request, milliseconds. Default 30,000.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub pricing: Option<Pricing>,
}

impl std::fmt::Debug for ProviderSettings {
    /// The API key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("batch_size", &self.batch_size)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("timeout_ms", &self.timeout_ms)
            .field("pricing", &self.pricing)
            .finish()
    }
}

impl ProviderSettings {
    /// The built-in offline provider.
    pub fn offline() -> ProviderSettings {
        ProviderSettings {
            name: "offline".into(),
            kind: ProviderKind::Offline,
            base_url: None,
            model: None,
            api_key: None,
            batch_size: None,
            requests_per_minute: None,
            timeout_ms: None,
            pricing: None,
        }
    }

    pub fn base_url(&self) -> Option<String> {
        self.base_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_end_matches('/').to_string())
            .or_else(|| {
                self.kind
                    .default_base_url(self.api_key.as_deref())
                    .map(str::to_string)
            })
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size
            .filter(|&n| n > 0)
            .unwrap_or_else(|| self.kind.default_batch_size())
            .min(self.kind.default_batch_size().max(1) * 4)
    }

    /// Checks what can be checked without the network; messages name the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        if let Some(url) = self.base_url.as_deref().filter(|u| !u.trim().is_empty())
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(format!(
                "base_url: expected an http:// or https:// URL, got {url:?}"
            ));
        }
        match self.kind {
            ProviderKind::Libretranslate if self.base_url().is_none() => {
                Err("base_url: LibreTranslate needs the server's URL".into())
            }
            ProviderKind::Openai if self.model.as_deref().is_none_or(|m| m.trim().is_empty()) => {
                Err("model: an OpenAI-compatible endpoint needs a model name".into())
            }
            ProviderKind::Deepl if self.api_key.as_deref().is_none_or(str::is_empty) => {
                Err("api_key: DeepL needs an API key".into())
            }
            _ => Ok(()),
        }
    }
}
