//! CSV/XLSX import through the API: all-or-nothing, idempotent, audited.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use tradelane_store::Role;

use crate::helpers::TestApp;

const GOOD: &str = "SKU,Title,Brand,Origin,HS code,Unit value,Currency,Net weight,Gross weight\n\
A-1,USB-C cable 1m,Acme,CN,8544.42,2.50,USD,0.04 kg,0.05 kg\n\
A-2,Phone case,Acme,CN,3926.90,1.20,USD,0.03 kg,0.04 kg\n\
A-3,LED strip 5m,Glow,VN,9405.40,6.00,USD,0.2 kg,0.3 kg\n";

#[tokio::test]
async fn file_with_errors_commits_nothing() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let bad = "SKU,Title,HS code,Gross weight\nOK-1,Fine,8544.42,1 kg\nBAD-1,Broken,12ab,1 kg\nBAD-2,Negative,8544.42,-3 kg\n";
        let r = app.import(&owner.token, "", bad.as_bytes()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {}",
            app.label,
            r.text()
        );
        let body = r.json();
        assert_eq!(body["error"]["code"], "import_rejected");
        let rows = body["error"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{body}");
        assert_eq!(rows[0]["line"], 3);
        assert_eq!(rows[0]["column"], "HS code");
        assert_eq!(rows[0]["value"], "12ab");
        assert!(!rows[0]["expected"].as_str().unwrap().is_empty());
        assert_eq!(rows[1]["line"], 4);
        assert_eq!(
            app.get("/api/v1/skus", &owner.token).await.json()["total"],
            0,
            "nothing stored"
        );

        // A dry run reports the same and stores nothing either.
        let dry = app
            .import(&owner.token, "?dry_run=true", bad.as_bytes())
            .await;
        assert_eq!(dry.status, StatusCode::OK);
        assert_eq!(dry.json()["errors"].as_array().unwrap().len(), 2);
        assert_eq!(dry.json()["valid_rows"], 1);
        assert_eq!(
            app.get("/api/v1/skus", &owner.token).await.json()["total"],
            0
        );

        let empty = app.import(&owner.token, "", b"").await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            empty.text()
        );
    }
}

#[tokio::test]
async fn reimport_is_unchanged_and_changes_are_audited() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let first = app.import(&owner.token, "", GOOD.as_bytes()).await;
        assert_eq!(
            first.status,
            StatusCode::OK,
            "{}: {}",
            app.label,
            first.text()
        );
        let first = first.json();
        assert_eq!(
            (
                first["created"].as_u64(),
                first["updated"].as_u64(),
                first["unchanged"].as_u64()
            ),
            (Some(3), Some(0), Some(0))
        );

        let second = app.import(&owner.token, "", GOOD.as_bytes()).await.json();
        assert_eq!(
            (
                second["created"].as_u64(),
                second["updated"].as_u64(),
                second["unchanged"].as_u64()
            ),
            (Some(0), Some(0), Some(3)),
            "{second}"
        );

        let changed = GOOD.replace("Phone case", "Phone case, clear");
        let changed = changed.replace("A-2,Phone case, clear", "A-2,\"Phone case, clear\"");
        let third = app.import(&owner.token, "", changed.as_bytes()).await;
        assert_eq!(third.status, StatusCode::OK, "{}", third.text());
        let third = third.json();
        assert_eq!(
            (
                third["created"].as_u64(),
                third["updated"].as_u64(),
                third["unchanged"].as_u64()
            ),
            (Some(0), Some(1), Some(2))
        );

        let list = app.get("/api/v1/skus?q=A-2", &owner.token).await.json();
        let id = list["items"][0]["id"].as_i64().unwrap();
        assert_eq!(list["items"][0]["title"], "Phone case, clear");
        let audit = app
            .get(
                &format!("/api/v1/audit?entity_type=sku&entity_id={id}"),
                &owner.token,
            )
            .await
            .json();
        let update = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"].as_str().unwrap_or("").contains("update"))
            .unwrap_or_else(|| panic!("{}: no update in {audit}", app.label));
        assert_eq!(update["before"]["title"], "Phone case");
        assert_eq!(update["after"]["title"], "Phone case, clear");
        assert_eq!(update["actor_label"], "token:tests");
    }
}

#[tokio::test]
async fn chinese_headers_and_gbk_multipart() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        let text = "货号,品名,海关编码,申报价值,币种,毛重\nZ-1,蓝牙耳机,8518.30,12.00,USD,0.2 kg\n";
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable);
        let boundary = "XyZ123";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"目录.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&gbk);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/skus/import")
            .header(header::AUTHORIZATION, format!("Bearer {}", owner.token))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.label, r.text());
        assert_eq!(r.json()["created"], 1);
        let sku = &app.get("/api/v1/skus", &owner.token).await.json()["items"][0];
        assert_eq!(sku["title"], "蓝牙耳机");
        assert_eq!(sku["hs_code"], "851830");
    }
}

#[tokio::test]
async fn export_formats() {
    for app in TestApp::all().await {
        let org = app.org("Acme").await;
        let owner = app.member(org, "o@acme.test", Role::Owner).await;
        app.import(&owner.token, "", GOOD.as_bytes()).await;
        let csv = app
            .get("/api/v1/skus/export?format=csv&lang=zh-CN", &owner.token)
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header("content-disposition").contains("attachment"));
        assert!(csv.text().contains("货号"), "Chinese headers");
        let xlsx = app
            .get("/api/v1/skus/export?format=xlsx", &owner.token)
            .await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.body.starts_with(b"PK"), "an XLSX zip");
        let again = app.import(&owner.token, "", &xlsx.body).await.json();
        assert_eq!(again["created"], 0, "{}: {again}", app.label);
        assert_eq!(again["errors"].as_array().map(Vec::len), Some(0));
        // The same XLSX file twice: the second time nothing changes.
        let twice = app.import(&owner.token, "", &xlsx.body).await.json();
        assert_eq!(twice["unchanged"], 3, "{}: {twice}", app.label);
        let bad = app
            .get("/api/v1/skus/export?format=pdf", &owner.token)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
