//! Recognising header texts (English and Chinese, with common synonyms) and the editable
//! column mapping built from them.

use serde::{Deserialize, Serialize};
use tradelane_domain::{Currency, LengthUnit, WeightUnit};

use crate::country_names::country_in_key;
use crate::field::{Field, is_marketplace_key};
use crate::sheet::column_letters;

/// One column of the file and what it fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnBinding {
    /// Zero-based column index in the sheet.
    pub index: usize,
    /// Header text as in the file.
    pub header: String,
    /// The field this column fills; `None` leaves the column out of the import.
    pub field: Option<Field>,
    /// A unit or currency taken from the header ("毛重(千克)" → `kg`, "Value (USD)" → `USD`),
    /// applied to cells that carry none themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl ColumnBinding {
    /// How the column is named in messages: its header, or its letter when the header is blank.
    pub fn display_name(&self) -> String {
        if self.header.trim().is_empty() {
            format!("(column {})", column_letters(self.index))
        } else {
            self.header.clone()
        }
    }
}

/// Which column fills which field; suggested from the headers, editable by the user.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub columns: Vec<ColumnBinding>,
}

/// A mapping that cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MappingError {
    #[error("no column is mapped to {field}, which every row needs")]
    MissingRequired { field: Field },
    #[error("{field} is mapped from more than one column: {}", columns.join(", "))]
    DuplicateField { field: Field, columns: Vec<String> },
    #[error("column \"{column}\" has the unit \"{unit}\", which does not fit {field}: {expected}")]
    UnitDoesNotFit {
        column: String,
        field: Field,
        unit: String,
        expected: String,
    },
    #[error("the mapping names column {index}, but the file has {columns} columns")]
    NoSuchColumn { index: usize, columns: usize },
    #[error("length, width and height must be mapped together (mapped: {})", mapped.join(", "))]
    IncompleteDimensions { mapped: Vec<String> },
    #[error(
        "dimensions are mapped both as one column and as length/width/height columns; map one of them"
    )]
    ConflictingDimensions,
}

impl ColumnMapping {
    /// The binding of a field, if a column is mapped to it.
    pub fn column_of(&self, field: &Field) -> Option<&ColumnBinding> {
        self.columns
            .iter()
            .find(|c| c.field.as_ref() == Some(field))
    }

    /// Columns with a header that no field was found for (shown to the user to map or ignore).
    pub fn unknown_columns(&self) -> Vec<&ColumnBinding> {
        self.columns
            .iter()
            .filter(|c| c.field.is_none() && !c.header.trim().is_empty())
            .collect()
    }

    /// Everything wrong with the mapping for a sheet of `column_count` columns.
    pub fn check(&self, column_count: usize) -> Vec<MappingError> {
        let mut errors = Vec::new();
        for binding in &self.columns {
            if binding.index >= column_count {
                errors.push(MappingError::NoSuchColumn {
                    index: binding.index,
                    columns: column_count,
                });
            }
        }
        for field in [Field::SkuCode, Field::Title] {
            if self.column_of(&field).is_none() {
                errors.push(MappingError::MissingRequired { field });
            }
        }
        let mut seen: Vec<&Field> = Vec::new();
        for binding in &self.columns {
            let Some(field) = &binding.field else {
                continue;
            };
            if seen.contains(&field) {
                continue;
            }
            seen.push(field);
            let columns: Vec<String> = self
                .columns
                .iter()
                .filter(|c| c.field.as_ref() == Some(field))
                .map(ColumnBinding::display_name)
                .collect();
            if columns.len() > 1 {
                errors.push(MappingError::DuplicateField {
                    field: field.clone(),
                    columns,
                });
            }
        }
        for binding in &self.columns {
            if let (Some(field), Some(unit)) = (&binding.field, &binding.unit)
                && let Err(expected) = check_unit(field, unit)
            {
                errors.push(MappingError::UnitDoesNotFit {
                    column: binding.display_name(),
                    field: field.clone(),
                    unit: unit.clone(),
                    expected,
                });
            }
        }
        let lwh: Vec<String> = [Field::Length, Field::Width, Field::Height]
            .iter()
            .filter(|f| self.column_of(f).is_some())
            .map(Field::key)
            .collect();
        if !lwh.is_empty() && lwh.len() < 3 {
            errors.push(MappingError::IncompleteDimensions { mapped: lwh });
        } else if !lwh.is_empty() && self.column_of(&Field::Dimensions).is_some() {
            errors.push(MappingError::ConflictingDimensions);
        }
        errors
    }
}

