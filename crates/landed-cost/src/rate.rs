//! Duty rate expressions: ad valorem, specific, compound, minimum and maximum.
//!
//! One grammar serves rule packs and tariff importers, so a rate reads the same everywhere:
//! `Free`, `6.5%`, `2.2¢/kg`, `25¢/kg + 3.4%`, `$1.05/doz.`, `10.00% + 77.00 GBP/100kg`,
//! `12% MIN 2 EUR/100 kg MAX 5 EUR/100 kg`, `3.5 EUR/p/st`.

use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use tradelane_domain::Currency;

/// The measure a specific duty is charged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureUnit {
    /// Net kilograms of the line.
    Kg,
    /// Number of items (pieces) of the line.
    Item,
    /// Pairs; the line quantity is taken as pairs (shoes, gloves and socks are sold by the pair).
    Pair,
    /// Dozens of items: quantity / 12.
    Dozen,
    /// Litres; needs the line's volume.
    Litre,
    /// Square metres; needs the line's area.
    SquareMetre,
}

impl MeasureUnit {
    fn parse(token: &str) -> Option<MeasureUnit> {
        let t = token.trim().trim_end_matches('.').to_ascii_lowercase();
        Some(match t.as_str() {
            "kg" | "kilogram" | "kgs" => MeasureUnit::Kg,
            "each" | "no" | "item" | "items" | "pc" | "pcs" | "p/st" | "piece" | "unit" => {
                MeasureUnit::Item
            }
            "pr" | "pair" | "pairs" | "pa" => MeasureUnit::Pair,
            "doz" | "dozen" => MeasureUnit::Dozen,
            "liter" | "litre" | "l" | "ltr" => MeasureUnit::Litre,
            "m2" | "m²" | "sq m" => MeasureUnit::SquareMetre,
            _ => return None,
        })
    }

    /// English name used in explanations.
    pub fn name_en(self) -> &'static str {
        match self {
            MeasureUnit::Kg => "kg",
            MeasureUnit::Item => "item",
            MeasureUnit::Pair => "pair",
            MeasureUnit::Dozen => "dozen",
            MeasureUnit::Litre => "litre",
            MeasureUnit::SquareMetre => "m²",
        }
    }

    /// Chinese name used in explanations.
    pub fn name_zh(self) -> &'static str {
        match self {
            MeasureUnit::Kg => "千克",
            MeasureUnit::Item => "件",
            MeasureUnit::Pair => "双",
            MeasureUnit::Dozen => "打",
            MeasureUnit::Litre => "升",
            MeasureUnit::SquareMetre => "平方米",
        }
    }
}

/// `amount` in `currency` per `per_quantity` `unit` (e.g. 77 GBP per 100 kg).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecificDuty {
    /// Amount charged per `per_quantity` units.
    pub amount: Decimal,
    /// Currency of `amount`.
    pub currency: Currency,
    /// Measure charged on.
    pub unit: MeasureUnit,
    /// How many units `amount` is for (1 unless stated, 100 for "per 100 kg").
    pub per_quantity: Decimal,
}

/// A duty rate: sum of an ad valorem part and specific parts, then clamped to an optional minimum and maximum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DutyRate {
    /// Percent of the customs value (6.5 means 6.5 %).
    pub ad_valorem: Option<Decimal>,
    /// Specific parts, added to the ad valorem part (compound rate when both exist).
    pub specific: Vec<SpecificDuty>,
    /// Lower bound of the duty.
    pub minimum: Option<SpecificDuty>,
    /// Upper bound of the duty.
    pub maximum: Option<SpecificDuty>,
}

impl DutyRate {
    /// A pure ad valorem rate.
    pub fn ad_valorem(percent: Decimal) -> Self {
        DutyRate {
            ad_valorem: Some(percent),
            specific: Vec::new(),
            minimum: None,
            maximum: None,
        }
    }

    /// True when the rate is free (0 % and nothing else).
    pub fn is_free(&self) -> bool {
        self.specific.is_empty()
            && self.minimum.is_none()
            && self.ad_valorem.is_none_or(|p| p.is_zero())
    }

    /// Every specific part, minimum and maximum, for checks on units and currencies.
    pub fn specific_parts(&self) -> impl Iterator<Item = &SpecificDuty> {
        self.specific
            .iter()
            .chain(self.minimum.iter())
            .chain(self.maximum.iter())
    }
}

impl fmt::Display for DutyRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_free() {
            return f.write_str("Free");
        }
        let mut first = true;
        if let Some(p) = self.ad_valorem {
            write!(f, "{}%", p.normalize())?;
            first = false;
        }
        for s in &self.specific {
            if !first {
                f.write_str(" + ")?;
            }
            write_specific(f, s)?;
            first = false;
        }
        if let Some(m) = &self.minimum {
            f.write_str(" MIN ")?;
            write_specific(f, m)?;
        }
        if let Some(m) = &self.maximum {
            f.write_str(" MAX ")?;
            write_specific(f, m)?;
        }
        Ok(())
    }
}

