//! Control-tower storage tests (batch ingest, re-derivation, mapping overrides, master
//! shipments, leg details, connectors), each on SQLite and, when reachable, PostgreSQL.

use tradelane_domain::UiLang;
use tradelane_tracking::model::{MainCarriageRefs, TransportMode};
use tradelane_tracking::{
    IncidentReason, LegKind, MappingSet, Normalizer, RawEvent, RawTimestamp, Status,
};

use super::iso6346_valid;
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

fn raw(carrier: &str, number: &str, code: &str, text: &str, at: &str) -> RawEvent {
    RawEvent {
        source: "test".into(),
        carrier: carrier.into(),
        tracking_number: number.into(),
        code: (!code.is_empty()).then(|| code.to_string()),
        text: Some(text.into()),
        timestamp: RawTimestamp::new(at),
        payload: Some(serde_json::json!({"scan": code, "note": "kept as sent"})),
        ..RawEvent::default()
    }
}

fn builtin() -> Normalizer {
    Normalizer::new(MappingSet::builtin().unwrap())
}

fn create_missing() -> RawIngestOptions {
    RawIngestOptions {
        create_missing: true,
        default_carrier: None,
    }
}

#[tokio::test]
async fn batch_ingest_dedups_inside_and_across_batches_and_never_goes_backwards() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let n = builtin();
        let delivered = raw("ups", "1Z9", "KB", "DELIVERED", "2025-12-03T14:00:00+01:00");
        let transit = raw(
            "ups",
            "1Z9",
            "AR",
            "Arrived at Facility",
            "2025-12-01T08:00:00Z",
        );
        // The same event twice in one batch is one event.
        let first = ts
            .ingest_raw(
                &a,
                &n,
                vec![delivered.clone(), delivered.clone()],
                &create_missing(),
            )
            .await
            .unwrap();
        assert_eq!((first.inserted, first.duplicates), (1, 1), "{}", ts.label());
        assert_eq!(first.created_shipments.len(), 1);
        let id = first.created_shipments[0];
        // An older scan arriving later does not move the status back.
        let second = ts
            .ingest_raw(&a, &n, vec![transit.clone()], &create_missing())
            .await
            .unwrap();
        assert_eq!(second.inserted, 1);
        assert_eq!(second.shipments, vec![(id, Status::Delivered)]);
        // A replay of everything changes nothing.
        let raws_before = ts.count_raw_events(a.org_id).await.unwrap();
        let replay = ts
            .ingest_raw(&a, &n, vec![transit, delivered], &create_missing())
            .await
            .unwrap();
        assert_eq!((replay.inserted, replay.duplicates), (0, 2));
        assert!(replay.created_shipments.is_empty());
        assert_eq!(ts.count_raw_events(a.org_id).await.unwrap(), raws_before);
        let s = ts.get_shipment(a.org_id, id).await.unwrap();
        assert_eq!(s.status, Status::Delivered);
        assert_eq!(s.event_count, 2);
        // Times: local civil time with its offset, and the UTC instant.
        let timeline = ts.shipment_timeline(a.org_id, id).await.unwrap();
        let last = &timeline.last().unwrap().event;
        assert_eq!(last.time.offset_string(), "+01:00");
        assert_eq!(last.time.local.to_string(), "2025-12-03T14:00:00");
        assert_eq!(last.time.utc.to_string(), "2025-12-03T13:00:00Z");
        // The raw payload is kept as sent, with its event; nothing went to the raw table.
        let rows = sqlx::query("SELECT raw_json FROM tracking_events WHERE org_id = $1")
            .bind(a.org_id.0)
            .fetch_all(&ts.pool)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2, "{}", ts.label());
        for row in rows {
            let json = crate::db::get_string(&row, "raw_json").unwrap();
            assert!(json.contains("kept as sent"), "{json}");
        }
        let raw = sqlx::query("SELECT COUNT(*) AS n FROM tracking_raw_events WHERE org_id = $1")
            .bind(a.org_id.0)
            .fetch_one(&ts.pool)
            .await
            .unwrap();
        assert_eq!(crate::db::get_i64(&raw, "n").unwrap(), 0, "{}", ts.label());
    }
}

