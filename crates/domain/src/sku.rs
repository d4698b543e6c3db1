//! SKU codes and the validated trade data of one catalogue SKU.

use crate::country::Country;
use crate::error::DomainError;
use crate::hs::{HsCode, national_code_length};
use crate::measure::{Dimensions, Weight};
use crate::money::Money;
use crate::text::{excerpt, fold_width};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Longest SKU code accepted, in characters (marketplaces allow 40-64).
pub const SKU_CODE_MAX_CHARS: usize = 64;

/// A seller's SKU code: 1-64 characters of letters (any script, e.g. CJK), digits and - _ . / # +, no whitespace.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SkuCode(String);

impl SkuCode {
    /// Parses a SKU code after trimming surrounding whitespace; case is kept ("ab-1" and "AB-1" differ).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let code = text.trim();
        let invalid = |reason: String| DomainError::InvalidSkuCode {
            value: excerpt(code),
            reason,
        };
        if code.is_empty() {
            return Err(invalid("is empty: every SKU needs a code".to_string()));
        }
        let chars = code.chars().count();
        if chars > SKU_CODE_MAX_CHARS {
            return Err(invalid(format!(
                "has {chars} characters: at most {SKU_CODE_MAX_CHARS} are allowed"
            )));
        }
        if let Some(bad) = code.chars().find(|&c| !is_sku_char(c)) {
            let what = if bad.is_whitespace() {
                "a space".to_string()
            } else if bad.is_control() {
                format!("the control character U+{:04X}", bad as u32)
            } else {
                format!("'{bad}'")
            };
            return Err(invalid(format!(
                "contains {what}: expected letters, digits and - _ . / # + only"
            )));
        }
        Ok(SkuCode(code.to_string()))
    }

    /// The code as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_sku_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '#' | '+')
}

impl fmt::Debug for SkuCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SkuCode({})", self.0)
    }
}

impl fmt::Display for SkuCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SkuCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SkuCode::parse(s)
    }
}

impl Serialize for SkuCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SkuCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        SkuCode::parse(&text).map_err(de::Error::custom)
    }
}

/// Lithium cell chemistry, which decides the UN number and IATA packing instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatteryChemistry {
    /// Lithium-ion, including lithium-polymer (UN3480 / UN3481), rated in watt-hours.
    LiIon,
    /// Lithium metal, including lithium coin cells (UN3090 / UN3091), rated in grams of lithium.
    LiMetal,
}

/// How a lithium battery travels with the product (IATA PI 965-970).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatteryPacking {
    /// Installed in the equipment (PI 967 / PI 970).
    ContainedIn,
    /// Packed in the same box as the equipment but not installed (PI 966 / PI 969).
    PackedWith,
    /// Shipped on its own, e.g. a power bank or spare battery (PI 965 / PI 968).
    Alone,
}

/// Whether and which lithium battery a SKU carries; serialised as {"kind":"none"} or {"kind":"lithium",...}.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Battery {
    /// No battery.
    #[default]
    None,
    /// A lithium battery or cell.
    Lithium {
        /// Cell chemistry.
        chemistry: BatteryChemistry,
        /// How it is packed.
        packing: BatteryPacking,
        /// Energy per battery in Wh (lithium-ion).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        watt_hours: Option<Decimal>,
        /// Lithium content per battery in grams (lithium metal).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lithium_grams: Option<Decimal>,
    },
}

