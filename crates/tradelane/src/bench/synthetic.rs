//! A synthetic but realistic catalogue for benchmarks: the same column layout as the demo
//! catalogue (Chinese and English headers), varied products, deterministic for a given size.

use std::io::{self, Write};

/// Header row, identical to the demo catalogue's.
pub const HEADERS: [&str; 19] = crate::demo::CATALOGUE_HEADERS;

struct Template {
    title: &'static str,
    hs: &'static str,
    desc_en: &'static str,
    desc_zh: &'static str,
    material: &'static str,
    battery: &'static str,
    tag: &'static str,
}

const TEMPLATES: [Template; 12] = [
    Template {
        title: "Silicone phone case",
        hs: "392690",
        desc_en: "Protective phone case of silicone",
        desc_zh: "手机保护壳（硅胶）",
        material: "silicone",
        battery: "无",
        tag: "phone-accessories",
    },
    Template {
        title: "USB-C charging cable",
        hs: "854442",
        desc_en: "Insulated electric cable with connectors",
        desc_zh: "带接头绝缘电缆",
        material: "TPE;copper",
        battery: "无",
        tag: "phone-accessories",
    },
    Template {
        title: "GaN wall charger",
        hs: "850440",
        desc_en: "Static converter (power adapter)",
        desc_zh: "静态变流器（充电器）",
        material: "polycarbonate",
        battery: "无",
        tag: "charger",
    },
    Template {
        title: "Power bank",
        hs: "850760",
        desc_en: "Lithium-ion accumulator (power bank)",
        desc_zh: "锂离子蓄电池（移动电源）",
        material: "aluminium alloy",
        battery: "li-ion alone 37 Wh",
        tag: "power-bank",
    },
    Template {
        title: "Bluetooth earbuds",
        hs: "851830",
        desc_en: "Bluetooth earphones with microphone",
        desc_zh: "蓝牙耳机",
        material: "ABS;silicone",
        battery: "内置锂离子电池 1.85Wh",
        tag: "audio",
    },
    Template {
        title: "Building blocks set",
        hs: "950300",
        desc_en: "Construction toy of plastics",
        desc_zh: "拼插积木玩具",
        material: "ABS",
        battery: "无",
        tag: "toys",
    },
    Template {
        title: "Cotton T-shirt",
        hs: "610910",
        desc_en: "T-shirt, knitted, of cotton",
        desc_zh: "针织T恤（棉）",
        material: "cotton 100%",
        battery: "无",
        tag: "apparel",
    },
    Template {
        title: "Knit sneakers",
        hs: "640411",
        desc_en: "Sports footwear, textile uppers",
        desc_zh: "运动鞋",
        material: "polyester;rubber",
        battery: "无",
        tag: "shoes",
    },
    Template {
        title: "Face cream",
        hs: "330499",
        desc_en: "Skin-care preparation",
        desc_zh: "护肤霜",
        material: "cream",
        battery: "无",
        tag: "cosmetics",
    },
    Template {
        title: "Stainless steel bottle",
        hs: "732393",
        desc_en: "Household article of stainless steel",
        desc_zh: "不锈钢保温瓶",
        material: "stainless steel",
        battery: "无",
        tag: "kitchenware",
    },
    Template {
        title: "LED strip lights",
        hs: "940542",
        desc_en: "LED light fitting",
        desc_zh: "LED灯带",
        material: "PCB;silicone",
        battery: "无",
        tag: "lighting",
    },
    Template {
        title: "Dog harness",
        hs: "420100",
        desc_en: "Dog harness",
        desc_zh: "狗胸背带",
        material: "nylon",
        battery: "无",
        tag: "pet-supplies",
    },
];

const COLOURS: [&str; 8] = [
    "black", "white", "red", "blue", "green", "grey", "pink", "navy",
];
const BRANDS: [&str; 6] = [
    "Lumora",
    "VoltLine",
    "Sonique",
    "Brickpal",
    "Northmill",
    "Hearthly",
];
const ORIGINS: [&str; 10] = ["CN", "CN", "CN", "CN", "CN", "CN", "VN", "TR", "IN", "CN"];

/// splitmix64: a tiny deterministic generator, so two runs measure the same data.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One synthetic row, as text cells in `HEADERS` order.
pub fn row(i: usize) -> [String; 19] {
    let mut mix = Mix(i as u64 ^ 0x7A3D_5EED);
    let t = &TEMPLATES[i % TEMPLATES.len()];
    let colour = COLOURS[mix.below(COLOURS.len() as u64) as usize];
    let brand = BRANDS[mix.below(BRANDS.len() as u64) as usize];
    let origin = ORIGINS[mix.below(ORIGINS.len() as u64) as usize];
    let cents = 50 + mix.below(5_000);
    let net_g = 20 + mix.below(1_500);
    let gross_g = net_g + 10 + mix.below(300);
    let (l, w, h) = (5 + mix.below(40), 5 + mix.below(30), 1 + mix.below(20));
    [
        format!("BN-{i:06}"),
        format!("{} {} #{}", t.title, colour, i % 997),
        brand.to_string(),
        t.desc_en.to_string(),
        t.desc_zh.to_string(),
        origin.to_string(),
        t.hs.to_string(),
        String::new(),
        String::new(),
        format!("{}.{:02}", cents / 100, cents % 100),
        "USD".to_string(),
        format!("{}.{:03} kg", net_g / 1000, net_g % 1000),
        format!("{}.{:03} kg", gross_g / 1000, gross_g % 1000),
        format!("{l}x{w}x{h} cm"),
        t.material.to_string(),
        t.battery.to_string(),
        format!("{};{colour}", t.tag),
        format!("https://img.example.com/bn-{i:06}.jpg"),
        String::new(),
    ]
}

/// Writes a header and `rows` rows of CSV; memory stays flat whatever the size.
pub fn write_csv(rows: usize, out: impl Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADERS)?;
    for i in 0..rows {
        writer.write_record(row(i))?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_deterministic_and_codes_unique() {
        assert_eq!(row(42), row(42));
        assert_ne!(row(1)[0], row(2)[0]);
    }

    #[test]
    fn synthetic_rows_import_without_errors() {
        let mut csv = Vec::new();
        write_csv(500, &mut csv).expect("writing to a Vec");
        let prepared = crate::commands::import::prepare_import(
            crate::commands::import::ImportSource::Bytes {
                name: "synthetic.csv".into(),
                bytes: csv,
            },
            None,
        )
        .expect("readable");
        assert!(prepared.errors.is_empty(), "{:?}", prepared.errors.first());
        assert_eq!(prepared.records.len(), 500);
    }
}
