use super::*;
use proptest::prelude::*;

fn mark(id: &str, text: &str) -> Mark {
    Mark {
        id: id.into(),
        text: text.into(),
        classes: vec![9],
        owner: "Owner".into(),
    }
}

fn watchlist() -> Vec<Mark> {
    vec![
        mark("M1", "AirPods"),
        mark("M2", "iPhone"),
        mark("M3", "Pokémon"),
        mark("M4", "NIKE"),
        mark("M5", "LEGO"),
        mark("M6", "PlayStation"),
        mark("M7", "Anker"),
    ]
}

fn kind_for(findings: &[Finding], id: &str) -> Option<MatchKind> {
    findings
        .iter()
        .find(|f| f.mark_id.as_ref() == id)
        .map(|f| f.kind)
}

fn title(text: &str) -> Vec<Finding> {
    ScreeningIndex::new(&watchlist(), &[]).screen(&Listing {
        title: text.into(),
        ..Listing::default()
    })
}

#[test]
fn exact_folded_and_lookalike() {
    assert_eq!(
        kind_for(&title("Case for AirPods Pro"), "M1"),
        Some(MatchKind::Exact)
    );
    assert_eq!(
        kind_for(&title("case for airpods"), "M1"),
        Some(MatchKind::Folded)
    );
    assert_eq!(
        kind_for(&title("POKEMON cards"), "M3"),
        Some(MatchKind::Folded)
    );
    assert_eq!(
        kind_for(&title("ＮＩＫＥ shoes"), "M4"),
        Some(MatchKind::Folded)
    );
    assert_eq!(
        kind_for(&title("N1KE running shoes"), "M4"),
        Some(MatchKind::LookAlike)
    );
    // Cyrillic А and о.
    assert_eq!(
        kind_for(&title("\u{410}irP\u{43e}ds case"), "M1"),
        Some(MatchKind::LookAlike)
    );
    assert_eq!(
        kind_for(&title("L3G0 compatible bricks"), "M5"),
        Some(MatchKind::LookAlike)
    );
}

#[test]
fn spacing_contained_and_fuzzy() {
    assert_eq!(
        kind_for(&title("Air Pods case"), "M1"),
        Some(MatchKind::Spacing)
    );
    assert_eq!(
        kind_for(&title("i-Phone 15 cover"), "M2"),
        Some(MatchKind::Spacing)
    );
    assert_eq!(
        kind_for(&title("SuperAirPodsCase"), "M1"),
        Some(MatchKind::Contained)
    );
    assert_eq!(
        kind_for(&title("AirPodz earbuds"), "M1"),
        Some(MatchKind::Fuzzy)
    );
    let f = title("Play Staton controller");
    let hit = f.iter().find(|f| f.mark_id.as_ref() == "M6").unwrap();
    assert_eq!(hit.kind, MatchKind::Fuzzy);
    assert_eq!(hit.evidence, "Play Staton");
    assert_eq!(hit.distance, 1);
}

#[test]
fn negatives_do_not_match() {
    let f = title("Wireless earbuds with charging case, 30h playtime");
    assert!(f.is_empty(), "{f:?}");
    // "bike" is one edit from "nike", but a 4-letter mark allows no edits.
    assert!(kind_for(&title("Mountain bike"), "M4").is_none());
    // Short marks are never contained inside unrelated words: "legolas" has LEGO as substring but 'lego' is 4 letters
    // and the match starts at a word start, so it is reported; "allegory" contains "lego" mid-word and is not.
    assert!(kind_for(&title("allegory book"), "M5").is_none());
}

#[test]
fn evidence_span_points_into_original_text() {
    let text = "Premium ＡｉｒＰｏｄｓ case";
    let f = title(text);
    let hit = f.iter().find(|f| f.mark_id.as_ref() == "M1").unwrap();
    assert_eq!(&text[hit.span.0..hit.span.1], "ＡｉｒＰｏｄｓ");
    assert_eq!(hit.evidence, "ＡｉｒＰｏｄｓ");
}

