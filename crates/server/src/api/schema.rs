//! OpenAPI descriptions of the domain's JSON forms. The domain crate is types-only (no utoipa),
//! so these mirror its serde output; a test below keeps the mirror honest.

#![allow(dead_code)] // Only read by the OpenAPI derive.

use std::collections::BTreeMap;

use utoipa::ToSchema;

/// Money: exact decimal amount as a string and an ISO 4217 currency code.
#[derive(ToSchema)]
#[schema(as = Money, example = json!({"amount": "12.50", "currency": "USD"}))]
pub struct MoneyDoc {
    pub amount: String,
    pub currency: String,
}

/// Weight with its unit.
#[derive(ToSchema)]
#[schema(as = Weight, example = json!({"value": "0.25", "unit": "kg"}))]
pub struct WeightDoc {
    /// Decimal as a string.
    pub value: String,
    /// `kg`, `g`, `lb` or `oz`.
    pub unit: String,
}

/// Packed dimensions with their unit.
#[derive(ToSchema)]
#[schema(as = Dimensions, example = json!({"length": "20", "width": "10", "height": "5", "unit": "cm"}))]
pub struct DimensionsDoc {
    pub length: String,
    pub width: String,
    pub height: String,
    /// `cm`, `mm` or `in`.
    pub unit: String,
}

/// `{"kind": "none"}` or a lithium battery.
#[derive(ToSchema)]
#[schema(as = Battery, example = json!({"kind": "lithium", "chemistry": "li_ion", "packing": "contained_in", "watt_hours": "10"}))]
pub struct BatteryDoc {
    /// `none` or `lithium`.
    pub kind: String,
    /// `li_ion` or `li_metal` (lithium only).
    pub chemistry: Option<String>,
    /// `contained_in`, `packed_with` or `alone` (lithium only).
    pub packing: Option<String>,
    pub watt_hours: Option<String>,
    pub lithium_grams: Option<String>,
}

/// The trade data of one SKU, as accepted by POST/PUT and returned by GET.
#[derive(ToSchema)]
#[schema(as = SkuRecord)]
pub struct SkuRecordDoc {
    /// The seller's SKU code (unique in the organisation).
    pub code: String,
    pub title: String,
    pub brand: Option<String>,
    pub customs_description_en: Option<String>,
    /// 申报品名.
    pub customs_description_zh: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub origin: Option<String>,
    /// At least the 6-digit HS subheading.
    pub hs_code: Option<String>,
    /// Destination country (alpha-2) to national tariff code.
    pub national_hs_codes: BTreeMap<String, String>,
    pub unit_value: Option<MoneyDoc>,
    pub net_weight: Option<WeightDoc>,
    pub gross_weight: Option<WeightDoc>,
    pub dimensions: Option<DimensionsDoc>,
    pub materials: Vec<String>,
    pub battery: BatteryDoc,
    pub tags: Vec<String>,
    pub image_urls: Vec<String>,
    /// e.g. `amazon_asin` to `B0…`.
    pub marketplace_ids: BTreeMap<String, String>,
}

/// Raw bytes of a file.
#[derive(ToSchema)]
#[schema(as = BinaryFile, value_type = String, format = Binary)]
pub struct BinaryFileDoc(pub Vec<u8>);

/// Multipart form of an import.
#[derive(ToSchema)]
#[schema(as = ImportUpload)]
pub struct ImportUploadDoc {
    /// The CSV or XLSX file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Optional: a column mapping as returned in a dry run's `mapping`, edited (JSON text).
    pub mapping: Option<String>,
}

/// Field names of [`SkuRecordDoc`], for the test that compares them with the real type.
pub const SKU_RECORD_FIELDS: [&str; 17] = [
    "code",
    "title",
    "brand",
    "customs_description_en",
    "customs_description_zh",
    "origin",
    "hs_code",
    "national_hs_codes",
    "unit_value",
    "net_weight",
    "gross_weight",
    "dimensions",
    "materials",
    "battery",
    "tags",
    "image_urls",
    "marketplace_ids",
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use tradelane_domain::{SkuCode, SkuRecord};

    use super::*;

    #[test]
    fn mirror_matches_the_domain_record() {
        let record = SkuRecord::new(SkuCode::parse("A-1").unwrap(), "t");
        let json = serde_json::to_value(&record).unwrap();
        let real: BTreeSet<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let documented: BTreeSet<&str> = SKU_RECORD_FIELDS.into_iter().collect();
        assert_eq!(real, documented);
        let schema =
            serde_json::to_value(<SkuRecordDoc as utoipa::PartialSchema>::schema()).unwrap();
        let props: BTreeSet<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(props, documented);
    }
}
