//! The UK Global Tariff reference CSV (`commodity,description,cet_duty_rate,ukgt_duty_rate,...`): one rule per
//! commodity code, from the UKGT column (the UK rate, amounts in GBP) or the CET column (the EU third-country
//! rate it restates, amounts in EUR).

use super::common::{ImportError, ImportOptions, ImportReport, column, make_rule, next_record};
use crate::hs::HsDigits;
use crate::rate::parse_duty_rate;
use tradelane_domain::Currency;

/// Which rate column to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UkColumn {
    /// `ukgt_duty_rate`: the UK Global Tariff.
    Ukgt,
    /// `cet_duty_rate`: the EU Common External Tariff as restated in the file.
    Cet,
}

/// Parses the file; fails only when the header lacks the needed columns. Row problems go to the report.
pub fn import_uk_tariff_csv(
    text: &str,
    which: UkColumn,
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
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
    let (name, currency) = match which {
        UkColumn::Ukgt => ("ukgt_duty_rate", Currency::GBP),
        UkColumn::Cet => ("cet_duty_rate", Currency::EUR),
    };
    let (Some(code_col), Some(rate_col)) = (column(&headers, "commodity"), column(&headers, name))
    else {
        return Err(header_error(format!(
            "not a UK Global Tariff CSV: expected columns 'commodity' and '{name}'"
        )));
    };
    let mut report = ImportReport::default();
    let mut record = csv::StringRecord::new();
    while next_record(&mut reader, &mut record, &mut report) {
        report.rows += 1;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let code = record.get(code_col).unwrap_or("").trim();
        let digits = match HsDigits::parse_prefix(code) {
            Ok(d) if d.len() >= 6 => d,
            Ok(_) | Err(_) => {
                report.errors.push(ImportError {
                    line,
                    code: code.into(),
                    column: "commodity".into(),
                    value: code.into(),
                    message: "expected an 8- or 10-digit commodity code".into(),
                });
                continue;
            }
        };
        let chapter = digits.digits()[0] * 10 + digits.digits()[1];
        if opts.skip_chapters.contains(&chapter) {
            report.skipped += 1;
            continue;
        }
        let rate_text = record.get(rate_col).unwrap_or("").trim();
        match parse_duty_rate(rate_text, currency) {
            Ok(rate) => report.rules.push(make_rule(opts, digits, rate)),
            Err(message) => report.errors.push(ImportError {
                line,
                code: code.into(),
                column: name.into(),
                value: rate_text.into(),
                message,
            }),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use rust_decimal_macros::dec;

    const FIXTURE: &str = "commodity,description,cet_duty_rate,ukgt_duty_rate,change,trade_remedy_applies,cet_applies_until_trade_remedy_transition_reviews_concluded,suspension_applies,atq_applies\r\n\
42022100,\"Handbags, with outer surface of leather\",3.0%,0.0%,Liberalised,False,False,False,False\r\n\
61091000,\"T-shirts, of cotton, knitted\",12.0%,12.0%,No change,False,False,False,False\r\n\
0203111000,\"Carcases of domestic swine, fresh\",53.60 EUR / 100 kg,46.00 GBP / 100 kg,Currency conversion,False,False,False,False\r\n\
04029110,Milk,10.20% + 93.10 EUR / 100 kg,10.00% + 77.00 GBP/100kg,Currency conversion,False,False,False,False\r\n\
1234,Short code,1.0%,1.0%,No change,False,False,False,False\r\n\
85171200,Phones,0.0%,n/a,No change,False,False,False,False\r\n";

    fn opts(territory: &str) -> ImportOptions {
        ImportOptions {
            territory: territory.into(),
            id_prefix: format!("{territory}-T"),
            source: "fixture".into(),
            effective_from: date(2021, 1, 1),
            effective_to: None,
            uncertain: true,
            skip_chapters: vec![],
        }
    }

    #[test]
    fn imports_ukgt_rates_in_gbp() {
        let report = import_uk_tariff_csv(FIXTURE, UkColumn::Ukgt, &opts("GB")).unwrap();
        assert_eq!(report.rows, 6);
        assert_eq!(report.rules.len(), 4);
        assert!(report.rules[0].rate.is_free());
        assert_eq!(report.rules[1].rate.ad_valorem, Some(dec!(12)));
        let pork = &report.rules[2];
        assert_eq!(pork.prefix.to_string(), "0203111000");
        assert_eq!(pork.rate.specific[0].currency, Currency::GBP);
        assert_eq!(pork.rate.specific[0].per_quantity, dec!(100));
        assert_eq!(report.errors.len(), 2);
        assert!(report.errors.iter().any(|e| e.code == "1234"));
        assert!(
            report
                .errors
                .iter()
                .any(|e| e.value == "n/a" && e.column == "ukgt_duty_rate")
        );
    }

    #[test]
    fn imports_cet_rates_in_eur() {
        let report = import_uk_tariff_csv(FIXTURE, UkColumn::Cet, &opts("EU")).unwrap();
        assert_eq!(report.rules[0].rate.ad_valorem, Some(dec!(3.0)));
        assert_eq!(report.rules[3].rate.specific[0].amount, dec!(93.10));
        assert_eq!(report.rules[3].rate.specific[0].currency, Currency::EUR);
    }
}
