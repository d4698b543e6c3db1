//! TOML -> typed rules -> cross-rule validation -> indexed pack.

use super::reader::Reader;
use super::*;
use crate::rate::parse_duty_rate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use toml::{Table, Value};
use tradelane_domain::{Currency, RoundingMode};

const DUTY_MAX_PERCENT: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);
const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

pub(super) fn load(text: &str) -> Result<RulePack, Vec<RuleError>> {
    let pack_error = |field: &str, message: String| RuleError {
        section: "pack".into(),
        position: 0,
        rule_id: None,
        field: field.into(),
        message,
    };
    let root: Table = match text.parse::<Table>() {
        Ok(t) => t,
        Err(e) => return Err(vec![pack_error("toml", format!("not valid TOML: {e}"))]),
    };
    let mut errors = Vec::new();
    let mut head = Reader::new("pack", 0, &root);
    let format_version = head.opt_int("format_version");
    match format_version {
        Some(FORMAT_VERSION) => {}
        Some(v) => head.error(
            "format_version",
            format!("{v} is not supported: this build reads format_version {FORMAT_VERSION}"),
        ),
        None if !head.has("format_version") => head.error("format_version", "missing (required)"),
        None => {}
    }
    let pack_id = head.str("pack_id");
    let pack_version = head.str("pack_version");
    let published = head.date("published");
    let description = head.opt_str("description");
    const SECTIONS: [&str; 9] = [
        "market",
        "duty",
        "duty_schedule",
        "additional_duty",
        "additional_duty_schedule",
        "tax",
        "tax_schedule",
        "low_value",
        "fee",
    ];
    errors.extend(head.finish(&SECTIONS));

    let mut rules = PackRules::default();
    for (section, value) in &root {
        if !SECTIONS.contains(&section.as_str()) {
            continue;
        }
        let Value::Array(items) = value else {
            errors.push(pack_error(
                section,
                "expected an array of tables ([[...]])".into(),
            ));
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let Value::Table(table) = item else {
                errors.push(pack_error(
                    section,
                    format!("item {} is not a table", i + 1),
                ));
                continue;
            };
            match section.as_str() {
                "market" => read_market(table, i + 1, &mut rules, &mut errors),
                "duty" => read_duty("duty", table, i + 1, false, &mut rules, &mut errors),
                "additional_duty" => read_duty(
                    "additional_duty",
                    table,
                    i + 1,
                    true,
                    &mut rules,
                    &mut errors,
                ),
                "duty_schedule" | "additional_duty_schedule" => {
                    read_schedule(section, table, i + 1, &mut rules, &mut errors)
                }
                "tax" => read_tax("tax", table, i + 1, &mut rules, &mut errors),
                "tax_schedule" => read_schedule(section, table, i + 1, &mut rules, &mut errors),
                "low_value" => read_low_value(table, i + 1, &mut rules, &mut errors),
                "fee" => read_fee(table, i + 1, &mut rules, &mut errors),
                _ => {}
            }
        }
    }
    let (Some(pack_id), Some(pack_version), Some(published)) = (pack_id, pack_version, published)
    else {
        return Err(errors);
    };
    let meta = PackMeta {
        format_version: format_version.unwrap_or(FORMAT_VERSION),
        pack_id,
        pack_version,
        published,
        description,
    };
    assemble(meta, rules, errors)
}

fn read_meta(r: &mut Reader<'_>) -> Option<RuleMeta> {
    let id = r.str("id");
    let source = r.str("source");
    let effective_from = r.date("effective_from");
    let effective_to = r.opt_date("effective_to");
    let uncertain = r.bool("uncertain", false);
    if !r.has("uncertain") {
        r.error("uncertain", "missing (required): say true or false");
    }
    let note_en = r.opt_str("note_en");
    let note_zh = r.opt_str("note_zh");
    if let (Some(from), Some(to)) = (effective_from, effective_to)
        && from > to
    {
        r.error(
            "effective_to",
            format!("{to} is before effective_from {from}"),
        );
        return None;
    }
    Some(RuleMeta {
        id: id?,
        source: source?,
        effective_from: effective_from?,
        effective_to,
        uncertain,
        note_en,
        note_zh,
    })
}

