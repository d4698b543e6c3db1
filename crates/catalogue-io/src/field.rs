//! The catalogue fields a column can be mapped to, with their stable keys and display labels.

use std::fmt;

use tradelane_domain::{Country, UiLang};

/// A catalogue field one spreadsheet column fills.
///
/// Serialised as a stable text key (`"hs_code"`, `"national_hs_code:US"`,
/// `"marketplace_id:amazon_asin"`) so a mapping can be shown, edited and sent back as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    SkuCode,
    Title,
    Brand,
    CustomsDescriptionEn,
    CustomsDescriptionZh,
    Origin,
    HsCode,
    /// National tariff code for one destination market.
    NationalHsCode(Country),
    /// Declared value of one unit; the currency comes from the header, a currency column,
    /// the cell itself ("12.5 USD") or the import's default currency.
    UnitValue,
    Currency,
    NetWeight,
    GrossWeight,
    Length,
    Width,
    Height,
    /// All three lengths in one cell: "30x20x10 cm".
    Dimensions,
    Materials,
    /// A battery label such as "li-ion contained 20Wh" or "无".
    Battery,
    BatteryWh,
    Tags,
    ImageUrls,
    /// An identifier on a marketplace, keyed like `amazon_asin`.
    MarketplaceId(String),
}

impl Field {
    /// Fields without parameters, in export order.
    pub const SIMPLE: [Field; 20] = [
        Field::SkuCode,
        Field::Title,
        Field::Brand,
        Field::CustomsDescriptionEn,
        Field::CustomsDescriptionZh,
        Field::Origin,
        Field::HsCode,
        Field::UnitValue,
        Field::Currency,
        Field::NetWeight,
        Field::GrossWeight,
        Field::Length,
        Field::Width,
        Field::Height,
        Field::Dimensions,
        Field::Materials,
        Field::Battery,
        Field::BatteryWh,
        Field::Tags,
        Field::ImageUrls,
    ];

    /// The stable key used in mappings, APIs and error reports.
    pub fn key(&self) -> String {
        match self {
            Field::NationalHsCode(country) => format!("national_hs_code:{}", country.code()),
            Field::MarketplaceId(key) => format!("marketplace_id:{key}"),
            other => other.simple_key().to_owned(),
        }
    }

