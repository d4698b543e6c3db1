//! Real-browser test of the landed cost per target market: the catalogue's DDP columns, the click through to the
//! itemised quote with explanations, the SKU page and the target-markets form. Screenshots go to
//! $CARGO_TARGET_DIR/screenshots.

use crate::browser::{shot, text_of, wait_css, with_demo_browser};

/// ECB reference rates for the last ten days (rates invented for the test, ECB layout, newest first).
pub(crate) fn recent_ecb() -> String {
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let mut csv = String::from("Date,USD,CNY,GBP,JPY,AUD,CAD,\n");
    for back in 0..10 {
        let d = today
            .checked_sub(jiff::Span::new().days(back))
            .expect("date");
        csv.push_str(&format!("{d},1.1700,8.4000,0.8600,172.5,1.78,1.60,\n"));
    }
    csv
}

#[test]
fn the_catalogue_shows_a_ddp_cost_per_target_market_with_the_quote_one_click_away() {
    with_demo_browser(
        |env| {
            let ecb = env.write("eurofxref.csv", recent_ecb().as_bytes());
            env.ok(&["fx", "import", ecb.to_str().expect("path")]);
            env.ok(&["landed-cost", "markets", "--set", "DE,GB,US,AU"]);
        },
        |client, base| async move {
            client
                .goto(&format!("{base}/catalogue"))
                .await
                .expect("catalogue");
            wait_css(&client, "[data-testid=lc-col]").await;
            let heads = client
                .find_all(fantoccini::Locator::Css("[data-testid=lc-col]"))
                .await
                .expect("columns");
            assert_eq!(heads.len(), 4);
            let mut de_cells = Vec::new();
            for cell in client
                .find_all(fantoccini::Locator::Css(
                    "[data-testid=lc-cell][data-market=DE]",
                ))
                .await
                .expect("cells")
            {
                de_cells.push(cell.text().await.expect("text"));
            }
            assert!(
                de_cells.iter().any(|c| c.contains("USD")),
                "DDP figures in the SKU's currency: {de_cells:?}"
            );
            shot(&client, "landed_cost_catalogue_markets").await;
            // One click: the itemised quote for that SKU and market, with rule ids and explanations.
            wait_css(
                &client,
                "[data-testid=lc-cell][data-market=DE] a:not(.muted)",
            )
            .await
            .click()
            .await
            .expect("open the quote");
            wait_css(&client, "[data-testid=lc-figure]").await;
            let figures = text_of(&client, "[data-testid=lc-figures]").await;
            assert!(figures.contains("EU-MFN"), "rule ids shown: {figures}");
            shot(&client, "landed_cost_catalogue_click_quote").await;
            // The SKU page lists every target market.
            client
                .goto(&format!("{base}/catalogue"))
                .await
                .expect("catalogue");
            wait_css(&client, "[data-testid=sku-link]")
                .await
                .click()
                .await
                .expect("sku");
            wait_css(&client, "[data-testid=sku-lc-table]").await;
            let rows = client
                .find_all(fantoccini::Locator::Css("[data-testid=sku-lc-row]"))
                .await
                .expect("rows");
            assert_eq!(rows.len(), 4);
            shot(&client, "landed_cost_sku_markets").await;
            // The target markets form.
            client
                .goto(&format!("{base}/landed-cost/markets"))
                .await
                .expect("markets");
            let input = wait_css(&client, "#lcm-markets").await;
            input.clear().await.expect("clear");
            input.send_keys("DE, US").await.expect("type");
            wait_css(&client, "#lcm-save")
                .await
                .click()
                .await
                .expect("save");
            wait_css(&client, "[data-testid=lcm-saved]").await;
            shot(&client, "landed_cost_target_markets").await;
            client
                .goto(&format!("{base}/catalogue"))
                .await
                .expect("catalogue");
            wait_css(&client, "[data-testid=lc-col]").await;
            let heads = client
                .find_all(fantoccini::Locator::Css("[data-testid=lc-col]"))
                .await
                .expect("columns");
            assert_eq!(heads.len(), 2);
        },
    );
}
