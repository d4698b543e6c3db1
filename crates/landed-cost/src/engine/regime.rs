//! Low-value regimes, duties and import taxes.

use super::lookup::{duty_amount, find_additional, find_in_trie};
use super::*;
use std::collections::HashMap;

/// The regimes chosen for a consignment.
pub(crate) struct Regimes {
    pub duty: Option<Arc<LowValueRule>>,
    pub tax: Option<Arc<LowValueRule>>,
    /// Thresholds of the chosen regimes in the destination currency (for per-item tests on each line).
    pub duty_threshold: Option<Decimal>,
    pub tax_threshold: Option<Decimal>,
}

impl Regimes {
    pub fn outcome(&self, ctx: &Ctx<'_>) -> RegimeOutcome {
        let tax_treatment = self.tax.as_ref().map(|r| r.tax);
        let duty_treatment = self.duty.as_ref().map(|r| &r.duty);
        let summary = match (duty_treatment, tax_treatment) {
            (Some(DutyTreatment::Global { .. }), _) => "global_rate",
            (_, Some(TaxTreatment::AtSale)) => "collected_at_sale",
            (Some(DutyTreatment::Exempt), Some(TaxTreatment::Exempt)) => "exempt",
            (_, Some(TaxTreatment::Exempt)) => "tax_exempt",
            (Some(DutyTreatment::Exempt), _) => "duty_exempt",
            (Some(DutyTreatment::FlatPerCategory { .. }), _) => "flat_per_category",
            _ => "border",
        };
        let tax_collected_by = match tax_treatment {
            Some(TaxTreatment::AtSale) => Some(ctx.sale_collector()),
            Some(TaxTreatment::Exempt) => None,
            _ => Some(Collector::Border),
        };
        RegimeOutcome {
            duty_regime: self.duty.as_ref().map(|r| r.meta.id.clone()),
            tax_regime: self.tax.as_ref().map(|r| r.meta.id.clone()),
            summary,
            tax_collected_by,
        }
    }
}

fn compare(value: Decimal, threshold: Decimal, inclusive: bool) -> bool {
    if inclusive {
        value <= threshold
    } else {
        value < threshold
    }
}

/// True when the regime applies to this line (HS exclusions, per-item value limits).
fn applies_to_line(
    rule: &LowValueRule,
    w: &Work,
    line: &QuoteLine,
    threshold: Option<Decimal>,
) -> bool {
    if rule.exclude_hs.iter().any(|x| w.code.starts_with(x)) {
        return false;
    }
    match (rule.basis, threshold) {
        (ValueBasis::IntrinsicItem, Some(t)) => compare(w.value / line.quantity, t, rule.inclusive),
        _ => true,
    }
}

