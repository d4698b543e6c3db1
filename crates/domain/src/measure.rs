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
    /// Dimensions from three lengths; each must be above zero and at most 1,000,000 in `unit`.
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
