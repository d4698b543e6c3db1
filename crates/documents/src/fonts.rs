//! Fonts as bytes, character → glyph lookup with fallback across the set, and advance widths.

use std::ops::Range;
use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::DocumentError;

/// Well-known locations of fonts with Latin and CJK glyphs (Debian/Ubuntu package in brackets), tried in
/// order after the configured font. A caller reads the first ones that exist; the documents need one font
/// with CJK glyphs for Chinese text and one with Latin glyphs (a CJK font usually has both).
pub const FONT_CANDIDATES: &[&str] = &[
    // fonts-wqy-microhei (CI installs it): Latin and CJK in one face.
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    // fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    // fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    // fonts-dejavu-core / fonts-noto-core / fonts-liberation2 (Latin, Greek, Cyrillic; no CJK)
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    // macOS
    "/System/Library/Fonts/PingFang.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
];

/// One font file (or one face of a collection) as bytes.
#[derive(Clone)]
pub struct FontData {
    /// Label for error messages (usually the path).
    pub name: String,
    /// The file's bytes.
    pub bytes: Arc<Vec<u8>>,
    /// Face index within a collection (.ttc); 0 for a single font.
    pub index: u32,
}

impl std::fmt::Debug for FontData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontData")
            .field("name", &self.name)
            .field("bytes", &self.bytes.len())
            .field("index", &self.index)
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Face {
    data: FontData,
    upem: f32,
    ascent: f32,
    descent: f32,
}

/// An ordered set of fonts: for every character the first font that has a glyph for it is used.
#[derive(Debug, Clone)]
pub struct FontSet {
    faces: Vec<Face>,
}

/// A glyph placed in a line: font index, glyph id, advance in em, byte range of its text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlacedGlyph {
    pub font: usize,
    pub glyph: u32,
    pub advance_em: f32,
    pub range: Range<usize>,
}

impl FontSet {
    /// Validates the fonts (each must parse as TrueType/OpenType with a character map). Order matters: put
    /// the preferred font first.
    pub fn from_fonts(fonts: Vec<FontData>) -> Result<Self, DocumentError> {
        if fonts.is_empty() {
            return Err(DocumentError::NoFont);
        }
        let mut faces = Vec::with_capacity(fonts.len());
        for data in fonts {
            let bad = || DocumentError::BadFont {
                name: data.name.clone(),
                index: data.index,
            };
            let font = FontRef::from_index(data.bytes.as_slice(), data.index).map_err(|_| bad())?;
            let metrics = font.metrics(Size::unscaled(), LocationRef::default());
            let upem = f32::from(metrics.units_per_em);
            if upem <= 0.0
                || font.charmap().map('A').is_none() && font.charmap().map('中').is_none()
            {
                return Err(bad());
            }
            // krilla must accept it too, or rendering would fail later.
            if krilla::text::Font::new(krilla::Data::from(data.bytes.clone()), data.index).is_none()
            {
                return Err(bad());
            }
            faces.push(Face {
                upem,
                ascent: metrics.ascent / upem,
                descent: metrics.descent / upem,
                data,
            });
        }
        Ok(FontSet { faces })
    }

    /// Names of the fonts, in order.
    pub fn names(&self) -> Vec<String> {
        self.faces.iter().map(|f| f.data.name.clone()).collect()
    }

    /// Whether some font has a glyph for every letter of `text` (whitespace and controls aside).
    pub fn covers(&self, text: &str) -> bool {
        let refs = self.refs();
        text.chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .all(|c| refs.iter().any(|f| f.charmap().map(c).is_some()))
    }

    pub(crate) fn font_data(&self) -> impl Iterator<Item = &FontData> {
        self.faces.iter().map(|f| &f.data)
    }

    /// Ascent and descent (negative) of the first font, in em.
    pub(crate) fn vertical_metrics(&self) -> (f32, f32) {
        self.faces
            .first()
            .map_or((0.8, -0.2), |f| (f.ascent, f.descent))
    }

    fn refs(&self) -> Vec<FontRef<'_>> {
        self.faces
            .iter()
            .filter_map(|f| FontRef::from_index(f.data.bytes.as_slice(), f.data.index).ok())
            .collect()
    }

    /// Glyphs of one line of text (no line breaks inside), with font fallback per character.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<PlacedGlyph> {
        let refs = self.refs();
        let metrics: Vec<_> = refs
            .iter()
            .map(|f| f.glyph_metrics(Size::unscaled(), LocationRef::default()))
            .collect();
        let mut out = Vec::with_capacity(text.len());
        for (pos, ch) in text.char_indices() {
            let range = pos..pos + ch.len_utf8();
            let found = refs
                .iter()
                .enumerate()
                .find_map(|(i, f)| f.charmap().map(ch).map(|g| (i, g)));
            let (font, glyph) = found.unwrap_or((0, skrifa::GlyphId::new(0)));
            let upem = self.faces.get(font).map_or(1000.0, |f| f.upem);
            let advance = metrics
                .get(font)
                .and_then(|m| m.advance_width(glyph))
                .unwrap_or(upem / 2.0);
            out.push(PlacedGlyph {
                font,
                glyph: glyph.to_u32(),
                advance_em: advance / upem,
                range,
            });
        }
        out
    }

    /// Width of one line of text at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(text).iter().map(|g| g.advance_em).sum::<f32>() * size
    }
}
