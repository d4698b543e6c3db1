//! The product profile the requirement rules look at, and how it is derived from a catalogue SKU.
//!
//! Derivation rules (each derived fact records why, see [`ProductProfile::reasons`]):
//! 1. Category from the HS code: chapters 01-24 (food), 30 (pharmaceuticals), 93 (arms) and headings 9018-9022
//!    (medical devices) are [`Category::NotCovered`]; 33.03-33.07 cosmetic; 50-63 textile; 95.03 toy; 85.07 and
//!    85.06 battery; 84, 85, 94.05 electrical; food-contact headings (39.24, 44.19, 69.11, 69.12, 70.13, 73.23,
//!    76.15, 82.11, 82.15) food contact; anything else a general consumer product. No HS code: tags decide, and
//!    without a telling tag the category is [`Category::Unknown`] (which is "not covered", never "compliant").
//! 2. Tags (English or Chinese, case-insensitive) refine: radio words (bluetooth, wifi, wireless, nfc, 蓝牙, 无线)
//!    set `has_radio`; mains words (mains, ac power, plug-in, 220v, 110v, 插电) set `mains_powered`; adapter words
//!    (adapter, charger, power strip, 充电器, 适配器, 插线板) set `ac_adapter` and `mains_powered`; children's words
//!    (kids, children, toy, 儿童, 玩具) make it a children's product aged up to 12, baby words (baby, infant, 0-3,
//!    婴儿) up to 2; food-contact, cosmetic and textile words set those flags. A title mentioning bluetooth/wifi/
//!    wireless also sets `has_radio`.
//!    Radio is also assumed for HS 8517.13/8517.14 (mobile phones), 8517.62 (wireless network apparatus), 85.25
//!    (transmitters), 85.26 (radio navigation and remote control) and 85.27 (radio receivers).
//! 3. The battery comes from the SKU's battery field; a lithium battery makes the product electrical.
//! 4. Mains power is assumed for HS 85.16 (electric heating appliances), 85.09 (domestic appliances), 85.04.40
//!    (static converters, also `ac_adapter`) and 94.05 (lamps); other electrical goods are not assumed mains
//!    powered (battery or USB powered) unless a tag says so.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Battery, BatteryChemistry, BatteryPacking, SkuRecord};

/// Broad product category a requirement pack is organised by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Electrical and electronic equipment (EEE).
    Electrical,
    /// Toys (products designed for play by children under 14).
    Toy,
    /// Clothing and textile products.
    Textile,
    /// Cosmetics and personal care.
    Cosmetic,
    /// Kitchenware and tableware in contact with food.
    FoodContact,
    /// Batteries and power banks sold on their own.
    Battery,
    /// Any other non-food consumer product.
    GeneralConsumer,
    /// Outside the rule pack's scope (food, medicines, medical devices, weapons).
    NotCovered,
    /// Could not be determined from the data given.
    Unknown,
}

impl Category {
    /// The snake_case name used in packs and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Category::Electrical => "electrical",
            Category::Toy => "toy",
            Category::Textile => "textile",
            Category::Cosmetic => "cosmetic",
            Category::FoodContact => "food_contact",
            Category::Battery => "battery",
            Category::GeneralConsumer => "general_consumer",
            Category::NotCovered => "not_covered",
            Category::Unknown => "unknown",
        }
    }
}

/// The lithium battery facts the transport and battery rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BatteryFacts {
    /// Lithium-ion or lithium metal.
    pub chemistry: BatteryChemistry,
    /// Contained in, packed with, or alone.
    pub packing: BatteryPacking,
    /// Watt-hours per battery (lithium-ion), when known.
    pub watt_hours: Option<Decimal>,
    /// Grams of lithium per battery (lithium metal), when known.
    pub lithium_grams: Option<Decimal>,
    /// A button or coin cell.
    pub button_cell: bool,
}

/// Everything the requirement rules look at for one product.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProductProfile {
    /// Broad category.
    pub category: Category,
    /// Intentional radio transmitter (Bluetooth, Wi-Fi, NFC, cellular...).
    pub has_radio: bool,
    /// Powered from the mains (50-1000 V AC), directly or via its own adapter.
    pub mains_powered: bool,
    /// Any electrical or electronic function (EEE).
    pub electrical: bool,
    /// An AC adapter, charger or power strip (Japan's Diamond PSE "specified" products).
    pub ac_adapter: bool,
    /// Lithium battery, if any.
    pub battery: Option<BatteryFacts>,
    /// Upper age of the intended users when it is a children's product (12 = "for children up to 12").
    pub child_max_age: Option<u8>,
    /// In contact with food.
    pub food_contact: bool,
    /// A cosmetic product.
    pub cosmetic: bool,
    /// A textile product (fibre composition labelling).
    pub textile: bool,
}

