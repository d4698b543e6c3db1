//! Lanes: origin → destination codes (UN/LOCODE ports and cities, warehouse codes, countries).

use serde::{Deserialize, Serialize};

use crate::error::FreightError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Lane {
    pub origin: String,
    pub destination: String,
}

impl Lane {
    pub fn new(origin: &str, destination: &str) -> Lane {
        Lane {
            origin: normalise(origin),
            destination: normalise(destination),
        }
    }

    /// Reads "CNSZX-USLAX" (also "CNSZX→USLAX", "CNSZX>USLAX").
    pub fn parse(text: &str) -> Result<Lane, FreightError> {
        let parts: Vec<&str> = text.split(['-', '→', '>']).map(str::trim).collect();
        match parts.as_slice() {
            [o, d] if !o.is_empty() && !d.is_empty() => Ok(Lane::new(o, d)),
            _ => Err(FreightError::InvalidLane(text.to_string())),
        }
    }

    /// Whether a card priced for `self` covers a shipment on `shipment`: each end matches exactly,
    /// or the card names a country (2 letters) and the shipment a UN/LOCODE (5 characters) in it.
    pub fn covers(&self, shipment: &Lane) -> bool {
        end_covers(&self.origin, &shipment.origin)
            && end_covers(&self.destination, &shipment.destination)
    }
}

impl std::fmt::Display for Lane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.origin, self.destination)
    }
}

fn normalise(code: &str) -> String {
    code.trim().to_uppercase().replace(' ', "")
}

fn end_covers(card: &str, shipment: &str) -> bool {
    card == shipment
        || (card.len() == 2
            && shipment.len() == 5
            && shipment.is_char_boundary(2)
            && shipment.starts_with(card))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_card_covers_ports_in_it() {
        let shipment = Lane::parse("cnszx-uslax").unwrap();
        assert!(Lane::new("CNSZX", "US").covers(&shipment));
        assert!(Lane::new("CN", "USLAX").covers(&shipment));
        assert!(!Lane::new("CNSHA", "USLAX").covers(&shipment));
        assert!(!Lane::new("CNSZX", "USLGB").covers(&shipment));
        // A warehouse code is matched exactly only.
        assert!(!Lane::new("CNSZX", "US").covers(&Lane::new("CNSZX", "ONT8")));
        assert!(Lane::parse("CNSZX").is_err());
    }
}
