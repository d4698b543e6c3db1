//! One translation run: memory first, then Chinese script conversion, then the provider in
//! batches; glossary given to the provider and checked afterwards; usage and cost counted.

use std::collections::HashMap;

use rust_decimal::Decimal;
use tradelane_listing_qa::Glossary;
use tradelane_tm::{TmIndex, TmMatch, TmQuery};

use crate::glossary::{batch_glossary, check_translation, glossary_hits};
use crate::model::{
    GlossaryHit, Origin, Outcome, Pricing, ProviderKind, SegmentResult, TranslateReport,
    TranslateRequest, Usage,
};
use crate::provider::{BatchRequest, Provider, convert_script};

/// Memory suggestions returned per segment.
pub const SUGGESTIONS: usize = 3;
/// Lowest score shown as a suggestion.
pub const SUGGESTION_MIN_SCORE: u8 = 70;
/// Most characters sent in one provider request (DeepL allows 128 KiB per request body).
pub const MAX_BATCH_CHARS: usize = 30_000;
/// Most segments in one run.
pub const MAX_SEGMENTS: usize = 2_000;

/// What a run uses besides the request.
pub struct Translator<'a, P: Provider> {
    pub provider: &'a P,
    pub tm: Option<&'a TmIndex>,
    pub glossary: Option<&'a Glossary>,
    pub pricing: Option<&'a Pricing>,
}

/// No letters at all (empty, numbers, symbols): nothing to translate.
fn nothing_to_translate(text: &str) -> bool {
    !text.chars().any(char::is_alphabetic)
}

