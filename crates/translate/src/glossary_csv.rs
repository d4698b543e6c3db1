//! Glossary CSV: `kind,term,de-DE,fr-FR,…,markets,note` (header names in English or Chinese, any
//! number of locale columns). `kind` is `term`, `do_not_translate` (`dnt`) or `forbidden`; without a
//! kind column a row with a translation is a term and one without is do-not-translate. Pure: text in,
//! rows or errors (row number, column, what was expected) out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GlossaryRow {
    /// Line in the file (1 = header).
    pub line: u64,
    pub kind: String,
    pub term: String,
    pub translations: BTreeMap<String, String>,
    pub markets: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct CsvError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Kind,
    Term,
    Markets,
    Note,
    Locale,
}

fn classify(header: &str) -> Option<Col> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    Some(match h.as_str() {
        "kind" | "type" | "类型" | "类别" => Col::Kind,
        "term" | "source" | "source term" | "术语" | "原文" => Col::Term,
        "markets" | "market" | "市场" => Col::Markets,
        "note" | "notes" | "comment" | "备注" | "说明" => Col::Note,
        _ if is_locale_tag(&h) => Col::Locale,
        _ => return None,
    })
}

/// Languages recognised as column headers (ISO 639-1), so that a stray column named `foo` is
/// reported rather than taken for a language.
const LANGUAGES: [&str; 32] = [
    "ar", "cs", "da", "de", "el", "en", "es", "fi", "fr", "he", "hi", "hu", "id", "it", "ja", "ko",
    "ms", "nb", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sv", "th", "tr", "uk", "vi", "zh", "bg",
];

