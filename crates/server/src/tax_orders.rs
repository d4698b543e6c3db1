//! Reading an orders export (CSV in any common encoding/delimiter, or XLSX) into tax orders. Pure: bytes in,
//! orders or row errors out. Headers are recognised in English and Chinese; every bad cell is reported with its
//! row, column, value and what was expected, and any error means nothing is imported.
//!
//! Columns: `date` (YYYY-MM-DD), `channel`, `destination` (country code, or a US state / Canadian province such
//! as US-CA; a separate `state` column is also read), `net_amount`, `currency`, `marketplace_collected`
//! (yes/no, true/false, 1/0, 是/否), and optionally `order_id`. Without an order id, an order's reference is
//! derived from its content and its position among identical rows, so re-importing the same file changes
//! nothing.

use std::collections::HashMap;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use tradelane_catalogue_io::{ReadOptions, RowError, read_sheet};
use tradelane_domain::{Country, Currency, Money, Subdivision};
use tradelane_store::tax::TaxOrder;

/// Most rows one file may hold.
pub const MAX_ORDER_ROWS: usize = 500_000;

/// Errors reported at most (the rest are counted).
pub const MAX_ERRORS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Id,
    Date,
    Channel,
    Destination,
    State,
    Amount,
    Currency,
    Marketplace,
}

fn recognise(header: &str) -> Option<Col> {
    let h: String = header
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .collect();
    Some(match h.as_str() {
        "orderid" | "order" | "id" | "orderno" | "ordernumber" | "reference" | "订单号"
        | "订单编号" => Col::Id,
        "date" | "orderdate" | "日期" | "订单日期" => Col::Date,
        "channel" | "saleschannel" | "marketplace" | "platform" | "渠道" | "销售渠道" | "平台" => {
            Col::Channel
        }
        "destination" | "country" | "destinationcountry" | "shiptocountry" | "目的地"
        | "目的国" | "国家" => Col::Destination,
        "state" | "province" | "region" | "destinationstate" | "shiptostate" | "州" | "省"
        | "州/省" => Col::State,
        "netamount" | "amount" | "net" | "netsales" | "净额" | "金额" | "销售额" => {
            Col::Amount
        }
        "currency" | "币种" | "货币" => Col::Currency,
        "marketplacecollected"
        | "marketplacefacilitator"
        | "collectedbymarketplace"
        | "平台代扣"
        | "平台代收" => Col::Marketplace,
        _ => return None,
    })
}

fn flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "false" | "no" | "n" | "0" | "否" => Some(false),
        "true" | "yes" | "y" | "1" | "是" => Some(true),
        _ => None,
    }
}

/// The outcome of reading a file: orders, or every row error (at most [`MAX_ERRORS`], `more_errors` counts the
/// rest).
#[derive(Debug, Clone, Default)]
pub struct ParsedOrders {
    pub orders: Vec<TaxOrder>,
    pub errors: Vec<RowError>,
    pub more_errors: usize,
}

fn err(line: usize, column: &str, value: &str, expected: &str) -> RowError {
    let mut value = value.to_string();
    if value.chars().count() > 80 {
        value = value.chars().take(80).collect::<String>() + "…";
    }
    RowError {
        line,
        column: column.to_string(),
        field: None,
        value,
        expected: expected.to_string(),
    }
}

