//! Flows blocks onto A4 pages: positions every text line, rule and shape. Coordinates are points from the
//! page's top-left corner, y down.

use crate::fonts::FontSet;
use crate::text::{sanitize, wrap};
use crate::{
    Align, Block, Cell, Color, Document, Drawing, Orientation, RowKind, Shape, Table, TextStyle,
};

pub(crate) const MARGIN: f32 = 36.0;
const FOOTER: f32 = 18.0;
const LINE: f32 = 1.3;
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 2.5;
const HIGHLIGHT: Color = Color(255, 243, 196);

pub(crate) fn page_size(o: Orientation) -> (f32, f32) {
    match o {
        Orientation::Portrait => (595.28, 841.89),
        Orientation::Landscape => (841.89, 595.28),
    }
}

pub(crate) fn body_height(o: Orientation) -> f32 {
    page_size(o).1 - 2.0 * MARGIN - FOOTER
}

/// One positioned drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Text {
        x: f32,
        baseline: f32,
        text: String,
        size: f32,
        bold: bool,
        color: Color,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: Color,
        dashed: bool,
    },
    Poly {
        points: Vec<(f32, f32)>,
        fill: Option<Color>,
        stroke: Option<(Color, f32)>,
    },
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    pub ops: Vec<Op>,
}

struct Flow<'a> {
    fonts: &'a FontSet,
    orientation: Orientation,
    pages: Vec<Page>,
    y: f32,
    ascent: f32,
}

