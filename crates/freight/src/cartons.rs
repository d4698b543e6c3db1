//! Carton lists (装箱单) from CSV/XLSX: the input of both quoting and load planning.
//!
//! Columns (English / Chinese; unit from the header, "(mm)" or "(cm)", centimetres by default):
//! id/箱号, length/长, width/宽, height/高, weight/重量 (kg per carton), qty/数量,
//! this_side_up/朝上, stackable/可堆叠, max_load_kg/最大承重, stop/卸货点, battery/带电.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_catalogue_io::Sheet;

use crate::sheet::{CellError, Columns, LengthUnit, RowReader};
use crate::shipment::Carton;

/// One carton line with everything the load planner needs; lengths in millimetres.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartonLine {
    pub line: usize,
    pub id: String,
    pub dims_mm: [Decimal; 3],
    pub weight_kg: Decimal,
    pub qty: u32,
    pub this_side_up: bool,
    pub stackable: bool,
    pub max_load_kg: Option<Decimal>,
    /// Delivery stop, 1 = first unloaded.
    pub stop: u32,
    pub battery: bool,
}

impl CartonLine {
    /// The freight view of the line (centimetres).
    pub fn to_carton(&self) -> Carton {
        let ten = Decimal::TEN;
        Carton {
            id: self.id.clone(),
            length_cm: self.dims_mm[0] / ten,
            width_cm: self.dims_mm[1] / ten,
            height_cm: self.dims_mm[2] / ten,
            weight_kg: self.weight_kg,
            count: self.qty,
            battery: self.battery,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CartonImport {
    pub lines: Vec<CartonLine>,
    pub errors: Vec<CellError>,
}

const ID: usize = 0;
const LENGTH: usize = 1;
const WIDTH: usize = 2;
const HEIGHT: usize = 3;
const WEIGHT: usize = 4;
const QTY: usize = 5;
const UP: usize = 6;
const STACK: usize = 7;
const MAX_LOAD: usize = 8;
const STOP: usize = 9;
const BATTERY: usize = 10;

const FIELDS: &[&[&str]] = &[
    &["id", "carton", "carton_id", "箱号", "编号", "sku"],
    &["length", "l", "长", "长度"],
    &["width", "w", "宽", "宽度"],
    &["height", "h", "高", "高度"],
    &["weight", "gross_weight", "重量", "毛重", "单箱重量"],
    &["qty", "quantity", "count", "cartons", "数量", "箱数"],
    &["this_side_up", "thissideup", "upright", "朝上", "此面朝上"],
    &["stackable", "可堆叠", "可叠放"],
    &["max_load", "max_load_on_top", "最大承重", "承重"],
    &["stop", "drop", "卸货点", "站点"],
    &["battery", "带电", "含电池", "电池"],
];

/// Reads carton lines; rows with any error are left out and reported.
pub fn import_cartons(sheet: &Sheet) -> CartonImport {
    let cols = Columns::find(sheet, FIELDS);
    let mut out = CartonImport::default();
    for (field, name) in [
        (LENGTH, "length/长"),
        (WIDTH, "width/宽"),
        (HEIGHT, "height/高"),
    ] {
        if cols.index(field).is_none() {
            out.errors.push(CellError {
                line: sheet.header_line,
                column: name.into(),
                value: String::new(),
                expected: format!("a column {name} (cm, or mm when the header says mm)"),
            });
        }
    }
    if !out.errors.is_empty() {
        return out;
    }
    for row in &sheet.rows {
        let mut r = RowReader {
            sheet,
            line: row.line,
            cells: &row.cells,
            errors: Vec::new(),
        };
        let id = match r.text(cols.index(ID)) {
            "" => format!("row{}", row.line),
            t => t.to_string(),
        };
        let mut dims_mm = [Decimal::ZERO; 3];
        for (k, field) in [LENGTH, WIDTH, HEIGHT].into_iter().enumerate() {
            let col = cols.index(field);
            let before = r.errors.len();
            let v = r.required_decimal(col, "a length greater than 0");
            if r.errors.len() == before && v <= Decimal::ZERO {
                r.fail(
                    col,
                    "a length greater than 0 (zero or negative sizes are not cartons)",
                );
            }
            dims_mm[k] = match cols.unit(field) {
                Some(LengthUnit::Mm) => v,
                _ => v * Decimal::TEN,
            };
        }
        let weight_kg = r
            .decimal(cols.index(WEIGHT), "a weight in kg, 0 or more")
            .unwrap_or_default();
        if weight_kg < Decimal::ZERO {
            r.fail(cols.index(WEIGHT), "a weight in kg, 0 or more");
        }
        let qty = match r.decimal(cols.index(QTY), "a whole number of cartons, 1 or more") {
            None if r.text(cols.index(QTY)).is_empty() => 1,
            None => 0,
            Some(q) if q >= Decimal::ONE && q.fract().is_zero() && q <= Decimal::from(100_000) => {
                u32::try_from(q).unwrap_or(0)
            }
            Some(_) => {
                r.fail(
                    cols.index(QTY),
                    "a whole number of cartons from 1 to 100000",
                );
                0
            }
        };
        let this_side_up = r.flag(cols.index(UP), false);
        let stackable = r.flag(cols.index(STACK), true);
        let max_load_kg = r.decimal(cols.index(MAX_LOAD), "a load in kg, 0 or more");
        if max_load_kg.is_some_and(|v| v < Decimal::ZERO) {
            r.fail(cols.index(MAX_LOAD), "a load in kg, 0 or more");
        }
        let stop = match r.decimal(cols.index(STOP), "a stop number 1, 2, 3 …") {
            None => 1,
            Some(s) if s >= Decimal::ONE && s.fract().is_zero() && s <= Decimal::from(1000) => {
                u32::try_from(s).unwrap_or(1)
            }
            Some(_) => {
                r.fail(cols.index(STOP), "a stop number 1, 2, 3 …");
                1
            }
        };
        let battery = r.flag(cols.index(BATTERY), false);
        if r.errors.is_empty() {
            out.lines.push(CartonLine {
                line: row.line,
                id,
                dims_mm,
                weight_kg,
                qty,
                this_side_up,
                stackable,
                max_load_kg,
                stop,
                battery,
            });
        } else {
            out.errors.append(&mut r.errors);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::read_bytes;
    use rust_decimal_macros::dec;

    #[test]
    fn chinese_headers_in_mm_and_flags() {
        let csv = "箱号,长(mm),宽(mm),高(mm),重量(kg),数量,朝上,可堆叠,卸货点,带电\n\
                   A,600,400,300,12.5,4,是,否,2,是\n";
        let import = import_cartons(&read_bytes(csv.as_bytes()).unwrap());
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        let l = &import.lines[0];
        assert_eq!(l.dims_mm, [dec!(600), dec!(400), dec!(300)]);
        assert!(l.this_side_up && !l.stackable && l.battery);
        assert_eq!((l.qty, l.stop), (4, 2));
        assert_eq!(l.to_carton().length_cm, dec!(60));
    }

    #[test]
    fn centimetres_by_default_and_bad_cells_named() {
        let csv =
            "id,length,width,height,weight,qty\nA,60,40,30,12,2\nB,0,40,30,1,1\nC,60,40,30,1,x\n";
        let import = import_cartons(&read_bytes(csv.as_bytes()).unwrap());
        assert_eq!(import.lines.len(), 1);
        assert_eq!(import.lines[0].dims_mm[0], dec!(600));
        assert_eq!(import.errors.len(), 2, "{:?}", import.errors);
        assert_eq!(import.errors[0].line, 3);
        assert_eq!(import.errors[0].column, "length");
        assert!(import.errors[0].expected.contains("greater than 0"));
        assert_eq!(import.errors[1].column, "qty");
    }

    #[test]
    fn missing_dimension_column_is_one_clear_error() {
        let csv = "id,weight\nA,1\n";
        let import = import_cartons(&read_bytes(csv.as_bytes()).unwrap());
        assert!(import.lines.is_empty());
        assert_eq!(import.errors.len(), 3);
    }
}
