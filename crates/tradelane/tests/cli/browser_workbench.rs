//! The listing workbench in a real browser: the list of demo listings, the editor with QA
//! findings marked inline, a bulk translation with its progress bar, and the export preview.
//! Screenshots: workbench-list, workbench-editor, workbench-bulk, workbench-export.

use std::time::Duration;

use fantoccini::Locator;

use crate::browser::{shot, text_of, wait_css, with_demo_browser};

#[test]
fn workbench_list_editor_bulk_translate_and_export() {
    with_demo_browser(
        |_env| {},
        |client, base| async move {
            client
                .goto(&format!("{base}/listings/workbench"))
                .await
                .expect("open the workbench");
            let table = text_of(&client, "[data-testid=wb-table]").await;
            assert!(table.contains("PA-CASE-IP15-BLK"), "{table}");
            // The demo owner reads the UI in Chinese.
            for state in ["已通过", "审校中", "已导出", "已机翻"] {
                assert!(table.contains(state), "{state} missing: {table}");
            }
            shot(&client, "workbench-list").await;

            // The French listing in review carries promotional and claim findings.
            client
                .goto(&format!(
                    "{base}/listings/workbench?locale=fr-FR&marketplace=amazon-fr"
                ))
                .await
                .expect("filter");
            wait_css(&client, "[data-testid=wb-link]")
                .await
                .click()
                .await
                .expect("open the editor");
            wait_css(&client, "mark.qa-error").await;
            let findings = text_of(&client, "[data-testid=qa-findings]").await;
            assert!(findings.contains("amazon.title"), "{findings}");
            let blocker = text_of(&client, "[data-testid=wb-blocker]").await;
            assert!(blocker.contains("质检错误"), "{blocker}");
            shot(&client, "workbench-editor").await;

            // Bulk translation for Italian: the progress bar runs to 100 %.
            client
                .goto(&format!("{base}/listings/workbench"))
                .await
                .expect("back to the list");
            let target = wait_css(&client, "#wb-bulk-target").await;
            target.select_by_value("it-IT").await.expect("choose it-IT");
            wait_css(&client, "#wb-bulk-market")
                .await
                .select_by_value("amazon-it")
                .await
                .expect("choose amazon-it");
            wait_css(&client, "[data-testid=wb-bulk-start]")
                .await
                .click()
                .await
                .expect("start");
            client
                .wait()
                .at_most(Duration::from_secs(30))
                .for_element(Locator::Css("[data-testid=wb-progress][data-status=done]"))
                .await
                .expect("the job finishes");
            let progress = text_of(&client, "[data-testid=wb-progress-text]").await;
            assert!(progress.starts_with("100%"), "{progress}");
            shot(&client, "workbench-bulk").await;

            client
                .goto(&format!(
                    "{base}/listings/workbench/export?include_exported=1"
                ))
                .await
                .expect("open the export page");
            let preview = text_of(&client, "[data-testid=wb-x-table]").await;
            assert!(
                preview.contains("item_sku") && preview.contains("PA-CASE-IP15-BLK"),
                "{preview}"
            );
            shot(&client, "workbench-export").await;
        },
    );
}

/// Translation settings (write-only key), the glossary page and the editor's memory and
/// glossary section. Screenshots: translation-settings, translation-glossary, workbench-assist.
#[test]
fn translation_settings_glossary_and_editor_assist() {
    with_demo_browser(
        |_env| {},
        |client, base| async move {
            client
                .goto(&format!("{base}/listings/translation"))
                .await
                .expect("open the translation settings");
            let current = text_of(&client, "[data-testid=tr-current]").await;
            assert!(current.contains("离线占位"), "offline labelled: {current}");
            wait_css(&client, "#tr-kind")
                .await
                .select_by_value("libretranslate")
                .await
                .expect("choose LibreTranslate");
            wait_css(&client, "#tr-url")
                .await
                .send_keys("http://127.0.0.1:9/")
                .await
                .expect("endpoint");
            wait_css(&client, "#tr-key")
                .await
                .send_keys("libre-key-12345678")
                .await
                .expect("key");
            wait_css(&client, "[data-testid=tr-save]")
                .await
                .click()
                .await
                .expect("save");
            wait_css(&client, "[data-testid=tr-message]").await;
            let hint = text_of(&client, "[data-testid=tr-key-hint]").await;
            assert_eq!(hint, "…5678");
            let page = client.source().await.expect("page source");
            assert!(
                !page.contains("libre-key-12345678"),
                "the key is write-only"
            );
            shot(&client, "translation-settings").await;

            client
                .goto(&format!("{base}/listings/glossary"))
                .await
                .expect("open the glossary");
            wait_css(&client, "#gl-term")
                .await
                .send_keys("手机壳")
                .await
                .expect("term");
            wait_css(&client, "[data-testid=gl-translation]")
                .await
                .send_keys("Handyhülle")
                .await
                .expect("translation");
            wait_css(&client, "[data-testid=gl-save]")
                .await
                .click()
                .await
                .expect("add");
            // The flash only exists on the page after the redirect (no stale element).
            wait_css(&client, "[data-testid=gl-message]").await;
            let entries = text_of(&client, "[data-testid=gl-entries]").await;
            assert!(
                entries.contains("Handyhülle") && entries.contains("Lumora"),
                "{entries}"
            );
            shot(&client, "translation-glossary").await;

            client
                .goto(&format!(
                    "{base}/listings/workbench?locale=de-DE&marketplace=amazon-de"
                ))
                .await
                .expect("filter");
            wait_css(&client, "[data-testid=wb-link]")
                .await
                .click()
                .await
                .expect("open the German listing");
            let assist = text_of(&client, "[data-testid=wb-assist]").await;
            assert!(assist.contains("Lumora"), "{assist}");
            let hits = text_of(&client, "[data-testid=wb-glossary-hit]").await;
            assert!(!hits.is_empty());
            client
                .execute(
                    "document.querySelector('[data-testid=wb-assist]').scrollIntoView()",
                    vec![],
                )
                .await
                .expect("scroll to the memory and glossary section");
            shot(&client, "workbench-assist").await;
        },
    );
}
