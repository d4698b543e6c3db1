use super::*;
use crate::requirements::{Category, ProductProfile};
use jiff::civil::date;

fn pack() -> RequirementPack {
    RequirementPack::builtin().unwrap()
}

fn lamp() -> GapSku {
    let mut p = ProductProfile::new(Category::Electrical);
    p.mains_powered = true;
    GapSku {
        code: SkuCode::parse("LAMP-1").unwrap(),
        family: Some("LAMP".into()),
        tags: vec!["desk-lamps".into()],
        profile: p,
    }
}

fn doc(id: &str, doc_type: &str, subject: DocSubject, expires: Option<Date>) -> OnFileDocument {
    OnFileDocument {
        id: id.into(),
        doc_type: doc_type.into(),
        standards: Vec::new(),
        markets: Vec::new(),
        covers: Vec::new(),
        subject,
        issued: date(2024, 1, 1),
        expires,
    }
}

fn options(today: Date) -> GapOptions {
    GapOptions {
        today,
        expiring_within_days: 90,
    }
}

fn status_of<'a>(cell: &'a GapCell<'_>, id: &str) -> &'a LineStatus {
    &cell
        .lines
        .iter()
        .find(|l| l.requirement.id == id)
        .unwrap_or_else(|| panic!("{id} not in cell"))
        .status
}

#[test]
fn expired_certificate_is_never_valid_and_expiry_day_is_still_valid() {
    let pack = pack();
    let sku = lamp();
    let mut report = doc(
        "LVD-1",
        "test_report",
        DocSubject::Family("LAMP".into()),
        Some(date(2026, 6, 30)),
    );
    report.standards = vec!["EN 62368-1:2020".into()];
    let docs = vec![report];
    let on_expiry = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::DE],
        &docs,
        options(date(2026, 6, 30)),
    );
    assert!(matches!(
        status_of(&on_expiry[0], "EU-LVD"),
        LineStatus::Expiring { days_left: 0, .. }
    ));
    let after = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::DE],
        &docs,
        options(date(2026, 7, 1)),
    );
    let st = status_of(&after[0], "EU-LVD");
    assert!(
        matches!(st, LineStatus::Expired { expired_on, .. } if *expired_on == date(2026, 6, 30))
    );
    assert!(!st.is_valid());
    assert_eq!(after[0].status, CellStatus::Missing);
}

#[test]
fn expiring_window_boundary() {
    let pack = pack();
    let sku = lamp();
    let mut d = doc(
        "LVD-1",
        "test_report",
        DocSubject::Sku(sku.code.clone()),
        Some(date(2026, 12, 31)),
    );
    d.standards = vec!["EN 60598-1".into()];
    let docs = vec![d];
    // 2026-10-02 -> 90 days left: expiring; 2026-10-01 -> 91 days: met.
    let c = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::FR],
        &docs,
        options(date(2026, 10, 2)),
    );
    assert!(matches!(
        status_of(&c[0], "EU-LVD"),
        LineStatus::Expiring { days_left: 90, .. }
    ));
    let c = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::FR],
        &docs,
        options(date(2026, 10, 1)),
    );
    assert!(matches!(status_of(&c[0], "EU-LVD"), LineStatus::Met { .. }));
}

#[test]
fn wrong_standard_or_market_does_not_satisfy() {
    let pack = pack();
    let sku = lamp();
    let mut emc_only = doc(
        "EMC-1",
        "test_report",
        DocSubject::Sku(sku.code.clone()),
        None,
    );
    emc_only.standards = vec!["EN 55015".into()];
    let mut us_only = doc("DOC-US", "eu_doc", DocSubject::Sku(sku.code.clone()), None);
    us_only.markets = vec![Country::US];
    let docs = vec![emc_only, us_only];
    let c = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::DE],
        &docs,
        options(date(2026, 1, 1)),
    );
    assert_eq!(status_of(&c[0], "EU-LVD"), &LineStatus::Missing);
    assert!(matches!(status_of(&c[0], "EU-EMC"), LineStatus::Met { .. }));
    assert_eq!(status_of(&c[0], "EU-CE-DOC"), &LineStatus::Missing);
}

#[test]
fn newer_document_wins_over_expired_and_future_documents_do_not_count() {
    let pack = pack();
    let sku = lamp();
    let old = doc(
        "DOC-OLD",
        "eu_doc",
        DocSubject::Sku(sku.code.clone()),
        Some(date(2025, 1, 1)),
    );
    let new = doc(
        "DOC-NEW",
        "eu_doc",
        DocSubject::Sku(sku.code.clone()),
        Some(date(2030, 1, 1)),
    );
    let mut future = doc("DOC-FUT", "eu_doc", DocSubject::Sku(sku.code.clone()), None);
    future.issued = date(2027, 1, 1);
    let docs = vec![old, future, new];
    let c = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::DE],
        &docs,
        options(date(2026, 1, 1)),
    );
    assert!(matches!(
        status_of(&c[0], "EU-CE-DOC"),
        LineStatus::Met { doc: 2, .. }
    ));
}