/// Rows of `tracking_events` whose shipment is missing or belongs to another organisation. The
/// store keeps this reference itself (PostgreSQL does not check it per row), so every test that
/// stores events can assert there are none.
async fn orphan_events(ts: &Store) -> i64 {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM tracking_events e LEFT JOIN shipments s \
         ON s.id = e.shipment_id AND s.org_id = e.org_id WHERE s.id IS NULL",
    )
    .fetch_one(&ts.pool)
    .await
    .unwrap();
    crate::db::get_i64(&row, "n").unwrap()
}

/// Ingests `batch` (creating missing shipments) and returns (events inserted, duplicates,
/// distinct payloads the organisation has kept).
async fn ingest_counted(
    ts: &Store,
    actor: &Actor,
    n: &Normalizer,
    batch: Vec<RawEvent>,
) -> (usize, usize, i64) {
    let report = ts
        .ingest_raw(actor, n, batch, &create_missing())
        .await
        .unwrap();
    let kept = ts.count_raw_events(actor.org_id).await.unwrap();
    (report.inserted, report.duplicates, kept)
}

#[tokio::test]
async fn a_duplicate_with_another_payload_keeps_that_payload_raw() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let n = builtin();
        let with = |note: &str| {
            let mut r = raw("ups", "1Z7", "KB", "DELIVERED", "2025-12-03T14:00:00Z");
            r.payload = Some(serde_json::json!({ "note": note }));
            r
        };
        let first = ts
            .ingest_raw(&a, &n, vec![with("webhook")], &create_missing())
            .await
            .unwrap();
        assert_eq!(first.inserted, 1, "{}", ts.label());
        let id = first.created_shipments[0];
        assert_eq!(ts.count_raw_events(a.org_id).await.unwrap(), 1);
        // The same scan from a second source: one event, both payloads kept (the new one raw,
        // attached to the shipment, without an error), each once however often it comes.
        let batch = vec![with("polling"), with("polling"), with("webhook")];
        let second = ingest_counted(&ts, &a, &n, batch).await;
        assert_eq!(second, (0, 3, 2), "{}", ts.label());
        let kept = sqlx::query(
            "SELECT shipment_id, error, raw_json FROM tracking_raw_events WHERE org_id = $1",
        )
        .bind(a.org_id.0)
        .fetch_all(&ts.pool)
        .await
        .unwrap();
        assert_eq!(kept.len(), 1, "{}", ts.label());
        assert_eq!(crate::db::get_i64(&kept[0], "shipment_id").unwrap(), id.0);
        let error: Option<String> = sqlx::Row::get(&kept[0], "error");
        assert_eq!(error, None);
        assert!(
            crate::db::get_string(&kept[0], "raw_json")
                .unwrap()
                .contains("polling")
        );
        // Inside one batch, and through the one-shipment path.
        let pair = |r: RawEvent| {
            let e = n.normalize(&r).unwrap();
            (r, e)
        };
        let third = ts
            .ingest_events(&a, id, vec![pair(with("email")), pair(with("webhook"))])
            .await
            .unwrap();
        assert_eq!(third.inserted, 0);
        assert_eq!(
            ts.count_raw_events(a.org_id).await.unwrap(),
            3,
            "{}",
            ts.label()
        );
        let other = |note: &str| {
            let mut r = with(note);
            r.tracking_number = "1Z8".into();
            r
        };
        let fourth = ingest_counted(&ts, &a, &n, vec![other("a"), other("b"), other("a")]).await;
        assert_eq!(fourth, (1, 2, 5), "{}", ts.label());
        let s = ts.get_shipment(a.org_id, id).await.unwrap();
        assert_eq!((s.event_count, s.status), (1, Status::Delivered));
        assert_eq!(orphan_events(&ts).await, 0);
    }
}

