//! The US Harmonized Tariff Schedule CSV as published by the USITC (static edition file and the web
//! application's export): `HTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,...`.
//!
//! Rates are often given on the 8-digit line and not repeated on its 10-digit statistical lines, and grouping
//! rows carry no number at all, so each row's rate is its own or, when empty, its nearest parent's by indent.
//! One rule is made per tariff line that has no sub-lines, so a 10-digit code always finds its own line.

use super::common::{ImportError, ImportOptions, ImportReport, column, make_rule, next_record};
use crate::hs::HsDigits;
use crate::rate::parse_duty_rate;
use tradelane_domain::Currency;

struct Pending {
    line: u64,
    number: String,
    indent: u32,
    rate: Option<String>,
}

/// Parses the file; fails only when the header is not the USITC layout. Row problems go to the report.
pub fn import_us_hts_csv(text: &str, opts: &ImportOptions) -> Result<ImportReport, ImportError> {
    let header_error = |message: String| ImportError {
        line: 1,
        code: String::new(),
        column: String::new(),
        value: String::new(),
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| header_error(format!("unreadable header: {e}")))?
        .clone();
    let (Some(number_col), Some(indent_col), Some(rate_col)) = (
        column(&headers, "HTS Number"),
        column(&headers, "Indent"),
        column(&headers, "General Rate of Duty"),
    ) else {
        return Err(header_error(
            "not a USITC HTS CSV: expected columns 'HTS Number', 'Indent' and 'General Rate of Duty'".into(),
        ));
    };
    let mut report = ImportReport::default();
    // (indent, effective rate) of the open ancestors.
    let mut stack: Vec<(u32, Option<String>)> = Vec::new();
    let mut pending: Option<Pending> = None;
    let mut record = csv::StringRecord::new();
    while next_record(&mut reader, &mut record, &mut report) {
        report.rows += 1;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let number = record.get(number_col).unwrap_or("").trim().to_string();
        let indent_text = record.get(indent_col).unwrap_or("").trim();
        let Ok(indent) = indent_text.parse::<u32>() else {
            report.errors.push(ImportError {
                line,
                code: number,
                column: "Indent".into(),
                value: indent_text.into(),
                message: "not a whole number".into(),
            });
            continue;
        };
        // A row deeper than the pending line makes that line a heading, not a tariff line.
        if let Some(p) = pending.take() {
            if indent > p.indent {
                report.skipped += 1;
            } else {
                emit(p, opts, &mut report);
            }
        }
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let own = record
            .get(rate_col)
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let rate = own.or_else(|| stack.last().and_then(|(_, r)| r.clone()));
        stack.push((indent, rate.clone()));
        if !number.is_empty() {
            pending = Some(Pending {
                line,
                number,
                indent,
                rate,
            });
        }
    }
    if let Some(p) = pending.take() {
        emit(p, opts, &mut report);
    }
    Ok(report)
}

