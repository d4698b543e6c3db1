//! Real-browser test: headless Chromium, driven through chromedriver (WebDriver), against the
//! real `tradelane serve` on a fresh SQLite database.
//!
//! Finds Chromium at $TRADELANE_CHROMIUM or /usr/bin/chromium and the driver at
//! $TRADELANE_CHROMEDRIVER or /usr/bin/chromedriver (Debian packages `chromium` and
//! `chromium-driver`). When either is missing the test prints a note and passes, unless
//! TRADELANE_REQUIRE_BROWSER=1, which turns a missing browser into a failure.
//! Screenshots of every step go to target/screenshots/.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{Env, PASSWORD};

/// A seller's sheet with Chinese headers (UTF-8 with BOM, as Excel's "CSV UTF-8" writes it).
const UPLOAD_CSV: &str = "\u{feff}货号,品名,品牌,申报品名,英文品名,原产国,海关编码,申报价值,币种,毛重,电池
WEB-TWS-01,蓝牙耳机 降噪版,声悦,蓝牙耳机,Bluetooth earphones,CN,851830,12.50,USD,0.12 kg,内置锂离子电池 1.85Wh
WEB-LED-02,LED灯带 5米,光标,LED灯带,LED strip light fitting,CN,940542,5.90,USD,0.33 kg,无
WEB-DOG-03,狗胸背带 中号,宠乐,狗胸背带,Dog harness,VN,420100,3.60,USD,0.23 kg,无
";

