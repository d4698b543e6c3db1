//! Guessing the carrier from a tracking number's format, for `track NUMBER` and for events that
//! arrive without a carrier. Formats with a check digit (UPU S10 postal items, UPS 1Z, DHL
//! Express waybills) are validated; the rest are length/prefix patterns and say so.

use crate::event::canonical_tracking_number;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Only the length or prefix fits; other carriers use the same shape.
    Low,
    /// A carrier-specific prefix fits.
    Medium,
    /// A check digit verified.
    High,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierGuess {
    /// Mapping file id (or `post_xx` for a postal operator without its own mapping).
    pub carrier: String,
    pub confidence: Confidence,
    pub reason: &'static str,
}

/// Candidate carriers for a tracking number, most confident first.
pub fn guess_carrier(tracking_number: &str) -> Vec<CarrierGuess> {
    let tn = canonical_tracking_number(tracking_number);
    let b = tn.as_bytes();
    let mut out = Vec::new();
    let mut push = |carrier: &str, confidence, reason| {
        out.push(CarrierGuess {
            carrier: carrier.to_string(),
            confidence,
            reason,
        })
    };
    let digits = b.iter().all(u8::is_ascii_digit);
    if let Some(country) = s10_country(&tn) {
        let carrier = match country {
            "CN" => "china_post".to_string(),
            "JP" => "japan_post".to_string(),
            "GB" => "royal_mail".to_string(),
            "AU" => "australia_post".to_string(),
            "CA" => "canada_post".to_string(),
            "US" => "usps".to_string(),
            other => format!("post_{}", other.to_ascii_lowercase()),
        };
        push(
            &carrier,
            Confidence::High,
            "UPU S10 postal item identifier, check digit valid",
        );
    }
    if tn.starts_with("1Z") && tn.len() == 18 {
        if ups_1z_valid(&tn) {
            push("ups", Confidence::High, "UPS 1Z number, check digit valid");
        } else {
            push(
                "ups",
                Confidence::Medium,
                "UPS 1Z prefix (check digit does not verify)",
            );
        }
    }
    if tn.starts_with("YT") && tn.len() == 18 && b[2..].iter().all(u8::is_ascii_digit) {
        push(
            "yunexpress",
            Confidence::Medium,
            "YunExpress YT + 16 digits",
        );
    }
    if tn.starts_with("4PX") {
        push("4px", Confidence::Medium, "4PX prefix");
    }
    if (tn.starts_with("LP") && tn.len() >= 14 && b[2..].iter().all(u8::is_ascii_digit))
        || tn.starts_with("CAINIAO")
        || tn.starts_with("CNG")
    {
        push("cainiao", Confidence::Medium, "Cainiao LP/CAINIAO prefix");
    }
    if digits {
        match tn.len() {
            10 if dhl_express_valid(&tn) => push(
                "dhl_express",
                Confidence::High,
                "DHL Express waybill, mod 7 check digit valid",
            ),
            10 => push(
                "dhl_express",
                Confidence::Low,
                "10 digits like a DHL Express waybill",
            ),
            12 | 15 => push(
                "fedex",
                Confidence::Low,
                "12 or 15 digits like a FedEx number",
            ),
            14 => push("dpd", Confidence::Low, "14 digits like a DPD parcel number"),
            16 => push(
                "canada_post",
                Confidence::Low,
                "16 digits like a Canada Post PIN",
            ),
            20 | 22 if tn.starts_with('9') => push(
                "usps",
                Confidence::Medium,
                "USPS IMpb: 20/22 digits starting with 9",
            ),
            20 | 22 => push("usps", Confidence::Low, "20 or 22 digits"),
            _ => {}
        }
    }
    if tn.starts_with("JD") || tn.starts_with("JJD") {
        push(
            "dhl_parcel",
            Confidence::Medium,
            "DHL Parcel / eCommerce JD prefix",
        );
    }
    out.sort_by_key(|g| std::cmp::Reverse(g.confidence));
    out
}

/// UPU S10: two letters, eight digits, a check digit, ISO country code of the origin operator.
/// Weights 8 6 4 2 3 5 9 7; check = 11 − (sum mod 11), with 10 → 0 and 11 → 5.
fn s10_country(tn: &str) -> Option<&str> {
    let b = tn.as_bytes();
    if b.len() != 13
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..11].iter().all(u8::is_ascii_digit)
        || !b[11..].iter().all(u8::is_ascii_uppercase)
    {
        return None;
    }
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = b[2..10]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    (u32::from(b[10] - b'0') == check).then(|| &tn[11..])
}

/// UPS 1Z: the 15 characters after `1Z` (letters as (code − 63) mod 10), odd positions plus
/// twice the even positions; check = (10 − sum mod 10) mod 10.
fn ups_1z_valid(tn: &str) -> bool {
    let body = &tn.as_bytes()[2..];
    let value = |c: u8| -> Option<u32> {
        match c {
            b'0'..=b'9' => Some(u32::from(c - b'0')),
            b'A'..=b'Z' => Some((u32::from(c) - 63) % 10),
            _ => None,
        }
    };
    let mut sum = 0;
    for (i, c) in body[..15].iter().enumerate() {
        let Some(v) = value(*c) else { return false };
        sum += if i % 2 == 0 { v } else { 2 * v };
    }
    let Some(check) = value(body[15]) else {
        return false;
    };
    (10 - sum % 10) % 10 == check
}

/// DHL Express 10-digit waybill: the first nine digits modulo 7 give the tenth.
fn dhl_express_valid(tn: &str) -> bool {
    let Ok(body) = tn[..9].parse::<u64>() else {
        return false;
    };
    u64::from(tn.as_bytes()[9] - b'0') == body % 7
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(tn: &str) -> Option<(String, Confidence)> {
        guess_carrier(tn)
            .into_iter()
            .next()
            .map(|g| (g.carrier, g.confidence))
    }

    #[test]
    fn s10_postal_items_by_origin_country() {
        assert_eq!(
            first("RR123456785GB"),
            Some(("royal_mail".into(), Confidence::High))
        );
        assert_eq!(
            first("LX123456785CN"),
            Some(("china_post".into(), Confidence::High))
        );
        assert_eq!(
            first("EE123456785FR"),
            Some(("post_fr".into(), Confidence::High))
        );
        // Wrong check digit: not an S10 item.
        assert!(guess_carrier("RR123456784GB").is_empty());
    }

    #[test]
    fn ups_1z_check_digit() {
        assert_eq!(
            first("1Z999AA10123456784"),
            Some(("ups".into(), Confidence::High))
        );
        assert_eq!(
            first("1z 999 aa1 0123 4567 83"),
            Some(("ups".into(), Confidence::Medium))
        );
    }

    #[test]
    fn dhl_express_mod7_and_other_shapes() {
        // 123456789 mod 7 = 1
        assert_eq!(
            first("1234567891"),
            Some(("dhl_express".into(), Confidence::High))
        );
        assert_eq!(
            first("1234567890"),
            Some(("dhl_express".into(), Confidence::Low))
        );
        assert_eq!(
            first("YT2533100000001234").map(|g| g.0),
            Some("yunexpress".into())
        );
        assert_eq!(
            first("LP00123456789012").map(|g| g.0),
            Some("cainiao".into())
        );
        assert_eq!(
            first("9400111899223197428490"),
            Some(("usps".into(), Confidence::Medium))
        );
        assert!(guess_carrier("hello").is_empty());
    }
}
