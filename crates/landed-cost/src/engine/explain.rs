//! One-line explanations of figures, in English and Chinese, rendered on demand from the figure's data.

use super::types::{Collector, Component, ComponentKind, Detail, RuleRef};

fn collector_en(c: Collector) -> &'static str {
    match c {
        Collector::Border => "collected at import",
        Collector::Seller => "collected at sale by the seller",
        Collector::Marketplace => "collected at sale by the marketplace",
    }
}

fn collector_zh(c: Collector) -> &'static str {
    match c {
        Collector::Border => "进口时征收",
        Collector::Seller => "由卖家在销售时代收",
        Collector::Marketplace => "由平台在销售时代收",
    }
}

fn rate_text(c: &Component) -> String {
    match &c.rule {
        RuleRef::Duty(d) => d.rate.to_string(),
        RuleRef::Tax(t) => format!("{}%", t.rate.normalize()),
        RuleRef::Fee(f) => match (f.amount, f.percent) {
            (Some(a), _) => format!("{} {}", a.normalize(), f.currency),
            (_, Some(p)) => format!("{}%", p.normalize()),
            _ => String::new(),
        },
        RuleRef::LowValue(_) => String::new(),
    }
}

fn base_text(c: &Component) -> String {
    c.base.map(|b| b.to_string()).unwrap_or_default()
}

fn regime_id(c: &Component) -> &str {
    c.regime.as_ref().map(|r| r.meta.id.as_str()).unwrap_or("")
}

fn threshold_text(c: &Component) -> String {
    c.regime
        .as_ref()
        .and_then(|r| r.threshold)
        .map(|(a, cur)| format!("{} {}", a.normalize(), cur))
        .unwrap_or_default()
}

pub(super) fn english(c: &Component) -> String {
    let amount = c.amount;
    match (&c.detail, c.kind) {
        (Detail::Tariff { clamp }, kind) => {
            let what = if kind == ComponentKind::AdditionalDuty {
                format!("Additional duty ({})", c.label())
            } else {
                "Customs duty".to_string()
            };
            let clamp = match clamp {
                Some("min") => " (minimum applied)",
                Some("max") => " (maximum applied)",
                _ => "",
            };
            let relief = if c.regime.is_some() {
                format!("; low-value relief does not apply ({})", regime_id(c))
            } else {
                String::new()
            };
            format!(
                "{what}: {} on customs value {} = {amount}{clamp}{relief}",
                rate_text(c),
                base_text(c)
            )
        }
        (Detail::DutyExempt, _) => format!(
            "No customs duty: consignment within the low-value threshold {} ({})",
            threshold_text(c),
            regime_id(c)
        ),
        (
            Detail::FlatPerCategory {
                category,
                per_category,
            },
            _,
        ) => {
            format!(
                "Flat customs duty {per_category} for item category {category} (one charge per tariff subheading in the parcel) = {amount}"
            )
        }
        (Detail::RegimeRate { rate, deduction }, _) => {
            let ded = deduction
                .map(|d| format!(", less deduction {d}"))
                .unwrap_or_default();
            format!(
                "Import duty {}% on customs value {} under {}{ded} = {amount}",
                rate.normalize(),
                base_text(c),
                regime_id(c)
            )
        }
        (Detail::Global { rate }, _) => {
            format!(
                "Global rate {}% on customs value {} covering duty and import tax ({}) = {amount}",
                rate.normalize(),
                base_text(c),
                regime_id(c)
            )
        }
        (Detail::Tax { inclusive, .. }, ComponentKind::SalesTax) => {
            let _ = inclusive;
            format!(
                "{} {} on sale price {}, {} = {amount}",
                c.label(),
                rate_text(c),
                base_text(c),
                collector_en(c.collected_by)
            )
        }
        (Detail::Tax { inclusive, .. }, _) => {
            let how = if *inclusive {
                " (tax-inclusive base)"
            } else {
                ""
            };
            format!(
                "{} {} on base {}{how}, {} = {amount}",
                c.label(),
                rate_text(c),
                base_text(c),
                collector_en(c.collected_by)
            )
        }
        (Detail::TaxExempt, _) => format!(
            "No import {}: below the collection threshold {} ({})",
            c.label(),
            threshold_text(c),
            regime_id(c)
        ),
        (Detail::Fee { units, clamp }, _) => {
            let clamp = match clamp {
                Some("min") => " (minimum applied)",
                Some("max") => " (maximum applied)",
                _ => "",
            };
            let per = if units.is_zero() || *units == rust_decimal::Decimal::ONE {
                String::new()
            } else {
                format!(" × {}", units.normalize())
            };
            let on = if c.base.is_some() {
                format!(" of {}", base_text(c))
            } else {
                String::new()
            };
            format!("{}: {}{on}{per} = {amount}{clamp}", c.label(), rate_text(c))
        }
    }
}

