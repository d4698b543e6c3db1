//! Unit conversions stated in a listing ("30 cm (11.8 in)") checked with Decimal
//! arithmetic.
//!
//! Tolerance: a shown value is accepted when it is within 2 % of the exact conversion
//! or within half a unit of its last shown digit (so "11.8 in" for 30 cm = 11.811 in
//! passes, and a rounded "12 in" passes too); temperatures within 1 degree.

use rust_decimal::Decimal;
use rust_decimal::prelude::RoundingStrategy;

use crate::data::UnitDef;
use crate::numbers::{Measurement, NumberToken};

/// 1 imperial fluid ounce in ml (Weights and Measures Act 1985, Sch. 1).
fn imperial_floz_ml() -> Decimal {
    Decimal::new(284_130_625, 7)
}

#[derive(Debug, Clone, PartialEq)]
pub enum PairVerdict {
    Ok,
    /// The shown value of number `index` of the second measurement is wrong.
    Wrong {
        index: usize,
        expected: Decimal,
    },
    /// Right only with US fluid ounces in a UK listing (or the reverse).
    WrongFluidOunce,
}

/// Converts `v` from unit `from` to unit `to` (same dimension), exactly in Decimal.
pub fn convert(units: &[UnitDef], v: Decimal, from: usize, to: usize, uk: bool) -> Option<Decimal> {
    let (f, t) = (units.get(from)?, units.get(to)?);
    if f.dimension != t.dimension {
        return None;
    }
    if f.dimension == "temperature" {
        let nine_fifths = Decimal::new(18, 1);
        let thirty_two = Decimal::new(32, 0);
        return match (f.id.as_str(), t.id.as_str()) {
            ("c", "f") => v.checked_mul(nine_fifths)?.checked_add(thirty_two),
            ("f", "c") => v.checked_sub(thirty_two)?.checked_div(nine_fifths),
            _ => Some(v),
        };
    }
    let factor = |u: &UnitDef| {
        if u.id == "floz_us" && uk {
            imperial_floz_ml()
        } else {
            u.factor
        }
    };
    v.checked_mul(factor(f))?.checked_div(factor(t))
}

fn within(units: &[UnitDef], unit: usize, expected: Decimal, shown: &NumberToken) -> bool {
    let temp = units
        .get(unit)
        .is_some_and(|u| u.dimension == "temperature");
    let half_ulp = Decimal::new(5, shown.scale + 1);
    let rel = (expected.abs() * Decimal::new(2, 2)).max(half_ulp);
    let tol = if temp { rel.max(Decimal::ONE) } else { rel };
    shown.values.iter().any(|v| (*v - expected).abs() <= tol)
}

/// Is `b` a correct conversion of `a` (or `a` of `b`)? Both must have the same number
/// of values and the same dimension, in different unit systems.
pub fn check_pair(
    units: &[UnitDef],
    a: &Measurement,
    b: &Measurement,
    uk: bool,
) -> Option<PairVerdict> {
    let (ua, ub) = (units.get(a.unit)?, units.get(b.unit)?);
    if ua.dimension != ub.dimension || ua.system == ub.system || a.numbers.len() != b.numbers.len()
    {
        return None;
    }
    let verdict = |uk: bool| -> PairVerdict {
        for (i, (na, nb)) in a.numbers.iter().zip(&b.numbers).enumerate() {
            let forward = convert(units, na.value(), a.unit, b.unit, uk);
            let fwd_ok = forward.is_some_and(|e| within(units, b.unit, e, nb));
            let backward = convert(units, nb.value(), b.unit, a.unit, uk);
            let back_ok = backward.is_some_and(|e| within(units, a.unit, e, na));
            if !fwd_ok && !back_ok {
                return PairVerdict::Wrong {
                    index: i,
                    expected: forward.unwrap_or_default(),
                };
            }
        }
        PairVerdict::Ok
    };
    let first = verdict(uk);
    let involves_floz = ua.id == "floz_us" || ub.id == "floz_us";
    if first != PairVerdict::Ok && involves_floz && verdict(!uk) == PairVerdict::Ok {
        return Some(PairVerdict::WrongFluidOunce);
    }
    Some(first)
}

