use super::*;
use crate::listings::{ListingAction, ListingContent, NewListing};
use crate::testing::all_backends;

fn sealed(tag: &str) -> SealedKey {
    SealedKey {
        sealed: format!("tlk1:abcd1234:{tag}"),
        key_id: "abcd1234".into(),
        hint: "…9xyz".into(),
    }
}

fn deepl() -> ProviderInput {
    ProviderInput {
        name: "DeepL".into(),
        kind: "deepl".into(),
        base_url: Some("http://127.0.0.1:9/".into()),
        api_key: Some(sealed("one")),
        pricing_json: Some(r#"{"currency":"EUR","per_million_chars":"20"}"#.into()),
        ..ProviderInput::default()
    }
}

#[tokio::test]
async fn provider_settings_keep_the_key_write_only_and_per_org() {
    for ts in all_backends().await {
        let label = ts.label();
        let org = ts.create_org("Acme").await.unwrap();
        let other = ts.create_org("Other").await.unwrap();
        let actor = Actor::new(org.id, None, "test");
        let intruder = Actor::new(other.id, None, "intruder");
        assert!(ts.translation_provider(org.id).await.unwrap().is_none());

        let p = ts.put_translation_provider(&actor, &deepl()).await.unwrap();
        assert_eq!(p.kind, "deepl", "{label}");
        assert_eq!(p.base_url.as_deref(), Some("http://127.0.0.1:9"));
        assert!(p.has_api_key);
        assert_eq!(p.api_key_hint, "…9xyz");
        assert_eq!(
            ts.translation_sealed_key(org.id).await.unwrap().as_deref(),
            Some("tlk1:abcd1234:one")
        );
        // Changing the model without a key keeps the stored key.
        let mut change = deepl();
        change.api_key = None;
        change.name = "DeepL Pro".into();
        let p2 = ts.put_translation_provider(&actor, &change).await.unwrap();
        assert_eq!(p2.name, "DeepL Pro");
        assert!(p2.has_api_key, "{label}");
        assert_eq!(
            ts.translation_sealed_key(org.id).await.unwrap().as_deref(),
            Some("tlk1:abcd1234:one")
        );
        // Bad input is refused by name.
        let mut bad = deepl();
        bad.kind = "babelfish".into();
        assert!(
            ts.put_translation_provider(&actor, &bad)
                .await
                .unwrap_err()
                .to_string()
                .contains("babelfish")
        );
        let mut bad = deepl();
        bad.base_url = Some("ftp://x".into());
        assert!(ts.put_translation_provider(&actor, &bad).await.is_err());

        // Another organisation sees nothing, and its own settings do not touch ours.
        assert!(ts.translation_provider(other.id).await.unwrap().is_none());
        assert!(ts.translation_sealed_key(other.id).await.unwrap().is_none());
        assert!(matches!(
            ts.delete_translation_provider(&intruder).await,
            Err(StoreError::NotFound { .. })
        ));
        let mut theirs = deepl();
        theirs.api_key = Some(sealed("two"));
        ts.put_translation_provider(&intruder, &theirs)
            .await
            .unwrap();
        assert_eq!(
            ts.translation_sealed_key(org.id).await.unwrap().as_deref(),
            Some("tlk1:abcd1234:one")
        );
        assert_eq!(ts.all_translation_sealed_keys().await.unwrap().len(), 2);

        // Clearing the key, then deleting the settings.
        let mut clear = change.clone();
        clear.clear_api_key = true;
        let p3 = ts.put_translation_provider(&actor, &clear).await.unwrap();
        assert!(!p3.has_api_key);
        ts.delete_translation_provider(&actor).await.unwrap();
        assert!(ts.translation_provider(org.id).await.unwrap().is_none());
        assert!(ts.translation_provider(other.id).await.unwrap().is_some());

        let audit = ts
            .list_audit(org.id, &crate::AuditQuery::default())
            .await
            .unwrap();
        let rows: Vec<_> = audit
            .items
            .iter()
            .filter(|e| e.action.starts_with("translation.provider."))
            .collect();
        assert_eq!(rows.len(), 4, "{label}");
        for r in rows {
            let text = format!("{:?}{:?}", r.before, r.after);
            assert!(
                !text.contains("tlk1:"),
                "{label}: sealed key in audit {text}"
            );
        }
    }
}

fn term(t: &str, de: &str) -> GlossaryInput {
    GlossaryInput {
        kind: GlossaryKind::Term,
        term: t.into(),
        translations: [("de-de".to_string(), de.to_string())].into(),
        markets: vec![],
        note: String::new(),
    }
}

fn simple(kind: GlossaryKind, t: &str, markets: &[&str]) -> GlossaryInput {
    GlossaryInput {
        kind,
        term: t.into(),
        translations: BTreeMap::new(),
        markets: markets.iter().map(|m| m.to_string()).collect(),
        note: "n".into(),
    }
}

#[tokio::test]
async fn glossary_add_delete_import_all_or_nothing_and_isolation() {
    for ts in all_backends().await {
        let label = ts.label();
        let org = ts.create_org("Acme").await.unwrap();
        let other = ts.create_org("Other").await.unwrap();
        let actor = Actor::new(org.id, None, "test");
        let intruder = Actor::new(other.id, None, "intruder");

        let a = ts
            .add_glossary_entry(&actor, &term(" 充电宝 ", "Powerbank"))
            .await
            .unwrap();
        assert_eq!(a.term, "充电宝", "{label}");
        assert_eq!(a.translations["de-DE"], "Powerbank");
        assert!(matches!(
            ts.add_glossary_entry(&actor, &term("充电宝", "Akku")).await,
            Err(StoreError::Conflict { .. })
        ));
        // A term without a translation is refused.
        let mut empty = term("x", "");
        empty.translations.clear();
        assert!(ts.add_glossary_entry(&actor, &empty).await.is_err());
        ts.add_glossary_entry(&actor, &simple(GlossaryKind::DoNotTranslate, "Anker", &[]))
            .await
            .unwrap();
        ts.add_glossary_entry(
            &actor,
            &simple(GlossaryKind::Forbidden, "antibakteriell", &["de", "amazon"]),
        )
        .await
        .unwrap();
        let g = ts.glossary_for_checks(org.id).await.unwrap();
        assert_eq!(g.terms.len(), 1);
        assert_eq!(g.do_not_translate, vec!["Anker".to_string()]);
        assert_eq!(g.forbidden[0].markets, vec!["DE", "amazon"]);

        // Import: one unchanged, one changed, one new; again: nothing written.
        let file = vec![
            simple(GlossaryKind::DoNotTranslate, "Anker", &[]),
            term("充电宝", "Powerbank 10000"),
            term("蓝牙", "Bluetooth"),
        ];
        let o = ts.import_glossary(&actor, &file, "g.csv").await.unwrap();
        assert_eq!((o.created, o.updated, o.unchanged), (1, 1, 1), "{label}");
        let o = ts.import_glossary(&actor, &file, "g.csv").await.unwrap();
        assert_eq!((o.created, o.updated, o.unchanged), (0, 0, 3));
        // A bad or repeated row refuses everything.
        let mut bad = file.clone();
        bad.push(term("新词", "Neu"));
        bad.push(simple(GlossaryKind::Term, "kaputt", &[]));
        let err = ts.import_glossary(&actor, &bad, "g.csv").await.unwrap_err();
        assert!(err.to_string().contains("row 5"), "{err}");
        let dup = vec![term("a", "b"), term("A", "c")];
        let err = ts.import_glossary(&actor, &dup, "g.csv").await.unwrap_err();
        assert!(err.to_string().contains("row 2"), "{err}");
        let list = ts.list_glossary(org.id).await.unwrap();
        assert_eq!(list.len(), 4, "{label}: nothing from refused imports");

        // Another organisation sees nothing and cannot delete ours.
        assert!(ts.list_glossary(other.id).await.unwrap().is_empty());
        assert!(matches!(
            ts.delete_glossary_entry(&intruder, a.id).await,
            Err(StoreError::NotFound { .. })
        ));
        ts.import_glossary(&intruder, &file, "x.csv").await.unwrap();
        assert_eq!(ts.list_glossary(org.id).await.unwrap(), list);
        ts.delete_glossary_entry(&actor, a.id).await.unwrap();
        assert_eq!(ts.list_glossary(org.id).await.unwrap().len(), 3);

        let audit = ts
            .list_audit(org.id, &crate::AuditQuery::default())
            .await
            .unwrap();
        let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
        for want in ["glossary.add", "glossary.import", "glossary.delete"] {
            assert!(actions.contains(&want), "{label}: {want} in {actions:?}");
        }
        assert_eq!(
            actions.iter().filter(|a| **a == "glossary.import").count(),
            1,
            "{label}: unchanged re-import writes no audit row"
        );
    }
}

#[tokio::test]
async fn approval_teaches_the_memory_and_memory_is_per_org() {
    for ts in all_backends().await {
        let label = ts.label();
        let org = ts.create_org("Acme").await.unwrap();
        let other = ts.create_org("Other").await.unwrap();
        let actor = Actor::new(org.id, None, "owner");
        let intruder = Actor::new(other.id, None, "intruder");
        let sku = ts
            .create_sku(
                &actor,
                &tradelane_domain::SkuRecord::new(
                    tradelane_domain::SkuCode::parse("PB-1").unwrap(),
                    "Power bank",
                ),
            )
            .await
            .unwrap();
        let src = ts
            .create_listing(
                &actor,
                &NewListing {
                    sku_id: sku.id,
                    marketplace: "amazon".into(),
                    locale: "zh-CN".into(),
                    source_id: None,
                    content: ListingContent {
                        title: "充电宝 10000mAh".into(),
                        bullets: vec!["快充".into(), "".into()],
                        ..ListingContent::default()
                    },
                },
            )
            .await
            .unwrap();
        let de = ListingContent {
            title: "Powerbank 10000mAh".into(),
            bullets: vec!["Schnellladen".into()],
            ..ListingContent::default()
        };
        let t = ts
            .save_translation(&actor, &src, "amazon-de", "de-DE", &de, "deepl")
            .await
            .unwrap();
        // Machine translations are not memory.
        assert!(
            ts.tm_segments_for_target(org.id, "de-DE")
                .await
                .unwrap()
                .is_empty()
        );
        let t = ts
            .transition_listing(&actor, t.id, None, ListingAction::Submit, None)
            .await
            .unwrap();
        ts.transition_listing(&actor, t.id, None, ListingAction::Approve, None)
            .await
            .unwrap();
        let tm = ts.tm_segments_for_target(org.id, "de-DE").await.unwrap();
        let pairs: Vec<(&str, &str)> = tm
            .iter()
            .map(|e| (e.source_text.as_str(), e.target_text.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("充电宝 10000mAh", "Powerbank 10000mAh"),
                ("快充", "Schnellladen")
            ],
            "{label}"
        );
        assert_eq!(tm[0].source_locale, "zh-CN");
        assert_eq!(tm[0].listing_id, Some(t.id.0));

        // Manual pair: replaces the target of the same source.
        let e = ts
            .put_tm_segment(&actor, "zh-CN", "de-de", "快充", "Schnell laden")
            .await
            .unwrap();
        assert_eq!(e.id, tm[1].id, "{label}: same source text, same pair");
        let page = ts
            .list_tm(
                org.id,
                &TmQueryFilter {
                    text: Some("schnell".into()),
                    ..TmQueryFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.items[0].target_text, "Schnell laden");

        // Another organisation: nothing to read, nothing to delete.
        assert!(
            ts.tm_segments_for_target(other.id, "de-DE")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            ts.list_tm(other.id, &TmQueryFilter::default())
                .await
                .unwrap()
                .total,
            0
        );
        assert!(matches!(
            ts.delete_tm_segment(&intruder, e.id).await,
            Err(StoreError::NotFound { .. })
        ));
        ts.delete_tm_segment(&actor, e.id).await.unwrap();
        assert_eq!(
            ts.tm_segments_for_target(org.id, "de-DE")
                .await
                .unwrap()
                .len(),
            1
        );

        // Usage log.
        let rec = UsageRecord {
            provider: "deepl".into(),
            listing_id: Some(t.id.0),
            source_locale: "zh-CN".into(),
            target_locale: "de-DE".into(),
            requests: 1,
            chars_billed: 14,
            cost: Some("0.00028".into()),
            currency: Some("EUR".into()),
            segments_translated: 2,
            ok: true,
            ..UsageRecord::default()
        };
        ts.record_translation_usage(&actor, &rec).await.unwrap();
        let usage = ts.list_translation_usage(org.id, 10).await.unwrap();
        assert_eq!(usage.len(), 1);
        assert_eq!(usage[0].record, rec, "{label}");
        assert!(
            ts.list_translation_usage(other.id, 10)
                .await
                .unwrap()
                .is_empty()
        );

        let audit = ts
            .list_audit(org.id, &crate::AuditQuery::default())
            .await
            .unwrap();
        let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
        for want in ["tm.learn", "tm.put", "tm.delete", "translation.usage"] {
            assert!(actions.contains(&want), "{label}: {want} in {actions:?}");
        }
    }
}
