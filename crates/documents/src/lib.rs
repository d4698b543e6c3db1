//! Printable documents for tradelane: a small layout model rendered to PDF and XLSX, and the documents built
//! on it (customs documents in [`customs`], container loading plans in [`loading`]).
//!
//! - A [`Document`] is a list of [`Block`]s: headings, paragraphs, tables (column widths as weights, wrapped
//!   cells, header rows repeated after a page break, totals rows), vector drawings (lines, filled polygons,
//!   rectangles, text) and page breaks.
//! - [`render_pdf`] lays the blocks out on pages (A4, portrait or landscape) and writes a PDF with krilla;
//!   text is drawn glyph by glyph from a [`FontSet`] (the first font that has a character's glyph is used, so
//!   a Latin font plus a CJK font cover both), with the text kept extractable.
//! - [`render_xlsx`] writes the same blocks as a worksheet: tables as typed cells (numbers stay numbers, with
//!   their decimal places; columns marked as summed get a `SUM` formula whose cached value is the printed
//!   total), drawings are left out.
//!
//! The crate does no I/O: fonts come in as bytes ([`FontSet::from_fonts`]); [`FONT_CANDIDATES`] lists the
//! well-known system locations a caller may read them from.
//!
//! Hostile text is harmless: control characters are dropped, characters no font covers print as the font's
//! missing-glyph box, a word wider than its column is broken between characters, and a table row taller
//! than a page is split across pages rather than cut.

mod fonts;
mod layout;
mod pdf;
#[cfg(feature = "system-fonts")]
pub mod system_fonts;
mod text;
mod xlsx;

pub mod customs;
pub mod iso;
pub mod loading;

use rust_decimal::Decimal;

pub use fonts::{FONT_CANDIDATES, FontData, FontSet};
pub use pdf::render_pdf;
pub use xlsx::render_xlsx;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// No usable font was given.
    #[error("no font: give at least one TrueType/OpenType font file")]
    NoFont,
    /// A font file could not be read as a font.
    #[error("{name}: not a usable TrueType/OpenType font (face {index})")]
    BadFont {
        /// File name or label of the font.
        name: String,
        /// Face index in a collection.
        index: u32,
    },
    /// The PDF writer failed.
    #[error("PDF could not be written: {0}")]
    Pdf(String),
    /// The XLSX writer failed.
    #[error("XLSX could not be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// Input to a document builder is inconsistent.
    #[error("{0}")]
    Input(String),
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    /// Black.
    pub const BLACK: Color = Color(0, 0, 0);
    /// White.
    pub const WHITE: Color = Color(255, 255, 255);
    /// Body text grey.
    pub const GREY: Color = Color(90, 96, 104);
    /// Rule lines.
    pub const LIGHT: Color = Color(200, 205, 211);
    /// Table header and totals background.
    pub const SHADE: Color = Color(236, 239, 242);
    /// Error red.
    pub const RED: Color = Color(180, 30, 30);

    /// From hue (degrees), saturation and lightness (0–100).
    pub fn hsl(h: f64, s: f64, l: f64) -> Color {
        let s = (s / 100.0).clamp(0.0, 1.0);
        let l = (l / 100.0).clamp(0.0, 1.0);
        let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
        let hp = (h.rem_euclid(360.0)) / 60.0;
        let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
        let (r, g, b) = match hp as u32 {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        let m = l - c / 2.0;
        let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
        Color(to(r), to(g), to(b))
    }
}

/// Page orientation (A4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    /// 595 × 842 pt.
    #[default]
    Portrait,
    /// 842 × 595 pt.
    Landscape,
}

/// Horizontal alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Left.
    #[default]
    Left,
    /// Centre.
    Center,
    /// Right.
    Right,
}

/// A document: metadata and blocks in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Title (PDF metadata, worksheet name, page footer).
    pub title: String,
    /// Page orientation.
    pub orientation: Orientation,
    /// Text printed at the bottom left of every page (the page number is printed at the right).
    pub footer: String,
    /// Blocks in reading order.
    pub blocks: Vec<Block>,
}

