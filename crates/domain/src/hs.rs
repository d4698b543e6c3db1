//! Harmonized System codes: the 6-digit international subheading plus national extensions (up to 10 digits).

use crate::country::Country;
use crate::error::DomainError;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// Strips the separators people write ("8507.60.00 10") and checks what remains is ASCII digits.
fn normalise(text: &str) -> Result<String, DomainError> {
    let invalid = |reason: String| DomainError::InvalidHsCode {
        value: crate::text::excerpt(text.trim()),
        reason,
    };
    let mut digits = String::with_capacity(10);
    for c in crate::text::fold_width(text).chars() {
        match c {
            '0'..='9' => digits.push(c),
            '.' => {}
            c if c.is_whitespace() => {}
            other => {
                return Err(invalid(format!(
                    "contains {other:?}: expected digits, optionally separated by dots or spaces, such as 8507.60"
                )));
            }
        }
        // Stop early on absurdly long input instead of copying it.
        if digits.len() > 10 {
            return Err(invalid(
                "has more than 10 digits: no market uses longer codes".to_string(),
            ));
        }
    }
    if digits.is_empty() {
        return Err(invalid(
            "is empty: expected 6 to 10 digits such as 8507.60".to_string(),
        ));
    }
    check_chapter(&digits).map_err(invalid)?;
    Ok(digits)
}

/// Chapters 01-97 exist; 77 is reserved for future use; 98 and 99 are national special provisions.
fn check_chapter(digits: &str) -> Result<(), String> {
    let chapter: u8 = match digits.get(..2).map(str::parse) {
        Some(Ok(n)) => n,
        _ => return Ok(()),
    };
    match chapter {
        1..=76 | 78..=97 => Ok(()),
        77 => Err("chapter 77 is reserved in the Harmonized System and has no codes".to_string()),
        _ => Err(format!(
            "chapter {chapter:02} is not a product chapter of the Harmonized System (01-97)"
        )),
    }
}

/// A validated HS code of 6 to 10 digits, stored without separators ("850760", "8507600010").
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsCode(String);

impl HsCode {
    /// Parses "8507.60", "850760" or "8507 60 00 10": 6-10 digits after removing dots and spaces, chapter 01-97 except 77.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let digits = normalise(text)?;
        let len = digits.len();
        if len < 6 {
            let mut reason = format!(
                "has {len} digits: an HS code needs at least the 6-digit subheading, such as 8507.60"
            );
            if len == 5 {
                reason.push_str(
                    " (if a spreadsheet dropped a leading zero, store the column as text)",
                );
            }
            return Err(DomainError::InvalidHsCode {
                value: crate::text::excerpt(text.trim()),
                reason,
            });
        }
        Ok(HsCode(digits))
    }

    /// The digits without separators.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of digits (6 to 10).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an HS code has at least 6 digits (present for API symmetry with `len`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The chapter as a number, e.g. 85.
    pub fn chapter(&self) -> u8 {
        self.0.bytes().take(2).fold(0, |n, b| n * 10 + (b - b'0'))
    }

    /// The 4-digit heading, e.g. "8507".
    pub fn heading(&self) -> &str {
        &self.0[..4]
    }

    /// The 6-digit international subheading, e.g. "850760".
    pub fn subheading(&self) -> &str {
        &self.0[..6]
    }

    /// True when the code carries national digits beyond the 6-digit subheading.
    pub fn is_national(&self) -> bool {
        self.0.len() > 6
    }

    /// The code cut to its 6-digit subheading.
    pub fn to_subheading(&self) -> HsCode {
        HsCode(self.subheading().to_string())
    }

    /// True when this code falls under `prefix`.
    pub fn starts_with(&self, prefix: &HsPrefix) -> bool {
        self.0.starts_with(prefix.as_str())
    }

    /// True when both codes have the same 6-digit international subheading.
    pub fn shares_subheading(&self, other: &HsCode) -> bool {
        self.subheading() == other.subheading()
    }

    /// Checks the length against the nomenclature of `country`; markets without a listed nomenclature accept any length.
    pub fn validate_national(&self, country: Country) -> Result<(), DomainError> {
        let Some(nomenclature) = national_nomenclature(country) else {
            return Ok(());
        };
        if nomenclature.lengths.contains(&self.len()) {
            return Ok(());
        }
        let lengths: Vec<String> = nomenclature.lengths.iter().map(usize::to_string).collect();
        Err(DomainError::InvalidHsCode {
            value: self.0.clone(),
            reason: format!(
                "has {} digits, but {} ({}) uses {} digits: {}",
                self.len(),
                country.name_en(),
                country.code(),
                lengths.join(" or "),
                nomenclature.description
            ),
        })
    }
}

