//! Ordinary, well-made listings in every target language must produce no findings.
//! These were written as a seller's translator would write them, not tuned to rules.

use std::collections::BTreeMap;

use tradelane_listing_qa::{
    CheckInput, Glossary, GlossaryTerm, Listing, QaEngine, SourceListing, WatchTerm, Watchlist,
};

fn engine() -> QaEngine {
    match QaEngine::new() {
        Ok(e) => e,
        Err(e) => panic!("shipped data must parse: {e}"),
    }
}

fn listing(
    marketplace: &str,
    locale: &str,
    title: &str,
    bullets: &[&str],
    description: &str,
    search: &str,
) -> Listing {
    Listing {
        marketplace: marketplace.into(),
        locale: locale.into(),
        title: title.into(),
        bullets: bullets.iter().map(|s| s.to_string()).collect(),
        description: description.into(),
        search_terms: search.into(),
        attributes: [("brand".to_string(), "Lumora".to_string())]
            .into_iter()
            .collect(),
    }
}

fn source() -> SourceListing {
    SourceListing {
        locale: "zh-CN".into(),
        title: "Lumora LX-300 LED台灯，3档亮度，USB-C充电".into(),
        bullets: vec![
            "3档亮度和3种色温，护眼无频闪".into(),
            "内置2000mAh电池，续航约8小时".into(),
            "灯臂可调节，高度45厘米".into(),
            "重量仅0.5公斤，方便携带".into(),
            "包装内含1条USB-C数据线".into(),
        ],
        description: "Lumora LX-300 适合阅读、办公和学习。".into(),
        search_terms: "台灯 护眼灯 阅读灯".into(),
    }
}

fn glossary() -> Glossary {
    Glossary {
        terms: vec![GlossaryTerm {
            source: "台灯".into(),
            translations: BTreeMap::from([
                ("en".to_string(), "desk lamp".to_string()),
                ("de".to_string(), "Schreibtischlampe".to_string()),
                ("fr".to_string(), "lampe de bureau".to_string()),
                ("es".to_string(), "lámpara de escritorio".to_string()),
                ("it".to_string(), "lampada da scrivania".to_string()),
                ("ja".to_string(), "デスクライト".to_string()),
                ("zh-Hant".to_string(), "檯燈".to_string()),
            ]),
        }],
        do_not_translate: vec!["Lumora".into(), "LX-300".into()],
        forbidden: vec![],
    }
}

fn watchlist() -> Watchlist {
    Watchlist::new(vec![
        WatchTerm {
            term: "Philips".into(),
            owner: Some("Koninklijke Philips N.V.".into()),
            note: None,
        },
        WatchTerm {
            term: "IKEA".into(),
            owner: None,
            note: None,
        },
    ])
}

fn assert_clean(l: &Listing) {
    assert_clean_with(l, true);
}

/// `with_source`: compare with the zh-CN source and glossary too.
fn assert_clean_with(l: &Listing, with_source: bool) {
    let e = engine();
    let src = source();
    let g = glossary();
    let w = watchlist();
    let findings = e.check(&CheckInput {
        listing: l,
        source: with_source.then_some(&src),
        glossary: with_source.then_some(&g),
        watchlist: Some(&w),
        date: Some(jiff::civil::date(2026, 11, 26)),
    });
    assert!(
        findings.is_empty(),
        "{} {}: unexpected findings:\n{findings:#?}",
        l.marketplace,
        l.locale
    );
}

#[test]
fn en_us_amazon() {
    assert_clean(&listing(
        "amazon",
        "en-US",
        "Lumora LX-300 LED Desk Lamp with 3 Brightness Levels, USB-C Rechargeable Reading Light for Home Office",
        &[
            "3 brightness levels and 3 color temperatures; flicker-free light that is gentle on your eyes",
            "Built-in 2000mAh battery lasts about 8 hours on one charge",
            "Adjustable arm, 45 cm (17.7 in) high, turns to light your desk or bookshelf",
            "Weighs only 0.5 kg (1.1 lb), easy to carry from room to room",
            "In the box: desk lamp and 1 USB-C cable",
        ],
        "<p>The Lumora LX-300 is made for reading, office work and study.</p><ul><li>Touch control</li><li>Memory of the last setting</li></ul>",
        "reading light bedside lamp study lamp dimmable",
    ));
}

