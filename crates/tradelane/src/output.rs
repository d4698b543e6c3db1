//! Rendering listings for people (aligned tables) and for pipes (JSON, CSV).

use std::io::{self, Write};

use anyhow::{Result, bail};
use serde::Serialize;

use crate::cli::OutputFormat;

/// A listing: column headers, one row of display strings per item, and the items themselves
/// for JSON output (which keeps types and nesting that the table flattens).
pub struct Listing<'a, T: Serialize> {
    pub headers: &'a [&'a str],
    pub rows: Vec<Vec<String>>,
    pub items: &'a [T],
}

/// Writes a listing to standard output in `format`. A closed pipe (`| head`) is not an error.
pub fn print_listing<T: Serialize>(format: OutputFormat, listing: &Listing<'_, T>) -> Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = match format {
        OutputFormat::Table => write_table(&mut out, listing.headers, &listing.rows),
        OutputFormat::Csv => write_csv(&mut out, listing.headers, &listing.rows),
        OutputFormat::Json => write_json(&mut out, &listing.items),
        OutputFormat::Xlsx => bail!("--format xlsx is only available for `sku export`"),
    };
    ignore_broken_pipe(written.and_then(|()| out.flush()))
}

/// Writes one serialisable value as pretty JSON to standard output.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    ignore_broken_pipe(write_json(&mut out, value).and_then(|()| out.flush()))
}

pub fn ignore_broken_pipe(result: io::Result<()>) -> Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn write_json<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

pub fn write_csv(out: &mut impl Write, headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(headers)?;
    for row in rows {
        writer.write_record(row)?;
    }
    writer.flush()
}

/// Columns are padded by display width, so Chinese text (two cells per character) lines up.
pub fn write_table(out: &mut impl Write, headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let cleaned: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| single_line(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for row in &cleaned {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(display_width(cell));
            }
        }
    }
    let header_cells: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    write_table_row(out, &header_cells, &widths)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    write_table_row(out, &rule, &widths)?;
    for row in &cleaned {
        write_table_row(out, row, &widths)?;
    }
    Ok(())
}

fn write_table_row(out: &mut impl Write, cells: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(cell);
        let is_last = i + 1 == cells.len();
        if !is_last {
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(display_width(cell));
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// Control characters in stored text (a newline in a title, an escape sequence from an
/// imported file) must not break the table or the terminal.
fn single_line(cell: &str) -> String {
    cell.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub fn display_width(text: &str) -> usize {
    console::measure_text_width(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
        let mut buf = Vec::new();
        write_table(&mut buf, headers, rows).expect("writing to a Vec cannot fail");
        String::from_utf8(buf).expect("table is UTF-8")
    }

    #[test]
    fn chinese_cells_are_aligned_by_display_width() {
        let rows = vec![
            vec![
                "PB-1".to_string(),
                "移动电源".to_string(),
                "8507".to_string(),
            ],
            vec![
                "CASE-22".to_string(),
                "Case".to_string(),
                "4202".to_string(),
            ],
        ];
        let text = table(&["code", "title", "hs"], &rows);
        let lines: Vec<&str> = text.lines().collect();
        // The third column starts at the same display column on every line.
        let starts: Vec<usize> = lines
            .iter()
            .filter(|l| !l.starts_with('-'))
            .map(|l| {
                let idx = l.rfind("  ").expect("columns are separated") + 2;
                display_width(&l[..idx])
            })
            .collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{text}");
    }

    #[test]
    fn control_characters_do_not_break_rows() {
        let rows = vec![vec!["A\nB".to_string(), "\u{1b}[31mred".to_string()]];
        let text = table(&["x", "y"], &rows);
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        let mut buf = Vec::new();
        write_csv(&mut buf, &["a"], &[vec!["x, \"y\"".to_string()]]).expect("vec");
        assert_eq!(
            String::from_utf8(buf).expect("utf8"),
            "a\n\"x, \"\"y\"\"\"\n"
        );
    }
}