pub(crate) fn choose(
    ctx: &Ctx<'_>,
    fx: &mut FxCache<'_>,
    work: &[Work],
) -> Result<Regimes, QuoteError> {
    let req = ctx.req;
    let candidates = ctx
        .links
        .low_value
        .iter()
        .map(|&i| &ctx.pack.low_value[i as usize]);
    let intrinsic: Decimal = work.iter().map(|w| w.value).sum();
    let customs: Decimal = work.iter().map(|w| w.customs_value).sum();
    let mut normal: Option<(Decimal, Decimal)> = None;
    let mut qualified: Vec<&Arc<LowValueRule>> = Vec::new();
    for r in candidates {
        if !r.meta.in_force(req.date)
            || (!r.modes.is_empty() && !r.modes.contains(&req.mode))
            || (!r.origins.is_empty() && !req.lines.iter().all(|l| r.origins.contains(&l.origin)))
            || req
                .lines
                .iter()
                .any(|l| r.exclude_origins.contains(&l.origin))
            || (r.requires_marketplace && req.channel != SalesChannel::Marketplace)
        {
            continue;
        }
        if let Some(reg) = &r.requires_registration {
            let by_marketplace =
                r.marketplace_qualifies && req.channel == SalesChannel::Marketplace;
            if !by_marketplace && !ctx.has_registration(reg) {
                continue;
            }
        }
        if let Some((amount, currency)) = r.threshold {
            let t = fx.convert(amount, currency)?;
            let ok = match r.basis {
                ValueBasis::IntrinsicConsignment => compare(intrinsic, t, r.inclusive),
                ValueBasis::CustomsValueConsignment => compare(customs, t, r.inclusive),
                ValueBasis::IntrinsicItem => work
                    .iter()
                    .zip(&req.lines)
                    .any(|(w, l)| compare(w.value / l.quantity, t, r.inclusive)),
                ValueBasis::TaxAmount | ValueBasis::DutyAndTaxAmount => {
                    let (duty, tax) = match normal {
                        Some(n) => n,
                        None => {
                            let n = normal_amounts(ctx, fx, work)?;
                            normal = Some(n);
                            n
                        }
                    };
                    let amount = if r.basis == ValueBasis::TaxAmount {
                        tax
                    } else {
                        duty + tax
                    };
                    compare(amount, t, r.inclusive)
                }
            };
            if !ok {
                continue;
            }
        }
        qualified.push(r);
    }
    let best = |affects: &dyn Fn(&LowValueRule) -> bool,
                what: &str|
     -> Result<Option<Arc<LowValueRule>>, QuoteError> {
        let mut top: Vec<&Arc<LowValueRule>> = Vec::new();
        for r in qualified.iter().copied().filter(|r| affects(r)) {
            match top.first() {
                Some(t) if r.precedence < t.precedence => {}
                Some(t) if r.precedence == t.precedence => top.push(r),
                _ => top = vec![r],
            }
        }
        if top.len() > 1 {
            return Err(QuoteError::AmbiguousRules {
                context: format!("low-value regime for {what}"),
                rule_ids: top.iter().map(|r| r.meta.id.clone()).collect(),
            });
        }
        Ok(top.first().map(|r| Arc::clone(r)))
    };
    let duty = best(&|r| !matches!(r.duty, DutyTreatment::Unchanged), "duty")?;
    let tax = best(&|r| r.tax != TaxTreatment::Unchanged, "tax")?;
    let mut convert = |r: &Option<Arc<LowValueRule>>| -> Result<Option<Decimal>, QuoteError> {
        match r.as_ref().and_then(|r| r.threshold) {
            Some((a, c)) => Ok(Some(fx.convert(a, c)?)),
            None => Ok(None),
        }
    };
    let duty_threshold = convert(&duty)?;
    let tax_threshold = convert(&tax)?;
    Ok(Regimes {
        duty,
        tax,
        duty_threshold,
        tax_threshold,
    })
}

/// Duty and border tax the consignment would owe with no regime (for regimes keyed on an amount of tax).
fn normal_amounts(
    ctx: &Ctx<'_>,
    fx: &mut FxCache<'_>,
    work: &[Work],
) -> Result<(Decimal, Decimal), QuoteError> {
    let mut duty_total = Decimal::ZERO;
    let mut tax_total = Decimal::ZERO;
    let mut scratch = Vec::new();
    for (i, (w, line)) in work.iter().zip(&ctx.req.lines).enumerate() {
        scratch.clear();
        let duty = tariff(ctx, fx, w, line, i, &mut scratch, None)?;
        duty_total += duty;
        for t in select_taxes(ctx, &w.code, line) {
            if t.collection == TaxCollection::Import {
                tax_total += tax_amount(ctx, &t, w, duty).1;
            }
        }
    }
    Ok((duty_total, tax_total))
}

