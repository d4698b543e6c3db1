//! Small text helpers shared by the parsers.

/// Maps full-width ASCII forms (what Chinese input methods often produce, e.g. "１．５ｋｇ") and the ideographic space to ASCII.
pub(crate) fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Shortens hostile or huge input for error messages so one bad cell cannot flood a report.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX_CHARS: usize = 80;
    let mut out: String = text.chars().take(MAX_CHARS).collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_digits_letters_and_space() {
        assert_eq!(fold_width("１．５\u{3000}ｋｇ"), "1.5 kg");
        assert_eq!(fold_width("千克"), "千克");
    }

    #[test]
    fn excerpt_cuts_long_text() {
        let long = "x".repeat(500);
        assert_eq!(excerpt(&long).chars().count(), 81);
        assert_eq!(excerpt("short"), "short");
    }
}