#[test]
fn en_gb_amazon() {
    assert_clean(&listing(
        "amazon",
        "en-GB",
        "Lumora LX-300 LED Desk Lamp, 3 Brightness Levels, USB-C Rechargeable Reading Light for Home Office",
        &[
            "3 brightness levels and 3 colour temperatures; flicker-free light that is kind to your eyes",
            "Built-in 2000mAh battery lasts about 8 hours on a single charge",
            "Adjustable arm, 45 cm high, angles the light onto your desk or shelf",
            "Weighs just 0.5 kg, so it moves easily from room to room",
            "In the box: desk lamp and 1 USB-C cable",
        ],
        "The Lumora LX-300 is designed for reading, office work and revision. Touch control remembers your last setting.",
        "reading light bedside lamp study lamp dimmable",
    ));
}

#[test]
fn de_de_amazon() {
    assert_clean(&listing(
        "amazon",
        "de-DE",
        "Lumora LX-300 LED Schreibtischlampe mit 3 Helligkeitsstufen, per USB-C aufladbare Leselampe fürs Homeoffice",
        &[
            "3 Helligkeitsstufen und 3 Farbtemperaturen; flimmerfreies Licht, das die Augen schont",
            "Eingebauter Akku mit 2000 mAh hält mit einer Ladung etwa 8 Stunden",
            "Verstellbarer Arm, 45 cm hoch, lenkt das Licht auf Schreibtisch oder Regal",
            "Wiegt nur 0,5 kg und lässt sich leicht von Raum zu Raum tragen",
            "Lieferumfang: Schreibtischlampe und 1 USB-C-Kabel",
        ],
        "Die Lumora LX-300 ist für Lesen, Büroarbeit und Lernen gemacht. Die Berührungssteuerung merkt sich die letzte Einstellung.",
        "Leselampe Nachttischlampe dimmbar Lernlampe",
    ));
}

#[test]
fn fr_fr_amazon() {
    assert_clean(&listing(
        "amazon",
        "fr-FR",
        "Lumora LX-300 Lampe de bureau LED à 3 niveaux de luminosité, liseuse rechargeable par USB-C pour le télétravail",
        &[
            "3 niveaux de luminosité et 3 températures de couleur ; lumière sans scintillement qui ménage les yeux",
            "Batterie intégrée de 2000 mAh : environ 8 heures d'autonomie par charge",
            "Bras orientable, hauteur 45 cm, pour éclairer le bureau ou l'étagère",
            "Ne pèse que 0,5 kg et se déplace facilement d'une pièce à l'autre",
            "Contenu : lampe de bureau et 1 câble USB-C",
        ],
        "La Lumora LX-300 est conçue pour la lecture, le travail de bureau et les études. La commande tactile mémorise le dernier réglage.",
        "liseuse lampe de chevet lampe de lecture variateur",
    ));
}

#[test]
fn es_es_amazon() {
    assert_clean(&listing(
        "amazon",
        "es-ES",
        "Lumora LX-300 Lámpara de escritorio LED con 3 niveles de brillo, luz de lectura recargable por USB-C para oficina",
        &[
            "3 niveles de brillo y 3 temperaturas de color; luz sin parpadeo que cuida la vista",
            "Batería integrada de 2000 mAh con unas 8 horas de autonomía por carga",
            "Brazo ajustable de 45 cm de altura que dirige la luz al escritorio o a la estantería",
            "Pesa solo 0,5 kg y se lleva fácilmente de una habitación a otra",
            "Contenido: lámpara de escritorio y 1 cable USB-C",
        ],
        "La Lumora LX-300 está pensada para leer, trabajar en la oficina y estudiar. El control táctil recuerda el último ajuste.",
        "luz de lectura lámpara de mesita regulable",
    ));
}

#[test]
fn it_it_amazon() {
    assert_clean(&listing(
        "amazon",
        "it-IT",
        "Lumora LX-300 Lampada da scrivania LED con 3 livelli di luminosità, luce da lettura ricaricabile via USB-C per l'ufficio",
        &[
            "3 livelli di luminosità e 3 temperature di colore; luce senza sfarfallio che riposa gli occhi",
            "Batteria integrata da 2000 mAh con circa 8 ore di autonomia per carica",
            "Braccio regolabile, altezza 45 cm, per illuminare la scrivania o lo scaffale",
            "Pesa solo 0,5 kg e si sposta facilmente da una stanza all'altra",
            "Contenuto: lampada da scrivania e 1 cavo USB-C",
        ],
        "La Lumora LX-300 è pensata per la lettura, il lavoro d'ufficio e lo studio. Il comando touch ricorda l'ultima impostazione.",
        "luce da lettura lampada comodino dimmerabile",
    ));
}