const MODES: [(&str, TransportMode); 4] = [
    ("postal", TransportMode::Postal),
    ("express", TransportMode::Express),
    ("air_freight", TransportMode::AirFreight),
    ("sea_freight", TransportMode::SeaFreight),
];

fn modes(r: &mut Reader<'_>) -> Vec<TransportMode> {
    let texts = r.str_list("modes");
    let mut out = Vec::new();
    for t in texts {
        match MODES.iter().find(|(n, _)| *n == t.trim()) {
            Some((_, m)) => out.push(*m),
            None => r.error(
                "modes",
                format!("'{t}' is not one of: postal, express, air_freight, sea_freight"),
            ),
        }
    }
    out
}

fn read_market(table: &Table, position: usize, rules: &mut PackRules, errors: &mut Vec<RuleError>) {
    let mut r = Reader::new("market", position, table);
    let meta = read_meta(&mut r);
    let country = r.country("country");
    let currency = r.currency("currency", true);
    let territory = if r.has("customs_territory") {
        r.scope("customs_territory", false)
    } else {
        country.map(|c| c.code().to_string())
    };
    let valuation = r.choice(
        "valuation",
        &[("cif", Valuation::Cif), ("fob", Valuation::Fob)],
        None,
    );
    let parts = r.str_list("tax_base");
    let mut tax_base = TaxBase::default();
    let mut has_customs_value = false;
    for p in &parts {
        match p.as_str() {
            "customs_value" => has_customs_value = true,
            "duty" => tax_base.duty = true,
            "freight_insurance" => tax_base.freight_insurance = true,
            "fees" => tax_base.fees = true,
            other => r.error(
                "tax_base",
                format!("'{other}' is not one of: customs_value, duty, freight_insurance, fees"),
            ),
        }
    }
    if !has_customs_value {
        r.error(
            "tax_base",
            "must list \"customs_value\" (the base always starts from the customs value)",
        );
    }
    if valuation == Some(Valuation::Cif) && tax_base.freight_insurance {
        r.error("tax_base", "\"freight_insurance\" with CIF valuation would count freight twice (CIF already includes it)");
    }
    let rounding = r.choice(
        "rounding",
        &[
            ("half_up", RoundingMode::HalfUp),
            ("half_even", RoundingMode::HalfEven),
            ("down", RoundingMode::Down),
            ("up", RoundingMode::Up),
        ],
        None,
    );
    let time_zone = r.str("time_zone");
    let subdivision_required = r.bool("subdivision_required", false);
    errors.extend(r.finish(&[]));
    if let (
        Some(meta),
        Some(country),
        Some(currency),
        Some(customs_territory),
        Some(valuation),
        Some(rounding),
        Some(time_zone),
    ) = (
        meta, country, currency, territory, valuation, rounding, time_zone,
    ) {
        rules.markets.push(Market {
            meta,
            country,
            currency,
            customs_territory,
            valuation,
            tax_base,
            rounding,
            time_zone,
            subdivision_required,
        });
    }
}

fn read_duty(
    section: &'static str,
    table: &Table,
    position: usize,
    additional: bool,
    rules: &mut PackRules,
    errors: &mut Vec<RuleError>,
) {
    let mut r = Reader::new(section, position, table);
    read_duty_with(&mut r, additional, rules);
    errors.extend(r.finish(&[]));
}