#[test]
fn seller_registration_counts_for_every_sku_and_not_covered_is_explicit() {
    let pack = pack();
    let sku = lamp();
    let mut lucid = doc("LUCID", "packaging_registration", DocSubject::Seller, None);
    lucid.markets = vec![Country::DE];
    let docs = vec![lucid];
    let c = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::DE, Country::BR],
        &docs,
        options(date(2026, 1, 1)),
    );
    assert!(matches!(
        status_of(&c[0], "DE-LUCID"),
        LineStatus::Met { .. }
    ));
    assert_eq!(
        c[1].status,
        CellStatus::NotCovered(NotCovered::Market(Country::BR))
    );
    assert!(c[1].lines.is_empty());
}

#[test]
fn blocking_items_respect_target_and_conditional_rules() {
    let pack = pack();
    let mut sku = lamp();
    sku.profile.battery = Some(crate::requirements::BatteryFacts {
        chemistry: tradelane_domain::BatteryChemistry::LiIon,
        packing: tradelane_domain::BatteryPacking::ContainedIn,
        watt_hours: Some(rust_decimal::Decimal::from(5)),
        lithium_grams: None,
        button_cell: false,
    });
    let opts = options(date(2026, 1, 1));
    let listing = blocking_items(&pack, &sku, Country::US, &[], BlockTarget::Listing, opts);
    let ids = |b: &[Blocker<'_>]| -> Vec<String> {
        b.iter()
            .filter_map(|x| match x {
                Blocker::Item(l) => Some(l.requirement.id.clone()),
                Blocker::NotCovered(_) => None,
            })
            .collect()
    };
    let l = ids(&listing);
    assert!(
        !l.contains(&"TR-UN38.3".to_string()),
        "transport does not block listings"
    );
    assert!(
        !l.contains(&"US-PROP65".to_string()),
        "conditional items never block"
    );
    assert!(!l.contains(&"US-FCC-SDOC".to_string()), "conditional");
    let shipment = ids(&blocking_items(
        &pack,
        &sku,
        Country::US,
        &[],
        BlockTarget::Shipment,
        opts,
    ));
    assert!(shipment.contains(&"TR-UN38.3".to_string()));
    let un = doc(
        "UN",
        "un38_3_summary",
        DocSubject::Sku(sku.code.clone()),
        None,
    );
    let sds = doc("SDS", "sds", DocSubject::Sku(sku.code.clone()), None);
    let shipment = ids(&blocking_items(
        &pack,
        &sku,
        Country::US,
        &[un, sds],
        BlockTarget::Shipment,
        opts,
    ));
    assert!(!shipment.contains(&"TR-UN38.3".to_string()));
    let nc = blocking_items(&pack, &sku, Country::BR, &[], BlockTarget::Listing, opts);
    assert!(matches!(nc.as_slice(), [Blocker::NotCovered(_)]));
}

#[test]
fn reasons_name_document_and_dates() {
    let pack = pack();
    let sku = lamp();
    let docs = vec![doc(
        "CE-9",
        "eu_doc",
        DocSubject::Sku(sku.code.clone()),
        Some(date(2025, 5, 1)),
    )];
    let c = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::DE],
        &docs,
        options(date(2026, 1, 1)),
    );
    let line = c[0]
        .lines
        .iter()
        .find(|l| l.requirement.id == "EU-CE-DOC")
        .unwrap();
    let reason = line.reason(&docs);
    assert!(
        reason.contains("CE-9") && reason.contains("expired on 2025-05-01"),
        "{reason}"
    );
}

#[test]
fn one_registration_does_not_stand_in_for_another_or_another_country() {
    let pack = pack();
    let sku = lamp();
    let mut lucid = doc("LUCID", "packaging_registration", DocSubject::Seller, None);
    lucid.markets = vec![Country::DE];
    let mut weee = doc("EAR", "weee_registration", DocSubject::Seller, None);
    weee.markets = vec![Country::DE];
    let only_lucid = vec![lucid.clone()];
    let c = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::DE],
        &only_lucid,
        options(date(2026, 1, 1)),
    );
    assert_eq!(status_of(&c[0], "DE-WEEE-EAR"), &LineStatus::Missing);
    let both = vec![lucid, weee];
    let c = gap_report(
        &pack,
        std::slice::from_ref(&sku),
        &[Country::DE, Country::FR],
        &both,
        options(date(2026, 1, 1)),
    );
    assert!(matches!(
        status_of(&c[0], "DE-WEEE-EAR"),
        LineStatus::Met { .. }
    ));
    assert_eq!(status_of(&c[1], "FR-WEEE-IDU"), &LineStatus::Missing);
}

