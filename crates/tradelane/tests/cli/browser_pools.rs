//! Real-browser test of the consolidation pool pages on the demo pool: the list, the pool page with
//! the plan (share and saving chart, containers with utilisation bars and reasons, dangerous goods
//! apart), in both languages. Screenshots go to $CARGO_TARGET_DIR/screenshots.

use fantoccini::Locator;

use crate::browser::{shot, text_of, wait_css, with_demo_browser};

#[test]
fn pool_page_shows_the_demo_plan() {
    with_demo_browser(
        |_| {},
        |client, base| async move {
            client
                .goto(&format!("{base}/freight/pools"))
                .await
                .expect("open pools");
            wait_css(&client, "[data-testid=pool-link]")
                .await
                .click()
                .await
                .expect("open the demo pool");
            let total = text_of(&client, "[data-testid=pool-total]").await;
            assert!(total.ends_with("USD"), "{total}");
            wait_css(&client, "[data-testid=pool-saving-chart]").await;
            let containers = client
                .find_all(Locator::Css("[data-testid=pool-container]"))
                .await
                .expect("containers");
            assert!(containers.len() >= 2, "power banks travel apart");
            for lang in ["en", "zh-CN"] {
                wait_css(&client, &format!("[data-testid=lang-{lang}]"))
                    .await
                    .click()
                    .await
                    .expect("switch language");
                wait_css(&client, &format!("html[lang={lang}]")).await;
                client
                    .execute(
                        "document.querySelector('[data-testid=pool-container]').scrollIntoView();",
                        vec![],
                    )
                    .await
                    .expect("scroll");
                shot(&client, &format!("pools-{lang}-containers")).await;
                client
                    .execute(
                        "document.querySelector('[data-testid=pool-members]').scrollIntoView();",
                        vec![],
                    )
                    .await
                    .expect("scroll");
                shot(&client, &format!("pools-{lang}-cartons")).await;
            }
        },
    );
}