#[test]
fn fields_brand_bullets_and_image_names() {
    let index = ScreeningIndex::new(&watchlist(), &[]);
    let f = index.screen(&Listing {
        title: "Charging case".into(),
        bullets: vec!["Works with many phones".into(), "fits i phone 15".into()],
        brand: Some("Nike".into()),
        image_file_names: vec!["https://cdn.example.com/img/airpods-case-01.jpg?x=1".into()],
        classes: vec![],
    });
    assert!(
        f.iter()
            .any(|x| x.mark_id.as_ref() == "M2" && x.field == Field::Bullet(1))
    );
    let brand = f.iter().find(|x| x.mark_id.as_ref() == "M4").unwrap();
    assert_eq!(brand.field, Field::Brand);
    assert!(brand.score > 0.95);
    assert!(
        f.iter()
            .any(|x| x.mark_id.as_ref() == "M1" && x.field == Field::ImageFileName(0))
    );
}

#[test]
fn classes_filter_marks() {
    let index = ScreeningIndex::new(&watchlist(), &[]);
    let listing = Listing {
        title: "AirPods case".into(),
        classes: vec![25],
        ..Listing::default()
    };
    assert!(index.screen(&listing).is_empty());
}

#[test]
fn allowlisted_brand_is_not_reported() {
    let index = ScreeningIndex::new(&watchlist(), &["ANKER".to_string()]);
    let f = index.screen(&Listing {
        title: "Anker charger".into(),
        brand: Some("Anker".into()),
        ..Listing::default()
    });
    assert!(f.iter().all(|x| x.mark_id.as_ref() != "M7"), "{f:?}");
}

#[test]
fn marks_inside_an_own_brand_are_not_reported_but_elsewhere_they_are() {
    let marks = vec![mark("A", "Anke")];
    let index = ScreeningIndex::new(&marks, &["Anker".to_string()]);
    let own = index.screen(&Listing {
        title: "Anker power bank".into(),
        ..Listing::default()
    });
    assert!(own.is_empty(), "{own:?}");
    let other = index.screen(&Listing {
        title: "Anke power bank".into(),
        ..Listing::default()
    });
    assert_eq!(kind_for(&other, "A"), Some(MatchKind::Exact));
}

#[test]
fn index_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<ScreeningIndex>();
}

fn word() -> impl Strategy<Value = String> {
    "[A-Za-z]{3,12}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn allowlisted_mark_never_produces_a_finding(mark_text in word(), prefix in "[a-z ]{0,20}", suffix in "[a-z ]{0,20}") {
        let marks = vec![mark("X", &mark_text)];
        let index = ScreeningIndex::new(&marks, std::slice::from_ref(&mark_text));
        let listing = Listing { title: format!("{prefix}{mark_text}{suffix}"), brand: Some(mark_text.clone()), ..Listing::default() };
        prop_assert!(index.screen(&listing).is_empty());
    }

    #[test]
    fn a_mark_is_always_found_in_its_own_text(mark_text in word(), prefix in "[a-z]{0,8}") {
        let marks = vec![mark("X", &mark_text)];
        let index = ScreeningIndex::new(&marks, &[]);
        let listing = Listing { title: format!("{prefix} {mark_text} case"), ..Listing::default() };
        let f = index.screen(&listing);
        prop_assert!(f.iter().any(|x| x.mark_id.as_ref() == "X" && x.kind <= MatchKind::Folded));
    }

    #[test]
    fn index_finds_what_the_naive_scan_finds_for_whole_words(words in proptest::collection::vec(word(), 1..6), pick in 0usize..6) {
        let marks: Vec<Mark> = words.iter().enumerate().map(|(i, w)| mark(&format!("W{i}"), w)).collect();
        let chosen = &words[pick % words.len()];
        let listing = Listing { title: format!("new {chosen} item"), ..Listing::default() };
        let index = ScreeningIndex::new(&marks, &[]);
        let fast: std::collections::HashSet<String> = index.screen(&listing).into_iter().map(|f| f.mark_id.to_string()).collect();
        for (id, _) in naive_screen(&marks, &listing) {
            prop_assert!(fast.contains(&id), "naive found {id}, index did not");
        }
    }
}