/// Tariff duty and additional duties of one line as components; returns the duty total.
fn tariff(
    ctx: &Ctx<'_>,
    fx: &mut FxCache<'_>,
    w: &Work,
    line: &QuoteLine,
    i: usize,
    out: &mut Vec<Component>,
    regime: Option<&Arc<LowValueRule>>,
) -> Result<Decimal, QuoteError> {
    let territory = ctx.market.customs_territory.as_str();
    let date = ctx.req.date;
    let with_line = |e: QuoteError| match e {
        QuoteError::AmbiguousRules { context, rule_ids } => QuoteError::AmbiguousRules {
            context: format!("line {}: {context}", i + 1),
            rule_ids,
        },
        other => other,
    };
    let rule = find_in_trie(ctx.pack, ctx.base_trie, &w.code, line.origin, date)
        .map_err(with_line)?
        .ok_or_else(|| QuoteError::UnknownHsCode {
            line: i + 1,
            hs_code: w.code.to_string(),
            territory: territory.to_string(),
            origin: line.origin.code().to_string(),
            date,
            hint: if ctx.base_trie.is_some_and(|t| t.has_longer(&w.code)) {
                " (this tariff has rates for longer codes under it: give the full national code)"
            } else {
                ""
            },
        })?;
    let (amount, clamp) = duty_amount(rule, line, i + 1, w.customs_value, fx)?;
    let amount = ctx.round(amount);
    let mut total = amount;
    out.push(Component {
        kind: ComponentKind::Duty,
        amount: ctx.money(amount),
        base: Some(ctx.money(w.customs_value)),
        rule: RuleRef::Duty(Arc::clone(rule)),
        regime: regime.cloned(),
        collected_by: Collector::Border,
        paid_by: ctx.importer_pays,
        detail: Detail::Tariff { clamp },
    });
    let mut extra = Vec::new();
    find_additional(
        ctx.pack,
        ctx.additional_trie,
        &w.code,
        line.origin,
        date,
        &mut extra,
    )
    .map_err(with_line)?;
    for rule in extra {
        let (amount, clamp) = duty_amount(rule, line, i + 1, w.customs_value, fx)?;
        let amount = ctx.round(amount);
        total += amount;
        out.push(Component {
            kind: ComponentKind::AdditionalDuty,
            amount: ctx.money(amount),
            base: Some(ctx.money(w.customs_value)),
            rule: RuleRef::Duty(Arc::clone(rule)),
            regime: None,
            collected_by: Collector::Border,
            paid_by: ctx.importer_pays,
            detail: Detail::Tariff { clamp },
        });
    }
    Ok(total)
}

