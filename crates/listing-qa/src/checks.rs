//! Checks that compare the target with the source listing and the glossary.

use rust_decimal::Decimal;

use crate::engine::{QaEngine, models, number_values};
use crate::finding::{Field, NewFinding};
use crate::glossary::{Glossary, find_folded};
use crate::locale::Locale;
use crate::model::{FieldKind, Finding, Listing, Severity, SourceListing};
use crate::numbers::{measurements, numbers};
use crate::text::{Folded, fold};
use crate::units;

/// Source text per field kind (bullets joined: translators merge and reorder bullets).
fn source_text(src: &SourceListing, kind: FieldKind) -> String {
    match kind {
        FieldKind::Title => src.title.clone(),
        FieldKind::Bullet => src.bullets.join("\n"),
        FieldKind::Description => src.description.clone(),
        FieldKind::SearchTerms => src.search_terms.clone(),
    }
}

/// The first target field of a kind, where an absence is reported.
fn anchor_field<'a>(fields: &[Field<'a>], kind: FieldKind) -> Option<Field<'a>> {
    fields
        .iter()
        .find(|f| f.field.kind() == kind && !f.text.is_empty())
        .copied()
}

pub fn glossary(
    g: &Glossary,
    source: Option<&SourceListing>,
    listing: &Listing,
    fields: &[Field<'_>],
    folded: &[Folded],
    out: &mut Vec<Finding>,
) {
    // forbidden terms and altered do-not-translate terms: target only
    for (field, fd) in fields.iter().zip(folded) {
        for f in g
            .forbidden
            .iter()
            .filter(|f| f.applies(&listing.locale, &listing.marketplace))
        {
            for (s, e) in find_folded(fd, &fold(f.term.trim())) {
                let Some(r) = fd.original_range(s, e) else {
                    continue;
                };
                out.push(field.finding(
                    Some(r),
                    NewFinding {
                        rule_id: "glossary.forbidden",
                        entry_id: Some(&f.term),
                        severity: Severity::Error,
                        en: format!(
                                "'{}' is on the organisation's forbidden list for this market{}",
                                &field.text[r.0..r.1],
                                f.note
                                    .as_deref()
                                    .map(|n| format!(": {n}"))
                                    .unwrap_or_else(|| ".".into())
                            ),
                        zh: format!("“{}”在本组织该市场的禁用词表中。", &field.text[r.0..r.1]),
                        fix: Some(String::new()),
                        source: f.note.as_deref(),
                    },
                ));
            }
        }
        for term in &g.do_not_translate {
            let term = term.trim();
            for (s, e) in find_folded(fd, &fold(term)) {
                let Some(r) = fd.original_range(s, e) else {
                    continue;
                };
                let shown = &field.text[r.0..r.1];
                if shown != term {
                    out.push(field.finding(
                        Some(r),
                        NewFinding {
                            rule_id: "glossary.do_not_translate_altered",
                            entry_id: Some(term),
                            severity: Severity::Warning,
                            en: format!("'{shown}' must be written exactly as '{term}' (do-not-translate term)."),
                            zh: format!("“{shown}”必须原样写作“{term}”（不翻译词）。"),
                            fix: Some(term.to_string()),
                            source: None,
                        },
                    ));
                }
            }
        }
    }
    let Some(src) = source else { return };
    for kind in FieldKind::ALL {
        let src_text = source_text(src, kind);
        if src_text.trim().is_empty() {
            continue;
        }
        let Some(anchor) = anchor_field(fields, kind) else {
            continue;
        };
        let src_f = Folded::new(&src_text);
        let targets: Vec<(&Field<'_>, &Folded)> = fields
            .iter()
            .zip(folded)
            .filter(|(f, _)| f.field.kind() == kind)
            .collect();
        let present = |needle: &str| {
            targets
                .iter()
                .any(|(_, fd)| !find_folded(fd, needle).is_empty())
        };
        for term in &g.do_not_translate {
            let t = fold(term.trim());
            if !find_folded(&src_f, &t).is_empty() && !present(&t) {
                out.push(anchor.finding(
                    None,
                    NewFinding {
                        rule_id: "glossary.do_not_translate_missing",
                        entry_id: Some(term),
                        severity: Severity::Error,
                        en: format!(
                            "'{term}' (do not translate) is in the source {} but not in the target; it was translated or dropped.",
                            kind.as_str()
                        ),
                        zh: format!("不翻译词“{term}”在原文{}中，译文中却没有：被翻译或遗漏。", kind.as_zh()),
                        fix: None,
                        source: None,
                    },
                ));
            }
        }
        // search terms are keywords chosen per market, not translations of the source
        for gt in g.terms.iter().filter(|_| kind != FieldKind::SearchTerms) {
            let Some(want) = gt.translation_for(&listing.locale) else {
                continue;
            };
            let src_term = fold(gt.source.trim());
            if find_folded(&src_f, &src_term).is_empty() || present(&fold(want.trim())) {
                continue;
            }
            // where the source term was left as is, point at it
            let left: Option<(&Field<'_>, (usize, usize))> = targets.iter().find_map(|(f, fd)| {
                find_folded(fd, &src_term)
                    .first()
                    .and_then(|&(s, e)| fd.original_range(s, e))
                    .map(|r| (*f, r))
            });
            let (f, span) = match left {
                Some((f, r)) if fold(want.trim()) != src_term => (*f, Some(r)),
                _ => (anchor, None),
            };
            out.push(f.finding(
                span,
                NewFinding {
                    rule_id: "glossary.missing_translation",
                    entry_id: Some(&gt.source),
                    severity: Severity::Warning,
                    en: format!(
                        "Glossary: '{}' in the source {} must be translated as '{want}' for {}.",
                        gt.source,
                        kind.as_str(),
                        listing.locale
                    ),
                    zh: format!(
                        "术语表：原文{}中的“{}”在 {} 应译为“{want}”。",
                        kind.as_zh(),
                        gt.source,
                        listing.locale
                    ),
                    fix: span.map(|_| want.to_string()),
                    source: None,
                },
            ));
        }
    }
}

/// Numbers, measurements and model numbers of the source must survive in the target.
pub fn preservation(
    engine: &QaEngine,
    src: &SourceListing,
    locale: &Locale,
    fields: &[Field<'_>],
    out: &mut Vec<Finding>,
) {
    let src_locale = Locale::parse(&src.locale);
    let src_comma = src_locale.uses_decimal_comma();
    let tgt_comma = locale.uses_decimal_comma();
    let number_words: Vec<String> = engine
        .profile(&locale.lang)
        .map(|p| p.number_words.iter().map(|w| fold(w)).collect())
        .unwrap_or_default();
    let all_target: String = fields.iter().map(|f| f.text).collect::<Vec<_>>().join("\n");
    for kind in [FieldKind::Title, FieldKind::Bullet, FieldKind::Description] {
        let src_text = source_text(src, kind);
        let Some(anchor) = anchor_field(fields, kind) else {
            continue;
        };
        let tgt_text: String = fields
            .iter()
            .filter(|f| f.field.kind() == kind)
            .map(|f| f.text)
            .collect::<Vec<_>>()
            .join("\n");
        let tgt_values = number_values(&tgt_text, tgt_comma);
        let tgt_measures = measurements(&tgt_text, tgt_comma, engine.units_matcher());
        let src_measures = measurements(&src_text, src_comma, engine.units_matcher());
        let tgt_folded = Folded::new(&tgt_text);
        let word_present = |v: Decimal| -> bool {
            let Ok(i) = usize::try_from(v.trunc().mantissa()) else {
                return false;
            };
            if v.fract() != Decimal::ZERO || v.scale() != 0 {
                return false;
            }
            number_words
                .get(i)
                .is_some_and(|w| !find_folded(&tgt_folded, w).is_empty())
        };
        let src_models = models(&src_text);
        let mut reported: Vec<Decimal> = Vec::new();
        for n in numbers(&src_text, src_comma) {
            if src_models.iter().any(|&(s, e)| n.start >= s && n.end <= e) {
                continue;
            }
            if n.values.iter().any(|v| tgt_values.contains(v))
                || n.values.iter().any(|&v| word_present(v))
            {
                continue;
            }
            // converted instead of copied: "30 cm" shown as "11.8 in"
            let converted = src_measures
                .iter()
                .filter(|m| m.numbers.iter().any(|x| x.start == n.start))
                .any(|m| {
                    tgt_measures.iter().any(|t| {
                        t.numbers.iter().any(|tn| {
                            units::convert(
                                engine.unit_defs(),
                                n.value(),
                                m.unit,
                                t.unit,
                                locale.region.as_deref() == Some("GB"),
                            )
                            .is_some_and(|e| {
                                let tol = (e.abs() * Decimal::new(2, 2))
                                    .max(Decimal::new(5, tn.scale + 1));
                                (tn.value() - e).abs() <= tol
                            })
                        })
                    })
                });
            if converted || reported.contains(&n.value()) {
                continue;
            }
            reported.push(n.value());
            let shown = &src_text[n.start..n.end];
            out.push(anchor.finding(
                None,
                NewFinding {
                    rule_id: "numbers.missing",
                    entry_id: None,
                    severity: Severity::Warning,
                    en: format!(
                        "The number {shown} in the source {} does not appear in the target {} (decimal commas and thousand separators allowed).",
                        kind.as_str(),
                        kind.as_str()
                    ),
                    zh: format!("原文{}中的数字 {shown} 在译文{}中找不到（已允许小数逗号和千位分隔符）。", kind.as_zh(), kind.as_zh()),
                    fix: None,
                    source: None,
                },
            ));
        }
        let norm = |s: &str| -> String {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let tgt_models: Vec<(usize, usize)> = models(&tgt_text);
        for &(s, e) in &src_models {
            let token = &src_text[s..e];
            if tgt_text.contains(token) {
                continue;
            }
            let wanted = norm(token);
            let altered = fields
                .iter()
                .filter(|f| f.field.kind() == kind)
                .find_map(|f| {
                    models(f.text)
                        .into_iter()
                        .chain(spaced_models(f.text, &wanted))
                        .find(|&(a, b)| norm(&f.text[a..b]) == wanted)
                        .map(|r| (*f, r))
                });
            if let Some((f, r)) = altered {
                out.push(f.finding(
                    Some(r),
                    NewFinding {
                        rule_id: "model.altered",
                        entry_id: None,
                        severity: Severity::Info,
                        en: format!("Model number written differently from the source '{token}'."),
                        zh: format!("型号写法与原文“{token}”不同。"),
                        fix: Some(token.to_string()),
                        source: None,
                    },
                ));
                continue;
            }
            if all_target.contains(token)
                || tgt_models
                    .iter()
                    .any(|&(a, b)| norm(&tgt_text[a..b]) == wanted)
            {
                continue;
            }
            out.push(anchor.finding(
                None,
                NewFinding {
                    rule_id: "model.missing",
                    entry_id: None,
                    severity: Severity::Warning,
                    en: format!(
                        "Model number '{token}' from the source {} is missing in the target.",
                        kind.as_str()
                    ),
                    zh: format!("原文{}中的型号“{token}”在译文中缺失。", kind.as_zh()),
                    fix: None,
                    source: None,
                },
            ));
        }
    }
}

/// Ranges of `text` that spell `wanted` (alphanumerics only) with spaces or hyphens
/// between the parts, e.g. "XR 200" for "XR-200".
fn spaced_models(text: &str, wanted: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    for start in 0..b.len() {
        if !b[start].is_ascii_alphanumeric() || (start > 0 && b[start - 1].is_ascii_alphanumeric())
        {
            continue;
        }
        let mut k = 0;
        let mut j = start;
        let w = wanted.as_bytes();
        while j < b.len() && k < w.len() {
            if b[j].to_ascii_lowercase() == w[k] {
                k += 1;
                j += 1;
            } else if matches!(b[j], b' ' | b'-' | b'_' | b'.' | b'/') && k > 0 {
                j += 1;
            } else {
                break;
            }
        }
        if k == w.len() && (j == b.len() || !b[j].is_ascii_alphanumeric()) {
            out.push((start, j));
        }
    }
    out
}
