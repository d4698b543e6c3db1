//! Real-browser test of the freight pages at 1366×768: the demo rate cards with the expired one marked, the
//! quote comparison (sorted, breakdown, bar chart, expired card not quoted) and the load planner: upload a
//! carton list, plan it, step through the loading order with the slider and turn the isometric view.
//! Screenshots go to $CARGO_TARGET_DIR/screenshots.

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::browser::{shot, text_of, wait_css, with_demo_browser};

const CARTONS: &str = "箱号,长(cm),宽(cm),高(cm),重量(kg),数量,朝上,可堆叠\n\
TV-55,140,20,90,22,12,是,否\n\
CTN-A,60,40,40,18,60,否,是\n\
CTN-B,50,50,50,22,40,是,是\n\
MAST,1500,30,30,40,1,否,是\n";

const BAD_CARDS: &str = "forwarder,origin,destination,mode,currency,rates,valid_from,valid_to\n\
FastAir,CNSZX,USLAX,boat,USD,5,2026-01-01,2027-12-31\n\
SlowAir,CNSZX,USLAX,air,USD,5,2026-01-01,2025-12-31\n";

const GOOD_CARDS: &str = "货代,起运地,目的地,运输方式,币种,单价,最低收费,生效日期,失效日期,时效\n\
华南空运,CNSZX,USLAX,空运,USD,0:4.9;100:4.2,80,2026-01-01,2027-12-31,8-9\n";

/// Cartons drawn in the visible view of the load plan picture.
async fn visible_boxes(client: &Client) -> u64 {
    let v = client
        .execute(
            "const v = Array.from(document.querySelectorAll('g.lp-view')).find(g => g.getAttribute('display') !== 'none');\
             return v ? v.querySelectorAll('g.lp-box:not([display=none])').length : -1;",
            vec![],
        )
        .await
        .expect("count boxes");
    v.as_u64().unwrap_or(0)
}

async fn visible_view(client: &Client) -> String {
    client
        .execute(
            "const v = Array.from(document.querySelectorAll('g.lp-view')).find(g => g.getAttribute('display') !== 'none');\
             return v ? v.getAttribute('data-az') : '';",
            vec![],
        )
        .await
        .expect("view")
        .as_str()
        .unwrap_or("")
        .to_string()
}

async fn scroll_to_plan(client: &Client) {
    client
        .execute(
            "document.querySelector('[data-testid=lp-result]').scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll");
}