impl Document {
    /// An empty portrait document.
    pub fn new(title: impl Into<String>) -> Self {
        let title = title.into();
        Document {
            footer: title.clone(),
            title,
            orientation: Orientation::Portrait,
            blocks: Vec::new(),
        }
    }

    /// Appends a block.
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }
}

/// Text style of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextStyle {
    /// Body text, 9 pt.
    #[default]
    Body,
    /// Small grey notes, 7.5 pt.
    Note,
    /// Bold body text.
    Strong,
    /// Red bold text (blocking problems).
    Alert,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading; level 1 is the document title size.
    Heading {
        /// Text.
        text: String,
        /// 1, 2 or 3.
        level: u8,
    },
    /// A wrapped paragraph.
    Paragraph {
        /// Text; `\n` starts a new line.
        text: String,
        /// Style.
        style: TextStyle,
    },
    /// A table.
    Table(Table),
    /// A vector drawing of a fixed size, kept whole on one page.
    Drawing(Drawing),
    /// Vertical space in points.
    Space(f32),
    /// Starts a new page.
    PageBreak,
}

/// A table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text.
    pub title: String,
    /// Relative width: the columns share the page width in proportion to their weights.
    pub weight: f32,
    /// Alignment of body cells (numbers are right-aligned regardless).
    pub align: Align,
    /// The column's numbers are summed in totals rows (XLSX writes a `SUM` formula there).
    pub summed: bool,
}

impl Column {
    /// A left-aligned text column.
    pub fn new(title: impl Into<String>, weight: f32) -> Self {
        Column {
            title: title.into(),
            weight,
            align: Align::Left,
            summed: false,
        }
    }

    /// A right-aligned column whose numbers are summed in totals rows.
    pub fn summed(mut self) -> Self {
        self.summed = true;
        self.align = Align::Right;
        self
    }

    /// Right-aligned.
    pub fn right(mut self) -> Self {
        self.align = Align::Right;
        self
    }

    /// Centred.
    pub fn center(mut self) -> Self {
        self.align = Align::Center;
        self
    }
}

/// A table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Empty.
    Empty,
    /// Text, wrapped to the column width.
    Text(String),
    /// A number printed with exactly `places` decimals (money at its currency's minor units, kg at 3).
    Number {
        /// Value.
        value: Decimal,
        /// Decimal places to print.
        places: u32,
    },
}

impl Cell {
    /// Text cell.
    pub fn text(t: impl Into<String>) -> Cell {
        Cell::Text(t.into())
    }

    /// Number cell with `places` decimals.
    pub fn number(value: Decimal, places: u32) -> Cell {
        Cell::Number { value, places }
    }

    /// The printed text of the cell.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number { value, places } => format_number(*value, *places),
        }
    }
}

/// A number with exactly `places` decimals and thousands separators ("1,234.50").
pub fn format_number(value: Decimal, places: u32) -> String {
    let rounded =
        value.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", places as usize, rounded.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text.clone(), None),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Kind of table row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowKind {
    /// A body row.
    #[default]
    Body,
    /// A totals row: bold, shaded, ruled above; summed columns hold the column sum.
    Total,
    /// A highlighted body row (e.g. the cartons of the current loading step).
    Highlight,
}

/// A table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Cells, one per column (missing cells print empty).
    pub cells: Vec<Cell>,
    /// Kind.
    pub kind: RowKind,
}

impl Row {
    /// A body row.
    pub fn body(cells: Vec<Cell>) -> Row {
        Row {
            cells,
            kind: RowKind::Body,
        }
    }