impl ProductProfile {
    /// A profile of `category` with every attribute off.
    pub fn new(category: Category) -> Self {
        ProductProfile {
            category,
            has_radio: false,
            mains_powered: false,
            electrical: matches!(category, Category::Electrical | Category::Battery),
            ac_adapter: false,
            battery: None,
            child_max_age: None,
            food_contact: category == Category::FoodContact,
            cosmetic: category == Category::Cosmetic,
            textile: category == Category::Textile,
        }
    }
}

/// A derived profile with the reason for each derived fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedProfile {
    /// The profile.
    pub profile: ProductProfile,
    /// Why each fact was set, in derivation order ("HS 8517.62 -> electrical", "tag 'bluetooth' -> has_radio").
    pub reasons: Vec<String>,
}

const FOOD_CONTACT_HEADINGS: [&str; 9] = [
    "3924", "4419", "6911", "6912", "7013", "7323", "7615", "8211", "8215",
];

fn category_from_hs(digits: &str) -> Option<(Category, &'static str)> {
    let chapter: u8 = digits.get(..2)?.parse().ok()?;
    let heading = digits.get(..4).unwrap_or("");
    Some(match chapter {
        1..=24 => (Category::NotCovered, "food and agricultural chapters 01-24"),
        30 => (Category::NotCovered, "pharmaceutical chapter 30"),
        93 => (Category::NotCovered, "arms and ammunition chapter 93"),
        90 if ("9018".."9023").contains(&heading) => {
            (Category::NotCovered, "medical devices 90.18-90.22")
        }
        33 if ("3303".."3308").contains(&heading) => (Category::Cosmetic, "cosmetics 33.03-33.07"),
        50..=63 => (Category::Textile, "textile chapters 50-63"),
        95 if heading == "9503" => (Category::Toy, "toys 95.03"),
        85 if heading == "8506" || heading == "8507" => {
            (Category::Battery, "batteries 85.06/85.07")
        }
        _ if FOOD_CONTACT_HEADINGS.contains(&heading) => {
            (Category::FoodContact, "kitchen and tableware headings")
        }
        84 | 85 => (
            Category::Electrical,
            "machinery and electrical chapters 84/85",
        ),
        94 if heading == "9405" => (Category::Electrical, "lamps 94.05"),
        _ => (Category::GeneralConsumer, "other consumer goods"),
    })
}

fn tag_has(tags: &[String], words: &[&str]) -> Option<String> {
    tags.iter()
        .find(|t| {
            let t = t.to_lowercase();
            words.iter().any(|w| t.contains(w))
        })
        .cloned()
}

const RADIO_WORDS: [&str; 9] = [
    "bluetooth",
    "wifi",
    "wi-fi",
    "wireless",
    "nfc",
    "radio",
    "蓝牙",
    "无线",
    "rfid",
];
const MAINS_WORDS: [&str; 7] = [
    "mains", "ac power", "plug-in", "220v", "110v", "240v", "插电",
];
const ADAPTER_WORDS: [&str; 7] = [
    "adapter",
    "adaptor",
    "charger",
    "power strip",
    "充电器",
    "适配器",
    "插线板",
];
const BABY_WORDS: [&str; 6] = ["baby", "infant", "toddler", "0-3", "婴儿", "婴幼儿"];
const CHILD_WORDS: [&str; 6] = ["kids", "kid", "children", "toy", "儿童", "玩具"];
const FOOD_WORDS: [&str; 6] = [
    "food contact",
    "food-contact",
    "kitchen",
    "tableware",
    "食品接触",
    "餐具",
];
const COSMETIC_WORDS: [&str; 4] = ["cosmetic", "skincare", "makeup", "化妆品"];
const TEXTILE_WORDS: [&str; 6] = ["textile", "apparel", "clothing", "garment", "服装", "纺织"];