pub(crate) fn apply_duties(
    ctx: &Ctx<'_>,
    fx: &mut FxCache<'_>,
    work: &mut [Work],
    regimes: &Regimes,
) -> Result<(), QuoteError> {
    let regime = regimes.duty.as_ref();
    let threshold = regimes.duty_threshold;
    let mut categories_seen: HashMap<HsDigits, ()> = HashMap::new();
    // Deductions (Brazil) are shared across the lines the regime covers, in proportion to customs value.
    let mut deduction_left = match regime.map(|r| &r.duty) {
        Some(DutyTreatment::AdValorem {
            deduction: Some((a, c)),
            ..
        }) => Some(ctx.round(fx.convert(*a, *c)?)),
        _ => None,
    };
    let covered_value: Decimal = match regime {
        Some(r) => work
            .iter()
            .zip(&ctx.req.lines)
            .filter(|(w, l)| applies_to_line(r, w, l, threshold))
            .map(|(w, _)| w.customs_value)
            .sum(),
        None => Decimal::ZERO,
    };
    let covered_count = match regime {
        Some(r) => work
            .iter()
            .zip(&ctx.req.lines)
            .filter(|(w, l)| applies_to_line(r, w, l, threshold))
            .count(),
        None => 0,
    };
    let mut covered_seen = 0usize;
    for (i, (w, line)) in work.iter_mut().zip(&ctx.req.lines).enumerate() {
        let active = regime.filter(|r| applies_to_line(r, w, line, threshold));
        let mut comps = std::mem::take(&mut w.components);
        let base = Some(ctx.money(w.customs_value));
        let collected_by = Collector::Border;
        let duty_total = match active.map(|r| (r, &r.duty)) {
            None | Some((_, DutyTreatment::Unchanged)) => {
                tariff(ctx, fx, w, line, i, &mut comps, None)?
            }
            Some((r, DutyTreatment::Normal)) => tariff(ctx, fx, w, line, i, &mut comps, Some(r))?,
            Some((r, DutyTreatment::Exempt)) => {
                comps.push(Component {
                    kind: ComponentKind::Duty,
                    amount: ctx.money(Decimal::ZERO),
                    base,
                    rule: RuleRef::LowValue(Arc::clone(r)),
                    regime: Some(Arc::clone(r)),
                    collected_by,
                    paid_by: ctx.importer_pays,
                    detail: Detail::DutyExempt,
                });
                Decimal::ZERO
            }
            Some((
                r,
                DutyTreatment::FlatPerCategory {
                    amount,
                    currency,
                    digits,
                },
            )) => {
                let category = w.code.truncated(*digits as usize);
                if categories_seen.insert(category, ()).is_none() {
                    let value = ctx.round(fx.convert(*amount, *currency)?);
                    comps.push(Component {
                        kind: ComponentKind::FlatDuty,
                        amount: ctx.money(value),
                        base: None,
                        rule: RuleRef::LowValue(Arc::clone(r)),
                        regime: Some(Arc::clone(r)),
                        collected_by,
                        paid_by: ctx.importer_pays,
                        detail: Detail::FlatPerCategory {
                            category: category.to_string(),
                            per_category: Money::new(*amount, *currency),
                        },
                    });
                    value
                } else {
                    Decimal::ZERO
                }
            }
            Some((r, DutyTreatment::AdValorem { rate, .. })) => {
                let gross = ctx.round(w.customs_value * rate / Decimal::ONE_HUNDRED);
                covered_seen += 1;
                let deduction = match deduction_left.as_mut() {
                    Some(left) => {
                        let share = if covered_seen == covered_count || covered_value.is_zero() {
                            *left
                        } else {
                            ctx.round(*left * w.customs_value / covered_value)
                                .min(*left)
                        };
                        *left -= share;
                        Some(share.min(gross))
                    }
                    None => None,
                };
                let net = gross - deduction.unwrap_or_default();
                comps.push(Component {
                    kind: ComponentKind::Duty,
                    amount: ctx.money(net),
                    base,
                    rule: RuleRef::LowValue(Arc::clone(r)),
                    regime: Some(Arc::clone(r)),
                    collected_by,
                    paid_by: ctx.importer_pays,
                    detail: Detail::RegimeRate {
                        rate: *rate,
                        deduction: deduction.map(|d| ctx.money(d)),
                    },
                });
                net
            }
            Some((r, DutyTreatment::Global { rate })) => {
                let amount = ctx.round(w.customs_value * rate / Decimal::ONE_HUNDRED);
                comps.push(Component {
                    kind: ComponentKind::GlobalTax,
                    amount: ctx.money(amount),
                    base,
                    rule: RuleRef::LowValue(Arc::clone(r)),
                    regime: Some(Arc::clone(r)),
                    collected_by,
                    paid_by: ctx.importer_pays,
                    detail: Detail::Global { rate: *rate },
                });
                Decimal::ZERO
            }
        };
        w.duty_total = duty_total;
        w.components = comps;
    }
    Ok(())
}

/// The taxes that apply to a line: per tax name, a category rule, else the longest HS prefix, else the standard
/// rate; subdivision rules before country rules; then taxes replaced by another selected tax are dropped.
pub(crate) fn select_taxes(ctx: &Ctx<'_>, code: &HsDigits, line: &QuoteLine) -> Vec<Arc<TaxRule>> {
    let mut chosen: Vec<Arc<TaxRule>> = Vec::new();
    let Some(index) = ctx.pack.index.taxes.get(&ctx.req.destination.country) else {
        return chosen;
    };
    let date = ctx.req.date;
    let sub = ctx.req.destination.subdivision;
    let ok = |r: &TaxRule| r.meta.in_force(date) && r.subdivision.is_none_or(|s| Some(s) == sub);
    if let Some(category) = line.category.as_deref() {
        let category = category.trim().to_ascii_lowercase();
        for pass_sub in [true, false] {
            for &i in &index.by_category {
                let r = &ctx.pack.taxes[i as usize];
                if r.subdivision.is_some() == pass_sub
                    && ok(r)
                    && r.category.as_deref() == Some(category.as_str())
                    && !chosen.iter().any(|c| c.tax == r.tax)
                {
                    chosen.push(Arc::clone(r));
                }
            }
        }
    }
    for (_, items) in index.by_prefix.matches(code) {
        for pass_sub in [true, false] {
            for &i in items {
                let r = &ctx.pack.taxes[i as usize];
                if r.subdivision.is_some() == pass_sub
                    && ok(r)
                    && !chosen.iter().any(|c| c.tax == r.tax)
                {
                    chosen.push(Arc::clone(r));
                }
            }
        }
    }
    let replaced: Vec<String> = chosen
        .iter()
        .flat_map(|c| c.replaces.iter().cloned())
        .collect();
    chosen.retain(|c| !replaced.contains(&c.tax));
    chosen
}