fn write_specific(f: &mut fmt::Formatter<'_>, s: &SpecificDuty) -> fmt::Result {
    write!(f, "{} {}/", s.amount.normalize(), s.currency)?;
    if s.per_quantity != Decimal::ONE {
        write!(f, "{} ", s.per_quantity.normalize())?;
    }
    f.write_str(s.unit.name_en())
}

/// Parses a rate expression; `currency` is the currency of bare `$` and `¢` amounts (USD in the US tariff).
pub fn parse_duty_rate(text: &str, currency: Currency) -> Result<DutyRate, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("empty rate: expected e.g. 'Free', '6.5%', '2.2¢/kg + 3.4%'".into());
    }
    // "MIN" and "MAX" split the expression into main, minimum and maximum parts.
    let upper = trimmed.to_ascii_uppercase();
    let min_at = upper.find(" MIN ");
    let max_at = upper.find(" MAX ");
    let main_end = [min_at, max_at]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(trimmed.len());
    let main = &trimmed[..main_end];
    let mut rate = DutyRate {
        ad_valorem: None,
        specific: Vec::new(),
        minimum: None,
        maximum: None,
    };
    for term in main.split('+') {
        let term = term.trim();
        if term.eq_ignore_ascii_case("free") {
            rate.ad_valorem = Some(rate.ad_valorem.unwrap_or_default());
            continue;
        }
        if let Some(pct) = term.strip_suffix('%') {
            let value = parse_number(pct)
                .ok_or_else(|| format!("'{term}' in '{text}': not a percentage"))?;
            if rate.ad_valorem.is_some() {
                return Err(format!("'{text}' has two ad valorem parts"));
            }
            rate.ad_valorem = Some(value);
            continue;
        }
        rate.specific
            .push(parse_specific(term, currency).map_err(|e| format!("{e} in '{text}'"))?);
    }
    let bound = |start: Option<usize>| -> Result<Option<SpecificDuty>, String> {
        let Some(start) = start else { return Ok(None) };
        let rest = &trimmed[start + 5..];
        let end = [
            upper[start + 5..].find(" MIN "),
            upper[start + 5..].find(" MAX "),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
        parse_specific(rest[..end].trim(), currency)
            .map(Some)
            .map_err(|e| format!("{e} in '{text}'"))
    };
    rate.minimum = bound(min_at)?;
    rate.maximum = bound(max_at)?;
    Ok(rate)
}

fn parse_number(text: &str) -> Option<Decimal> {
    let t = text.trim().replace(',', "");
    Decimal::from_str(&t).ok().filter(|d| !d.is_sign_negative())
}

