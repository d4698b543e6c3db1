use super::*;
use crate::AuditQuery;
use crate::testing::all_backends;
use jiff::civil::date;
use tradelane_domain::{SkuCode, SkuRecord};

fn doc(kind: SubjectKind, subject: &str, key: &str) -> NewDocument {
    NewDocument {
        subject_kind: kind,
        subject: subject.into(),
        doc_type: " Test_Report ".into(),
        title: "LVD test report".into(),
        issuer: "Example Lab".into(),
        standards: vec![
            "EN 62368-1:2014".into(),
            "".into(),
            "EN 62368-1:2014".into(),
        ],
        markets: vec!["de".into(), "EU".into()],
        covers: vec![],
        issued_on: date(2025, 1, 10),
        expires_on: Some(date(2027, 1, 9)),
        file_name: "report.pdf".into(),
        content_type: "application/pdf".into(),
        size_bytes: 1234,
        sha256: "AB".repeat(32),
        blob_key: key.into(),
    }
}

#[tokio::test]
async fn documents_round_trip_filter_delete_audit_and_isolation() {
    for ts in all_backends().await {
        let l = ts.label();
        let org = ts.create_org("Acme").await.unwrap();
        let other = ts.create_org("Other").await.unwrap();
        let actor = Actor::new(org.id, None, "owner@example.com");
        let intruder = Actor::new(other.id, None, "x@example.com");
        let code = SkuCode::parse("LAMP-1").unwrap();
        ts.create_sku(&actor, &SkuRecord::new(code, "Desk lamp"))
            .await
            .unwrap();

        let d = ts
            .create_document(&actor, doc(SubjectKind::Sku, " LAMP-1 ", "org-1/a"))
            .await
            .unwrap();
        assert_eq!(d.doc.doc_type, "test_report", "{l}");
        assert_eq!(d.doc.subject, "LAMP-1");
        assert_eq!(d.doc.standards, vec!["EN 62368-1:2014"]);
        assert_eq!(d.doc.markets, vec!["DE", "EU"]);
        assert_eq!(d.doc.sha256, "ab".repeat(32));
        let read = ts.get_document(org.id, d.id).await.unwrap();
        assert_eq!(read.doc, d.doc, "{l}");

        let mut tag = doc(SubjectKind::Tag, "lamps", "org-1/b");
        tag.expires_on = None;
        tag.doc_type = "eu_doc".into();
        ts.create_document(&actor, tag).await.unwrap();
        let seller = doc(SubjectKind::Seller, "ignored", "org-1/c");
        let s = ts.create_document(&actor, seller).await.unwrap();
        assert_eq!(s.doc.subject, "", "seller documents have no subject");

        // Validation.
        let mut bad = doc(SubjectKind::Sku, "LAMP-1", "org-1/d");
        bad.expires_on = Some(date(2024, 1, 1));
        assert!(matches!(
            ts.create_document(&actor, bad).await,
            Err(StoreError::Invalid(_))
        ));
        let mut bad = doc(SubjectKind::Sku, "LAMP-1", "org-1/d");
        bad.markets = vec!["Germany".into()];
        assert!(matches!(
            ts.create_document(&actor, bad).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            ts.create_document(&actor, doc(SubjectKind::Sku, "NOPE", "org-1/d"))
                .await,
            Err(StoreError::NotFound { .. })
        ));
        // A blob key is used once.
        assert!(
            ts.create_document(&actor, doc(SubjectKind::Tag, "x", "org-1/a"))
                .await
                .is_err()
        );

        // Filters.
        let all = ts
            .list_documents(org.id, &DocumentQuery::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 3, "{l}");
        let skus = ts
            .list_documents(
                org.id,
                &DocumentQuery {
                    subject_kind: Some(SubjectKind::Sku),
                    subject: Some("LAMP-1".into()),
                    ..DocumentQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(skus.len(), 1);
        let expiring = ts
            .list_documents(
                org.id,
                &DocumentQuery {
                    expires_by: Some(date(2027, 1, 9)),
                    ..DocumentQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(expiring.len(), 2, "the tag document never expires");

        // Another organisation: cannot see, read, delete or attach to our SKU.
        assert!(
            ts.list_documents(other.id, &DocumentQuery::default())
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            ts.get_document(other.id, d.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.delete_document(&intruder, d.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            ts.create_document(&intruder, doc(SubjectKind::Sku, "LAMP-1", "org-2/z"))
                .await,
            Err(StoreError::NotFound { .. })
        ));

        // Delete and audit.
        let gone = ts.delete_document(&actor, d.id).await.unwrap();
        assert_eq!(gone.doc.blob_key, "org-1/a");
        assert!(ts.get_document(org.id, d.id).await.is_err());
        ts.record_compliance_override(
            &actor,
            "listing_export",
            "LAMP-1",
            &serde_json::json!({"reason": "test"}),
        )
        .await
        .unwrap();
        let audit = ts.list_audit(org.id, &AuditQuery::default()).await.unwrap();
        let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| **a == "compliance_document.upload")
                .count(),
            3,
            "{l} {actions:?}"
        );
        assert!(actions.contains(&"compliance_document.delete"));
        assert!(actions.contains(&"compliance.override"));
        let other_audit = ts
            .list_audit(other.id, &AuditQuery::default())
            .await
            .unwrap();
        assert!(
            other_audit
                .items
                .iter()
                .all(|e| !e.action.starts_with("compliance"))
        );
    }
}
