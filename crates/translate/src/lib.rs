//! Machine translation for listings. Providers (OpenAI-compatible chat completions, DeepL,
//! LibreTranslate, and an offline stand-in that never pretends to translate) sit behind one
//! [`Provider`] trait; a [`Translator`] run looks each segment up in the translation memory
//! first, converts Simplified ↔ Traditional Chinese offline, sends the rest to the provider in
//! batches (rate-limited, retried with backoff on timeouts, 429 and 5xx, then reported per
//! segment), gives the provider the organisation glossary and checks the output against it,
//! and counts characters, tokens and cost. [`secret`] encrypts provider API keys at rest.
//!
//! This crate does network I/O (reqwest with rustls); the translation memory itself is the pure
//! `tradelane-tm` crate and the glossary checks are listing-qa's.

pub mod glossary;
pub mod glossary_csv;
pub mod http;
mod model;
pub mod provider;
pub mod secret;
mod translator;

pub use glossary::{check_translation, glossary_hits};
pub use http::{ProviderError, RetryPolicy};
pub use model::{
    GlossaryHit, GlossaryHitKind, Origin, Outcome, Pricing, ProviderKind, ProviderSettings,
    Segment, SegmentResult, TranslateReport, TranslateRequest, Usage,
};
pub use provider::offline::OFFLINE_MARK;
pub use provider::{AnyProvider, BatchGlossary, BatchRequest, BatchResponse, Provider};
pub use tradelane_tm::{TmIndex, TmMatch, TmQuery, TmSegment};
pub use translator::{MAX_SEGMENTS, Translator};