#[test]
fn freight_pages_quote_the_demo_cards_and_step_through_a_load_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cartons = dir.path().join("装箱单.csv");
    std::fs::write(&cartons, CARTONS).expect("write cartons");
    let bad_cards = dir.path().join("bad-rates.csv");
    std::fs::write(&bad_cards, BAD_CARDS).expect("write cards");
    let good_cards = dir.path().join("报价.csv");
    std::fs::write(&good_cards, GOOD_CARDS).expect("write cards");
    with_demo_browser(
        |_| {},
        move |client, base| async move {
            client.set_window_size(1366, 768).await.expect("window");
            // English first.
            client
                .goto(&format!("{base}/catalogue"))
                .await
                .expect("open");
            wait_css(&client, "#lang-switch-en")
                .await
                .click()
                .await
                .expect("en");
            wait_css(&client, "html[lang=en]").await;

            // Rate cards: the demo's cards, the 2025 one marked expired.
            client
                .goto(&format!("{base}/freight"))
                .await
                .expect("cards");
            wait_css(&client, "[data-testid=fr-card]").await;
            let expired = client
                .find_all(Locator::Css("[data-testid=fr-card][data-status=expired]"))
                .await
                .expect("expired rows");
            assert_eq!(expired.len(), 1);
            shot(&client, "freight_cards_en").await;

            // A file with bad cells is refused with a report naming row and column; nothing is stored.
            wait_css(&client, "[data-testid=fr-file]")
                .await
                .send_keys(&bad_cards.to_string_lossy())
                .await
                .expect("choose file");
            wait_css(&client, "[data-testid=fr-upload-button]")
                .await
                .click()
                .await
                .expect("upload");
            let report = text_of(&client, "[data-testid=fr-row-errors]").await;
            assert!(
                report.contains("mode") && report.contains("valid_to"),
                "{report}"
            );
            let rows = client
                .find_all(Locator::Css("[data-testid=fr-card]"))
                .await
                .expect("rows");
            assert_eq!(rows.len(), 6, "nothing from the refused file");
            shot(&client, "freight_cards_rejected_en").await;
            // A good file with Chinese headers is stored.
            wait_css(&client, "[data-testid=fr-file]")
                .await
                .send_keys(&good_cards.to_string_lossy())
                .await
                .expect("choose file");
            wait_css(&client, "[data-testid=fr-upload-button]")
                .await
                .click()
                .await
                .expect("upload");
            let message = text_of(&client, "[data-testid=fr-message]").await;
            assert!(message.contains('1'), "{message}");
            let rows = client
                .find_all(Locator::Css("[data-testid=fr-card]"))
                .await
                .expect("rows");
            assert_eq!(rows.len(), 7);

            // Quote comparison for the example shipment: sorted totals, chart, expired card not quoted.
            client
                .goto(&format!("{base}/freight/quote"))
                .await
                .expect("quote");
            wait_css(&client, "[data-testid=fq-chart]").await;
            let quotes = client
                .find_all(Locator::Css("[data-testid=fq-quote]"))
                .await
                .expect("quotes");
            assert!(quotes.len() >= 3, "{} quotes", quotes.len());
            let mut totals = Vec::new();
            for q in &quotes {
                let t = q
                    .attr("data-total")
                    .await
                    .expect("attr")
                    .unwrap_or_default();
                totals.push(t.parse::<f64>().expect("a total"));
            }
            assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
            let excluded = text_of(&client, "[data-testid=fq-excluded]").await;
            assert!(excluded.contains("2025-12-31"), "{excluded}");
            wait_css(&client, "[data-testid=fq-breakdown] summary")
                .await
                .click()
                .await
                .expect("open breakdown");
            shot(&client, "freight_quote_en").await;
            // The form: a pasted carton list compared again, the new card among the quotes.
            let text = wait_css(&client, "[data-testid=fq-cartons]").await;
            text.clear().await.expect("clear");
            text.send_keys("id,length,width,height,weight,qty\nBOX,40,30,30,8,12\n")
                .await
                .expect("type cartons");
            wait_css(&client, "[data-testid=fq-submit]")
                .await
                .click()
                .await
                .expect("compare");
            wait_css(&client, "[data-testid=fq-quote][data-forwarder='华南空运']").await;
            let summary = text_of(&client, "[data-testid=fq-summary]").await;
            assert!(summary.contains("12 cartons"), "{summary}");

            // Load planner: upload the carton list, plan it into a 20' container.
            client
                .goto(&format!("{base}/freight/load-plan"))
                .await
                .expect("load plan");
            wait_css(&client, "[data-testid=lp-cartons]")
                .await
                .clear()
                .await
                .expect("clear the example");
            wait_css(&client, "[data-testid=lp-file]")
                .await
                .send_keys(&cartons.to_string_lossy())
                .await
                .expect("choose file");
            wait_css(&client, "[data-testid=lp-container] option[value='20GP']")
                .await
                .click()
                .await
                .expect("20GP");
            let budget = wait_css(&client, "[data-testid=lp-budget]").await;
            budget.clear().await.expect("clear budget");
            budget.send_keys("1").await.expect("budget");
            wait_css(&client, "[data-testid=lp-submit]")
                .await
                .click()
                .await
                .expect("plan");
            wait_css(&client, "[data-testid=lp-svg]").await;
            let unplaced = text_of(&client, "[data-testid=lp-unplaced]").await;
            assert!(unplaced.contains("MAST"), "{unplaced}");
            assert!(unplaced.contains("larger than the container"), "{unplaced}");
            let figures = text_of(&client, "[data-testid=lp-figures]").await;
            assert!(
                figures.contains("20GP") && figures.contains('%'),
                "{figures}"
            );
            let pdf = wait_css(&client, "[data-testid=lp-pdf]").await;
            let href = pdf.attr("href").await.expect("href").unwrap_or_default();
            assert!(href.ends_with("/plan.pdf"), "{href}");
            let slider = wait_css(&client, "[data-testid=lp-step]").await;
            let max: u64 = slider
                .attr("max")
                .await
                .expect("max")
                .unwrap_or_default()
                .parse()
                .expect("a number");
            assert_eq!(max, 112, "every carton but the mast is loaded");
            assert_eq!(visible_boxes(&client).await, max);
            let svg_before = text_of(&client, "[data-testid=lp-step-label]").await;
            scroll_to_plan(&client).await;
            shot(&client, "freight_load_plan_en").await;

            // Step back to the first carton with the keyboard on the slider, then forward a few.
            slider
                .send_keys(&Key::Home.to_string())
                .await
                .expect("home");
            assert_eq!(visible_boxes(&client).await, 1);
            let first = text_of(&client, "[data-testid=lp-step-label]").await;
            assert!(first.starts_with("Step 1 of 112"), "{first}");
            assert_ne!(first, svg_before);
            for _ in 0..11 {
                slider
                    .send_keys(&Key::Right.to_string())
                    .await
                    .expect("right");
            }
            assert_eq!(visible_boxes(&client).await, 12);
            let label = text_of(&client, "[data-testid=lp-step-label]").await;
            assert!(label.starts_with("Step 12 of 112"), "{label}");
            shot(&client, "freight_load_plan_step12_en").await;
            wait_css(&client, "[data-testid=lp-next]")
                .await
                .click()
                .await
                .expect("next");
            assert_eq!(visible_boxes(&client).await, 13);

            // Turn the view: another drawing, same cartons so far.
            assert_eq!(visible_view(&client).await, "0");
            wait_css(&client, "[data-testid=lp-az-1]")
                .await
                .click()
                .await
                .expect("turn");
            assert_eq!(visible_view(&client).await, "1");
            assert_eq!(visible_boxes(&client).await, 13);
            slider.send_keys(&Key::End.to_string()).await.expect("end");
            assert_eq!(visible_boxes(&client).await, 112);
            shot(&client, "freight_load_plan_turned_en").await;

            // The PDF of exactly this plan (or, without a system font, a page saying so).
            let status = client
                .execute(
                    "return fetch(arguments[0]).then(r => r.status + ' ' + r.headers.get('content-type'));",
                    vec![serde_json::Value::String(href.clone())],
                )
                .await
                .expect("fetch pdf");
            let status = status.as_str().unwrap_or("").to_string();
            assert!(
                status == "200 application/pdf" || status.starts_with("500"),
                "{status}"
            );

            // Chinese: the same pages render with Chinese labels.
            wait_css(&client, "#lang-switch-zh-CN")
                .await
                .click()
                .await
                .expect("zh");
            tokio::time::sleep(Duration::from_millis(300)).await;
            client
                .goto(&format!("{base}/freight/quote"))
                .await
                .expect("quote zh");
            wait_css(&client, "[data-testid=fq-chart]").await;
            let head = text_of(&client, "[data-testid=fq-table] thead").await;
            assert!(head.contains("总价"), "{head}");
            shot(&client, "freight_quote_zh").await;
            client
                .goto(&format!("{base}/freight/load-plan"))
                .await
                .expect("load zh");
            wait_css(&client, "[data-testid=lp-submit]")
                .await
                .click()
                .await
                .expect("plan the example");
            wait_css(&client, "[data-testid=lp-svg]").await;
            let label = text_of(&client, "[data-testid=lp-step-label]").await;
            assert!(label.starts_with("第 "), "{label}");
            scroll_to_plan(&client).await;
            shot(&client, "freight_load_plan_zh").await;
            client
                .goto(&format!("{base}/freight"))
                .await
                .expect("cards zh");
            wait_css(&client, "[data-testid=fr-card]").await;
            shot(&client, "freight_cards_zh").await;
        },
    );
}