impl<P: Provider> Translator<'_, P> {
    pub async fn run(&self, req: &TranslateRequest) -> TranslateReport {
        let marketplace = req.marketplace.as_deref().unwrap_or("");
        let (requests_before, retries_before) = self.provider.counters().get();
        let n = req.segments.len();
        let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
        let mut suggestions: Vec<Vec<TmMatch>> = vec![Vec::new(); n];
        let mut hits: Vec<Vec<GlossaryHit>> = vec![Vec::new(); n];
        let mut chars: Vec<u64> = vec![0; n];
        let mut costs: Vec<Option<Decimal>> = vec![None; n];
        let mut usage = Usage::default();
        let accept_fuzzy = req.accept_fuzzy_at.filter(|&s| (1..100).contains(&s));

        for (i, seg) in req.segments.iter().enumerate() {
            if let Some(g) = self.glossary {
                hits[i] = glossary_hits(g, &seg.text, &req.target_locale, marketplace);
            }
            if nothing_to_translate(&seg.text) {
                outcomes[i] = Some(Outcome::Ok {
                    text: seg.text.clone(),
                    origin: Origin::Unchanged,
                });
                continue;
            }
            if let Some(tm) = self.tm {
                let q = TmQuery::new(&req.source_locale, &req.target_locale, &seg.text)
                    .min_score(SUGGESTION_MIN_SCORE)
                    .limit(SUGGESTIONS);
                suggestions[i] = tm.lookup(&q);
            }
            if let Some(best) = suggestions[i].first() {
                if best.exact {
                    outcomes[i] = Some(Outcome::Ok {
                        text: best.target.clone(),
                        origin: Origin::TmExact {
                            segment_id: best.segment_id,
                        },
                    });
                    usage.segments_from_memory += 1;
                    continue;
                }
                if accept_fuzzy.is_some_and(|min| best.score >= min) {
                    outcomes[i] = Some(Outcome::Ok {
                        text: best.target.clone(),
                        origin: Origin::TmFuzzy {
                            segment_id: best.segment_id,
                            score: best.score,
                        },
                    });
                    usage.segments_from_memory += 1;
                    continue;
                }
            }
            if let Some(converted) =
                convert_script(&req.source_locale, &req.target_locale, &seg.text)
            {
                outcomes[i] = Some(Outcome::Ok {
                    text: converted,
                    origin: Origin::ScriptConversion,
                });
                usage.segments_translated += 1;
            }
        }

        // Distinct texts still to translate, in first-seen order.
        let mut order: Vec<&str> = Vec::new();
        let mut holders: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, seg) in req.segments.iter().enumerate() {
            if outcomes[i].is_none() {
                let e = holders.entry(seg.text.as_str()).or_default();
                if e.is_empty() {
                    order.push(seg.text.as_str());
                }
                e.push(i);
            }
        }
        let pricing = self.pricing.filter(|p| p.is_priced());
        let mut provider_used = false;
        let batch_size = self.provider.batch_size().max(1);
        let mut start = 0;
        while start < order.len() {
            let mut end = start;
            let mut batch_chars = 0usize;
            while end < order.len() && end - start < batch_size {
                let c = order[end].chars().count();
                if end > start && batch_chars + c > MAX_BATCH_CHARS {
                    break;
                }
                batch_chars += c;
                end += 1;
            }
            let texts: Vec<String> = order[start..end].iter().map(|s| s.to_string()).collect();
            let seg_hits = texts
                .iter()
                .filter_map(|t| holders.get(t.as_str()).and_then(|v| v.first()))
                .map(|&i| hits[i].as_slice());
            let bg = batch_glossary(self.glossary, seg_hits, &req.target_locale, marketplace);
            let batch = BatchRequest {
                source_locale: &req.source_locale,
                target_locale: &req.target_locale,
                texts: &texts,
                html: req.html,
                glossary: &bg,
            };
            provider_used = true;
            match self.provider.translate_batch(&batch).await {
                Ok(resp) if resp.texts.len() == texts.len() => {
                    let batch_cost =
                        pricing.map(|p| p.cost(resp.chars_billed, resp.tokens_in, resp.tokens_out));
                    usage.chars_billed += resp.chars_billed;
                    usage.tokens_in += resp.tokens_in;
                    usage.tokens_out += resp.tokens_out;
                    if let Some(c) = batch_cost {
                        usage.cost = Some(usage.cost.unwrap_or_default() + c);
                    }
                    let total_chars: u64 = texts
                        .iter()
                        .map(|t| t.chars().count() as u64)
                        .sum::<u64>()
                        .max(1);
                    let origin = if self.provider.kind() == ProviderKind::Offline {
                        Origin::Offline
                    } else {
                        Origin::Provider {
                            provider: self.provider.name().to_string(),
                            provider_kind: self.provider.kind(),
                            model: self.provider.model().map(str::to_string),
                        }
                    };
                    for (text, out) in texts.iter().zip(resp.texts) {
                        let own = text.chars().count() as u64;
                        let share_chars = resp.chars_billed * own / total_chars;
                        let share_cost =
                            batch_cost.map(|c| c * Decimal::from(own) / Decimal::from(total_chars));
                        // Identical source texts: the first holder carries the bill.
                        for (k, &i) in holders[text.as_str()].iter().enumerate() {
                            outcomes[i] = Some(Outcome::Ok {
                                text: out.clone(),
                                origin: origin.clone(),
                            });
                            if k == 0 {
                                chars[i] = share_chars;
                                costs[i] = share_cost;
                            }
                        }
                    }
                }
                Ok(resp) => {
                    let error = format!(
                        "the provider returned {} texts for {}",
                        resp.texts.len(),
                        texts.len()
                    );
                    for t in &texts {
                        for &i in &holders[t.as_str()] {
                            outcomes[i] = Some(Outcome::Failed {
                                error: error.clone(),
                                retryable: true,
                            });
                        }
                    }
                }
                Err(e) => {
                    for t in &texts {
                        for &i in &holders[t.as_str()] {
                            outcomes[i] = Some(Outcome::Failed {
                                error: e.to_string(),
                                retryable: e.is_retryable(),
                            });
                        }
                    }
                }
            }
            start = end;
        }

        let (requests_after, retries_after) = self.provider.counters().get();
        usage.requests = requests_after.saturating_sub(requests_before);
        usage.retries = retries_after.saturating_sub(retries_before);
        if usage.cost.is_some() {
            usage.currency = pricing.map(|p| p.currency.clone());
        }
        let mut results = Vec::with_capacity(n);
        for (i, seg) in req.segments.iter().enumerate() {
            let outcome = outcomes[i].take().unwrap_or(Outcome::Failed {
                error: "not translated".into(),
                retryable: true,
            });
            let findings = match (&outcome, self.glossary) {
                (Outcome::Ok { text, origin }, Some(g))
                    if origin.is_translation() && !matches!(origin, Origin::Unchanged) =>
                {
                    check_translation(
                        g,
                        &req.source_locale,
                        &seg.text,
                        &req.target_locale,
                        text,
                        marketplace,
                    )
                }
                _ => Vec::new(),
            };
            match &outcome {
                Outcome::Ok {
                    origin: Origin::Provider { .. } | Origin::Offline,
                    ..
                } => {
                    usage.segments_translated += 1;
                }
                Outcome::Failed { .. } => usage.segments_failed += 1,
                _ => {}
            }
            results.push(SegmentResult {
                id: seg.id.clone(),
                outcome,
                suggestions: std::mem::take(&mut suggestions[i]),
                glossary_hits: std::mem::take(&mut hits[i]),
                findings,
                chars_billed: chars[i],
                cost: costs[i],
            });
        }
        TranslateReport {
            source_locale: req.source_locale.clone(),
            target_locale: req.target_locale.clone(),
            provider: provider_used.then(|| self.provider.name().to_string()),
            provider_kind: provider_used.then(|| self.provider.kind()),
            results,
            usage,
        }
    }
}