pub(crate) struct Killed(pub(crate) Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn tool(env_var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env_var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    path.is_file().then_some(path)
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub(crate) fn wait_for_port(addr: SocketAddr, what: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {addr} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) fn screenshots_dir() -> PathBuf {
    // CARGO_MANIFEST_DIR is crates/tradelane; the workspace target dir is two levels up.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

pub(crate) async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let path = screenshots_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
}

pub(crate) async fn wait_css(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

pub(crate) async fn text_of(client: &Client, css: &str) -> String {
    wait_css(client, css)
        .await
        .text()
        .await
        .expect("element text")
}

pub(crate) async fn html_lang(client: &Client) -> String {
    let html = client
        .find(Locator::Css("html"))
        .await
        .expect("html element");
    html.attr("lang")
        .await
        .expect("lang attribute")
        .unwrap_or_default()
}

#[test]
fn login_import_chinese_csv_switch_language_logout() {
    let Some((chromium, driver)) = browser_tools() else {
        return;
    };

    let env = Env::sqlite();
    env.ok(&[
        "user",
        "create",
        "--org",
        "Browser Trading",
        "--email",
        "owner@example.com",
        "--name",
        "店主",
        "--role",
        "owner",
        "--password",
        PASSWORD,
        "--locale",
        "zh-CN",
    ]);
    let upload = env.write("上传-catalogue.csv", UPLOAD_CSV.as_bytes());
    // The demo organisation too, for the screenshots of a full catalogue (README).
    env.ok(&["demo", "--no-serve"]);

    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut server = env
        .command()
        .args(["serve", "--bind", &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tradelane serve");
    wait_for_port(addr, "tradelane serve", &mut server);
    let _server = Killed(server);

    let driver_port = free_port();
    let mut chromedriver = Command::new(&driver)
        .arg(format!("--port={driver_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    wait_for_port(
        ([127, 0, 0, 1], driver_port).into(),
        "chromedriver",
        &mut chromedriver,
    );
    let _chromedriver = Killed(chromedriver);

    let profile = tempfile::tempdir().expect("profile dir");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(scenario(
        &format!("http://{addr}"),
        driver_port,
        &chromium,
        profile.path(),
        &upload,
    ));
}

async fn scenario(base: &str, driver_port: u16, chromium: &Path, profile: &Path, upload: &Path) {
    let client = connect(driver_port, chromium, profile, "zh-CN").await;

    // The steps run as their own task so that a failed assertion still ends the browser
    // session below; killing chromedriver alone would leave Chromium running.
    let steps_client = client.clone();
    let (base, upload) = (base.to_string(), upload.to_path_buf());
    let outcome = tokio::spawn(async move { steps(&steps_client, &base, &upload).await }).await;
    let _ = client.close().await;
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("the browser steps did not finish: {err}"),
        }
    }
}

async fn steps(client: &Client, base: &str, upload: &Path) {
    // Log in.
    client
        .goto(&format!("{base}/login"))
        .await
        .expect("open login");
    wait_css(client, "#login-email")
        .await
        .send_keys("owner@example.com")
        .await
        .expect("type e-mail");
    wait_css(client, "#login-password")
        .await
        .send_keys(PASSWORD)
        .await
        .expect("type password");
    shot(client, "01-login").await;
    wait_css(client, "#login-submit")
        .await
        .click()
        .await
        .expect("submit login");
    let whoami = text_of(client, "[data-testid=whoami]").await;
    assert!(whoami.contains("店主"), "logged in as the owner: {whoami}");
    assert_eq!(
        html_lang(client).await,
        "zh-CN",
        "the owner's language is zh-CN"
    );

    // Import wizard: upload.
    wait_css(client, "#nav-import")
        .await
        .click()
        .await
        .expect("open import");
    let file_input = wait_css(client, "#import-file").await;
    file_input
        .send_keys(&upload.to_string_lossy())
        .await
        .expect("choose the file");
    shot(client, "02-import-upload").await;
    wait_css(client, "#import-upload")
        .await
        .click()
        .await
        .expect("upload");

    // Map: the Chinese headers are recognised without help.
    wait_css(client, "#import-map-form").await;
    shot(client, "03-import-map").await;
    for (header, field) in [
        ("货号", "sku_code"),
        ("品名", "title"),
        ("海关编码", "hs_code"),
        ("毛重", "gross_weight"),
    ] {
        let select = wait_css(client, &format!("select[data-header='{header}']")).await;
        let value = select
            .prop("value")
            .await
            .expect("select value")
            .unwrap_or_default();
        assert_eq!(value, field, "header {header} is mapped to {field}");
    }
    wait_css(client, "#import-map-submit")
        .await
        .click()
        .await
        .expect("to preview");

    // Preview: no errors, three rows, then commit.
    wait_css(client, "[data-testid=import-no-errors]").await;
    let preview_rows = client
        .find_all(Locator::Css("[data-testid=import-preview-row]"))
        .await
        .expect("preview rows");
    assert_eq!(preview_rows.len(), 3);
    shot(client, "04-import-preview").await;
    wait_css(client, "#import-commit")
        .await
        .click()
        .await
        .expect("commit");
    assert_eq!(
        text_of(client, "[data-testid=import-created]").await.trim(),
        "3"
    );
    shot(client, "05-import-result").await;

    // The catalogue lists the new SKUs, in Chinese.
    wait_css(client, "#import-done")
        .await
        .click()
        .await
        .expect("to catalogue");
    wait_css(client, "#sku-table").await;
    let rows = client
        .find_all(Locator::Css("[data-testid=sku-row]"))
        .await
        .expect("sku rows");
    let mut codes = Vec::new();
    for row in &rows {
        codes.push(
            row.attr("data-sku-code")
                .await
                .expect("attr")
                .unwrap_or_default(),
        );
    }
    codes.sort();
    assert_eq!(codes, ["WEB-DOG-03", "WEB-LED-02", "WEB-TWS-01"]);
    let table = text_of(client, "#sku-table").await;
    assert!(
        table.contains("蓝牙耳机 降噪版"),
        "Chinese titles are shown: {table}"
    );
    let nav_zh = text_of(client, "#nav-catalogue").await;
    let heading_zh = text_of(client, "main h1").await;
    assert!(
        nav_zh
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese navigation: {nav_zh}"
    );
    shot(client, "06-catalogue-zh").await;

    // Switch to English: same page, other language.
    wait_css(client, "#lang-switch-en")
        .await
        .click()
        .await
        .expect("switch to English");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("html[lang='en']"))
        .await
        .expect("the page reloads in English");
    let nav_en = text_of(client, "#nav-catalogue").await;
    let heading_en = text_of(client, "main h1").await;
    assert_ne!(nav_en, nav_zh);
    assert_ne!(heading_en, heading_zh);
    assert!(
        nav_en.is_ascii() && !nav_en.is_empty(),
        "English navigation: {nav_en}"
    );
    assert!(heading_en.is_ascii(), "English heading: {heading_en}");
    let url = client.current_url().await.expect("url");
    assert!(
        url.path().starts_with("/catalogue"),
        "stays on the catalogue: {url}"
    );
    let rows_en = client
        .find_all(Locator::Css("[data-testid=sku-row]"))
        .await
        .expect("sku rows");
    assert_eq!(rows_en.len(), 3, "the same SKUs in English");
    shot(client, "07-catalogue-en").await;

    // Log out: back to the login form; the catalogue is closed again.
    wait_css(client, "#logout")
        .await
        .click()
        .await
        .expect("log out");
    wait_css(client, "#login-form").await;
    shot(client, "08-logged-out").await;
    client
        .goto(&format!("{base}/catalogue"))
        .await
        .expect("open catalogue");
    wait_css(client, "#login-form").await;

    // The demo owner sees the demo catalogue, in Chinese (the owner's language).
    wait_css(client, "#login-email")
        .await
        .send_keys("demo@tradelane.local")
        .await
        .expect("type e-mail");
    wait_css(client, "#login-password")
        .await
        .send_keys("tradelane-demo")
        .await
        .expect("type password");
    wait_css(client, "#login-submit")
        .await
        .click()
        .await
        .expect("submit login");
    wait_css(client, "#sku-table").await;
    let demo_rows = client
        .find_all(Locator::Css("[data-testid=sku-row]"))
        .await
        .expect("sku rows");
    assert!(
        demo_rows.len() >= 20,
        "the demo catalogue fills the first page: {}",
        demo_rows.len()
    );
    assert!(
        client
            .find(Locator::Css("[data-sku-code='WEB-TWS-01']"))
            .await
            .is_err(),
        "another organisation's SKU is not visible"
    );
    shot(client, "09-demo-catalogue").await;
}

/// Chromium and chromedriver, or `None` (after a note) when they are missing and the browser is
/// not required.
pub(crate) fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    match (
        tool("TRADELANE_CHROMIUM", "/usr/bin/chromium"),
        tool("TRADELANE_CHROMEDRIVER", "/usr/bin/chromedriver"),
    ) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        _ => {
            let msg = "headless Chromium or chromedriver not found (apt-get install chromium \
                       chromium-driver, or set TRADELANE_CHROMIUM / TRADELANE_CHROMEDRIVER)";
            if std::env::var("TRADELANE_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("{msg}; TRADELANE_REQUIRE_BROWSER=1 requires the browser tests to run");
            }
            eprintln!("note: skipping a browser test: {msg}");
            None
        }
    }
}

/// The demo account's e-mail and password (`tradelane demo`).
pub(crate) const DEMO_EMAIL: &str = "demo@tradelane.local";
pub(crate) const DEMO_PASSWORD: &str = "tradelane-demo";

/// Runs `steps` in headless Chromium against `tradelane serve` on a fresh SQLite database
/// holding the demo organisation, logged in as the demo owner (UI in English unless the steps
/// switch). `prepare` runs CLI commands before the server starts (e.g. to load more data).
/// Skips (or fails under TRADELANE_REQUIRE_BROWSER=1) when the browser is missing.
pub(crate) fn with_demo_browser<P, F, Fut>(prepare: P, steps: F)
where
    P: FnOnce(&crate::helpers::Env),
    F: FnOnce(Client, String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some((chromium, driver)) = browser_tools() else {
        return;
    };
    let env = crate::helpers::Env::sqlite();
    env.ok(&["demo", "--no-serve"]);
    prepare(&env);

    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut server = env
        .command()
        .args(["serve", "--bind", &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tradelane serve");
    wait_for_port(addr, "tradelane serve", &mut server);
    let _server = Killed(server);

    let driver_port = free_port();
    let mut chromedriver = Command::new(&driver)
        .arg(format!("--port={driver_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    wait_for_port(
        ([127, 0, 0, 1], driver_port).into(),
        "chromedriver",
        &mut chromedriver,
    );
    let _chromedriver = Killed(chromedriver);

    let profile = tempfile::tempdir().expect("profile dir");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = format!("http://{addr}");
    runtime.block_on(async move {
        let client = connect(driver_port, &chromium, profile.path(), "en").await;
        let steps_client = client.clone();
        let outcome = tokio::spawn(async move {
            login(&steps_client, &base, DEMO_EMAIL, DEMO_PASSWORD).await;
            steps(steps_client, base).await
        })
        .await;
        let _ = client.close().await;
        if let Err(err) = outcome {
            match err.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(err) => panic!("the browser steps did not finish: {err}"),
            }
        }
    });
}

/// A WebDriver session on headless Chromium with a 1366×900 window (a laptop screen).
pub(crate) async fn connect(
    driver_port: u16,
    chromium: &Path,
    profile: &Path,
    lang: &str,
) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()), "--window-size=1366,900",
                format!("--lang={lang}"),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("connect to chromedriver")
}

/// Logs in through the login form and waits for the signed-in header.
pub(crate) async fn login(client: &Client, base: &str, email: &str, password: &str) {
    client
        .goto(&format!("{base}/login"))
        .await
        .expect("open login");
    wait_css(client, "#login-email")
        .await
        .send_keys(email)
        .await
        .expect("type e-mail");
    wait_css(client, "#login-password")
        .await
        .send_keys(password)
        .await
        .expect("type password");
    wait_css(client, "#login-submit")
        .await
        .click()
        .await
        .expect("submit login");
    wait_css(client, "[data-testid=whoami]").await;
}

/// Every module's first page renders for the demo owner in both languages (no error page, the
/// signed-in header present), with a screenshot of each: the tour a new user takes.
#[test]
fn every_module_page_renders_in_both_languages() {
    with_demo_browser(
        |_| {},
        |client, base| async move {
            let pages = [
                "catalogue",
                "landed-cost",
                "shipments",
                "listings",
                "listings/workbench",
                "listings/translation",
                "listings/glossary",
                "compliance",
                "compliance/documents",
                "compliance/watchlist",
                "compliance/screening",
                "customs/documents",
                "tax",
                "shipments/connectors",
                "shipments/masters",
                "exceptions",
                "alerts",
                "freight",
                "freight/quote",
                "freight/load-plan",
                "freight/pools",
                "freight/pools/1",
                "users",
                "audit",
            ];
            for lang in ["en", "zh-CN"] {
                client
                    .goto(&format!("{base}/catalogue"))
                    .await
                    .expect("open catalogue");
                wait_css(&client, &format!("[data-testid=lang-{lang}]"))
                    .await
                    .click()
                    .await
                    .expect("switch language");
                wait_css(&client, &format!("html[lang={lang}]")).await;
                for page in pages {
                    client
                        .goto(&format!("{base}/{page}"))
                        .await
                        .unwrap_or_else(|e| panic!("open /{page}: {e}"));
                    wait_css(&client, "[data-testid=whoami]").await;
                    assert_eq!(html_lang(&client).await, lang, "/{page}");
                    assert!(
                        client
                            .find(Locator::Css("[data-testid=error-page]"))
                            .await
                            .is_err(),
                        "/{page} in {lang} shows an error page"
                    );
                    shot(&client, &format!("tour-{lang}-{}", page.replace('/', "-"))).await;
                }
            }
        },
    );
}