fn read_duty_with(r: &mut Reader<'_>, additional: bool, rules: &mut PackRules) {
    let meta = read_meta(r);
    let territory = r.scope("territory", false);
    let prefix = r.prefix("hs", true);
    let exclude = r.prefixes("exclude");
    let origins = r.countries("origins");
    let exclude_origins = r.countries("exclude_origins");
    let currency = r.currency("currency", false).unwrap_or(Currency::USD);
    let layer = if additional { r.str("layer") } else { None };
    let rate = match r.str("rate") {
        Some(text) => match parse_duty_rate(&text, currency) {
            Ok(rate) => {
                if let Some(p) = rate.ad_valorem
                    && p > DUTY_MAX_PERCENT
                {
                    r.error(
                        "rate",
                        format!("{p}% is out of range: expected 0 to {DUTY_MAX_PERCENT}%"),
                    );
                }
                Some(rate)
            }
            Err(e) => {
                r.error("rate", e);
                None
            }
        },
        None => None,
    };
    if !additional && prefix.is_some_and(|p| p.is_empty()) {
        r.error(
            "hs",
            "\"*\" (every code) is only allowed for additional duties; base duties need a prefix",
        );
    }
    if let Some(prefix) = &prefix {
        for x in &exclude {
            if !x.starts_with(prefix) || x.len() <= prefix.len() {
                r.error(
                    "exclude",
                    format!("'{x}' is not a longer prefix under hs '{prefix}'"),
                );
            }
        }
    }
    if let (Some(meta), Some(territory), Some(prefix), Some(rate)) = (meta, territory, prefix, rate)
    {
        if additional && layer.is_none() {
            return;
        }
        rules.duties.push(DutyRule {
            meta,
            territory,
            prefix,
            exclude,
            origins,
            exclude_origins,
            rate,
            layer,
        });
    }
}

fn read_tax(
    section: &'static str,
    table: &Table,
    position: usize,
    rules: &mut PackRules,
    errors: &mut Vec<RuleError>,
) {
    let mut r = Reader::new(section, position, table);
    read_tax_with(&mut r, rules);
    errors.extend(r.finish(&[]));
}

fn read_tax_with(r: &mut Reader<'_>, rules: &mut PackRules) {
    let meta = read_meta(r);
    let country = r.country("country");
    let subdivision = r.subdivision("subdivision");
    if let (Some(c), Some(s)) = (country, subdivision)
        && s.country() != c
    {
        r.error(
            "subdivision",
            format!("{} is not in {}", s.code(), c.code()),
        );
    }
    let tax = r.str("tax");
    let inclusive_base = r.bool("inclusive_base", false);
    let max = if inclusive_base {
        Decimal::new(9999, 2)
    } else {
        HUNDRED
    };
    let rate = r.decimal_in("rate", Decimal::ZERO, max, true);
    let prefix = r.prefix("hs", false);
    let category = r.opt_str("category").map(|c| c.trim().to_ascii_lowercase());
    if prefix.is_some() && category.is_some() {
        r.error("category", "give either hs or category, not both");
    }
    let level = r.opt_str("level").unwrap_or_else(|| "standard".into());
    let collection = r.choice(
        "collection",
        &[
            ("import", TaxCollection::Import),
            ("sale", TaxCollection::Sale),
        ],
        Some(TaxCollection::Import),
    );
    let replaces = r.str_list("replaces");
    if let (Some(meta), Some(country), Some(tax), Some(rate), Some(collection)) =
        (meta, country, tax, rate, collection)
    {
        rules.taxes.push(TaxRule {
            meta,
            country,
            subdivision,
            tax,
            rate,
            prefix,
            category,
            level,
            collection,
            replaces,
            inclusive_base,
        });
    }
}

const BASES: [(&str, ValueBasis); 5] = [
    ("intrinsic_consignment", ValueBasis::IntrinsicConsignment),
    ("intrinsic_item", ValueBasis::IntrinsicItem),
    (
        "customs_value_consignment",
        ValueBasis::CustomsValueConsignment,
    ),
    ("tax_amount", ValueBasis::TaxAmount),
    ("duty_and_tax_amount", ValueBasis::DutyAndTaxAmount),
];

