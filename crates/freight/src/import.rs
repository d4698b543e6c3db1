//! Rate cards from CSV/XLSX, one card per row, English or Chinese headers.
//!
//! | field | headers | cell |
//! |---|---|---|
//! | card id | card_id, id, 编号 | text; "row N" when empty |
//! | forwarder | forwarder, 货代, 供应商 | text, required |
//! | origin, destination | origin/起运地/起运港, destination/目的地/目的港 | codes (CNSZX, US, ONT8) |
//! | mode | mode, 运输方式 | sea_fcl, sea_lcl, air, express, rail, truck, 整柜, 拼箱, 空运, 快递 … |
//! | currency | currency, 币种 | ISO code |
//! | basis | basis, 计费单位 | kg, cbm, container; mode default when empty |
//! | rates | rates, rate, 单价, 费率 | `28` or breaks `0:38;21:32;100:28` (from-quantity:rate) |
//! | min charge | min_charge, 最低收费 | amount |
//! | divisor | divisor, 体积系数, 材积除数 | cm³ per kg |
//! | container | container, 柜型 | 20GP, 40GP, 40HQ, 45HQ |
//! | fuel | fuel_pct, 燃油附加费 | percent of base |
//! | peak season | peak_per_unit/旺季附加费, peak_from/旺季开始, peak_to/旺季结束 | per chargeable unit, dates |
//! | remote area | remote_fee, 偏远附加费 | per shipment |
//! | battery | battery_ok/可带电 (yes/no), battery_per_kg/带电附加费 | per actual kg |
//! | customs clearance | customs_fee, 报关费 | per shipment |
//! | validity | valid_from/生效日期, valid_to/失效日期 | dates, inclusive, required |
//! | transit | transit_days, 时效 | `12` or `12-15` |

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_catalogue_io::Sheet;
use tradelane_domain::Currency;

use crate::card::{Break, RateCard, Surcharge, SurchargeAmount, SurchargeKind, container_capacity};
use crate::lane::Lane;
use crate::mode::{Basis, Mode};
use crate::sheet::{CellError, Columns, RowReader};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CardImport {
    pub cards: Vec<RateCard>,
    pub errors: Vec<CellError>,
}

const FIELDS: &[&[&str]] = &[
    &["card_id", "id", "编号", "报价编号"],
    &["forwarder", "货代", "供应商", "物流商"],
    &["origin", "from", "起运地", "起运港", "始发地"],
    &["destination", "to", "目的地", "目的港"],
    &["mode", "运输方式", "渠道类型"],
    &["currency", "币种"],
    &["basis", "计费单位"],
    &["rates", "rate", "单价", "费率", "价格"],
    &["min_charge", "minimum", "最低收费", "最低消费"],
    &["divisor", "体积系数", "材积除数", "抛货系数"],
    &["container", "柜型"],
    &["fuel_pct", "fuel", "燃油附加费", "燃油"],
    &["peak_per_unit", "peak", "旺季附加费"],
    &["peak_from", "旺季开始"],
    &["peak_to", "旺季结束"],
    &["remote_fee", "remote", "偏远附加费"],
    &["battery_ok", "accepts_battery", "可带电"],
    &["battery_per_kg", "battery_fee", "带电附加费"],
    &["customs_fee", "customs", "报关费", "清关费"],
    &["valid_from", "生效日期", "有效期开始"],
    &["valid_to", "valid_until", "失效日期", "有效期至"],
    &["transit_days", "transit", "时效", "时效(天)"],
];

const REQUIRED: &[(usize, &str)] = &[
    (1, "forwarder/货代"),
    (2, "origin/起运地"),
    (3, "destination/目的地"),
    (4, "mode/运输方式"),
    (5, "currency/币种"),
    (7, "rates/单价"),
    (19, "valid_from/生效日期"),
    (20, "valid_to/失效日期"),
];