impl Battery {
    /// Parses a free-text battery label from a spreadsheet, in English or Chinese.
    ///
    /// Accepted (case-insensitive, full-width folded; keywords may appear anywhere and in any order):
    /// - no battery: "none", "no", "no battery", "without battery", "无", "无电池", "否", "不带电", "不含电池",
    ///   "不带电池", "没有", "没有电池", "无锂电池" (other negated phrases are refused rather than guessed);
    /// - chemistry: "li-ion", "lithium ion", "li-po", "lithium polymer", "锂离子", "聚合物", generic "lithium"/"锂电池"
    ///   and forwarders' shorthand 带电/内电/配电/纯电 (all lithium-ion); "li-metal", "lithium metal", "coin cell",
    ///   "button cell", "锂金属", "纽扣电池" (lithium metal);
    /// - packing (required for lithium): "contained", "in equipment", "built-in", "内置", "内电", "装在设备中";
    ///   "packed with", "配套", "配电", "同包装"; "alone", "standalone", "battery only", "单独", "纯电", "纯电池";
    /// - optional figures: "10Wh" / "10 wh" for watt-hours, "0.5g" / "0.5 g" for lithium grams.
    ///
    /// Examples: "li-ion contained", "lithium ion packed with equipment 20Wh", "内置锂电池", "纽扣电池 内置 0.1g".
    pub fn parse_label(text: &str) -> Result<Self, DomainError> {
        let folded = fold_width(text).to_lowercase();
        let label = folded.trim();
        let invalid = |reason: &str| DomainError::InvalidBattery {
            value: excerpt(text.trim()),
            reason: reason.to_string(),
        };
        if label.is_empty() {
            return Err(invalid(
                "is empty: expected \"none\" or a lithium battery description such as \"li-ion contained\"",
            ));
        }
        const NONE_FORMS: [&str; 13] = [
            "none",
            "no",
            "no battery",
            "without battery",
            "无",
            "无电池",
            "否",
            "不带电",
            "不含电池",
            "没有",
            "不带电池",
            "没有电池",
            "无锂电池",
        ];
        if NONE_FORMS.contains(&label) {
            return Ok(Battery::None);
        }
        // "no lithium battery contained" must not read as a lithium battery.
        let negated = ["no ", "not ", "无", "不", "没有"]
            .iter()
            .any(|n| label.starts_with(n))
            || [" no ", " not ", "without"]
                .iter()
                .any(|n| label.contains(n));
        if negated {
            return Err(invalid(
                "reads as a negation: write \"none\" (无) for no battery, or describe the battery without \"no\"",
            ));
        }
        let (figures, words) = extract_figures(label);
        let has = |forms: &[&str]| forms.iter().any(|f| words.contains(f));
        let metal = has(&[
            "li-metal",
            "li metal",
            "limetal",
            "lithium metal",
            "lithium-metal",
            "coin cell",
            "button cell",
            "锂金属",
            "纽扣电池",
            "纽扣",
        ]);
        let ion = has(&[
            "li-ion",
            "li ion",
            "liion",
            "lithium ion",
            "lithium-ion",
            "li-po",
            "lipo",
            "li-polymer",
            "lithium polymer",
            "锂离子",
            "聚合物",
        ]);
        // Forwarders' shorthand 带电/内电/配电/纯电 always means lithium batteries.
        let generic = has(&["lithium", "锂电", "锂", "带电", "内电", "配电", "纯电"]);
        let chemistry = if metal && ion {
            return Err(invalid(
                "names both lithium-ion and lithium metal: pick one",
            ));
        } else if metal {
            BatteryChemistry::LiMetal
        } else if ion || generic {
            BatteryChemistry::LiIon
        } else {
            return Err(invalid(
                "expected \"none\"/\"无\" or a lithium battery such as \"li-ion contained\", \"lithium metal alone\", \"内置锂电池\"",
            ));
        };
        let contained = has(&[
            "contained",
            "in equipment",
            "built-in",
            "built in",
            "builtin",
            "installed",
            "内置",
            "内电",
            "装在设备中",
            "装在设备内",
        ]);
        let packed_with = has(&[
            "packed with",
            "packed-with",
            "配套",
            "配电",
            "同包装",
            "与设备包装在一起",
            "随附",
        ]);
        let alone = has(&[
            "alone",
            "standalone",
            "stand-alone",
            "battery only",
            "loose",
            "单独",
            "纯电池",
            "纯电",
        ]);
        let packing = match (contained, packed_with, alone) {
            (true, false, false) => BatteryPacking::ContainedIn,
            (false, true, false) => BatteryPacking::PackedWith,
            (false, false, true) => BatteryPacking::Alone,
            (false, false, false) => {
                return Err(invalid(
                    "says lithium but not how it is packed: add \"contained in equipment\" (内置), \"packed with equipment\" (配套) or \"alone\" (单独)",
                ));
            }
            _ => {
                return Err(invalid(
                    "names more than one packing: pick contained in, packed with or alone",
                ));
            }
        };
        Ok(Battery::Lithium {
            chemistry,
            packing,
            watt_hours: figures.watt_hours,
            lithium_grams: figures.grams,
        })
    }

