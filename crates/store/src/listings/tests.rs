//! Listing storage tests, each run on SQLite and, when reachable, PostgreSQL.

use tradelane_domain::{SkuCode, SkuRecord, UiLang};

use super::*;
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

async fn sku(s: &Store, a: &Actor, code: &str) -> SkuId {
    s.create_sku(
        a,
        &SkuRecord::new(SkuCode::parse(code).unwrap(), "Power bank"),
    )
    .await
    .unwrap()
    .id
}

fn content(title: &str) -> ListingContent {
    ListingContent {
        title: title.into(),
        bullets: vec!["大容量 10000mAh".into(), "  ".into(), "Type-C 快充".into()],
        description: "<p>好用</p><script>alert(1)</script><b onclick=\"x()\">强</b>".into(),
        search_terms: "充电宝 移动电源".into(),
        attributes: BTreeMap::from([("Brand".into(), "Voltik".into())]),
    }
}

fn source(sku_id: SkuId, title: &str) -> NewListing {
    NewListing {
        sku_id,
        marketplace: "Amazon".into(),
        locale: "zh-cn".into(),
        source_id: None,
        content: content(title),
    }
}

#[tokio::test]
async fn create_normalises_sanitises_and_versions() {
    for ts in all_backends().await {
        let s = ts.store();
        let a = owner(s, "Acme").await;
        let id = sku(s, &a, "PB-1").await;
        let l = s
            .create_listing(&a, &source(id, "充电宝 🔋 10000mAh"))
            .await
            .unwrap();
        assert_eq!(l.marketplace, "amazon", "{}", ts.label());
        assert_eq!(l.locale, "zh-CN");
        assert_eq!(l.state, ListingState::Draft);
        assert_eq!(l.version, 1);
        assert_eq!(l.content.bullets.len(), 2, "blank bullets dropped");
        assert!(!l.content.description.contains("script"));
        assert!(!l.content.description.contains("onclick"));
        assert!(l.content.description.contains("<p>好用</p>"));
        assert_eq!(
            l.content.attributes.get("brand").map(String::as_str),
            Some("Voltik")
        );
        let back = s.get_listing(a.org_id, l.id).await.unwrap();
        assert_eq!(back, l, "{}", ts.label());
        assert_eq!(back.content.title, "充电宝 🔋 10000mAh");
        let versions = s.listing_versions(a.org_id, l.id).await.unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].action, ListingAction::Create);
        let audit = s
            .list_audit(
                a.org_id,
                &AuditQuery {
                    entity_type: Some("listing".into()),
                    ..AuditQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.items.len(), 1);
        assert_eq!(audit.items[0].action, "listing.create");
        // Same SKU x marketplace x locale twice is a conflict.
        assert!(matches!(
            s.create_listing(&a, &source(id, "again")).await,
            Err(StoreError::Conflict { .. })
        ));
    }
}

#[tokio::test]
async fn bad_input_is_rejected_naming_the_field() {
    for ts in all_backends().await {
        let s = ts.store();
        let a = owner(s, "Acme").await;
        let id = sku(s, &a, "PB-1").await;
        let mut n = source(id, "ok");
        n.locale = "xx-YY".into();
        let e = s.create_listing(&a, &n).await.unwrap_err().to_string();
        assert!(e.contains("locale"), "{e}");
        let mut n = source(id, "ok");
        n.content.bullets = (0..6).map(|i| format!("b{i}")).collect();
        let e = s.create_listing(&a, &n).await.unwrap_err().to_string();
        assert!(e.contains("bullet"), "{e}");
        let mut n = source(id, "ok");
        // 1,000 CJK characters are 3,000 bytes but within the 1,000-character cap.
        n.content.title = "好".repeat(MAX_TITLE_CHARS);
        s.create_listing(&a, &n).await.unwrap();
        let mut n = source(id, "ok");
        n.marketplace = "ebay".into();
        n.content.title = "好".repeat(MAX_TITLE_CHARS + 1);
        let e = s.create_listing(&a, &n).await.unwrap_err().to_string();
        assert!(e.contains("1001 characters"), "{e}");
        let mut n = source(id, "ok");
        n.marketplace = "ebay".into();
        n.content.title = "nul\0".into();
        assert!(s.create_listing(&a, &n).await.is_err());
        let total = s
            .list_listings(a.org_id, &ListingQuery::default())
            .await
            .unwrap()
            .total;
        assert_eq!(
            total,
            1,
            "only the valid listing was stored ({})",
            ts.label()
        );
    }
}