impl fmt::Debug for HsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HsCode({})", self.0)
    }
}

impl fmt::Display for HsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for HsCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HsCode::parse(s)
    }
}

impl Serialize for HsCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HsCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        HsCode::parse(&text).map_err(de::Error::custom)
    }
}

/// A chapter, heading or longer prefix (2-10 digits) used by rule data to cover many codes at once.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsPrefix(String);

impl HsPrefix {
    /// Parses "85", "8507", "8507.60" ...: 2-10 digits after removing dots and spaces, chapter 01-97 except 77.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let digits = normalise(text)?;
        if digits.len() < 2 {
            return Err(DomainError::InvalidHsCode {
                value: crate::text::excerpt(text.trim()),
                reason: "a prefix needs at least the 2-digit chapter, such as 85".to_string(),
            });
        }
        Ok(HsPrefix(digits))
    }

    /// The digits without separators.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of digits (2 to 10); longer prefixes are more specific.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a prefix has at least 2 digits (present for API symmetry with `len`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `code` falls under this prefix.
    pub fn matches(&self, code: &HsCode) -> bool {
        code.starts_with(self)
    }
}

impl fmt::Debug for HsPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HsPrefix({})", self.0)
    }
}

impl fmt::Display for HsPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for HsPrefix {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HsPrefix::parse(s)
    }
}

impl Serialize for HsPrefix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HsPrefix {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        HsPrefix::parse(&text).map_err(de::Error::custom)
    }
}

/// The national tariff nomenclature of one market: accepted code lengths and where they come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NationalNomenclature {
    /// Code lengths the market's customs accepts, shortest first.
    pub lengths: &'static [usize],
    /// The nomenclature's name and the meaning of each length.
    pub description: &'static str,
}

// Facts: /work/shared FACTS.md §9 "HS code structure" (EU CN/TARIC, US HTSUS, UK Global Tariff, JP, CN, CA, AU,
// KR HSK, IN ITC-HS, BR NCM, CH); NO, NZ, SG and MX from their published customs tariffs.
const EU: NationalNomenclature = NationalNomenclature {
    lengths: &[8, 10],
    description: "Combined Nomenclature (8 digits) or TARIC (10 digits)",
};

/// The national nomenclature of `country`, when tradelane knows it.
pub fn national_nomenclature(country: Country) -> Option<NationalNomenclature> {
    let n = |lengths, description| {
        Some(NationalNomenclature {
            lengths,
            description,
        })
    };
    match country.code() {
        "US" => n(&[10], "HTSUS (8-digit tariff line + 2 statistical digits)"),
        "GB" => n(
            &[8, 10],
            "UK Global Tariff commodity code (10 digits for imports, 8 for exports)",
        ),
        "CA" => n(
            &[10],
            "Customs Tariff (8-digit tariff item + 2 statistical digits)",
        ),
        "AU" => n(
            &[8, 10],
            "Working Tariff (8-digit classification, + 2-digit statistical code)",
        ),
        "JP" => n(
            &[9],
            "Japanese tariff (6 HS + 3 national statistical digits)",
        ),
        "KR" => n(&[10], "HSK (10 digits)"),
        "CN" => n(
            &[10],
            "China customs tariff (8-digit tariff + 2 national digits)",
        ),
        "CH" => n(&[8], "Swiss tariff (8 digits)"),
        "NO" => n(&[8], "Norwegian customs tariff (8 digits)"),
        "NZ" => n(
            &[8, 10],
            "Working Tariff Document (8-digit tariff item, + 2 statistical digits)",
        ),
        "SG" => n(
            &[8],
            "AHTN (ASEAN Harmonised Tariff Nomenclature, 8 digits)",
        ),
        "MX" => n(&[8, 10], "TIGIE (8-digit tariff fraction, + 2-digit NICO)"),
        "BR" => n(&[8], "NCM (Mercosur Common Nomenclature, 8 digits)"),
        "IN" => n(&[8], "ITC-HS (8 digits)"),
        _ if country.is_eu_member() => Some(EU),
        _ => None,
    }
}

