//! Weights and box dimensions with units, converted exactly (international pound and inch definitions).

use crate::error::DomainError;
use crate::money::{ExactDecimal, parse_decimal};
use crate::text::{excerpt, fold_width};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// Largest accepted value in any unit; keeps every conversion and volume far inside exact decimal range.
const MAX_VALUE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

fn invalid(value: &str, reason: impl Into<String>) -> DomainError {
    DomainError::InvalidMeasure {
        value: excerpt(value.trim()),
        reason: reason.into(),
    }
}

/// A unit of mass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightUnit {
    /// Kilogram (千克, 公斤).
    Kg,
    /// Gram (克).
    G,
    /// International avoirdupois pound, exactly 0.45359237 kg (磅).
    Lb,
    /// Avoirdupois ounce, exactly 1/16 lb = 0.028349523125 kg (盎司).
    Oz,
}

impl WeightUnit {
    /// Parses kg/kgs/kilogram(s)/千克/公斤, g/gram(s)/克, lb/lbs/pound(s)/磅, oz/ounce(s)/盎司 (any letter case).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let unit = fold_width(text).trim().to_lowercase();
        match unit.as_str() {
            "kg" | "kgs" | "kilo" | "kilos" | "kilogram" | "kilograms" | "kilogramme"
            | "kilogrammes" | "千克" | "公斤" => Ok(WeightUnit::Kg),
            "g" | "gr" | "gram" | "grams" | "gramme" | "grammes" | "克" => Ok(WeightUnit::G),
            "lb" | "lbs" | "pound" | "pounds" | "磅" => Ok(WeightUnit::Lb),
            "oz" | "ounce" | "ounces" | "盎司" | "安士" => Ok(WeightUnit::Oz),
            _ => Err(invalid(
                text,
                "unknown weight unit: expected kg, g, lb or oz (千克, 公斤, 克, 磅, 盎司)",
            )),
        }
    }

    /// The symbol used in displays, e.g. "kg".
    pub fn symbol(&self) -> &'static str {
        match self {
            WeightUnit::Kg => "kg",
            WeightUnit::G => "g",
            WeightUnit::Lb => "lb",
            WeightUnit::Oz => "oz",
        }
    }

    /// Kilograms in one of this unit (exact).
    pub fn kg_per_unit(&self) -> Decimal {
        match self {
            WeightUnit::Kg => Decimal::ONE,
            WeightUnit::G => Decimal::new(1, 3),
            WeightUnit::Lb => Decimal::new(45_359_237, 8),
            WeightUnit::Oz => Decimal::new(28_349_523_125, 12),
        }
    }
}

impl fmt::Display for WeightUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A non-negative weight in a unit, kept as entered (no rounding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Weight {
    value: Decimal,
    unit: WeightUnit,
}

impl Weight {
    /// A weight of `value` in `unit`; refuses negative values and values above 1,000,000,000.
    pub fn new(value: Decimal, unit: WeightUnit) -> Result<Self, DomainError> {
        let shown = format!("{value} {unit}");
        if value.is_sign_negative() && !value.is_zero() {
            return Err(invalid(&shown, "a weight cannot be negative"));
        }
        if value > MAX_VALUE {
            return Err(invalid(&shown, "too large: at most 1000000000 in any unit"));
        }
        Ok(Weight {
            value: value.abs(),
            unit,
        })
    }

    /// A weight in kilograms.
    pub fn kg(value: Decimal) -> Result<Self, DomainError> {
        Weight::new(value, WeightUnit::Kg)
    }

    /// Parses "1.5 kg", "500g", "2 lbs", "1.5 千克", "500克" (full-width digits accepted; a unit is required).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let folded = fold_width(text);
        let (value, unit) = split_plain(folded.trim()).map_err(|reason| invalid(text, reason))?;
        let unit = WeightUnit::parse(unit).map_err(|_| {
            invalid(text, "unknown or missing weight unit: expected kg, g, lb or oz (千克, 公斤, 克, 磅, 盎司), e.g. \"1.5 kg\"")
        })?;
        Weight::new(value, unit).map_err(|e| match e {
            DomainError::InvalidMeasure { reason, .. } => invalid(text, reason),
            other => other,
        })
    }

    /// The value in the weight's own unit.
    pub fn value(&self) -> Decimal {
        self.value
    }

    /// The unit the weight was given in.
    pub fn unit(&self) -> WeightUnit {
        self.unit
    }

    /// The weight in kilograms, exact.
    pub fn to_kg(&self) -> Decimal {
        // Bounded by MAX_VALUE, so the product cannot leave the decimal range.
        self.value * self.unit.kg_per_unit()
    }

    /// The weight in `unit`; exact except for non-terminating quotients (28 significant digits).
    pub fn to_unit(&self, unit: WeightUnit) -> Decimal {
        if unit == self.unit {
            return self.value;
        }
        self.to_kg() / unit.kg_per_unit()
    }
}