/// Reads rate cards; `source` (the file name) is kept on every card as "file row N".
pub fn import_cards(sheet: &Sheet, source: &str) -> CardImport {
    let c = Columns::find(sheet, FIELDS);
    let mut out = CardImport::default();
    for (field, name) in REQUIRED {
        if c.index(*field).is_none() {
            out.errors.push(CellError {
                line: sheet.header_line,
                column: (*name).into(),
                value: String::new(),
                expected: format!("a column {name}"),
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
        if let Some(card) = read_card(&mut r, &c, source)
            && r.errors.is_empty()
        {
            out.cards.push(card);
            continue;
        }
        out.errors.append(&mut r.errors);
    }
    out
}

fn required_text<'a>(r: &mut RowReader<'a>, col: Option<usize>, expected: &str) -> &'a str {
    let t = r.text(col);
    if t.is_empty() {
        r.fail(col, expected);
    }
    t
}

fn read_card(r: &mut RowReader<'_>, c: &Columns, source: &str) -> Option<RateCard> {
    let id = match r.text(c.index(0)) {
        "" => format!("row{}", r.line),
        t => t.to_string(),
    };
    let forwarder = required_text(r, c.index(1), "the forwarder's name").to_string();
    let origin = required_text(r, c.index(2), "an origin code such as CNSZX").to_string();
    let destination = required_text(r, c.index(3), "a destination code such as USLAX").to_string();
    let mode = Mode::parse(r.text(c.index(4)));
    if mode.is_none() {
        r.fail(
            c.index(4),
            "sea_fcl, sea_lcl, air, express, rail or truck (整柜, 拼箱, 空运, 快递, 铁路, 卡车)",
        );
    }
    let currency = Currency::parse(r.text(c.index(5))).ok();
    if currency.is_none() {
        r.fail(c.index(5), "an ISO 4217 currency code such as USD or CNY");
    }
    let basis = match r.text(c.index(6)) {
        "" => mode.map(Mode::default_basis),
        t => {
            let b = Basis::parse(t);
            if b.is_none() {
                r.fail(c.index(6), "kg, cbm or container (公斤, 方, 柜)");
            }
            b
        }
    };
    let breaks = parse_breaks(r.text(c.index(7)));
    if breaks.is_none() {
        r.fail(
            c.index(7),
            "a rate such as 28, or breaks from-quantity:rate such as 0:38;21:32;100:28",
        );
    }
    let min_charge = r
        .decimal(c.index(8), "an amount, 0 or more")
        .unwrap_or_default();
    let divisor = r.decimal(c.index(9), "a volumetric divisor in cm³/kg such as 5000");
    if divisor.is_some_and(|d| d <= Decimal::ZERO) {
        r.fail(c.index(9), "a volumetric divisor greater than 0");
    }
    let container = match r.text(c.index(10)) {
        "" => None,
        t if container_capacity(t).is_some() => Some(t.to_uppercase()),
        _ => {
            r.fail(c.index(10), "20GP, 40GP, 40HQ or 45HQ");
            None
        }
    };
    let mut surcharges = Vec::new();
    let mut add = |kind, amount: Option<Decimal>, make: fn(Decimal) -> SurchargeAmount| {
        if let Some(v) = amount.filter(|v| !v.is_zero()) {
            surcharges.push(Surcharge {
                kind,
                amount: make(v),
                window: None,
            });
        }
    };
    add(
        SurchargeKind::Fuel,
        r.decimal(c.index(11), "a percentage such as 18.5"),
        SurchargeAmount::PercentOfBase,
    );
    add(
        SurchargeKind::RemoteArea,
        r.decimal(c.index(15), "an amount per shipment"),
        SurchargeAmount::PerShipment,
    );
    add(
        SurchargeKind::Battery,
        r.decimal(c.index(17), "an amount per kg"),
        SurchargeAmount::PerActualKg,
    );
    add(
        SurchargeKind::CustomsClearance,
        r.decimal(c.index(18), "an amount per shipment"),
        SurchargeAmount::PerShipment,
    );
    let peak = r.decimal(c.index(12), "an amount per chargeable unit");
    let peak_from = r.date(c.index(13));
    let peak_to = r.date(c.index(14));
    if let Some(v) = peak.filter(|v| !v.is_zero()) {
        let window = match (peak_from, peak_to) {
            (Some(f), Some(t)) if f <= t => Some((f, t)),
            (None, None) => None,
            _ => {
                r.fail(
                    c.index(14),
                    "a peak-season end date on or after its start date",
                );
                None
            }
        };
        surcharges.push(Surcharge {
            kind: SurchargeKind::PeakSeason,
            amount: SurchargeAmount::PerChargeableUnit(v),
            window,
        });
    }
    let accepts_battery = r.flag(c.index(16), true);
    let valid_from = r.date(c.index(19));
    let valid_to = r.date(c.index(20));
    if valid_from.is_none() && r.text(c.index(19)).is_empty() {
        r.fail(c.index(19), "the first date the card is valid, YYYY-MM-DD");
    }
    if valid_to.is_none() && r.text(c.index(20)).is_empty() {
        r.fail(c.index(20), "the last date the card is valid, YYYY-MM-DD");
    }
    if let (Some(f), Some(t)) = (valid_from, valid_to)
        && t < f
    {
        r.fail(c.index(20), format!("a date on or after valid_from {f}"));
    }
    let transit_days = match r.text(c.index(21)) {
        "" => (0, 0),
        t => match parse_range(t) {
            Some(range) => range,
            None => {
                r.fail(c.index(21), "days such as 12 or 12-15");
                (0, 0)
            }
        },
    };
    for (value, col) in [(min_charge, 8)] {
        if value < Decimal::ZERO {
            r.fail(c.index(col), "an amount, 0 or more");
        }
    }
    Some(RateCard {
        id,
        forwarder,
        lane: Lane::new(&origin, &destination),
        mode: mode?,
        currency: currency?,
        basis: basis?,
        breaks: breaks?,
        min_charge,
        divisor,
        rounding_step: None,
        container,
        accepts_battery,
        surcharges,
        valid_from: valid_from?,
        valid_to: valid_to?,
        transit_days,
        source: format!("{source} row {}", r.line),
    })
}

/// "28" → one break from 0; "0:38;21:32;100:28" → breaks, which must start at 0, rise strictly and
/// have non-negative rates.
pub fn parse_breaks(text: &str) -> Option<Vec<Break>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut breaks = Vec::new();
    if !text.contains(':') {
        let rate = text.parse::<Decimal>().ok()?;
        breaks.push(Break {
            min_qty: Decimal::ZERO,
            rate,
        });
    } else {
        for part in text
            .split([';', '；', '|'])
            .filter(|p| !p.trim().is_empty())
        {
            let (q, rate) = part.split_once([':', '：'])?;
            let min_qty = q.trim().trim_start_matches('+').parse::<Decimal>().ok()?;
            let rate = rate.trim().parse::<Decimal>().ok()?;
            breaks.push(Break { min_qty, rate });
        }
    }
    let starts_at_zero = breaks.first().is_some_and(|b| b.min_qty.is_zero());
    let rising = breaks.windows(2).all(|w| w[0].min_qty < w[1].min_qty);
    let non_negative = breaks.iter().all(|b| b.rate >= Decimal::ZERO);
    (starts_at_zero && rising && non_negative).then_some(breaks)
}