fn check_unit(field: &Field, unit: &str) -> Result<(), String> {
    match field {
        Field::NetWeight | Field::GrossWeight => WeightUnit::parse(unit)
            .map(|_| ())
            .map_err(|_| "a weight unit: kg, g, lb or oz".to_owned()),
        Field::Length | Field::Width | Field::Height | Field::Dimensions => LengthUnit::parse(unit)
            .map(|_| ())
            .map_err(|_| "a length unit: cm, mm or in".to_owned()),
        Field::UnitValue => currency_from_unit(unit)
            .map(|_| ())
            .ok_or_else(|| "an ISO 4217 currency code such as USD".to_owned()),
        Field::BatteryWh if unit.eq_ignore_ascii_case("wh") => Ok(()),
        _ => Err("no unit (this field does not take one)".to_owned()),
    }
}

/// A currency named in a header: an ISO code or a common Chinese name.
pub(crate) fn currency_from_unit(unit: &str) -> Option<Currency> {
    let code = match unit.trim() {
        "美元" | "美金" => "USD",
        "人民币" | "元" | "rmb" | "RMB" => "CNY",
        "欧元" => "EUR",
        "英镑" => "GBP",
        "日元" => "JPY",
        "港币" | "港元" => "HKD",
        "加元" | "加币" => "CAD",
        "澳元" | "澳币" => "AUD",
        other => other,
    };
    Currency::parse(code).ok()
}

/// Suggests a field for every header. Unrecognised columns are left unmapped; a field already
/// taken by an earlier column is not suggested again.
pub fn suggest_mapping(headers: &[String]) -> ColumnMapping {
    let mut columns: Vec<ColumnBinding> = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let recognised = recognise_header(header);
        let (field, unit) = match recognised {
            Some(r) if !columns.iter().any(|c| c.field.as_ref() == Some(&r.field)) => {
                (Some(r.field), r.unit)
            }
            _ => (None, None),
        };
        columns.push(ColumnBinding {
            index,
            header: header.clone(),
            field,
            unit,
        });
    }
    ColumnMapping { columns }
}

/// What a header was recognised as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecognisedHeader {
    pub field: Field,
    /// Canonical unit symbol ("kg", "cm") or ISO currency code, when the header names one.
    pub unit: Option<String>,
}

/// Recognises one header text. Full-width characters, letter case, spaces, punctuation and
/// required-field markers (`*`) are ignored; a unit in brackets or at the end is taken apart.
pub fn recognise_header(header: &str) -> Option<RecognisedHeader> {
    let folded = fold_width(header).to_lowercase();
    let folded = folded.trim().trim_matches('*').trim();
    if let Some(field) = marketplace_header(folded) {
        return Some(RecognisedHeader { field, unit: None });
    }
    let (base, bracket) = split_bracket(folded);
    let full_key = key_of(folded);
    let base_key = key_of(base);
    if let Some(field) = lookup(&full_key) {
        return Some(RecognisedHeader { field, unit: None });
    }
    if let Some(unit) = bracket
        && let Some(found) = with_unit(&base_key, &key_of(unit))
    {
        return Some(found);
    }
    if let Some(field) = national_hs(&full_key) {
        return Some(RecognisedHeader { field, unit: None });
    }
    // A bracket that is not a unit ("Title (shown to buyers)") is only a remark.
    if bracket.is_some()
        && let Some(field) = lookup(&base_key)
    {
        return Some(RecognisedHeader { field, unit: None });
    }
    split_unit_suffix(&base_key)
}

/// Maps full-width ASCII and punctuation (what Chinese input methods produce) to ASCII.
pub(crate) fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '【' | '〔' => '[',
            '】' | '〕' => ']',
            _ => c,
        })
        .collect()
}

