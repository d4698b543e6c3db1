use proptest::prelude::*;

use super::*;

fn seg(id: i64, src: &str, tgt: &str) -> TmSegment {
    TmSegment {
        id,
        source_locale: "en".into(),
        target_locale: "de-DE".into(),
        source: src.into(),
        target: tgt.into(),
        provenance: format!("test {id}"),
    }
}

#[test]
fn exact_match_scores_100_and_wins() {
    let tm = TmIndex::from_segments([
        seg(
            1,
            "Wireless mouse, silent clicks",
            "Kabellose Maus, leise Klicks",
        ),
        seg(
            2,
            "Wireless mouse, silent click",
            "Kabellose Maus, leiser Klick",
        ),
    ]);
    let hits = tm.lookup(&TmQuery::new(
        "en-US",
        "de-DE",
        "  Wireless   mouse, silent clicks ",
    ));
    assert_eq!(hits[0].segment_id, 1);
    assert_eq!(hits[0].score, 100);
    assert!(hits[0].exact);
    assert_eq!(hits[1].segment_id, 2);
    assert!(
        hits[1].score >= 90 && hits[1].score < 100,
        "{}",
        hits[1].score
    );
}

#[test]
fn case_only_difference_is_99_not_exact() {
    let tm = TmIndex::from_segments([seg(1, "USB-C cable 1 m", "USB-C-Kabel 1 m")]);
    let hits = tm.lookup(&TmQuery::new("en", "de-DE", "usb-c cable 1 m"));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].score, 99);
    assert!(!hits[0].exact);
}

#[test]
fn score_is_the_edit_distance_ratio() {
    // "abcdefghij" vs "abcdefghxx": 2 substitutions over 10 chars = 80.
    let tm = TmIndex::from_segments([seg(1, "abcdefghij", "x")]);
    let hits = tm.lookup(&TmQuery::new("en", "de-DE", "abcdefghxx").min_score(50));
    assert_eq!(hits[0].score, 80);
    assert!(
        tm.lookup(&TmQuery::new("en", "de-DE", "abcdefghxx").min_score(81))
            .is_empty()
    );
}

#[test]
fn pairs_are_separate_and_targets_keep_their_region() {
    let mut tm = TmIndex::new();
    tm.insert(seg(1, "Colour: grey", "Farbe: grau"));
    let mut gb = seg(2, "Colour: grey", "Colour: grey");
    gb.target_locale = "en-GB".into();
    tm.insert(gb);
    assert_eq!(
        tm.lookup(&TmQuery::new("en", "de-DE", "Colour: grey"))[0].segment_id,
        1
    );
    assert_eq!(
        tm.lookup(&TmQuery::new("en", "en-GB", "Colour: grey"))[0].segment_id,
        2
    );
    assert!(
        tm.lookup(&TmQuery::new("en", "en-US", "Colour: grey"))
            .is_empty()
    );
    assert!(
        tm.lookup(&TmQuery::new("fr", "de-DE", "Colour: grey"))
            .is_empty()
    );
}

#[test]
fn chinese_tags_fold_to_script() {
    assert_eq!(pair_key("zh-CN", "zh-TW"), "zh-hans>zh-hant");
    assert_eq!(pair_key("zh_Hans", "zh-Hant-HK"), "zh-hans>zh-hant");
    assert_eq!(pair_key("en-US", "de-DE"), "en>de-de");
    let mut tm = TmIndex::new();
    tm.insert(TmSegment {
        id: 9,
        source_locale: "zh-CN".into(),
        target_locale: "ja-JP".into(),
        source: "折叠收纳箱 大号".into(),
        target: "折りたたみ収納ボックス 大".into(),
        provenance: String::new(),
    });
    let hits = tm.lookup(&TmQuery::new("zh-Hans", "ja-JP", "折叠收纳箱 小号"));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].score, 87); // 1 of 8 chars differs
}

#[test]
fn duplicate_ids_and_empty_sources_are_ignored() {
    let mut tm = TmIndex::new();
    assert!(tm.insert(seg(1, "a b c", "x")));
    assert!(!tm.insert(seg(1, "other", "y")));
    assert!(!tm.insert(seg(2, "   ", "y")));
    assert_eq!(tm.len(), 1);
    assert!(tm.lookup(&TmQuery::new("en", "de-DE", "")).is_empty());
}

#[test]
fn emoji_and_rtl_text_are_chars() {
    let tm = TmIndex::from_segments([seg(1, "حقيبة ظهر 🎒 مقاومة للماء", "x")]);
    let hits = tm.lookup(&TmQuery::new("en", "de-DE", "حقيبة ظهر 🎒 مقاومة للماء!"));
    assert_eq!(hits[0].score, 96); // 1 insertion over 25 chars
}

#[test]
fn banded_distance_agrees_with_full() {
    let a: Vec<char> = "kitten sitting".chars().collect();
    let b: Vec<char> = "sitting kitten".chars().collect();
    let d = full_levenshtein(&a, &b);
    assert_eq!(bounded_levenshtein(&a, &b, d), Some(d));
    assert_eq!(bounded_levenshtein(&a, &b, d - 1), None);
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "wireless", "mouse", "cable", "USB-C", "silent", "black", "2m", "无线", "鼠标", "静音",
        "Kabel", "noir", "🎒", "a", "ab",
    ])
    .prop_map(str::to_string)
}

fn sentence() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..6).prop_map(|w| w.join(" "))
}

/// Small edits of a sentence, so that fuzzy matches near every threshold exist.
fn mutate(s: &str, seed: u64) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let mut state = seed | 1;
    let edits = (seed % 4) as usize;
    for _ in 0..edits {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if chars.is_empty() {
            chars.push('x');
            continue;
        }
        let at = (state as usize) % chars.len();
        match state % 3 {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, 'q'),
            _ => chars[at] = 'Z',
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn index_answers_like_the_linear_scan(
        sources in prop::collection::vec(sentence(), 1..40),
        query_from in 0usize..40,
        seed in any::<u64>(),
        min_score in 0u8..=100,
    ) {
        let tm = TmIndex::from_segments(
            sources.iter().enumerate().map(|(i, s)| seg(i as i64, s, "t")),
        );
        let base = &sources[query_from % sources.len()];
        let text = mutate(base, seed);
        let q = TmQuery::new("en", "de-DE", &text).min_score(min_score).limit(100);
        let fast: Vec<(i64, u8)> = tm.lookup(&q).iter().map(|m| (m.segment_id, m.score)).collect();
        let slow: Vec<(i64, u8)> = tm.linear_scan(&q).iter().map(|m| (m.segment_id, m.score)).collect();
        prop_assert_eq!(fast, slow);
    }
}