/// The code lengths `country` uses, e.g. US -> [10], DE -> [8, 10]; None when unknown.
pub fn national_code_length(country: Country) -> Option<&'static [usize]> {
    national_nomenclature(country).map(|n| n.lengths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> HsCode {
        HsCode::parse(text).unwrap()
    }

    #[test]
    fn parse_strips_dots_and_spaces() {
        assert_eq!(code("8507.60").as_str(), "850760");
        assert_eq!(code("850760").as_str(), "850760");
        assert_eq!(code("8507 60 00 10").as_str(), "8507600010");
        assert_eq!(code(" 8517.62.00 ").as_str(), "85176200");
        assert_eq!(
            code("０１０６．１１").as_str(),
            "010611",
            "full-width digits from Chinese input methods"
        );
        assert_eq!(code("8507.60.0010").len(), 10);
    }

    #[test]
    fn parse_rejects_bad_codes_with_reasons() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("8507", "at least the 6-digit"),
            ("85076", "leading zero"),
            ("85076000101", "more than 10"),
            ("8507-60", "'-'"),
            ("8507,60", "','"),
            ("85O760", "'O'"),
            ("770000", "chapter 77"),
            ("000000", "chapter 00"),
            ("990303", "chapter 99"),
            ("980100", "chapter 98"),
            ("<script>", "'<'"),
            ("850760; DROP TABLE", "';'"),
        ];
        for (text, reason) in cases {
            match HsCode::parse(text) {
                Err(DomainError::InvalidHsCode { reason: r, .. }) => {
                    assert!(r.contains(reason), "{text:?}: {r}")
                }
                other => panic!("{text:?} should be rejected, got {other:?}"),
            }
        }
        let huge = "8".repeat(100_000);
        assert!(HsCode::parse(&huge).unwrap_err().to_string().len() < 300);
    }

    #[test]
    fn parts_of_a_code() {
        let c = code("8507.60.00.10");
        assert_eq!(c.chapter(), 85);
        assert_eq!(c.heading(), "8507");
        assert_eq!(c.subheading(), "850760");
        assert!(c.is_national());
        assert!(!code("850760").is_national());
        assert_eq!(code("0106.11").chapter(), 1);
        assert_eq!(c.to_subheading(), code("850760"));
        assert!(c.shares_subheading(&code("85076000")));
        assert!(!c.shares_subheading(&code("850780")));
    }

    #[test]
    fn prefixes() {
        assert_eq!(HsPrefix::parse("85").unwrap().len(), 2);
        assert_eq!(HsPrefix::parse("8507.60").unwrap().as_str(), "850760");
        for bad in ["", "8", "77", "00", "99", "12345678901", "8a"] {
            assert!(HsPrefix::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let c = code("8507600010");
        for p in ["85", "8507", "850760", "8507600010"] {
            assert!(HsPrefix::parse(p).unwrap().matches(&c), "{p}");
            assert!(c.starts_with(&HsPrefix::parse(p).unwrap()));
        }
        for p in ["84", "8508", "850761", "85076000101"] {
            assert!(HsPrefix::parse(p).map_or(true, |p| !p.matches(&c)), "{p}");
        }
        assert!(
            !HsPrefix::parse("85076000")
                .unwrap()
                .matches(&code("850760")),
            "a longer prefix never matches a shorter code"
        );
    }

    #[test]
    fn national_lengths() {
        assert_eq!(national_code_length(Country::US), Some(&[10][..]));
        assert_eq!(national_code_length(Country::DE), Some(&[8, 10][..]));
        assert_eq!(national_code_length(Country::FR), Some(&[8, 10][..]));
        assert_eq!(national_code_length(Country::GB), Some(&[8, 10][..]));
        assert_eq!(national_code_length(Country::JP), Some(&[9][..]));
        assert_eq!(national_code_length(Country::BR), Some(&[8][..]));
        assert_eq!(national_code_length(Country::TH), None);
        for member in crate::country::EU_MEMBERS {
            assert_eq!(national_code_length(member), Some(&[8, 10][..]), "{member}");
        }
    }

    #[test]
    fn validate_national_names_the_expected_lengths() {
        assert!(code("8507600010").validate_national(Country::US).is_ok());
        assert!(code("85076000").validate_national(Country::DE).is_ok());
        assert!(code("850760001").validate_national(Country::JP).is_ok());
        assert!(
            code("850760").validate_national(Country::TH).is_ok(),
            "unknown nomenclature: any length"
        );
        let err = code("85076000")
            .validate_national(Country::US)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("10 digits") && err.contains("United States") && err.contains("HTSUS"),
            "{err}"
        );
        let err = code("850760")
            .validate_national(Country::DE)
            .unwrap_err()
            .to_string();
        assert!(err.contains("8 or 10"), "{err}");
    }

    #[test]
    fn serde_as_digit_string() {
        assert_eq!(
            serde_json::to_string(&code("8507.60")).unwrap(),
            "\"850760\""
        );
        assert_eq!(
            serde_json::from_str::<HsCode>("\"8507.60.00\"").unwrap(),
            code("85076000")
        );
        assert!(serde_json::from_str::<HsCode>("\"7700.00\"").is_err());
        assert!(serde_json::from_str::<HsCode>("850760").is_err());
        assert_eq!(
            serde_json::from_str::<HsPrefix>("\"85\"").unwrap().as_str(),
            "85"
        );
    }
}