/// Letters and digits only (any script), lowercase.
fn key_of(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Splits "gross weight (kg)" into ("gross weight ", Some("kg")), using the last bracket group.
fn split_bracket(text: &str) -> (&str, Option<&str>) {
    let Some(close) = text.rfind([')', ']']) else {
        return (text, None);
    };
    let Some(open) = text[..close].rfind(['(', '[']) else {
        return (text, None);
    };
    let inner = text[open + 1..close].trim();
    if inner.is_empty() {
        return (text, None);
    }
    (&text[..open], Some(inner))
}

/// "Marketplace ID amazon_asin" / "平台编号 amazon_asin" / "marketplace_id:ebay_item_id".
fn marketplace_header(folded: &str) -> Option<Field> {
    const PREFIXES: [&str; 4] = ["marketplace id", "marketplace_id", "平台编号", "平台id"];
    for prefix in PREFIXES {
        if let Some(rest) = folded.strip_prefix(prefix) {
            let key = rest.trim_start_matches([':', ' ']).trim();
            if is_marketplace_key(key) {
                return Some(Field::MarketplaceId(key.to_owned()));
            }
        }
    }
    None
}

fn with_unit(base_key: &str, unit_key: &str) -> Option<RecognisedHeader> {
    let field = lookup(base_key)?;
    if unit_key == "wh" && matches!(field, Field::Battery) {
        return Some(RecognisedHeader {
            field: Field::BatteryWh,
            unit: None,
        });
    }
    canonical_unit(&field, unit_key).map(|unit| RecognisedHeader {
        field,
        unit: Some(unit),
    })
}

/// The canonical spelling of a unit for a field, if the unit fits the field.
fn canonical_unit(field: &Field, unit: &str) -> Option<String> {
    match field {
        Field::NetWeight | Field::GrossWeight => {
            WeightUnit::parse(unit).ok().map(|u| u.symbol().to_owned())
        }
        Field::Length | Field::Width | Field::Height | Field::Dimensions => {
            LengthUnit::parse(unit).ok().map(|u| u.symbol().to_owned())
        }
        Field::UnitValue => currency_from_unit(unit).map(|c| c.code().to_owned()),
        Field::BatteryWh if unit == "wh" => None,
        _ => None,
    }
}

/// "毛重kg", "weightlb", "单价usd": a known header with the unit glued on.
fn split_unit_suffix(key: &str) -> Option<RecognisedHeader> {
    const SUFFIXES: [&str; 16] = [
        "千克", "公斤", "kgs", "kg", "克", "lbs", "lb", "oz", "磅", "厘米", "毫米", "英寸", "cm",
        "mm", "in", "g",
    ];
    for suffix in SUFFIXES {
        if let Some(base) = key.strip_suffix(suffix)
            && !base.is_empty()
            && let Some(found) = with_unit(base, suffix)
        {
            return Some(found);
        }
    }
    // A currency code glued to a value header: "unitvalueusd", "申报价值usd".
    if key.len() > 3 && key.is_char_boundary(key.len() - 3) {
        let (base, code) = key.split_at(key.len() - 3);
        if code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return with_unit(base, code);
        }
    }
    None
}

/// "HS US", "US HTS", "hs code (DE)", "美国海关编码", "HTSUS": a national tariff code column.
fn national_hs(key: &str) -> Option<Field> {
    if matches!(
        key,
        "htsus" | "ushts" | "hts" | "htscode" | "ushtscode" | "htsuscode"
    ) {
        return country_in_key("us").map(Field::NationalHsCode);
    }
    const MARKERS: [&str; 12] = [
        "hscode",
        "htscode",
        "tariffcode",
        "海关编码",
        "hs编码",
        "hs编号",
        "海关编号",
        "税号",
        "hts",
        "hs",
        "national",
        "编码",
    ];
    let key = key.strip_prefix("national").unwrap_or(key);
    for marker in MARKERS {
        let rest = key
            .strip_prefix(marker)
            .or_else(|| key.strip_suffix(marker));
        if let Some(rest) = rest
            && !rest.is_empty()
            && let Some(country) = country_in_key(rest)
        {
            return Some(Field::NationalHsCode(country));
        }
    }
    None
}

