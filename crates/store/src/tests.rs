//! Store tests, each run on SQLite and, when reachable, PostgreSQL.

use std::collections::BTreeSet;

use jiff::SignedDuration;
use tradelane_domain::{
    Battery, BatteryChemistry, BatteryPacking, Country, Currency, Decimal, HsCode, Money, SkuCode,
    SkuRecord, UiLang, Weight,
};

use crate::import::FailAfter;
use crate::testing::{TestStore, all_backends};
use crate::*;

fn code(s: &str) -> SkuCode {
    SkuCode::parse(s).unwrap()
}

fn rec(c: &str, title: &str) -> SkuRecord {
    SkuRecord::new(code(c), title)
}

/// A fully filled record, varied by `i`.
fn full(i: usize) -> SkuRecord {
    let mut r = rec(&format!("SKU-{i:06}"), &format!("Power bank {i} 10000mAh"));
    r.brand = Some(
        if i.is_multiple_of(2) {
            "Anker"
        } else {
            "Baseus"
        }
        .into(),
    );
    r.customs_description_en = Some("Lithium-ion power bank".into());
    r.customs_description_zh = Some("移动电源".into());
    r.origin = Some(Country::parse(if i.is_multiple_of(3) { "CN" } else { "VN" }).unwrap());
    r.hs_code = Some(
        HsCode::parse(if i.is_multiple_of(2) {
            "850760"
        } else {
            "851830"
        })
        .unwrap(),
    );
    r.unit_value = Some(Money::from_minor_units(
        1299 + i as i64,
        Currency::parse("USD").unwrap(),
    ));
    r.net_weight = Some(Weight::parse("0.2 kg").unwrap());
    r.gross_weight = Some(Weight::parse("0.25 kg").unwrap());
    r.materials = vec!["ABS plastic".into()];
    r.tags = vec!["Electronics".into(), format!("group-{}", i % 5)];
    if i.is_multiple_of(2) {
        r.battery = Battery::Lithium {
            chemistry: BatteryChemistry::LiIon,
            packing: BatteryPacking::Alone,
            watt_hours: Some(Decimal::new(37, 0)),
            lithium_grams: None,
        };
    }
    r.marketplace_ids
        .insert("amazon_asin".into(), format!("B0{i:08}"));
    r
}

struct Tenant {
    org: Org,
    owner: User,
    actor: Actor,
}

async fn tenant(s: &Store, name: &str) -> Tenant {
    let org = s.create_org(name).await.unwrap();
    let owner = s
        .create_user(
            &Actor::cli(org.id),
            NewUser {
                org_id: org.id,
                email: format!("owner@{}.example", name.to_lowercase()),
                display_name: format!("{name} Owner"),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                role: Role::Owner,
                locale: UiLang::En,
            },
        )
        .await
        .unwrap();
    let actor = Actor::user(&owner);
    Tenant { org, owner, actor }
}

async fn add_user(s: &Store, t: &Tenant, email: &str, role: Role) -> User {
    s.create_user(
        &t.actor,
        NewUser {
            org_id: t.org.id,
            email: email.into(),
            display_name: email.into(),
            password_hash: "hash".into(),
            role,
            locale: UiLang::ZhCn,
        },
    )
    .await
    .unwrap()
}

async fn audit_count(s: &Store, org: OrgId) -> u64 {
    s.list_audit(org, &AuditQuery::default())
        .await
        .unwrap()
        .total
}

async fn stores() -> Vec<TestStore> {
    all_backends().await
}

#[tokio::test]
async fn both_migration_sets_define_the_same_tables_and_columns() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    let lite = testing::sqlite().await;
    let lite_cols: BTreeSet<(String, String, bool)> = {
        let tables = sqlx::query(
            // skus_fts* is SQLite's search index (PostgreSQL's is a pg_trgm index on skus).
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE 'skus_fts%'",
        )
        .fetch_all(&lite.pool)
        .await
        .unwrap();
        let mut out = BTreeSet::new();
        for t in tables {
            let table: String = sqlx::Row::get(&t, "name");
            let cols = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT name, \"notnull\" AS nn, pk FROM pragma_table_info('{table}')"
            )))
            .fetch_all(&lite.pool)
            .await
            .unwrap();
            for c in cols {
                let name: String = sqlx::Row::get(&c, "name");
                let nn: i64 = sqlx::Row::get(&c, "nn");
                let pk: i64 = sqlx::Row::get(&c, "pk");
                out.insert((table.clone(), name, nn != 0 || pk != 0));
            }
        }
        out
    };
    let pg_cols: BTreeSet<(String, String, bool)> = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, is_nullable::text AS n \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&pg.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let n: String = sqlx::Row::get(r, "n");
        (sqlx::Row::get(r, "t"), sqlx::Row::get(r, "c"), n == "NO")
    })
    .collect();
    // _sqlx_migrations is sqlx's own bookkeeping and differs by backend.
    let ours = |set: &BTreeSet<(String, String, bool)>| -> BTreeSet<(String, String, bool)> {
        set.iter()
            .filter(|(t, _, _)| t != "_sqlx_migrations")
            .cloned()
            .collect()
    };
    assert_eq!(ours(&lite_cols), ours(&pg_cols));
    assert!(
        lite_cols
            .iter()
            .any(|(t, c, _)| t == "audit_log" && c == "before_json")
    );

    // Column types: only the portable ones, never int4/boolean/timestamptz on PostgreSQL.
    let bad: Vec<String> = sqlx::query(
        "SELECT table_name::text || '.' || column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' \
         AND data_type NOT IN ('bigint', 'text')",
    )
    .fetch_all(&pg.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| sqlx::Row::get(r, "c"))
    .collect();
    assert!(bad.is_empty(), "non-portable column types: {bad:?}");
}

