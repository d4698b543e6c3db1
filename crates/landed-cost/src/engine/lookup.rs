//! Rule lookup: longest-prefix match through the trie, the naive linear scan it is measured against,
//! and duty arithmetic.

use super::{FxCache, QuoteError};
use crate::hs::{HsDigits, PrefixIndex};
use crate::pack::{DutyRule, RulePack};
use crate::rate::{MeasureUnit, SpecificDuty};
use jiff::civil::Date;
use rust_decimal::Decimal;
use std::sync::Arc;
use tradelane_domain::Country;

/// Picks one rule among the applicable rules found at the same prefix depth: an origin-specific rule beats a
/// general one; two equally specific rules are an ambiguity.
fn pick<'a>(
    candidates: impl Iterator<Item = &'a Arc<DutyRule>>,
    context: impl Fn() -> String,
) -> Result<Option<&'a Arc<DutyRule>>, QuoteError> {
    let mut best: Option<&Arc<DutyRule>> = None;
    let mut tie: Option<&Arc<DutyRule>> = None;
    for rule in candidates {
        match best {
            None => best = Some(rule),
            Some(b) => {
                let (rs, bs) = (!rule.origins.is_empty(), !b.origins.is_empty());
                if rs && !bs {
                    best = Some(rule);
                    tie = None;
                } else if rs == bs {
                    tie = Some(rule);
                }
            }
        }
    }
    if let (Some(b), Some(t)) = (best, tie) {
        return Err(QuoteError::AmbiguousRules {
            context: context(),
            rule_ids: vec![b.meta.id.clone(), t.meta.id.clone()],
        });
    }
    Ok(best)
}

/// The base (MFN) duty rule for a code: the longest prefix with a rule in force for the origin and date.
pub fn find_base_duty<'a>(
    pack: &'a RulePack,
    territory: &str,
    code: &HsDigits,
    origin: Country,
    date: Date,
) -> Result<Option<&'a Arc<DutyRule>>, QuoteError> {
    find_in_trie(
        pack,
        pack.index.base_duty.get(territory),
        code,
        origin,
        date,
    )
}

/// [`find_base_duty`] on an already resolved territory trie.
pub(crate) fn find_in_trie<'a>(
    pack: &'a RulePack,
    trie: Option<&PrefixIndex>,
    code: &HsDigits,
    origin: Country,
    date: Date,
) -> Result<Option<&'a Arc<DutyRule>>, QuoteError> {
    let Some(trie) = trie else {
        return Ok(None);
    };
    for (_, items) in trie.matches(code) {
        let found = pick(
            items
                .iter()
                .map(|&i| &pack.duties[i as usize])
                .filter(|r| r.applies(code, origin, date)),
            || format!("duty for {code}"),
        )?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The same answer as [`find_base_duty`] by scanning every duty rule: the baseline for benchmarks and tests.
pub fn find_base_duty_linear<'a>(
    pack: &'a RulePack,
    territory: &str,
    code: &HsDigits,
    origin: Country,
    date: Date,
) -> Result<Option<&'a Arc<DutyRule>>, QuoteError> {
    let mut best_len = 0usize;
    let mut at_best: Vec<&Arc<DutyRule>> = Vec::new();
    for rule in &pack.duties {
        if rule.layer.is_some()
            || rule.territory != territory
            || !code.starts_with(&rule.prefix)
            || !rule.applies(code, origin, date)
        {
            continue;
        }
        let len = rule.prefix.len();
        if len > best_len {
            best_len = len;
            at_best.clear();
        }
        if len == best_len {
            at_best.push(rule);
        }
    }
    pick(at_best.into_iter(), || format!("duty for {code}"))
}

/// Additional duty rules for a code: per layer, the longest applicable prefix; layers stack.
pub(crate) fn find_additional<'a>(
    pack: &'a RulePack,
    trie: Option<&PrefixIndex>,
    code: &HsDigits,
    origin: Country,
    date: Date,
    out: &mut Vec<&'a Arc<DutyRule>>,
) -> Result<(), QuoteError> {
    let Some(trie) = trie else {
        return Ok(());
    };
    for (_, items) in trie.matches(code) {
        // Rules at this depth, per layer not yet filled.
        let mut layers: Vec<&str> = Vec::new();
        for &i in items {
            let r = &pack.duties[i as usize];
            if let Some(layer) = r.layer.as_deref()
                && r.applies(code, origin, date)
                && !layers.contains(&layer)
                && !out.iter().any(|o| o.layer.as_deref() == Some(layer))
            {
                layers.push(layer);
            }
        }
        for layer in layers {
            let found = pick(
                items
                    .iter()
                    .map(|&i| &pack.duties[i as usize])
                    .filter(|r| r.layer.as_deref() == Some(layer) && r.applies(code, origin, date)),
                || format!("additional duty '{layer}' for {code}"),
            )?;
            if let Some(r) = found {
                out.push(r);
            }
        }
    }
    Ok(())
}

/// The measure quantity a specific duty is charged on, or the unit that is missing.
fn measure(line: &super::QuoteLine, unit: MeasureUnit) -> Option<Decimal> {
    match unit {
        MeasureUnit::Kg => Some(line.net_weight_kg),
        MeasureUnit::Item | MeasureUnit::Pair => Some(line.quantity),
        MeasureUnit::Dozen => Some(line.quantity / Decimal::from(12)),
        MeasureUnit::Litre => line.volume_litres,
        MeasureUnit::SquareMetre => line.area_m2,
    }
}

fn specific_amount(
    part: &SpecificDuty,
    line: &super::QuoteLine,
    line_no: usize,
    rule_id: &str,
    fx: &mut FxCache<'_>,
) -> Result<Decimal, QuoteError> {
    let qty = measure(line, part.unit).ok_or_else(|| QuoteError::MissingMeasure {
        line: line_no,
        rule_id: rule_id.to_string(),
        unit: part.unit.name_en(),
    })?;
    let per_unit = part.amount / part.per_quantity;
    fx.convert(per_unit * qty, part.currency)
}

/// Duty of `rule` on a line with `customs_value` (destination currency), unrounded, with the clamp applied.
pub(crate) fn duty_amount(
    rule: &DutyRule,
    line: &super::QuoteLine,
    line_no: usize,
    customs_value: Decimal,
    fx: &mut FxCache<'_>,
) -> Result<(Decimal, Option<&'static str>), QuoteError> {
    let rate = &rule.rate;
    let mut duty = match rate.ad_valorem {
        Some(p) if !p.is_zero() => customs_value * p / Decimal::ONE_HUNDRED,
        _ => Decimal::ZERO,
    };
    for part in &rate.specific {
        duty += specific_amount(part, line, line_no, &rule.meta.id, fx)?;
    }
    let mut clamp = None;
    if let Some(min) = &rate.minimum {
        let floor = specific_amount(min, line, line_no, &rule.meta.id, fx)?;
        if duty < floor {
            duty = floor;
            clamp = Some("min");
        }
    }
    if let Some(max) = &rate.maximum {
        let ceiling = specific_amount(max, line, line_no, &rule.meta.id, fx)?;
        if duty > ceiling {
            duty = ceiling;
            clamp = Some("max");
        }
    }
    Ok((duty, clamp))
}