#[tokio::test]
async fn workflow_moves_only_along_allowed_steps() {
    for ts in all_backends().await {
        let s = ts.store();
        let a = owner(s, "Acme").await;
        let id = sku(s, &a, "PB-1").await;
        let src = s.create_listing(&a, &source(id, "充电宝")).await.unwrap();
        let mut c = content("Powerbank 10000mAh");
        c.bullets = vec!["Hohe Kapazität".into()];
        let t = s
            .save_translation(&a, &src, "amazon", "de-DE", &c, "offline")
            .await
            .unwrap();
        assert_eq!(t.state, ListingState::MachineTranslated);
        assert_eq!(t.source_id, Some(src.id));
        assert_eq!(t.origin, "offline");
        // Approving before review is refused and changes nothing.
        let e = s
            .transition_listing(&a, t.id, None, ListingAction::Approve, None)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{e}");
        // Stale version.
        assert!(matches!(
            s.transition_listing(&a, t.id, Some(t.version - 1), ListingAction::Submit, None)
                .await,
            Err(StoreError::VersionMismatch)
        ));
        let r = s
            .transition_listing(&a, t.id, Some(t.version), ListingAction::Submit, None)
            .await
            .unwrap();
        assert_eq!(r.state, ListingState::InReview);
        // Reject needs a comment.
        assert!(matches!(
            s.transition_listing(&a, t.id, None, ListingAction::Reject, Some("  "))
                .await,
            Err(StoreError::Invalid(_))
        ));
        let d = s
            .transition_listing(&a, t.id, None, ListingAction::Reject, Some("Titel zu lang"))
            .await
            .unwrap();
        assert_eq!(d.state, ListingState::Draft);
        assert_eq!(d.review_comment.as_deref(), Some("Titel zu lang"));
        let e = s
            .update_listing_content(&a, t.id, Some(d.version), &content("Powerbank 10000 mAh"))
            .await
            .unwrap();
        assert_eq!(e.origin, "offline+edited");
        s.transition_listing(&a, t.id, None, ListingAction::Submit, None)
            .await
            .unwrap();
        let ok = s
            .transition_listing(&a, t.id, None, ListingAction::Approve, Some("gut"))
            .await
            .unwrap();
        assert_eq!(ok.state, ListingState::Approved);
        // A translation never overwrites approved text.
        assert!(matches!(
            s.save_translation(&a, &src, "amazon", "de-DE", &c, "offline")
                .await,
            Err(StoreError::Conflict { .. })
        ));
        let ex = s.mark_listings_exported(&a, &[t.id]).await.unwrap();
        assert_eq!(ex[0].state, ListingState::Exported);
        // Editing exported text sends it back to draft.
        let back = s
            .update_listing_content(&a, t.id, None, &content("Powerbank neu"))
            .await
            .unwrap();
        assert_eq!(back.state, ListingState::Draft, "{}", ts.label());
        let versions = s.listing_versions(a.org_id, t.id).await.unwrap();
        let actions: Vec<&str> = versions.iter().map(|v| v.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "edit",
                "export",
                "approve",
                "submit",
                "edit",
                "reject",
                "submit",
                "translate"
            ]
        );
        assert_eq!(versions[0].version, back.version);
        let audit = s
            .list_audit(
                a.org_id,
                &AuditQuery {
                    entity_type: Some("listing".into()),
                    entity_id: Some(t.id.to_string()),
                    ..AuditQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.total, 8, "one audit row per version ({})", ts.label());
    }
}

#[tokio::test]
async fn export_of_a_mixed_set_changes_nothing() {
    for ts in all_backends().await {
        let s = ts.store();
        let a = owner(s, "Acme").await;
        let id = sku(s, &a, "PB-1").await;
        let l1 = s.create_listing(&a, &source(id, "one")).await.unwrap();
        let mut n = source(id, "two");
        n.marketplace = "ebay".into();
        let l2 = s.create_listing(&a, &n).await.unwrap();
        for l in [&l1] {
            s.transition_listing(&a, l.id, None, ListingAction::Submit, None)
                .await
                .unwrap();
            s.transition_listing(&a, l.id, None, ListingAction::Approve, None)
                .await
                .unwrap();
        }
        assert!(s.mark_listings_exported(&a, &[l1.id, l2.id]).await.is_err());
        let still = s.get_listing(a.org_id, l1.id).await.unwrap();
        assert_eq!(still.state, ListingState::Approved, "{}", ts.label());
    }
}

