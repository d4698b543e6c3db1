//! Real-browser test of the tax obligations dashboard (thresholds with bars, trend chart, projected crossing,
//! filing calendar; zh and en) and of "what changes for me". Screenshots go to $CARGO_TARGET_DIR/screenshots.

use crate::browser::{shot, text_of, wait_css, with_demo_browser};

/// A year of orders to Australia, the UK, Germany and two US states, dated relative to today so the dashboard
/// has a trend whatever the day the test runs.
fn orders_csv() -> String {
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let mut csv = String::from(
        "order_id,date,channel,destination,net_amount,currency,marketplace_collected\n",
    );
    for back in 0..330 {
        let d = today
            .checked_sub(jiff::Span::new().days(back))
            .expect("date");
        if back % 3 == 0 {
            csv.push_str(&format!("AU-{back},{d},shop,AU,190,AUD,no\n"));
        }
        if back % 5 == 0 {
            csv.push_str(&format!("DE-{back},{d},shop,DE,60,EUR,no\n"));
            csv.push_str(&format!("TX-{back},{d},amazon,US-TX,800,USD,yes\n"));
        }
        if back % 7 == 0 {
            csv.push_str(&format!("NZ-{back},{d},shop,NZ,350,NZD,no\n"));
        }
    }
    csv
}

#[test]
fn the_tax_dashboard_shows_thresholds_trend_and_calendar_and_the_pack_diff() {
    with_demo_browser(
        |env| {
            let orders = env.write("orders.csv", orders_csv().as_bytes());
            env.ok(&["tax", "import", orders.to_str().expect("path")]);
            env.ok(&["tax", "profile", "--schemes", "EU-IOSS,GB-VAT,AU-GST"]);
            env.ok(&["landed-cost", "markets", "--set", "DE,JP"]);
            let overlay = env.write(
                "overlay.toml",
                br#"format_version = 1
pack_id = "demo-overlay"
pack_version = "2"
published = 2026-11-01
[[duty]]
id = "DEMO-JP-3926"
territory = "JP"
hs = "3926.90.10"
rate = "4.8%"
effective_from = 2027-04-01
source = "example of a future change"
uncertain = true
"#,
            );
            env.ok(&["rules", "load", overlay.to_str().expect("path")]);
        },
        |client, base| async move {
            client.goto(&format!("{base}/tax")).await.expect("tax");
            wait_css(&client, "[data-testid=tax-row]").await;
            let au = text_of(&client, "[data-testid=tax-row][data-market=AU]").await;
            assert!(au.contains('%'), "{au}");
            wait_css(&client, "[data-testid=tax-trend-svg]").await;
            let due = text_of(&client, "[data-testid=tax-calendar]").await;
            assert!(due.contains("EU-IOSS") && due.contains("GB-VAT"), "{due}");
            shot(&client, "tax_dashboard_en").await;
            // Chinese.
            wait_css(&client, "#lang-switch-zh-CN")
                .await
                .click()
                .await
                .expect("zh");
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            client.goto(&format!("{base}/tax")).await.expect("tax zh");
            wait_css(&client, "[data-testid=tax-trend-svg]").await;
            let title = text_of(&client, "h1").await;
            assert!(title.contains("税务"), "{title}");
            shot(&client, "tax_dashboard_zh").await;
            wait_css(&client, "#lang-switch-en")
                .await
                .click()
                .await
                .expect("en");
            // What changes for me: built-in pack vs the loaded overlay, for DE and JP.
            client
                .goto(&format!(
                    "{base}/rules/diff?kind=landed_cost&old=builtin&new=active"
                ))
                .await
                .expect("diff");
            wait_css(&client, "[data-testid=diff-change][data-id=DEMO-JP-3926]").await;
            shot(&client, "rules_diff").await;
        },
    );
}