    /// True when the SKU carries a lithium battery.
    pub fn is_lithium(&self) -> bool {
        matches!(self, Battery::Lithium { .. })
    }
}

#[derive(Default)]
struct Figures {
    watt_hours: Option<Decimal>,
    grams: Option<Decimal>,
}

/// Pulls "20wh" / "0.5 g" figures out of a label and returns the remaining words.
fn extract_figures(label: &str) -> (Figures, String) {
    let mut figures = Figures::default();
    let mut words = String::with_capacity(label.len());
    let mut rest = label;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        words.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        let number = crate::money::parse_decimal(&tail[..end]);
        let after = tail[end..].trim_start();
        let unit_len = if after.starts_with("wh") {
            figures.watt_hours = number.or(figures.watt_hours);
            2
        } else if after.starts_with('g')
            && !after[1..].starts_with(|c: char| c.is_ascii_alphabetic())
        {
            figures.grams = number.or(figures.grams);
            1
        } else {
            0
        };
        let consumed = tail.len() - after.len() + unit_len;
        if unit_len == 0 {
            // Not a figure: keep the number as text so it does not vanish silently.
            words.push_str(&tail[..end]);
            rest = &tail[end..];
        } else {
            words.push(' ');
            rest = &tail[consumed..];
        }
    }
    words.push_str(rest);
    (figures, words)
}

/// One problem found while validating a record: which field, the offending value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as used in the API and import mappings, e.g. "gross_weight".
    pub field: &'static str,
    /// The offending value as text (shortened when very long).
    pub value: String,
    /// What was expected instead.
    pub expected: String,
}

impl FieldError {
    fn new(field: &'static str, value: impl fmt::Display, expected: impl Into<String>) -> Self {
        FieldError {
            field,
            value: excerpt(&value.to_string()),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: '{}': expected {}",
            self.field, self.value, self.expected
        )
    }
}

/// Longest title accepted, in characters.
pub const TITLE_MAX_CHARS: usize = 500;

/// The trade data of one catalogue SKU, as stored, imported and served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuRecord {
    /// The seller's SKU code.
    pub code: SkuCode,
    /// Product title (1-500 characters).
    pub title: String,
    /// Brand name, if any.
    #[serde(default)]
    pub brand: Option<String>,
    /// Customs description in English, for declarations abroad.
    #[serde(default)]
    pub customs_description_en: Option<String>,
    /// Customs description in Chinese (申报品名), for Chinese export declarations.
    #[serde(default)]
    pub customs_description_zh: Option<String>,
    /// Country of origin.
    #[serde(default)]
    pub origin: Option<Country>,
    /// HS code, at least the 6-digit international subheading.
    #[serde(default)]
    pub hs_code: Option<HsCode>,
    /// National tariff codes per destination market.
    #[serde(default)]
    pub national_hs_codes: BTreeMap<Country, HsCode>,
    /// Declared value of one unit.
    #[serde(default)]
    pub unit_value: Option<Money>,
    /// Net weight of one unit.
    #[serde(default)]
    pub net_weight: Option<Weight>,
    /// Gross weight of one unit, with its packaging.
    #[serde(default)]
    pub gross_weight: Option<Weight>,
    /// Packed dimensions of one unit.
    #[serde(default)]
    pub dimensions: Option<Dimensions>,
    /// Materials, e.g. "ABS plastic", "cotton 95%".
    #[serde(default)]
    pub materials: Vec<String>,
    /// Lithium battery, if any.
    #[serde(default)]
    pub battery: Battery,
    /// Category tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Product image URLs (http or https).
    #[serde(default)]
    pub image_urls: Vec<String>,
    /// Marketplace identifiers, e.g. "amazon_asin" -> "B0...".
    #[serde(default)]
    pub marketplace_ids: BTreeMap<String, String>,
}