fn read_low_value(
    table: &Table,
    position: usize,
    rules: &mut PackRules,
    errors: &mut Vec<RuleError>,
) {
    let mut r = Reader::new("low_value", position, table);
    let meta = read_meta(&mut r);
    let scope = r.scope("scope", false);
    let threshold = r.decimal_in("threshold", Decimal::ZERO, Decimal::MAX, false);
    let currency = r.currency("currency", threshold.is_some());
    let basis = r.choice("basis", &BASES, Some(ValueBasis::IntrinsicConsignment));
    let inclusive = r.bool("inclusive", true);
    let duty_word = r.opt_str("duty").unwrap_or_else(|| "unchanged".into());
    let duty = match duty_word.as_str() {
        "unchanged" => Some(DutyTreatment::Unchanged),
        "exempt" => Some(DutyTreatment::Exempt),
        "normal" => Some(DutyTreatment::Normal),
        "flat_per_category" => {
            let amount = r.decimal_in("flat_amount", Decimal::ZERO, Decimal::MAX, true);
            let cur = r.currency("flat_currency", true);
            let digits = r.opt_int("category_digits").unwrap_or(6);
            if !(2..=10).contains(&digits) {
                r.error(
                    "category_digits",
                    format!("{digits} is out of range: expected 2 to 10"),
                );
            }
            match (amount, cur) {
                (Some(amount), Some(currency)) => Some(DutyTreatment::FlatPerCategory {
                    amount,
                    currency,
                    digits: digits.clamp(2, 10) as u8,
                }),
                _ => None,
            }
        }
        "ad_valorem" => {
            let rate = r.decimal_in("duty_rate", Decimal::ZERO, DUTY_MAX_PERCENT, true);
            let deduction = r.decimal_in("duty_deduction", Decimal::ZERO, Decimal::MAX, false);
            let ded_currency = r.currency("duty_deduction_currency", deduction.is_some());
            rate.map(|rate| DutyTreatment::AdValorem {
                rate,
                deduction: deduction.zip(ded_currency),
            })
        }
        "global" => r
            .decimal_in("global_rate", Decimal::ZERO, HUNDRED, true)
            .map(|rate| DutyTreatment::Global { rate }),
        other => {
            r.error("duty", format!("'{other}' is not one of: unchanged, exempt, normal, flat_per_category, ad_valorem, global"));
            None
        }
    };
    let tax = r.choice(
        "tax",
        &[
            ("unchanged", TaxTreatment::Unchanged),
            ("exempt", TaxTreatment::Exempt),
            ("border", TaxTreatment::Border),
            ("at_sale", TaxTreatment::AtSale),
            ("included", TaxTreatment::Included),
        ],
        Some(TaxTreatment::Unchanged),
    );
    if matches!(duty, Some(DutyTreatment::Global { .. }))
        != matches!(tax, Some(TaxTreatment::Included))
    {
        r.error(
            "tax",
            "a global rate (duty = \"global\") goes with tax = \"included\", and only with it",
        );
    }
    if matches!(duty, Some(DutyTreatment::Unchanged))
        && matches!(tax, Some(TaxTreatment::Unchanged))
    {
        r.error("duty", "the regime changes neither duty nor tax");
    }
    if matches!(
        basis,
        Some(ValueBasis::TaxAmount | ValueBasis::DutyAndTaxAmount)
    ) && threshold.is_none()
    {
        r.error("threshold", "required when basis is an amount of tax");
    }
    let requires_registration = r
        .opt_str("requires_registration")
        .map(|s| s.trim().to_ascii_uppercase());
    let marketplace_qualifies = r.bool("marketplace_qualifies", false);
    let requires_marketplace = r.bool("requires_marketplace", false);
    let modes = modes(&mut r);
    let origins = r.countries("origins");
    let exclude_origins = r.countries("exclude_origins");
    let exclude_hs = r.prefixes("exclude_hs");
    let precedence = r.opt_int("precedence").unwrap_or(0) as i32;
    errors.extend(r.finish(&[]));
    if let (Some(meta), Some(scope), Some(basis), Some(duty), Some(tax)) =
        (meta, scope, basis, duty, tax)
    {
        if threshold.is_some() && currency.is_none() {
            return;
        }
        rules.low_value.push(LowValueRule {
            meta,
            scope,
            threshold: threshold.zip(currency),
            basis,
            inclusive,
            duty,
            tax,
            requires_registration,
            marketplace_qualifies,
            requires_marketplace,
            modes,
            origins,
            exclude_origins,
            exclude_hs,
            precedence,
        });
    }
}

