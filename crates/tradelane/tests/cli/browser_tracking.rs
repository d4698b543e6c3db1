//! The shipment control tower in a real browser: the list with its filters (status, exception,
//! market, carrier, leg), one shipment's timeline across legs in both clocks with its ETA band,
//! the per-lane transit-time chart, mapping an unknown code from the unmapped report, and the
//! event upload form. Screenshots: 20-shipments-list, 21-shipment-timeline, 22-lanes,
//! 23-unmapped-mapped (under $CARGO_TARGET_DIR/screenshots).

use std::fmt::Write as _;

use fantoccini::Locator;

use crate::browser::{shot, text_of, wait_css, with_demo_browser};

const ORG: &str = "Demo Trading Co.";

/// Delivered UPS ground shipments CN → US with 4–9 days door to door (history for the lanes
/// and the ETA), one still in transit with a promised date, one held in customs, one with an
/// unknown code; a sea shipment with its main carriage.
fn history_csv() -> String {
    let mut csv = String::from("tracking number,carrier,code,description,time,location,country\n");
    let days = [4, 5, 5, 6, 6, 6, 7, 7, 8, 9, 11, 5];
    for (i, d) in days.iter().enumerate() {
        let n = format!("1ZDEMO{i:04}");
        let start = 1 + i as u32;
        writeln!(csv, "{n},ups,MP,Order Processed: Ready for UPS,2025-10-{start:02}T02:00:00+08:00,Shenzhen,CN").unwrap();
        writeln!(
            csv,
            "{n},ups,OR,Origin Scan,2025-10-{start:02}T18:00:00+08:00,Shenzhen,CN"
        )
        .unwrap();
        writeln!(
            csv,
            "{n},ups,AR,Arrived at Facility,2025-10-{:02}T06:00:00-07:00,Ontario CA,US",
            start + d / 2
        )
        .unwrap();
        writeln!(
            csv,
            "{n},ups,KB,DELIVERED,2025-10-{:02}T15:00:00-07:00,Los Angeles CA,US",
            start + d
        )
        .unwrap();
    }
    csv
}

const LIVE_CSV: &str = "\
运单号,承运商,状态码,轨迹时间,轨迹描述,地点,国家,环节
SF1234567890,sf_express,,2026-11-21 10:00:00,快件已揽收,深圳,CN,first_mile
99912345675,air_china_cargo,,2026-11-21 20:00:00,出口报关放行,深圳,CN,export_clearance
99912345675,air_china_cargo,,2026-11-22 01:30:00,航班已起飞 CA1041,深圳,CN,main_carriage
99912345675,air_china_cargo,,2026-11-22 23:10:00,Arrived at Los Angeles International,Los Angeles,US,main_carriage
1ZLIVE0001,ups,AR,2026-11-24T06:00:00-08:00,Arrived at Facility,Ontario CA,US,
1ZHOLD0001,ups,OR,2026-11-18T18:00:00+08:00,Origin Scan,Shenzhen,CN,
1ZHOLD0001,ups,ZX7,2026-11-21T09:00:00-05:00,Importer of record documents pending,Louisville KY,US,
";

fn prepare(env: &crate::helpers::Env) {
    let create = |name: &str, body: serde_json::Value| {
        let f = env.write(name, body.to_string().as_bytes());
        env.ok(&[
            "shipments",
            "create",
            "--org",
            ORG,
            "--json",
            f.to_str().unwrap(),
        ]);
    };
    // Transit history on the lane CN → US, UPS ground.
    for i in 0..12 {
        create(
            &format!("h{i}.json"),
            serde_json::json!({
                "reference": format!("PO-H{i:02}"), "origin": "CN", "destination": "US",
                "carrier": "ups",
                "legs": [{"kind": "last_mile", "carrier": "ups",
                          "reference": format!("1ZDEMO{i:04}"), "service": "ground"}]
            }),
        );
    }
    // An air consolidation across every leg, promised for a date.
    create(
        "air.json",
        serde_json::json!({
            "reference": "PO-2026-1188",
            "order_refs": ["AMZ-113-555"],
            "origin": "CN", "destination": "US", "carrier": "ups", "mode": "air",
            "promised_date": "2026-12-01",
            "legs": [
                {"kind": "first_mile", "carrier": "sf_express", "reference": "SF1234567890"},
                {"kind": "main_carriage", "carrier": "air_china_cargo", "mode": "air",
                 "reference": "999-12345675",
                 "refs": {"flight_number": "CA1041", "air_waybill": "999-12345675",
                          "port_of_loading": "SZX", "port_of_discharge": "LAX"}},
                {"kind": "last_mile", "carrier": "ups", "reference": "1ZLIVE0001",
                 "service": "ground"}
            ],
            "lines": [{"order_reference": "AMZ-113-555", "sku": "PB-10000", "quantity": 40}]
        }),
    );
    create(
        "hold.json",
        serde_json::json!({
            "reference": "PO-2026-1190", "origin": "CN", "destination": "US", "carrier": "ups",
            "tracking_numbers": ["1ZHOLD0001"]
        }),
    );
    let history = env.write("history.csv", history_csv().as_bytes());
    env.ok(&[
        "shipments",
        "import",
        history.to_str().unwrap(),
        "--org",
        ORG,
        "--no-create",
    ]);
    let live = env.write("live.csv", LIVE_CSV.as_bytes());
    env.ok(&[
        "shipments",
        "import",
        live.to_str().unwrap(),
        "--org",
        ORG,
        "--no-create",
    ]);
}

