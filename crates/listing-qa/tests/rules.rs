//! Each rule family fires on listings that break it, in several languages, with the
//! span on the offending text.

use std::collections::BTreeMap;

use tradelane_listing_qa::{
    CheckInput, FieldRef, Finding, ForbiddenTerm, Glossary, GlossaryTerm, Listing, QaEngine,
    Severity, SourceListing, WatchTerm, Watchlist,
};

fn engine() -> QaEngine {
    match QaEngine::new() {
        Ok(e) => e,
        Err(e) => panic!("shipped data must parse: {e}"),
    }
}

fn target(marketplace: &str, locale: &str, title: &str) -> Listing {
    Listing {
        marketplace: marketplace.into(),
        locale: locale.into(),
        title: title.into(),
        ..Default::default()
    }
}

fn check(l: &Listing) -> Vec<Finding> {
    engine().check(&CheckInput::new(l))
}

/// (rule_id, excerpt) pairs, for compact assertions.
fn hits(fs: &[Finding]) -> Vec<(String, String)> {
    fs.iter()
        .map(|f| (f.rule_id.clone(), f.excerpt.clone().unwrap_or_default()))
        .collect()
}

fn has(fs: &[Finding], rule: &str, excerpt: &str) -> bool {
    fs.iter()
        .any(|f| f.rule_id == rule && f.excerpt.as_deref() == Some(excerpt))
}

#[test]
fn promotional_phrases_in_each_language() {
    let cases = [
        (
            "en-US",
            "Desk Lamp FREE SHIPPING Reading Light",
            "FREE SHIPPING",
        ),
        (
            "de-DE",
            "Schreibtischlampe heißer Verkauf Leselampe",
            "heißer Verkauf",
        ),
        (
            "fr-FR",
            "Lampe de bureau livraison gratuite",
            "livraison gratuite",
        ),
        (
            "es-ES",
            "Lámpara de escritorio envio gratis",
            "envio gratis",
        ),
        (
            "it-IT",
            "Lampada da scrivania spedizione gratuita",
            "spedizione gratuita",
        ),
        ("ja-JP", "デスクライト送料無料", "送料無料"),
        ("zh-Hant", "檯燈 熱賣 包郵", "熱賣"),
    ];
    for (locale, title, want) in cases {
        let fs = check(&target("amazon", locale, title));
        assert!(
            has(&fs, "amazon.title.promotional", want),
            "{locale}: {:?}",
            hits(&fs)
        );
        // shopify does not forbid them
        let fs = check(&target("shopify", locale, title));
        assert!(
            !fs.iter().any(|f| f.rule_id.ends_with("promotional")),
            "{locale}: {:?}",
            hits(&fs)
        );
    }
}

#[test]
fn promo_words_inside_other_words_do_not_fire() {
    let fs = check(&target("amazon", "fr-FR", "Lampe promotionnelle de bureau"));
    assert!(
        fs.iter().all(|f| f.rule_id != "amazon.title.promotional"),
        "{:?}",
        hits(&fs)
    );
}

#[test]
fn medical_claims_in_each_language() {
    let cases = [
        ("en-US", "Copper bracelet cures arthritis", "cures"),
        ("de-DE", "Kupferarmband heilt Arthrose", "heilt"),
        (
            "fr-FR",
            "Bracelet en cuivre qui GUÉRIT l'arthrose",
            "GUÉRIT",
        ),
        (
            "es-ES",
            "Pulsera que alivia el dolor de espalda",
            "alivia el dolor",
        ),
        ("it-IT", "Bracciale che guarisce l'artrite", "guarisce"),
        ("ja-JP", "銅ブレスレットで関節痛が治る", "治る"),
        ("zh-Hant", "銅手環 治療關節炎", "治療"),
    ];
    for (locale, title, want) in cases {
        let fs = check(&target("ebay", locale, title));
        let f = fs.iter().find(|f| f.rule_id == "claim.medical");
        assert!(
            f.is_some_and(|f| f.excerpt.as_deref() == Some(want) && f.severity == Severity::Error),
            "{locale}: {:?}",
            hits(&fs)
        );
    }
    assert!(
        check(&target(
            "ebay",
            "en-US",
            "Procures nothing, secures everything"
        ))
        .is_empty()
    );
}

