//! Forwarder and warehouse spreadsheets (CSV/XLSX exported from WeChat-era tools) have
//! free-form headers, often Chinese. This module recognises the columns and turns rows into
//! [`RawEvent`]s; reading the file itself belongs to the import layer.

use crate::event::{Location, RawEvent, RawTimestamp};
use crate::status::LegKind;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpreadsheetError {
    #[error("no {column} column; headers seen: {seen:?}")]
    MissingColumn {
        column: &'static str,
        seen: Vec<String>,
    },
    #[error("no event column: need one of code, status or description; headers seen: {seen:?}")]
    NoEventColumn { seen: Vec<String> },
    #[error("columns {first} and {second} both look like {column}")]
    DuplicateColumn {
        column: &'static str,
        first: String,
        second: String,
    },
}

/// Which column holds what (0-based indexes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    pub tracking_number: usize,
    pub time: usize,
    pub carrier: Option<usize>,
    pub code: Option<usize>,
    pub status: Option<usize>,
    pub text: Option<usize>,
    pub location: Option<usize>,
    pub country: Option<usize>,
    pub time_zone: Option<usize>,
    pub utc_offset: Option<usize>,
    pub leg: Option<usize>,
    headers: Vec<String>,
}

const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "tracking_number",
        &[
            "trackingnumber",
            "trackingno",
            "tracking",
            "trackingcode",
            "waybill",
            "waybillno",
            "awb",
            "parcelno",
            "单号",
            "运单号",
            "快递单号",
            "追踪号",
            "跟踪号",
            "物流单号",
            "转单号",
            "查询单号",
            "订单跟踪号",
        ],
    ),
    (
        "time",
        &[
            "time",
            "date",
            "datetime",
            "eventtime",
            "eventdate",
            "timestamp",
            "scantime",
            "时间",
            "日期",
            "轨迹时间",
            "发生时间",
            "更新时间",
            "操作时间",
            "扫描时间",
        ],
    ),
    (
        "carrier",
        &[
            "carrier",
            "courier",
            "carriername",
            "logistics",
            "承运商",
            "快递公司",
            "物流商",
            "物流公司",
            "渠道",
            "服务商",
        ],
    ),
    (
        "code",
        &[
            "code",
            "eventcode",
            "statuscode",
            "状态码",
            "事件代码",
            "轨迹代码",
        ],
    ),
    (
        "status",
        &["status", "state", "状态", "物流状态", "包裹状态"],
    ),
    (
        "text",
        &[
            "event",
            "description",
            "details",
            "detail",
            "remark",
            "remarks",
            "message",
            "轨迹",
            "轨迹描述",
            "物流信息",
            "轨迹信息",
            "描述",
            "详情",
            "内容",
            "备注",
            "事件",
        ],
    ),
    (
        "location",
        &[
            "location",
            "place",
            "city",
            "site",
            "地点",
            "位置",
            "所在地",
            "城市",
            "轨迹地点",
        ],
    ),
    ("country", &["country", "countrycode", "国家", "国家代码"]),
    ("time_zone", &["timezone", "tz", "时区"]),
    ("utc_offset", &["utcoffset", "offset", "gmtoffset", "时差"]),
    ("leg", &["leg", "segment", "环节", "阶段", "运输段"]),
];

fn normalise_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '_' | '-' | '.' | ':' | '：' | '(' | ')' | '（' | '）' | '/' | '#'
                )
        })
        .flat_map(char::to_lowercase)
        .collect()
}

impl ColumnMap {
    /// Recognises columns from a header row.
    pub fn detect<S: AsRef<str>>(headers: &[S]) -> Result<ColumnMap, SpreadsheetError> {
        let seen: Vec<String> = headers.iter().map(|h| h.as_ref().to_string()).collect();
        let mut found: [Option<usize>; 11] = [None; 11];
        for (i, h) in headers.iter().enumerate() {
            let n = normalise_header(h.as_ref());
            if let Some(slot) = SYNONYMS
                .iter()
                .position(|(_, syn)| syn.contains(&n.as_str()))
            {
                if let Some(prev) = found[slot] {
                    return Err(SpreadsheetError::DuplicateColumn {
                        column: SYNONYMS[slot].0,
                        first: seen[prev].clone(),
                        second: seen[i].clone(),
                    });
                }
                found[slot] = Some(i);
            }
        }
        let tracking_number = found[0].ok_or_else(|| SpreadsheetError::MissingColumn {
            column: "tracking number (单号)",
            seen: seen.clone(),
        })?;
        let time = found[1].ok_or_else(|| SpreadsheetError::MissingColumn {
            column: "time (时间)",
            seen: seen.clone(),
        })?;
        if found[3].is_none() && found[4].is_none() && found[5].is_none() {
            return Err(SpreadsheetError::NoEventColumn { seen });
        }
        Ok(ColumnMap {
            tracking_number,
            time,
            carrier: found[2],
            code: found[3],
            status: found[4],
            text: found[5],
            location: found[6],
            country: found[7],
            time_zone: found[8],
            utc_offset: found[9],
            leg: found[10],
            headers: seen,
        })
    }