fn read_fee(table: &Table, position: usize, rules: &mut PackRules, errors: &mut Vec<RuleError>) {
    let mut r = Reader::new("fee", position, table);
    let meta = read_meta(&mut r);
    let scope = r.scope("scope", true);
    let name = r.str("name");
    let amount = r.decimal_in("amount", Decimal::ZERO, Decimal::MAX, false);
    let percent = r.decimal_in("percent", Decimal::ZERO, HUNDRED, false);
    if amount.is_some() == percent.is_some() && !(r.has("amount") && r.has("percent")) {
        if amount.is_none() && !r.has("amount") && !r.has("percent") {
            r.error(
                "amount",
                "give either amount (flat) or percent (ad valorem)",
            );
        }
    } else if amount.is_some() && percent.is_some() {
        r.error(
            "percent",
            "give either amount (flat) or percent (ad valorem), not both",
        );
    }
    let basis = r.choice(
        "basis",
        &[
            ("customs_value", FeeBasis::CustomsValue),
            ("duty_and_tax", FeeBasis::DutyAndTax),
        ],
        Some(FeeBasis::CustomsValue),
    );
    let unit = r.choice(
        "unit",
        &[
            ("consignment", FeeUnit::Consignment),
            ("line", FeeUnit::Line),
            ("hs6", FeeUnit::Hs6),
            ("item", FeeUnit::Item),
        ],
        Some(FeeUnit::Consignment),
    );
    if percent.is_some() && unit != Some(FeeUnit::Consignment) {
        r.error("unit", "ad valorem fees are charged per consignment");
    }
    let currency = r.currency("currency", true);
    let minimum = r.decimal_in("minimum", Decimal::ZERO, Decimal::MAX, false);
    let maximum = r.decimal_in("maximum", Decimal::ZERO, Decimal::MAX, false);
    if let (Some(lo), Some(hi)) = (minimum, maximum)
        && lo > hi
    {
        r.error("maximum", format!("{hi} is below minimum {lo}"));
    }
    let value_above = r.decimal_in("value_above", Decimal::ZERO, Decimal::MAX, false);
    let value_at_most = r.decimal_in("value_at_most", Decimal::ZERO, Decimal::MAX, false);
    let value_below = r.decimal_in("value_below", Decimal::ZERO, Decimal::MAX, false);
    let value_currency = r.currency("value_currency", false);
    let value_basis = r.choice(
        "value_basis",
        &BASES[..3],
        Some(ValueBasis::CustomsValueConsignment),
    );
    let modes = modes(&mut r);
    let carrier = r.opt_str("carrier").map(|c| c.trim().to_ascii_lowercase());
    let origins = r.countries("origins");
    let exclude_origins = r.countries("exclude_origins");
    let in_tax_base = r.bool("in_tax_base", false);
    if in_tax_base && basis == Some(FeeBasis::DutyAndTax) {
        r.error(
            "in_tax_base",
            "a fee computed on duty and tax cannot be part of the tax base",
        );
    }
    let payer = r.choice(
        "payer",
        &[
            ("importer", FeePayer::Importer),
            ("seller", FeePayer::Seller),
        ],
        Some(FeePayer::Importer),
    );
    errors.extend(r.finish(&[]));
    if let (
        Some(meta),
        Some(scope),
        Some(name),
        Some(basis),
        Some(unit),
        Some(currency),
        Some(value_basis),
        Some(payer),
    ) = (meta, scope, name, basis, unit, currency, value_basis, payer)
    {
        if amount.is_none() && percent.is_none() {
            return;
        }
        rules.fees.push(FeeRule {
            meta,
            scope,
            name,
            amount,
            percent,
            basis,
            unit,
            currency,
            value_currency: value_currency.unwrap_or(currency),
            minimum,
            maximum,
            value_above,
            value_at_most,
            value_below,
            value_basis,
            modes,
            carrier,
            origins,
            exclude_origins,
            in_tax_base,
            payer,
        });
    }
}