fn parse_range(text: &str) -> Option<(u32, u32)> {
    let text = text.trim_end_matches(['天', 'd', 'D', ' ']);
    let (a, b) = match text.split_once(['-', '~', '–', '至']) {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let v = text.trim().parse().ok()?;
            (v, v)
        }
    };
    (a <= b).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::read_bytes;
    use rust_decimal_macros::dec;

    #[test]
    fn breaks_parse_and_reject_unsorted() {
        assert_eq!(
            parse_breaks("0:38; 21:32;100:28").unwrap(),
            vec![
                Break {
                    min_qty: dec!(0),
                    rate: dec!(38)
                },
                Break {
                    min_qty: dec!(21),
                    rate: dec!(32)
                },
                Break {
                    min_qty: dec!(100),
                    rate: dec!(28)
                },
            ]
        );
        assert_eq!(parse_breaks("12.5").unwrap().len(), 1);
        assert!(parse_breaks("21:32;0:38").is_none());
        assert!(parse_breaks("10:38").is_none());
        assert!(parse_breaks("abc").is_none());
        assert_eq!(parse_range("12-15天"), Some((12, 15)));
    }

    #[test]
    fn chinese_card_sheet() {
        let csv = "编号,货代,起运地,目的地,运输方式,币种,单价,最低收费,燃油附加费,报关费,生效日期,失效日期,时效\n\
                   K1,深圳货代,CNSZX,US,快递,CNY,0:38;21:32,200,18.5,150,2026-01-01,2026-12-31,5-7\n";
        let import = import_cards(&read_bytes(csv.as_bytes()).unwrap(), "rates.csv");
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        let card = &import.cards[0];
        assert_eq!(card.mode, Mode::Express);
        assert_eq!(card.basis, Basis::PerKg);
        assert_eq!(card.surcharges.len(), 2);
        assert_eq!(card.transit_days, (5, 7));
        assert_eq!(card.source, "rates.csv row 2");
    }

    #[test]
    fn row_errors_name_row_column_and_expectation() {
        let csv = "forwarder,origin,destination,mode,currency,rates,valid_from,valid_to\n\
                   A,CNSZX,USLAX,boat,USD,5,2026-01-01,2026-12-31\n\
                   B,CNSZX,USLAX,air,USD,5,2026-01-01,2025-12-31\n\
                   C,CNSZX,USLAX,air,USD,5,2026-01-01,2026-12-31\n";
        let import = import_cards(&read_bytes(csv.as_bytes()).unwrap(), "r.csv");
        assert_eq!(import.cards.len(), 1);
        assert_eq!(import.errors.len(), 2);
        assert_eq!(
            (import.errors[0].line, import.errors[0].column.as_str()),
            (2, "mode")
        );
        assert_eq!(
            (import.errors[1].line, import.errors[1].column.as_str()),
            (3, "valid_to")
        );
        assert!(import.errors[1].to_string().contains("on or after"));
    }
}