    /// One row as a raw event. Missing cells are empty; the normaliser reports what is wrong
    /// per row. The row itself is kept as the payload (header → cell).
    pub fn row_to_event<S: AsRef<str>>(
        &self,
        row: &[S],
        source: &str,
        default_carrier: &str,
        default_zone: Option<&str>,
    ) -> RawEvent {
        let cell = |i: Option<usize>| -> Option<String> {
            i.and_then(|i| row.get(i))
                .map(|c| c.as_ref().trim().to_string())
                .filter(|c| !c.is_empty())
        };
        let payload: serde_json::Map<String, serde_json::Value> = self
            .headers
            .iter()
            .zip(row.iter())
            .map(|(h, c)| (h.clone(), serde_json::Value::String(c.as_ref().to_string())))
            .collect();
        RawEvent {
            source: source.to_string(),
            carrier: cell(self.carrier).unwrap_or_else(|| default_carrier.to_string()),
            tracking_number: cell(Some(self.tracking_number)).unwrap_or_default(),
            code: cell(self.code),
            category: cell(self.status),
            text: cell(self.text),
            location: Location {
                text: cell(self.location),
                country_code: cell(self.country),
                ..Location::default()
            },
            timestamp: RawTimestamp {
                value: cell(Some(self.time)).unwrap_or_default(),
                utc_offset: cell(self.utc_offset),
                time_zone: cell(self.time_zone).or_else(|| default_zone.map(str::to_string)),
            },
            leg_hint: cell(self.leg).and_then(|l| parse_leg(&l)),
            payload: Some(serde_json::Value::Object(payload)),
        }
    }
}

/// Leg names as forwarders write them.
pub fn parse_leg(s: &str) -> Option<LegKind> {
    let n = normalise_header(s);
    if let Ok(l) = s.trim().parse::<LegKind>() {
        return Some(l);
    }
    Some(match n.as_str() {
        "firstmile" | "pickup" | "揽收" | "提货" | "国内段" => LegKind::FirstMile,
        "export" | "exportclearance" | "出口报关" | "报关" => LegKind::ExportClearance,
        "maincarriage" | "linehaul" | "头程" | "干线" | "海运" | "空运" | "铁路" | "卡航" => {
            LegKind::MainCarriage
        }
        "import" | "importclearance" | "customs" | "清关" | "进口清关" => {
            LegKind::ImportClearance
        }
        "warehouse" | "warehousereceiving" | "海外仓" | "入仓" | "入库" => {
            LegKind::WarehouseReceiving
        }
        "lastmile" | "delivery" | "尾程" | "派送" | "末端" => LegKind::LastMile,
        "return" | "returns" | "退货" | "退件" => LegKind::Return,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MappingSet, Normalizer, Status};

    #[test]
    fn chinese_headers_are_recognised_and_rows_normalise() {
        let headers = [
            "\u{feff}运单号",
            "物流商",
            "轨迹时间",
            "轨迹描述",
            "地点",
            "环节",
        ];
        let map = ColumnMap::detect(&headers).unwrap();
        assert_eq!((map.tracking_number, map.time, map.text), (0, 2, Some(3)));
        let row = [
            "YT2533100000001",
            "",
            "2025-12-03 14:15:00",
            "货物已到港，等待清关",
            "洛杉矶",
            "头程",
        ];
        let raw = map.row_to_event(&row, "upload:1", "深圳某货代", Some("Asia/Shanghai"));
        assert_eq!(raw.carrier, "深圳某货代");
        assert_eq!(raw.leg_hint, Some(LegKind::MainCarriage));
        let n = Normalizer::new(MappingSet::builtin().unwrap());
        let ev = n.normalize(&raw).unwrap();
        assert_eq!(ev.status, Status::CustomsHold);
        assert_eq!(ev.time.utc.to_string(), "2025-12-03T06:15:00Z");
        assert_eq!(raw.payload.unwrap()["轨迹描述"], "货物已到港，等待清关");
    }

    #[test]
    fn english_headers_and_missing_columns() {
        let map =
            ColumnMap::detect(&["Tracking No.", "Date/Time", "Status", "Event Code"]).unwrap();
        assert_eq!((map.status, map.code), (Some(2), Some(3)));
        let err = ColumnMap::detect(&["单号", "备注"]).unwrap_err();
        assert!(err.to_string().contains("time"), "{err}");
        let err = ColumnMap::detect(&["单号", "时间", "重量"]).unwrap_err();
        assert!(matches!(err, SpreadsheetError::NoEventColumn { .. }));
        let err = ColumnMap::detect(&["单号", "运单号", "时间", "状态"]).unwrap_err();
        assert!(matches!(err, SpreadsheetError::DuplicateColumn { .. }));
    }

    #[test]
    fn short_rows_do_not_panic() {
        let map = ColumnMap::detect(&["单号", "时间", "状态"]).unwrap();
        let raw = map.row_to_event(&["X1"], "u", "generic", None);
        assert_eq!(raw.timestamp.value, "");
        assert_eq!(parse_leg("尾程"), Some(LegKind::LastMile));
        assert_eq!(parse_leg("last_mile"), Some(LegKind::LastMile));
        assert_eq!(parse_leg("???"), None);
    }
}