#[test]
fn catalogue_record_to_blocking_items_end_to_end() {
    use tradelane_domain::{Battery, HsCode, SkuRecord};
    let pack = pack();
    let mut rec = SkuRecord::new(
        SkuCode::parse("SPK-9").unwrap(),
        "Portable Bluetooth speaker",
    );
    rec.hs_code = Some(HsCode::parse("851822").unwrap());
    rec.battery = Battery::parse_label("li-ion contained 7.4Wh").unwrap();
    let sku = GapSku::from_record(&rec, None);
    assert!(sku.profile.has_radio && sku.profile.battery.is_some());
    let opts = options(date(2026, 11, 26));
    let blockers = blocking_items(&pack, &sku, Country::US, &[], BlockTarget::Listing, opts);
    let ids: Vec<&str> = blockers
        .iter()
        .filter_map(|b| match b {
            Blocker::Item(l) => Some(l.requirement.id.as_str()),
            Blocker::NotCovered(_) => None,
        })
        .collect();
    assert!(ids.contains(&"US-FCC-ID"), "{ids:?}");
    let grant = OnFileDocument {
        markets: vec![Country::US],
        ..doc(
            "FCC-1",
            "fcc_grant",
            DocSubject::Sku(sku.code.clone()),
            None,
        )
    };
    let after = blocking_items(
        &pack,
        &sku,
        Country::US,
        &[grant],
        BlockTarget::Listing,
        opts,
    );
    assert_eq!(after.len(), blockers.len() - 1);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn an_expired_or_future_document_never_counts_as_valid(
            issued_off in -800i32..400, expires_off in proptest::option::of(-800i32..800), window in 0i32..200,
        ) {
            let pack = pack();
            let sku = lamp();
            let today = date(2026, 6, 15);
            let at = |off: i32| today.checked_add(jiff::Span::new().days(off)).unwrap();
            let mut d = doc("CE", "eu_doc", DocSubject::Sku(sku.code.clone()), expires_off.map(at));
            d.issued = at(issued_off);
            let docs = vec![d];
            let opts = GapOptions { today, expiring_within_days: window };
            let cells = gap_report(&pack, std::slice::from_ref(&sku), &[Country::DE], &docs, opts);
            let st = status_of(&cells[0], "EU-CE-DOC").clone();
            if st.is_valid() {
                prop_assert!(issued_off <= 0);
                prop_assert!(expires_off.is_none_or(|e| e >= 0));
            }
            if let Some(e) = expires_off && e < 0 && issued_off <= 0 {
                let is_expired = matches!(st, LineStatus::Expired { .. });
                prop_assert!(is_expired);
            }
            if let LineStatus::Expiring { days_left, .. } = st {
                prop_assert!(days_left >= 0 && days_left <= window);
            }
        }
    }
}

#[test]
fn tag_documents_count_for_every_sku_with_the_tag() {
    let pack = pack();
    let sku = lamp();
    let de = Country::parse("DE").unwrap();
    let today = date(2026, 6, 1);
    let options = GapOptions {
        today,
        expiring_within_days: 90,
    };
    let none = gap_report(&pack, std::slice::from_ref(&sku), &[de], &[], options);
    let missing_before = none[0]
        .lines
        .iter()
        .filter(|l| matches!(l.status, LineStatus::Missing))
        .count();
    let docs: Vec<OnFileDocument> = ["eu_doc", "test_report", "technical_file"]
        .iter()
        .map(|t| doc(t, t, DocSubject::Tag("desk-lamps".into()), None))
        .collect();
    let with = gap_report(&pack, std::slice::from_ref(&sku), &[de], &docs, options);
    let missing_after = with[0]
        .lines
        .iter()
        .filter(|l| matches!(l.status, LineStatus::Missing))
        .count();
    assert!(
        missing_after < missing_before,
        "{missing_after} < {missing_before}"
    );
    // Another tag does not count.
    let other: Vec<OnFileDocument> = docs
        .iter()
        .map(|d| OnFileDocument {
            subject: DocSubject::Tag("garden".into()),
            ..d.clone()
        })
        .collect();
    let without = gap_report(&pack, std::slice::from_ref(&sku), &[de], &other, options);
    assert_eq!(without[0].lines, none[0].lines);
}

#[test]
fn expiry_reminders_fire_at_the_smallest_threshold_reached() {
    let exp = date(2026, 12, 31);
    let at = |d: Date| expiry_reminder(d, exp);
    assert_eq!(at(date(2026, 9, 1)), None, "121 days left");
    assert_eq!(
        at(date(2026, 10, 2)),
        Some(ExpiryReminder::Before {
            threshold: 90,
            days_left: 90
        })
    );
    assert_eq!(
        at(date(2026, 11, 1)),
        Some(ExpiryReminder::Before {
            threshold: 60,
            days_left: 60
        })
    );
    assert_eq!(
        at(date(2026, 12, 20)),
        Some(ExpiryReminder::Before {
            threshold: 30,
            days_left: 11
        })
    );
    assert_eq!(
        at(exp),
        Some(ExpiryReminder::Before {
            threshold: 30,
            days_left: 0
        })
    );
    assert_eq!(at(date(2027, 1, 1)), Some(ExpiryReminder::Expired));
    assert_eq!(ExpiryReminder::Expired.key(), "expired");
    assert_eq!(
        ExpiryReminder::Before {
            threshold: 60,
            days_left: 3
        }
        .key(),
        "60d"
    );
}