#[cfg(test)]
mod xlsx_tests {
    use super::*;
    use crate::sheet::read_bytes;
    use rust_decimal_macros::dec;

    #[test]
    fn xlsx_card_with_numeric_cells() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let headers = [
            "货代",
            "起运地",
            "目的地",
            "运输方式",
            "币种",
            "单价",
            "最低收费",
            "生效日期",
            "失效日期",
            "时效",
        ];
        for (col, h) in headers.iter().enumerate() {
            sheet.write_string(0, col as u16, *h).unwrap();
        }
        let texts = ["Ocean Pool", "CNSZX", "USLAX", "拼箱", "USD"];
        for (col, t) in texts.iter().enumerate() {
            sheet.write_string(1, col as u16, *t).unwrap();
        }
        sheet.write_number(1, 5, 85.5).unwrap();
        sheet.write_number(1, 6, 150).unwrap();
        sheet.write_string(1, 7, "2026-01-01").unwrap();
        sheet.write_string(1, 8, "2026-06-30").unwrap();
        sheet.write_string(1, 9, "25-30").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let import = import_cards(&read_bytes(&bytes).unwrap(), "rates.xlsx");
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        let card = &import.cards[0];
        assert_eq!(card.mode, Mode::SeaLcl);
        assert_eq!(card.breaks[0].rate, dec!(85.5));
        assert_eq!(card.min_charge, dec!(150));
        assert_eq!(card.transit_days, (25, 30));
    }
}
