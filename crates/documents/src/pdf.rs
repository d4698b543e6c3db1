//! PDF output with krilla.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use crate::fonts::FontSet;
use crate::layout::{Op, layout, page_size};
use crate::{Color, Document, DocumentError};

fn paint(c: Color) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

fn fill(c: Color) -> Fill {
    Fill {
        paint: paint(c),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn stroke(c: Color, width: f32, dashed: bool) -> Stroke {
    Stroke {
        paint: paint(c),
        width,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Round,
        dash: dashed.then(|| StrokeDash {
            array: vec![4.0 * width.max(0.5), 3.0 * width.max(0.5)],
            offset: 0.0,
        }),
        ..Stroke::default()
    }
}

fn draw_text(
    surface: &mut Surface,
    fonts: &FontSet,
    krilla_fonts: &[Font],
    op: (&str, f32, f32, f32, bool, Color),
) {
    let (text, x, baseline, size, bold, color) = op;
    let glyphs = fonts.glyphs(text);
    surface.set_fill(Some(fill(color)));
    surface.set_stroke(bold.then(|| Stroke {
        width: size * 0.035,
        ..stroke(color, size * 0.035, false)
    }));
    let mut x = x;
    let mut start = 0;
    while start < glyphs.len() {
        let font = glyphs[start].font;
        let mut end = start;
        while end < glyphs.len() && glyphs[end].font == font {
            end += 1;
        }
        let run = &glyphs[start..end];
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            break;
        };
        let offset = first.range.start;
        let run_text = &text[offset..last.range.end];
        let kg: Vec<KrillaGlyph> = run
            .iter()
            .map(|g| {
                KrillaGlyph::new(
                    GlyphId::new(g.glyph),
                    g.advance_em,
                    0.0,
                    0.0,
                    0.0,
                    g.range.start - offset..g.range.end - offset,
                    None,
                )
            })
            .collect();
        if let Some(f) = krilla_fonts.get(font) {
            surface.draw_glyphs(
                Point::from_xy(x, baseline),
                &kg,
                f.clone(),
                run_text,
                size,
                false,
            );
        }
        x += run.iter().map(|g| g.advance_em).sum::<f32>() * size;
        start = end;
    }
    surface.set_stroke(None);
}

fn polygon_path(points: &[(f32, f32)], close: bool) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    let (first, rest) = points.split_first()?;
    pb.move_to(first.0, first.1);
    for p in rest {
        pb.line_to(p.0, p.1);
    }
    if close {
        pb.close();
    }
    pb.finish()
}

/// Lays the document out and writes it as PDF.
pub fn render_pdf(doc: &Document, fonts: &FontSet) -> Result<Vec<u8>, DocumentError> {
    let krilla_fonts: Vec<Font> = fonts
        .font_data()
        .map(|d| {
            Font::new(krilla::Data::from(d.bytes.clone()), d.index).ok_or_else(|| {
                DocumentError::BadFont {
                    name: d.name.clone(),
                    index: d.index,
                }
            })
        })
        .collect::<Result<_, _>>()?;
    let pages = layout(doc, fonts);
    let (w, h) = page_size(doc.orientation);
    let mut document = krilla::Document::new();
    document.set_metadata(
        Metadata::new()
            .title(crate::text::sanitize(&doc.title, false))
            .creator("tradelane".to_string()),
    );
    for page in &pages {
        let settings =
            PageSettings::from_wh(w, h).ok_or_else(|| DocumentError::Pdf("page size".into()))?;
        let mut p = document.start_page_with(settings);
        let mut surface = p.surface();
        for op in &page.ops {
            match op {
                Op::Text {
                    x,
                    baseline,
                    text,
                    size,
                    bold,
                    color,
                } => {
                    draw_text(
                        &mut surface,
                        fonts,
                        &krilla_fonts,
                        (text, *x, *baseline, *size, *bold, *color),
                    );
                }
                Op::Line {
                    from,
                    to,
                    width,
                    color,
                    dashed,
                } => {
                    if let Some(path) = polygon_path(&[*from, *to], false) {
                        surface.set_fill(None);
                        surface.set_stroke(Some(stroke(*color, *width, *dashed)));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Poly {
                    points,
                    fill: f,
                    stroke: s,
                } => {
                    if let Some(path) = polygon_path(points, true) {
                        surface.set_fill(f.map(fill));
                        surface.set_stroke(s.map(|(c, w)| stroke(c, w, false)));
                        if f.is_some() || s.is_some() {
                            surface.draw_path(&path);
                        }
                        surface.set_stroke(None);
                    }
                }
            }
        }
        surface.finish();
        p.finish();
    }
    document
        .finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}