fn emit(p: Pending, opts: &ImportOptions, report: &mut ImportReport) {
    let digits = match HsDigits::parse_prefix(&p.number) {
        Ok(d) => d,
        Err(e) => {
            report.errors.push(ImportError {
                line: p.line,
                code: p.number.clone(),
                column: "HTS Number".into(),
                value: p.number,
                message: e,
            });
            return;
        }
    };
    let chapter = digits.digits()[0] * 10 + digits.digits()[1];
    if opts.skip_chapters.contains(&chapter) {
        report.skipped += 1;
        return;
    }
    let Some(rate_text) = p.rate else {
        report.errors.push(ImportError {
            line: p.line,
            code: p.number,
            column: "General Rate of Duty".into(),
            value: String::new(),
            message: "no rate on the line or on any parent line".into(),
        });
        return;
    };
    match parse_duty_rate(&rate_text, Currency::USD) {
        Ok(rate) => report.rules.push(make_rule(opts, digits, rate)),
        Err(message) => report.errors.push(ImportError {
            line: p.line,
            code: p.number,
            column: "General Rate of Duty".into(),
            value: rate_text,
            message,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use rust_decimal_macros::dec;

    fn opts() -> ImportOptions {
        ImportOptions {
            territory: "US".into(),
            id_prefix: "US-HTS".into(),
            source: "fixture".into(),
            effective_from: date(2026, 1, 1),
            effective_to: None,
            uncertain: false,
            skip_chapters: vec![98, 99],
        }
    }

    // Written in the static-edition layout: BOM, every field quoted, rates on the 8-digit line only.
    const STATIC: &str = "\u{feff}HTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,Special Rate of Duty,Column 2 Rate of Duty,Quota Quantity,Additional Duties\r\n\
\"4202\",\"0\",\"Trunks, cases and bags:\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n\
\"\",\"1\",\"Handbags:\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n\
\"4202.22\",\"2\",\"With outer surface of sheeting of plastic or textile:\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n\
\"4202.22.15\",\"3\",\"With outer surface of plastic sheeting\",\"\",\"16.5%\",\"Free (AU)\",\"45%\",\"\",\"\"\r\n\
\"4202.22.15.00\",\"4\",\"Other\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"\r\n\
\"4202.22.40\",\"3\",\"Of cotton\",\"\",\"6.3%\",\"\",\"40%\",\"\",\"\"\r\n\
\"4202.22.40.20\",\"4\",\"Containing 85% or more by weight of silk\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"\r\n\
\"4202.22.40.30\",\"4\",\"Other\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"\r\n\
\"6402.99.90\",\"1\",\"Other footwear\",\"[\"\"prs.\"\"]\",\"90¢/pr. + 20%\",\"\",\"\",\"\",\"\"\r\n\
\"6116.10.05\",\"1\",\"Gloves\",\"[\"\"doz. prs.\"\"]\",\"$1.05/doz. + 10%\",\"\",\"\",\"\",\"\"\r\n\
\"6116.10.08\",\"1\",\"Bad\",\"\",\"see note 3\",\"\",\"\",\"\",\"\"\r\n\
\"9903.88.03\",\"1\",\"Articles the product of China\",\"\",\"The duty provided in the applicable subheading + 25%\",\"\",\"\",\"\",\"\"\r\n";

    #[test]
    fn imports_leaves_with_inherited_rates() {
        let report = import_us_hts_csv(STATIC, &opts()).unwrap();
        let codes: Vec<String> = report.rules.iter().map(|r| r.prefix.to_string()).collect();
        assert_eq!(
            codes,
            [
                "4202221500",
                "4202224020",
                "4202224030",
                "64029990",
                "61161005"
            ]
        );
        assert_eq!(report.rules[0].rate.ad_valorem, Some(dec!(16.5)));
        assert_eq!(report.rules[2].rate.ad_valorem, Some(dec!(6.3)));
        assert_eq!(report.rules[3].rate.specific[0].amount, dec!(0.90));
        assert_eq!(report.rules[0].meta.id, "US-HTS-4202221500");
        assert_eq!(report.rows, 12);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].code, "6116.10.08");
        assert!(report.errors[0].to_string().contains("see note 3"));
        // 4202, 4202.22, 4202.22.15, 4202.22.40 have sub-lines; 9903.88.03 is chapter 99.
        assert_eq!(report.skipped, 4 + 1);
    }

    // Written in the web-export layout: no BOM, minimal quoting, "16.50%".
    const WEB: &str = "HTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,Special Rate of Duty,Column 2 Rate of Duty,Quota Quantity,Additional Duties\r\n\
6109,0,\"T-shirts, singlets:\",,,,,,\r\n\
6109.10.00,1,Of cotton,,16.50%,\"Free (AU,BH)\",90%,,\r\n\
6109.10.00.04,2,\"Men's, other\",\"[\"\"doz.\"\",\"\"kg\"\"]\",16.50%,,,,\r\n";

    #[test]
    fn imports_the_web_export_layout() {
        let report = import_us_hts_csv(WEB, &opts()).unwrap();
        assert_eq!(report.rules.len(), 1);
        assert_eq!(report.rules[0].prefix.to_string(), "6109100004");
        assert_eq!(report.rules[0].rate.ad_valorem, Some(dec!(16.5)));
        assert!(report.errors.is_empty());
    }

    #[test]
    fn rejects_other_layouts() {
        let err = import_us_hts_csv("code,rate\n1,2\n", &opts()).unwrap_err();
        assert!(err.message.contains("HTS Number"));
    }
}