    /// A totals row.
    pub fn total(cells: Vec<Cell>) -> Row {
        Row {
            cells,
            kind: RowKind::Total,
        }
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Row>,
    /// Print the header row (and repeat it after a page break).
    pub header: bool,
    /// Draw cell borders (a boxed form); otherwise only horizontal rules.
    pub grid: bool,
    /// Font size of the cells.
    pub font_size: f32,
}

impl Table {
    /// A table with a header row, horizontal rules and 8 pt text.
    pub fn new(columns: Vec<Column>) -> Self {
        Table {
            columns,
            rows: Vec::new(),
            header: true,
            grid: false,
            font_size: 8.0,
        }
    }

    /// Boxed form style (every cell bordered).
    pub fn grid(mut self) -> Self {
        self.grid = true;
        self
    }

    /// Without a header row.
    pub fn without_header(mut self) -> Self {
        self.header = false;
        self
    }

    /// Appends a row.
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }
}

/// A point in a drawing, in points from the drawing's top-left corner (y down).
pub type Pt = (f32, f32);

/// One vector shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A straight line.
    Line {
        /// Start.
        from: Pt,
        /// End.
        to: Pt,
        /// Width in points.
        width: f32,
        /// Colour.
        color: Color,
        /// Dashed.
        dashed: bool,
    },
    /// A closed polygon, filled and/or outlined.
    Polygon {
        /// Corners.
        points: Vec<Pt>,
        /// Fill colour.
        fill: Option<Color>,
        /// Outline colour and width.
        stroke: Option<(Color, f32)>,
    },
    /// One line of text; `at` is the start of the baseline (or its centre / end, by `align`).
    Text {
        /// Anchor point.
        at: Pt,
        /// Text (one line; no wrapping).
        text: String,
        /// Size in points.
        size: f32,
        /// Bold.
        bold: bool,
        /// Colour.
        color: Color,
        /// Anchor alignment.
        align: Align,
    },
}

impl Shape {
    /// An axis-aligned rectangle.
    pub fn rect(
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Color>,
        stroke: Option<(Color, f32)>,
    ) -> Shape {
        Shape::Polygon {
            points: vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
            fill,
            stroke,
        }
    }

    /// A line of text.
    pub fn text(at: Pt, text: impl Into<String>, size: f32) -> Shape {
        Shape::Text {
            at,
            text: text.into(),
            size,
            bold: false,
            color: Color::BLACK,
            align: Align::Left,
        }
    }
}

/// A vector drawing of a fixed size.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    /// Width in points (at most the page's content width; wider drawings are scaled down).
    pub width: f32,
    /// Height in points.
    pub height: f32,
    /// Shapes, painted in order.
    pub shapes: Vec<Shape>,
}

impl Drawing {
    /// An empty drawing.
    pub fn new(width: f32, height: f32) -> Self {
        Drawing {
            width,
            height,
            shapes: Vec::new(),
        }
    }
}

/// Width of the content area of a page in the given orientation (A4 less the margins), in points.
pub fn content_width(orientation: Orientation) -> f32 {
    layout::page_size(orientation).0 - 2.0 * layout::MARGIN
}

/// Height of the content area of a page, less the footer, in points.
pub fn content_height(orientation: Orientation) -> f32 {
    layout::body_height(orientation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn numbers_print_with_fixed_places_and_groups() {
        assert_eq!(format_number(dec!(1234.5), 2), "1,234.50");
        assert_eq!(format_number(dec!(1000), 0), "1,000");
        assert_eq!(format_number(dec!(999.995), 2), "1,000.00");
        assert_eq!(format_number(dec!(-0.001), 2), "0.00");
        assert_eq!(format_number(dec!(-1234567.125), 3), "-1,234,567.125");
        assert_eq!(format_number(dec!(0.5), 0), "1");
    }

    #[test]
    fn hsl_primaries() {
        assert_eq!(Color::hsl(0.0, 100.0, 50.0), Color(255, 0, 0));
        assert_eq!(Color::hsl(120.0, 100.0, 50.0), Color(0, 255, 0));
        assert_eq!(Color::hsl(240.0, 100.0, 50.0), Color(0, 0, 255));
    }
}
