//! File names as the user gave them are only ever *shown* (and offered back on download), never used as a path:
//! they are reduced to their last component, stripped of control, bidi-override and reserved characters, and
//! bounded in length.

/// Longest stored file name, in characters.
pub const MAX_NAME_CHARS: usize = 120;

fn is_dropped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*'
                // bidi overrides and isolates, zero-width characters, BOM
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200B}'..='\u{200F}'
                | '\u{FEFF}'
        )
}

const WINDOWS_RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A safe display name: last path component, no control/bidi/reserved characters, no leading dots, whitespace
/// collapsed, at most [`MAX_NAME_CHARS`] characters (the extension kept), never empty (`document`).
pub fn sanitize_file_name(name: &str) -> String {
    let last = name
        .rsplit(['/', '\\'])
        .find(|part| !part.trim().is_empty())
        .unwrap_or("");
    let mut cleaned = String::with_capacity(last.len());
    let mut space = false;
    for c in last.chars() {
        if is_dropped(c) {
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !cleaned.is_empty() {
            cleaned.push(' ');
        }
        space = false;
        cleaned.push(c);
    }
    let cleaned = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let mut out = if cleaned.is_empty() {
        "document".to_string()
    } else {
        cleaned.to_string()
    };
    let stem_upper = out
        .split('.')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase();
    if WINDOWS_RESERVED.contains(&stem_upper.as_str()) {
        out.insert(0, '_');
    }
    if out.chars().count() > MAX_NAME_CHARS {
        let ext = extension(&out)
            .filter(|e| e.chars().count() <= 10)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let keep = MAX_NAME_CHARS - ext.chars().count();
        out = out.chars().take(keep).collect::<String>() + &ext;
    }
    out
}

/// The extension of a file name (after the last dot of the last component), without the dot.
pub fn extension(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = last.rsplit_once('.')?;
    let ext = ext.trim();
    if stem.trim().is_empty() || ext.is_empty() {
        return None;
    }
    Some(ext.to_string())
}

/// The name with its extension set to `ext` (appended when missing, kept when it already names the kind).
pub fn with_extension(name: &str, kind: crate::FileKind) -> String {
    match extension(name).and_then(|e| crate::FileKind::from_extension(&e)) {
        Some(k) if k == kind => name.to_string(),
        _ => format!("{name}.{}", kind.ext()),
    }
}

/// An ASCII-only fallback for the `filename=` parameter of Content-Disposition (non-ASCII goes into
/// `filename*=` as UTF-8).
pub fn ascii_fallback(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.trim_matches('_').is_empty() {
        "document".into()
    } else {
        s
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` for a sanitised name.
pub fn content_disposition(name: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{encoded}",
        ascii_fallback(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_reserved_characters_are_removed() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(sanitize_file_name("a/b/"), "b");
        assert_eq!(sanitize_file_name("...."), "document");
        assert_eq!(sanitize_file_name(""), "document");
        assert_eq!(sanitize_file_name(".hidden.pdf"), "hidden.pdf");
        assert_eq!(sanitize_file_name("CE <DoC>: \"v2\"?.pdf"), "CE DoC v2.pdf");
        assert_eq!(sanitize_file_name("con.pdf"), "_con.pdf");
        assert_eq!(sanitize_file_name("  测试\t报告 \n.pdf  "), "测试报告 .pdf");
        // A right-to-left override cannot disguise the extension.
        assert_eq!(sanitize_file_name("report\u{202E}fdp.exe"), "reportfdp.exe");
        assert_eq!(sanitize_file_name("a\0b.pdf"), "ab.pdf");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "x".repeat(300));
        let s = sanitize_file_name(&long);
        assert_eq!(s.chars().count(), MAX_NAME_CHARS);
        assert!(s.ends_with(".pdf"));
    }

    #[test]
    fn extensions_and_dispositions() {
        assert_eq!(extension("a.PDF").as_deref(), Some("PDF"));
        assert_eq!(extension("noext"), None);
        assert_eq!(extension("dir.d/noext"), None);
        assert_eq!(with_extension("scan", crate::FileKind::Png), "scan.png");
        assert_eq!(
            with_extension("scan.jpeg", crate::FileKind::Jpeg),
            "scan.jpeg"
        );
        let cd = content_disposition("检测报告 v1.pdf");
        assert!(
            cd.starts_with("attachment; filename=\"____ v1.pdf\""),
            "{cd}"
        );
        assert!(cd.contains("filename*=UTF-8''%E6%A3%80"), "{cd}");
    }
}