fn parse_specific(term: &str, default_currency: Currency) -> Result<SpecificDuty, String> {
    // The US tariff writes per-piece rates as "1.7¢ each".
    let (amount_part, unit_part) = match term
        .strip_suffix(" each")
        .or_else(|| term.strip_suffix("each"))
    {
        Some(amount) => (amount, "each"),
        None => term
            .split_once('/')
            .ok_or_else(|| format!("'{term}': expected a percentage or an amount per unit"))?,
    };
    let amount_part = amount_part.trim();
    let (amount, currency) = if let Some(cents) = amount_part.strip_suffix('¢') {
        let cents = parse_number(cents).ok_or_else(|| format!("'{term}': bad amount in cents"))?;
        (cents / Decimal::ONE_HUNDRED, default_currency)
    } else if let Some(dollars) = amount_part.strip_prefix('$') {
        (
            parse_number(dollars).ok_or_else(|| format!("'{term}': bad dollar amount"))?,
            default_currency,
        )
    } else {
        let (num, code) = amount_part.rsplit_once(' ').ok_or_else(|| {
            format!("'{term}': expected an amount with a currency, e.g. '77.00 GBP/100kg'")
        })?;
        let currency = Currency::parse(code).map_err(|e| format!("'{term}': {e}"))?;
        (
            parse_number(num).ok_or_else(|| format!("'{term}': bad amount '{num}'"))?,
            currency,
        )
    };
    let unit_part = unit_part.trim();
    // An optional leading quantity: "100 kg", "100kg".
    let digits_end = unit_part
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unit_part.len());
    let (per_quantity, unit_text) = if digits_end > 0 {
        let q = parse_number(&unit_part[..digits_end])
            .ok_or_else(|| format!("'{term}': bad quantity"))?;
        (q, unit_part[digits_end..].trim())
    } else {
        (Decimal::ONE, unit_part)
    };
    if per_quantity.is_zero() {
        return Err(format!("'{term}': quantity 0"));
    }
    // Units that are multiples of a base measure: per gross (144 items), per tonne, per hectolitre; a bare count
    // ("/1000") is per thousand items.
    let (unit, factor) = match unit_text.trim().trim_end_matches('.').to_ascii_lowercase().as_str() {
        "" if digits_end > 0 => (MeasureUnit::Item, Decimal::ONE),
        "gross" => (MeasureUnit::Item, Decimal::from(144)),
        "head" => (MeasureUnit::Item, Decimal::ONE),
        "t" | "tonne" | "ton" => (MeasureUnit::Kg, Decimal::from(1000)),
        "hl" => (MeasureUnit::Litre, Decimal::ONE_HUNDRED),
        _ => (
            MeasureUnit::parse(unit_text).ok_or_else(|| {
                format!("'{term}': unknown unit '{unit_text}' (known: kg, t, each/item/p/st, pr./pair, doz., gross, liter, hl, m2)")
            })?,
            Decimal::ONE,
        ),
    };
    let per_quantity = per_quantity * factor;
    Ok(SpecificDuty {
        amount,
        currency,
        unit,
        per_quantity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn parse(text: &str) -> DutyRate {
        parse_duty_rate(text, Currency::USD).unwrap()
    }

    #[test]
    fn parses_us_style_rates() {
        assert!(parse("Free").is_free());
        assert_eq!(parse("6.5%").ad_valorem, Some(dec!(6.5)));
        assert_eq!(parse("16.50%").ad_valorem, Some(dec!(16.5)));
        let kg = parse("2.2¢/kg");
        assert_eq!(kg.specific[0].amount, dec!(0.022));
        assert_eq!(kg.specific[0].unit, MeasureUnit::Kg);
        let compound = parse("25¢/kg + 3.4%");
        assert_eq!(compound.ad_valorem, Some(dec!(3.4)));
        assert_eq!(compound.specific[0].amount, dec!(0.25));
        let doz = parse("$1.05/doz.");
        assert_eq!(doz.specific[0].amount, dec!(1.05));
        assert_eq!(doz.specific[0].unit, MeasureUnit::Dozen);
        assert_eq!(parse("37.5¢/liter").specific[0].unit, MeasureUnit::Litre);
        assert_eq!(parse("90¢/pr. + 20%").specific[0].unit, MeasureUnit::Pair);
        let each = parse("1.7¢ each + 4.3%");
        assert_eq!(each.specific[0].unit, MeasureUnit::Item);
        assert_eq!(each.specific[0].amount, dec!(0.017));
    }

    #[test]
    fn parses_eu_and_uk_style_rates() {
        let uk = parse("10.00% + 77.00 GBP/100kg");
        assert_eq!(uk.ad_valorem, Some(dec!(10)));
        assert_eq!(uk.specific[0].currency, Currency::GBP);
        assert_eq!(uk.specific[0].per_quantity, dec!(100));
        let eu = parse("10.20% + 93.10 EUR / 100 kg");
        assert_eq!(eu.specific[0].amount, dec!(93.10));
        let bounded = parse("12% MIN 2 EUR/100 kg MAX 5 EUR/100 kg");
        assert_eq!(bounded.minimum.as_ref().unwrap().amount, dec!(2));
        assert_eq!(bounded.maximum.as_ref().unwrap().amount, dec!(5));
        assert_eq!(parse("3.5 EUR/p/st").specific[0].unit, MeasureUnit::Item);
        let hl = parse("20.00 GBP / hl");
        assert_eq!(
            (hl.specific[0].unit, hl.specific[0].per_quantity),
            (MeasureUnit::Litre, dec!(100))
        );
        let thousand = parse("89.6¢/1000");
        assert_eq!(
            (thousand.specific[0].unit, thousand.specific[0].per_quantity),
            (MeasureUnit::Item, dec!(1000))
        );
        assert_eq!(parse("4.2¢/gross").specific[0].per_quantity, dec!(144));
        assert_eq!(parse("$1.10/t").specific[0].per_quantity, dec!(1000));
    }

    #[test]
    fn rejects_unknown_forms_with_the_offending_text() {
        let err = parse_duty_rate(
            "The duty provided in the applicable subheading + 25%",
            Currency::USD,
        )
        .unwrap_err();
        assert!(err.contains("applicable subheading"), "{err}");
        assert!(
            parse_duty_rate("5¢/furlong", Currency::USD)
                .unwrap_err()
                .contains("furlong")
        );
        assert!(parse_duty_rate("", Currency::USD).is_err());
        assert!(parse_duty_rate("1% + 2%", Currency::USD).is_err());
    }

    #[test]
    fn display_round_trips() {
        for text in ["Free", "6.5%", "3.4% + 0.25 USD/kg", "12% MIN 2 EUR/100 kg"] {
            let rate = parse(text);
            assert_eq!(parse(&rate.to_string()), rate, "{text}");
        }
    }
}