/// Header synonyms, as keys (lowercase, letters and digits only).
const SYNONYMS: &[(&str, Field)] = &[
    // SKU code
    ("sku", Field::SkuCode),
    ("skucode", Field::SkuCode),
    ("skuid", Field::SkuCode),
    ("skuno", Field::SkuCode),
    ("skunumber", Field::SkuCode),
    ("sellersku", Field::SkuCode),
    ("merchantsku", Field::SkuCode),
    ("itemcode", Field::SkuCode),
    ("itemno", Field::SkuCode),
    ("itemnumber", Field::SkuCode),
    ("productcode", Field::SkuCode),
    ("articlenumber", Field::SkuCode),
    ("articleno", Field::SkuCode),
    ("partnumber", Field::SkuCode),
    ("货号", Field::SkuCode),
    ("sku编码", Field::SkuCode),
    ("sku编号", Field::SkuCode),
    ("sku码", Field::SkuCode),
    ("商品编码", Field::SkuCode),
    ("商品编号", Field::SkuCode),
    ("产品编码", Field::SkuCode),
    ("产品编号", Field::SkuCode),
    ("商家编码", Field::SkuCode),
    ("货品编号", Field::SkuCode),
    ("商品sku", Field::SkuCode),
    ("产品sku", Field::SkuCode),
    // Title
    ("title", Field::Title),
    ("name", Field::Title),
    ("productname", Field::Title),
    ("producttitle", Field::Title),
    ("itemname", Field::Title),
    ("itemtitle", Field::Title),
    ("品名", Field::Title),
    ("商品名称", Field::Title),
    ("产品名称", Field::Title),
    ("商品名", Field::Title),
    ("产品名", Field::Title),
    ("名称", Field::Title),
    ("标题", Field::Title),
    ("商品标题", Field::Title),
    ("产品标题", Field::Title),
    // Brand
    ("brand", Field::Brand),
    ("brandname", Field::Brand),
    ("品牌", Field::Brand),
    ("品牌名称", Field::Brand),
    ("品牌名", Field::Brand),
    // Customs description, English
    ("customsdescription", Field::CustomsDescriptionEn),
    ("customsdescriptionen", Field::CustomsDescriptionEn),
    ("customsdescriptionenglish", Field::CustomsDescriptionEn),
    ("englishcustomsdescription", Field::CustomsDescriptionEn),
    ("customsname", Field::CustomsDescriptionEn),
    ("customsnameen", Field::CustomsDescriptionEn),
    ("declarationname", Field::CustomsDescriptionEn),
    ("declarationnameen", Field::CustomsDescriptionEn),
    ("declaredname", Field::CustomsDescriptionEn),
    ("declarednameen", Field::CustomsDescriptionEn),
    ("englishdeclaredname", Field::CustomsDescriptionEn),
    ("descriptionofgoods", Field::CustomsDescriptionEn),
    ("英文品名", Field::CustomsDescriptionEn),
    ("申报英文名", Field::CustomsDescriptionEn),
    ("英文申报名", Field::CustomsDescriptionEn),
    ("申报英文品名", Field::CustomsDescriptionEn),
    ("英文申报品名", Field::CustomsDescriptionEn),
    ("申报品名英文", Field::CustomsDescriptionEn),
    ("报关英文名", Field::CustomsDescriptionEn),
    ("英文报关名", Field::CustomsDescriptionEn),
    ("申报名称英文", Field::CustomsDescriptionEn),
    ("英文名称", Field::CustomsDescriptionEn),
    // Customs description, Chinese
    ("customsdescriptionzh", Field::CustomsDescriptionZh),
    ("customsdescriptioncn", Field::CustomsDescriptionZh),
    ("customsdescriptionchinese", Field::CustomsDescriptionZh),
    ("chinesecustomsdescription", Field::CustomsDescriptionZh),
    ("customsnamezh", Field::CustomsDescriptionZh),
    ("customsnamecn", Field::CustomsDescriptionZh),
    ("declarationnamezh", Field::CustomsDescriptionZh),
    ("declarationnamecn", Field::CustomsDescriptionZh),
    ("declarednamezh", Field::CustomsDescriptionZh),
    ("declarednamecn", Field::CustomsDescriptionZh),
    ("chinesedeclaredname", Field::CustomsDescriptionZh),
    ("中文品名", Field::CustomsDescriptionZh),
    ("申报中文名", Field::CustomsDescriptionZh),
    ("中文申报名", Field::CustomsDescriptionZh),
    ("申报中文品名", Field::CustomsDescriptionZh),
    ("中文申报品名", Field::CustomsDescriptionZh),
    ("申报品名中文", Field::CustomsDescriptionZh),
    ("申报品名", Field::CustomsDescriptionZh),
    ("报关品名", Field::CustomsDescriptionZh),
    ("报关中文名", Field::CustomsDescriptionZh),
    ("中文报关名", Field::CustomsDescriptionZh),
    ("申报名称", Field::CustomsDescriptionZh),
    ("中文名称", Field::CustomsDescriptionZh),
    // Origin
    ("origin", Field::Origin),
    ("origincountry", Field::Origin),
    ("countryoforigin", Field::Origin),
    ("coo", Field::Origin),
    ("madein", Field::Origin),
    ("原产国", Field::Origin),
    ("原产地", Field::Origin),
    ("产地", Field::Origin),
    ("原产国家", Field::Origin),
    ("原产国地区", Field::Origin),
    ("原产国家地区", Field::Origin),
    // HS code
    ("hscode", Field::HsCode),
    ("hs", Field::HsCode),
    ("hscodes", Field::HsCode),
    ("hsno", Field::HsCode),
    ("harmonizedcode", Field::HsCode),
    ("harmonisedcode", Field::HsCode),
    ("harmonizedsystemcode", Field::HsCode),
    ("tariffcode", Field::HsCode),
    ("customscode", Field::HsCode),
    ("commoditycode", Field::HsCode),
    ("海关编码", Field::HsCode),
    ("海关商品编码", Field::HsCode),
    ("hs编码", Field::HsCode),
    ("hs编号", Field::HsCode),
    ("hs码", Field::HsCode),
    ("海关编号", Field::HsCode),
    ("税号", Field::HsCode),
    ("税则号", Field::HsCode),
    ("商品税号", Field::HsCode),
    ("申报编码", Field::HsCode),
    // Unit value
    ("unitvalue", Field::UnitValue),
    ("value", Field::UnitValue),
    ("declaredvalue", Field::UnitValue),
    ("customsvalue", Field::UnitValue),
    ("unitprice", Field::UnitValue),
    ("price", Field::UnitValue),
    ("declaredprice", Field::UnitValue),
    ("declaredunitvalue", Field::UnitValue),
    ("申报价值", Field::UnitValue),
    ("申报单价", Field::UnitValue),
    ("申报价格", Field::UnitValue),
    ("申报金额", Field::UnitValue),
    ("单价", Field::UnitValue),
    ("货值", Field::UnitValue),
    ("价值", Field::UnitValue),
    ("报关价值", Field::UnitValue),
    ("报关单价", Field::UnitValue),
    // Currency
    ("currency", Field::Currency),
    ("currencycode", Field::Currency),
    ("ccy", Field::Currency),
    ("cur", Field::Currency),
    ("币种", Field::Currency),
    ("币别", Field::Currency),
    ("币制", Field::Currency),
    ("货币", Field::Currency),
    ("申报币种", Field::Currency),
    // Weights
    ("netweight", Field::NetWeight),
    ("nw", Field::NetWeight),
    ("netwt", Field::NetWeight),
    ("weightnet", Field::NetWeight),
    ("净重", Field::NetWeight),
    ("净重量", Field::NetWeight),
    ("单品净重", Field::NetWeight),
    ("grossweight", Field::GrossWeight),
    ("gw", Field::GrossWeight),
    ("grosswt", Field::GrossWeight),
    ("weightgross", Field::GrossWeight),
    ("weight", Field::GrossWeight),
    ("shippingweight", Field::GrossWeight),
    ("packageweight", Field::GrossWeight),
    ("毛重", Field::GrossWeight),
    ("毛重量", Field::GrossWeight),
    ("重量", Field::GrossWeight),
    ("包装重量", Field::GrossWeight),
    ("单品毛重", Field::GrossWeight),
    // Dimensions
    ("length", Field::Length),
    ("len", Field::Length),
    ("packagelength", Field::Length),
    ("长", Field::Length),
    ("长度", Field::Length),
    ("包装长", Field::Length),
    ("width", Field::Width),
    ("packagewidth", Field::Width),
    ("宽", Field::Width),
    ("宽度", Field::Width),
    ("包装宽", Field::Width),
    ("height", Field::Height),
    ("packageheight", Field::Height),
    ("高", Field::Height),
    ("高度", Field::Height),
    ("包装高", Field::Height),
    ("dimensions", Field::Dimensions),
    ("dimension", Field::Dimensions),
    ("dims", Field::Dimensions),
    ("size", Field::Dimensions),
    ("packagesize", Field::Dimensions),
    ("packagedimensions", Field::Dimensions),
    ("lxwxh", Field::Dimensions),
    ("lwh", Field::Dimensions),
    ("尺寸", Field::Dimensions),
    ("包装尺寸", Field::Dimensions),
    ("长宽高", Field::Dimensions),
    ("长x宽x高", Field::Dimensions),
    ("外箱尺寸", Field::Dimensions),
    // Materials
    ("material", Field::Materials),
    ("materials", Field::Materials),
    ("composition", Field::Materials),
    ("材质", Field::Materials),
    ("材料", Field::Materials),
    ("成分", Field::Materials),
    ("材质成分", Field::Materials),
    // Battery
    ("battery", Field::Battery),
    ("batterytype", Field::Battery),
    ("batteries", Field::Battery),
    ("电池", Field::Battery),
    ("电池类型", Field::Battery),
    ("带电", Field::Battery),
    ("是否带电", Field::Battery),
    ("带电情况", Field::Battery),
    ("电池信息", Field::Battery),
    ("batterywh", Field::BatteryWh),
    ("watthours", Field::BatteryWh),
    ("watthour", Field::BatteryWh),
    ("wh", Field::BatteryWh),
    ("batterycapacitywh", Field::BatteryWh),
    ("batteryenergy", Field::BatteryWh),
    ("瓦时", Field::BatteryWh),
    ("电池瓦时", Field::BatteryWh),
    ("电池瓦时数", Field::BatteryWh),
    ("电池能量", Field::BatteryWh),
    ("额定能量", Field::BatteryWh),
    // Tags
    ("tags", Field::Tags),
    ("tag", Field::Tags),
    ("category", Field::Tags),
    ("categories", Field::Tags),
    ("类目", Field::Tags),
    ("分类", Field::Tags),
    ("标签", Field::Tags),
    ("品类", Field::Tags),
    ("商品分类", Field::Tags),
    ("产品分类", Field::Tags),
    // Images
    ("imageurls", Field::ImageUrls),
    ("imageurl", Field::ImageUrls),
    ("images", Field::ImageUrls),
    ("image", Field::ImageUrls),
    ("imagelinks", Field::ImageUrls),
    ("imagelink", Field::ImageUrls),
    ("pictureurl", Field::ImageUrls),
    ("pictures", Field::ImageUrls),
    ("photos", Field::ImageUrls),
    ("图片", Field::ImageUrls),
    ("图片链接", Field::ImageUrls),
    ("图片地址", Field::ImageUrls),
    ("图片url", Field::ImageUrls),
    ("产品图片", Field::ImageUrls),
    ("主图", Field::ImageUrls),
];

