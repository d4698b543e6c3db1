//! Customs documents from a [`Declaration`]: commercial invoice, packing list and a CN23-style customs
//! declaration. Every printed total comes from [`Declaration::totals`], so the printed lines add up to the
//! printed totals (line totals rounded half-up to the currency's minor units, weights to grams).
//!
//! Which tax and customs numbers are printed depends on the destination ([`applicable_registrations`]):
//! IOSS (EU, consignments up to EUR 150), the destination's EU VAT number and an EU EORI for EU destinations;
//! UK VAT and a GB EORI for Great Britain; the Australian ARN, the New Zealand GST number, the Norwegian
//! VOEC number, the Swiss VAT number, the Singapore OVR GST number and the Canadian GST/HST number for those
//! destinations (FACTS.md §2–§5: the low-value regimes under which the seller collects the tax at sale).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_compliance::customs::{
    Cn23Category, Declaration, DeclarationError, Finding, FindingCode, Party, Totals,
};
use tradelane_domain::Country;

use crate::{Block, Cell, Color, Column, Document, Drawing, Row, Shape, Table, TextStyle};

/// A tax or customs registration of the seller, as kept in the organisation's trade profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Scheme code: `IOSS`, `EU_VAT`, `EORI`, `UK_VAT`, `AU_GST`, `NZ_GST`, `NO_VOEC`, `CH_VAT`, `SG_OVR`,
    /// `CA_GST` (the codes the landed-cost engine uses for registrations, plus `EU_VAT` and `EORI`).
    pub scheme: String,
    /// The number as issued.
    pub number: String,
    /// Country of an EU VAT registration (which member state); empty for the others.
    #[serde(default)]
    pub country: Option<Country>,
}

/// Every scheme code a trade profile accepts, with its printed label.
pub const SCHEMES: &[(&str, &str)] = &[
    ("EORI", "EORI"),
    ("IOSS", "IOSS"),
    ("EU_VAT", "EU VAT"),
    ("UK_VAT", "UK VAT"),
    ("AU_GST", "ARN (AU GST)"),
    ("NZ_GST", "NZ GST"),
    ("NO_VOEC", "VOEC"),
    ("CH_VAT", "CH VAT (UID)"),
    ("SG_OVR", "SG GST (OVR)"),
    ("CA_GST", "CA GST/HST"),
];

/// Printed label of a scheme.
pub fn scheme_label(scheme: &str) -> &str {
    SCHEMES
        .iter()
        .find(|(s, _)| *s == scheme)
        .map_or(scheme, |(_, l)| l)
}

/// Checks a registration number's shape for its scheme; `Err` says what is expected.
pub fn validate_registration(r: &Registration) -> Result<(), String> {
    let n = r.number.trim();
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match r.scheme.as_str() {
        "IOSS" => n.len() == 12 && n.starts_with("IM") && digits(&n[2..]),
        "EORI" => {
            n.len() >= 3
                && n.len() <= 17
                && n.as_bytes()[..2].iter().all(u8::is_ascii_uppercase)
                && alnum(&n[2..])
        }
        "EU_VAT" => {
            r.country.is_some_and(|c| c.is_eu_member())
                && n.len() >= 4
                && n.len() <= 16
                && n.as_bytes()[..2].iter().all(u8::is_ascii_uppercase)
                && alnum(&n[2..])
        }
        "UK_VAT" => {
            let core = n.strip_prefix("GB").unwrap_or(n);
            digits(core) && (core.len() == 9 || core.len() == 12)
        }
        "AU_GST" => digits(n) && (n.len() == 11 || n.len() == 12),
        "NO_VOEC" => digits(n) && n.len() == 8,
        "NZ_GST" => {
            let d: String = n.chars().filter(|c| *c != '-').collect();
            digits(&d) && (d.len() == 8 || d.len() == 9)
        }
        "CH_VAT" => {
            let d: String = n.chars().filter(|c| c.is_ascii_digit()).collect();
            n.starts_with("CHE") && d.len() == 9
        }
        "SG_OVR" | "CA_GST" => alnum(&n.replace(['-', ' '], "")) && n.len() >= 8 && n.len() <= 20,
        other => {
            return Err(format!(
                "unknown scheme '{other}': expected one of {}",
                SCHEMES.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
            ));
        }
    };
    if ok {
        return Ok(());
    }
    Err(match r.scheme.as_str() {
        "IOSS" => "expected IM followed by 10 digits".into(),
        "EORI" => "expected a 2-letter country prefix and up to 15 letters or digits".into(),
        "EU_VAT" => "expected the member state (an EU country) and a number with its 2-letter prefix, e.g. DE123456789".into(),
        "UK_VAT" => "expected 9 or 12 digits, optionally after GB".into(),
        "AU_GST" => "expected the 11-digit ABN or 12-digit ARN".into(),
        "NO_VOEC" => "expected the 8-digit VOEC number".into(),
        "NZ_GST" => "expected 8 or 9 digits".into(),
        "CH_VAT" => "expected CHE and 9 digits, e.g. CHE-123.456.789".into(),
        _ => "expected 8 to 20 letters or digits".into(),
    })
}