#[test]
fn fda_ce_antimicrobial_and_eco_claims() {
    let fs = check(&target(
        "amazon",
        "de-DE",
        "Trinkflasche FDA approved, CE-zertifiziert, antibakteriell, umweltfreundlich",
    ));
    assert!(has(&fs, "claim.fda", "FDA approved"), "{:?}", hits(&fs));
    assert!(has(&fs, "claim.ce", "CE-zertifiziert"));
    assert!(has(&fs, "claim.antimicrobial", "antibakteriell"));
    assert!(has(&fs, "claim.eco", "umweltfreundlich"));
    let ce = fs.iter().find(|f| f.rule_id == "claim.ce");
    assert_eq!(
        ce.and_then(|f| f.fix.as_ref())
            .map(|x| x.replacement.as_str()),
        Some("mit CE-Kennzeichnung")
    );
    let fs = check(&target(
        "amazon",
        "en-US",
        "Water bottle, CE certified, biodegradable, non-toxic",
    ));
    assert!(has(&fs, "claim.ce", "CE certified"));
    assert!(has(&fs, "claim.eco", "biodegradable"));
    assert!(has(&fs, "claim.eco", "non-toxic"));
    let fs = check(&target(
        "amazon",
        "it-IT",
        "Borsa in pelle ecologica, tracolla regolabile",
    ));
    assert!(
        !fs.iter().any(|f| f.rule_id == "claim.eco"),
        "faux leather is a material: {:?}",
        hits(&fs)
    );
    let fs = check(&target("amazon", "it-IT", "Borsa ecologica in cotone"));
    assert!(has(&fs, "claim.eco", "ecologica"));
    let fs = check(&target("amazon", "fr-FR", "Gourde certifiée CE sans BPA"));
    assert!(
        !fs.iter().any(|f| f.rule_id == "claim.ce"),
        "marking stated correctly is fine: {:?}",
        hits(&fs)
    );
}

#[test]
fn cultural_terms_and_regional_entries() {
    let fs = check(&target("amazon", "en-US", "Gypsy Boho Maxi Skirt"));
    assert!(has(&fs, "cultural", "Gypsy"));
    let fs = check(&target("amazon", "de-DE", "Poster mit Hakenkreuz"));
    assert!(has(&fs, "cultural", "Hakenkreuz"));
    let fs = check(&target("shopify", "zh-Hant", "精美時鐘 送鐘 首選"));
    assert!(has(&fs, "cultural", "送鐘"));
}

#[test]
fn amazon_title_rules() {
    let long = format!("Lumora {}", "Desk Lamp with Clamp ".repeat(12));
    let fs = check(&target("amazon", "en-US", &long));
    assert!(fs.iter().any(|f| f.rule_id == "amazon.title.max_length"));
    let fs = check(&target("amazon", "en-US", "Amazing Lamp! Only $20? {Best}"));
    let chars: Vec<String> = fs
        .iter()
        .filter(|f| f.rule_id == "amazon.title.forbidden_chars")
        .filter_map(|f| f.excerpt.clone())
        .collect();
    assert_eq!(chars, vec!["!", "$", "?", "{", "}"]);
    let fs = check(&target(
        "amazon",
        "en-US",
        "Lamp Desk Lamp Reading Lamp for Bed",
    ));
    assert!(has(&fs, "amazon.title.word_repeats", "Lamp"));
    let fs = check(&target("amazon", "en-US", "SUPER BRIGHT LED Lamp with USB"));
    assert!(
        has(&fs, "amazon.title.all_caps", "SUPER") && has(&fs, "amazon.title.all_caps", "BRIGHT")
    );
    assert!(!has(&fs, "amazon.title.all_caps", "LED"));
}

#[test]
fn brand_may_use_forbidden_characters_and_caps() {
    let mut l = target("amazon", "en-US", "YAHOO! Desk Lamp with USB");
    l.attributes = BTreeMap::from([("brand".to_string(), "YAHOO!".to_string())]);
    let fs = check(&l);
    assert!(fs.is_empty(), "{:?}", hits(&fs));
}