/// Marketplace identifier headers and the key they are stored under.
const MARKETPLACE_SYNONYMS: &[(&str, &str)] = &[
    ("asin", "amazon_asin"),
    ("amazonasin", "amazon_asin"),
    ("fnsku", "amazon_fnsku"),
    ("ean", "ean"),
    ("ean码", "ean"),
    ("ean13", "ean"),
    ("upc", "upc"),
    ("upc码", "upc"),
    ("gtin", "gtin"),
    ("jan", "jan"),
    ("条形码", "ean"),
    ("条码", "ean"),
    ("ebayitemid", "ebay_item_id"),
    ("ebayid", "ebay_item_id"),
    ("shopifyproductid", "shopify_product_id"),
    ("shopifyid", "shopify_product_id"),
    ("temuid", "temu_id"),
    ("tiktokid", "tiktok_id"),
    ("tiktokshopid", "tiktok_id"),
    ("aliexpressid", "aliexpress_id"),
];

fn lookup(key: &str) -> Option<Field> {
    if let Some((_, field)) = SYNONYMS.iter().find(|(k, _)| *k == key) {
        return Some(field.clone());
    }
    MARKETPLACE_SYNONYMS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, id)| Field::MarketplaceId((*id).to_owned()))
}

#[cfg(test)]
mod tests {
    use tradelane_domain::{Country, UiLang};

