//! Rendering to PDF and XLSX. PDF tests need a font with Latin and CJK glyphs: `TRADELANE_PDF_FONT` or one of
//! the well-known system locations. Without one they skip their PDF part, unless
//! `TRADELANE_REQUIRE_BROWSER=1` (CI) makes a missing font a failure.

use std::sync::Arc;

use tradelane_documents::{
    Block, Cell, Column, Document, FONT_CANDIDATES, FontData, FontSet, Row, Table, TextStyle,
    render_pdf, render_xlsx,
};

pub fn fonts() -> Option<FontSet> {
    let mut paths: Vec<String> = std::env::var("TRADELANE_PDF_FONT").into_iter().collect();
    paths.extend(FONT_CANDIDATES.iter().map(|s| s.to_string()));
    let mut found = Vec::new();
    for p in paths {
        if let Ok(bytes) = std::fs::read(&p) {
            found.push(FontData {
                name: p,
                bytes: Arc::new(bytes),
                index: 0,
            });
        }
    }
    if found.is_empty() {
        if std::env::var("TRADELANE_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "no font for PDF documents: set TRADELANE_PDF_FONT or install fonts-wqy-microhei"
            );
        }
        eprintln!(
            "skipping the PDF part: no font (set TRADELANE_PDF_FONT or install fonts-wqy-microhei)"
        );
        return None;
    }
    Some(FontSet::from_fonts(found).expect("fonts load"))
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("tl-doc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("t{}.pdf", pdf.len()));
    std::fs::write(&path, pdf).ok()?;
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn hostile_document() -> Document {
    let mut doc = Document::new("Hostile \u{202E}title");
    doc.push(Block::Heading {
        text: "Rechnung 商业发票 <b>&amp;</b>".into(),
        level: 1,
    });
    doc.push(Block::Paragraph {
        text: "line\u{0}one\r\nline two\t\u{1b}[31m".into(),
        style: TextStyle::Body,
    });
    let mut t = Table::new(vec![
        Column::new("Description", 3.0),
        Column::new("Qty", 1.0).summed(),
    ]);
    t.push(Row::body(vec![
        Cell::text("=HYPERLINK(\"http://x\")"),
        Cell::number(1.into(), 0),
    ]));
    t.push(Row::body(vec![
        Cell::text("W".repeat(400)),
        Cell::number(2.into(), 0),
    ]));
    t.push(Row::body(vec![
        Cell::text("蓝牙耳机 ".repeat(900)),
        Cell::number(3.into(), 0),
    ]));
    t.push(Row::body(vec![
        Cell::text("emoji 🎧 and RTL שלום"),
        Cell::number(4.into(), 0),
    ]));
    t.push(Row::total(vec![
        Cell::text("Total"),
        Cell::number(10.into(), 0),
    ]));
    doc.push(Block::Table(t));
    doc
}

#[test]
fn hostile_strings_render_to_pdf_and_xlsx() {
    let doc = hostile_document();
    let xlsx = render_xlsx(&[&doc]).unwrap();
    assert!(xlsx.starts_with(b"PK"));
    let Some(fonts) = fonts() else { return };
    let pdf = render_pdf(&doc, &fonts).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = pdftotext(&pdf) {
        assert!(text.contains("商业发票"), "{text}");
        assert!(text.contains("=HYPERLINK"));
        assert!(!text.contains('\u{1b}'));
        // The 300-times repeated CJK cell is split across pages, not cut.
        assert_eq!(text.matches('蓝').count(), 900);
        assert!(
            text.replace(' ', "").contains("2/2"),
            "the long row continues on page 2: {text}"
        );
    }
}

mod customs_docs {
    use super::*;
    use rust_decimal_macros::dec;
    use tradelane_compliance::customs::{Declaration, DeclarationLine, Package, Party};
    use tradelane_documents::customs::{self, DocumentExtras, Kind};
    use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money, SkuCode};

    pub fn sample() -> Declaration {
        let line =
            |sku: &str, desc: &str, hs: &str, qty: u32, unit: rust_decimal::Decimal, net, gross| {
                DeclarationLine {
                    sku: Some(SkuCode::parse(sku).unwrap()),
                    description: desc.into(),
                    hs_code: Some(HsCode::parse(hs).unwrap()),
                    origin: Some(Country::CN),
                    quantity: qty,
                    unit_value: Money::new(unit, Currency::EUR),
                    unit_net_kg: net,
                    unit_gross_kg: gross,
                }
            };
        Declaration {
            number: "INV-2026-0042".into(),
            date: jiff::civil::date(2026, 11, 26),
            exporter: Party {
                name: "深圳市示例贸易有限公司 Shenzhen Example Trading Co., Ltd.".into(),
                address: vec!["1 Example Road, Bao'an".into(), "Shenzhen 518000".into()],
                country: Country::CN,
                vat_number: None,
                eori: Some("DE123456789012345".into()),
            },
            importer: Party {
                name: "Erika Mustermann".into(),
                address: vec!["Musterstraße 1".into(), "10115 Berlin".into()],
                country: Country::DE,
                vat_number: None,
                eori: None,
            },
            destination: Country::DE,
            currency: Currency::EUR,
            incoterm: Incoterm::parse("DDP").unwrap(),
            lines: vec![
                line(
                    "EB-01",
                    "Bluetooth earphones with lithium-ion battery 蓝牙耳机",
                    "85183000",
                    2,
                    dec!(19.995),
                    dec!(0.05),
                    dec!(0.12),
                ),
                line(
                    "TS-01",
                    "Men's cotton T-shirt, knitted",
                    "61091000",
                    3,
                    dec!(3.335),
                    dec!(0.2),
                    dec!(0.25),
                ),
            ],
            packages: vec![Package {
                mark: "1/1".into(),
                contents: vec![(0, 2), (1, 3)],
                gross_kg: dec!(1.2),
                dimensions_cm: Some([dec!(30), dec!(20), dec!(15)]),
            }],
            freight: Some(Money::new(dec!(4.5), Currency::EUR)),
            insurance: None,
            ioss_number: Some("IM2760000001".into()),
            cn23_category: None,
        }
    }

    #[test]
    fn customs_documents_render_and_totals_print() {
        let d = sample();
        let extras = DocumentExtras {
            identifiers: vec![
                ("IOSS".into(), "IM2760000001".into()),
                ("EORI".into(), "DE123456789012345".into()),
            ],
            reference: Some("SF1234567890".into()),
            contact: Some("Li Wei, +86 755 0000 0000".into()),
            findings: Vec::new(),
        };
        let docs: Vec<Document> = Kind::ALL
            .iter()
            .map(|k| customs::build(*k, &d, &extras).unwrap())
            .collect();
        let refs: Vec<&Document> = docs.iter().collect();
        let xlsx = render_xlsx(&refs).unwrap();
        assert!(xlsx.starts_with(b"PK"));
        let Some(fonts) = fonts() else { return };
        for (k, doc) in Kind::ALL.iter().zip(&docs) {
            let pdf = render_pdf(doc, &fonts).unwrap();
            if let Ok(dir) = std::env::var("TRADELANE_DOC_DUMP") {
                std::fs::write(format!("{dir}/{}.pdf", k.slug()), &pdf).unwrap();
            }
            if let Some(text) = pdftotext(&pdf) {
                // 2 × 19.995 = 39.99, 3 × 3.335 = 10.005 → 10.01 (half-up), goods 50.00, + freight 4.50.
                match k {
                    Kind::Invoice => {
                        assert!(
                            text.contains("39.99")
                                && text.contains("10.01")
                                && text.contains("50.00")
                                && text.contains("54.50"),
                            "{text}"
                        );
                        assert!(
                            text.contains("IM2760000001") && text.contains("DDP"),
                            "{text}"
                        );
                    }
                    Kind::PackingList => {
                        assert!(text.contains("1.200") && text.contains("0.700"), "{text}")
                    }
                    Kind::Cn23 => assert!(
                        text.contains("85183000") && text.contains("50.00"),
                        "{text}"
                    ),
                }
            }
        }
    }
}