    fn simple_key(&self) -> &'static str {
        match self {
            Field::SkuCode => "sku_code",
            Field::Title => "title",
            Field::Brand => "brand",
            Field::CustomsDescriptionEn => "customs_description_en",
            Field::CustomsDescriptionZh => "customs_description_zh",
            Field::Origin => "origin",
            Field::HsCode => "hs_code",
            Field::NationalHsCode(_) => "national_hs_code",
            Field::UnitValue => "unit_value",
            Field::Currency => "currency",
            Field::NetWeight => "net_weight",
            Field::GrossWeight => "gross_weight",
            Field::Length => "length",
            Field::Width => "width",
            Field::Height => "height",
            Field::Dimensions => "dimensions",
            Field::Materials => "materials",
            Field::Battery => "battery",
            Field::BatteryWh => "battery_wh",
            Field::Tags => "tags",
            Field::ImageUrls => "image_urls",
            Field::MarketplaceId(_) => "marketplace_id",
        }
    }

    /// Parses a key produced by [`Field::key`].
    pub fn from_key(key: &str) -> Option<Field> {
        if let Some(code) = key.strip_prefix("national_hs_code:") {
            return Country::parse(code).ok().map(Field::NationalHsCode);
        }
        if let Some(id) = key.strip_prefix("marketplace_id:") {
            return is_marketplace_key(id).then(|| Field::MarketplaceId(id.to_owned()));
        }
        Field::SIMPLE
            .iter()
            .find(|f| f.simple_key() == key)
            .cloned()
    }

    /// A label for column headers and reports. Exported headers use these, and the header
    /// recogniser reads every one of them back.
    pub fn label(&self, lang: UiLang) -> String {
        match (self, lang) {
            (Field::NationalHsCode(c), UiLang::En) => format!("HS code {}", c.code()),
            (Field::NationalHsCode(c), UiLang::ZhCn) => format!("{}海关编码", c.code()),
            (Field::MarketplaceId(k), UiLang::En) => format!("Marketplace ID {k}"),
            (Field::MarketplaceId(k), UiLang::ZhCn) => format!("平台编号 {k}"),
            (f, UiLang::En) => f.label_en().to_owned(),
            (f, UiLang::ZhCn) => f.label_zh().to_owned(),
        }
    }

    fn label_en(&self) -> &'static str {
        match self {
            Field::SkuCode => "SKU",
            Field::Title => "Title",
            Field::Brand => "Brand",
            Field::CustomsDescriptionEn => "Customs description (EN)",
            Field::CustomsDescriptionZh => "Customs description (ZH)",
            Field::Origin => "Origin",
            Field::HsCode => "HS code",
            Field::UnitValue => "Unit value",
            Field::Currency => "Currency",
            Field::NetWeight => "Net weight",
            Field::GrossWeight => "Gross weight",
            Field::Length => "Length",
            Field::Width => "Width",
            Field::Height => "Height",
            Field::Dimensions => "Dimensions",
            Field::Materials => "Materials",
            Field::Battery => "Battery",
            Field::BatteryWh => "Battery Wh",
            Field::Tags => "Tags",
            Field::ImageUrls => "Image URLs",
            Field::NationalHsCode(_) | Field::MarketplaceId(_) => "",
        }
    }

    fn label_zh(&self) -> &'static str {
        match self {
            Field::SkuCode => "货号",
            Field::Title => "品名",
            Field::Brand => "品牌",
            Field::CustomsDescriptionEn => "申报英文名",
            Field::CustomsDescriptionZh => "申报中文名",
            Field::Origin => "原产国",
            Field::HsCode => "海关编码",
            Field::UnitValue => "申报价值",
            Field::Currency => "币种",
            Field::NetWeight => "净重",
            Field::GrossWeight => "毛重",
            Field::Length => "长",
            Field::Width => "宽",
            Field::Height => "高",
            Field::Dimensions => "尺寸",
            Field::Materials => "材质",
            Field::Battery => "电池",
            Field::BatteryWh => "电池瓦时",
            Field::Tags => "类目",
            Field::ImageUrls => "图片",
            Field::NationalHsCode(_) | Field::MarketplaceId(_) => "",
        }
    }

    /// True for the fields every row must have.
    pub fn is_required(&self) -> bool {
        matches!(self, Field::SkuCode | Field::Title)
    }
}

/// Marketplace keys are stored as given: lowercase letters, digits and `_` (as the domain requires).
pub(crate) fn is_marketplace_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        Field::from_key(&key).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown catalogue field '{key}': expected one of sku_code, title, brand, \
                 customs_description_en, customs_description_zh, origin, hs_code, \
                 national_hs_code:<country>, unit_value, currency, net_weight, gross_weight, \
                 length, width, height, dimensions, materials, battery, battery_wh, tags, \
                 image_urls, marketplace_id:<key>"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let mut fields: Vec<Field> = Field::SIMPLE.to_vec();
        fields.push(Field::NationalHsCode(Country::parse("US").unwrap()));
        fields.push(Field::MarketplaceId("amazon_asin".to_owned()));
        for field in fields {
            assert_eq!(
                Field::from_key(&field.key()),
                Some(field.clone()),
                "{field}"
            );
            let json = serde_json::to_string(&field).unwrap();
            assert_eq!(serde_json::from_str::<Field>(&json).unwrap(), field);
        }
        assert_eq!(Field::from_key("national_hs_code:ZZ"), None);
        assert_eq!(Field::from_key("marketplace_id:Bad Key"), None);
        assert_eq!(Field::from_key("price"), None);
    }
}
