//! The organisation glossary applied to one segment: which entries it triggers (given to the
//! provider) and the `glossary.*` findings of listing-qa on the translated text.

use std::sync::LazyLock;

use tradelane_listing_qa::text::{Folded, at_word_boundaries, fold};
use tradelane_listing_qa::{CheckInput, Finding, Glossary, Listing, QaEngine, SourceListing};

use crate::model::{GlossaryHit, GlossaryHitKind};
use crate::provider::BatchGlossary;

static ENGINE: LazyLock<Option<QaEngine>> = LazyLock::new(|| QaEngine::new().ok());

fn contains_term(hay: &Folded, term: &str) -> bool {
    let needle = fold(term.trim());
    !needle.is_empty()
        && hay
            .text
            .match_indices(needle.as_str())
            .any(|(at, m)| at_word_boundaries(&hay.text, at, at + m.len()))
}

/// Glossary entries that apply to `source` when translating into `target_locale` on
/// `marketplace`: terms with a translation for the locale, do-not-translate terms present,
/// and forbidden terms of that market that already appear in the source.
pub fn glossary_hits(
    glossary: &Glossary,
    source: &str,
    target_locale: &str,
    marketplace: &str,
) -> Vec<GlossaryHit> {
    let hay = Folded::new(source);
    let mut hits = Vec::new();
    for t in &glossary.terms {
        if let Some(required) = t.translation_for(target_locale)
            && contains_term(&hay, &t.source)
        {
            hits.push(GlossaryHit {
                kind: GlossaryHitKind::Term,
                term: t.source.clone(),
                required: Some(required.to_string()),
                note: None,
            });
        }
    }
    for d in &glossary.do_not_translate {
        if contains_term(&hay, d) {
            hits.push(GlossaryHit {
                kind: GlossaryHitKind::DoNotTranslate,
                term: d.clone(),
                required: Some(d.clone()),
                note: None,
            });
        }
    }
    for f in &glossary.forbidden {
        if f.applies(target_locale, marketplace) && contains_term(&hay, &f.term) {
            hits.push(GlossaryHit {
                kind: GlossaryHitKind::Forbidden,
                term: f.term.clone(),
                required: None,
                note: f.note.clone(),
            });
        }
    }
    hits
}

/// Most forbidden terms listed in a prompt (the check afterwards covers all of them).
const MAX_FORBIDDEN_IN_PROMPT: usize = 100;

/// What the provider is told for a batch: the term and do-not-translate hits of its
/// segments, and the market's forbidden terms.
pub fn batch_glossary<'a>(
    glossary: Option<&Glossary>,
    hits: impl IntoIterator<Item = &'a [GlossaryHit]>,
    target_locale: &str,
    marketplace: &str,
) -> BatchGlossary {
    let mut out = BatchGlossary::default();
    for seg in hits {
        for h in seg {
            match (h.kind, &h.required) {
                (GlossaryHitKind::Term, Some(r)) => {
                    let pair = (h.term.clone(), r.clone());
                    if !out.terms.contains(&pair) {
                        out.terms.push(pair);
                    }
                }
                (GlossaryHitKind::DoNotTranslate, _) if !out.do_not_translate.contains(&h.term) => {
                    out.do_not_translate.push(h.term.clone());
                }
                _ => {}
            }
        }
    }
    if let Some(g) = glossary {
        out.forbidden = g
            .forbidden
            .iter()
            .filter(|f| f.applies(target_locale, marketplace))
            .map(|f| f.term.clone())
            .take(MAX_FORBIDDEN_IN_PROMPT)
            .collect();
    }
    out
}

/// listing-qa's `glossary.*` findings for one translated segment (spans refer to
/// `translated`, reported as the listing title).
pub fn check_translation(
    glossary: &Glossary,
    source_locale: &str,
    source: &str,
    target_locale: &str,
    translated: &str,
    marketplace: &str,
) -> Vec<Finding> {
    let Some(engine) = ENGINE.as_ref() else {
        return Vec::new();
    };
    let listing = Listing {
        marketplace: marketplace.to_string(),
        locale: target_locale.to_string(),
        title: translated.to_string(),
        ..Default::default()
    };
    let src = SourceListing {
        locale: source_locale.to_string(),
        title: source.to_string(),
        ..Default::default()
    };
    let input = CheckInput {
        source: Some(&src),
        glossary: Some(glossary),
        ..CheckInput::new(&listing)
    };
    engine
        .check(&input)
        .into_iter()
        .filter(|f| f.rule_id.starts_with("glossary."))
        .collect()
}

#[cfg(test)]
mod tests {
    use tradelane_listing_qa::{ForbiddenTerm, GlossaryTerm};

    use super::*;

    fn glossary() -> Glossary {
        Glossary {
            terms: vec![GlossaryTerm {
                source: "充电宝".into(),
                translations: [("de".to_string(), "Powerbank".to_string())]
                    .into_iter()
                    .collect(),
            }],
            do_not_translate: vec!["Anker".into(), "A1263".into()],
            forbidden: vec![ForbiddenTerm {
                term: "antibakteriell".into(),
                markets: vec!["DE".into()],
                note: Some("biocide claim".into()),
            }],
        }
    }

    #[test]
    fn hits_in_source() {
        let g = glossary();
        let hits = glossary_hits(&g, "Anker 充电宝 A1263", "de-DE", "amazon");
        let kinds: Vec<_> = hits.iter().map(|h| (h.kind, h.term.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (GlossaryHitKind::Term, "充电宝"),
                (GlossaryHitKind::DoNotTranslate, "Anker"),
                (GlossaryHitKind::DoNotTranslate, "A1263"),
            ]
        );
        assert!(
            glossary_hits(&g, "Anker 充电宝", "fr-FR", "amazon")
                .iter()
                .all(|h| h.kind != GlossaryHitKind::Term)
        );
        let b = batch_glossary(Some(&g), [hits.as_slice()], "de-DE", "amazon");
        assert_eq!(
            b.terms,
            vec![("充电宝".to_string(), "Powerbank".to_string())]
        );
        assert_eq!(b.forbidden, vec!["antibakteriell".to_string()]);
        assert!(
            batch_glossary(Some(&g), [], "en-US", "amazon")
                .forbidden
                .is_empty()
        );
    }

    #[test]
    fn findings_after_translation() {
        let g = glossary();
        let bad = check_translation(
            &g,
            "zh-CN",
            "Anker 充电宝",
            "de-DE",
            "Ankr Akku antibakteriell",
            "amazon",
        );
        let ids: Vec<&str> = bad.iter().map(|f| f.rule_id.as_str()).collect();
        assert!(ids.contains(&"glossary.forbidden"), "{ids:?}");
        assert!(
            ids.iter()
                .any(|i| i.starts_with("glossary.do_not_translate")),
            "{ids:?}"
        );
        assert!(ids.contains(&"glossary.missing_translation"), "{ids:?}");
        let good = check_translation(
            &g,
            "zh-CN",
            "Anker 充电宝",
            "de-DE",
            "Anker Powerbank",
            "amazon",
        );
        assert!(good.is_empty(), "{good:?}");
    }
}