mod loading_plan {
    use super::*;
    use tradelane_loadplan::{ItemType, Problem, Settings, plan, presets};

    #[test]
    fn loading_plan_renders() {
        let items = vec![
            ItemType::new("CTN-A 蓝牙耳机", [600, 400, 400], 60)
                .with_weight_g(12_000)
                .this_side_up(),
            ItemType::new("CTN-B", [500, 300, 250], 50)
                .with_weight_g(6_500)
                .with_stop(2),
            ItemType::new("CTN-C", [1200, 800, 600], 8)
                .with_weight_g(80_000)
                .non_stackable(),
        ];
        let problem = Problem::new(presets::container_20gp(), items, Settings::default()).unwrap();
        let asked = std::cell::Cell::new(0u32);
        let p = plan(&problem, &|| {
            asked.set(asked.get() + 1);
            asked.get() > 5
        });
        let doc =
            tradelane_documents::loading::loading_plan(&problem, &p, "PO-7 / pool CNSZX-USLAX");
        let Some(fonts) = fonts() else { return };
        let pdf = render_pdf(&doc, &fonts).unwrap();
        if let Ok(dir) = std::env::var("TRADELANE_DOC_DUMP") {
            std::fs::write(format!("{dir}/loading.pdf"), &pdf).unwrap();
        }
        if let Some(text) = pdftotext(&pdf) {
            assert!(text.contains("Loading plan"), "{text}");
            assert!(text.contains("Step 1 of"), "{text}");
            assert!(text.contains("#1"), "{text}");
        }
    }
}