    use super::*;

    fn field(header: &str) -> Option<Field> {
        recognise_header(header).map(|r| r.field)
    }

    fn unit(header: &str) -> Option<String> {
        recognise_header(header).and_then(|r| r.unit)
    }

    fn us() -> Country {
        Country::parse("US").unwrap()
    }

    #[test]
    fn english_and_chinese_synonyms() {
        for h in [
            "SKU",
            "sku code",
            "Seller SKU",
            "货号",
            "SKU编码",
            "商品编码",
            "*SKU",
        ] {
            assert_eq!(field(h), Some(Field::SkuCode), "{h}");
        }
        for h in ["Title", "Product name", "品名", "商品名称", "产品名称"] {
            assert_eq!(field(h), Some(Field::Title), "{h}");
        }
        for h in [
            "Customs description",
            "英文品名",
            "申报英文名",
            "Declared name (EN)",
        ] {
            assert_eq!(field(h), Some(Field::CustomsDescriptionEn), "{h}");
        }
        for h in [
            "中文品名",
            "申报中文名",
            "Customs description (ZH)",
            "customs_description_cn",
        ] {
            assert_eq!(field(h), Some(Field::CustomsDescriptionZh), "{h}");
        }
        for h in ["Origin", "Country of origin", "原产国", "原产地"] {
            assert_eq!(field(h), Some(Field::Origin), "{h}");
        }
        for h in [
            "HS code",
            "HS_CODE",
            "海关编码",
            "HS编码",
            "税号",
            "ＨＳ　Ｃｏｄｅ",
        ] {
            assert_eq!(field(h), Some(Field::HsCode), "{h}");
        }
        for h in ["Unit value", "申报价值", "单价", "货值"] {
            assert_eq!(field(h), Some(Field::UnitValue), "{h}");
        }
        assert_eq!(field("币种"), Some(Field::Currency));
        assert_eq!(field("材质"), Some(Field::Materials));
        assert_eq!(field("电池"), Some(Field::Battery));
        assert_eq!(field("类目"), Some(Field::Tags));
        assert_eq!(field("分类"), Some(Field::Tags));
        assert_eq!(field("图片"), Some(Field::ImageUrls));
        assert_eq!(field("品牌"), Some(Field::Brand));
        assert_eq!(field("尺寸"), Some(Field::Dimensions));
        assert_eq!(field("长"), Some(Field::Length));
        assert_eq!(
            field("ASIN"),
            Some(Field::MarketplaceId("amazon_asin".into()))
        );
        assert_eq!(field("Remarks"), None);
        assert_eq!(field("备注"), None);
        assert_eq!(field(""), None);
    }