/// The registrations printed for `destination`, as (label, number), in scheme order.
pub fn applicable_registrations(
    regs: &[Registration],
    destination: Country,
) -> Vec<(String, String)> {
    let eu = destination.is_eu_member();
    let mut out = Vec::new();
    for (scheme, label) in SCHEMES {
        for r in regs.iter().filter(|r| r.scheme == *scheme) {
            let applies = match *scheme {
                "IOSS" => eu,
                "EU_VAT" => eu && r.country == Some(destination),
                "EORI" => {
                    let prefix = r.number.get(..2).unwrap_or("");
                    if eu {
                        Country::parse(prefix).is_ok_and(|c| c.is_eu_member())
                    } else if destination == Country::GB {
                        prefix == "GB"
                    } else {
                        false
                    }
                }
                "UK_VAT" => destination == Country::GB,
                "AU_GST" => destination == Country::AU,
                "NZ_GST" => destination == Country::NZ,
                "NO_VOEC" => destination == Country::NO,
                "CH_VAT" => destination == Country::CH,
                "SG_OVR" => destination == Country::SG,
                "CA_GST" => destination == Country::CA,
                _ => false,
            };
            if applies {
                let label = if *scheme == "EU_VAT" {
                    format!("{label} ({})", r.country.map(|c| c.code()).unwrap_or(""))
                } else {
                    label.to_string()
                };
                out.push((label, r.number.trim().to_string()));
            }
        }
    }
    out
}

/// What the documents print besides the declaration: the identifiers that apply and notes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentExtras {
    /// (label, number) pairs to print, e.g. from [`applicable_registrations`].
    pub identifiers: Vec<(String, String)>,
    /// Shipment reference (tracking number, order).
    pub reference: Option<String>,
    /// Exporter's contact line (person, phone, e-mail).
    pub contact: Option<String>,
    /// Findings of the declaration checks; battery notes are printed on the documents.
    pub findings: Vec<Finding>,
}

fn party_text(p: &Party, contact: Option<&str>) -> String {
    let mut lines = vec![p.name.clone()];
    lines.extend(p.address.iter().filter(|l| !l.trim().is_empty()).cloned());
    lines.push(p.country.name_en().to_uppercase());
    if let Some(v) = &p.vat_number {
        lines.push(format!("VAT: {v}"));
    }
    if let Some(e) = &p.eori {
        lines.push(format!("EORI: {e}"));
    }
    if let Some(c) = contact.filter(|c| !c.trim().is_empty()) {
        lines.push(c.to_string());
    }
    lines.join("\n")
}

fn money(value: Decimal, places: u32) -> Cell {
    Cell::number(value, places)
}

fn meta_table(rows: Vec<(String, String, String, String)>) -> Table {
    let mut t = Table::new(vec![
        Column::new("", 1.0),
        Column::new("", 1.6),
        Column::new("", 1.0),
        Column::new("", 1.6),
    ])
    .without_header()
    .grid();
    for (a, b, c, d) in rows {
        t.push(Row::body(vec![
            Cell::text(a),
            Cell::text(b),
            Cell::text(c),
            Cell::text(d),
        ]));
    }
    t
}

fn parties(d: &Declaration, extras: &DocumentExtras, left: &str, right: &str) -> Table {
    let mut t = Table::new(vec![Column::new(left, 1.0), Column::new(right, 1.0)]).grid();
    t.font_size = 8.5;
    t.push(Row::body(vec![
        Cell::text(party_text(&d.exporter, extras.contact.as_deref())),
        Cell::text(party_text(&d.importer, None)),
    ]));
    t
}