impl fmt::Display for Weight {
    /// "1.5 kg".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit)
    }
}

impl FromStr for Weight {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Weight::parse(s)
    }
}

impl Serialize for Weight {
    /// {"value":"1.5","unit":"kg"}.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr<'a> {
            value: &'a Decimal,
            unit: WeightUnit,
        }
        Repr {
            value: &self.value,
            unit: self.unit,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Repr {
            value: ExactDecimal,
            unit: WeightUnit,
        }
        let repr = Repr::deserialize(deserializer)?;
        Weight::new(repr.value.0, repr.unit).map_err(de::Error::custom)
    }
}

/// A unit of length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LengthUnit {
    /// Centimetre (厘米, 公分).
    Cm,
    /// Millimetre (毫米).
    Mm,
    /// International inch, exactly 2.54 cm (英寸).
    In,
}

impl LengthUnit {
    /// Parses cm/centimetre(s)/厘米/公分, mm/millimetre(s)/毫米, in/inch(es)/"/英寸 (any letter case).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let unit = fold_width(text).trim().to_lowercase();
        match unit.as_str() {
            "cm" | "cms" | "centimeter" | "centimeters" | "centimetre" | "centimetres" | "厘米"
            | "公分" => Ok(LengthUnit::Cm),
            "mm" | "millimeter" | "millimeters" | "millimetre" | "millimetres" | "毫米" => {
                Ok(LengthUnit::Mm)
            }
            "in" | "inch" | "inches" | "\"" | "″" | "英寸" => Ok(LengthUnit::In),
            _ => Err(invalid(
                text,
                "unknown length unit: expected cm, mm or in (厘米, 毫米, 英寸)",
            )),
        }
    }

    /// The symbol used in displays, e.g. "cm".
    pub fn symbol(&self) -> &'static str {
        match self {
            LengthUnit::Cm => "cm",
            LengthUnit::Mm => "mm",
            LengthUnit::In => "in",
        }
    }

    /// Centimetres in one of this unit (exact).
    pub fn cm_per_unit(&self) -> Decimal {
        match self {
            LengthUnit::Cm => Decimal::ONE,
            LengthUnit::Mm => Decimal::new(1, 1),
            LengthUnit::In => Decimal::new(254, 2),
        }
    }
}

impl fmt::Display for LengthUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// Outer dimensions of a box or product: three positive lengths in one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dimensions {
    length: Decimal,
    width: Decimal,
    height: Decimal,
    unit: LengthUnit,
}

impl Dimensions {
    /// Dimensions from three lengths; each must be above zero, at most 1,000,000 in `unit`, with at most 6 decimals.
    pub fn new(
        length: Decimal,
        width: Decimal,
        height: Decimal,
        unit: LengthUnit,
    ) -> Result<Self, DomainError> {
        let shown = format!("{length}x{width}x{height} {unit}");
        for (name, value) in [("length", length), ("width", width), ("height", height)] {
            if value <= Decimal::ZERO {
                return Err(invalid(&shown, format!("{name} must be greater than zero")));
            }
            if value > MAX_DIMENSION {
                return Err(invalid(
                    &shown,
                    format!("{name} is too large: at most 1000000 in any unit"),
                ));
            }
            // Sub-micrometre digits carry no meaning and would vanish (round to zero) in volume products.
            if value.normalize().scale() > MAX_DIMENSION_PLACES {
                return Err(invalid(
                    &shown,
                    format!("{name} has more than {MAX_DIMENSION_PLACES} decimal places"),
                ));
            }
        }
        Ok(Dimensions {
            length,
            width,
            height,
            unit,
        })
    }

