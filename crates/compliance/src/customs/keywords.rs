//! Description keywords: chapter hints for the description-vs-HS check, and the vague words carriers and customs
//! reject as a description of goods.

use crate::screening::fold_basic;

/// (keyword, chapters it suggests). English keywords match whole words (a trailing "s" plural is accepted);
/// Chinese keywords match as substrings.
const CHAPTER_HINTS: &[(&str, &[u8])] = &[
    ("t-shirt", &[61]),
    ("tshirt", &[61]),
    ("shirt", &[61, 62]),
    ("blouse", &[61, 62]),
    ("dress", &[61, 62]),
    ("jacket", &[61, 62]),
    ("coat", &[61, 62]),
    ("trousers", &[61, 62]),
    ("pants", &[61, 62]),
    ("jeans", &[62]),
    ("sweater", &[61]),
    ("hoodie", &[61]),
    ("sock", &[61]),
    ("legging", &[61]),
    ("underwear", &[61, 62]),
    ("scarf", &[61, 62, 63]),
    ("towel", &[63]),
    ("blanket", &[63]),
    ("curtain", &[63]),
    ("shoe", &[64]),
    ("sneaker", &[64]),
    ("boot", &[64]),
    ("sandal", &[64]),
    ("slipper", &[64]),
    ("hat", &[65]),
    ("cap", &[65]),
    ("umbrella", &[66]),
    ("handbag", &[42]),
    ("backpack", &[42]),
    ("wallet", &[42]),
    ("suitcase", &[42]),
    ("phone", &[85]),
    ("smartphone", &[85]),
    ("headphone", &[85]),
    ("earphone", &[85]),
    ("earbud", &[85]),
    ("speaker", &[85]),
    ("charger", &[85]),
    ("adapter", &[85]),
    ("cable", &[85]),
    ("battery", &[85]),
    ("power bank", &[85]),
    ("laptop", &[84]),
    ("computer", &[84]),
    ("keyboard", &[84]),
    ("mouse", &[84]),
    ("printer", &[84]),
    ("fan", &[84, 85]),
    ("lamp", &[85, 94]),
    ("light", &[85, 94]),
    ("toy", &[95]),
    ("doll", &[95]),
    ("puzzle", &[95]),
    ("game", &[95]),
    ("chair", &[94]),
    ("table", &[94]),
    ("sofa", &[94]),
    ("mattress", &[94]),
    ("pillow", &[94, 63]),
    ("watch", &[91]),
    ("clock", &[91]),
    ("necklace", &[71]),
    ("bracelet", &[71]),
    ("earring", &[71]),
    ("ring", &[71]),
    ("jewelry", &[71]),
    ("jewellery", &[71]),
    ("sunglasses", &[90]),
    ("glasses", &[90]),
    ("lipstick", &[33]),
    ("perfume", &[33]),
    ("shampoo", &[33]),
    ("cosmetic", &[33]),
    ("cream", &[33]),
    ("book", &[49]),
    ("knife", &[82]),
    ("scissors", &[82]),
    ("mug", &[39, 69, 70, 73]),
    ("cup", &[39, 69, 70, 73]),
    ("plate", &[39, 69, 70]),
    ("bottle", &[39, 70, 73, 76]),
    ("手机", &[85]),
    ("耳机", &[85]),
    ("充电器", &[85]),
    ("数据线", &[85]),
    ("电池", &[85]),
    ("移动电源", &[85]),
    ("衣服", &[61, 62]),
    ("上衣", &[61, 62]),
    ("裤", &[61, 62]),
    ("连衣裙", &[61, 62]),
    ("鞋", &[64]),
    ("帽", &[65]),
    ("包", &[42]),
    ("玩具", &[95]),
    ("手表", &[91]),
    ("项链", &[71]),
    ("眼镜", &[90]),
    ("化妆品", &[33]),
    ("口红", &[33]),
    ("椅", &[94]),
    ("灯", &[85, 94]),
    ("书", &[49]),
    ("刀", &[82]),
    ("杯", &[39, 69, 70, 73]),
];

/// Words that say nothing about what the goods are.
const VAGUE_WORDS: &[&str] = &[
    "gift",
    "gifts",
    "present",
    "sample",
    "samples",
    "part",
    "parts",
    "spare",
    "spares",
    "accessory",
    "accessories",
    "goods",
    "item",
    "items",
    "merchandise",
    "stuff",
    "product",
    "products",
    "other",
    "others",
    "misc",
    "miscellaneous",
    "various",
    "general",
    "commodity",
    "commodities",
    "things",
    "free",
    "personal",
    "effects",
    "use",
    "new",
    "of",
    "and",
    "for",
    "the",
    "a",
    "an",
    "&",
    "with",
];

/// Chinese vague descriptions (substring match after removing them leaves nothing meaningful).
const VAGUE_ZH: &[&str] = &[
    "礼品", "礼物", "配件", "样品", "零件", "货物", "物品", "商品", "其他", "杂货", "产品", "用品",
    "赠品",
];

fn words(text: &str) -> Vec<String> {
    fold_basic(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '&'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// True when the description names no goods: only vague words ("gift", "parts", "accessories", "礼品", "配件",
/// "样品", ...), stop words and numbers, or nothing at all.
pub fn is_vague_description(text: &str) -> bool {
    let mut rest = fold_basic(text);
    for zh in VAGUE_ZH {
        rest = rest.replace(zh, " ");
    }
    let meaningful_cjk = rest.chars().any(is_cjk);
    let meaningful_latin = words(&rest).iter().any(|w| {
        !VAGUE_WORDS.contains(&w.as_str())
            && !w.chars().all(|c| c.is_ascii_digit())
            && w.chars().count() > 1
    });
    !(meaningful_cjk || meaningful_latin)
}

/// The chapters the description's keywords point to (sorted, deduplicated); empty when no keyword is known.
pub fn chapters_suggested_by(text: &str) -> Vec<u8> {
    let folded = fold_basic(text);
    let ws = words(&folded);
    let mut out = Vec::new();
    for (kw, chapters) in CHAPTER_HINTS {
        let hit = if kw.chars().any(is_cjk) || kw.contains(' ') {
            folded.contains(kw)
        } else {
            ws.iter().any(|w| {
                w == kw || w.strip_suffix('s') == Some(kw) || w.strip_suffix("es") == Some(kw)
            })
        };
        if hit {
            out.extend_from_slice(chapters);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vague_descriptions_are_recognised() {
        for v in [
            "gift",
            "Gifts",
            "SAMPLE",
            "parts",
            "accessories",
            "礼品",
            "配件",
            "样品",
            "spare parts",
            "misc items",
            "",
            "  ",
            "gift 2",
        ] {
            assert!(is_vague_description(v), "{v:?} should be vague");
        }
        for ok in [
            "cotton t-shirt",
            "phone case of silicone",
            "手机壳",
            "bluetooth earphones",
            "LED desk lamp",
        ] {
            assert!(!is_vague_description(ok), "{ok:?} should be specific");
        }
    }

    #[test]
    fn keywords_suggest_chapters() {
        assert_eq!(chapters_suggested_by("Men's cotton T-shirts"), vec![61]);
        assert_eq!(chapters_suggested_by("running shoes"), vec![64]);
        assert_eq!(chapters_suggested_by("蓝牙耳机"), vec![85]);
        assert!(chapters_suggested_by("widget").is_empty());
    }
}