#[test]
fn search_terms_counted_in_bytes() {
    let mut l = target("amazon", "de-DE", "Schreibtischlampe");
    l.search_terms = "Leselampe Nachttischlampe dimmbar ".repeat(3) + &"ä".repeat(100);
    assert!(l.search_terms.chars().count() < 249);
    let fs = check(&l);
    assert!(
        fs.iter()
            .any(|f| f.rule_id == "amazon.search_terms.max_bytes"
                && f.field == FieldRef::SearchTerms)
    );
}

#[test]
fn bullets_limit_and_length() {
    let mut l = target("amazon", "en-US", "Desk lamp");
    l.bullets = (0..6)
        .map(|i| format!("Feature number {i} of the lamp"))
        .collect();
    l.bullets[1] = "x".repeat(501);
    let fs = check(&l);
    assert!(
        fs.iter()
            .any(|f| f.rule_id == "amazon.bullet.max_items" && f.field == FieldRef::Bullet(5))
    );
    assert!(
        fs.iter()
            .any(|f| f.rule_id == "amazon.bullet.max_length" && f.field == FieldRef::Bullet(1))
    );
    let uncertain = fs
        .iter()
        .find(|f| f.rule_id == "amazon.bullet.max_length")
        .map(|f| f.uncertain);
    assert_eq!(
        uncertain,
        Some(true),
        "bullet length figure is marked uncertain in the data"
    );
    let certain = fs
        .iter()
        .find(|f| f.rule_id == "amazon.bullet.max_items")
        .map(|f| f.uncertain);
    assert_eq!(certain, Some(false));
}

#[test]
fn html_in_description() {
    let mut l = target("ebay", "en-GB", "Desk lamp");
    l.description = r#"<p onmouseover="x()">Bright</p><script src="https://evil.example/a.js"></script><iframe src="https://x"></iframe>"#.into();
    let fs = check(&l);
    let html: Vec<_> = fs
        .iter()
        .filter(|f| f.rule_id == "ebay.description.html")
        .collect();
    assert_eq!(html.len(), 3, "{:?}", hits(&fs));
    let clean = fs
        .iter()
        .find(|f| f.rule_id == "html.sanitized")
        .and_then(|f| f.fix.clone());
    assert_eq!(
        clean.map(|f| f.replacement),
        Some("<p>Bright</p>".to_string())
    );
}

#[test]
fn untranslated_source_text() {
    let fs = check(&target(
        "amazon",
        "de-DE",
        "Schreibtischlampe 护眼台灯 mit USB",
    ));
    assert!(has(&fs, "untranslated.script", "护眼台灯"));
    let mut l = target("amazon", "fr-FR", "Lampe de bureau LED");
    l.bullets = vec!["This lamp is easy to use and has a long battery life for your desk.".into()];
    let fs = check(&l);
    assert!(
        fs.iter()
            .any(|f| f.rule_id == "untranslated.language" && f.field == FieldRef::Bullet(0))
    );
    let fs = check(&target("shopify", "zh-Hant", "無線滑鼠，这款产品很安靜"));
    let f = fs
        .iter()
        .find(|f| f.rule_id == "untranslated.chinese_script");
    assert!(f.is_some_and(|f| f.fix.is_some()), "{:?}", hits(&fs));
    let fs = check(&target(
        "amazon",
        "ja-JP",
        "ワイヤレスマウス 这是高品质的产品",
    ));
    assert!(
        fs.iter()
            .any(|f| f.rule_id == "untranslated.chinese_in_japanese")
    );
}