    /// Parses "30x20x10 cm", "30 × 20 × 10cm", "30*20*10 厘米", "12x8x4 in" (a unit is required).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let folded = fold_width(text);
        let trimmed = folded.trim();
        let split_at = trimmed
            .rfind(|c: char| c.is_ascii_digit() || c == '.')
            .map_or(0, |i| i + 1);
        let (numbers, unit) = trimmed.split_at(split_at);
        let unit = LengthUnit::parse(unit).map_err(|_| {
            invalid(text, "unknown or missing length unit: expected cm, mm or in (厘米, 毫米, 英寸), e.g. \"30x20x10 cm\"")
        })?;
        let parts: Vec<&str> = numbers.split(['x', 'X', '×', '*']).map(str::trim).collect();
        let [l, w, h] = parts.as_slice() else {
            return Err(invalid(
                text,
                "expected three lengths separated by x, such as \"30x20x10 cm\"",
            ));
        };
        let number = |part: &str| {
            parse_decimal(part).ok_or_else(|| {
                let hint = if part.contains(',') {
                    " (use '.' as the decimal separator)"
                } else {
                    ""
                };
                invalid(text, format!("'{}' is not a number{hint}", excerpt(part)))
            })
        };
        Dimensions::new(number(l)?, number(w)?, number(h)?, unit).map_err(|e| match e {
            DomainError::InvalidMeasure { reason, .. } => invalid(text, reason),
            other => other,
        })
    }

    /// Length in the dimensions' own unit.
    pub fn length(&self) -> Decimal {
        self.length
    }

    /// Width in the dimensions' own unit.
    pub fn width(&self) -> Decimal {
        self.width
    }

    /// Height in the dimensions' own unit.
    pub fn height(&self) -> Decimal {
        self.height
    }

    /// The unit the dimensions were given in.
    pub fn unit(&self) -> LengthUnit {
        self.unit
    }

    /// [length, width, height] in centimetres, exact.
    pub fn to_cm(&self) -> [Decimal; 3] {
        let f = self.unit.cm_per_unit();
        [self.length * f, self.width * f, self.height * f]
    }

    /// Volume in cubic centimetres, exact (dimensions are bounded, so this cannot overflow).
    pub fn volume_cm3(&self) -> Decimal {
        let [l, w, h] = self.to_cm();
        l * w * h
    }

    /// Volumetric (dimensional) weight in kg: volume in cm³ / divisor (5000 express, 6000 IATA air), unrounded.
    pub fn volumetric_weight_kg(
        &self,
        divisor_cm3_per_kg: Decimal,
    ) -> Result<Decimal, DomainError> {
        if divisor_cm3_per_kg <= Decimal::ZERO {
            return Err(DomainError::Invalid {
                field: "volumetric divisor",
                value: divisor_cm3_per_kg.to_string(),
                expected: "a positive number of cm³ per kg, such as 5000 or 6000".to_string(),
            });
        }
        self.volume_cm3()
            .checked_div(divisor_cm3_per_kg)
            .ok_or(DomainError::Overflow)
    }
}

/// Most decimal places accepted in a dimension.
const MAX_DIMENSION_PLACES: u32 = 6;

/// Largest accepted single dimension; 1e6 in (2.54e6 cm) cubed stays far inside the decimal range.
const MAX_DIMENSION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

impl fmt::Display for Dimensions {
    /// "30x20x10 cm".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{}x{} {}",
            self.length, self.width, self.height, self.unit
        )
    }
}

impl FromStr for Dimensions {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dimensions::parse(s)
    }
}