/// Batches stored at the same time (webhook requests, import workers) for the same shipments:
/// none fails, none deadlocks, and every shipment's state counts every event once.
#[tokio::test]
async fn concurrent_batches_for_the_same_shipments_agree() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let n = std::sync::Arc::new(builtin());
        let journey = |s: usize| -> Vec<RawEvent> {
            [
                ("OR", "Origin Scan", 1),
                ("AR", "Arrived", 2),
                ("KB", "DELIVERED", 3),
            ]
            .iter()
            .map(|(code, text, day)| {
                raw(
                    "ups",
                    &format!("1ZC{s:03}"),
                    code,
                    text,
                    &format!("2025-12-0{day}T10:00:00Z"),
                )
            })
            .collect()
        };
        // Four writers, each sending every journey (in its own order), in small batches.
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (store, actor, n) = ((*ts).clone(), a.clone(), n.clone());
                let mut events: Vec<RawEvent> = (0..60).flat_map(journey).collect();
                if w % 2 == 1 {
                    events.reverse();
                }
                events.rotate_left(w * 17);
                tokio::spawn(async move {
                    let mut inserted = 0;
                    for batch in events.chunks(25) {
                        let r = store
                            .ingest_raw(&actor, &n, batch.to_vec(), &create_missing())
                            .await
                            .expect("a concurrent batch");
                        assert!(r.errors.is_empty(), "{:?}", r.errors);
                        inserted += r.inserted;
                    }
                    inserted
                })
            })
            .collect();
        let mut inserted = 0;
        for w in writers {
            inserted += w.await.unwrap();
        }
        assert_eq!(inserted, 180, "{}", ts.label());
        for s in 0..60 {
            let id = ts
                .find_shipment_by_tracking(a.org_id, &format!("1ZC{s:03}"))
                .await
                .unwrap()
                .unwrap();
            let shipment = ts.get_shipment(a.org_id, id).await.unwrap();
            assert_eq!(
                (shipment.event_count, shipment.status),
                (3, Status::Delivered),
                "{} shipment {s}",
                ts.label()
            );
        }
        assert_eq!(orphan_events(&ts).await, 0);
    }
}

#[tokio::test]
async fn batch_results_match_one_event_at_a_time() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let n = builtin();
        let events: Vec<RawEvent> = (0..80)
            .flat_map(|i| {
                let number = format!("1ZB{i:04}");
                vec![
                    raw(
                        "ups",
                        &number,
                        "MP",
                        "Order processed",
                        "2025-11-28T09:00:00Z",
                    ),
                    raw("ups", &number, "AR", "Arrival scan", "2025-11-29T09:00:00Z"),
                    raw(
                        "ups",
                        &number,
                        "OT",
                        "Out for delivery",
                        "2025-12-01T07:00:00Z",
                    ),
                    raw("ups", &number, "KB", "DELIVERED", "2025-12-01T15:00:00Z"),
                ]
            })
            .collect();
        // Exact replays and the same scans from a second source inside the batch (large
        // enough to be encoded on several threads).
        let mut batch = events.clone();
        batch.extend(events.iter().step_by(3).cloned());
        batch.extend(events.iter().step_by(4).map(|e| {
            let mut e = e.clone();
            e.payload = Some(serde_json::json!({"note": "second source"}));
            e
        }));
        // Batch into one organisation, one event per call into another.
        let b = owner(&ts, "Slow").await;
        let report = ts
            .ingest_raw(&a, &n, batch.clone(), &create_missing())
            .await
            .unwrap();
        assert_eq!(report.inserted, 320, "{}", ts.label());
        for e in batch.iter().rev() {
            ts.ingest_raw(&b, &n, vec![e.clone()], &create_missing())
                .await
                .unwrap();
        }
        let q = ShipmentQuery {
            per_page: 100,
            ..ShipmentQuery::default()
        };
        let mut fast = ts.list_shipments(a.org_id, &q).await.unwrap().items;
        let mut slow = ts.list_shipments(b.org_id, &q).await.unwrap().items;
        fast.sort_by(|x, y| x.reference.cmp(&y.reference));
        slow.sort_by(|x, y| x.reference.cmp(&y.reference));
        assert_eq!(fast.len(), 80, "{}", ts.label());
        // Every distinct payload kept once, whichever path stored it.
        assert_eq!(ts.count_raw_events(a.org_id).await.unwrap(), 400);
        assert_eq!(ts.count_raw_events(b.org_id).await.unwrap(), 400);
        for (f, s) in fast.iter().zip(&slow) {
            assert_eq!(f.reference, s.reference);
            assert_eq!(f.state, s.state);
            assert_eq!(f.status, Status::Delivered);
            assert_eq!(f.event_count, 4);
        }
        // Re-deriving everything from the stored events gives the same states.
        let (shipments, read) = ts.rederive_all(&a).await.unwrap();
        assert_eq!((shipments, read), (80, 320));
        let mut again = ts.list_shipments(a.org_id, &q).await.unwrap().items;
        again.sort_by(|x, y| x.reference.cmp(&y.reference));
        for (f, g) in fast.iter().zip(&again) {
            assert_eq!(f.state, g.state);
        }
    }
}