#[test]
fn unit_conversions() {
    let mut l = target("amazon", "en-US", "Desk lamp");
    l.bullets = vec![
        "Height 45 cm (45 in)".into(),
        "Weight 2 kg (4.4 lb)".into(),
        "Works from -10°C to 40°C (14°F to 104°F)".into(),
        "Bottle 500 ml".into(),
    ];
    let fs = check(&l);
    let conv: Vec<_> = fs
        .iter()
        .filter(|f| f.rule_id == "units.conversion")
        .collect();
    assert_eq!(conv.len(), 1, "{:?}", hits(&fs));
    assert_eq!(conv[0].excerpt.as_deref(), Some("45"));
    assert_eq!(
        conv[0].fix.as_ref().map(|f| f.replacement.as_str()),
        Some("17.7")
    );
    assert!(
        fs.iter()
            .any(|f| f.rule_id == "units.imperial_missing" && f.field == FieldRef::Bullet(3))
    );
    let mut uk = target("amazon", "en-GB", "Bottle");
    uk.bullets = vec!["Holds 500 ml (16.9 fl oz)".into()];
    let fs = check(&uk);
    assert!(
        fs.iter().any(|f| f.rule_id == "units.fluid_ounce_system"),
        "{:?}",
        hits(&fs)
    );
    let mut de = target("amazon", "de-DE", "Flasche");
    de.bullets = vec!["Höhe 30,5 cm (12 Zoll)".into()];
    assert!(check(&de).is_empty(), "{:?}", hits(&check(&de)));
}

#[test]
fn size_conversions() {
    let fs = check(&target(
        "amazon",
        "en-US",
        "Men's Running Shoes EU 42 = US 12",
    ));
    let f = fs.iter().find(|f| f.rule_id == "size.conversion");
    assert!(
        f.is_some_and(|f| f.excerpt.as_deref() == Some("US 12")),
        "{:?}",
        hits(&fs)
    );
    assert!(
        check(&target(
            "amazon",
            "en-US",
            "Men's Running Shoes EU 42 / US 9 / UK 8"
        ))
        .is_empty()
    );
    let fs = check(&target(
        "amazon",
        "de-DE",
        "Damen Sneaker Größe 38码 / US 10",
    ));
    assert!(
        fs.iter().any(|f| f.rule_id == "size.conversion"),
        "{:?}",
        hits(&fs)
    );
}

#[test]
fn glossary_rules() {
    let g = Glossary {
        terms: vec![GlossaryTerm {
            source: "充电宝".into(),
            translations: BTreeMap::from([("de".to_string(), "Powerbank".to_string())]),
        }],
        do_not_translate: vec!["Lumora".into(), "PB-10".into()],
        forbidden: vec![ForbiddenTerm {
            term: "Handy".into(),
            markets: vec!["de-DE".into()],
            note: Some("house style: Smartphone".into()),
        }],
    };
    let src = SourceListing {
        locale: "zh-CN".into(),
        title: "Lumora PB-10 充电宝 10000mAh".into(),
        ..Default::default()
    };
    let l = target(
        "amazon",
        "de-DE",
        "Lumeria Akku-Ladegerät 10000 mAh für Handy",
    );
    let fs = engine().check(&CheckInput {
        listing: &l,
        source: Some(&src),
        glossary: Some(&g),
        watchlist: None,
        date: None,
    });
    let ids: Vec<&str> = fs.iter().map(|f| f.rule_id.as_str()).collect();
    assert!(ids.contains(&"glossary.missing_translation"), "{ids:?}");
    assert!(ids.contains(&"glossary.do_not_translate_missing"));
    assert!(ids.contains(&"glossary.forbidden"));
    assert!(ids.contains(&"model.missing"));
    let altered = target("amazon", "de-DE", "LUMORA PB 10 Powerbank 10000 mAh");
    let fs = engine().check(&CheckInput {
        listing: &altered,
        source: Some(&src),
        glossary: Some(&g),
        watchlist: None,
        date: None,
    });
    assert!(
        has(&fs, "glossary.do_not_translate_altered", "LUMORA"),
        "{:?}",
        hits(&fs)
    );
    assert!(has(&fs, "model.altered", "PB 10"), "{:?}", hits(&fs));
}

