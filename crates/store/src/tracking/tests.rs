//! Tracking storage tests, each run on SQLite and, when reachable, PostgreSQL.

use tradelane_domain::UiLang;
use tradelane_tracking::{MappingSet, Normalizer, RawEvent, RawTimestamp, Status};

use crate::testing::all_backends;
use crate::*;

async fn owner(s: &Store, name: &str) -> Actor {
    let org = s.create_org(name).await.unwrap();
    let user = s
        .create_user(
            &Actor::cli(org.id),
            NewUser {
                org_id: org.id,
                email: format!("owner@{}.example", name.to_lowercase()),
                display_name: name.into(),
                password_hash: "hash".into(),
                role: Role::Owner,
                locale: UiLang::En,
            },
        )
        .await
        .unwrap();
    Actor::user(&user)
}

fn raw(number: &str, code: &str, text: &str, at: &str) -> RawEvent {
    RawEvent {
        source: "test".into(),
        carrier: "ups".into(),
        tracking_number: number.into(),
        code: Some(code.into()),
        text: Some(text.into()),
        timestamp: RawTimestamp::new(at),
        ..RawEvent::default()
    }
}

fn pairs(raws: Vec<RawEvent>) -> Vec<(RawEvent, tradelane_tracking::NormalizedEvent)> {
    let n = Normalizer::new(MappingSet::builtin().unwrap());
    raws.into_iter()
        .map(|r| {
            let e = n.normalize(&r).unwrap();
            (r, e)
        })
        .collect()
}

fn shipment(reference: &str, number: &str) -> NewShipment {
    NewShipment {
        reference: reference.into(),
        order_refs: vec!["ORD-1".into()],
        destination: Some("de".into()),
        origin: Some("CN".into()),
        carrier: Some("ups".into()),
        tracking_numbers: vec![number.into()],
        ..NewShipment::default()
    }
}