#[tokio::test]
async fn mapping_an_unknown_code_reclassifies_past_events_for_that_organisation_only() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let b = owner(&ts, "Other").await;
        let n = ts.org_normalizer(a.org_id).await.unwrap();
        let events = vec![
            raw("ups", "1ZU1", "AR", "Arrival scan", "2025-12-01T08:00:00Z"),
            raw(
                "ups",
                "1ZU1",
                "ZZ9",
                "Paperwork check",
                "2025-12-02T08:00:00Z",
            ),
        ];
        ts.ingest_raw(&a, &n, events.clone(), &create_missing())
            .await
            .unwrap();
        ts.ingest_raw(&b, &n, events, &create_missing())
            .await
            .unwrap();
        let id = ts
            .find_shipment_by_tracking(a.org_id, "1ZU1")
            .await
            .unwrap()
            .unwrap();
        let unmapped = ts.list_unmapped(a.org_id).await.unwrap();
        assert_eq!(unmapped.len(), 1, "{}", ts.label());
        assert_eq!(unmapped[0].code.as_deref(), Some("ZZ9"));
        // The operator maps it (lower case: codes compare without case).
        let (o, report) = ts
            .add_mapping_override(
                &a,
                &NewMappingOverride {
                    carrier: "UPS".into(),
                    match_kind: MatchKind::Code,
                    pattern: "zz9".into(),
                    status: Status::CustomsHold,
                    reason: Some(IncidentReason::CustomsDocumentsRequired),
                    leg: Some(LegKind::ImportClearance),
                    note: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(o.pattern, "ZZ9");
        assert_eq!((report.reclassified, report.shipments), (1, 1));
        let s = ts.get_shipment(a.org_id, id).await.unwrap();
        assert_eq!(s.status, Status::CustomsHold);
        assert_eq!(
            s.state.reason,
            Some(IncidentReason::CustomsDocumentsRequired)
        );
        assert!(s.has_exception);
        assert!(ts.list_unmapped(a.org_id).await.unwrap().is_empty());
        // New events use the mapping at once.
        let n2 = ts.org_normalizer(a.org_id).await.unwrap();
        let e = n2
            .normalize(&raw("ups", "1ZU1", "ZZ9", "x", "2025-12-03T08:00:00Z"))
            .unwrap();
        assert_eq!(e.status, Status::CustomsHold);
        // The other organisation is untouched and cannot see or delete the mapping.
        let other = ts
            .find_shipment_by_tracking(b.org_id, "1ZU1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            ts.get_shipment(b.org_id, other).await.unwrap().status,
            Status::InTransit
        );
        assert_eq!(ts.list_unmapped(b.org_id).await.unwrap().len(), 1);
        assert!(
            ts.list_mapping_overrides(b.org_id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            ts.delete_mapping_override(&b, o.id).await,
            Err(StoreError::NotFound { .. })
        ));
        // Removing the mapping puts the event back to unknown.
        let back = ts.delete_mapping_override(&a, o.id).await.unwrap();
        assert_eq!(back.reclassified, 1);
        assert_eq!(
            ts.get_shipment(a.org_id, id).await.unwrap().status,
            Status::InTransit
        );
        assert_eq!(ts.list_unmapped(a.org_id).await.unwrap().len(), 1);
        // Text mappings work for text-only events (Chinese wording).
        let zh = raw(
            "acme_forwarder",
            "CN100",
            "",
            "货物已到达海外仓上架",
            "2025-12-04 10:00:00+08:00",
        );
        ts.ingest_raw(&a, &n2, vec![zh], &create_missing())
            .await
            .unwrap();
        let (_, r) = ts
            .add_mapping_override(
                &a,
                &NewMappingOverride {
                    carrier: "acme_forwarder".into(),
                    match_kind: MatchKind::Text,
                    pattern: "海外仓上架".into(),
                    status: Status::ArrivedAtWarehouse,
                    reason: None,
                    leg: None,
                    note: Some("overseas warehouse shelved".into()),
                },
            )
            .await
            .unwrap();
        let cn = ts
            .find_shipment_by_tracking(a.org_id, "CN100")
            .await
            .unwrap()
            .unwrap();
        let st = ts.get_shipment(a.org_id, cn).await.unwrap();
        assert!(r.reclassified <= 1);
        assert_eq!(st.status, Status::ArrivedAtWarehouse, "{}", ts.label());
        // Unknown is not a mapping.
        let bad = ts
            .add_mapping_override(
                &a,
                &NewMappingOverride {
                    carrier: "ups".into(),
                    match_kind: MatchKind::Code,
                    pattern: "Q1".into(),
                    status: Status::Unknown,
                    reason: None,
                    leg: None,
                    note: None,
                },
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn master_shipment_events_reach_every_shipment_in_it() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let n = builtin();
        let mk = |r: &str, number: &str| NewShipment {
            reference: r.into(),
            origin: Some("CN".into()),
            destination: Some("DE".into()),
            legs: vec![
                NewLeg {
                    kind: LegKind::MainCarriage,
                    carrier: Some("cosco".into()),
                    reference: Some(format!("HBL-{r}")),
                    mode: Some(TransportMode::Sea),
                    service: None,
                    refs: Some(MainCarriageRefs {
                        vessel_name: Some("COSCO SHIPPING ARIES".into()),
                        voyage_number: Some("012E".into()),
                        container_numbers: vec!["MSKU 123456-5".into()],
                        bill_of_lading: Some(format!("HBL-{r}")),
                        ..MainCarriageRefs::default()
                    }),
                },
                NewLeg {
                    kind: LegKind::LastMile,
                    carrier: Some("dhl_express".into()),
                    reference: Some(number.into()),
                    mode: Some(TransportMode::Express),
                    service: Some("express_worldwide".into()),
                    refs: None,
                },
            ],
            lines: vec![tradelane_tracking::model::ShipmentLine {
                order_reference: format!("ORD-{r}"),
                sku: "SKU-1".into(),
                quantity: 3,
            }],
            ..NewShipment::default()
        };
        let s1 = ts
            .create_shipment(&a, &mk("A", "1111111111"))
            .await
            .unwrap();
        let s2 = ts
            .create_shipment(&a, &mk("B", "2222222222"))
            .await
            .unwrap();
        assert_eq!(
            s1.legs[0].refs.as_ref().unwrap().container_numbers,
            vec!["MSKU1234565"]
        );
        assert_eq!(s1.legs[1].service.as_deref(), Some("express_worldwide"));
        assert_eq!(s1.lines[0].quantity, 3);
        let m = ts
            .create_master_shipment(
                &a,
                &NewMasterShipment {
                    reference: "MSKU1234565".into(),
                    forwarder: "acme freight".into(),
                    mode: TransportMode::Sea,
                    refs: MainCarriageRefs::default(),
                    shipments: vec![s1.id, s2.id],
                },
            )
            .await
            .unwrap();
        assert_eq!(m.shipments.len(), 2, "{}", ts.label());
        let ev = raw(
            "cosco",
            "MSKU1234565",
            "",
            "Vessel departed Yantian",
            "2025-12-01T08:00:00+08:00",
        );
        let report = ts
            .ingest_raw(&a, &n, vec![ev.clone()], &RawIngestOptions::default())
            .await
            .unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.inserted, 2);
        for id in [s1.id, s2.id] {
            let tl = ts.shipment_timeline(a.org_id, id).await.unwrap();
            assert_eq!(tl.len(), 1);
            assert_eq!(tl[0].event.leg, LegKind::MainCarriage);
        }
        // Idempotent, and the main-carriage legs point at the master.
        let again = ts
            .ingest_raw(&a, &n, vec![ev], &RawIngestOptions::default())
            .await
            .unwrap();
        assert_eq!(again.inserted, 0);
        let s1 = ts.get_shipment(a.org_id, s1.id).await.unwrap();
        assert_eq!(s1.legs[0].master_id, Some(m.id));
        // The master's own events, each with the shipments it fanned out to.
        let fan = ts.master_events(a.org_id, m.id).await.unwrap();
        assert_eq!(fan.len(), 1, "{}", ts.label());
        assert_eq!(fan[0].shipments, vec![s1.id, s2.id]);
        assert_eq!(
            fan[0].event.raw_text.as_deref(),
            Some("Vessel departed Yantian")
        );
        // Another organisation cannot put its shipments into it or see it.
        let b = owner(&ts, "Other").await;
        assert!(matches!(
            ts.get_master_shipment(b.org_id, m.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.add_to_master_shipment(&b, m.id, &[s2.id]).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.master_events(b.org_id, m.id).await,
            Err(StoreError::NotFound { .. })
        ));
        // A bad container number is refused with the field named.
        let bad = ts
            .create_shipment(
                &a,
                &NewShipment {
                    reference: "C".into(),
                    legs: vec![NewLeg {
                        kind: LegKind::MainCarriage,
                        carrier: None,
                        reference: None,
                        mode: None,
                        service: None,
                        refs: Some(MainCarriageRefs {
                            container_numbers: vec!["MSKU1234560".into()],
                            ..MainCarriageRefs::default()
                        }),
                    }],
                    ..NewShipment::default()
                },
            )
            .await;
        match bad {
            Err(StoreError::Invalid(m)) => assert!(m.contains("container_numbers"), "{m}"),
            other => panic!("{other:?}"),
        }
        // Leg filter: both are on the main carriage now.
        let on_main = ts
            .list_shipments(
                a.org_id,
                &ShipmentQuery {
                    leg: Some(LegKind::MainCarriage),
                    ..ShipmentQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(on_main.total, 2);
    }
}

#[tokio::test]
async fn connectors_never_show_their_credentials_and_stay_in_their_organisation() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let b = owner(&ts, "Other").await;
        let c = ts
            .create_connector(
                &a,
                &NewConnector {
                    name: "dhl".into(),
                    kind: ConnectorKind::DhlUnified,
                    base_url: None,
                    credentials: ConnectorCredentials {
                        api_key: Some("demo-key-1234567890-wxyz".into()),
                        ..ConnectorCredentials::default()
                    },
                    poll_minutes: 30,
                },
            )
            .await
            .unwrap();
        assert_eq!(c.base_url, "https://api-eu.dhl.com");
        assert_eq!(c.credential_hint, "…wxyz");
        let shown = format!("{c:?} {:?}", ts.list_connectors(a.org_id).await.unwrap());
        assert!(!shown.contains("demo-key"), "{shown}");
        let creds = ts.connector_credentials(a.org_id, c.id).await.unwrap();
        assert_eq!(creds.api_key.as_deref(), Some("demo-key-1234567890-wxyz"));
        assert!(!format!("{creds:?}").contains("demo-key"));
        assert!(matches!(
            ts.connector_credentials(b.org_id, c.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(ts.list_connectors(b.org_id).await.unwrap().is_empty());
        let missing = ts
            .create_connector(
                &a,
                &NewConnector {
                    name: "ups".into(),
                    kind: ConnectorKind::UpsTrack,
                    base_url: None,
                    credentials: ConnectorCredentials {
                        api_key: Some("k".into()),
                        ..ConnectorCredentials::default()
                    },
                    poll_minutes: 30,
                },
            )
            .await;
        assert!(matches!(missing, Err(StoreError::Invalid(_))));
        let now = jiff::Timestamp::now();
        assert!(c.due(now));
        ts.record_connector_poll(a.org_id, c.id, now, None)
            .await
            .unwrap();
        let after = ts.get_connector(a.org_id, c.id).await.unwrap();
        assert!(!after.due(now));
    }
}

#[tokio::test]
async fn connectors_are_changed_with_write_only_key_rotation_and_audited() {
    for ts in all_backends().await {
        let a = owner(&ts, "Acme").await;
        let b = owner(&ts, "Other").await;
        let c = ts
            .create_connector(
                &a,
                &NewConnector {
                    name: "ups".into(),
                    kind: ConnectorKind::UpsTrack,
                    base_url: None,
                    credentials: ConnectorCredentials {
                        client_id: Some("client-000011112222".into()),
                        client_secret: Some("secret-first".into()),
                        ..ConnectorCredentials::default()
                    },
                    poll_minutes: 60,
                },
            )
            .await
            .unwrap();
        // Interval and enabled flag; credentials untouched.
        let changed = ts
            .update_connector(
                &a,
                c.id,
                &ConnectorUpdate {
                    enabled: Some(false),
                    poll_minutes: Some(15),
                    ..ConnectorUpdate::default()
                },
            )
            .await
            .unwrap();
        assert!(
            !changed.enabled && changed.poll_minutes == 15,
            "{}",
            ts.label()
        );
        assert!(ts.all_enabled_connectors().await.unwrap().is_empty());
        // Rotating only the secret keeps the client id (a blank field keeps the old value).
        let rotated = ts
            .update_connector(
                &a,
                c.id,
                &ConnectorUpdate {
                    credentials: Some(ConnectorCredentials {
                        client_id: Some("  ".into()),
                        client_secret: Some("secret-second".into()),
                        ..ConnectorCredentials::default()
                    }),
                    ..ConnectorUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(rotated.credential_hint, "…2222");
        let creds = ts.connector_credentials(a.org_id, c.id).await.unwrap();
        assert_eq!(creds.client_id.as_deref(), Some("client-000011112222"));
        assert_eq!(creds.client_secret.as_deref(), Some("secret-second"));
        for bad in [
            ConnectorUpdate {
                poll_minutes: Some(1),
                ..ConnectorUpdate::default()
            },
            ConnectorUpdate {
                base_url: Some("ftp://x".into()),
                ..ConnectorUpdate::default()
            },
            ConnectorUpdate {
                name: Some(" ".into()),
                ..ConnectorUpdate::default()
            },
        ] {
            assert!(matches!(
                ts.update_connector(&a, c.id, &bad).await,
                Err(StoreError::Invalid(_))
            ));
        }
        // Another organisation can neither change nor remove it.
        assert!(matches!(
            ts.update_connector(&b, c.id, &ConnectorUpdate::default())
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.delete_connector(&b, c.id).await,
            Err(StoreError::NotFound { .. })
        ));
        // The audit trail names the change but never a secret.
        let audit = ts
            .list_audit(a.org_id, &AuditQuery::default())
            .await
            .unwrap();
        let text = format!("{:?}", audit.items);
        assert!(text.contains("carrier_connector.update"), "{text}");
        assert!(!text.contains("secret-second") && !text.contains("secret-first"));
        ts.delete_connector(&a, c.id).await.unwrap();
        assert!(ts.list_connectors(a.org_id).await.unwrap().is_empty());
    }
}

#[test]
fn container_check_digits() {
    for ok in ["MSKU1234565", "CSQU3054383", "TGHU8810730"] {
        assert!(iso6346_valid(ok), "{ok}");
    }
    for bad in ["MSKU1234566", "MSK1234565", "msku1234565", "MSKU12345657"] {
        assert!(!iso6346_valid(bad), "{bad}");
    }
}

/// Migration 0230 on an installation with data: each stored event takes its raw payload along,
/// the raw table keeps only what stored no event (a second source's payload, a rejected one),
/// and nothing is counted twice.
#[tokio::test]
async fn upgrading_moves_each_events_payload_into_its_row() {
    let seed = [
        "INSERT INTO orgs (name, created_at) VALUES ('Acme', '2025-12-01T00:00:00Z')",
        "INSERT INTO shipments (org_id, reference, order_refs_json, tracking_numbers_json, \
         state_json, status, created_at, updated_at) VALUES (1, '1Z1', '[]', '[\"1Z1\"]', \
         '{}', 'pending', 'x', 'x')",
        "INSERT INTO shipment_legs (org_id, shipment_id, seq, kind, carrier, reference) \
         VALUES (1, 1, 0, 'last_mile', 'ups', '1Z1')",
        "INSERT INTO tracking_raw_events (org_id, shipment_id, content_hash, source, carrier, \
         tracking_number, raw_json, error, received_at) VALUES \
         (1, 1, 'h1', 'webhook', 'ups', '1Z1', '{\"seen\":\"webhook\"}', NULL, 'x'), \
         (1, 1, 'h2', 'polling', 'ups', '1Z1', '{\"seen\":\"polling\"}', NULL, 'x'), \
         (1, NULL, 'h3', 'sheet', 'ups', '1Z1', '{\"seen\":\"bad time\"}', 'bad time', 'x')",
        "INSERT INTO tracking_events (org_id, shipment_id, dedup_key, raw_hash, carrier, \
         tracking_number, status, leg, occurred_at, event_json, received_at) VALUES \
         (1, 1, 'k1', 'h1', 'ups', '1Z1', 'in_transit', 'last_mile', \
         '2025-12-01T08:00:00Z', '{}', 'x')",
    ];
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(ts) = crate::testing::upgraded_from(backend, 220, &seed).await else {
            continue;
        };
        let event = sqlx::query("SELECT raw_json FROM tracking_events WHERE raw_hash = 'h1'")
            .fetch_one(&ts.pool)
            .await
            .unwrap();
        assert_eq!(
            crate::db::get_string(&event, "raw_json").unwrap(),
            r#"{"seen":"webhook"}"#,
            "{}",
            ts.label()
        );
        let raw: Vec<String> =
            sqlx::query("SELECT content_hash FROM tracking_raw_events ORDER BY content_hash")
                .fetch_all(&ts.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| crate::db::get_string(r, "content_hash").unwrap())
                .collect();
        assert_eq!(raw, ["h2", "h3"], "{}", ts.label());
        assert_eq!(ts.count_raw_events(OrgId(1)).await.unwrap(), 3);
        assert_eq!(orphan_events(&ts).await, 0);
    }
}