mod totals_property {
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use tradelane_compliance::customs::{Declaration, DeclarationLine, Party};
    use tradelane_documents::customs::{DocumentExtras, commercial_invoice};
    use tradelane_documents::{Block, Cell, RowKind, render_xlsx};
    use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money};

    fn declaration(lines: &[(u32, i64, u32)], cur: Currency) -> Declaration {
        let party = |c| Party {
            name: "X".into(),
            address: vec![],
            country: c,
            vat_number: None,
            eori: None,
        };
        Declaration {
            number: "P-1".into(),
            date: jiff::civil::date(2026, 11, 26),
            exporter: party(Country::CN),
            importer: party(Country::DE),
            destination: Country::DE,
            currency: cur,
            incoterm: Incoterm::parse("DAP").unwrap(),
            lines: lines
                .iter()
                .map(|(q, mantissa, scale)| DeclarationLine {
                    sku: None,
                    description: "cotton t-shirt".into(),
                    hs_code: Some(HsCode::parse("61091000").unwrap()),
                    origin: Some(Country::CN),
                    quantity: *q,
                    unit_value: Money::new(Decimal::new(*mantissa, *scale), cur),
                    unit_net_kg: Decimal::new(*mantissa % 5000, 3),
                    unit_gross_kg: Decimal::new(*mantissa % 5000 + 10, 3),
                })
                .collect(),
            packages: vec![],
            freight: None,
            insurance: None,
            ioss_number: None,
            cn23_category: None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The printed line totals (at the currency's minor units) add up to the printed goods total, in every
        /// currency, and the workbook keeps the figures as numbers.
        #[test]
        fn printed_lines_add_up(lines in proptest::collection::vec((1u32..1000, 0i64..10_000_000, 0u32..5), 1..30),
                                cur in prop::sample::select(vec![Currency::EUR, Currency::JPY, Currency::parse("KWD").unwrap(), Currency::USD])) {
            let d = declaration(&lines, cur);
            let doc = commercial_invoice(&d, &DocumentExtras::default()).unwrap();
            let table = doc.blocks.iter().find_map(|b| match b { Block::Table(t) if t.columns.len() == 10 => Some(t), _ => None }).unwrap();
            let col = 7;
            let mut sum = Decimal::ZERO;
            let mut total = None;
            for row in &table.rows {
                if let Some(Cell::Number { value, places }) = row.cells.get(col) {
                    prop_assert_eq!(*places, cur.minor_units());
                    prop_assert!(value.scale() <= cur.minor_units());
                    if row.kind == RowKind::Total { total = Some(*value) } else { sum += *value }
                }
            }
            prop_assert_eq!(Some(sum), total);
            prop_assert!(render_xlsx(&[&doc]).unwrap().starts_with(b"PK"));
        }
    }
}