#[tokio::test]
async fn create_list_get_and_find_by_tracking_number() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let s = ts
            .create_shipment(&a, &shipment("PO-1", "1z 999-aa1 0123456784"))
            .await
            .unwrap();
        assert_eq!(s.status, Status::Pending, "{}", ts.label());
        assert_eq!(s.destination.as_deref(), Some("DE"));
        assert_eq!(s.tracking_numbers, vec!["1Z999AA10123456784".to_string()]);
        assert_eq!(s.legs.len(), 1);
        let again = ts.create_shipment(&a, &shipment("PO-1", "X")).await;
        assert!(matches!(again, Err(StoreError::Conflict { .. })));
        let found = ts
            .find_shipment_by_tracking(a.org_id, "1Z999AA10123456784")
            .await
            .unwrap();
        assert_eq!(found, Some(s.id));
        let page = ts
            .list_shipments(
                a.org_id,
                &ShipmentQuery {
                    destination: Some("DE".into()),
                    carrier: Some("UPS".into()),
                    ..ShipmentQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        let none = ts
            .list_shipments(
                a.org_id,
                &ShipmentQuery {
                    status: Some(Status::Delivered),
                    ..ShipmentQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(none.total, 0);
        let bad = ts
            .create_shipment(
                &a,
                &NewShipment {
                    destination: Some("Germany".into()),
                    ..shipment("PO-2", "Y")
                },
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn ingest_is_idempotent_and_order_independent() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let s = ts
            .create_shipment(&a, &shipment("PO-1", "1Z1"))
            .await
            .unwrap();
        let delivered = raw("1Z1", "KB", "DELIVERED", "2025-12-03T14:00:00Z");
        let transit = raw("1Z1", "AR", "Arrived at Facility", "2025-12-01T08:00:00Z");
        // The delivery arrives first, the older transit scan later: status stays delivered.
        let first = ts
            .ingest_events(&a, s.id, pairs(vec![delivered.clone()]))
            .await
            .unwrap();
        assert_eq!(first.inserted, 1);
        let second = ts
            .ingest_events(&a, s.id, pairs(vec![transit.clone()]))
            .await
            .unwrap();
        assert_eq!(second.status, first.status, "{}", ts.label());
        // Replaying both inserts nothing.
        let replay = ts
            .ingest_events(&a, s.id, pairs(vec![delivered, transit]))
            .await
            .unwrap();
        assert_eq!((replay.inserted, replay.duplicates), (0, 2));
        let timeline = ts.shipment_timeline(a.org_id, s.id).await.unwrap();
        assert_eq!(timeline.len(), 2);
        assert!(timeline[0].event.time.utc < timeline[1].event.time.utc);
        let stored = ts.get_shipment(a.org_id, s.id).await.unwrap();
        assert_eq!(stored.event_count, 2);
        assert_eq!(stored.status, replay.status);
        assert_eq!(ts.count_raw_events(a.org_id).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn unknown_codes_are_counted_once_and_rejects_kept() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let s = ts
            .create_shipment(&a, &shipment("PO-1", "1Z1"))
            .await
            .unwrap();
        let odd = raw(
            "1Z1",
            "ZZ9",
            "Gremlins in the sorter",
            "2025-12-01T08:00:00Z",
        );
        let evs = pairs(vec![odd]);
        assert_eq!(evs[0].1.status, Status::Unknown);
        ts.ingest_events(&a, s.id, evs.clone()).await.unwrap();
        ts.ingest_events(&a, s.id, evs).await.unwrap();
        let unmapped = ts.list_unmapped(a.org_id).await.unwrap();
        assert_eq!(unmapped.len(), 1, "{}", ts.label());
        assert_eq!(unmapped[0].code.as_deref(), Some("ZZ9"));
        assert_eq!(unmapped[0].count, 1);
        let bad = raw("1Z1", "KB", "x", "not a time");
        let kept = ts
            .store_rejected_events(a.org_id, &[(bad.clone(), "bad time".into())])
            .await
            .unwrap();
        assert_eq!(kept, 1);
        let kept = ts
            .store_rejected_events(a.org_id, &[(bad, "bad time".into())])
            .await
            .unwrap();
        assert_eq!(kept, 0);
    }
}

#[tokio::test]
async fn another_organisation_cannot_read_or_write_a_shipment() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let b = owner(&ts, "Other").await;
        let s = ts
            .create_shipment(&a, &shipment("PO-1", "1Z1"))
            .await
            .unwrap();
        assert!(matches!(
            ts.get_shipment(b.org_id, s.id).await,
            Err(StoreError::NotFound { .. })
        ));
        let evs = pairs(vec![raw("1Z1", "KB", "DELIVERED", "2025-12-03T14:00:00Z")]);
        assert!(matches!(
            ts.ingest_events(&b, s.id, evs).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            ts.shipment_timeline(b.org_id, s.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            ts.find_shipment_by_tracking(b.org_id, "1Z1").await.unwrap(),
            None
        );
        assert_eq!(
            ts.list_shipments(b.org_id, &ShipmentQuery::default())
                .await
                .unwrap()
                .total,
            0
        );
    }
}

#[tokio::test]
async fn webhook_sources_keep_their_secret_and_organisation() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let src = ts
            .create_webhook_source(&a, "forwarder", "yunexpress", "0123456789abcdef0123")
            .await
            .unwrap();
        let back = ts.webhook_source(src.id).await.unwrap().unwrap();
        assert_eq!(back.org_id, a.org_id);
        assert_eq!(back.secret, "0123456789abcdef0123");
        assert!(!format!("{back:?}").contains("0123456789abcdef"));
        assert!(ts.webhook_source(src.id + 1000).await.unwrap().is_none());
        let short = ts.create_webhook_source(&a, "x", "ups", "short").await;
        assert!(matches!(short, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn raw_batches_report_bad_events_and_store_the_rest() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let s = ts
            .create_shipment(&a, &shipment("PO-1", "1Z1"))
            .await
            .unwrap();
        let n = Normalizer::new(MappingSet::builtin().unwrap());
        let batch = vec![
            raw("1Z1", "KB", "DELIVERED", "2025-12-03T14:00:00Z"),
            raw("1Z1", "AR", "Arrived", "yesterday-ish"),
            raw("1Z-NOBODY", "AR", "Arrived", "2025-12-01T08:00:00Z"),
        ];
        let report = ts
            .ingest_raw(&a, &n, batch.clone(), &RawIngestOptions::default())
            .await
            .unwrap();
        assert_eq!(report.inserted, 1, "{}", ts.label());
        let idx: Vec<usize> = report.errors.iter().map(|e| e.index).collect();
        assert_eq!(idx, vec![1, 2]);
        assert_eq!(report.shipments, vec![(s.id, Status::Delivered)]);
        // Everything sent was kept raw, once.
        assert_eq!(ts.count_raw_events(a.org_id).await.unwrap(), 3);
        let again = ts
            .ingest_raw(
                &a,
                &n,
                batch,
                &RawIngestOptions {
                    create_missing: true,
                    default_carrier: None,
                },
            )
            .await
            .unwrap();
        assert_eq!((again.inserted, again.duplicates), (1, 1));
        assert_eq!(again.created_shipments.len(), 1);
        assert_eq!(ts.count_raw_events(a.org_id).await.unwrap(), 3);
    }
}

/// The batch path sends PostgreSQL whole columns, as delimited text or (when a value holds a
/// separator, or the chunk is one row) as array literals: text with either format's syntax
/// (quotes, backslashes, braces, commas, the word NULL, the separators) must come back
/// unchanged.
#[tokio::test]
async fn batch_ingest_keeps_hostile_text_intact() {
    let hostile = [
        r#"Delivered "front door" \ back"#,
        "{NULL}, {a,b} \\\" \\",
        "NULL",
        "",
        "已签收 📦 مرحبا\nline two\ttab",
    ];
    // Separators force the array-literal format; a single row too.
    let separators = ["field\u{1f}sep", "record\u{1e}sep", "\u{1e}", "a\u{1f}"];
    let single = [r#"{"only"} \ row"#];
    let sets: [(&str, &[&str]); 3] = [
        ("plain", &hostile),
        ("separators", &separators),
        ("single", &single),
    ];
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let n = Normalizer::new(MappingSet::builtin().unwrap());
        let mut kept = 0;
        for (set, texts) in sets {
            let number = |i: usize| format!("1Z\"{{{}{i}}}\\,NULL", set.to_uppercase());
            let batch: Vec<RawEvent> = texts
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let mut r = raw(&number(i), "KB", text, "2025-12-03T14:00:00Z");
                    r.source = format!("sheet \"{i}\" {{x}}");
                    r
                })
                .collect();
            let report = ts
                .ingest_raw(
                    &a,
                    &n,
                    batch.clone(),
                    &RawIngestOptions {
                        create_missing: true,
                        default_carrier: None,
                    },
                )
                .await
                .unwrap();
            let label = format!("{} {set}", ts.label());
            assert!(report.errors.is_empty(), "{label}: {:?}", report.errors);
            assert_eq!(report.inserted, texts.len(), "{label}");
            for (i, text) in texts.iter().enumerate() {
                let id = ts
                    .find_shipment_by_tracking(a.org_id, &number(i))
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("{label}: shipment {i}"));
                let timeline = ts.shipment_timeline(a.org_id, id).await.unwrap();
                assert_eq!(timeline.len(), 1, "{label}");
                let e = &timeline[0].event;
                assert_eq!(e.tracking_number, number(i), "{label}");
                assert_eq!(e.raw_text.as_deref().unwrap_or(""), text.trim(), "{label}");
                assert_eq!(e.source, format!("sheet \"{i}\" {{x}}"), "{label}");
            }
            // A replay is recognised by content: nothing new.
            let again = ts
                .ingest_raw(&a, &n, batch, &RawIngestOptions::default())
                .await
                .unwrap();
            assert_eq!(again.inserted, 0, "{label}");
            kept += texts.len() as i64;
            assert_eq!(
                ts.count_raw_events(a.org_id).await.unwrap(),
                kept,
                "{label}"
            );
        }
    }
}