/// A schedule is shared defaults plus `lines`; each line is read as one rule of the schedule's kind, with
/// `id` defaulting to `<id_prefix>-<hs>` (duties) or `<id_prefix>-<country|subdivision>-<level>[-<hs|category>]` (taxes).
fn read_schedule(
    section: &str,
    table: &Table,
    position: usize,
    rules: &mut PackRules,
    errors: &mut Vec<RuleError>,
) {
    let kind: &'static str = match section {
        "duty_schedule" => "duty_schedule",
        "additional_duty_schedule" => "additional_duty_schedule",
        _ => "tax_schedule",
    };
    let mut defaults = table.clone();
    let lines = match defaults.remove("lines") {
        Some(Value::Array(lines)) => lines,
        _ => {
            errors.push(RuleError {
                section: kind.into(),
                position,
                rule_id: None,
                field: "lines".into(),
                message: "missing: a schedule needs lines = [ { ... }, ... ]".into(),
            });
            return;
        }
    };
    let id_prefix = match defaults.remove("id_prefix") {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    for (i, line) in lines.iter().enumerate() {
        let Value::Table(line) = line else {
            errors.push(RuleError {
                section: format!("{kind} #{position} line"),
                position: i + 1,
                rule_id: None,
                field: "lines".into(),
                message: "expected an inline table { ... }".into(),
            });
            continue;
        };
        let mut merged = defaults.clone();
        for (k, v) in line {
            merged.insert(k.clone(), v.clone());
        }
        if !merged.contains_key("id")
            && let Some(prefix) = &id_prefix
        {
            let part = |k: &str| {
                merged
                    .get(k)
                    .and_then(Value::as_str)
                    .map(|s| s.replace('.', ""))
            };
            let id = if kind == "tax_schedule" {
                let place = part("subdivision")
                    .or_else(|| part("country"))
                    .unwrap_or_default();
                let level = part("level").unwrap_or_else(|| "standard".into());
                let detail = part("hs")
                    .or_else(|| part("category"))
                    .map(|d| format!("-{d}"))
                    .unwrap_or_default();
                format!("{prefix}-{place}-{level}{detail}")
            } else {
                format!("{prefix}-{}", part("hs").unwrap_or_default())
            };
            merged.insert("id".into(), Value::String(id));
        }
        let label: &'static str = match kind {
            "duty_schedule" => "duty_schedule line",
            "additional_duty_schedule" => "additional_duty_schedule line",
            _ => "tax_schedule line",
        };
        let mut r = Reader::new(label, i + 1, &merged);
        r.section = label;
        match kind {
            "tax_schedule" => read_tax_with(&mut r, rules),
            "additional_duty_schedule" => read_duty_with(&mut r, true, rules),
            _ => read_duty_with(&mut r, false, rules),
        }
        let mut errs = r.finish(&[]);
        for e in &mut errs {
            e.section = format!("{kind} #{position} line");
        }
        errors.extend(errs);
    }
}

