//! A deterministic generator of realistic catalogue CSV files, shared by the benchmark and the
//! peak-memory example. Product mix after the demo catalogue: phone accessories, power banks,
//! headphones, toys, apparel, shoes, cosmetics, kitchenware, LED lighting, pet supplies.

/// Small linear congruential generator: deterministic, no dependency, good enough to vary rows.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed)
    }

    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

struct Kind {
    prefix: &'static str,
    title_en: &'static str,
    title_zh: &'static str,
    hs: &'static str,
    hs_us: &'static str,
    material: &'static str,
    battery: &'static str,
    tag: &'static str,
}

const KINDS: [Kind; 9] = [
    Kind {
        prefix: "PB",
        title_en: "Power bank",
        title_zh: "移动电源",
        hs: "8507.60",
        hs_us: "8507600020",
        material: "ABS; lithium-ion cells",
        battery: "锂离子 单独 37Wh",
        tag: "电子;充电",
    },
    Kind {
        prefix: "HP",
        title_en: "Bluetooth headphones",
        title_zh: "蓝牙耳机",
        hs: "8518.30",
        hs_us: "8518302000",
        material: "PC plastic; silicone",
        battery: "li-ion contained 1.1Wh",
        tag: "电子;音频",
    },
    Kind {
        prefix: "TY",
        title_en: "Building block toy",
        title_zh: "积木玩具",
        hs: "9503.00",
        hs_us: "9503000073",
        material: "ABS plastic",
        battery: "无",
        tag: "玩具",
    },
    Kind {
        prefix: "TS",
        title_en: "Cotton T-shirt",
        title_zh: "纯棉T恤",
        hs: "6109.10",
        hs_us: "6109100012",
        material: "cotton 100%",
        battery: "无",
        tag: "服装;上衣",
    },
    Kind {
        prefix: "SH",
        title_en: "Running shoes",
        title_zh: "跑步鞋",
        hs: "6404.11",
        hs_us: "6404119020",
        material: "mesh textile; EVA rubber",
        battery: "无",
        tag: "鞋类",
    },
    Kind {
        prefix: "CS",
        title_en: "Lip balm",
        title_zh: "润唇膏",
        hs: "3304.99",
        hs_us: "3304995000",
        material: "beeswax; shea butter",
        battery: "无",
        tag: "美妆",
    },
    Kind {
        prefix: "KW",
        title_en: "Stainless steel pot",
        title_zh: "不锈钢锅",
        hs: "7323.93",
        hs_us: "7323930045",
        material: "stainless steel 304",
        battery: "无",
        tag: "厨房",
    },
    Kind {
        prefix: "LD",
        title_en: "LED desk lamp",
        title_zh: "LED台灯",
        hs: "9405.21",
        hs_us: "9405218000",
        material: "aluminium; PC",
        battery: "li-ion contained 7.4Wh",
        tag: "照明",
    },
    Kind {
        prefix: "PT",
        title_en: "Pet chew toy",
        title_zh: "宠物咬胶玩具",
        hs: "4201.00",
        hs_us: "4201003000",
        material: "natural rubber",
        battery: "无",
        tag: "宠物",
    },
];

pub const HEADER: &str = "货号,品名,品牌,申报英文名,申报中文名,原产国,海关编码,美国海关编码,申报价值,币种,净重(千克),毛重(千克),尺寸,材质,电池,类目,图片,ASIN\n";

/// A CSV catalogue of `rows` data rows, UTF-8, comma-delimited, Chinese headers.
pub fn catalogue_csv(rows: usize) -> String {
    let mut rng = Lcg::new(42);
    let mut out = String::with_capacity(rows * 330 + HEADER.len());
    out.push_str(HEADER);
    let brands = [
        "Voltix",
        "Sonari",
        "BrickJoy",
        "Cottona",
        "Stride",
        "Lumo",
        "PawPal",
        "安克",
        "小米生态",
    ];
    let origins = ["CN", "CN", "CN", "中国", "VN", "越南", "TR"];
    let currencies = ["USD", "USD", "EUR", "CNY"];
    for i in 0..rows {
        let kind = &KINDS[rng.next(KINDS.len() as u64) as usize];
        let net_g = 50 + rng.next(2000);
        let gross_g = net_g + 10 + rng.next(300);
        let value_cents = 99 + rng.next(9900);
        let (l, w, h) = (5 + rng.next(40), 5 + rng.next(30), 1 + rng.next(20));
        let variant = ["黑色", "白色", "蓝色 \"\"Pro\"\"", "红色, 大号"][rng.next(4) as usize];
        out.push_str(&format!(
            "{prefix}-{i:07},\"{en} {variant} #{i}\",{brand},{en},{zh},{origin},{hs},{hs_us},{v}.{c:02},{cur},{net}.{net_frac:03},{gross}.{gross_frac:03},{l}x{w}x{h} cm,{material},{battery},{tag},https://img.example.com/{prefix}/{i}.jpg;https://img.example.com/{prefix}/{i}-2.jpg,B0{asin:08}\n",
            prefix = kind.prefix,
            en = kind.title_en,
            zh = kind.title_zh,
            brand = brands[rng.next(brands.len() as u64) as usize],
            origin = origins[rng.next(origins.len() as u64) as usize],
            hs = kind.hs,
            hs_us = kind.hs_us,
            v = value_cents / 100,
            c = value_cents % 100,
            cur = currencies[rng.next(currencies.len() as u64) as usize],
            net = net_g / 1000,
            net_frac = net_g % 1000,
            gross = gross_g / 1000,
            gross_frac = gross_g % 1000,
            material = kind.material,
            battery = kind.battery,
            tag = kind.tag,
            asin = i,
        ));
    }
    out
}