#[test]
fn numbers_preserved_with_locale_separators() {
    let src = SourceListing {
        locale: "en-US".into(),
        title: "Garden hose 1,500 cm, 1.5 kg, 3 nozzles".into(),
        ..Default::default()
    };
    let run = |title: &str| {
        let l = target("amazon", "de-DE", title);
        engine().check(&CheckInput {
            listing: &l,
            source: Some(&src),
            glossary: None,
            watchlist: None,
            date: None,
        })
    };
    assert!(run("Gartenschlauch 1.500 cm, 1,5 kg, 3 Düsen").is_empty());
    // converted (1,500 cm = 15 m) and spelled out (drei) both count as preserved
    assert!(run("Gartenschlauch 15 m, 1,5 kg, drei Düsen").is_empty());
    assert!(
        run("Gartenschlauch 15 m, 1,5 kg, 4 Düsen")
            .iter()
            .any(|f| f.rule_id == "numbers.missing")
    );
    let fs = run("Gartenschlauch 1.500 cm, 2,5 kg, 3 Düsen");
    assert_eq!(
        fs.iter().filter(|f| f.rule_id == "numbers.missing").count(),
        1,
        "{:?}",
        hits(&fs)
    );
}

#[test]
fn watchlist_matches_without_case_or_accents() {
    let w = Watchlist::new(vec![WatchTerm {
        term: "Nespresso".into(),
        owner: Some("Société des Produits Nestlé".into()),
        note: None,
    }]);
    let l = target(
        "amazon",
        "fr-FR",
        "Capsules compatibles NESPRÉSSO, lot de 50",
    );
    let fs = engine().check(&CheckInput {
        listing: &l,
        source: None,
        glossary: None,
        watchlist: Some(&w),
        date: None,
    });
    assert!(
        has(&fs, "watchlist.trademark", "NESPRÉSSO"),
        "{:?}",
        hits(&fs)
    );
}

#[test]
fn rules_respect_effective_dates() {
    let l = target("amazon", "en-US", "Lamp! Desk");
    let before = engine().check(&CheckInput {
        listing: &l,
        source: None,
        glossary: None,
        watchlist: None,
        date: Some(jiff::civil::date(2024, 6, 1)),
    });
    assert!(
        !before
            .iter()
            .any(|f| f.rule_id == "amazon.title.forbidden_chars")
    );
    assert!(
        check(&l)
            .iter()
            .any(|f| f.rule_id == "amazon.title.forbidden_chars")
    );
}

#[test]
fn lexicon_entries_respect_effective_dates() {
    let text = r#"
[[entry]]
id = "test.future"
category = "claim_eco"
lang = "en"
severity = "warning"
terms = ["planet positive"]
note = "test entry in force from 2030"
effective_from = "2030-01-01"
"#;
    let extra = match tradelane_listing_qa::data::parse_lexicon("extra.toml", text) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let engine = match QaEngine::from_data(Default::default(), extra) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let l = target("amazon", "en-US", "Planet positive lamp");
    let on = |d| {
        engine.check(&CheckInput {
            listing: &l,
            source: None,
            glossary: None,
            watchlist: None,
            date: Some(d),
        })
    };
    assert!(on(jiff::civil::date(2026, 11, 26)).is_empty());
    assert!(has(
        &on(jiff::civil::date(2030, 6, 1)),
        "claim.eco",
        "Planet positive"
    ));
}

#[test]
fn marketplace_names_are_recognised_loosely() {
    for m in ["Amazon", "amazon.de", "TikTok Shop", "tiktok_shop"] {
        let fs = check(&target(m, "en-US", "Lamp free shipping"));
        assert!(
            fs.iter().any(|f| f.rule_id.ends_with("title.promotional")),
            "{m}: {:?}",
            hits(&fs)
        );
    }
    let fs = check(&target("my own site", "en-US", "Lamp free shipping"));
    assert!(fs.is_empty(), "{:?}", hits(&fs));
}

#[test]
fn messages_in_both_languages_and_sources_cited() {
    let fs = check(&target("amazon", "en-US", "Lamp FREE SHIPPING! cures pain"));
    for f in &fs {
        assert!(
            !f.message.en.is_empty() && !f.message.zh.is_empty(),
            "{f:?}"
        );
    }
    assert!(
        fs.iter()
            .filter(|f| f.rule_id.starts_with("amazon."))
            .all(|f| f.source.is_some())
    );
}