impl Serialize for Dimensions {
    /// {"length":"30","width":"20","height":"10","unit":"cm"}.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr<'a> {
            length: &'a Decimal,
            width: &'a Decimal,
            height: &'a Decimal,
            unit: LengthUnit,
        }
        Repr {
            length: &self.length,
            width: &self.width,
            height: &self.height,
            unit: self.unit,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Dimensions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Repr {
            length: ExactDecimal,
            width: ExactDecimal,
            height: ExactDecimal,
            unit: LengthUnit,
        }
        let r = Repr::deserialize(deserializer)?;
        Dimensions::new(r.length.0, r.width.0, r.height.0, r.unit).map_err(de::Error::custom)
    }
}

/// Splits "1.5 kg" / "500克" into the number and the unit text; the reason is returned on failure.
fn split_plain(text: &str) -> Result<(Decimal, &str), String> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | ',')))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(end);
    if number.is_empty() {
        return Err("expected a number followed by a unit, such as \"1.5 kg\"".to_string());
    }
    if number.contains(',') {
        return Err(format!(
            "'{number}' is not a number: use '.' as the decimal separator and no thousands separator"
        ));
    }
    let value =
        parse_decimal(number).ok_or_else(|| format!("'{}' is not a number", excerpt(number)))?;
    Ok((value, unit.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn weight_units_parse_in_english_and_chinese() {
        let cases = [
            ("kg", WeightUnit::Kg),
            ("KGS", WeightUnit::Kg),
            ("千克", WeightUnit::Kg),
            ("公斤", WeightUnit::Kg),
            ("g", WeightUnit::G),
            ("grams", WeightUnit::G),
            ("克", WeightUnit::G),
            ("lb", WeightUnit::Lb),
            ("Lbs", WeightUnit::Lb),
            ("磅", WeightUnit::Lb),
            ("oz", WeightUnit::Oz),
            ("盎司", WeightUnit::Oz),
            ("ｋｇ", WeightUnit::Kg),
        ];
        for (text, unit) in cases {
            assert_eq!(WeightUnit::parse(text).unwrap(), unit, "{text}");
        }
        for bad in ["", "kilo gram", "stone", "t", "斤", "mg", "k g"] {
            assert!(WeightUnit::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn weight_parse() {
        let w = Weight::parse("1.5 kg").unwrap();
        assert_eq!((w.value(), w.unit()), (dec!(1.5), WeightUnit::Kg));
        assert_eq!(Weight::parse("500g").unwrap().to_kg(), dec!(0.5));
        assert_eq!(Weight::parse(" 2 lbs ").unwrap().unit(), WeightUnit::Lb);
        assert_eq!(Weight::parse("1.5 千克").unwrap().to_kg(), dec!(1.5));
        assert_eq!(Weight::parse("500克").unwrap().to_kg(), dec!(0.5));
        assert_eq!(Weight::parse("１．５ｋｇ").unwrap().to_kg(), dec!(1.5));
        assert_eq!(Weight::parse("0 kg").unwrap().to_kg(), dec!(0));
        assert_eq!(Weight::parse("+3 oz").unwrap().value(), dec!(3));
    }

    #[test]
    fn weight_parse_rejects_with_reasons() {
        let cases = [
            ("", "number"),
            ("kg", "number"),
            ("1.5", "unit"),
            ("1.5 stone", "unit"),
            ("-1 kg", "negative"),
            ("1,5 kg", "decimal separator"),
            ("1,500 g", "decimal separator"),
            ("1.2.3 kg", "not a number"),
            ("1e3 kg", "unit"),
            ("2000000000 kg", "too large"),
            ("<b>1</b> kg", "number"),
        ];
        for (text, reason) in cases {
            match Weight::parse(text) {
                Err(DomainError::InvalidMeasure { reason: r, value }) => {
                    assert!(r.contains(reason), "{text:?}: {r}");
                    assert_eq!(value, text.trim());
                }
                other => panic!("{text:?} should be rejected, got {other:?}"),
            }
        }
    }

    #[test]
    fn weight_conversions_are_exact() {
        assert_eq!(
            Weight::new(dec!(1), WeightUnit::Lb).unwrap().to_kg(),
            dec!(0.45359237)
        );
        assert_eq!(
            Weight::new(dec!(1), WeightUnit::Oz).unwrap().to_kg(),
            dec!(0.028349523125)
        );
        assert_eq!(
            Weight::new(dec!(16), WeightUnit::Oz).unwrap().to_kg(),
            Weight::new(dec!(1), WeightUnit::Lb).unwrap().to_kg()
        );
        assert_eq!(
            Weight::new(dec!(1250), WeightUnit::G).unwrap().to_kg(),
            dec!(1.25)
        );
        assert_eq!(
            Weight::kg(dec!(0.45359237))
                .unwrap()
                .to_unit(WeightUnit::Lb),
            dec!(1)
        );
        assert_eq!(
            Weight::kg(dec!(2)).unwrap().to_unit(WeightUnit::G),
            dec!(2000)
        );
        assert!(Weight::new(dec!(-0.001), WeightUnit::G).is_err());
        assert!(Weight::new(-Decimal::ZERO, WeightUnit::G).is_ok());
    }

    #[test]
    fn weight_display_and_serde() {
        let w = Weight::parse("1.5 千克").unwrap();
        assert_eq!(w.to_string(), "1.5 kg");
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            r#"{"value":"1.5","unit":"kg"}"#
        );
        assert_eq!(
            serde_json::from_str::<Weight>(r#"{"value":"1.5","unit":"kg"}"#).unwrap(),
            w
        );
        for bad in [
            r#"{"value":"-1","unit":"kg"}"#,
            r#"{"value":"1","unit":"stone"}"#,
            r#"{"value":1.5,"unit":"kg"}"#,
            r#"{"value":"1"}"#,
        ] {
            assert!(serde_json::from_str::<Weight>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn length_units_parse() {
        for (text, unit) in [
            ("cm", LengthUnit::Cm),
            ("厘米", LengthUnit::Cm),
            ("公分", LengthUnit::Cm),
            ("MM", LengthUnit::Mm),
            ("毫米", LengthUnit::Mm),
            ("in", LengthUnit::In),
            ("inches", LengthUnit::In),
            ("英寸", LengthUnit::In),
            ("\"", LengthUnit::In),
        ] {
            assert_eq!(LengthUnit::parse(text).unwrap(), unit, "{text}");
        }
        for bad in ["", "m", "ft", "寸", "c m"] {
            assert!(LengthUnit::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dimensions_parse() {
        let d = Dimensions::parse("30x20x10 cm").unwrap();
        assert_eq!(
            (d.length(), d.width(), d.height(), d.unit()),
            (dec!(30), dec!(20), dec!(10), LengthUnit::Cm)
        );
        for text in [
            "30 x 20 x 10cm",
            "30×20×10厘米",
            "30*20*10 CM",
            "30X20X10 cm",
            "３０ｘ２０ｘ１０ｃｍ",
            "300x200x100 mm",
        ] {
            assert_eq!(
                Dimensions::parse(text).unwrap().to_cm(),
                [dec!(30), dec!(20), dec!(10)],
                "{text}"
            );
        }
        assert_eq!(
            Dimensions::parse("12x8x4 in").unwrap().to_cm(),
            [dec!(30.48), dec!(20.32), dec!(10.16)]
        );
        assert_eq!(
            Dimensions::parse("1.5x2.5x3.5 英寸").unwrap().unit(),
            LengthUnit::In
        );
    }

    #[test]
    fn dimensions_parse_rejects_with_reasons() {
        let cases = [
            ("", "unit"),
            ("30x20x10", "unit"),
            ("30x20 cm", "three lengths"),
            ("30x20x10x5 cm", "three lengths"),
            ("0x20x10 cm", "length must be greater than zero"),
            ("30x-2x10 cm", "width must be greater than zero"),
            ("30x20x0 cm", "height"),
            ("30,5x20x10 cm", "decimal separator"),
            ("axbxc cm", "unit"),
            ("30xx10 cm", "not a number"),
            ("30x20x10 ft", "unit"),
            ("2000000x1x1 cm", "too large"),
            ("1x1x0.0000001 cm", "decimal places"),
        ];
        for (text, reason) in cases {
            match Dimensions::parse(text) {
                Err(DomainError::InvalidMeasure { reason: r, .. }) => {
                    assert!(r.contains(reason), "{text:?}: {r}")
                }
                other => panic!("{text:?} should be rejected, got {other:?}"),
            }
        }
    }

    #[test]
    fn volume_and_volumetric_weight() {
        let d = Dimensions::parse("30x20x10 cm").unwrap();
        assert_eq!(d.volume_cm3(), dec!(6000));
        assert_eq!(d.volumetric_weight_kg(dec!(5000)).unwrap(), dec!(1.2));
        assert_eq!(d.volumetric_weight_kg(dec!(6000)).unwrap(), dec!(1));
        let inches = Dimensions::parse("10x10x10 in").unwrap();
        assert_eq!(inches.volume_cm3(), dec!(16387.064));
        assert!(d.volumetric_weight_kg(Decimal::ZERO).is_err());
        assert!(d.volumetric_weight_kg(dec!(-5000)).is_err());
        assert!(
            Dimensions::parse("1000000x1000000x1000000 in")
                .unwrap()
                .volumetric_weight_kg(Decimal::new(1, 28))
                .is_err()
        );
    }

    #[test]
    fn dimensions_display_and_serde() {
        let d = Dimensions::parse("30×20×10.5厘米").unwrap();
        assert_eq!(d.to_string(), "30x20x10.5 cm");
        assert_eq!(Dimensions::parse(&d.to_string()).unwrap(), d);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(
            json,
            r#"{"length":"30","width":"20","height":"10.5","unit":"cm"}"#
        );
        assert_eq!(serde_json::from_str::<Dimensions>(&json).unwrap(), d);
        assert!(
            serde_json::from_str::<Dimensions>(
                r#"{"length":"0","width":"1","height":"1","unit":"cm"}"#
            )
            .is_err()
        );
    }

    fn decimal_up_to(max: i64) -> impl Strategy<Value = Decimal> {
        (0..=max, 0u32..=12).prop_map(|(n, s)| Decimal::new(n, s))
    }

    fn weight_unit() -> impl Strategy<Value = WeightUnit> {
        prop::sample::select(vec![
            WeightUnit::Kg,
            WeightUnit::G,
            WeightUnit::Lb,
            WeightUnit::Oz,
        ])
    }

    fn length_unit() -> impl Strategy<Value = LengthUnit> {
        prop::sample::select(vec![LengthUnit::Cm, LengthUnit::Mm, LengthUnit::In])
    }

    proptest! {
        #[test]
        fn weight_conversion_never_panics_and_stays_non_negative(v in decimal_up_to(i64::MAX), u in weight_unit()) {
            if let Ok(w) = Weight::new(v, u) {
                prop_assert!(w.to_kg() >= Decimal::ZERO);
                for target in [WeightUnit::Kg, WeightUnit::G, WeightUnit::Lb, WeightUnit::Oz] {
                    prop_assert!(w.to_unit(target) >= Decimal::ZERO);
                }
            }
        }

        #[test]
        fn weight_display_parses_back(v in decimal_up_to(1_000_000_000_000), u in weight_unit()) {
            if let Ok(w) = Weight::new(v, u) {
                prop_assert_eq!(Weight::parse(&w.to_string()).unwrap(), w);
            }
        }

        #[test]
        fn extreme_dimensions_never_panic(
            l in decimal_up_to(i64::MAX), w in decimal_up_to(i64::MAX), h in decimal_up_to(i64::MAX), u in length_unit()
        ) {
            if let Ok(d) = Dimensions::new(l, w, h, u) {
                prop_assert!(d.volume_cm3() > Decimal::ZERO);
                prop_assert!(d.volumetric_weight_kg(Decimal::new(1, 6)).is_ok());
                prop_assert!(d.volumetric_weight_kg(Decimal::new(5000, 0)).unwrap() > Decimal::ZERO);
            }
        }

        #[test]
        fn parsers_never_panic_on_arbitrary_text(text in "\\PC{0,40}") {
            let _ = Weight::parse(&text);
            let _ = Dimensions::parse(&text);
        }
    }
}
