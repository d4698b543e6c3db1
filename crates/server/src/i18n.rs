//! UI message catalogues (en, zh-CN), compiled into the binary from `locales/`.
//! Every user-visible string of the UI goes through a key here; a missing key renders as the
//! key itself (visible, never a crash) and a test keeps both catalogues in lock-step.
//!
//! A language's catalogue is `locales/<lang>.toml` plus every `locales/<lang>/*.toml` (one file
//! per module, so modules add messages without touching a shared file). A key defined twice is
//! a defect the tests catch.

use std::collections::HashMap;
use std::sync::LazyLock;

use rust_embed::RustEmbed;
use tradelane_domain::UiLang;

#[derive(RustEmbed)]
#[folder = "locales/"]
struct Locales;

/// The catalogue files of one language, main file first, then module files by name.
fn sources(code: &str) -> Vec<(String, String)> {
    let mut names: Vec<String> = Locales::iter()
        .map(|n| n.into_owned())
        .filter(|n| n.ends_with(".toml"))
        .filter(|n| {
            n == &format!("{code}.toml")
                || n.strip_prefix(code)
                    .and_then(|rest| rest.strip_prefix('/'))
                    .is_some_and(|file| !file.contains('/'))
        })
        .collect();
    names.sort_by_key(|n| (n.contains('/'), n.clone()));
    names
        .into_iter()
        .filter_map(|name| {
            let file = Locales::get(&name)?;
            let text = String::from_utf8_lossy(&file.data).into_owned();
            Some((name, text))
        })
        .collect()
}

/// One language's messages, flattened to dotted keys (`nav.catalogue`).
#[derive(Debug)]
pub struct Catalog {
    messages: HashMap<String, String>,
}

impl Catalog {
    fn parse(files: &[(String, String)]) -> Result<Self, String> {
        let mut messages = HashMap::new();
        for (name, source) in files {
            let table: toml::Table = source.parse().map_err(|e| format!("{name}: {e}"))?;
            let mut one = HashMap::new();
            flatten("", &table, &mut one).map_err(|e| format!("{name}: {e}"))?;
            for (key, text) in one {
                if messages.insert(key.clone(), text).is_some() {
                    return Err(format!("{name}: {key} is already defined in another file"));
                }
            }
        }
        Ok(Catalog { messages })
    }

    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        match self.messages.get(key) {
            Some(text) => text,
            None => {
                tracing::warn!(key, "missing UI message");
                key
            }
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.messages.keys().map(String::as_str)
    }
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut HashMap<String, String>,
) -> Result<(), String> {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(text) => {
                out.insert(full, text.clone());
            }
            toml::Value::Table(inner) => flatten(&full, inner, out)?,
            other => {
                return Err(format!(
                    "{full}: expected a string, found {}",
                    other.type_str()
                ));
            }
        }
    }
    Ok(())
}

fn load(name: &str) -> Catalog {
    // The catalogues are compiled in and covered by tests, so a parse failure is a build defect;
    // fall back to an empty catalogue (keys shown verbatim) rather than taking the server down.
    Catalog::parse(&sources(name)).unwrap_or_else(|e| {
        tracing::error!(catalogue = name, error = %e, "invalid message catalogue");
        Catalog {
            messages: HashMap::new(),
        }
    })
}

static EN: LazyLock<Catalog> = LazyLock::new(|| load("en"));
static ZH_CN: LazyLock<Catalog> = LazyLock::new(|| load("zh-CN"));

pub fn catalog(lang: UiLang) -> &'static Catalog {
    match lang {
        UiLang::En => &EN,
        UiLang::ZhCn => &ZH_CN,
    }
}

/// Handle passed to templates: `{{ t.t("nav.catalogue") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: UiLang,
    catalog: &'static Catalog,
}

impl Tr {
    pub fn new(lang: UiLang) -> Self {
        Tr {
            lang,
            catalog: catalog(lang),
        }
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.catalog.get(key)
    }

    /// Message with `{name}` placeholders replaced.
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.catalog.get(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn parsed(code: &str) -> Catalog {
        Catalog::parse(&sources(code)).expect("catalogue parses")
    }

    #[test]
    fn module_files_are_merged_and_duplicates_rejected() {
        assert!(!sources("en").is_empty());
        assert!(sources("zh-CN").iter().all(|(n, _)| n.starts_with("zh-CN")));
        let files = vec![
            ("a.toml".to_string(), "[x]\ny = \"1\"".to_string()),
            ("b.toml".to_string(), "[x]\ny = \"2\"".to_string()),
        ];
        let err = Catalog::parse(&files).expect_err("duplicate key");
        assert!(err.contains("x.y"), "{err}");
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let en: BTreeSet<_> = parsed("en").messages.into_keys().collect();
        let zh: BTreeSet<_> = parsed("zh-CN").messages.into_keys().collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(only_en.is_empty(), "keys missing in zh-CN: {only_en:?}");
        assert!(only_zh.is_empty(), "keys missing in en: {only_zh:?}");
    }

    #[test]
    fn no_empty_messages() {
        for name in ["en", "zh-CN"] {
            for (key, text) in parsed(name).messages {
                assert!(!text.trim().is_empty(), "{name}: {key} is empty");
            }
        }
    }

    /// Every key a template or handler looks up (via `t` / `tf`) exists.
    #[test]
    fn every_used_key_exists() {
        let en = parsed("en");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/");
        let mut sources = Vec::new();
        let mut dirs: Vec<std::path::PathBuf> = ["templates", "src"]
            .iter()
            .map(|s| format!("{dir}{s}").into())
            .collect();
        while let Some(current) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&current) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.is_file() {
                    sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let mut missing = Vec::new();
        for (path, text) in &sources {
            for marker in ["t.t(", "t.tf(", "msg("] {
                let mut rest = text.as_str();
                while let Some(pos) = rest.find(marker) {
                    rest = &rest[pos + marker.len()..];
                    let Some(literal) = rest.trim_start().strip_prefix('"') else {
                        continue;
                    };
                    let Some(end) = literal.find('"') else { break };
                    let key = &literal[..end];
                    let looks_like_key = key.contains('.')
                        && key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                    if looks_like_key && !en.messages.contains_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not defined: {missing:#?}"
        );
    }

    #[test]
    fn placeholders_are_filled() {
        let t = Tr::new(UiLang::En);
        let text = t.tf("catalogue.total", &[("count", "7")]);
        assert!(text.contains('7'), "{text}");
        assert!(!text.contains("{count}"));
    }
}