fn identifiers_block(extras: &DocumentExtras) -> Option<Block> {
    if extras.identifiers.is_empty() {
        return None;
    }
    let text = extras
        .identifiers
        .iter()
        .map(|(l, n)| format!("{l}: {n}"))
        .collect::<Vec<_>>()
        .join("    ");
    Some(Block::Paragraph {
        text,
        style: TextStyle::Strong,
    })
}

fn battery_notes(extras: &DocumentExtras) -> Vec<String> {
    extras
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::LithiumBattery)
        .map(|f| match f.line {
            Some(i) => format!("Line {}: {}", i + 1, f.message),
            None => f.message.clone(),
        })
        .collect()
}

fn category_text(c: Option<Cn23Category>) -> &'static str {
    match c {
        Some(Cn23Category::Gift) => "Gift",
        Some(Cn23Category::Documents) => "Documents",
        Some(Cn23Category::CommercialSample) => "Commercial sample",
        Some(Cn23Category::ReturnedGoods) => "Returned goods",
        Some(Cn23Category::Other) => "Other",
        Some(Cn23Category::SaleOfGoods) | None => "Sale of goods",
    }
}

fn hs(line: &tradelane_compliance::customs::DeclarationLine) -> String {
    line.hs_code
        .as_ref()
        .map(|h| h.as_str().to_string())
        .unwrap_or_default()
}

fn origin(line: &tradelane_compliance::customs::DeclarationLine) -> String {
    line.origin
        .map(|c| c.code().to_string())
        .unwrap_or_default()
}

fn signature(doc: &mut Document, statement: &str, date: &str) {
    doc.push(Block::Paragraph {
        text: statement.to_string(),
        style: TextStyle::Body,
    });
    let mut d = Drawing::new(523.0, 46.0);
    d.shapes
        .push(Shape::text((0.0, 14.0), format!("Date: {date}"), 8.5));
    d.shapes.push(Shape::Line {
        from: (200.0, 34.0),
        to: (520.0, 34.0),
        width: 0.6,
        color: Color::BLACK,
        dashed: false,
    });
    d.shapes.push(Shape::text(
        (200.0, 44.0),
        "Name, signature and stamp of the exporter",
        7.0,
    ));
    doc.push(Block::Drawing(d));
}

/// The commercial invoice.
pub fn commercial_invoice(
    d: &Declaration,
    extras: &DocumentExtras,
) -> Result<Document, DeclarationError> {
    let t = d.totals()?;
    let places = d.currency.minor_units();
    let cur = d.currency.code();
    let mut doc = Document::new(format!("Commercial invoice {}", d.number));
    doc.footer = format!(
        "Commercial invoice {} · {} → {}",
        d.number,
        d.exporter.country.code(),
        d.destination.code()
    );
    doc.push(Block::Heading {
        text: "COMMERCIAL INVOICE 商业发票".into(),
        level: 1,
    });
    doc.push(Block::Table(meta_table(vec![
        (
            "Invoice no.".into(),
            d.number.clone(),
            "Date".into(),
            d.date.to_string(),
        ),
        (
            "Incoterm".into(),
            format!("{} ({})", d.incoterm.code(), d.incoterm.name()),
            "Currency".into(),
            cur.to_string(),
        ),
        (
            "Destination".into(),
            format!("{} ({})", d.destination.name_en(), d.destination.code()),
            "Reason for export".into(),
            category_text(d.cn23_category).to_string(),
        ),
        (
            "Reference".into(),
            extras.reference.clone().unwrap_or_default(),
            "Packages".into(),
            if t.packages > 0 {
                t.packages.to_string()
            } else {
                String::new()
            },
        ),
    ])));
    doc.push(Block::Space(4.0));
    doc.push(Block::Table(parties(
        d,
        extras,
        "Exporter / seller",
        "Importer / consignee",
    )));
    if let Some(b) = identifiers_block(extras) {
        doc.push(b);
    }
    let mut lines = Table::new(vec![
        Column::new("No.", 0.45).right(),
        Column::new("SKU", 1.2),
        Column::new("Description of goods", 3.2),
        Column::new("HS code", 1.1),
        Column::new("Origin", 0.8).center(),
        Column::new("Qty", 0.7).summed(),
        Column::new(format!("Unit value {cur}"), 1.1).right(),
        Column::new(format!("Total {cur}"), 1.2).summed(),
        Column::new("Net kg", 0.9).summed(),
        Column::new("Gross kg", 0.9).summed(),
    ]);
    for (i, l) in d.lines.iter().enumerate() {
        lines.push(Row::body(vec![
            Cell::number((i + 1).into(), 0),
            Cell::text(
                l.sku
                    .as_ref()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            ),
            Cell::text(&l.description),
            Cell::text(hs(l)),
            Cell::text(origin(l)),
            Cell::number(l.quantity.into(), 0),
            Cell::number(
                l.unit_value.amount(),
                places.max(l.unit_value.amount().scale().min(4)),
            ),
            money(t.line_totals[i].amount(), places),
            Cell::number(t.line_net_kg[i], 3),
            Cell::number(t.line_gross_kg[i], 3),
        ]));
    }
    lines.push(Row::total(vec![
        Cell::Empty,
        Cell::text("Total"),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::number(t.quantity.into(), 0),
        Cell::Empty,
        money(t.goods.amount(), places),
        Cell::number(t.net_kg, 3),
        Cell::number(t.gross_kg, 3),
    ]));
    doc.push(Block::Table(lines));
    doc.push(Block::Table(summary_table(d, &t)));
    for note in battery_notes(extras) {
        doc.push(Block::Paragraph {
            text: note,
            style: TextStyle::Note,
        });
    }
    signature(
        &mut doc,
        "I declare that the information on this invoice is true and correct, that the values are the prices actually paid or payable, and that the goods originate in the countries stated.",
        &d.date.to_string(),
    );
    Ok(doc)
}

