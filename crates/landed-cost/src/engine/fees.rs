//! Fees: customs processing (US MPF), harbour maintenance (HMF), national parcel fees, carrier fees.

use super::*;
use std::collections::HashSet;

/// Adds the fees of one pass: `before_tax` = fees on the customs value (some enter the tax base), else fees on
/// duty and tax (carrier disbursement). Consignment fees go to `shipment`; fees in the tax base are also
/// shared out to the lines by customs value so the tax base can include them.
pub(crate) fn apply(
    ctx: &Ctx<'_>,
    fx: &mut FxCache<'_>,
    work: &mut [Work],
    shipment: &mut Vec<Component>,
    before_tax: bool,
) -> Result<(), QuoteError> {
    let req = ctx.req;
    if ctx.links.fees.is_empty() {
        return Ok(());
    }
    let rules = ctx.links.fees.iter().map(|&i| &ctx.pack.fees[i as usize]);
    let intrinsic: Decimal = work.iter().map(|w| w.value).sum();
    let customs: Decimal = work.iter().map(|w| w.customs_value).sum();
    for rule in rules {
        if (rule.basis == FeeBasis::CustomsValue) != before_tax
            || !rule.meta.in_force(req.date)
            || (!rule.modes.is_empty() && !rule.modes.contains(&req.mode))
            || (!rule.origins.is_empty()
                && !req.lines.iter().all(|l| rule.origins.contains(&l.origin)))
            || (!rule.exclude_origins.is_empty()
                && req
                    .lines
                    .iter()
                    .all(|l| rule.exclude_origins.contains(&l.origin)))
        {
            continue;
        }
        if let Some(carrier) = &rule.carrier
            && !req
                .carrier
                .as_deref()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case(carrier))
        {
            continue;
        }
        let value = match rule.value_basis {
            ValueBasis::IntrinsicConsignment => intrinsic,
            _ => customs,
        };
        let value_rate = fx.rate(rule.value_currency)?;
        if rule.value_above.is_some_and(|v| value <= v * value_rate)
            || rule.value_at_most.is_some_and(|v| value > v * value_rate)
            || rule.value_below.is_some_and(|v| value >= v * value_rate)
        {
            continue;
        }
        let rate = fx.rate(rule.currency)?;
        let mut percent_basis = None;
        let (units, raw) = match (rule.amount, rule.percent) {
            (Some(flat), _) => {
                let units = match rule.unit {
                    FeeUnit::Consignment => Decimal::ONE,
                    FeeUnit::Line => Decimal::from(work.len()),
                    FeeUnit::Hs6 => Decimal::from(
                        work.iter()
                            .map(|w| w.code.truncated(6))
                            .collect::<HashSet<_>>()
                            .len(),
                    ),
                    FeeUnit::Item => req.lines.iter().map(|l| l.quantity).sum(),
                };
                (units, flat * units * rate)
            }
            (None, Some(percent)) => {
                let basis = match rule.basis {
                    FeeBasis::CustomsValue => customs,
                    FeeBasis::DutyAndTax => work
                        .iter()
                        .flat_map(|w| w.components.iter())
                        .filter(|c| {
                            c.collected_by == Collector::Border
                                && (c.kind.is_duty() || c.kind.is_tax())
                        })
                        .map(|c| c.amount.amount())
                        .sum(),
                };
                percent_basis = Some(basis);
                (Decimal::ONE, basis * percent / Decimal::ONE_HUNDRED)
            }
            (None, None) => continue,
        };
        let mut amount = raw;
        let mut clamp = None;
        if let Some(min) = rule.minimum
            && amount < min * rate
        {
            amount = min * rate;
            clamp = Some("min");
        }
        if let Some(max) = rule.maximum
            && amount > max * rate
        {
            amount = max * rate;
            clamp = Some("max");
        }
        let amount = ctx.round(amount);
        if rule.in_tax_base && ctx.market.tax_base.fees && !customs.is_zero() {
            let mut given = Decimal::ZERO;
            let last = work.len() - 1;
            for (i, w) in work.iter_mut().enumerate() {
                let share = if i == last {
                    amount - given
                } else {
                    ctx.round(amount * w.customs_value / customs)
                };
                given += share;
                w.fees_in_base += share;
            }
        }
        shipment.push(Component {
            kind: ComponentKind::Fee,
            amount: ctx.money(amount),
            base: percent_basis.map(|b| ctx.money(b)),
            rule: RuleRef::Fee(Arc::clone(rule)),
            regime: None,
            collected_by: Collector::Border,
            paid_by: if rule.payer == FeePayer::Seller {
                Payer::Seller
            } else {
                ctx.importer_pays
            },
            detail: Detail::Fee { units, clamp },
        });
    }
    Ok(())
}
