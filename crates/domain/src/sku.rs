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
    /// Accepted (case-insensitive, any order, separators ignored):
    /// - no battery: "none", "no", "no battery", "without battery", "无", "无电池", "否", "不带电", "不含电池";
    /// - chemistry: "li-ion", "lithium ion", "li-po", "lithium polymer", "锂离子", "聚合物", generic "lithium"/"锂电池"
    ///   (all lithium-ion); "li-metal", "lithium metal", "coin cell", "button cell", "锂金属", "纽扣电池" (lithium metal);
    /// - packing (required for lithium): "contained", "in equipment", "built-in", "内置", "装在设备中";
    ///   "packed with", "配套", "同包装"; "alone", "standalone", "battery only", "单独", "纯电池";
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
        const NONE_FORMS: [&str; 11] = [
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
            "n",
        ];
        if NONE_FORMS.contains(&label) {
            return Ok(Battery::None);
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
        let generic = has(&["lithium", "锂电", "锂"]);
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
            "装在设备中",
            "装在设备内",
        ]);
        let packed_with = has(&[
            "packed with",
            "packed-with",
            "配套",
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
