use super::*;
use crate::AuditQuery;
use crate::testing::all_backends;
use jiff::civil::date;
use tradelane_freight::{PoolSettings, plan_pool};

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn new_pool(visibility: PoolVisibility) -> NewPool {
    NewPool {
        name: "LAX March consolidation".into(),
        lane: "cnszx-uslax".into(),
        cut_off: date(2026, 3, 10),
        mode: Mode::SeaFcl,
        currency: usd(),
        method: SplitMethod::WeightOrMeasure,
        visibility,
        profiles: vec![
            ContainerProfile::preset("20GP", Money::new(Decimal::from(1200), usd())).unwrap(),
            ContainerProfile::preset("40HQ", Money::new(Decimal::from(2200), usd())).unwrap(),
        ],
    }
}

fn carton(id: &str, qty: u32) -> CartonLine {
    CartonLine {
        line: 0,
        id: id.into(),
        dims_mm: [Decimal::from(600), Decimal::from(500), Decimal::from(400)],
        weight_kg: Decimal::from(15),
        qty,
        this_side_up: false,
        stackable: true,
        max_load_kg: None,
        stop: 1,
        battery: false,
    }
}

#[tokio::test]
async fn open_pool_join_cartons_plan_and_views() {
    for ts in all_backends().await {
        let l = ts.label();
        let a = ts.create_org("Acme").await.unwrap();
        let b = ts.create_org("Bolt").await.unwrap();
        let c = ts.create_org("Curio").await.unwrap();
        let actor_a = Actor::new(a.id, None, "a@example.com");
        let actor_b = Actor::new(b.id, None, "b@example.com");
        let pool = ts
            .create_pool(&actor_a, new_pool(PoolVisibility::Open))
            .await
            .unwrap();
        assert_eq!(pool.lane, "CNSZX-USLAX", "{l}");
        assert!(pool.is_organiser && pool.joined);
        assert_eq!(pool.participant_count, 1);
        // Open for opt-in: every organisation can find it.
        let seen = ts.list_pools(c.id).await.unwrap();
        assert_eq!(seen.len(), 1, "{l}");
        assert!(!seen[0].is_organiser && !seen[0].joined);
        // B joins with a deadline after the cut-off and its own solo quote.
        let joined = ts
            .join_pool(
                &actor_b,
                pool.id,
                JoinPool {
                    deadline: Some(date(2026, 3, 20)),
                    solo_quote: Some(Money::new(Decimal::from(900), usd())),
                },
            )
            .await
            .unwrap();
        assert!(joined.joined && !joined.is_organiser);
        assert_eq!(joined.participant_count, 2);

        let out = ts
            .put_pool_cartons(
                &actor_a,
                pool.id,
                vec![carton("A1", 60), carton("A2", 10)],
                CartonWrite::Replace,
            )
            .await
            .unwrap();
        assert_eq!((out.added, out.lines), (2, 2), "{l}");
        // The same lines again: nothing written.
        let again = ts
            .put_pool_cartons(
                &actor_a,
                pool.id,
                vec![carton("A1", 60), carton("A2", 10)],
                CartonWrite::Replace,
            )
            .await
            .unwrap();
        assert_eq!(again.unchanged, 2);
        ts.put_pool_cartons(
            &actor_b,
            pool.id,
            vec![carton("B1", 40)],
            CartonWrite::Merge,
        )
        .await
        .unwrap();
        // Merge replaces a line with the same id, keeps the others.
        let merged = ts
            .put_pool_cartons(
                &actor_a,
                pool.id,
                vec![carton("A2", 12), carton("A3", 1)],
                CartonWrite::Merge,
            )
            .await
            .unwrap();
        assert_eq!((merged.added, merged.updated, merged.lines), (1, 1, 3));
        ts.delete_pool_carton(&actor_a, pool.id, "A3")
            .await
            .unwrap();
        let own: Vec<String> = ts
            .pool_cartons(a.id, pool.id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(own, vec!["A1", "A2"], "{l}");

        // Each organisation reads only its own cartons.
        let b_lines = ts.pool_cartons(b.id, pool.id).await.unwrap();
        assert_eq!(b_lines.len(), 1);
        assert_eq!(b_lines[0].id, "B1");
        // Members: the organiser sees both (aggregates), B only itself, with its quote.
        let members_a = ts.pool_members(a.id, pool.id).await.unwrap();
        assert_eq!(members_a.len(), 2);
        assert_eq!(members_a[1].cartons, 40);
        assert!(members_a[1].solo_quote.is_none());
        let members_b = ts.pool_members(b.id, pool.id).await.unwrap();
        assert_eq!(members_b.len(), 1);
        assert_eq!(members_b[0].org_id, b.id);
        assert_eq!(
            members_b[0].solo_quote.unwrap().amount(),
            Decimal::from(900)
        );

        // Only the organiser plans.
        assert!(matches!(
            ts.pool_plan_input(&actor_b, pool.id).await,
            Err(StoreError::NotFound { .. })
        ));
        let (input, version) = ts.pool_plan_input(&actor_a, pool.id).await.unwrap();
        assert_eq!(input.participants.len(), 2);
        let plan = plan_pool(&input, &PoolSettings::default(), &|| false).unwrap();
        assert!(plan.unplaced.is_empty(), "{:?}", plan.unplaced);
        // A change after the input was read makes the plan stale.
        let stale = ts
            .save_pool_plan(&actor_a, pool.id, version - 1, &plan)
            .await;
        assert!(matches!(stale, Err(StoreError::VersionMismatch)));
        let planned = ts
            .save_pool_plan(&actor_a, pool.id, version, &plan)
            .await
            .unwrap();
        assert_eq!(planned.status, PoolStatus::Planned);
        assert!(planned.planned_at.is_some());

        // B's view: its own lines and share only.
        let view_b = ts.pool_plan(b.id, pool.id).await.unwrap().unwrap();
        assert_eq!(view_b.participants.len(), 1);
        assert_eq!(view_b.participants[0].participant_id, b.id.0.to_string());
        let json = serde_json::to_string(&view_b).unwrap();
        assert!(
            !json.contains("\"A1\"") && !json.contains("Acme\""),
            "{json}"
        );
        // The organiser's view: every participant's aggregate, not B's carton lines.
        let view_a = ts.pool_plan(a.id, pool.id).await.unwrap().unwrap();
        assert_eq!(view_a.participants.len(), 2);
        assert!(!serde_json::to_string(&view_a).unwrap().contains("\"B1\""));
        // C never joined: the pool is no longer open, so C cannot see it at all.
        assert!(matches!(
            ts.get_pool(c.id, pool.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.pool_plan(c.id, pool.id).await,
            Err(StoreError::NotFound { .. })
        ));
        // Planned: cartons are frozen.
        assert!(matches!(
            ts.put_pool_cartons(&actor_b, pool.id, vec![carton("B2", 1)], CartonWrite::Merge)
                .await,
            Err(StoreError::Conflict { .. })
        ));

        // Audit: A's log has the creation, carton writes and plan; B's its join; A's also the
        // participant joining.
        let audit_a = ts.list_audit(a.id, &AuditQuery::default()).await.unwrap();
        let actions: Vec<&str> = audit_a.items.iter().map(|e| e.action.as_str()).collect();
        for want in [
            "pool.create",
            "pool.cartons",
            "pool.carton_delete",
            "pool.plan",
            "pool.participant_joined",
        ] {
            assert!(
                actions.contains(&want),
                "{l}: {want} missing in {actions:?}"
            );
        }
        let audit_b = ts.list_audit(b.id, &AuditQuery::default()).await.unwrap();
        assert!(audit_b.items.iter().any(|e| e.action == "pool.join"));
        assert!(audit_b.items.iter().all(|e| e.action != "pool.create"));
    }
}

#[tokio::test]
async fn isolation_private_pools_and_other_organisations_cartons() {
    for ts in all_backends().await {
        let l = ts.label();
        let a = ts.create_org("Acme").await.unwrap();
        let b = ts.create_org("Bolt").await.unwrap();
        let actor_a = Actor::new(a.id, None, "a@example.com");
        let actor_b = Actor::new(b.id, None, "b@example.com");
        let private = ts
            .create_pool(&actor_a, new_pool(PoolVisibility::Private))
            .await
            .unwrap();
        ts.put_pool_cartons(
            &actor_a,
            private.id,
            vec![carton("A1", 5)],
            CartonWrite::Replace,
        )
        .await
        .unwrap();
        // B cannot see, join, read or change anything of a private pool.
        assert!(ts.list_pools(b.id).await.unwrap().is_empty(), "{l}");
        assert!(matches!(
            ts.get_pool(b.id, private.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.join_pool(&actor_b, private.id, JoinPool::default())
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.pool_cartons(b.id, private.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.put_pool_cartons(
                &actor_b,
                private.id,
                vec![carton("X", 1)],
                CartonWrite::Merge
            )
            .await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.delete_pool_carton(&actor_b, private.id, "A1").await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.close_pool(&actor_b, private.id).await,
            Err(StoreError::NotFound { .. })
        ));

        // In an open pool B joins, yet A's cartons stay A's: B neither reads nor changes them.
        let open = ts
            .create_pool(&actor_a, new_pool(PoolVisibility::Open))
            .await
            .unwrap();
        ts.put_pool_cartons(
            &actor_a,
            open.id,
            vec![carton("A1", 5)],
            CartonWrite::Replace,
        )
        .await
        .unwrap();
        // Not joined yet: no cartons.
        assert!(matches!(
            ts.put_pool_cartons(&actor_b, open.id, vec![carton("B1", 1)], CartonWrite::Merge)
                .await,
            Err(StoreError::Conflict { .. })
        ));
        ts.join_pool(&actor_b, open.id, JoinPool::default())
            .await
            .unwrap();
        assert!(ts.pool_cartons(b.id, open.id).await.unwrap().is_empty());
        assert!(matches!(
            ts.delete_pool_carton(&actor_b, open.id, "A1").await,
            Err(StoreError::NotFound { .. })
        ));
        // B replacing "its" list with a line called A1 touches only its own rows.
        ts.put_pool_cartons(
            &actor_b,
            open.id,
            vec![carton("A1", 99)],
            CartonWrite::Replace,
        )
        .await
        .unwrap();
        let a_lines = ts.pool_cartons(a.id, open.id).await.unwrap();
        assert_eq!(a_lines.len(), 1);
        assert_eq!(a_lines[0].qty, 5, "{l}");
        // Nor can B close the pool, set its rates or read the plan input.
        assert!(matches!(
            ts.close_pool(&actor_b, open.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.set_pool_cards(&actor_b, open.id, Vec::new()).await,
            Err(StoreError::NotFound { .. })
        ));
        // Closing stops joins.
        let closed = ts.close_pool(&actor_a, open.id).await.unwrap();
        assert_eq!(closed.status, PoolStatus::Closed);
        let c = ts.create_org("Curio").await.unwrap();
        let actor_c = Actor::new(c.id, None, "c@example.com");
        assert!(matches!(
            ts.join_pool(&actor_c, open.id, JoinPool::default()).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.close_pool(&actor_a, open.id).await,
            Err(StoreError::Conflict { .. })
        ));
    }
}

#[tokio::test]
async fn bad_input_is_rejected_with_the_field() {
    for ts in all_backends().await {
        let a = ts.create_org("Acme").await.unwrap();
        let actor = Actor::new(a.id, None, "a@example.com");
        let mut p = new_pool(PoolVisibility::Open);
        p.lane = "CNSZX".into();
        let e = ts.create_pool(&actor, p).await.unwrap_err().to_string();
        assert!(e.contains("lane"), "{e}");
        let mut p = new_pool(PoolVisibility::Open);
        p.profiles.push(p.profiles[0].clone());
        let e = ts.create_pool(&actor, p).await.unwrap_err().to_string();
        assert!(e.contains("twice"), "{e}");
        let pool = ts
            .create_pool(&actor, new_pool(PoolVisibility::Open))
            .await
            .unwrap();
        let mut bad = carton("Z", 1);
        bad.dims_mm[1] = Decimal::ZERO;
        let e = ts
            .put_pool_cartons(&actor, pool.id, vec![bad], CartonWrite::Replace)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("width_mm"), "{e}");
        let e = ts
            .put_pool_cartons(
                &actor,
                pool.id,
                vec![carton("D", 1), carton("D", 2)],
                CartonWrite::Replace,
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice"), "{e}");
        assert!(ts.pool_cartons(a.id, pool.id).await.unwrap().is_empty());
    }
}