fn summary_table(d: &Declaration, t: &Totals) -> Table {
    let places = d.currency.minor_units();
    let cur = d.currency.code();
    let mut s = Table::new(vec![
        Column::new("", 4.0),
        Column::new("", 1.5).right(),
        Column::new("", 0.6),
    ])
    .without_header();
    s.push(Row::body(vec![
        Cell::text("Goods total"),
        money(t.goods.amount(), places),
        Cell::text(cur),
    ]));
    if let Some(f) = &d.freight {
        s.push(Row::body(vec![
            Cell::text("Freight"),
            money(
                f.round(tradelane_domain::RoundingMode::HalfUp).amount(),
                places,
            ),
            Cell::text(cur),
        ]));
    }
    if let Some(i) = &d.insurance {
        s.push(Row::body(vec![
            Cell::text("Insurance"),
            money(
                i.round(tradelane_domain::RoundingMode::HalfUp).amount(),
                places,
            ),
            Cell::text(cur),
        ]));
    }
    s.push(Row::total(vec![
        Cell::text(format!("Invoice total ({})", d.incoterm.code())),
        money(t.invoice_total.amount(), places),
        Cell::text(cur),
    ]));
    s
}

/// The packing list: one row per carton with its contents, net (from the lines) and weighed gross weight.
/// Without packages, one row per line.
pub fn packing_list(
    d: &Declaration,
    extras: &DocumentExtras,
) -> Result<Document, DeclarationError> {
    let t = d.totals()?;
    let mut doc = Document::new(format!("Packing list {}", d.number));
    doc.footer = format!(
        "Packing list {} · {} → {}",
        d.number,
        d.exporter.country.code(),
        d.destination.code()
    );
    doc.push(Block::Heading {
        text: "PACKING LIST 装箱单".into(),
        level: 1,
    });
    doc.push(Block::Table(meta_table(vec![
        (
            "Invoice no.".into(),
            d.number.clone(),
            "Date".into(),
            d.date.to_string(),
        ),
        (
            "Destination".into(),
            format!("{} ({})", d.destination.name_en(), d.destination.code()),
            "Reference".into(),
            extras.reference.clone().unwrap_or_default(),
        ),
    ])));
    doc.push(Block::Space(4.0));
    doc.push(Block::Table(parties(d, extras, "Shipper", "Consignee")));
    if d.packages.is_empty() {
        let mut lines = Table::new(vec![
            Column::new("No.", 0.5).right(),
            Column::new("SKU", 1.3),
            Column::new("Description of goods", 3.6),
            Column::new("Qty", 0.8).summed(),
            Column::new("Net kg", 1.0).summed(),
            Column::new("Gross kg", 1.0).summed(),
        ]);
        for (i, l) in d.lines.iter().enumerate() {
            lines.push(Row::body(vec![
                Cell::number((i + 1).into(), 0),
                Cell::text(
                    l.sku
                        .as_ref()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                ),
                Cell::text(&l.description),
                Cell::number(l.quantity.into(), 0),
                Cell::number(t.line_net_kg[i], 3),
                Cell::number(t.line_gross_kg[i], 3),
            ]));
        }
        lines.push(Row::total(vec![
            Cell::Empty,
            Cell::text("Total"),
            Cell::Empty,
            Cell::number(t.quantity.into(), 0),
            Cell::number(t.net_kg, 3),
            Cell::number(t.gross_kg, 3),
        ]));
        doc.push(Block::Table(lines));
        doc.push(Block::Paragraph {
            text: "No cartons were given: weights are the lines' unit weights times quantity."
                .into(),
            style: TextStyle::Note,
        });
    } else {
        let mut cartons = Table::new(vec![
            Column::new("Carton", 0.9),
            Column::new("Contents", 3.6),
            Column::new("Qty", 0.7).summed(),
            Column::new("Net kg", 0.9).summed(),
            Column::new("Gross kg", 0.9).summed(),
            Column::new("L × W × H cm", 1.4),
            Column::new("m³", 0.8).summed(),
        ]);
        let (mut qty, mut net_sum, mut vol_sum) = (0u64, Decimal::ZERO, Decimal::ZERO);
        for p in &d.packages {
            let mut contents = Vec::new();
            let (mut q, mut net) = (0u64, Decimal::ZERO);
            for &(li, n) in &p.contents {
                if let Some(l) = d.lines.get(li) {
                    let code = l
                        .sku
                        .as_ref()
                        .map(|s| format!("{} ", s.as_str()))
                        .unwrap_or_default();
                    contents.push(format!("{n} × {code}{}", l.description));
                    q += u64::from(n);
                    net += (l.unit_net_kg * Decimal::from(n)).round_dp(3);
                }
            }
            let vol = p
                .dimensions_cm
                .map(|[a, b, c]| (a * b * c / Decimal::from(1_000_000)).round_dp(3));
            qty += q;
            net_sum += net;
            vol_sum += vol.unwrap_or_default();
            cartons.push(Row::body(vec![
                Cell::text(&p.mark),
                Cell::text(contents.join("\n")),
                Cell::number(q.into(), 0),
                Cell::number(net, 3),
                Cell::number(p.gross_kg.round_dp(3), 3),
                Cell::text(
                    p.dimensions_cm
                        .map(|[a, b, c]| {
                            format!("{} × {} × {}", a.normalize(), b.normalize(), c.normalize())
                        })
                        .unwrap_or_default(),
                ),
                vol.map_or(Cell::Empty, |v| Cell::number(v, 3)),
            ]));
        }
        cartons.push(Row::total(vec![
            Cell::text(format!("{} cartons", t.packages)),
            Cell::Empty,
            Cell::number(qty.into(), 0),
            Cell::number(net_sum, 3),
            Cell::number(t.packages_gross_kg, 3),
            Cell::Empty,
            Cell::number(vol_sum, 3),
        ]));
        doc.push(Block::Table(cartons));
    }
    for note in battery_notes(extras) {
        doc.push(Block::Paragraph {
            text: note,
            style: TextStyle::Note,
        });
    }
    signature(&mut doc, "Packed as listed above.", &d.date.to_string());
    Ok(doc)
}

