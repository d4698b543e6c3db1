//! Loading fonts from disk (feature `system-fonts`): the configured file first, then the well-known
//! locations in [`FONT_CANDIDATES`]. The only I/O of this crate.

use std::path::Path;
use std::sync::Arc;

use crate::{FONT_CANDIDATES, FontData, FontSet};

/// Name of the setting (environment variable) that points at a font file.
pub const FONT_SETTING: &str = "TRADELANE_PDF_FONT";

/// Reads the configured font (`configured`, usually from [`FONT_SETTING`] or a `--font` flag) and every
/// well-known font that exists. A configured file that cannot be read or is not a font is an error naming
/// the setting; no font at all is an error that says how to provide one.
pub fn load(configured: Option<&Path>) -> Result<FontSet, String> {
    let mut fonts = Vec::new();
    if let Some(path) = configured.filter(|p| !p.as_os_str().is_empty()) {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "{FONT_SETTING}={}: cannot read the font file ({e})",
                path.display()
            )
        })?;
        let data = FontData {
            name: path.display().to_string(),
            bytes: Arc::new(bytes),
            index: 0,
        };
        FontSet::from_fonts(vec![data.clone()])
            .map_err(|e| format!("{FONT_SETTING}={}: {e}", path.display()))?;
        fonts.push(data);
    }
    for candidate in FONT_CANDIDATES {
        if let Ok(bytes) = std::fs::read(candidate) {
            let data = FontData {
                name: (*candidate).to_string(),
                bytes: Arc::new(bytes),
                index: 0,
            };
            // Skip a system file that is not a usable font rather than fail.
            if FontSet::from_fonts(vec![data.clone()]).is_ok() {
                fonts.push(data);
            }
        }
    }
    if fonts.is_empty() {
        return Err(format!(
            "no font for PDF documents: set {FONT_SETTING} (or --font) to a TrueType/OpenType font file with Latin and CJK glyphs, e.g. /usr/share/fonts/truetype/wqy/wqy-microhei.ttc from the Debian package fonts-wqy-microhei; looked in {}",
            FONT_CANDIDATES.join(", ")
        ));
    }
    FontSet::from_fonts(fonts).map_err(|e| e.to_string())
}

/// [`load`] with the path from the [`FONT_SETTING`] environment variable.
pub fn load_from_env() -> Result<FontSet, String> {
    let configured = std::env::var_os(FONT_SETTING);
    load(configured.as_deref().map(Path::new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_file_that_is_not_a_font_names_the_setting() {
        let dir = std::env::temp_dir().join(format!("tl-fonts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("not-a-font.ttf");
        std::fs::write(&bad, b"<html>").unwrap();
        let err = load(Some(&bad)).unwrap_err();
        assert!(
            err.contains(FONT_SETTING) && err.contains("not-a-font.ttf"),
            "{err}"
        );
        let err = load(Some(&dir.join("missing.ttf"))).unwrap_err();
        assert!(
            err.contains(FONT_SETTING) && err.contains("cannot read"),
            "{err}"
        );
    }
}