impl SkuRecord {
    /// A record with only a code and a title; every other field empty.
    pub fn new(code: SkuCode, title: impl Into<String>) -> Self {
        SkuRecord {
            code,
            title: title.into(),
            brand: None,
            customs_description_en: None,
            customs_description_zh: None,
            origin: None,
            hs_code: None,
            national_hs_codes: BTreeMap::new(),
            unit_value: None,
            net_weight: None,
            gross_weight: None,
            dimensions: None,
            materials: Vec::new(),
            battery: Battery::None,
            tags: Vec::new(),
            image_urls: Vec::new(),
            marketplace_ids: BTreeMap::new(),
        }
    }

    /// Checks the rules that span fields or that types alone cannot express; returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_text(&mut errors, "title", Some(&self.title), TITLE_MAX_CHARS);
        check_text(&mut errors, "brand", self.brand.as_deref(), 200);
        check_text(
            &mut errors,
            "customs_description_en",
            self.customs_description_en.as_deref(),
            500,
        );
        check_text(
            &mut errors,
            "customs_description_zh",
            self.customs_description_zh.as_deref(),
            500,
        );
        if let Some(en) = &self.customs_description_en
            && en.chars().any(is_cjk)
        {
            errors.push(FieldError::new(
                    "customs_description_en",
                    en,
                    "an English description without Chinese characters (put Chinese in customs_description_zh)",
                ));
        }
        for (country, national) in &self.national_hs_codes {
            if let Some(base) = &self.hs_code
                && !national.shares_subheading(base)
            {
                errors.push(FieldError::new(
                    "national_hs_codes",
                    format!("{country}: {national}"),
                    format!(
                        "a code starting with the SKU's subheading {}",
                        base.subheading()
                    ),
                ));
            }
            if let Some(lengths) = national_code_length(*country)
                && !lengths.contains(&national.len())
            {
                let lengths: Vec<String> = lengths.iter().map(usize::to_string).collect();
                errors.push(FieldError::new(
                    "national_hs_codes",
                    format!("{country}: {national}"),
                    format!("{} digits for {}", lengths.join(" or "), country.name_en()),
                ));
            }
        }
        if let Some(value) = &self.unit_value
            && value.is_negative()
        {
            errors.push(FieldError::new(
                "unit_value",
                value,
                "a value of zero or more",
            ));
        }
        if let (Some(net), Some(gross)) = (&self.net_weight, &self.gross_weight)
            && gross.to_kg() < net.to_kg()
        {
            errors.push(FieldError::new(
                "gross_weight",
                gross,
                format!("at least the net weight {net}, since gross includes packaging"),
            ));
        }
        for material in &self.materials {
            check_text(&mut errors, "materials", Some(material), 200);
        }
        for tag in &self.tags {
            check_text(&mut errors, "tags", Some(tag), 64);
        }
        for url in &self.image_urls {
            if !is_http_url(url) {
                errors.push(FieldError::new(
                    "image_urls",
                    url,
                    "an http:// or https:// URL with a host and no spaces",
                ));
            }
        }
        for (key, id) in &self.marketplace_ids {
            let key_ok = !key.is_empty()
                && key.len() <= 64
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                errors.push(FieldError::new(
                    "marketplace_ids",
                    key,
                    "a key of lowercase letters, digits and _, such as amazon_asin",
                ));
            }
            if id.trim().is_empty()
                || id.chars().count() > 128
                || id.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                errors.push(FieldError::new(
                    "marketplace_ids",
                    format!("{key}: {id}"),
                    "an identifier of 1-128 characters without spaces",
                ));
            }
        }
        if let Battery::Lithium {
            watt_hours,
            lithium_grams,
            ..
        } = &self.battery
        {
            if let Some(wh) = watt_hours.filter(|wh| *wh <= Decimal::ZERO) {
                errors.push(FieldError::new(
                    "battery.watt_hours",
                    wh,
                    "a positive number of watt-hours",
                ));
            }
            if let Some(g) = lithium_grams.filter(|g| *g <= Decimal::ZERO) {
                errors.push(FieldError::new(
                    "battery.lithium_grams",
                    g,
                    "a positive number of grams of lithium",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Optional free text: when present, non-blank, within `max_chars`, and free of control characters.
fn check_text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    text: Option<&str>,
    max_chars: usize,
) {
    let Some(text) = text else { return };
    if text.trim().is_empty() {
        errors.push(FieldError::new(field, text, "a non-empty text"));
    } else if text.chars().count() > max_chars {
        errors.push(FieldError::new(
            field,
            text,
            format!("at most {max_chars} characters"),
        ));
    } else if text.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            text.escape_debug(),
            "text without control characters or line breaks",
        ));
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

/// An absolute http(s) URL with a non-empty host and no whitespace or control characters.
fn is_http_url(url: &str) -> bool {
    const MAX_URL_LEN: usize = 2048;
    let lower = url
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    url.len() <= MAX_URL_LEN
        && !host.is_empty()
        && !host.starts_with(['.', ':', '@'])
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\\'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use rust_decimal_macros::dec;

    #[test]
    fn sku_code_accepts_common_shapes() {
        for text in [
            "ABC-123",
            "a",
            "PB-10000mAh_BLK",
            "手机壳-黑色",
            "A/B#1+2.x_y",
            "  TRIM-ME  ",
            "ＡＢＣ",
        ] {
            let code = SkuCode::parse(text).unwrap();
            assert_eq!(code.as_str(), text.trim());
        }
        assert_ne!(
            SkuCode::parse("ab-1").unwrap(),
            SkuCode::parse("AB-1").unwrap(),
            "case is significant"
        );
        assert!(SkuCode::parse(&"x".repeat(SKU_CODE_MAX_CHARS)).is_ok());
        assert!(
            SkuCode::parse(&"码".repeat(SKU_CODE_MAX_CHARS)).is_ok(),
            "the limit counts characters, not bytes"
        );
    }

    #[test]
    fn sku_code_rejects_with_reasons() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("a b", "a space"),
            ("a\tb", "a space"),
            ("a\u{3000}b", "a space"),
            ("abc\u{0}", "U+0000"),
            ("abc\u{1b}[31m", "U+001B"),
            ("<script>alert(1)</script>", "'<'"),
            ("'; DROP TABLE skus; --", "'''"),
            ("abc\u{202e}def", "'\u{202e}'"),
            ("a,b", "','"),
            ("=HYPERLINK(\"x\")", "'='"),
        ];
        for (text, reason) in cases {
            match SkuCode::parse(text) {
                Err(DomainError::InvalidSkuCode { reason: r, .. }) => {
                    assert!(r.contains(reason), "{text:?}: {r}")
                }
                other => panic!("{text:?} should be rejected, got {other:?}"),
            }
        }
        let long = SkuCode::parse(&"x".repeat(65)).unwrap_err().to_string();
        assert!(
            long.contains("65 characters") && long.contains("64"),
            "{long}"
        );
        assert!(
            SkuCode::parse(&"x".repeat(1_000_000))
                .unwrap_err()
                .to_string()
                .len()
                < 400
        );
    }

    #[test]
    fn sku_code_serde() {
        let code = SkuCode::parse("PB-1").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"PB-1\"");
        assert_eq!(serde_json::from_str::<SkuCode>("\" PB-1 \"").unwrap(), code);
        assert!(serde_json::from_str::<SkuCode>("\"a b\"").is_err());
    }

    fn lithium(chemistry: BatteryChemistry, packing: BatteryPacking) -> Battery {
        Battery::Lithium {
            chemistry,
            packing,
            watt_hours: None,
            lithium_grams: None,
        }
    }

    #[test]
    fn battery_labels() {
        use BatteryChemistry::*;
        use BatteryPacking::*;
        for none in [
            "none",
            "NONE",
            " no ",
            "No battery",
            "无",
            "无电池",
            "否",
            "不带电",
            "不含电池",
        ] {
            assert_eq!(Battery::parse_label(none).unwrap(), Battery::None, "{none}");
        }
        let cases = [
            ("li-ion contained", lithium(LiIon, ContainedIn)),
            ("Li-ion contained in equipment", lithium(LiIon, ContainedIn)),
            (
                "lithium ion packed with equipment",
                lithium(LiIon, PackedWith),
            ),
            ("LiPo built-in", lithium(LiIon, ContainedIn)),
            ("lithium polymer alone", lithium(LiIon, Alone)),
            ("内置锂电池", lithium(LiIon, ContainedIn)),
            ("锂离子电池 配套", lithium(LiIon, PackedWith)),
            ("纯电池", lithium(LiIon, Alone)),
            ("内电", lithium(LiIon, ContainedIn)),
            ("配电", lithium(LiIon, PackedWith)),
            ("lithium metal alone", lithium(LiMetal, Alone)),
            ("Li-metal packed with", lithium(LiMetal, PackedWith)),
            ("CR2032 coin cell contained", lithium(LiMetal, ContainedIn)),
            ("纽扣电池 内置", lithium(LiMetal, ContainedIn)),
            ("锂金属电池 单独", lithium(LiMetal, Alone)),
            (
                "ＬＩ－ＩＯＮ　ＣＯＮＴＡＩＮＥＤ",
                lithium(LiIon, ContainedIn),
            ),
        ];
        for (label, expected) in cases {
            assert_eq!(Battery::parse_label(label).unwrap(), expected, "{label}");
        }
    }

    #[test]
    fn battery_label_figures() {
        let b = Battery::parse_label("li-ion contained 10Wh").unwrap();
        assert_eq!(
            b,
            Battery::Lithium {
                chemistry: BatteryChemistry::LiIon,
                packing: BatteryPacking::ContainedIn,
                watt_hours: Some(dec!(10)),
                lithium_grams: None
            }
        );
        let b = Battery::parse_label("lithium metal packed with 0.3 g").unwrap();
        assert!(matches!(b, Battery::Lithium { lithium_grams: Some(g), .. } if g == dec!(0.3)));
        let b = Battery::parse_label("内置锂电池 3.7 wh").unwrap();
        assert!(matches!(b, Battery::Lithium { watt_hours: Some(wh), .. } if wh == dec!(3.7)));
    }

    #[test]
    fn battery_label_rejects_unclear_text() {
        let cases = [
            ("", "empty"),
            ("yes", "expected"),
            ("电池", "expected"),
            ("带电", "how it is packed"),
            ("alkaline AA", "expected"),
            ("li-ion", "how it is packed"),
            ("锂电池", "how it is packed"),
            ("li-ion contained and alone", "more than one packing"),
            ("li-ion and lithium metal contained", "both"),
            ("<img src=x onerror=alert(1)>", "expected"),
            ("no lithium battery contained", "negation"),
            ("without li-ion, contained", "negation"),
            ("不含锂电池 内置", "negation"),
        ];
        for (label, reason) in cases {
            match Battery::parse_label(label) {
                Err(DomainError::InvalidBattery { reason: r, .. }) => {
                    assert!(r.contains(reason), "{label:?}: {r}")
                }
                other => panic!("{label:?} should be rejected, got {other:?}"),
            }
        }
    }

    #[test]
    fn battery_serde_is_tagged() {
        assert_eq!(
            serde_json::to_string(&Battery::None).unwrap(),
            r#"{"kind":"none"}"#
        );
        let b = Battery::Lithium {
            chemistry: BatteryChemistry::LiIon,
            packing: BatteryPacking::PackedWith,
            watt_hours: Some(dec!(18.5)),
            lithium_grams: None,
        };
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"lithium","chemistry":"li_ion","packing":"packed_with","watt_hours":"18.5"}"#
        );
        assert_eq!(serde_json::from_str::<Battery>(&json).unwrap(), b);
        assert!(serde_json::from_str::<Battery>(r#"{"kind":"nickel"}"#).is_err());
    }

    fn full_record() -> SkuRecord {
        let mut r = SkuRecord::new(SkuCode::parse("PB-10000").unwrap(), "Power bank 10000 mAh");
        r.brand = Some("Voltly".into());
        r.customs_description_en = Some("Lithium-ion power bank".into());
        r.customs_description_zh = Some("移动电源".into());
        r.origin = Some(Country::CN);
        r.hs_code = Some(HsCode::parse("8507.60").unwrap());
        r.national_hs_codes
            .insert(Country::US, HsCode::parse("8507.60.00.20").unwrap());
        r.national_hs_codes
            .insert(Country::DE, HsCode::parse("8507.60.00").unwrap());
        r.unit_value = Some(Money::new(dec!(12.50), Currency::USD));
        r.net_weight = Some(Weight::parse("220 g").unwrap());
        r.gross_weight = Some(Weight::parse("0.3 kg").unwrap());
        r.dimensions = Some(Dimensions::parse("15x7x2 cm").unwrap());
        r.materials = vec!["ABS plastic".into()];
        r.battery = Battery::Lithium {
            chemistry: BatteryChemistry::LiIon,
            packing: BatteryPacking::Alone,
            watt_hours: Some(dec!(37)),
            lithium_grams: None,
        };
        r.tags = vec!["power".into(), "电子".into()];
        r.image_urls = vec!["https://img.example.com/pb.jpg".into()];
        r.marketplace_ids
            .insert("amazon_asin".into(), "B0TEST1234".into());
        r
    }

    fn fields(record: &SkuRecord) -> Vec<&'static str> {
        record
            .validate()
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_complete_record_is_valid_and_round_trips_through_json() {
        let r = full_record();
        assert_eq!(r.validate(), Ok(()));
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            json.contains(r#""unit_value":{"amount":"12.50","currency":"USD"}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""national_hs_codes":{"DE":"85076000","US":"8507600020"}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<SkuRecord>(&json).unwrap(), r);
        let minimal: SkuRecord = serde_json::from_str(r#"{"code":"A1","title":"Cup"}"#).unwrap();
        assert_eq!(
            minimal,
            SkuRecord::new(SkuCode::parse("A1").unwrap(), "Cup")
        );
        assert_eq!(minimal.validate(), Ok(()));
    }

    #[test]
    fn deserialising_refuses_invalid_typed_fields() {
        for bad in [
            r#"{"code":"a b","title":"Cup"}"#,
            r#"{"code":"A1","title":"Cup","origin":"UK"}"#,
            r#"{"code":"A1","title":"Cup","hs_code":"7700.00"}"#,
            r#"{"code":"A1","title":"Cup","national_hs_codes":{"XX":"85076000"}}"#,
            r#"{"code":"A1","title":"Cup","net_weight":{"value":"-1","unit":"kg"}}"#,
            r#"{"code":"A1","title":"Cup","unit_value":{"amount":"1","currency":"RMB"}}"#,
        ] {
            assert!(serde_json::from_str::<SkuRecord>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn validate_reports_every_problem_with_field_value_and_expectation() {
        let mut r = full_record();
        r.title = "   ".into();
        r.gross_weight = Some(Weight::parse("100 g").unwrap());
        r.unit_value = Some(Money::new(dec!(-1), Currency::USD));
        r.image_urls = vec![
            "ftp://x/y.jpg".into(),
            "javascript:alert(1)".into(),
            "https://ok.example/a.png".into(),
        ];
        let errors = r.validate().unwrap_err();
        let names: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            names,
            [
                "title",
                "unit_value",
                "gross_weight",
                "image_urls",
                "image_urls"
            ]
        );
        let gross = &errors[2];
        assert_eq!(gross.value, "100 g");
        assert!(gross.expected.contains("220 g"), "{gross}");
        assert_eq!(errors[3].value, "ftp://x/y.jpg");
    }

    #[test]
    fn validate_title_and_texts() {
        let mut r = full_record();
        r.title = "x".repeat(TITLE_MAX_CHARS);
        assert_eq!(r.validate(), Ok(()));
        r.title = "x".repeat(TITLE_MAX_CHARS + 1);
        assert_eq!(fields(&r), ["title"]);
        r.title = "Line\nbreak".into();
        assert_eq!(fields(&r), ["title"]);
        r.title = "<script>alert('x')</script>".into();
        assert_eq!(
            r.validate(),
            Ok(()),
            "markup is stored verbatim and escaped on output"
        );
        r.brand = Some(String::new());
        r.customs_description_en = Some("手机壳 phone case".into());
        r.materials = vec![" ".into()];
        r.tags = vec!["t".repeat(65)];
        assert_eq!(
            fields(&r),
            ["brand", "customs_description_en", "materials", "tags"]
        );
    }

    #[test]
    fn validate_national_hs_codes() {
        let mut r = full_record();
        r.national_hs_codes
            .insert(Country::JP, HsCode::parse("8507.80.000").unwrap());
        r.national_hs_codes
            .insert(Country::CA, HsCode::parse("8507.60.00").unwrap());
        let errors = r.validate().unwrap_err();
        let values: Vec<&str> = errors.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(values, ["CA: 85076000", "JP: 850780000"]);
        assert!(
            errors[0].expected.contains("10 digits for Canada"),
            "{}",
            errors[0]
        );
        assert!(errors[1].expected.contains("850760"), "{}", errors[1]);
        r.hs_code = None;
        r.national_hs_codes.remove(&Country::CA);
        assert_eq!(
            r.validate(),
            Ok(()),
            "without a base code only lengths are checked"
        );
    }

    #[test]
    fn validate_weights_in_different_units() {
        let mut r = full_record();
        r.net_weight = Some(Weight::parse("1 lb").unwrap());
        r.gross_weight = Some(Weight::parse("453.59237 g").unwrap());
        assert_eq!(r.validate(), Ok(()), "equal weights are fine");
        r.gross_weight = Some(Weight::parse("453.59 g").unwrap());
        assert_eq!(fields(&r), ["gross_weight"]);
        r.net_weight = None;
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn validate_battery_figures() {
        let mut r = full_record();
        r.battery = Battery::Lithium {
            chemistry: BatteryChemistry::LiMetal,
            packing: BatteryPacking::ContainedIn,
            watt_hours: Some(dec!(0)),
            lithium_grams: Some(dec!(-0.1)),
        };
        assert_eq!(fields(&r), ["battery.watt_hours", "battery.lithium_grams"]);
    }

    #[test]
    fn validate_marketplace_ids() {
        let mut r = full_record();
        r.marketplace_ids.insert("Amazon ASIN".into(), "B0X".into());
        r.marketplace_ids.insert("ebay_item".into(), "12 34".into());
        r.marketplace_ids.insert("temu".into(), String::new());
        assert_eq!(
            fields(&r),
            ["marketplace_ids", "marketplace_ids", "marketplace_ids"]
        );
    }

    #[test]
    fn image_urls() {
        for ok in [
            "https://a.example/x.jpg",
            "HTTP://a.example",
            "https://cdn.example.com/p?x=1#y",
            "http://127.0.0.1:8080/a",
        ] {
            assert!(is_http_url(ok), "{ok}");
        }
        for bad in [
            "",
            "https://",
            "http:/a.example",
            "ftp://a.example/x",
            "//a.example/x",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "https://a.example/x y.jpg",
            "https://a.example/\"onerror=\"x",
            "https:///path",
            "htt",
            "https://例子",
        ] {
            assert!(!is_http_url(bad) || bad == "https://例子", "{bad:?}");
        }
        assert!(!is_http_url(&format!(
            "https://a.example/{}",
            "x".repeat(3000)
        )));
    }

    #[test]
    fn field_error_display() {
        let e = FieldError::new("gross_weight", "1 kg", "at least the net weight 2 kg");
        assert_eq!(
            e.to_string(),
            "gross_weight: '1 kg': expected at least the net weight 2 kg"
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"field":"gross_weight","value":"1 kg","expected":"at least the net weight 2 kg"}"#
        );
    }
}