impl<'a> Flow<'a> {
    fn left(&self) -> f32 {
        MARGIN
    }
    fn width(&self) -> f32 {
        page_size(self.orientation).0 - 2.0 * MARGIN
    }
    fn bottom(&self) -> f32 {
        MARGIN + body_height(self.orientation)
    }
    fn top(&self) -> f32 {
        MARGIN
    }
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let n = self.pages.len();
        &mut self.pages[n - 1]
    }
    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.top();
    }
    fn at_top(&self) -> bool {
        (self.y - self.top()).abs() < 0.01
    }
    /// Makes room for `h` points, starting a new page when needed (unless already at the top).
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom() && !self.at_top() {
            self.new_page();
        }
    }

    fn text_line(&mut self, x: f32, top: f32, text: &str, size: f32, bold: bool, color: Color) {
        if text.is_empty() {
            return;
        }
        let baseline = top + self.ascent * size;
        self.page().ops.push(Op::Text {
            x,
            baseline,
            text: text.to_string(),
            size,
            bold,
            color,
        });
    }

    fn aligned_x(&self, x: f32, width: f32, text: &str, size: f32, align: Align) -> f32 {
        match align {
            Align::Left => x,
            Align::Right => x + width - self.fonts.width(text, size),
            Align::Center => x + (width - self.fonts.width(text, size)) / 2.0,
        }
    }

    fn paragraph(&mut self, text: &str, size: f32, bold: bool, color: Color) {
        let lh = size * LINE;
        for line in wrap(self.fonts, text, size, self.width()) {
            self.ensure(lh);
            let (x, y) = (self.left(), self.y);
            self.text_line(x, y, &line, size, bold, color);
            self.y += lh;
        }
    }

    fn table(&mut self, t: &Table) {
        let n = t.columns.len().max(1);
        let total_weight: f32 = t
            .columns
            .iter()
            .map(|c| c.weight.max(0.01))
            .sum::<f32>()
            .max(0.01);
        let widths: Vec<f32> = t
            .columns
            .iter()
            .map(|c| self.width() * c.weight.max(0.01) / total_weight)
            .collect();
        let xs: Vec<f32> = widths
            .iter()
            .scan(self.left(), |x, w| {
                let here = *x;
                *x += w;
                Some(here)
            })
            .collect();
        let size = t.font_size;
        let lh = size * LINE;
        let fonts = self.fonts;
        let wrap_cells = |cells: &[String]| -> Vec<Vec<String>> {
            (0..n)
                .map(|i| {
                    let text = cells.get(i).map(String::as_str).unwrap_or("");
                    let w = widths.get(i).copied().unwrap_or(10.0) - 2.0 * PAD_X;
                    wrap(fonts, text, size, w)
                })
                .collect()
        };
        let header_lines = if t.header {
            let titles: Vec<String> = t.columns.iter().map(|c| c.title.clone()).collect();
            Some(wrap_cells(&titles))
        } else {
            None
        };
        let header_h = header_lines.as_ref().map_or(0.0, |l| {
            l.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD_Y
        });
        let draw_header = |flow: &mut Flow| {
            if let Some(lines) = &header_lines {
                let top = flow.y;
                let left = flow.left();
                let w = flow.width();
                flow.page()
                    .ops
                    .push(rect_op(left, top, w, header_h, Some(Color::SHADE), None));
                for (i, cell_lines) in lines.iter().enumerate() {
                    let align = t.columns[i].align;
                    for (k, line) in cell_lines.iter().enumerate() {
                        let x = flow.aligned_x(
                            xs[i] + PAD_X,
                            widths[i] - 2.0 * PAD_X,
                            line,
                            size,
                            align,
                        );
                        flow.text_line(
                            x,
                            top + PAD_Y + k as f32 * lh,
                            line,
                            size,
                            true,
                            Color::BLACK,
                        );
                    }
                    if t.grid {
                        flow.page().ops.push(rect_op(
                            xs[i],
                            top,
                            widths[i],
                            header_h,
                            None,
                            Some((Color::GREY, 0.5)),
                        ));
                    }
                }
                flow.page().ops.push(Op::Line {
                    from: (left, top + header_h),
                    to: (left + w, top + header_h),
                    width: 0.8,
                    color: Color::BLACK,
                    dashed: false,
                });
                flow.y += header_h;
            }
        };
        let first_row_h = t.rows.first().map_or(0.0, |r| {
            let cells: Vec<String> = r.cells.iter().map(Cell::display).collect();
            wrap_cells(&cells).iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD_Y
        });
        // Keep the header with the first row.
        self.ensure(header_h + first_row_h.min(body_height(self.orientation) / 2.0));
        draw_header(self);
        for row in &t.rows {
            let cells: Vec<String> = row.cells.iter().map(Cell::display).collect();
            let mut lines = wrap_cells(&cells);
            loop {
                let rows_needed = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
                let row_h = rows_needed as f32 * lh + 2.0 * PAD_Y;
                let room = self.bottom() - self.y;
                let page_room = body_height(self.orientation) - header_h;
                let take = if row_h <= room {
                    rows_needed
                } else if row_h <= page_room {
                    self.new_page();
                    draw_header(self);
                    rows_needed
                } else {
                    // Taller than a whole page: split between text lines.
                    let fit = ((room - 2.0 * PAD_Y) / lh).floor() as usize;
                    if fit == 0 {
                        self.new_page();
                        draw_header(self);
                        continue;
                    }
                    fit.min(rows_needed)
                };
                let h = take as f32 * lh + 2.0 * PAD_Y;
                let top = self.y;
                let left = self.left();
                let w = self.width();
                match row.kind {
                    RowKind::Total => {
                        self.page()
                            .ops
                            .push(rect_op(left, top, w, h, Some(Color::SHADE), None));
                        self.page().ops.push(Op::Line {
                            from: (left, top),
                            to: (left + w, top),
                            width: 0.8,
                            color: Color::BLACK,
                            dashed: false,
                        });
                    }
                    RowKind::Highlight => {
                        self.page()
                            .ops
                            .push(rect_op(left, top, w, h, Some(HIGHLIGHT), None));
                    }
                    RowKind::Body => {}
                }
                let bold = row.kind == RowKind::Total;
                for (i, cell_lines) in lines.iter_mut().enumerate() {
                    let numeric = matches!(row.cells.get(i), Some(Cell::Number { .. }));
                    let align = if numeric {
                        Align::Right
                    } else {
                        t.columns[i].align
                    };
                    let now: Vec<String> = cell_lines.drain(..take.min(cell_lines.len())).collect();
                    for (k, line) in now.iter().enumerate() {
                        let x = self.aligned_x(
                            xs[i] + PAD_X,
                            widths[i] - 2.0 * PAD_X,
                            line,
                            size,
                            align,
                        );
                        self.text_line(
                            x,
                            top + PAD_Y + k as f32 * lh,
                            line,
                            size,
                            bold,
                            Color::BLACK,
                        );
                    }
                    if t.grid {
                        self.page().ops.push(rect_op(
                            xs[i],
                            top,
                            widths[i],
                            h,
                            None,
                            Some((Color::GREY, 0.5)),
                        ));
                    }
                }
                if !t.grid {
                    self.page().ops.push(Op::Line {
                        from: (left, top + h),
                        to: (left + w, top + h),
                        width: 0.4,
                        color: Color::LIGHT,
                        dashed: false,
                    });
                }
                self.y += h;
                if lines.iter().all(Vec::is_empty) {
                    break;
                }
            }
        }
    }

    fn drawing(&mut self, d: &Drawing) {
        let scale_w = if d.width > self.width() {
            self.width() / d.width
        } else {
            1.0
        };
        let max_h = body_height(self.orientation);
        let scale_h = if d.height * scale_w > max_h {
            max_h / (d.height * scale_w)
        } else {
            1.0
        };
        let s = scale_w * scale_h;
        let h = d.height * s;
        self.ensure(h);
        let ox = self.left() + (self.width() - d.width * s) / 2.0;
        let oy = self.y;
        let at = |p: (f32, f32)| (ox + p.0 * s, oy + p.1 * s);
        let mut ops = Vec::with_capacity(d.shapes.len());
        for shape in &d.shapes {
            match shape {
                Shape::Line {
                    from,
                    to,
                    width,
                    color,
                    dashed,
                } => ops.push(Op::Line {
                    from: at(*from),
                    to: at(*to),
                    width: width * s,
                    color: *color,
                    dashed: *dashed,
                }),
                Shape::Polygon {
                    points,
                    fill,
                    stroke,
                } => ops.push(Op::Poly {
                    points: points.iter().map(|p| at(*p)).collect(),
                    fill: *fill,
                    stroke: stroke.map(|(c, w)| (c, w * s)),
                }),
                Shape::Text {
                    at: p,
                    text,
                    size,
                    bold,
                    color,
                    align,
                } => {
                    let text = sanitize(text, false);
                    let size = size * s;
                    let (x, y) = at(*p);
                    let w = self.fonts.width(&text, size);
                    let x = match align {
                        Align::Left => x,
                        Align::Center => x - w / 2.0,
                        Align::Right => x - w,
                    };
                    ops.push(Op::Text {
                        x,
                        baseline: y,
                        text,
                        size,
                        bold: *bold,
                        color: *color,
                    });
                }
            }
        }
        self.page().ops.extend(ops);
        self.y += h;
    }
}