fn checkbox(d: &mut Drawing, x: f32, y: f32, label: &str, ticked: bool) {
    d.shapes.push(Shape::rect(
        x,
        y,
        9.0,
        9.0,
        Some(Color::WHITE),
        Some((Color::BLACK, 0.7)),
    ));
    if ticked {
        d.shapes.push(Shape::Line {
            from: (x + 1.5, y + 4.5),
            to: (x + 3.8, y + 7.5),
            width: 1.4,
            color: Color::BLACK,
            dashed: false,
        });
        d.shapes.push(Shape::Line {
            from: (x + 3.8, y + 7.5),
            to: (x + 8.0, y + 1.2),
            width: 1.4,
            color: Color::BLACK,
            dashed: false,
        });
    }
    d.shapes.push(Shape::text((x + 13.0, y + 8.0), label, 8.0));
}

/// A CN23-style customs declaration (the UPU form's fields, laid out as a printable page).
pub fn cn23(d: &Declaration, extras: &DocumentExtras) -> Result<Document, DeclarationError> {
    let t = d.totals()?;
    let places = d.currency.minor_units();
    let cur = d.currency.code();
    let mut doc = Document::new(format!("CN23 {}", d.number));
    doc.footer = format!("CN 23 customs declaration · invoice {}", d.number);
    doc.push(Block::Heading {
        text: "CUSTOMS DECLARATION CN 23 / DÉCLARATION EN DOUANE".into(),
        level: 1,
    });
    doc.push(Block::Paragraph {
        text: "May be opened officially / Peut être ouvert d'office".into(),
        style: TextStyle::Note,
    });
    doc.push(Block::Table(parties(
        d,
        extras,
        "From / Expéditeur",
        "To / Destinataire",
    )));
    let importer_ref = [d.importer.vat_number.as_deref(), d.importer.eori.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" / ");
    let sender_ref = extras
        .identifiers
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(" / ");
    doc.push(Block::Table(meta_table(vec![(
        "Sender's customs reference".into(),
        sender_ref,
        "Importer's reference (tax code / VAT no.)".into(),
        importer_ref,
    )])));
    let mut items = Table::new(vec![
        Column::new("Detailed description of contents (1)", 3.4),
        Column::new("Quantity (2)", 0.8).summed(),
        Column::new("Net weight kg (3)", 1.0).summed(),
        Column::new(format!("Value {cur} (5)"), 1.1).summed(),
        Column::new("HS tariff number (7)", 1.2),
        Column::new("Country of origin (8)", 0.9).center(),
    ])
    .grid();
    for (i, l) in d.lines.iter().enumerate() {
        items.push(Row::body(vec![
            Cell::text(&l.description),
            Cell::number(l.quantity.into(), 0),
            Cell::number(t.line_net_kg[i], 3),
            money(t.line_totals[i].amount(), places),
            Cell::text(hs(l)),
            Cell::text(origin(l)),
        ]));
    }
    items.push(Row::total(vec![
        Cell::text(format!(
            "Total gross weight (4): {} kg",
            crate::format_number(t.gross_kg.max(t.packages_gross_kg), 3)
        )),
        Cell::number(t.quantity.into(), 0),
        Cell::number(t.net_kg, 3),
        money(t.goods.amount(), places),
        Cell::Empty,
        Cell::Empty,
    ]));
    doc.push(Block::Table(items));
    let charges = [&d.freight, &d.insurance]
        .into_iter()
        .flatten()
        .map(|m| m.round(tradelane_domain::RoundingMode::HalfUp).amount())
        .sum::<Decimal>();
    doc.push(Block::Table(meta_table(vec![
        (
            "Postal charges / fees (9)".into(),
            if charges.is_zero() {
                String::new()
            } else {
                format!("{} {cur}", crate::format_number(charges, places))
            },
            "Total value (6)".into(),
            format!("{} {cur}", crate::format_number(t.goods.amount(), places)),
        ),
        (
            "Invoice (licence / certificate no.)".into(),
            d.number.clone(),
            "Incoterm".into(),
            d.incoterm.code().to_string(),
        ),
    ])));
    let mut boxes = Drawing::new(523.0, 34.0);
    boxes.shapes.push(Shape::Text {
        at: (0.0, 9.0),
        text: "Category of item (10)".into(),
        size: 8.0,
        bold: true,
        color: Color::BLACK,
        align: crate::Align::Left,
    });
    let chosen = d.cn23_category.unwrap_or(Cn23Category::SaleOfGoods);
    let cats = [
        (Cn23Category::Gift, "Gift"),
        (Cn23Category::Documents, "Documents"),
        (Cn23Category::CommercialSample, "Commercial sample"),
        (Cn23Category::ReturnedGoods, "Returned goods"),
        (Cn23Category::SaleOfGoods, "Sale of goods"),
        (Cn23Category::Other, "Other"),
    ];
    for (k, (c, label)) in cats.iter().enumerate() {
        checkbox(&mut boxes, k as f32 * 87.0, 16.0, label, *c == chosen);
    }
    doc.push(Block::Drawing(boxes));
    let notes = battery_notes(extras);
    doc.push(Block::Table({
        let mut c = Table::new(vec![Column::new("Comments (11): e.g. goods subject to quarantine, sanitary/phytosanitary inspection or other restrictions", 1.0)]).grid();
        c.push(Row::body(vec![Cell::text(if notes.is_empty() { String::from(" ") } else { notes.join("\n") })]));
        c
    }));
    signature(
        &mut doc,
        "I certify that the particulars given in this customs declaration are correct and that this item does not contain any dangerous article or articles prohibited by legislation or by postal or customs regulations.",
        &d.date.to_string(),
    );
    Ok(doc)
}