/// Base and amount (both rounded) of a tax on a line.
fn tax_amount(ctx: &Ctx<'_>, rule: &TaxRule, w: &Work, duty_total: Decimal) -> (Decimal, Decimal) {
    let tb = ctx.market.tax_base;
    let mut base = w.customs_value;
    if tb.duty {
        base += duty_total;
    }
    if tb.freight_insurance && ctx.market.valuation == Valuation::Fob {
        base += w.share;
    }
    if tb.fees {
        base += w.fees_in_base;
    }
    let rate = rule.rate / Decimal::ONE_HUNDRED;
    if rule.inclusive_base {
        base /= Decimal::ONE - rate;
    }
    let base = ctx.round(base);
    (base, ctx.round(base * rate))
}

pub(crate) fn apply_taxes(
    ctx: &Ctx<'_>,
    work: &mut [Work],
    regimes: &Regimes,
    notes: &mut Vec<String>,
) -> Result<(), QuoteError> {
    let regime = regimes.tax.as_ref();
    let global = regimes
        .duty
        .as_ref()
        .filter(|r| matches!(r.duty, DutyTreatment::Global { .. }));
    let mut noted_sales_tax = false;
    for (w, line) in work.iter_mut().zip(&ctx.req.lines) {
        let active = regime.filter(|r| applies_to_line(r, w, line, regimes.tax_threshold));
        let global_active =
            global.is_some_and(|r| applies_to_line(r, w, line, regimes.duty_threshold));
        for rule in select_taxes(ctx, &w.code, line) {
            if rule.collection == TaxCollection::Sale {
                let registered = rule
                    .subdivision
                    .is_some_and(|s| ctx.has_registration(s.code()));
                if ctx.req.channel != SalesChannel::Marketplace && !registered {
                    if !noted_sales_tax {
                        notes.push(format!(
                            "{} {}% not included: collected at sale only by a marketplace facilitator or a seller registered in {} (economic nexus); add the registration to include it",
                            rule.tax,
                            rule.rate.normalize(),
                            rule.subdivision.map(|s| s.code()).unwrap_or(ctx.req.destination.country.code())
                        ));
                        noted_sales_tax = true;
                    }
                    continue;
                }
                let base = w.value;
                let rate = rule.rate;
                let amount = ctx.round(base * rate / Decimal::ONE_HUNDRED);
                w.components.push(Component {
                    kind: ComponentKind::SalesTax,
                    amount: ctx.money(amount),
                    base: Some(ctx.money(base)),
                    rule: RuleRef::Tax(rule),
                    regime: None,
                    collected_by: ctx.sale_collector(),
                    paid_by: Payer::Buyer,
                    detail: Detail::Tax {
                        rate,
                        inclusive: false,
                    },
                });
                continue;
            }
            if global_active {
                continue;
            }
            let (base, amount) = tax_amount(ctx, &rule, w, w.duty_total);
            let rate = rule.rate;
            let (amount, collected_by, paid_by, detail) = match active.map(|r| r.tax) {
                Some(TaxTreatment::Exempt) => (
                    Decimal::ZERO,
                    Collector::Border,
                    ctx.importer_pays,
                    Detail::TaxExempt,
                ),
                Some(TaxTreatment::AtSale) => (
                    amount,
                    ctx.sale_collector(),
                    Payer::Buyer,
                    Detail::Tax {
                        rate,
                        inclusive: rule.inclusive_base,
                    },
                ),
                Some(TaxTreatment::Included) => continue,
                _ => (
                    amount,
                    Collector::Border,
                    ctx.importer_pays,
                    Detail::Tax {
                        rate,
                        inclusive: rule.inclusive_base,
                    },
                ),
            };
            w.components.push(Component {
                kind: ComponentKind::ImportTax,
                amount: ctx.money(amount),
                base: Some(ctx.money(base)),
                rule: RuleRef::Tax(rule),
                regime: active.cloned(),
                collected_by,
                paid_by,
                detail,
            });
        }
    }
    Ok(())
}