/// `de`, `de-DE`, `zh-Hant`, `pt_BR`: a known language and optional script/region subtags.
pub fn is_locale_tag(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let mut parts = lower.split(['-', '_']);
    let lang = parts.next().unwrap_or("");
    LANGUAGES.contains(&lang)
        && parts.all(|p| (2..=4).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Normalises a tag's case: `de-de` → `de-DE`, `zh-hant` → `zh-Hant`.
pub fn normalize_tag(s: &str) -> String {
    let mut out = Vec::new();
    for (i, p) in s.trim().split(['-', '_']).enumerate() {
        out.push(if i == 0 {
            p.to_ascii_lowercase()
        } else if p.len() == 4 {
            let mut c = p.to_ascii_lowercase();
            c[..1].make_ascii_uppercase();
            c
        } else {
            p.to_ascii_uppercase()
        });
    }
    out.join("-")
}

/// Parses the whole file; every problem is reported (nothing is half-read).
pub fn parse_glossary_csv(text: &str) -> Result<Vec<GlossaryRow>, Vec<CsvError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![CsvError {
                line: 1,
                column: String::new(),
                message: format!("unreadable header: {e}"),
            }]);
        }
    };
    let mut cols = Vec::with_capacity(headers.len());
    let mut errors = Vec::new();
    for h in headers.iter() {
        match classify(h) {
            Some(c) => cols.push((c, h.to_string())),
            None => errors.push(CsvError {
                line: 1,
                column: h.to_string(),
                message: "unknown column; expected kind, term, markets, note or a locale tag such as de-DE".into(),
            }),
        }
    }
    if !cols.iter().any(|(c, _)| *c == Col::Term) {
        errors.push(CsvError {
            line: 1,
            column: "term".into(),
            message: "the file needs a term column".into(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let has_kind = cols.iter().any(|(c, _)| *c == Col::Kind);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(CsvError {
                    line,
                    column: String::new(),
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut row = GlossaryRow {
            line,
            ..Default::default()
        };
        for ((col, name), value) in cols.iter().zip(record.iter()) {
            let value = value.trim();
            match col {
                Col::Kind => row.kind = value.to_string(),
                Col::Term => row.term = value.to_string(),
                Col::Markets => {
                    row.markets = value
                        .split([',', ';', '|'])
                        .map(str::trim)
                        .filter(|m| !m.is_empty())
                        .map(str::to_string)
                        .collect();
                }
                Col::Note => row.note = (!value.is_empty()).then(|| value.to_string()),
                Col::Locale => {
                    if !value.is_empty() {
                        row.translations
                            .insert(normalize_tag(name), value.to_string());
                    }
                }
            }
        }
        if row.term.is_empty() {
            errors.push(CsvError {
                line,
                column: "term".into(),
                message: "empty; expected the term".into(),
            });
            continue;
        }
        if !has_kind || row.kind.is_empty() {
            row.kind = if row.translations.is_empty() {
                "do_not_translate".into()
            } else {
                "term".into()
            };
        }
        let k = row.kind.to_ascii_lowercase().replace(['-', ' '], "_");
        row.kind = match k.as_str() {
            "term" | "术语" => "term".into(),
            "dnt" | "do_not_translate" | "keep" | "不翻译" => "do_not_translate".into(),
            "forbidden" | "禁用" => "forbidden".into(),
            _ => {
                errors.push(CsvError {
                    line,
                    column: "kind".into(),
                    message: format!(
                        "{:?}: expected term, do_not_translate or forbidden",
                        row.kind
                    ),
                });
                continue;
            }
        };
        if row.kind == "term" && row.translations.is_empty() {
            errors.push(CsvError {
                line,
                column: "term".into(),
                message: "a term needs at least one translation column filled".into(),
            });
            continue;
        }
        rows.push(row);
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Writes entries back in the same layout (locale columns = every locale used, sorted).
pub fn write_glossary_csv(rows: &[GlossaryRow]) -> String {
    let mut locales: Vec<String> = rows
        .iter()
        .flat_map(|r| r.translations.keys().cloned())
        .collect();
    locales.sort();
    locales.dedup();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["kind".to_string(), "term".to_string()];
    header.extend(locales.iter().cloned());
    header.push("markets".into());
    header.push("note".into());
    let _ = w.write_record(&header);
    for r in rows {
        let mut rec = vec![r.kind.clone(), r.term.clone()];
        rec.extend(
            locales
                .iter()
                .map(|l| r.translations.get(l).cloned().unwrap_or_default()),
        );
        rec.push(r.markets.join(","));
        rec.push(r.note.clone().unwrap_or_default());
        let _ = w.write_record(&rec);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kinds_locales_and_markets() {
        let csv = "\u{feff}kind,term,de-DE,fr_fr,markets,note\n\
                   term,充电宝,Powerbank,batterie externe,,\n\
                   dnt,Anker,,,,brand\n\
                   forbidden,antibakteriell,,,\"DE, AT\",biocide claim\n\
                   ,,,,,\n";
        let rows = parse_glossary_csv(csv).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].translations["fr-FR"], "batterie externe");
        assert_eq!(rows[1].kind, "do_not_translate");
        assert_eq!(rows[1].note.as_deref(), Some("brand"));
        assert_eq!(rows[2].markets, vec!["DE", "AT"]);
        let back = parse_glossary_csv(&write_glossary_csv(&rows)).unwrap();
        assert_eq!(
            back.iter()
                .map(|r| (&r.kind, &r.term, &r.translations))
                .collect::<Vec<_>>(),
            rows.iter()
                .map(|r| (&r.kind, &r.term, &r.translations))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn chinese_headers_and_implicit_kind() {
        let rows = parse_glossary_csv("术语,de-DE,备注\n蓝牙,Bluetooth,\nUGREEN,,品牌\n").unwrap();
        assert_eq!(rows[0].kind, "term");
        assert_eq!(rows[1].kind, "do_not_translate");
    }

    #[test]
    fn every_error_is_named() {
        let errs =
            parse_glossary_csv("kind,term,de-DE\nterm,x,\nweird,y,z\nterm,,a\n").unwrap_err();
        let lines: Vec<(u64, &str)> = errs.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(lines, vec![(2, "term"), (3, "kind"), (4, "term")]);
        let errs = parse_glossary_csv("foo,bar\n").unwrap_err();
        assert!(errs.iter().any(|e| e.column == "foo"));
        assert!(errs.iter().any(|e| e.message.contains("term column")));
    }
}