/// `expected` rounded to the precision a reader would print next to `shown`.
pub fn suggest(expected: Decimal, shown: &NumberToken) -> String {
    let dp = if shown.scale == 0 && expected.abs() < Decimal::ONE_HUNDRED && !expected.is_zero() {
        1
    } else {
        shown.scale
    };
    expected
        .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// Whether the text between two measurements only joins them ("(", "/", "=", "approx.").
pub fn is_connector(gap: &str) -> bool {
    if gap.chars().count() > 16 {
        return false;
    }
    let words: String = gap
        .chars()
        .map(|c| {
            if "()[]/=≈~≒|,:;（）／＝≈～约約".contains(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    words.split_whitespace().all(|w| {
        matches!(
            crate::text::fold(w).trim_end_matches('.'),
            "approx"
                | "ca"
                | "circa"
                | "env"
                | "environ"
                | "aprox"
                | "about"
                | "approximately"
                | "etwa"
                | "circa."
                | "or"
                | "oder"
                | "ou"
                | "o"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{UNITS_TOML, parse_units};
    use crate::numbers::{UnitMatcher, measurements};

    fn run(text: &str, uk: bool) -> Option<PairVerdict> {
        let units = parse_units(UNITS_TOML).unwrap_or_default();
        let m = UnitMatcher::new(&units);
        let ms = measurements(text, false, &m);
        assert!(ms.len() >= 2, "{text}: {ms:?}");
        check_pair(&units, &ms[0], &ms[1], uk)
    }

    #[test]
    fn correct_conversions_pass() {
        assert_eq!(run("30 cm (11.8 in)", false), Some(PairVerdict::Ok));
        assert_eq!(run("30 cm (12 in)", false), Some(PairVerdict::Ok));
        assert_eq!(run("2.5 kg / 5.5 lbs", false), Some(PairVerdict::Ok));
        assert_eq!(run("500 ml (16.9 fl oz)", false), Some(PairVerdict::Ok));
        assert_eq!(run("100°C (212°F)", false), Some(PairVerdict::Ok));
        assert_eq!(run("200 g (7 oz)", false), Some(PairVerdict::Ok));
        assert_eq!(
            run("30 x 20 x 10 cm (11.8 x 7.9 x 3.9 in)", false),
            Some(PairVerdict::Ok)
        );
        assert_eq!(run("12 in (30 cm)", false), Some(PairVerdict::Ok));
    }

    #[test]
    fn wrong_conversions_fail() {
        assert!(matches!(
            run("30 cm (30 in)", false),
            Some(PairVerdict::Wrong { .. })
        ));
        assert!(matches!(
            run("2 kg (2.2 lb)", false),
            Some(PairVerdict::Wrong { .. })
        ));
        assert!(matches!(
            run("40°C (72°F)", false),
            Some(PairVerdict::Wrong { .. })
        ));
        assert!(matches!(
            run("30 x 20 x 10 cm (11.8 x 7.9 x 10 in)", false),
            Some(PairVerdict::Wrong { index: 2, .. })
        ));
    }

    #[test]
    fn uk_fluid_ounces() {
        // 500 ml = 16.9 US fl oz = 17.6 imperial fl oz
        assert_eq!(run("500 ml (17.6 fl oz)", true), Some(PairVerdict::Ok));
        assert_eq!(
            run("500 ml (16.9 fl oz)", true),
            Some(PairVerdict::WrongFluidOunce)
        );
    }

    #[test]
    fn suggestion_precision() {
        let units = parse_units(UNITS_TOML).unwrap_or_default();
        let m = UnitMatcher::new(&units);
        let ms = measurements("30 cm (30 in)", false, &m);
        let e = convert(
            &units,
            ms[0].numbers[0].value(),
            ms[0].unit,
            ms[1].unit,
            false,
        )
        .unwrap_or_default();
        assert_eq!(suggest(e, &ms[1].numbers[0]), "11.8");
    }

    #[test]
    fn connectors() {
        assert!(is_connector(" ("));
        assert!(is_connector(" / approx. "));
        assert!(is_connector("（約"));
        assert!(!is_connector(" and a bag of "));
    }
}