pub(super) fn chinese(c: &Component) -> String {
    let amount = c.amount;
    match (&c.detail, c.kind) {
        (Detail::Tariff { clamp }, kind) => {
            let what = if kind == ComponentKind::AdditionalDuty {
                format!("附加关税（{}）", c.label())
            } else {
                "关税".to_string()
            };
            let clamp = match clamp {
                Some("min") => "（按最低额）",
                Some("max") => "（按最高额）",
                _ => "",
            };
            let relief = if c.regime.is_some() {
                format!("；不适用低价值免税（{}）", regime_id(c))
            } else {
                String::new()
            };
            format!(
                "{what}：完税价格 {} × {} = {amount}{clamp}{relief}",
                base_text(c),
                rate_text(c)
            )
        }
        (Detail::DutyExempt, _) => format!(
            "免征关税：货值未超过低价值门槛 {}（{}）",
            threshold_text(c),
            regime_id(c)
        ),
        (
            Detail::FlatPerCategory {
                category,
                per_category,
            },
            _,
        ) => {
            format!(
                "按商品类别（税则子目 {category}）征收固定关税 {per_category}，每个子目每包裹一次 = {amount}"
            )
        }
        (Detail::RegimeRate { rate, deduction }, _) => {
            let ded = deduction.map(|d| format!("，减免 {d}")).unwrap_or_default();
            format!(
                "进口税：完税价格 {} × {}%（{}）{ded} = {amount}",
                base_text(c),
                rate.normalize(),
                regime_id(c)
            )
        }
        (Detail::Global { rate }, _) => {
            format!(
                "综合税率 {}%（含关税与进口增值税）：完税价格 {}（{}）= {amount}",
                rate.normalize(),
                base_text(c),
                regime_id(c)
            )
        }
        (Detail::Tax { .. }, ComponentKind::SalesTax) => {
            format!(
                "销售税 {} {}：售价 {}，{} = {amount}",
                c.label(),
                rate_text(c),
                base_text(c),
                collector_zh(c.collected_by)
            )
        }
        (Detail::Tax { inclusive, .. }, _) => {
            let how = if *inclusive { "（价内计税）" } else { "" };
            format!(
                "{} {}：计税基础 {}{how}，{} = {amount}",
                c.label(),
                rate_text(c),
                base_text(c),
                collector_zh(c.collected_by)
            )
        }
        (Detail::TaxExempt, _) => format!(
            "免征进口{}：低于征收门槛 {}（{}）",
            c.label(),
            threshold_text(c),
            regime_id(c)
        ),
        (Detail::Fee { units, clamp }, _) => {
            let clamp = match clamp {
                Some("min") => "（按最低额）",
                Some("max") => "（按最高额）",
                _ => "",
            };
            let per = if units.is_zero() || *units == rust_decimal::Decimal::ONE {
                String::new()
            } else {
                format!(" × {}", units.normalize())
            };
            let on = if c.base.is_some() {
                format!("（基数 {}）", base_text(c))
            } else {
                String::new()
            };
            format!(
                "费用 {}：{}{on}{per} = {amount}{clamp}",
                c.label(),
                rate_text(c)
            )
        }
    }
}
