//! SKU data turned into display text for one UI language.

use tradelane_domain::{
    Battery, BatteryChemistry, BatteryPacking, Dimensions, Money, SkuRecord, UiLang, Weight,
};
use tradelane_store::StoredSku;

use super::layout::msg;
use crate::format;
use crate::i18n::Tr;

pub fn money(m: &Money, lang: UiLang) -> String {
    let currency = m.currency();
    format::money(m.amount(), currency.code(), currency.minor_units(), lang)
}

pub fn weight(w: &Weight, lang: UiLang) -> String {
    format!(
        "{} {}",
        format::quantity(w.value(), lang),
        w.unit().symbol()
    )
}

pub fn dimensions(d: &Dimensions, lang: UiLang) -> String {
    format!(
        "{} × {} × {} {}",
        format::quantity(d.length(), lang),
        format::quantity(d.width(), lang),
        format::quantity(d.height(), lang),
        d.unit().symbol()
    )
}

pub fn battery(b: &Battery, t: Tr) -> String {
    match b {
        Battery::None => t.t("battery.none").to_string(),
        Battery::Lithium {
            chemistry,
            packing,
            watt_hours,
            lithium_grams,
        } => {
            let chem = match chemistry {
                BatteryChemistry::LiIon => t.t("battery.li_ion"),
                BatteryChemistry::LiMetal => t.t("battery.li_metal"),
            };
            let pack = match packing {
                BatteryPacking::ContainedIn => t.t("battery.contained_in"),
                BatteryPacking::PackedWith => t.t("battery.packed_with"),
                BatteryPacking::Alone => t.t("battery.alone"),
            };
            let mut text = format!("{chem}, {pack}");
            if let Some(wh) = watt_hours {
                text.push_str(&format!(", {} Wh", format::quantity(*wh, t.lang)));
            }
            if let Some(g) = lithium_grams {
                text.push_str(&format!(", {} g Li", format::quantity(*g, t.lang)));
            }
            text
        }
    }
}

/// One line of the catalogue table.
#[derive(Debug, Clone)]
pub struct SkuRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub brand: String,
    pub origin: String,
    pub hs_code: String,
    pub unit_value: String,
    pub gross_weight: String,
    pub has_battery: bool,
    pub tags: Vec<String>,
}

pub fn sku_row(id: i64, r: &SkuRecord, lang: UiLang) -> SkuRow {
    SkuRow {
        id,
        code: r.code.as_str().to_string(),
        title: r.title.clone(),
        brand: r.brand.clone().unwrap_or_default(),
        origin: r.origin.map(|c| c.code().to_string()).unwrap_or_default(),
        hs_code: r
            .hs_code
            .as_ref()
            .map(|h| h.as_str().to_string())
            .unwrap_or_default(),
        unit_value: r
            .unit_value
            .as_ref()
            .map(|m| money(m, lang))
            .unwrap_or_default(),
        gross_weight: r
            .gross_weight
            .as_ref()
            .map(|w| weight(w, lang))
            .unwrap_or_default(),
        has_battery: r.battery.is_lithium(),
        tags: r.tags.clone(),
    }
}

/// One labelled value on the SKU detail page.
#[derive(Debug, Clone)]
pub struct Fact {
    pub field: &'static str,
    pub label_key: &'static str,
    pub value: String,
}

pub fn sku_facts(r: &SkuRecord, t: Tr) -> Vec<Fact> {
    let lang = t.lang;
    let fact = |field: &'static str, label_key: &'static str, value: String| Fact {
        field,
        label_key,
        value,
    };
    let join_map = |m: &std::collections::BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    vec![
        fact("code", msg("sku.code"), r.code.as_str().to_string()),
        fact("title", msg("sku.title"), r.title.clone()),
        fact(
            "brand",
            msg("sku.brand"),
            r.brand.clone().unwrap_or_default(),
        ),
        fact(
            "customs_description_en",
            msg("sku.customs_description_en"),
            r.customs_description_en.clone().unwrap_or_default(),
        ),
        fact(
            "customs_description_zh",
            msg("sku.customs_description_zh"),
            r.customs_description_zh.clone().unwrap_or_default(),
        ),
        fact(
            "origin",
            msg("sku.origin"),
            r.origin
                .map(|c| format!("{} ({})", c.code(), c.name_en()))
                .unwrap_or_default(),
        ),
        fact(
            "hs_code",
            msg("sku.hs_code"),
            r.hs_code
                .as_ref()
                .map(|h| h.as_str().to_string())
                .unwrap_or_default(),
        ),
        fact(
            "national_hs_codes",
            msg("sku.national_hs_codes"),
            r.national_hs_codes
                .iter()
                .map(|(c, h)| format!("{}: {}", c.code(), h.as_str()))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        fact(
            "unit_value",
            msg("sku.unit_value"),
            r.unit_value
                .as_ref()
                .map(|m| money(m, lang))
                .unwrap_or_default(),
        ),
        fact(
            "net_weight",
            msg("sku.net_weight"),
            r.net_weight
                .as_ref()
                .map(|w| weight(w, lang))
                .unwrap_or_default(),
        ),
        fact(
            "gross_weight",
            msg("sku.gross_weight"),
            r.gross_weight
                .as_ref()
                .map(|w| weight(w, lang))
                .unwrap_or_default(),
        ),
        fact(
            "dimensions",
            msg("sku.dimensions"),
            r.dimensions
                .as_ref()
                .map(|d| dimensions(d, lang))
                .unwrap_or_default(),
        ),
        fact("materials", msg("sku.materials"), r.materials.join("; ")),
        fact("battery", msg("sku.battery"), battery(&r.battery, t)),
        fact("tags", msg("sku.tags"), r.tags.join(", ")),
        fact("image_urls", msg("sku.image_urls"), r.image_urls.join("\n")),
        fact(
            "marketplace_ids",
            msg("sku.marketplace_ids"),
            join_map(&r.marketplace_ids),
        ),
    ]
}

/// "Created …, updated …, version n" line under the detail table.
pub fn sku_meta(s: &StoredSku, t: Tr) -> String {
    t.tf(
        "sku.meta",
        &[
            ("created", &format::timestamp(s.created_at, t.lang)),
            ("updated", &format::timestamp(s.updated_at, t.lang)),
            ("version", &s.version.to_string()),
        ],
    )
}