    #[test]
    fn units_come_from_the_header() {
        assert_eq!(field("毛重(千克)"), Some(Field::GrossWeight));
        assert_eq!(unit("毛重(千克)"), Some("kg".into()));
        assert_eq!(unit("毛重（千克）"), Some("kg".into()));
        assert_eq!(unit("净重【克】"), Some("g".into()));
        assert_eq!(unit("Gross weight (lb)"), Some("lb".into()));
        assert_eq!(unit("Net weight g"), Some("g".into()));
        assert_eq!(unit("毛重kg"), Some("kg".into()));
        assert_eq!(unit("Length (cm)"), Some("cm".into()));
        assert_eq!(unit("尺寸(厘米)"), Some("cm".into()));
        assert_eq!(unit("Unit value (USD)"), Some("USD".into()));
        assert_eq!(unit("申报价值(美元)"), Some("USD".into()));
        assert_eq!(unit("单价USD"), Some("USD".into()));
        assert_eq!(field("Battery (Wh)"), Some(Field::BatteryWh));
        assert_eq!(field("瓦时"), Some(Field::BatteryWh));
        assert_eq!(unit("Title (shown to buyers)"), None);
        assert_eq!(field("Title (shown to buyers)"), Some(Field::Title));
    }

    #[test]
    fn national_hs_columns() {
        for h in [
            "HS US",
            "US HTS",
            "us hs code",
            "HS code (US)",
            "美国海关编码",
            "HTSUS",
            "HTS",
        ] {
            assert_eq!(field(h), Some(Field::NationalHsCode(us())), "{h}");
        }
        assert_eq!(
            field("德国海关编码"),
            Some(Field::NationalHsCode(Country::parse("DE").unwrap()))
        );
        assert_eq!(
            field("HS UK"),
            Some(Field::NationalHsCode(Country::parse("GB").unwrap()))
        );
        assert_eq!(field("HS XX"), None);
    }

