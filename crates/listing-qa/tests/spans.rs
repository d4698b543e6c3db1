//! Every reported span slices its field at char boundaries, the slice equals the
//! excerpt, and char offsets agree with byte offsets — for emoji, combining marks,
//! CJK and right-to-left text mixed with text that triggers rules.

use proptest::prelude::*;
use tradelane_listing_qa::{
    CheckInput, FieldRef, Finding, Glossary, Listing, QaEngine, SourceListing, WatchTerm, Watchlist,
};

const PIECES: &[&str] = &[
    "Lamp",
    "desk",
    " ",
    ", ",
    "!",
    "$",
    "_",
    "FREE SHIPPING",
    "kostenloser Versand",
    "heilt",
    "GUÉRIT",
    "gue\u{301}rit",
    "cures",
    "FDA approved",
    "CE certified",
    "送料無料",
    "包邮",
    "护眼台灯",
    "这款产品",
    "🙂",
    "👩‍👩‍👧",
    "🇩🇪",
    "e\u{301}",
    "a\u{308}\u{323}",
    "مصباح مكتب",
    "שלום",
    "\u{200F}",
    "30 cm (30 in)",
    "2 kg (4.4 lb)",
    "EU 42 = US 12",
    "SUPER",
    "Nespresso",
    "NESPRÉSSO",
    "<script>x</script>",
    "<p onclick=\"y\">",
    "The lamp is easy to use with your desk",
    "1,5",
    "XR-200",
    "ＦＲＥＥ ＳＨＩＰＰＩＮＧ",
    "\u{3000}",
];

fn field_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..24).prop_map(|v| v.concat())
}

fn field_of(l: &Listing, f: FieldRef) -> Option<&str> {
    match f {
        FieldRef::Title => Some(&l.title),
        FieldRef::Bullet(i) => l.bullets.get(i).map(String::as_str),
        FieldRef::Description => Some(&l.description),
        FieldRef::SearchTerms => Some(&l.search_terms),
    }
}

fn assert_spans(l: &Listing, fs: &[Finding]) -> Result<(), TestCaseError> {
    for f in fs {
        let Some(span) = f.span else { continue };
        let text = field_of(l, f.field).unwrap_or_default();
        prop_assert!(
            text.is_char_boundary(span.byte_start) && text.is_char_boundary(span.byte_end),
            "{f:?}"
        );
        let slice = &text[span.byte_start..span.byte_end];
        prop_assert_eq!(Some(slice), f.excerpt.as_deref());
        prop_assert_eq!(text[..span.byte_start].chars().count(), span.char_start);
        prop_assert_eq!(span.char_end - span.char_start, slice.chars().count());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn spans_slice_fields_exactly(
        title in field_text(),
        bullets in prop::collection::vec(field_text(), 0..6),
        description in field_text(),
        search in field_text(),
        market in prop::sample::select(&["amazon", "ebay", "shopify", "temu", "tiktok", "other"][..]),
        locale in prop::sample::select(&["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "ja-JP", "zh-Hant", "ar-AE"][..]),
    ) {
        let engine = QaEngine::new().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let l = Listing {
            marketplace: market.to_string(),
            locale: locale.to_string(),
            title,
            bullets,
            description,
            search_terms: search,
            attributes: Default::default(),
        };
        let src = SourceListing {
            locale: "zh-CN".into(),
            title: "Lumora XR-200 台灯 1.5 kg".into(),
            ..Default::default()
        };
        let g = Glossary {
            do_not_translate: vec!["Lumora".into(), "XR-200".into()],
            ..Default::default()
        };
        let w = Watchlist::new(vec![WatchTerm { term: "Nespresso".into(), owner: None, note: None }]);
        let fs = engine.check(&CheckInput {
            listing: &l,
            source: Some(&src),
            glossary: Some(&g),
            watchlist: Some(&w),
            date: None,
        });
        assert_spans(&l, &fs)?;
    }

    #[test]
    fn arbitrary_unicode_never_panics(title in "\\PC{0,120}", desc in "\\PC{0,200}") {
        let engine = QaEngine::new().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let l = Listing {
            marketplace: "amazon".into(),
            locale: "de-DE".into(),
            title,
            bullets: vec![],
            description: desc,
            search_terms: String::new(),
            attributes: Default::default(),
        };
        let fs = engine.check(&CheckInput::new(&l));
        assert_spans(&l, &fs)?;
    }
}

#[test]
fn emoji_and_cjk_offsets_are_exact() {
    let engine = match QaEngine::new() {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let l = Listing {
        marketplace: "amazon".into(),
        locale: "de-DE".into(),
        title: "👩‍👩‍👧 Lampe 护眼 heilt!".into(),
        ..Default::default()
    };
    let fs = engine.check(&CheckInput::new(&l));
    let heilt = fs
        .iter()
        .find(|f| f.rule_id == "claim.medical")
        .and_then(|f| f.span);
    // 👩‍👩‍👧 is 5 scalar values (18 bytes); "护眼" 2 scalar values (6 bytes)
    assert_eq!(heilt.map(|s| (s.char_start, s.char_end)), Some((15, 20)));
    assert_eq!(heilt.map(|s| (s.byte_start, s.byte_end)), Some((32, 37)));
    let han = fs
        .iter()
        .find(|f| f.rule_id == "untranslated.script")
        .and_then(|f| f.span);
    assert_eq!(
        han.map(|s| (s.char_start, s.char_end, s.byte_start, s.byte_end)),
        Some((12, 14, 25, 31))
    );
}
