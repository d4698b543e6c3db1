//! The seam between the workbench and the translation module: the workbench hands over the
//! fields of one listing as segments and gets one outcome per segment back.

use std::future::Future;
use std::pin::Pin;

use tradelane_store::Actor;

/// One field of a listing to translate (`title`, `bullet.2`, `description`, `search_terms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub id: String,
    pub text: String,
    /// The text holds HTML markup (a description): tags are kept, text translated.
    pub html: bool,
}

impl Segment {
    pub fn new(id: &str, text: &str, html: bool) -> Segment {
        Segment {
            id: id.to_string(),
            text: text.to_string(),
            html,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentOutcome {
    Ok {
        text: String,
    },
    /// The provider gave up on this segment after its retries.
    Failed {
        error: String,
    },
}

/// The answer for one listing: one outcome per segment, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentsReport {
    pub results: Vec<SegmentOutcome>,
    /// Label of what produced the text (`offline`, `opencc`, a provider's name), stored as the
    /// listing's origin.
    pub provider: String,
    /// Requests, characters, tokens and cost of the run (None: nothing was billed).
    pub usage: Option<tradelane_translate::Usage>,
}

pub type TranslateFuture<'a> =
    Pin<Box<dyn Future<Output = Result<SegmentsReport, String>> + Send + 'a>>;

/// Translates the segments of one listing. `Err` means nothing came back at all.
pub trait Translator: Send + Sync {
    fn translate<'a>(
        &'a self,
        actor: &'a Actor,
        source_locale: &'a str,
        target_locale: &'a str,
        segments: &'a [Segment],
    ) -> TranslateFuture<'a>;
}

/// The offline stand-in for demos and tests. It is not a translation and says so: every
/// segment comes back as `[offline → de-DE] <source text>`, which the QA engine flags as
/// untranslated, so such a listing cannot be approved unchanged. Simplified ↔ Traditional
/// Chinese is a real conversion (OpenCC tables) and is labelled `opencc`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineTranslator;

fn is_simplified(locale: &str) -> bool {
    matches!(locale, "zh-CN" | "zh-Hans" | "zh")
}

impl Translator for OfflineTranslator {
    fn translate<'a>(
        &'a self,
        _actor: &'a Actor,
        source_locale: &'a str,
        target_locale: &'a str,
        segments: &'a [Segment],
    ) -> TranslateFuture<'a> {
        Box::pin(async move {
            let convert: Option<fn(&str) -> Option<String>> =
                match (is_simplified(source_locale), target_locale) {
                    (true, "zh-Hant") => Some(tradelane_listing_qa::to_traditional),
                    (false, "zh-CN") if source_locale == "zh-Hant" => {
                        Some(tradelane_listing_qa::to_simplified)
                    }
                    _ => None,
                };
            let results = segments
                .iter()
                .map(|s| match convert {
                    Some(f) => match f(&s.text) {
                        Some(text) => SegmentOutcome::Ok { text },
                        None => SegmentOutcome::Failed {
                            error: "the Chinese conversion tables did not load".into(),
                        },
                    },
                    None => SegmentOutcome::Ok {
                        text: format!("[offline → {target_locale}] {}", s.text),
                    },
                })
                .collect();
            Ok(SegmentsReport {
                results,
                provider: if convert.is_some() {
                    "opencc"
                } else {
                    "offline"
                }
                .into(),
                usage: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use tradelane_store::OrgId;

    use super::*;

    #[tokio::test]
    async fn offline_output_is_labelled_and_chinese_script_is_converted() {
        let actor = Actor::cli(OrgId(1));
        let segs = [Segment::new("title", "充电宝 10000mAh 🔋", false)];
        let r = OfflineTranslator
            .translate(&actor, "zh-CN", "de-DE", &segs)
            .await
            .unwrap();
        assert_eq!(r.provider, "offline");
        assert_eq!(
            r.results,
            [SegmentOutcome::Ok {
                text: "[offline → de-DE] 充电宝 10000mAh 🔋".into()
            }]
        );
        let r = OfflineTranslator
            .translate(&actor, "zh-CN", "zh-Hant", &segs)
            .await
            .unwrap();
        assert_eq!(r.provider, "opencc");
        assert_eq!(
            r.results,
            [SegmentOutcome::Ok {
                text: "充電寶 10000mAh 🔋".into()
            }]
        );
    }
}