#[test]
fn shipments_list_timeline_lanes_and_mapping_in_the_browser() {
    with_demo_browser(prepare, |client, base| async move {
        // List with filters.
        client.goto(&format!("{base}/shipments")).await.unwrap();
        wait_css(&client, "#shipment-table").await;
        let total = text_of(&client, "[data-testid=shipment-total]").await;
        assert!(!total.is_empty());
        shot(&client, "20-shipments-list").await;
        client
            .goto(&format!(
                "{base}/shipments?leg=last_mile&destination=US&carrier=ups"
            ))
            .await
            .unwrap();
        let rows = client
            .find_all(Locator::Css("[data-testid=shipment-row]"))
            .await
            .unwrap();
        assert!(!rows.is_empty(), "the air shipment's current leg");
        // One shipment's timeline across legs, in the event's zone and the operator's.
        client
            .goto(&format!("{base}/shipments?q=PO-2026-1188"))
            .await
            .unwrap();
        wait_css(&client, "[data-testid=shipment-link]")
            .await
            .click()
            .await
            .unwrap();
        wait_css(&client, "#timeline").await;
        let legs = client
            .find_all(Locator::Css("[data-testid=shipment-leg]"))
            .await
            .unwrap();
        assert!(legs.len() >= 3);
        let facts = text_of(&client, "#timeline").await;
        assert!(
            facts.contains("+08:00"),
            "local times keep their offset: {facts}"
        );
        let legs_text = text_of(&client, "[data-testid=shipment-legs]").await;
        assert!(legs_text.contains("CA1041"), "{legs_text}");
        assert!(legs_text.contains("AWB 999-12345675"), "{legs_text}");
        wait_css(&client, "[data-testid=eta-band] svg").await;
        shot(&client, "21-shipment-timeline").await;
        // Lanes chart.
        client
            .goto(&format!("{base}/shipments/lanes"))
            .await
            .unwrap();
        wait_css(&client, "[data-testid=lane-chart] svg").await;
        let stats = text_of(&client, "[data-testid=lane-stats]").await;
        assert!(stats.contains("p50"), "{stats}");
        shot(&client, "22-lanes").await;
        // Map the unknown code; the held shipment is re-derived.
        client
            .goto(&format!("{base}/shipments/unmapped"))
            .await
            .unwrap();
        wait_css(&client, "[data-testid=unmapped-row]").await;
        let status = wait_css(&client, "[data-testid=map-status]").await;
        status.select_by_value("customs_hold").await.unwrap();
        wait_css(&client, "[data-testid=map-reason]")
            .await
            .select_by_value("customs_documents_required")
            .await
            .unwrap();
        wait_css(&client, "[data-testid=map-submit]")
            .await
            .click()
            .await
            .unwrap();
        let notice = text_of(&client, "[data-testid=map-notice]").await;
        // The demo owner reads the UI in Chinese unless switched; either wording carries the count.
        assert!(
            notice.contains("1 past events") || notice.contains("重新归类 1 条"),
            "{notice}"
        );
        wait_css(&client, "[data-testid=override-row]").await;
        shot(&client, "23-unmapped-mapped").await;
        client
            .goto(&format!("{base}/shipments?status=customs_hold"))
            .await
            .unwrap();
        let rows = client
            .find_all(Locator::Css("[data-testid=shipment-row]"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "the held shipment now reads customs hold");
        client
            .goto(&format!("{base}/shipments?exception=true"))
            .await
            .unwrap();
        let rows = client
            .find_all(Locator::Css("[data-testid=shipment-row]"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "and is an exception");
    });
}