fn rect_op(
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    fill: Option<Color>,
    stroke: Option<(Color, f32)>,
) -> Op {
    Op::Poly {
        points: vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
        fill,
        stroke,
    }
}

/// Lays the document out; every page gets the footer and "page i / n".
pub(crate) fn layout(doc: &Document, fonts: &FontSet) -> Vec<Page> {
    let (ascent, _) = fonts.vertical_metrics();
    let mut flow = Flow {
        fonts,
        orientation: doc.orientation,
        pages: vec![Page::default()],
        y: MARGIN,
        ascent: ascent.clamp(0.7, 1.1),
    };
    for block in &doc.blocks {
        match block {
            Block::Heading { text, level } => {
                let size = match level {
                    0 | 1 => 16.0,
                    2 => 12.0,
                    _ => 10.0,
                };
                if !flow.at_top() {
                    flow.y += size * 0.5;
                }
                // Keep a heading with at least a few lines of what follows.
                flow.ensure(size * LINE + 40.0);
                flow.paragraph(text, size, true, Color::BLACK);
                flow.y += size * 0.25;
            }
            Block::Paragraph { text, style } => {
                let (size, bold, color) = match style {
                    TextStyle::Body => (9.0, false, Color::BLACK),
                    TextStyle::Note => (7.5, false, Color::GREY),
                    TextStyle::Strong => (9.0, true, Color::BLACK),
                    TextStyle::Alert => (9.0, true, Color::RED),
                };
                flow.paragraph(text, size, bold, color);
                flow.y += 2.0;
            }
            Block::Table(t) => {
                flow.table(t);
                flow.y += 6.0;
            }
            Block::Drawing(d) => {
                flow.drawing(d);
                flow.y += 4.0;
            }
            Block::Space(h) => {
                flow.y += h.max(0.0);
                if flow.y > flow.bottom() {
                    flow.new_page();
                }
            }
            Block::PageBreak => {
                if !flow.at_top() {
                    flow.new_page();
                }
            }
        }
    }
    // Drop a trailing empty page.
    if flow.pages.len() > 1 && flow.pages.last().is_some_and(|p| p.ops.is_empty()) {
        flow.pages.pop();
    }
    let n = flow.pages.len();
    let (w, h) = page_size(doc.orientation);
    let footer = sanitize(&doc.footer, false);
    let size = 7.0;
    let baseline = h - MARGIN + 4.0;
    for (i, page) in flow.pages.iter_mut().enumerate() {
        let number = format!("{} / {}", i + 1, n);
        let nw = fonts.width(&number, size);
        page.ops.push(Op::Line {
            from: (MARGIN, baseline - 10.0),
            to: (w - MARGIN, baseline - 10.0),
            width: 0.4,
            color: Color::LIGHT,
            dashed: false,
        });
        // Footer text cut to the width left by the page number.
        let mut shown = String::new();
        for c in footer.chars() {
            shown.push(c);
            if fonts.width(&shown, size) > w - 2.0 * MARGIN - nw - 20.0 {
                shown.pop();
                shown.push('…');
                break;
            }
        }
        page.ops.push(Op::Text {
            x: MARGIN,
            baseline,
            text: shown,
            size,
            bold: false,
            color: Color::GREY,
        });
        page.ops.push(Op::Text {
            x: w - MARGIN - nw,
            baseline,
            text: number,
            size,
            bold: false,
            color: Color::GREY,
        });
    }
    flow.pages
}
