//! `listings provider|glossary|translate` through the binary against a local mock speaking
//! DeepL's wire format: the configured provider is used (key from an environment variable,
//! sealed at rest), the glossary's do-not-translate terms reach it, and usage is recorded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::helpers::Env;

const ORG: &str = "Acme";

const SKUS: &str = "\
sku,title,brand,origin,hs_code,unit_value,currency,gross_weight
CB-01,USB-C cable,VoltLine,CN,854442,1.20,USD,0.05 kg
";

const LISTINGS: &str = "sku,marketplace,locale,title,bullet1,description,search_terms
CB-01,amazon,zh-CN,VoltLine 数据线 60W,支持 60 W 快充,<p>结实</p>,数据线
";

/// `POST /v2/translate` answered with `DE: <text>` per text; counts requests and remembers
/// the last body.
fn deepl_mock() -> (String, Arc<AtomicUsize>, Arc<std::sync::Mutex<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let calls = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(std::sync::Mutex::new(String::new()));
    let (c, l) = (calls.clone(), last.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0usize;
            let mut auth = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("authorization:") {
                    auth = line.trim().to_string();
                }
            }
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            c.fetch_add(1, Ordering::SeqCst);
            let req: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            *l.lock().unwrap() = format!("{auth}\n{req}");
            let texts: Vec<serde_json::Value> = req["text"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|t| {
                    let t = t.as_str().unwrap_or("");
                    serde_json::json!({"text": format!("DE: {t}"), "billed_characters": t.chars().count()})
                })
                .collect();
            let answer = serde_json::json!({ "translations": texts }).to_string();
            let mut out = stream;
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, calls, last)
}

#[test]
fn translate_uses_the_configured_provider() {
    let (url, calls, last) = deepl_mock();
    for env in Env::all() {
        let env = env.with_owner(ORG);
        let skus = env.write("skus.csv", SKUS.as_bytes());
        env.ok(&["sku", "import", "--org", ORG, skus.to_str().expect("path")]);
        let listings = env.write("listings.csv", LISTINGS.as_bytes());
        env.ok(&[
            "listings",
            "import",
            "--org",
            ORG,
            listings.to_str().expect("path"),
        ]);

        let run = env.ok(&["listings", "provider", "show", "--org", ORG]);
        assert!(run.stdout.contains("offline"), "{}", run.stdout);
        let out = env
            .command()
            .env("TRADELANE_TRANSLATE_API_KEY", "deepl-secret-9876")
            .args([
                "listings",
                "provider",
                "set",
                "--org",
                ORG,
                "--kind",
                "deepl",
                "--endpoint",
                &url,
                "--price-per-million-chars",
                "EUR:20",
            ])
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("…9876") && !stdout.contains("secret"),
            "{stdout}"
        );
        let run = env.ok(&["listings", "provider", "show", "--org", ORG]);
        assert!(
            run.stdout.contains("deepl") && run.stdout.contains("…9876"),
            "{}",
            run.stdout
        );

        let g = env.write(
            "glossary.csv",
            "kind,term,de-DE\ndnt,VoltLine,\n".as_bytes(),
        );
        let run = env.ok(&[
            "listings",
            "glossary",
            "import",
            "--org",
            ORG,
            g.to_str().expect("path"),
        ]);
        assert!(run.stdout.contains("1 new"), "{}", run.stdout);
        let bad = env.write("bad.csv", "kind,term,de-DE\nweird,x,y\n".as_bytes());
        let run = env.run(&[
            "listings",
            "glossary",
            "import",
            "--org",
            ORG,
            bad.to_str().expect("path"),
        ]);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(run.stderr.contains("line 2"), "{}", run.stderr);
        let run = env.ok(&[
            "listings", "glossary", "list", "--org", ORG, "--format", "csv",
        ]);
        assert!(
            run.stdout.contains("do_not_translate,VoltLine"),
            "{}",
            run.stdout
        );

        let before = calls.load(Ordering::SeqCst);
        let run = env.ok(&[
            "listings",
            "translate",
            "--org",
            ORG,
            "--target",
            "de-DE",
            "--market",
            "amazon-de",
            "--format",
            "json",
        ]);
        let items: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(items[0]["outcome"], "translated", "{items:?}");
        assert!(
            calls.load(Ordering::SeqCst) > before,
            "the provider was called"
        );
        let sent = last.lock().unwrap().clone();
        assert!(sent.contains("DeepL-Auth-Key deepl-secret-9876"), "{sent}");
        let run = env.ok(&[
            "listings", "list", "--org", ORG, "--locale", "de-DE", "--format", "json",
        ]);
        let listed: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(listed[0]["title"], "DE: VoltLine 数据线 60W", "{listed:?}");
        assert_eq!(listed[0]["origin"], "deepl");

        // Server key rotation: the old key becomes secret.key.old, `rekey` re-seals, and the
        // old key can then go.
        let dir = env.data_dir();
        std::fs::rename(dir.join("secret.key"), dir.join("secret.key.old")).expect("rotate");
        let run = env.ok(&["listings", "provider", "rekey"]);
        assert!(run.stdout.contains("1 key(s) re-sealed"), "{}", run.stdout);
        std::fs::remove_file(dir.join("secret.key.old")).expect("drop the old key");
        let run = env.ok(&[
            "listings",
            "translate",
            "--org",
            ORG,
            "--target",
            "fr-FR",
            "--market",
            "amazon-fr",
            "--format",
            "json",
        ]);
        let items: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(items[0]["outcome"], "translated", "{items:?}");
        assert!(last.lock().unwrap().contains("deepl-secret-9876"));
    }
}