#[test]
fn ja_jp_amazon() {
    assert_clean(&listing(
        "amazon",
        "ja-JP",
        "Lumora LX-300 LEDデスクライト 3段階調光 USB-C充電式 読書灯 在宅勤務用",
        &[
            "3段階の明るさと3種類の色温度、ちらつきのない目にやさしい光",
            "2000mAhバッテリー内蔵、1回の充電で約8時間使用可能",
            "角度調整できるアーム、高さ45cm",
            "重さわずか0.5kgで持ち運びも簡単",
            "付属品：デスクライト本体、USB-Cケーブル1本",
        ],
        "Lumora LX-300は読書、オフィスワーク、勉強に最適です。タッチ操作で前回の設定を記憶します。",
        "読書灯 ベッドサイドライト 調光",
    ));
}

#[test]
fn zh_hant_shopify() {
    assert_clean(&listing(
        "shopify",
        "zh-Hant",
        "Lumora LX-300 LED檯燈，3段亮度，USB-C充電",
        &[
            "3段亮度與3種色溫，不閃爍的柔和光線",
            "內建2000mAh電池，續航約8小時",
            "燈臂可調整，高度45公分",
            "重量僅0.5公斤，方便攜帶",
            "包裝內含1條USB-C傳輸線",
        ],
        "<p>Lumora LX-300 適合閱讀、辦公與學習。</p>",
        "檯燈 閱讀燈",
    ));
}

#[test]
fn ebay_de_and_tiktok_us() {
    assert_clean_with(
        &listing(
            "ebay",
            "de-DE",
            "Lumora LX-300 LED Schreibtischlampe 3 Stufen USB-C",
            &[],
            "<p>Die Lumora LX-300 ist eine Leselampe für Büro und Studium.</p>",
            "",
        ),
        false,
    );
    assert_clean_with(
        &listing(
            "tiktok",
            "en-US",
            "Lumora LX-300 LED Desk Lamp, 3 Brightness Levels, USB-C Rechargeable",
            &[],
            "A rechargeable desk lamp for reading and study.",
            "",
        ),
        false,
    );
}

#[test]
fn footwear_and_apparel_with_sizes_and_units() {
    let cases = [
        listing(
            "amazon",
            "en-US",
            "Men's Running Shoes, Lightweight Breathable Sneakers with Cushioned Sole, EU 42 / US 9 / UK 8",
            &[
                "Knit upper lets your feet breathe on long runs",
                "Each shoe weighs about 280 g (9.9 oz)",
                "Rubber outsole grips on wet and dry roads",
                "Heel drop 8 mm (0.3 in) for a natural stride",
                "Machine washable at 30°C (86°F)",
            ],
            "Everyday trainers for running, the gym and travel.",
            "running shoes men trainers gym sneakers",
        ),
        listing(
            "amazon",
            "de-DE",
            "Damen Sneaker, leichte Freizeitschuhe mit weicher Sohle, Größe EU 38 / UK 5 / US 7,5",
            &[
                "Obermaterial aus atmungsaktivem Strick",
                "Gewicht pro Schuh etwa 240 g",
                "Rutschfeste Gummisohle für nasse und trockene Wege",
            ],
            "Bequeme Schuhe für Alltag, Reisen und Freizeit.",
            "sneaker damen freizeitschuhe leicht",
        ),
        listing(
            "amazon",
            "fr-FR",
            "Robe d'été pour femme en coton, taille FR 40 / UK 12 / US 8",
            &[
                "Coton léger et doux",
                "Longueur 95 cm",
                "Lavable en machine à 30 °C",
            ],
            "Une robe simple pour la ville comme pour la plage.",
            "robe femme été coton",
        ),
        listing(
            "amazon",
            "ja-JP",
            "ランニングシューズ メンズ 軽量 通気性 26.5cm",
            &["片足約280gの軽量設計", "通気性の良いメッシュ素材"],
            "毎日のトレーニングに最適な軽量シューズです。",
            "ランニングシューズ メンズ",
        ),
        listing(
            "amazon",
            "en-GB",
            "Insulated Water Bottle 750 ml, Keeps Drinks Cold for 24 Hours",
            &[
                "Holds 750 ml (26.4 fl oz)",
                "Stainless steel, fits most cup holders",
            ],
            "Take it to the gym, the office or on a hike.",
            "water bottle flask gym",
        ),
    ];
    for l in &cases {
        assert_clean_with(l, false);
    }
}