    #[test]
    fn exported_labels_are_recognised_in_both_languages() {
        let mut fields = Field::SIMPLE.to_vec();
        fields.push(Field::NationalHsCode(us()));
        fields.push(Field::MarketplaceId("ebay_item_id".into()));
        for lang in UiLang::all() {
            for f in &fields {
                assert_eq!(field(&f.label(lang)), Some(f.clone()), "{}", f.label(lang));
            }
        }
    }

    #[test]
    fn suggestion_lists_unknown_columns_and_skips_duplicates() {
        let headers: Vec<String> = ["货号", "品名", "备注", "SKU", "", "毛重(千克)"]
            .map(String::from)
            .to_vec();
        let mapping = suggest_mapping(&headers);
        assert_eq!(mapping.columns[0].field, Some(Field::SkuCode));
        assert_eq!(mapping.columns[1].field, Some(Field::Title));
        assert_eq!(
            mapping.columns[3].field, None,
            "second SKU column is not suggested"
        );
        assert_eq!(mapping.columns[5].unit.as_deref(), Some("kg"));
        let unknown: Vec<&str> = mapping
            .unknown_columns()
            .iter()
            .map(|c| c.header.as_str())
            .collect();
        assert_eq!(unknown, vec!["备注", "SKU"]);
        assert!(mapping.check(headers.len()).is_empty());
    }

    #[test]
    fn check_names_every_problem() {
        let mut mapping = suggest_mapping(&["品名".to_owned(), "长".to_owned()]);
        mapping.columns.push(ColumnBinding {
            index: 7,
            header: "x".into(),
            field: Some(Field::Title),
            unit: None,
        });
        mapping.columns[1].unit = Some("kg".into());
        let errors = mapping.check(2);
        assert!(errors.contains(&MappingError::NoSuchColumn {
            index: 7,
            columns: 2
        }));
        assert!(errors.contains(&MappingError::MissingRequired {
            field: Field::SkuCode
        }));
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, MappingError::DuplicateField { .. }))
        );
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, MappingError::UnitDoesNotFit { .. }))
        );
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, MappingError::IncompleteDimensions { .. }))
        );
        let both = suggest_mapping(
            &["SKU", "Title", "Size", "Length", "Width", "Height"].map(String::from),
        );
        assert_eq!(both.check(6), vec![MappingError::ConflictingDimensions]);
    }

    #[test]
    fn mapping_serialises_for_the_ui() {
        let mapping = suggest_mapping(&["SKU".to_owned(), "HS US".to_owned(), "x".to_owned()]);
        let json = serde_json::to_string(&mapping).unwrap();
        assert!(json.contains("\"field\":\"national_hs_code:US\""), "{json}");
        let back: ColumnMapping = serde_json::from_str(&json).unwrap();
        assert_eq!(back, mapping);
    }
}