#[tokio::test]
async fn import_upserts_in_one_transaction_and_reimport_writes_nothing() {
    for ts in all_backends().await {
        let s = ts.store();
        let a = owner(s, "Acme").await;
        sku(s, &a, "PB-1").await;
        sku(s, &a, "PB-2").await;
        let row = |code: &str, locale: &str, title: &str| ListingImportRow {
            sku_code: code.into(),
            marketplace: "amazon".into(),
            locale: locale.into(),
            content: ListingContent {
                title: title.into(),
                ..ListingContent::default()
            },
        };
        let rows = vec![row("PB-1", "zh-CN", "充电宝"), row("PB-1", "ar-SA", "x")];
        let e = s.import_listings(&a, &rows).await.unwrap_err().to_string();
        assert!(e.contains("row 3") && e.contains("locale"), "{e}");
        let rows = vec![row("PB-1", "zh-CN", "充电宝"), row("NOPE", "zh-CN", "x")];
        let e = s.import_listings(&a, &rows).await.unwrap_err().to_string();
        assert!(e.contains("row 3") && e.contains("NOPE"), "{e}");
        assert_eq!(
            s.list_listings(a.org_id, &ListingQuery::default())
                .await
                .unwrap()
                .total,
            0,
            "a failed import stores nothing ({})",
            ts.label()
        );
        let rows = vec![
            row("PB-1", "zh-CN", "充电宝"),
            row("PB-2", "en", "Power bank ‏עברית‎"),
        ];
        let o = s.import_listings(&a, &rows).await.unwrap();
        assert_eq!((o.created, o.updated, o.unchanged), (2, 0, 0));
        let o = s.import_listings(&a, &rows).await.unwrap();
        assert_eq!((o.created, o.updated, o.unchanged), (0, 0, 2));
        let rows = vec![row("PB-1", "zh-CN", "充电宝 新")];
        let o = s.import_listings(&a, &rows).await.unwrap();
        assert_eq!((o.created, o.updated, o.unchanged), (0, 1, 0));
        let page = s
            .list_listings(
                a.org_id,
                &ListingQuery {
                    text: Some("עברית".into()),
                    ..ListingQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1, "RTL text round-trips ({})", ts.label());
    }
}

#[tokio::test]
async fn other_organisations_cannot_see_or_change_listings() {
    for ts in all_backends().await {
        let s = ts.store();
        let a = owner(s, "Acme").await;
        let b = owner(s, "Other").await;
        let id = sku(s, &a, "PB-1").await;
        let l = s.create_listing(&a, &source(id, "充电宝")).await.unwrap();
        let job = s
            .create_listing_job(&a, "translate", "amazon", "de-DE", 3)
            .await
            .unwrap();
        assert!(matches!(
            s.get_listing(b.org_id, l.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.update_listing_content(&b, l.id, None, &content("x"))
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.transition_listing(&b, l.id, None, ListingAction::Submit, None)
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(s.listing_versions(b.org_id, l.id).await.is_err());
        assert!(s.mark_listings_exported(&b, &[l.id]).await.is_err());
        assert!(s.get_listing_job(b.org_id, job.id).await.is_err());
        // b cannot attach a listing to a's SKU.
        assert!(matches!(
            s.create_listing(&b, &source(id, "x")).await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(
            s.list_listings(b.org_id, &ListingQuery::default())
                .await
                .unwrap()
                .total,
            0,
            "{}",
            ts.label()
        );
        let mine = s.get_listing(a.org_id, l.id).await.unwrap();
        assert_eq!(mine.version, 1);
    }
}

#[tokio::test]
async fn jobs_record_progress_and_items() {
    for ts in all_backends().await {
        let s = ts.store();
        let a = owner(s, "Acme").await;
        let job = s
            .create_listing_job(&a, "translate", "amazon", "de-DE", 2)
            .await
            .unwrap();
        assert_eq!(job.status, JobStatus::Running);
        assert_eq!(job.percent(), 0);
        let items = vec![
            JobItem {
                sku_code: "PB-1".into(),
                listing_id: Some(ListingId(1)),
                outcome: "translated".into(),
                message: None,
            },
            JobItem {
                sku_code: "PB-2".into(),
                listing_id: None,
                outcome: "failed".into(),
                message: Some("provider returned 503 three times".into()),
            },
        ];
        s.update_listing_job(a.org_id, job.id, JobStatus::Done, &items)
            .await
            .unwrap();
        let j = s.get_listing_job(a.org_id, job.id).await.unwrap();
        assert_eq!(
            (j.done, j.failed, j.percent()),
            (2, 1, 100),
            "{}",
            ts.label()
        );
        assert_eq!(j.items, items);
    }
}

#[test]
fn locales_and_states_parse() {
    assert_eq!(canonical_locale("de-de").unwrap(), "de-DE");
    assert_eq!(canonical_locale("zh_TW").unwrap(), "zh-Hant");
    assert_eq!(canonical_locale("zh-Hant").unwrap(), "zh-Hant");
    assert!(canonical_locale("klingon").is_err());
    for st in ListingState::ALL {
        assert_eq!(ListingState::parse(st.as_str()).unwrap(), st);
    }
    assert_eq!(
        ListingState::parse("in-review").unwrap(),
        ListingState::InReview
    );
    // Exported listings can be re-exported but not approved again without review.
    assert!(ListingState::Exported.can_move(ListingAction::Export));
    assert!(!ListingState::Exported.can_move(ListingAction::Approve));
    assert!(!ListingState::Draft.can_move(ListingAction::Export));
}