/// Cross-rule checks (duplicate ids, overlapping dates for the same key), then indexing.
pub(super) fn assemble(
    meta: PackMeta,
    rules: PackRules,
    mut errors: Vec<RuleError>,
) -> Result<RulePack, Vec<RuleError>> {
    let mut seen: HashMap<&str, &'static str> = HashMap::new();
    let dup = |id: &str, section: &'static str, errors: &mut Vec<RuleError>| {
        errors.push(RuleError {
            section: section.into(),
            position: 0,
            rule_id: Some(id.into()),
            field: "id".into(),
            message: format!("duplicate id '{id}'"),
        });
    };
    {
        let mut metas: Vec<(&RuleMeta, &'static str)> = Vec::new();
        metas.extend(rules.markets.iter().map(|r| (&r.meta, "market")));
        metas.extend(rules.duties.iter().map(|r| {
            (
                &r.meta,
                if r.layer.is_some() {
                    "additional_duty"
                } else {
                    "duty"
                },
            )
        }));
        metas.extend(rules.taxes.iter().map(|r| (&r.meta, "tax")));
        metas.extend(rules.low_value.iter().map(|r| (&r.meta, "low_value")));
        metas.extend(rules.fees.iter().map(|r| (&r.meta, "fee")));
        for (m, section) in metas {
            if seen.insert(m.id.as_str(), section).is_some() {
                dup(&m.id, section, &mut errors);
            }
        }
    }
    check_overlaps(
        "market",
        rules
            .markets
            .iter()
            .map(|m| (m.country.code().to_string(), &m.meta)),
        &mut errors,
    );
    check_overlaps(
        "duty",
        rules.duties.iter().map(|d| {
            let key = format!(
                "{}|{}|{}|{:?}|{:?}|{:?}",
                d.territory,
                d.layer.as_deref().unwrap_or("base"),
                d.prefix,
                sorted_codes(&d.origins),
                sorted_codes(&d.exclude_origins),
                d.exclude
            );
            (key, &d.meta)
        }),
        &mut errors,
    );
    check_overlaps(
        "tax",
        rules.taxes.iter().map(|t| {
            let key = format!(
                "{}|{}|{}|{}|{}",
                t.country.code(),
                t.subdivision.map(|s| s.code()).unwrap_or("-"),
                t.tax,
                t.prefix.map(|p| p.to_string()).unwrap_or_default(),
                t.category.as_deref().unwrap_or("")
            );
            (key, &t.meta)
        }),
        &mut errors,
    );
    check_overlaps(
        "low_value",
        rules.low_value.iter().map(|l| {
            let key = format!(
                "{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{}|{}",
                l.scope,
                l.precedence,
                !matches!(l.duty, DutyTreatment::Unchanged),
                l.tax != TaxTreatment::Unchanged,
                l.modes,
                sorted_codes(&l.origins),
                sorted_codes(&l.exclude_origins),
                l.requires_registration,
                l.marketplace_qualifies,
                l.requires_marketplace
            );
            (key, &l.meta)
        }),
        &mut errors,
    );
    check_overlaps(
        "fee",
        rules.fees.iter().map(|f| {
            let key = format!(
                "{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
                f.scope,
                f.name,
                f.carrier,
                f.modes,
                sorted_codes(&f.origins),
                f.value_above,
                f.value_at_most,
                f.value_below
            );
            (key, &f.meta)
        }),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let markets: Vec<Arc<Market>> = rules.markets.into_iter().map(Arc::new).collect();
    let duties: Vec<Arc<DutyRule>> = rules.duties.into_iter().map(Arc::new).collect();
    let taxes: Vec<Arc<TaxRule>> = rules.taxes.into_iter().map(Arc::new).collect();
    let low_value: Vec<Arc<LowValueRule>> = rules.low_value.into_iter().map(Arc::new).collect();
    let fees: Vec<Arc<FeeRule>> = rules.fees.into_iter().map(Arc::new).collect();
    let index = PackIndex::build(&markets, &duties, &taxes, &low_value, &fees);
    let ids = (
        Arc::from(meta.pack_id.as_str()),
        Arc::from(meta.pack_version.as_str()),
    );
    Ok(RulePack {
        meta,
        markets,
        duties,
        taxes,
        low_value,
        fees,
        index,
        ids,
    })
}

fn sorted_codes(countries: &[tradelane_domain::Country]) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = countries.iter().map(|c| c.code()).collect();
    codes.sort_unstable();
    codes
}

fn check_overlaps<'a>(
    section: &str,
    items: impl Iterator<Item = (String, &'a RuleMeta)>,
    errors: &mut Vec<RuleError>,
) {
    let mut groups: BTreeMap<String, Vec<&RuleMeta>> = BTreeMap::new();
    for (key, meta) in items {
        groups.entry(key).or_default().push(meta);
    }
    for metas in groups.values_mut() {
        if metas.len() < 2 {
            continue;
        }
        metas.sort_by_key(|m| m.effective_from);
        for i in 1..metas.len() {
            for earlier in &metas[..i] {
                if earlier.overlaps(metas[i]) {
                    let fmt_to = |m: &RuleMeta| {
                        m.effective_to
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "open".into())
                    };
                    errors.push(RuleError {
                        section: section.into(),
                        position: 0,
                        rule_id: Some(metas[i].id.clone()),
                        field: "effective_from".into(),
                        message: format!(
                            "dates {}..{} overlap rule '{}' ({}..{}) for the same key",
                            metas[i].effective_from,
                            fmt_to(metas[i]),
                            earlier.id,
                            earlier.effective_from,
                            fmt_to(earlier)
                        ),
                    });
                }
            }
        }
    }
}
