//! Keeping do-not-translate terms (brands, model numbers) away from a machine translator:
//! numbered placeholders for plain-text engines, ignored XML/HTML tags for DeepL.

/// Occurrences of `terms` in `text` (case-sensitive, longest first, non-overlapping), as
/// byte ranges with the term index, in text order.
fn occurrences(text: &str, terms: &[String]) -> Vec<(usize, usize)> {
    let mut order: Vec<&String> = terms.iter().filter(|t| !t.trim().is_empty()).collect();
    order.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for term in order {
        for (at, m) in text.match_indices(term.as_str()) {
            let end = at + m.len();
            if !taken.iter().any(|&(s, e)| at < e && s < end) && is_word_edge(text, at, end) {
                taken.push((at, end));
            }
        }
    }
    taken.sort_unstable();
    taken
}

/// A match must not cut an ASCII word in half ("Anker" inside "Ankerplatz").
fn is_word_edge(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let inner_first = text[start..end].chars().next();
    let inner_last = text[start..end].chars().next_back();
    let cuts = |outer: Option<char>, inner: Option<char>| matches!((outer, inner), (Some(o), Some(i)) if o.is_ascii_alphanumeric() && i.is_ascii_alphanumeric());
    !cuts(before, inner_first) && !cuts(after, inner_last)
}

/// Replaces each protected term by `[[n]]`; returns the text and the originals by number.
pub fn to_placeholders(text: &str, terms: &[String]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut originals = Vec::new();
    let mut last = 0;
    for (s, e) in occurrences(text, terms) {
        out.push_str(&text[last..s]);
        out.push_str(&format!("[[{}]]", originals.len()));
        originals.push(text[s..e].to_string());
        last = e;
    }
    out.push_str(&text[last..]);
    (out, originals)
}

/// Puts the originals back. Engines sometimes add spaces inside the brackets (`[[ 0 ]]`) or
/// drop one bracket pair level; both are accepted. A placeholder the engine lost stays lost:
/// the glossary check then reports the do-not-translate term as missing.
pub fn from_placeholders(text: &str, originals: &[String]) -> String {
    if originals.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        match parse_placeholder(after) {
            Some((n, len)) if n < originals.len() => {
                out.push_str(&originals[n]);
                rest = &after[len..];
            }
            _ => {
                out.push('[');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[[ 12 ]]` or `[12]` at the start of `s`: (number, byte length).
fn parse_placeholder(s: &str) -> Option<(usize, usize)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut opens = 0;
    while i < bytes.len() && bytes[i] == b'[' && opens < 2 {
        opens += 1;
        i += 1;
    }
    while i < bytes.len() && bytes[i] == b' ' {
        i += 1;
    }
    let digits_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    if i == digits_start || i - digits_start > 4 {
        return None;
    }
    let n: usize = s[digits_start..i].parse().ok()?;
    while i < bytes.len() && bytes[i] == b' ' {
        i += 1;
    }
    let mut closes = 0;
    while i < bytes.len() && bytes[i] == b']' && closes < opens {
        closes += 1;
        i += 1;
    }
    (closes == opens && opens > 0).then_some((n, i))
}

pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Tag DeepL is told to leave alone in XML mode.
pub const KEEP_TAG: &str = "keep";

/// Plain text → XML where protected terms sit in `<keep>` (DeepL `ignore_tags`).
pub fn to_xml_keep(text: &str, terms: &[String]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = 0;
    for (s, e) in occurrences(text, terms) {
        out.push_str(&xml_escape(&text[last..s]));
        out.push_str(&format!(
            "<{KEEP_TAG}>{}</{KEEP_TAG}>",
            xml_escape(&text[s..e])
        ));
        last = e;
    }
    out.push_str(&xml_escape(&text[last..]));
    out
}

/// DeepL's XML answer back to plain text.
pub fn from_xml_keep(text: &str) -> String {
    let open = format!("<{KEEP_TAG}>");
    let close = format!("</{KEEP_TAG}>");
    xml_unescape(&text.replace(&open, "").replace(&close, ""))
}

/// HTML: protected terms wrapped in `<span translate="no">` (DeepL honours it); the spans
/// are removed afterwards. Terms are only wrapped in text, never inside a tag.
pub fn to_html_keep(html: &str, terms: &[String]) -> String {
    let mut out = String::with_capacity(html.len() + 32);
    let mut rest = html;
    while !rest.is_empty() {
        let (text, tail) = match rest.find('<') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let mut last = 0;
        for (s, e) in occurrences(text, terms) {
            out.push_str(&text[last..s]);
            out.push_str(&format!("<span translate=\"no\">{}</span>", &text[s..e]));
            last = e;
        }
        out.push_str(&text[last..]);
        match tail.find('>') {
            Some(j) => {
                out.push_str(&tail[..=j]);
                rest = &tail[j + 1..];
            }
            None => {
                out.push_str(tail);
                rest = "";
            }
        }
    }
    out
}

pub fn from_html_keep(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let open = "<span translate=\"no\">";
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        let after = &rest[i + open.len()..];
        match after.find("</span>") {
            Some(j) => {
                out.push_str(&after[..j]);
                rest = &after[j + "</span>".len()..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn placeholders_round_trip() {
        let t = terms(&["Anker", "PowerCore 10000", "A1263"]);
        let (p, orig) = to_placeholders("Anker PowerCore 10000 (A1263) 充电宝，Ankerplatz", &t);
        assert_eq!(p, "[[0]] [[1]] ([[2]]) 充电宝，Ankerplatz");
        assert_eq!(orig, vec!["Anker", "PowerCore 10000", "A1263"]);
        let back = from_placeholders("[[0]] [[1]] ( [[ 2 ]] ) Powerbank [3] [x]", &orig);
        assert_eq!(back, "Anker PowerCore 10000 ( A1263 ) Powerbank [3] [x]");
        assert_eq!(
            from_placeholders("[0] und [1]", &orig),
            "Anker und PowerCore 10000"
        );
    }

    #[test]
    fn xml_keep_escapes_everything_else() {
        let x = to_xml_keep("Anker <3 & co", &terms(&["Anker"]));
        assert_eq!(x, "<keep>Anker</keep> &lt;3 &amp; co");
        assert_eq!(from_xml_keep(&x), "Anker <3 & co");
    }

    #[test]
    fn html_keep_leaves_tags_alone() {
        let h = to_html_keep(
            "<p class=\"Anker\">Anker <b>A1263</b></p>",
            &terms(&["Anker", "A1263"]),
        );
        assert_eq!(
            h,
            "<p class=\"Anker\"><span translate=\"no\">Anker</span> <b><span translate=\"no\">A1263</span></b></p>"
        );
        assert_eq!(
            from_html_keep(&h),
            "<p class=\"Anker\">Anker <b>A1263</b></p>"
        );
    }
}