/// Derives the profile of a catalogue SKU by the rules in the module documentation.
pub fn derive_profile(sku: &SkuRecord) -> DerivedProfile {
    let mut reasons = Vec::new();
    let digits = sku.hs_code.as_ref().map(|h| h.as_str().to_string());
    let mut category = match digits.as_deref().and_then(category_from_hs) {
        Some((c, why)) => {
            reasons.push(format!(
                "HS {} ({why}) -> category {}",
                digits.as_deref().unwrap_or_default(),
                c.name()
            ));
            c
        }
        None => Category::Unknown,
    };
    let tags = &sku.tags;
    if category == Category::Unknown {
        let by_tag: [(&[&str], Category); 6] = [
            (&COSMETIC_WORDS, Category::Cosmetic),
            (&["toy", "玩具"], Category::Toy),
            (&TEXTILE_WORDS, Category::Textile),
            (&FOOD_WORDS, Category::FoodContact),
            (
                &["power bank", "battery", "移动电源", "充电宝"],
                Category::Battery,
            ),
            (
                &["electronics", "electrical", "电子", "电器"],
                Category::Electrical,
            ),
        ];
        for (words, c) in by_tag {
            if let Some(tag) = tag_has(tags, words) {
                reasons.push(format!("no HS code; tag '{tag}' -> category {}", c.name()));
                category = c;
                break;
            }
        }
        if category == Category::Unknown {
            reasons.push("no HS code and no category tag -> category unknown".to_string());
        }
    }
    let mut p = ProductProfile::new(category);
    let radio_hs = digits.as_deref().and_then(|d| {
        ["851713", "851714", "851762", "8525", "8526", "8527"]
            .into_iter()
            .find(|p| d.starts_with(p))
    });
    if let Some(prefix) = radio_hs {
        p.has_radio = true;
        reasons.push(format!("HS {prefix} (radio apparatus) -> has_radio"));
    } else if let Some(tag) = tag_has(tags, &RADIO_WORDS) {
        p.has_radio = true;
        reasons.push(format!("tag '{tag}' -> has_radio"));
    } else {
        let title = sku.title.to_lowercase();
        if let Some(w) = ["bluetooth", "wifi", "wi-fi", "wireless", "蓝牙"]
            .iter()
            .find(|w| title.contains(**w))
        {
            p.has_radio = true;
            reasons.push(format!("title mentions '{w}' -> has_radio"));
        }
    }
    if let Some(d) = digits.as_deref() {
        let heading = d.get(..4).unwrap_or("");
        if d.starts_with("850440") {
            p.ac_adapter = true;
            p.mains_powered = true;
            reasons.push("HS 8504.40 static converter -> ac_adapter, mains_powered".to_string());
        } else if matches!(heading, "8516" | "8509" | "9405") {
            p.mains_powered = true;
            reasons.push(format!("HS {heading} appliance/lamp -> mains_powered"));
        }
    }
    if let Some(tag) = tag_has(tags, &ADAPTER_WORDS) {
        p.ac_adapter = true;
        p.mains_powered = true;
        reasons.push(format!("tag '{tag}' -> ac_adapter, mains_powered"));
    } else if let Some(tag) = tag_has(tags, &MAINS_WORDS) {
        p.mains_powered = true;
        reasons.push(format!("tag '{tag}' -> mains_powered"));
    }
    if let Battery::Lithium {
        chemistry,
        packing,
        watt_hours,
        lithium_grams,
    } = &sku.battery
    {
        let button = *chemistry == BatteryChemistry::LiMetal
            && (tag_has(tags, &["coin", "button", "纽扣"]).is_some()
                || lithium_grams.is_some_and(|g| g <= Decimal::new(3, 1)));
        p.battery = Some(BatteryFacts {
            chemistry: *chemistry,
            packing: *packing,
            watt_hours: *watt_hours,
            lithium_grams: *lithium_grams,
            button_cell: button,
        });
        reasons.push("lithium battery on the SKU -> battery rules".to_string());
    }
    if let Some(tag) = tag_has(tags, &BABY_WORDS) {
        p.child_max_age = Some(2);
        reasons.push(format!("tag '{tag}' -> children's product up to age 2"));
    } else if let Some(tag) = tag_has(tags, &CHILD_WORDS) {
        p.child_max_age = Some(12);
        reasons.push(format!("tag '{tag}' -> children's product up to age 12"));
    } else if category == Category::Toy {
        p.child_max_age = Some(12);
        reasons.push("toy without an age tag -> assumed for children up to 12".to_string());
    }
    if !p.food_contact
        && let Some(tag) = tag_has(tags, &FOOD_WORDS)
    {
        p.food_contact = true;
        reasons.push(format!("tag '{tag}' -> food_contact"));
    }
    if !p.cosmetic
        && let Some(tag) = tag_has(tags, &COSMETIC_WORDS)
    {
        p.cosmetic = true;
        reasons.push(format!("tag '{tag}' -> cosmetic"));
    }
    if !p.textile
        && let Some(tag) = tag_has(tags, &TEXTILE_WORDS)
    {
        p.textile = true;
        reasons.push(format!("tag '{tag}' -> textile"));
    }
    if !p.electrical && (p.has_radio || p.mains_powered || p.battery.is_some()) {
        p.electrical = true;
        reasons.push("radio, mains power or battery -> electrical".to_string());
    }
    DerivedProfile {
        profile: p,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradelane_domain::{HsCode, SkuCode};

    fn sku(hs: Option<&str>, tags: &[&str], title: &str) -> SkuRecord {
        let mut s = SkuRecord::new(SkuCode::parse("T-1").unwrap(), title);
        s.hs_code = hs.map(|h| HsCode::parse(h).unwrap());
        s.tags = tags.iter().map(|t| t.to_string()).collect();
        s
    }

    #[test]
    fn headphones_with_bluetooth_and_battery() {
        let mut s = sku(Some("851830"), &[], "Wireless Bluetooth headphones");
        s.battery = Battery::parse_label("li-ion contained 1.1Wh").unwrap();
        let d = derive_profile(&s);
        assert_eq!(d.profile.category, Category::Electrical);
        assert!(d.profile.has_radio && d.profile.electrical && !d.profile.mains_powered);
        assert_eq!(
            d.profile.battery.unwrap().watt_hours,
            Some(Decimal::new(11, 1))
        );
        assert!(d.reasons.iter().any(|r| r.contains("has_radio")));
    }

    #[test]
    fn food_medicine_and_unknown_are_not_silently_covered() {
        assert_eq!(
            derive_profile(&sku(Some("210690"), &[], "Supplement"))
                .profile
                .category,
            Category::NotCovered
        );
        assert_eq!(
            derive_profile(&sku(Some("901890"), &[], "Device"))
                .profile
                .category,
            Category::NotCovered
        );
        assert_eq!(
            derive_profile(&sku(None, &[], "Thing")).profile.category,
            Category::Unknown
        );
    }

    #[test]
    fn toys_are_for_children_and_baby_tags_lower_the_age() {
        assert_eq!(
            derive_profile(&sku(Some("950300"), &[], "Blocks"))
                .profile
                .child_max_age,
            Some(12)
        );
        assert_eq!(
            derive_profile(&sku(Some("950300"), &["婴儿"], "Rattle"))
                .profile
                .child_max_age,
            Some(2)
        );
        assert_eq!(
            derive_profile(&sku(Some("611020"), &[], "Sweater"))
                .profile
                .child_max_age,
            None
        );
    }

    #[test]
    fn adapters_are_mains_and_specified() {
        let d = derive_profile(&sku(Some("850440"), &[], "USB-C charger 65W"));
        assert!(d.profile.ac_adapter && d.profile.mains_powered && d.profile.electrical);
        let tagged = derive_profile(&sku(None, &["电子", "充电器"], "65W 充电器"));
        assert_eq!(tagged.profile.category, Category::Electrical);
        assert!(tagged.profile.ac_adapter);
    }

    #[test]
    fn phones_and_routers_are_radio_equipment_by_hs() {
        assert!(
            derive_profile(&sku(Some("851713"), &[], "Smartphone 128GB"))
                .profile
                .has_radio
        );
        assert!(
            derive_profile(&sku(Some("8517620000"), &[], "Router"))
                .profile
                .has_radio
        );
        assert!(
            !derive_profile(&sku(Some("851830"), &[], "Wired headphones"))
                .profile
                .has_radio
        );
    }

    #[test]
    fn kitchenware_is_food_contact() {
        let d = derive_profile(&sku(Some("392410"), &[], "Lunch box"));
        assert_eq!(d.profile.category, Category::FoodContact);
        assert!(d.profile.food_contact);
    }
}
