//! Text clean-up and line breaking.

use crate::fonts::FontSet;

/// Drops control characters (tab becomes a space; `\n` is kept when `keep_newlines`) and bidirectional
/// embedding/override/isolate marks, which could otherwise make printed text read differently from the data.
pub(crate) fn sanitize(text: &str, keep_newlines: bool) -> String {
    let text = text.replace("\r\n", "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' if keep_newlines => Some('\n'),
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => None,
            c => Some(c),
        })
        .collect()
}

/// Characters after which a line may break without a space (CJK ideographs, kana, hangul, full-width
/// forms and punctuation).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// Breaks `text` into lines no wider than `width` at `size` points: at spaces, after hyphens and slashes,
/// between CJK characters, and inside a word only when the word alone is wider than the line.
pub(crate) fn wrap(fonts: &FontSet, text: &str, size: f32, width: f32) -> Vec<String> {
    let clean = sanitize(text, true);
    let mut lines = Vec::new();
    for para in clean.split('\n') {
        wrap_paragraph(fonts, para, size, width.max(size), &mut lines);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn wrap_paragraph(fonts: &FontSet, para: &str, size: f32, width: f32, out: &mut Vec<String>) {
    // Atoms: words (kept together when possible), single CJK characters, and spaces.
    let mut atoms: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in para.chars() {
        if c == ' ' || is_cjk(c) {
            if !word.is_empty() {
                atoms.push(std::mem::take(&mut word));
            }
            atoms.push(c.to_string());
        } else {
            word.push(c);
            if c == '-' || c == '/' {
                atoms.push(std::mem::take(&mut word));
            }
        }
    }
    if !word.is_empty() {
        atoms.push(word);
    }
    let mut line = String::new();
    let mut line_w = 0.0f32;
    let flush = |line: &mut String, line_w: &mut f32, out: &mut Vec<String>| {
        let trimmed = line.trim_end().to_string();
        out.push(trimmed);
        line.clear();
        *line_w = 0.0;
    };
    for atom in atoms {
        if atom == " " && line.is_empty() {
            continue;
        }
        let w = fonts.width(&atom, size);
        if line_w + w <= width || (line.is_empty() && w <= width) {
            line.push_str(&atom);
            line_w += w;
            continue;
        }
        if atom == " " {
            flush(&mut line, &mut line_w, out);
            continue;
        }
        if !line.trim().is_empty() {
            flush(&mut line, &mut line_w, out);
        } else {
            line.clear();
            line_w = 0.0;
        }
        if w <= width {
            line.push_str(&atom);
            line_w = w;
            continue;
        }
        // A word wider than the line: break it between characters.
        for c in atom.chars() {
            let cw = fonts.width(c.encode_utf8(&mut [0u8; 4]), size);
            if line_w + cw > width && !line.is_empty() {
                flush(&mut line, &mut line_w, out);
            }
            line.push(c);
            line_w += cw;
        }
    }
    if !line.trim().is_empty() || out.is_empty() || para.trim().is_empty() {
        flush(&mut line, &mut line_w, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_drops_controls_and_bidi_overrides() {
        assert_eq!(sanitize("a\u{0}b\u{202E}c\td", false), "abc d");
        assert_eq!(sanitize("a\r\nb", true), "a\nb");
        assert_eq!(sanitize("a\nb", false), "a b");
    }

    #[test]
    fn cjk_is_breakable() {
        assert!(is_cjk('中'));
        assert!(is_cjk('。'));
        assert!(!is_cjk('a'));
    }
}