#[tokio::test]
async fn migration_files_are_kept_in_step() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |sub: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(!names("sqlite").is_empty());
}

#[tokio::test]
async fn orgs_are_created_listed_and_found() {
    for s in stores().await {
        let a = s.create_org("  Acme Trading  ").await.unwrap();
        assert_eq!(a.name, "Acme Trading");
        let b = s.create_org("深圳小卖家").await.unwrap();
        assert_eq!(s.get_org(b.id).await.unwrap(), b, "{}", s.label());
        let all = s.list_orgs().await.unwrap();
        assert_eq!(all, vec![a.clone(), b.clone()]);
        assert!(matches!(
            s.get_org(OrgId(9999)).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.create_org("   ").await,
            Err(StoreError::Invalid(_))
        ));
        let renamed = s
            .rename_org(&Actor::cli(a.id), "Acme Global")
            .await
            .unwrap();
        assert_eq!(s.get_org(a.id).await.unwrap(), renamed);
        let log = s.list_audit(a.id, &AuditQuery::default()).await.unwrap();
        assert_eq!(log.items[0].action, "org.rename");
        assert_eq!(log.items[1].action, "org.create");
    }
}

#[tokio::test]
async fn users_roles_locales_and_the_last_owner() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let op = add_user(&s, &t, "  Op@Acme.Example ", Role::Operator).await;
        assert_eq!(op.email, "op@acme.example");
        assert_eq!(op.locale, UiLang::ZhCn);
        assert_eq!(s.get_user(t.org.id, op.id).await.unwrap(), op);

        // E-mail is unique across all organisations, whatever the case.
        let other = tenant(&s, "Other").await;
        let dup = s
            .create_user(
                &other.actor,
                NewUser {
                    org_id: other.org.id,
                    email: "OP@acme.example".into(),
                    display_name: "x".into(),
                    password_hash: "h".into(),
                    role: Role::Viewer,
                    locale: UiLang::En,
                },
            )
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");

        let (found, hash) = s
            .find_user_for_login("OP@ACME.EXAMPLE")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id, hash.as_str()), (op.id, "hash"));
        assert!(
            s.find_user_for_login("nobody@x.example")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            s.find_user_for_login("not an email")
                .await
                .unwrap()
                .is_none()
        );

        let viewer = s
            .update_user_role(&t.actor, op.id, Role::Viewer)
            .await
            .unwrap();
        assert_eq!(viewer.role, Role::Viewer);
        s.set_user_locale(&t.actor, op.id, UiLang::En)
            .await
            .unwrap();
        assert_eq!(
            s.get_user(t.org.id, op.id).await.unwrap().locale,
            UiLang::En
        );

        // The only owner can be neither demoted nor disabled.
        let r = s
            .update_user_role(&t.actor, t.owner.id, Role::Operator)
            .await;
        assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
        let r = s.set_user_disabled(&t.actor, t.owner.id, true).await;
        assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
        // With a second owner, the first can step down.
        s.update_user_role(&t.actor, op.id, Role::Owner)
            .await
            .unwrap();
        s.update_user_role(&t.actor, t.owner.id, Role::Operator)
            .await
            .unwrap();

        let disabled = s
            .set_user_disabled(&t.actor, t.owner.id, true)
            .await
            .unwrap();
        assert!(disabled.disabled);
        assert!(
            s.find_user_for_login(&t.owner.email)
                .await
                .unwrap()
                .is_none()
        );
        s.set_user_disabled(&t.actor, t.owner.id, false)
            .await
            .unwrap();
        assert!(
            s.find_user_for_login(&t.owner.email)
                .await
                .unwrap()
                .is_some()
        );

        s.set_user_password(&t.actor, op.id, "new-hash")
            .await
            .unwrap();
        let (_, hash) = s.find_user_for_login(&op.email).await.unwrap().unwrap();
        assert_eq!(hash, "new-hash");

        let users = s.list_users(t.org.id).await.unwrap();
        assert_eq!(users.len(), 2);
        let actions: Vec<String> = s
            .list_audit(
                t.org.id,
                &AuditQuery {
                    entity_type: Some("user".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.action)
            .collect();
        for a in [
            "user.create",
            "user.role",
            "user.locale",
            "user.disable",
            "user.enable",
            "user.password",
        ] {
            assert!(
                actions.iter().any(|x| x == a),
                "{a} missing from {actions:?}"
            );
        }
        // Password hashes never reach the audit log.
        let log = s
            .list_audit(
                t.org.id,
                &AuditQuery {
                    per_page: 200,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for e in &log.items {
            let text = format!("{:?}{:?}", e.before, e.after);
            assert!(
                !text.contains("new-hash") && !text.contains("argon2"),
                "{text}"
            );
        }

        // Bad input.
        let bad = s
            .create_user(
                &t.actor,
                NewUser {
                    org_id: t.org.id,
                    email: "no-at-sign".into(),
                    display_name: "x".into(),
                    password_hash: "h".into(),
                    role: Role::Viewer,
                    locale: UiLang::En,
                },
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn sessions_expire_end_on_logout_and_on_disable() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let op = add_user(&s, &t, "op@acme.example", Role::Operator).await;
        let now = now();
        let later = now.checked_add(SignedDuration::from_hours(12)).unwrap();
        let h = hash_token("session-secret");
        s.create_session(op.id, &h, "csrf-1", later).await.unwrap();
        let (u, info) = s.session_user(&h, now).await.unwrap().unwrap();
        assert_eq!(u.id, op.id);
        assert_eq!(
            info,
            SessionInfo {
                csrf_token: "csrf-1".into(),
                expires_at: later
            }
        );
        // Expired at or after expires_at.
        assert!(s.session_user(&h, later).await.unwrap().is_none());
        assert!(
            s.session_user(&hash_token("other"), now)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(s.count_sessions(op.id, now).await.unwrap(), 1);

        s.delete_session(&h).await.unwrap();
        assert!(s.session_user(&h, now).await.unwrap().is_none());
        s.delete_session(&h).await.unwrap();

        let h2 = hash_token("second");
        s.create_session(op.id, &h2, "csrf-2", later).await.unwrap();
        s.set_user_disabled(&t.actor, op.id, true).await.unwrap();
        assert!(s.session_user(&h2, now).await.unwrap().is_none());
        let r = s
            .create_session(op.id, &hash_token("third"), "c", later)
            .await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");

        assert_eq!(s.purge_expired_sessions(later).await.unwrap(), 0);
        s.set_user_disabled(&t.actor, op.id, false).await.unwrap();
        s.create_session(op.id, &hash_token("fourth"), "c", later)
            .await
            .unwrap();
        assert_eq!(s.purge_expired_sessions(later).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn api_tokens_act_as_their_creator_and_can_be_revoked() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let op = add_user(&s, &t, "op@acme.example", Role::Operator).await;
        let op_actor = Actor::user(&op);
        let h = hash_token("tl_secret_1");
        let tok = s
            .create_api_token(&op_actor, "ci", &h, "tl_secr", Role::Operator)
            .await
            .unwrap();
        assert_eq!(
            (tok.role, tok.user_id, tok.org_id),
            (Role::Operator, op.id, t.org.id)
        );
        // A token cannot outrank its creator.
        let r = s
            .create_api_token(&op_actor, "admin", &hash_token("x"), "x", Role::Owner)
            .await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
        // Tokens need a user behind them.
        let r = s
            .create_api_token(
                &Actor::cli(t.org.id),
                "cli",
                &hash_token("y"),
                "y",
                Role::Viewer,
            )
            .await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");

        let (found, user) = s.token_principal(&h).await.unwrap().unwrap();
        assert_eq!((found.id, user.id), (tok.id, op.id));
        assert!(found.last_used_at.is_some());
        let listed = s.list_api_tokens(t.org.id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].last_used_at.is_some());

        // Demoting the creator caps the token.
        s.update_user_role(&t.actor, op.id, Role::Viewer)
            .await
            .unwrap();
        let (capped, _) = s.token_principal(&h).await.unwrap().unwrap();
        assert_eq!(capped.role, Role::Viewer);

        s.revoke_api_token(&t.actor, tok.id).await.unwrap();
        assert!(s.token_principal(&h).await.unwrap().is_none());
        s.revoke_api_token(&t.actor, tok.id).await.unwrap();
        assert!(
            s.get_api_token(t.org.id, tok.id)
                .await
                .unwrap()
                .is_revoked()
        );
        let revokes = s
            .list_audit(
                t.org.id,
                &AuditQuery {
                    entity_type: Some("api_token".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            revokes
                .items
                .iter()
                .map(|e| e.action.as_str())
                .collect::<Vec<_>>(),
            vec!["token.revoke", "token.create"]
        );
        // The hash is never part of what is listed or audited.
        let text = format!(
            "{:?}{:?}",
            s.list_api_tokens(t.org.id).await.unwrap(),
            revokes.items
        );
        assert!(!text.contains(&h));
    }
}

#[tokio::test]
async fn one_organisation_never_reaches_anothers_data() {
    for s in stores().await {
        let a = tenant(&s, "Alpha").await;
        let b = tenant(&s, "Beta").await;
        let sku = s.create_sku(&a.actor, &full(1)).await.unwrap();
        let a_user = add_user(&s, &a, "op@alpha.example", Role::Operator).await;
        let tok = s
            .create_api_token(
                &a.actor,
                "ci",
                &hash_token("alpha-token"),
                "alpha",
                Role::Owner,
            )
            .await
            .unwrap();
        let label = s.label();

        // SKUs: B cannot read, find, list, export, update or delete A's.
        assert!(matches!(
            s.get_sku(b.org.id, sku.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            s.get_sku_by_code(b.org.id, &sku.record.code)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            s.list_skus(b.org.id, &SkuQuery::default())
                .await
                .unwrap()
                .total,
            0
        );
        let q = SkuQuery {
            text: Some("power".into()),
            ..Default::default()
        };
        assert_eq!(s.list_skus(b.org.id, &q).await.unwrap().total, 0);
        assert!(s.all_skus(b.org.id).await.unwrap().is_empty());
        assert_eq!(s.count_skus(b.org.id).await.unwrap(), 0);
        assert!(s.list_tags(b.org.id).await.unwrap().is_empty());
        assert!(s.list_brands(b.org.id).await.unwrap().is_empty());
        let mut changed = full(1);
        changed.title = "hijacked".into();
        assert!(matches!(
            s.update_sku(&b.actor, sku.id, &changed, None).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.delete_sku(&b.actor, sku.id).await,
            Err(StoreError::NotFound { .. })
        ));
        // B importing the same code creates B's own SKU and leaves A's alone.
        let out = s
            .import_skus(&b.actor, &[changed.clone()], "b.csv")
            .await
            .unwrap();
        assert_eq!(out.created, 1);
        assert_eq!(s.get_sku(a.org.id, sku.id).await.unwrap(), sku, "{label}");
        // The same code may exist in both organisations.
        assert!(
            s.get_sku_by_code(b.org.id, &sku.record.code)
                .await
                .unwrap()
                .is_some()
        );

        // Users.
        assert!(matches!(
            s.get_user(b.org.id, a_user.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            s.list_users(b.org.id)
                .await
                .unwrap()
                .iter()
                .all(|u| u.org_id == b.org.id)
        );
        assert!(matches!(
            s.update_user_role(&b.actor, a_user.id, Role::Viewer).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.set_user_disabled(&b.actor, a_user.id, true).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.set_user_locale(&b.actor, a_user.id, UiLang::En).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.set_user_password(&b.actor, a_user.id, "x").await,
            Err(StoreError::NotFound { .. })
        ));
        let cross = s
            .create_user(
                &b.actor,
                NewUser {
                    org_id: a.org.id,
                    email: "intruder@beta.example".into(),
                    display_name: "i".into(),
                    password_hash: "h".into(),
                    role: Role::Owner,
                    locale: UiLang::En,
                },
            )
            .await;
        assert!(matches!(cross, Err(StoreError::Invalid(_))));
        assert_eq!(s.get_user(a.org.id, a_user.id).await.unwrap(), a_user);

        // Tokens.
        assert!(s.list_api_tokens(b.org.id).await.unwrap().is_empty());
        assert!(matches!(
            s.get_api_token(b.org.id, tok.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.revoke_api_token(&b.actor, tok.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            s.token_principal(&hash_token("alpha-token"))
                .await
                .unwrap()
                .is_some()
        );
        // B cannot mint a token acting as A's user.
        let forged = Actor::new(b.org.id, Some(a.owner.id), "forged");
        assert!(matches!(
            s.create_api_token(&forged, "x", &hash_token("f"), "f", Role::Viewer)
                .await,
            Err(StoreError::NotFound { .. })
        ));

        // Audit.
        let b_log = s
            .list_audit(
                b.org.id,
                &AuditQuery {
                    per_page: 200,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(b_log.items.iter().all(|e| e.org_id == b.org.id));
        let q = AuditQuery {
            entity_type: Some("sku".into()),
            entity_id: Some(sku.id.to_string()),
            ..Default::default()
        };
        assert_eq!(s.list_audit(b.org.id, &q).await.unwrap().total, 0);
        assert_eq!(s.list_audit(a.org.id, &q).await.unwrap().total, 1);
    }
}

#[tokio::test]
async fn sku_lifecycle_with_versions_and_audit() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let r = full(7);
        let created = s.create_sku(&t.actor, &r).await.unwrap();
        assert_eq!((created.version, &created.record), (1, &r));
        assert_eq!(s.get_sku(t.org.id, created.id).await.unwrap(), created);
        assert_eq!(
            s.get_sku_by_code(t.org.id, &r.code).await.unwrap().unwrap(),
            created
        );
        assert!(matches!(
            s.create_sku(&t.actor, &r).await,
            Err(StoreError::Conflict { .. })
        ));

        // Saving the same record is a no-op: no new version, no audit row.
        let before = audit_count(&s, t.org.id).await;
        let same = s
            .update_sku(&t.actor, created.id, &r, Some(1))
            .await
            .unwrap();
        assert_eq!(same.version, 1);
        assert_eq!(audit_count(&s, t.org.id).await, before);

        let mut r2 = r.clone();
        r2.title = "Power bank 20000mAh".into();
        r2.tags = vec!["outdoor".into()];
        let v2 = s
            .update_sku(&t.actor, created.id, &r2, Some(1))
            .await
            .unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(s.get_sku(t.org.id, created.id).await.unwrap(), v2);
        // A stale version is refused and changes nothing.
        let mut r3 = r.clone();
        r3.title = "stale edit".into();
        assert!(matches!(
            s.update_sku(&t.actor, created.id, &r3, Some(1)).await,
            Err(StoreError::VersionMismatch)
        ));
        assert_eq!(s.get_sku(t.org.id, created.id).await.unwrap(), v2);
        // Tags follow the record.
        let q = SkuQuery {
            tag: Some("OUTDOOR".into()),
            ..Default::default()
        };
        assert_eq!(s.list_skus(t.org.id, &q).await.unwrap().total, 1);
        let q = SkuQuery {
            tag: Some("electronics".into()),
            ..Default::default()
        };
        assert_eq!(s.list_skus(t.org.id, &q).await.unwrap().total, 0);

        // Renaming onto an existing code is a conflict.
        let other = s.create_sku(&t.actor, &full(8)).await.unwrap();
        let mut clash = other.record.clone();
        clash.code = r.code.clone();
        assert!(matches!(
            s.update_sku(&t.actor, other.id, &clash, None).await,
            Err(StoreError::Conflict { .. })
        ));

        s.delete_sku(&t.actor, created.id).await.unwrap();
        assert!(matches!(
            s.get_sku(t.org.id, created.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.delete_sku(&t.actor, created.id).await,
            Err(StoreError::NotFound { .. })
        ));

        let q = AuditQuery {
            entity_type: Some("sku".into()),
            entity_id: Some(created.id.to_string()),
            ..Default::default()
        };
        let log = s.list_audit(t.org.id, &q).await.unwrap();
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            vec!["sku.delete", "sku.update", "sku.create"],
            "{}",
            s.label()
        );
        let upd = &log.items[1];
        assert_eq!(
            upd.before.as_ref().unwrap()["title"],
            "Power bank 7 10000mAh"
        );
        assert_eq!(upd.after.as_ref().unwrap()["title"], "Power bank 20000mAh");
        assert_eq!(upd.actor_user_id, Some(t.owner.id));
        assert_eq!(upd.actor_label, t.owner.email);
        assert!(log.items[0].after.is_none());
        assert_eq!(
            log.items[0].before.as_ref().unwrap()["title"],
            "Power bank 20000mAh"
        );
        let by_actor = AuditQuery {
            actor_user_id: Some(t.owner.id),
            ..Default::default()
        };
        assert!(s.list_audit(t.org.id, &by_actor).await.unwrap().total >= 4);
    }
}

#[tokio::test]
async fn list_filters_sorts_and_pages() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let records: Vec<SkuRecord> = (0..30).map(full).collect();
        s.import_skus(&t.actor, &records, "seed").await.unwrap();
        let mut odd = rec("X/50_off", "Sale item 50% off_now");
        odd.brand = Some("ANKER".into());
        s.create_sku(&t.actor, &odd).await.unwrap();
        let org = t.org.id;
        let count = |q: SkuQuery| {
            let s = &s;
            async move { s.list_skus(org, &q).await.unwrap().total }
        };
        let text = |t: &str| SkuQuery {
            text: Some(t.into()),
            ..Default::default()
        };
        assert_eq!(count(SkuQuery::default()).await, 31);
        assert_eq!(count(text("POWER BANK")).await, 30);
        assert_eq!(count(text("移动电源")).await, 30);
        assert_eq!(count(text("sku-000012")).await, 1);
        assert_eq!(count(text("8507")).await, 15);
        // LIKE wildcards in the search text match literally.
        assert_eq!(count(text("50%")).await, 1);
        assert_eq!(count(text("%")).await, 1);
        assert_eq!(count(text("_")).await, 1);
        assert_eq!(count(text("0_o")).await, 1);
        assert_eq!(count(text("0%o")).await, 0);
        assert_eq!(count(text("k_1")).await, 0);
        assert_eq!(count(text("   ")).await, 31);
        // Shorter than a trigram: answered without the index, same result.
        assert_eq!(count(text("MA")).await, 30);
        assert_eq!(count(text("电")).await, 30);
        assert_eq!(count(text("x")).await, 1);
        // Brand is exact and case-insensitive.
        assert_eq!(
            count(SkuQuery {
                brand: Some("anker".into()),
                ..Default::default()
            })
            .await,
            16
        );
        assert_eq!(
            count(SkuQuery {
                brand: Some("Ank".into()),
                ..Default::default()
            })
            .await,
            0
        );
        let cn = Country::parse("CN").unwrap();
        assert_eq!(
            count(SkuQuery {
                origin: Some(cn),
                ..Default::default()
            })
            .await,
            10
        );
        assert_eq!(
            count(SkuQuery {
                hs_prefix: Some("85.07".into()),
                ..Default::default()
            })
            .await,
            15
        );
        assert_eq!(
            count(SkuQuery {
                hs_prefix: Some("8518".into()),
                ..Default::default()
            })
            .await,
            15
        );
        assert!(matches!(
            s.list_skus(
                org,
                &SkuQuery {
                    hs_prefix: Some("x'; --".into()),
                    ..Default::default()
                }
            )
            .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(
            count(SkuQuery {
                tag: Some("group-3".into()),
                ..Default::default()
            })
            .await,
            6
        );
        assert_eq!(
            count(SkuQuery {
                has_battery: Some(true),
                ..Default::default()
            })
            .await,
            15
        );
        assert_eq!(
            count(SkuQuery {
                has_battery: Some(false),
                ..Default::default()
            })
            .await,
            16
        );
        let combined = SkuQuery {
            brand: Some("anker".into()),
            origin: Some(cn),
            has_battery: Some(true),
            text: Some("power".into()),
            ..Default::default()
        };
        // Even i divisible by 3 below 30: 0, 6, 12, 18, 24.
        assert_eq!(count(combined).await, 5);

        // Paging: pages cover everything exactly once in order.
        let mut seen = Vec::new();
        for page in 1..=4 {
            let p = s
                .list_skus(
                    org,
                    &SkuQuery {
                        per_page: 10,
                        page,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!((p.total, p.page_count()), (31, 4));
            seen.extend(
                p.items
                    .into_iter()
                    .map(|x| x.record.code.as_str().to_string()),
            );
        }
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted);
        assert_eq!(seen.len(), 31);
        let beyond = s
            .list_skus(
                org,
                &SkuQuery {
                    page: 99,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(beyond.items.is_empty());
        assert_eq!(beyond.total, 31);
        let desc = s
            .list_skus(
                org,
                &SkuQuery {
                    sort: SkuSort::CodeDesc,
                    per_page: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(desc.items[0].record.code.as_str(), "X/50_off");
        for sort in SkuSort::ALL {
            assert_eq!(SkuSort::parse(sort.as_str()).unwrap(), sort);
            let p = s
                .list_skus(
                    org,
                    &SkuQuery {
                        sort,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(p.items.len(), 31);
        }
        for bad in [(0, 10), (1, 0), (1, 201)] {
            let q = SkuQuery {
                page: bad.0,
                per_page: bad.1,
                ..Default::default()
            };
            assert!(matches!(
                s.list_skus(org, &q).await,
                Err(StoreError::Invalid(_))
            ));
        }
        assert_eq!(s.list_brands(org).await.unwrap().len(), 2);
        assert!(
            s.list_tags(org)
                .await
                .unwrap()
                .contains(&"electronics".to_string())
        );
    }
}

#[tokio::test]
async fn import_creates_updates_and_reimport_changes_nothing() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let records: Vec<SkuRecord> = (0..1200).map(full).collect();
        let first = s
            .import_skus(&t.actor, &records, "catalogue.csv")
            .await
            .unwrap();
        assert_eq!(
            (first.created, first.updated, first.unchanged),
            (1200, 0, 0)
        );
        let batch = first.batch_id.unwrap();
        let q = AuditQuery {
            batch_id: Some(batch),
            ..Default::default()
        };
        // One row per SKU plus the batch summary.
        assert_eq!(s.list_audit(t.org.id, &q).await.unwrap().total, 1201);
        let stored = s
            .get_sku_by_code(t.org.id, &records[1100].code)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.record, records[1100]);
        assert_eq!(stored.version, 1);
        let tagged = SkuQuery {
            tag: Some("group-2".into()),
            ..Default::default()
        };
        assert_eq!(s.list_skus(t.org.id, &tagged).await.unwrap().total, 240);

        // The same file again: nothing written, nothing audited.
        let audit_before = audit_count(&s, t.org.id).await;
        let again = s
            .import_skus(&t.actor, &records, "catalogue.csv")
            .await
            .unwrap();
        assert_eq!(
            again,
            ImportOutcome {
                created: 0,
                updated: 0,
                unchanged: 1200,
                batch_id: None
            }
        );
        assert_eq!(audit_count(&s, t.org.id).await, audit_before);
        assert_eq!(
            s.get_sku_by_code(t.org.id, &records[5].code)
                .await
                .unwrap()
                .unwrap()
                .version,
            1
        );

        // Two changed rows and one new one.
        let mut next = records.clone();
        next[3].title = "Changed title".into();
        next[3].tags = vec!["moved".into()];
        next[999].unit_value = Some(Money::from_minor_units(1, Currency::parse("EUR").unwrap()));
        next.push(full(5000));
        let third = s
            .import_skus(&t.actor, &next, "catalogue-v2.csv")
            .await
            .unwrap();
        assert_eq!(
            (third.created, third.updated, third.unchanged),
            (1, 2, 1198)
        );
        let changed = s
            .get_sku_by_code(t.org.id, &next[3].code)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (changed.version, changed.record.title.as_str()),
            (2, "Changed title")
        );
        let moved = SkuQuery {
            tag: Some("moved".into()),
            ..Default::default()
        };
        assert_eq!(s.list_skus(t.org.id, &moved).await.unwrap().total, 1);
        let log = s
            .list_audit(
                t.org.id,
                &AuditQuery {
                    batch_id: third.batch_id,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(log.total, 4);
        let update = log
            .items
            .iter()
            .find(|e| e.entity_id == changed.id.to_string())
            .unwrap();
        assert_eq!(update.action, "sku.import.update");
        assert_eq!(
            update.before.as_ref().unwrap()["title"],
            records[3].title.as_str()
        );
        assert_eq!(update.after.as_ref().unwrap()["title"], "Changed title");
        assert_eq!(s.count_skus(t.org.id).await.unwrap(), 1201);
        assert_eq!(s.all_skus(t.org.id).await.unwrap().len(), 1201);
    }
}

/// Counts rows in every table, so a failed write can be shown to have left no trace.
async fn table_counts(s: &Store) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for t in [
        "orgs",
        "users",
        "skus",
        "sku_tags",
        "import_batches",
        "audit_log",
        "api_tokens",
        "sessions",
    ] {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {t}"
        )))
        .fetch_one(&s.pool)
        .await
        .unwrap();
        out.push((t.to_string(), sqlx::Row::get(&row, "n")));
    }
    out
}

#[tokio::test]
async fn a_failing_import_leaves_everything_unchanged() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let base: Vec<SkuRecord> = (0..600).map(full).collect();
        s.import_skus(&t.actor, &base, "base").await.unwrap();
        let before = table_counts(&s).await;
        let snapshot = s.all_skus(t.org.id).await.unwrap();

        // Updates and creates mixed, failing after the first chunks were written.
        let mut next: Vec<SkuRecord> = base
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.title = format!("{} v2", r.title);
                r
            })
            .collect();
        next.extend((1000..1700).map(full));
        let err = s
            .import_skus_inner(&t.actor, &next, "boom", Some(FailAfter(700)))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("on purpose"), "{err}");
        assert_eq!(table_counts(&s).await, before, "{}", s.label());
        assert_eq!(s.all_skus(t.org.id).await.unwrap(), snapshot);

        // A duplicate code in the batch is refused as a whole, naming the code and records.
        let mut dup = next.clone();
        dup.push(full(1234));
        let err = s.import_skus(&t.actor, &dup, "dup").await.unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("SKU-001234") && msg.contains("835") && msg.contains("1301"),
            "{msg}"
        );
        assert_eq!(table_counts(&s).await, before);

        // An invalid record late in the batch (NUL, after many valid ones) also stops it all.
        let mut bad = next.clone();
        bad[1250].materials = vec!["nylon\0".into()];
        let err = s.import_skus(&t.actor, &bad, "bad").await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        assert!(err.to_string().contains("materials"), "{err}");
        assert_eq!(table_counts(&s).await, before);
        assert_eq!(s.all_skus(t.org.id).await.unwrap(), snapshot);
    }
}

#[tokio::test]
async fn hostile_strings_are_stored_verbatim() {
    let hostile = [
        "'; DROP TABLE skus; --",
        "Robert'); DELETE FROM users WHERE ('1'='1",
        "<script>alert('x')</script> & <b>bold</b>",
        "\"double\" 'single' `back` \\backslash\\ 100% _under_",
        "🔋⚡ 充电宝 — Émoji ✓ עברית العربية",
        "e\u{301} combining, zero\u{200B}width",
        "$1 $2 ? :name @p",
    ];
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        for (i, text) in hostile.iter().enumerate() {
            let mut r = rec(&format!("H-{i}"), text);
            r.brand = Some(text.to_string());
            r.customs_description_zh = Some(text.to_string());
            r.tags = vec![text.to_string()];
            r.materials = vec![text.to_string()];
            r.marketplace_ids.insert("shop_id".into(), "x'--<>".into());
            let created = s.create_sku(&t.actor, &r).await.unwrap();
            let back = s.get_sku(t.org.id, created.id).await.unwrap();
            assert_eq!(back.record, r, "{} {text}", s.label());
            let found = s
                .list_skus(
                    t.org.id,
                    &SkuQuery {
                        text: Some(text.to_string()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert!(
                found.items.iter().any(|x| x.id == created.id),
                "{} search {text}",
                s.label()
            );
            let by_brand = s
                .list_skus(
                    t.org.id,
                    &SkuQuery {
                        brand: Some(text.to_string()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(by_brand.total, 1, "{text}");
            let by_tag = s
                .list_skus(
                    t.org.id,
                    &SkuQuery {
                        tag: Some(text.to_string()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(by_tag.total, 1, "{text}");
        }
        let org = s.create_org(hostile[0]).await.unwrap();
        assert_eq!(s.get_org(org.id).await.unwrap().name, hostile[0]);
        let u = add_user(&s, &t, "o'brien+tag@example.com", Role::Viewer).await;
        assert_eq!(
            s.get_user(t.org.id, u.id).await.unwrap().email,
            "o'brien+tag@example.com"
        );
        assert_eq!(s.count_skus(t.org.id).await.unwrap(), hostile.len() as u64);

        // NUL cannot be stored by PostgreSQL: refused on every backend, with the field named.
        let mut r = rec("NUL-1", "fine");
        r.materials = vec!["a\0b".into()];
        let err = s.create_sku(&t.actor, &r).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(_)) && err.to_string().contains("materials"),
            "{err}"
        );
        let err = s
            .create_sku(&t.actor, &rec("NUL-2", "ti\0tle"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(_)) && err.to_string().contains("title"),
            "{err}"
        );
        let err = s.create_org("a\0b").await.unwrap_err();
        assert!(err.to_string().contains("NUL"), "{err}");
        let q = SkuQuery {
            text: Some("a\0".into()),
            ..Default::default()
        };
        assert!(matches!(
            s.list_skus(t.org.id, &q).await,
            Err(StoreError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn concurrent_writers_do_not_fail() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let store: Store = s.store().clone();
        let mut tasks = Vec::new();
        for w in 0..6 {
            let store = store.clone();
            let actor = t.actor.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..15 {
                    store.create_sku(&actor, &full(w * 100 + i)).await?;
                }
                let batch: Vec<SkuRecord> = (0..50).map(|i| full(10_000 + w * 100 + i)).collect();
                store.import_skus(&actor, &batch, "parallel").await?;
                Ok::<_, StoreError>(())
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(
            s.count_skus(t.org.id).await.unwrap(),
            6 * 65,
            "{}",
            s.label()
        );
    }
}

#[tokio::test]
async fn open_default_creates_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("tradelane-data");
    let store = Store::open_default(&data).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(data.join(DEFAULT_SQLITE_FILE).is_file());
    let org = store.create_org("Acme").await.unwrap();
    store.close().await;
    // Reopening keeps the data and does not re-run migrations destructively.
    let again = Store::open_default(&data).await.unwrap();
    assert_eq!(again.get_org(org.id).await.unwrap(), org);
    let url = format!("sqlite://{}", data.join("other.sqlite3").display());
    let other = Store::connect(&url).await.unwrap();
    other.ping().await.unwrap();
    assert!(matches!(
        Store::connect("mysql://x").await,
        Err(StoreError::Config(_))
    ));
}

#[tokio::test]
async fn stored_timestamps_read_back_exactly() {
    for s in stores().await {
        let t = tenant(&s, "Acme").await;
        let created = s.create_sku(&t.actor, &full(1)).await.unwrap();
        let read = s.get_sku(t.org.id, created.id).await.unwrap();
        assert_eq!(read.created_at, created.created_at);
        assert_eq!(read.created_at, truncate_to_micros(read.created_at));
        let e = &s
            .list_audit(t.org.id, &AuditQuery::default())
            .await
            .unwrap()
            .items[0];
        assert_eq!(e.at, created.created_at);
    }
}

#[tokio::test]
async fn postgres_test_databases_are_dropped_afterwards() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    let name: String = sqlx::Row::get(
        &sqlx::query("SELECT current_database()::text AS d")
            .fetch_one(&pg.pool)
            .await
            .unwrap(),
        "d",
    );
    assert!(name.starts_with("tradelane_t_"), "{name}");
    drop(pg);
    let admin = testing::postgres().await.unwrap();
    let left: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
            .bind(name.clone())
            .fetch_one(&admin.pool)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(left, 0, "{name} was not dropped");
}
