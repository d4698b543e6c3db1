//! What is being shipped: cartons with outer dimensions, gross weight and count.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::FreightError;

/// One line of cartons of the same size and weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carton {
    pub id: String,
    /// Outer dimensions in centimetres.
    pub length_cm: Decimal,
    pub width_cm: Decimal,
    pub height_cm: Decimal,
    /// Gross weight of one carton in kilograms.
    pub weight_kg: Decimal,
    pub count: u32,
    /// Contains lithium batteries (battery surcharge; some cards refuse it).
    pub battery: bool,
}

impl Carton {
    /// A carton line, rejecting zero or negative dimensions, negative weight and a zero count.
    pub fn new(
        id: impl Into<String>,
        dims_cm: [Decimal; 3],
        weight_kg: Decimal,
        count: u32,
    ) -> Result<Carton, FreightError> {
        let id = id.into();
        for (field, value) in ["length", "width", "height"].iter().zip(dims_cm) {
            if value <= Decimal::ZERO {
                return Err(FreightError::InvalidCarton {
                    carton: id,
                    field,
                    value: value.to_string(),
                    expected: "a dimension greater than 0 cm",
                });
            }
        }
        if weight_kg < Decimal::ZERO {
            return Err(FreightError::InvalidCarton {
                carton: id,
                field: "weight",
                value: weight_kg.to_string(),
                expected: "a weight of 0 kg or more",
            });
        }
        if count == 0 {
            return Err(FreightError::InvalidCarton {
                carton: id,
                field: "count",
                value: "0".into(),
                expected: "at least 1 carton",
            });
        }
        Ok(Carton {
            id,
            length_cm: dims_cm[0],
            width_cm: dims_cm[1],
            height_cm: dims_cm[2],
            weight_kg,
            count,
            battery: false,
        })
    }

    pub fn with_battery(mut self, battery: bool) -> Self {
        self.battery = battery;
        self
    }

    /// Volume of all cartons of the line in cm³.
    pub fn volume_cm3(&self) -> Decimal {
        self.length_cm * self.width_cm * self.height_cm * Decimal::from(self.count)
    }

    pub fn total_weight_kg(&self) -> Decimal {
        self.weight_kg * Decimal::from(self.count)
    }
}

/// Totals of a set of cartons, the inputs of every chargeable-quantity rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub cartons: u64,
    pub weight_kg: Decimal,
    pub volume_cm3: Decimal,
    pub battery: bool,
}

impl Totals {
    pub fn of(cartons: &[Carton]) -> Totals {
        let mut totals = Totals {
            cartons: 0,
            weight_kg: Decimal::ZERO,
            volume_cm3: Decimal::ZERO,
            battery: false,
        };
        for c in cartons {
            totals.cartons += u64::from(c.count);
            totals.weight_kg += c.total_weight_kg();
            totals.volume_cm3 += c.volume_cm3();
            totals.battery |= c.battery;
        }
        totals
    }

    /// Volume in cubic metres (1 m³ = 1,000,000 cm³).
    pub fn volume_cbm(&self) -> Decimal {
        self.volume_cm3 / Decimal::from(1_000_000)
    }

    /// Revenue tons W/M: the greater of cubic metres and metric tons (FACTS.md §7, 1 m³ = 1000 kg).
    pub fn weight_or_measure(&self) -> Decimal {
        self.volume_cbm().max(self.weight_kg / Decimal::from(1000))
    }
}

/// A shipment to quote: cartons, the ship date (decides which cards are valid) and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub cartons: Vec<Carton>,
    pub ship_date: jiff::civil::Date,
    /// Delivery address is in a forwarder's remote-area list (remote-area surcharge applies).
    pub remote_area: bool,
    /// Sellable units in the shipment, for the per-unit figure; the carton count when not given.
    pub units: Option<u64>,
}

impl Shipment {
    pub fn new(cartons: Vec<Carton>, ship_date: jiff::civil::Date) -> Shipment {
        Shipment {
            cartons,
            ship_date,
            remote_area: false,
            units: None,
        }
    }

    pub fn totals(&self) -> Totals {
        Totals::of(&self.cartons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn totals_and_weight_or_measure() {
        // 10 × (60×40×50 cm = 0.12 m³, 18 kg): 1.2 m³, 180 kg → W/M = max(1.2, 0.18) = 1.2
        let c = Carton::new("A", [dec!(60), dec!(40), dec!(50)], dec!(18), 10).unwrap();
        let t = Totals::of(&[c]);
        assert_eq!(t.volume_cbm(), dec!(1.2));
        assert_eq!(t.weight_kg, dec!(180));
        assert_eq!(t.weight_or_measure(), dec!(1.2));
        assert_eq!(t.cartons, 10);
    }

    #[test]
    fn zero_dimension_is_rejected_with_field() {
        let err = Carton::new("A", [dec!(60), dec!(0), dec!(50)], dec!(1), 1).unwrap_err();
        assert!(err.to_string().contains("width"), "{err}");
    }
}