/// Reads an orders file. A file that cannot be read at all (not CSV/XLSX, no header) is one error on line 0.
pub fn parse_orders(bytes: &[u8]) -> ParsedOrders {
    let mut out = ParsedOrders::default();
    let sheet = match read_sheet(bytes, &ReadOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            out.errors.push(err(0, "", "", &e.to_string()));
            return out;
        }
    };
    let mut cols: HashMap<Col, (usize, String)> = HashMap::new();
    for (i, h) in sheet.headers.iter().enumerate() {
        if let Some(c) = recognise(h) {
            cols.entry(c).or_insert((i, h.clone()));
        }
    }
    let required = [
        (Col::Date, "date"),
        (Col::Destination, "destination"),
        (Col::Amount, "net_amount"),
        (Col::Currency, "currency"),
    ];
    for (c, name) in required {
        if !cols.contains_key(&c) {
            out.errors.push(err(
                sheet.header_line,
                name,
                &sheet.headers.join(", "),
                &format!(
                    "a '{name}' column (columns: order_id, date, channel, destination, state, net_amount, currency, marketplace_collected)"
                ),
            ));
        }
    }
    if !out.errors.is_empty() {
        return out;
    }
    if sheet.rows.len() > MAX_ORDER_ROWS {
        out.errors.push(err(
            0,
            "",
            &sheet.rows.len().to_string(),
            &format!("at most {MAX_ORDER_ROWS} rows per file"),
        ));
        return out;
    }
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for row in &sheet.rows {
        let mut row_errors = Vec::new();
        let cell = |c: Col| -> (&str, &str) {
            match cols.get(&c) {
                Some((i, h)) => (row.cells.get(*i).map_or("", |s| s.trim()), h.as_str()),
                None => ("", ""),
            }
        };
        let (date_text, date_col) = cell(Col::Date);
        let date = date_text.parse::<jiff::civil::Date>().ok();
        if date.is_none() {
            row_errors.push(err(row.line, date_col, date_text, "a date YYYY-MM-DD"));
        }
        let (dest_text, dest_col) = cell(Col::Destination);
        let (state_text, state_col) = cell(Col::State);
        let mut destination = None;
        let mut subdivision = None;
        if dest_text.contains('-') {
            match Subdivision::parse(dest_text) {
                Ok(s) => {
                    destination = Some(s.country());
                    subdivision = Some(s);
                }
                Err(_) => row_errors.push(err(
                    row.line,
                    dest_col,
                    dest_text,
                    "a country code (DE) or a US state / Canadian province (US-CA, CA-ON)",
                )),
            }
        } else {
            match Country::parse(&dest_text.to_ascii_uppercase()) {
                Ok(c) => destination = Some(c),
                Err(_) => row_errors.push(err(
                    row.line,
                    dest_col,
                    dest_text,
                    "an ISO country code such as DE, US, AU",
                )),
            }
        }
        if let Some(country) = destination
            && subdivision.is_none()
            && !state_text.is_empty()
        {
            match Subdivision::parse_for(country, state_text) {
                Ok(s) => subdivision = Some(s),
                Err(_) => row_errors.push(err(
                    row.line,
                    state_col,
                    state_text,
                    &format!("a state/province of {} such as CA or US-CA", country.code()),
                )),
            }
        }
        let (amount_text, amount_col) = cell(Col::Amount);
        let amount = amount_text
            .replace(',', "")
            .parse::<Decimal>()
            .ok()
            .filter(|d| !d.is_sign_negative());
        if amount.is_none() {
            row_errors.push(err(
                row.line,
                amount_col,
                amount_text,
                "a net amount of 0 or more, with . for decimals",
            ));
        }
        let (cur_text, cur_col) = cell(Col::Currency);
        let currency = Currency::parse(&cur_text.to_ascii_uppercase()).ok();
        if currency.is_none() {
            row_errors.push(err(
                row.line,
                cur_col,
                cur_text,
                "an ISO 4217 currency code such as EUR",
            ));
        }
        let (mp_text, mp_col) = cell(Col::Marketplace);
        let marketplace = flag(mp_text);
        if marketplace.is_none() {
            row_errors.push(err(row.line, mp_col, mp_text, "yes/no, true/false or 1/0"));
        }
        let (channel, _) = cell(Col::Channel);
        let (id_text, id_col) = cell(Col::Id);
        if !row_errors.is_empty() {
            for e in row_errors {
                if out.errors.len() < MAX_ERRORS {
                    out.errors.push(e);
                } else {
                    out.more_errors += 1;
                }
            }
            continue;
        }
        let (Some(date), Some(destination), Some(amount), Some(currency), Some(marketplace)) =
            (date, destination, amount, currency, marketplace)
        else {
            continue;
        };
        let order = TaxOrder {
            order_ref: String::new(),
            date,
            channel: channel.to_string(),
            destination,
            subdivision,
            net_amount: Money::new(amount, currency),
            marketplace_collected: marketplace,
        };
        let order_ref = if id_text.is_empty() {
            let content = format!(
                "{}|{}|{}|{}|{}|{}|{}",
                order.date,
                order.channel,
                destination.code(),
                subdivision.map_or("", |s| s.code()),
                amount.normalize(),
                currency.code(),
                marketplace
            );
            let n = occurrences.entry(content.clone()).or_insert(0);
            *n += 1;
            let hash = hex::encode(Sha256::digest(content.as_bytes()));
            format!("auto:{}#{}", &hash[..16], n)
        } else {
            if let Some(first) = ids.insert(id_text.to_string(), row.line) {
                let e = err(
                    row.line,
                    id_col,
                    id_text,
                    &format!("a unique order id (also on row {first})"),
                );
                if out.errors.len() < MAX_ERRORS {
                    out.errors.push(e);
                } else {
                    out.more_errors += 1;
                }
                continue;
            }
            id_text.to_string()
        };
        out.orders.push(TaxOrder { order_ref, ..order });
    }
    if !out.errors.is_empty() {
        out.orders.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_english_headers_states_and_flags() {
        let csv = "order_id,date,channel,destination,state,net_amount,currency,marketplace_collected\n\
                   A1,2026-01-05,amazon,US,CA,120.50,USD,yes\n\
                   A2,2026-01-06,shop,DE,,80,EUR,no\n\
                   A3,2026-01-07,shop,CA-ON,,10,CAD,0\n";
        let p = parse_orders(csv.as_bytes());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.orders.len(), 3);
        assert_eq!(p.orders[0].subdivision.map(|s| s.code()), Some("US-CA"));
        assert!(p.orders[0].marketplace_collected);
        assert_eq!(p.orders[0].net_amount.amount(), Decimal::new(12050, 2));
        assert_eq!(p.orders[2].destination, Country::CA);
        assert_eq!(p.orders[1].order_ref, "A2");
    }

    #[test]
    fn chinese_headers_and_derived_references_are_stable() {
        let csv = "日期,渠道,目的国,金额,币种,平台代扣\n2026-02-01,店铺,FR,10,EUR,否\n2026-02-01,店铺,FR,10,EUR,否\n";
        let a = parse_orders(csv.as_bytes());
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        assert_eq!(a.orders.len(), 2);
        // Two identical orders keep two references; reading the file again gives the same ones.
        assert_ne!(a.orders[0].order_ref, a.orders[1].order_ref);
        let b = parse_orders(csv.as_bytes());
        assert_eq!(
            a.orders.iter().map(|o| &o.order_ref).collect::<Vec<_>>(),
            b.orders.iter().map(|o| &o.order_ref).collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_column_and_expectation_and_nothing_is_kept() {
        let csv = "order_id,date,destination,net_amount,currency,marketplace_collected\n\
                   A1,2026-13-01,XX,-5,EURO,maybe\n\
                   A2,2026-01-02,DE,5,EUR,no\n\
                   A2,2026-01-03,DE,5,EUR,no\n";
        let p = parse_orders(csv.as_bytes());
        assert!(p.orders.is_empty());
        let at = |col: &str| p.errors.iter().find(|e| e.column == col).unwrap();
        assert_eq!(at("date").line, 2);
        assert!(at("date").expected.contains("YYYY-MM-DD"));
        assert_eq!(at("destination").value, "XX");
        assert!(at("net_amount").expected.contains("0 or more"));
        assert_eq!(at("currency").value, "EURO");
        assert_eq!(at("marketplace_collected").value, "maybe");
        let dup = at("order_id");
        assert_eq!(dup.line, 4);
        assert!(dup.expected.contains("row 3"), "{}", dup.expected);
    }

    #[test]
    fn a_missing_column_is_named() {
        let p = parse_orders(b"date,destination,currency\n2026-01-01,DE,EUR\n");
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].column, "net_amount");
    }
}