/// Which customs document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Commercial invoice.
    Invoice,
    /// Packing list.
    PackingList,
    /// CN23-style declaration.
    Cn23,
}

impl Kind {
    /// All kinds, in the order they are usually printed.
    pub const ALL: [Kind; 3] = [Kind::Invoice, Kind::PackingList, Kind::Cn23];

    /// Parses `invoice`, `packing-list`/`packing_list`, `cn23`.
    pub fn parse(text: &str) -> Option<Kind> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "invoice" | "commercial-invoice" | "ci" => Some(Kind::Invoice),
            "packing-list" | "packing" | "pl" => Some(Kind::PackingList),
            "cn23" | "cn-23" => Some(Kind::Cn23),
            _ => None,
        }
    }

    /// File-name stem.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Invoice => "invoice",
            Kind::PackingList => "packing-list",
            Kind::Cn23 => "cn23",
        }
    }
}

/// Builds one document.
pub fn build(
    kind: Kind,
    d: &Declaration,
    extras: &DocumentExtras,
) -> Result<Document, DeclarationError> {
    match kind {
        Kind::Invoice => commercial_invoice(d, extras),
        Kind::PackingList => packing_list(d, extras),
        Kind::Cn23 => cn23(d, extras),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(scheme: &str, number: &str, country: Option<Country>) -> Registration {
        Registration {
            scheme: scheme.into(),
            number: number.into(),
            country,
        }
    }

    #[test]
    fn registrations_that_apply_per_destination() {
        let regs = vec![
            reg("IOSS", "IM2760000001", None),
            reg("EORI", "DE123456789012345", None),
            reg("EORI", "GB123456789000", None),
            reg("EU_VAT", "DE123456789", Some(Country::DE)),
            reg("EU_VAT", "FR12345678901", Some(Country::FR)),
            reg("UK_VAT", "GB123456789", None),
            reg("NO_VOEC", "20123456", None),
            reg("AU_GST", "300012345678", None),
        ];
        let de = applicable_registrations(&regs, Country::DE);
        assert_eq!(
            de,
            vec![
                ("EORI".into(), "DE123456789012345".into()),
                ("IOSS".into(), "IM2760000001".into()),
                ("EU VAT (DE)".into(), "DE123456789".into()),
            ]
        );
        let gb = applicable_registrations(&regs, Country::GB);
        assert_eq!(
            gb,
            vec![
                ("EORI".into(), "GB123456789000".into()),
                ("UK VAT".into(), "GB123456789".into())
            ]
        );
        assert_eq!(
            applicable_registrations(&regs, Country::NO),
            vec![("VOEC".into(), "20123456".into())]
        );
        assert_eq!(
            applicable_registrations(&regs, Country::AU),
            vec![("ARN (AU GST)".into(), "300012345678".into())]
        );
        assert!(applicable_registrations(&regs, Country::US).is_empty());
    }

    #[test]
    fn registration_shapes() {
        assert!(validate_registration(&reg("IOSS", "IM2760000001", None)).is_ok());
        assert!(validate_registration(&reg("IOSS", "IM27600", None)).is_err());
        assert!(validate_registration(&reg("EU_VAT", "DE123456789", Some(Country::DE))).is_ok());
        assert!(validate_registration(&reg("EU_VAT", "DE123456789", Some(Country::GB))).is_err());
        assert!(validate_registration(&reg("UK_VAT", "GB123456789", None)).is_ok());
        assert!(validate_registration(&reg("NO_VOEC", "2012345", None)).is_err());
        assert!(validate_registration(&reg("CH_VAT", "CHE-123.456.789", None)).is_ok());
        assert!(
            validate_registration(&reg("XX", "1", None))
                .unwrap_err()
                .contains("unknown scheme")
        );
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(Kind::parse("Packing_List"), Some(Kind::PackingList));
        assert_eq!(Kind::parse("CN23"), Some(Kind::Cn23));
        assert_eq!(Kind::parse("bill"), None);
    }
}
