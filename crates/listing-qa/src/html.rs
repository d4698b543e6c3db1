//! HTML in descriptions: find disallowed markup and produce a sanitised copy with an
//! allowlist. A small tokenizer is enough here: descriptions are fragments, not pages,
//! and anything the tokenizer cannot read as a tag is escaped rather than trusted.

/// Elements removed together with their content: they run code, load other documents
/// or take input.
const DANGEROUS: [&str; 17] = [
    "script", "style", "iframe", "object", "embed", "form", "input", "button", "textarea",
    "select", "link", "meta", "base", "applet", "frame", "frameset", "svg",
];

/// Dangerous elements whose content goes too (the others are void or wrap nothing useful).
const DROP_CONTENT: [&str; 9] = [
    "script", "style", "iframe", "object", "textarea", "select", "applet", "svg", "frameset",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtmlIssueKind {
    /// A dangerous element, with its content when it has any.
    DangerousElement(String),
    /// An element the marketplace does not render.
    DisallowedTag(String),
    /// `on*=` attribute.
    EventHandler(String),
    /// `javascript:` / `vbscript:` / `data:` URL in href/src.
    ScriptUrl(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlIssue {
    pub kind: HtmlIssueKind,
    /// Byte range in the description.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
struct Tag<'a> {
    name: String,
    closing: bool,
    self_closing: bool,
    /// (name lower-case, value, byte range of the whole attribute in the input)
    attrs: Vec<(String, &'a str, usize, usize)>,
    end: usize,
}

/// Reads a tag starting at `start` (which holds `<`). None if it is not a tag.
fn read_tag(s: &str, start: usize) -> Option<Tag<'_>> {
    let b = s.as_bytes();
    let mut i = start + 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
        i += 1;
    }
    if i == name_start || !b[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i) {
            None => return None,
            Some(b'>') => {
                return Some(Tag {
                    name,
                    closing,
                    self_closing,
                    attrs,
                    end: i + 1,
                });
            }
            Some(b'/') => {
                self_closing = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        let a_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let a_name = s[a_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = "";
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let v_start = i + 1;
                    let close = s[v_start..].find(q as char)? + v_start;
                    value = &s[v_start..close];
                    i = close + 1;
                }
                Some(_) => {
                    let v_start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &s[v_start..i];
                }
                None => return None,
            }
        }
        if a_name.is_empty() {
            // A stray character such as a lone quote: skip it.
            i += s[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        attrs.push((a_name, value, a_start, i));
    }
}

fn is_script_url(v: &str) -> bool {
    let v: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    v.starts_with("javascript:") || v.starts_with("vbscript:") || v.starts_with("data:text/html")
}

fn safe_url(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    l.starts_with("https://")
        || l.starts_with("http://")
        || l.starts_with("mailto:")
        || l.starts_with('/')
}

const KEPT_ATTRS: [(&str, &str); 7] = [
    ("a", "href"),
    ("img", "src"),
    ("img", "alt"),
    ("img", "width"),
    ("img", "height"),
    ("td", "colspan"),
    ("th", "colspan"),
];

/// Finds the end of `</name>` after `from`, case-insensitively.
fn find_close(s: &str, from: usize, name: &str) -> Option<usize> {
    let lower = s[from..].to_ascii_lowercase();
    let needle = format!("</{name}");
    let at = lower.find(&needle)? + from;
    let gt = s[at..].find('>')? + at;
    Some(gt + 1)
}

/// Scans `html` and returns the problems and a sanitised copy that keeps only
/// `allowed` tags (with a few safe attributes) and all text.
pub fn scan(html: &str, allowed: &[String]) -> (Vec<HtmlIssue>, String) {
    let mut issues = Vec::new();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    while i < html.len() {
        let Some(rel) = html[i..].find('<') else {
            out.push_str(&html[i..]);
            break;
        };
        let lt = i + rel;
        out.push_str(&html[i..lt]);
        if html[lt..].starts_with("<!--") {
            let end = html[lt..].find("-->").map_or(html.len(), |e| lt + e + 3);
            i = end;
            continue;
        }
        let Some(tag) = read_tag(html, lt) else {
            out.push_str("&lt;");
            i = lt + 1;
            continue;
        };
        if DANGEROUS.contains(&tag.name.as_str()) {
            let mut end = tag.end;
            if !tag.closing && !tag.self_closing && DROP_CONTENT.contains(&tag.name.as_str()) {
                end = find_close(html, tag.end, &tag.name).unwrap_or(html.len());
            }
            issues.push(HtmlIssue {
                kind: HtmlIssueKind::DangerousElement(tag.name.clone()),
                start: lt,
                end,
            });
            i = end;
            continue;
        }
        for (name, value, a, b) in &tag.attrs {
            if name.starts_with("on") {
                issues.push(HtmlIssue {
                    kind: HtmlIssueKind::EventHandler(name.clone()),
                    start: *a,
                    end: *b,
                });
            } else if matches!(name.as_str(), "href" | "src" | "action" | "formaction")
                && is_script_url(value)
            {
                issues.push(HtmlIssue {
                    kind: HtmlIssueKind::ScriptUrl(name.clone()),
                    start: *a,
                    end: *b,
                });
            }
        }
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(&tag.name)) {
            out.push('<');
            if tag.closing {
                out.push('/');
            }
            out.push_str(&tag.name);
            if !tag.closing {
                for (name, value, _, _) in &tag.attrs {
                    let kept = KEPT_ATTRS.iter().any(|(t, a)| *t == tag.name && a == name);
                    let url = matches!(name.as_str(), "href" | "src");
                    if kept && (!url || safe_url(value)) && !value.contains(['"', '<', '>']) {
                        out.push_str(&format!(" {name}=\"{value}\""));
                    }
                }
            }
            if tag.self_closing {
                out.push_str(" /");
            }
            out.push('>');
        } else if !tag.closing {
            issues.push(HtmlIssue {
                kind: HtmlIssueKind::DisallowedTag(tag.name.clone()),
                start: lt,
                end: tag.end,
            });
        }
        i = tag.end;
    }
    (issues, out)
}

/// The sanitised copy alone.
pub fn sanitize(html: &str, allowed: &[String]) -> String {
    scan(html, allowed).1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        ["p", "br", "b", "ul", "li", "a"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn script_with_content_removed() {
        let h = "<p>Lamp</p><script>alert('x')</script><b>bright</b>";
        let (issues, clean) = scan(h, &allowed());
        assert_eq!(clean, "<p>Lamp</p><b>bright</b>");
        assert_eq!(issues.len(), 1);
        assert_eq!(
            &h[issues[0].start..issues[0].end],
            "<script>alert('x')</script>"
        );
    }

    #[test]
    fn event_handlers_and_script_urls() {
        let h = r#"<p onclick="steal()">Hi</p><a href="javascript:evil()">x</a><a href="https://ex.com/">ok</a>"#;
        let (issues, clean) = scan(h, &allowed());
        assert_eq!(issues.len(), 2);
        assert!(matches!(issues[0].kind, HtmlIssueKind::EventHandler(_)));
        assert!(matches!(issues[1].kind, HtmlIssueKind::ScriptUrl(_)));
        assert_eq!(
            clean,
            r#"<p>Hi</p><a>x</a><a href="https://ex.com/">ok</a>"#
        );
    }

    #[test]
    fn unknown_tags_dropped_text_kept_and_lone_lt_escaped() {
        let (issues, clean) = scan("<div>Größe < 5 cm</div><STYLE>p{}</STYLE>", &allowed());
        assert_eq!(clean, "Größe &lt; 5 cm");
        assert_eq!(issues.len(), 2);
    }

    #[test]
    fn plain_text_untouched() {
        let t = "Kabellose Maus 🙂, 2,4 GHz — leise Tasten";
        let (issues, clean) = scan(t, &allowed());
        assert!(issues.is_empty());
        assert_eq!(clean, t);
    }

    use proptest::prelude::*;

    proptest! {
        /// Whatever the markup, the sanitised copy has no script element, no event
        /// handler and no script URL left, and every issue span is a valid slice.
        #[test]
        fn sanitised_output_is_inert(parts in prop::collection::vec(prop::sample::select(&[
            "<", ">", "/", "script", "SCRIPT", "style", "iframe", "p", "a", " ", "=", "\"", "'",
            "onclick", "href", "javascript:", "<!--", "-->", "é", "🙂", "中", "x",
        ][..]), 0..40)) {
            let html = parts.concat();
            let (issues, clean) = scan(&html, &allowed());
            for i in &issues {
                prop_assert!(html.get(i.start..i.end).is_some());
            }
            let lower = clean.to_ascii_lowercase();
            prop_assert!(!lower.contains("<script"), "{html:?} -> {clean:?}");
            prop_assert!(!lower.contains("href=\"javascript"), "{clean:?}");
            // Text may say " onclick=" (it is escaped, inert text); no tag may carry it.
            for tag in lower.split('<').skip(1) {
                let inside = tag.split('>').next().unwrap_or("");
                prop_assert!(!inside.contains("onclick"), "{html:?} -> {clean:?}");
            }
        }
    }

    #[test]
    fn unterminated_script_removes_rest() {
        let (_, clean) = scan("ok<script>while(1){}", &allowed());
        assert_eq!(clean, "ok");
    }
}
