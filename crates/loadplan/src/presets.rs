//! Standard load spaces, inner dimensions in millimetres and payload in grams.
//!
//! Sea containers: typical ISO steel dry-van figures from tradelane's FACTS.md §7 ("Container internal
//! dimensions", confidence H except 45HQ = M). Carriers differ by ±1–2 cm and payload by ±1 t: a
//! carrier's own spec, when known, should be passed as a [`Container::custom`].
//! ULD and truck: typical published figures (IATA ULD type codes; EU 13.6 m semi-trailer), treated as
//! rectangular spaces — the LD3's sloped contour is not modelled, so its base-rectangle profile is
//! reduced to the flat-sided part; verify against the airline's or haulier's spec.

use crate::model::Container;

const KG: u64 = 1000;

/// 20' standard: 5.898 × 2.352 × 2.393 m, payload ~28,200 kg (FACTS.md §7).
pub fn container_20gp() -> Container {
    Container::custom("20GP", [5898, 2352, 2393], Some(28_200 * KG))
}

/// 40' standard: 12.032 × 2.352 × 2.393 m, payload ~26,700 kg (FACTS.md §7).
pub fn container_40gp() -> Container {
    Container::custom("40GP", [12032, 2352, 2393], Some(26_700 * KG))
}

/// 40' high cube: 12.032 × 2.352 × 2.698 m, payload ~26,500 kg (FACTS.md §7).
pub fn container_40hq() -> Container {
    Container::custom("40HQ", [12032, 2352, 2698], Some(26_500 * KG))
}

/// 45' high cube: 13.556 × 2.352 × 2.698 m, payload ~27,700 kg (FACTS.md §7, confidence M).
pub fn container_45hq() -> Container {
    Container::custom("45HQ", [13556, 2352, 2698], Some(27_700 * KG))
}

/// LD3 (IATA AKE) lower-deck ULD: base 1,562 × 1,534 mm, height 1,630 mm, max gross 1,588 kg
/// less ~80 kg tare. Only the 1,562 mm base is flat-sided; the upper overhang is ignored, which is
/// conservative in footprint but not in the contour — treat as indicative.
pub fn uld_ld3() -> Container {
    Container::custom("LD3", [1534, 1562, 1630], Some(1_508 * KG))
}

/// PMC (IATA P6P) pallet, lower-deck height profile: 3,175 × 2,438 mm base, 1,600 mm height,
/// max gross 6,804 kg less ~120 kg tare (pallet + net).
pub fn uld_pmc_lower_deck() -> Container {
    Container::custom("PMC-LD", [3175, 2438, 1600], Some(6_684 * KG))
}

/// EU 13.6 m curtain-sided semi-trailer: 13,600 × 2,480 × 2,700 mm inner, ~24,000 kg payload.
pub fn truck_eu_semitrailer() -> Container {
    Container::custom("TRUCK-13.6", [13600, 2480, 2700], Some(24_000 * KG))
}

/// Looks a preset up by its code (case-insensitive): 20GP, 40GP, 40HQ (or 40HC), 45HQ (or 45HC),
/// LD3, PMC, TRUCK.
pub fn by_code(code: &str) -> Option<Container> {
    match code.trim().to_ascii_uppercase().as_str() {
        "20GP" | "20DV" | "20'" => Some(container_20gp()),
        "40GP" | "40DV" => Some(container_40gp()),
        "40HQ" | "40HC" => Some(container_40hq()),
        "45HQ" | "45HC" => Some(container_45hq()),
        "LD3" | "AKE" => Some(uld_ld3()),
        "PMC" | "PMC-LD" | "P6P" => Some(uld_pmc_lower_deck()),
        "TRUCK" | "TRUCK-13.6" | "SEMITRAILER" => Some(truck_eu_semitrailer()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_resolve_by_code_and_match_capacities() {
        let hq = by_code("40hc").map(|c| c.dims);
        assert_eq!(hq, Some([12032, 2352, 2698]));
        // FACTS.md §7 capacity column: 20GP 33.2 m3, 40HQ 76.3 m3, 45HQ 86.0 m3.
        let m3 = |c: Container| c.volume() as f64 / 1e9;
        assert!((m3(container_20gp()) - 33.2).abs() < 0.1);
        assert!((m3(container_40hq()) - 76.3).abs() < 0.1);
        assert!((m3(container_45hq()) - 86.0).abs() < 0.1);
        assert!(by_code("53FT").is_none());
    }
}
