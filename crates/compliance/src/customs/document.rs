//! Declaration documents: one model for the commercial invoice, the packing list and a CN23-style customs
//! declaration, with totals that add up.
//!
//! Rounding: each line total is `unit value × quantity` rounded half-up to the currency's minor units
//! (JPY 0, EUR 2, KWD 3 decimals); the goods total is the sum of the rounded line totals, so the printed
//! lines always add up to the printed total. Weights are kilograms rounded half-up to 3 decimals per line and
//! summed the same way.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money, RoundingMode, SkuCode};

/// Which document is produced from a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Commercial invoice.
    CommercialInvoice,
    /// Packing list.
    PackingList,
    /// CN23-style customs declaration (postal).
    Cn23,
}

/// CN23 "category of item" boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cn23Category {
    /// Gift.
    Gift,
    /// Documents.
    Documents,
    /// Commercial sample.
    CommercialSample,
    /// Returned goods.
    ReturnedGoods,
    /// Sale of goods.
    SaleOfGoods,
    /// Other (explain).
    Other,
}

/// A party on the documents (exporter/seller, importer/consignee).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Name.
    pub name: String,
    /// Address lines.
    pub address: Vec<String>,
    /// Country.
    pub country: Country,
    /// VAT number, when registered.
    #[serde(default)]
    pub vat_number: Option<String>,
    /// EORI number (EU/GB customs).
    #[serde(default)]
    pub eori: Option<String>,
}

/// One line of goods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationLine {
    /// SKU, when from the catalogue.
    #[serde(default)]
    pub sku: Option<SkuCode>,
    /// Description of the goods (specific: what it is and what it is made of).
    pub description: String,
    /// HS code (6 digits or the destination's national code).
    #[serde(default)]
    pub hs_code: Option<HsCode>,
    /// Country of origin.
    #[serde(default)]
    pub origin: Option<Country>,
    /// Number of units.
    pub quantity: u32,
    /// Value of one unit, in the declaration currency.
    pub unit_value: Money,
    /// Net weight of one unit, kg.
    pub unit_net_kg: Decimal,
    /// Gross weight of one unit with its own packaging, kg.
    pub unit_gross_kg: Decimal,
}

/// One package (carton) of the packing list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Carton number or mark.
    pub mark: String,
    /// (line index, quantity) packed in it.
    pub contents: Vec<(usize, u32)>,
    /// Weighed gross weight of the package, kg.
    pub gross_kg: Decimal,
    /// Outer dimensions L × W × H in cm.
    #[serde(default)]
    pub dimensions_cm: Option<[Decimal; 3]>,
}

/// A shipment's declaration data, from which every document is produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// Invoice number.
    pub number: String,
    /// Invoice date.
    pub date: jiff::civil::Date,
    /// Exporter / seller.
    pub exporter: Party,
    /// Importer / consignee.
    pub importer: Party,
    /// Destination country.
    pub destination: Country,
    /// Currency of every amount.
    pub currency: Currency,
    /// Incoterm.
    pub incoterm: Incoterm,
    /// Lines.
    pub lines: Vec<DeclarationLine>,
    /// Packages.
    #[serde(default)]
    pub packages: Vec<Package>,
    /// International freight charged on the invoice.
    #[serde(default)]
    pub freight: Option<Money>,
    /// Insurance charged on the invoice.
    #[serde(default)]
    pub insurance: Option<Money>,
    /// IOSS number (EU consignments up to EUR 150 sold with IOSS).
    #[serde(default)]
    pub ioss_number: Option<String>,
    /// CN23 category.
    #[serde(default)]
    pub cn23_category: Option<Cn23Category>,
}

/// Why totals cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeclarationError {
    /// An amount in another currency than the declaration's.
    #[error("{field}: amount in {found}, but the declaration is in {expected}; convert it first")]
    CurrencyMismatch {
        /// Field, e.g. "lines[2].unit_value".
        field: String,
        /// Declaration currency.
        expected: Currency,
        /// Currency found.
        found: Currency,
    },
    /// A number out of the exact decimal range.
    #[error("{field}: number too large for exact arithmetic")]
    Overflow {
        /// Field.
        field: String,
    },
    /// A package refers to a line that does not exist.
    #[error("packages[{package}]: refers to line {line}, but there are {lines} lines")]
    UnknownLine {
        /// Package index.
        package: usize,
        /// Line index given.
        line: usize,
        /// Number of lines.
        lines: usize,
    },
}

/// Totals of a declaration; every figure is the sum of the printed (rounded) parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Line totals, rounded to the currency's minor units.
    pub line_totals: Vec<Money>,
    /// Sum of line totals.
    pub goods: Money,
    /// Freight + insurance.
    pub charges: Money,
    /// Goods + charges.
    pub invoice_total: Money,
    /// Units.
    pub quantity: u64,
    /// Net weight per line, kg (3 decimals).
    pub line_net_kg: Vec<Decimal>,
    /// Gross weight per line, kg (3 decimals).
    pub line_gross_kg: Vec<Decimal>,
    /// Sum of line net weights.
    pub net_kg: Decimal,
    /// Sum of line gross weights.
    pub gross_kg: Decimal,
    /// Number of packages.
    pub packages: usize,
    /// Sum of package gross weights (the packing list figure).
    pub packages_gross_kg: Decimal,
}

fn kg(value: Decimal) -> Decimal {
    RoundingMode::HalfUp.round(value, 3)
}

impl Declaration {
    /// Computes the totals by the rounding rules in the module documentation.
    pub fn totals(&self) -> Result<Totals, DeclarationError> {
        let cur = self.currency;
        let same = |field: String, m: &Money| {
            if m.currency() == cur {
                Ok(())
            } else {
                Err(DeclarationError::CurrencyMismatch {
                    field,
                    expected: cur,
                    found: m.currency(),
                })
            }
        };
        let overflow = |field: String| DeclarationError::Overflow { field };
        let mut line_totals = Vec::with_capacity(self.lines.len());
        let mut goods = Decimal::ZERO;
        let mut quantity: u64 = 0;
        let (mut line_net_kg, mut line_gross_kg) = (Vec::new(), Vec::new());
        let (mut net, mut gross) = (Decimal::ZERO, Decimal::ZERO);
        for (i, l) in self.lines.iter().enumerate() {
            same(format!("lines[{i}].unit_value"), &l.unit_value)?;
            let q = Decimal::from(l.quantity);
            let total = l
                .unit_value
                .checked_mul(q)
                .map_err(|_| overflow(format!("lines[{i}]")))?
                .round(RoundingMode::HalfUp);
            goods = goods
                .checked_add(total.amount())
                .ok_or_else(|| overflow("goods total".into()))?;
            line_totals.push(total);
            quantity += u64::from(l.quantity);
            let n = kg(l
                .unit_net_kg
                .checked_mul(q)
                .ok_or_else(|| overflow(format!("lines[{i}].unit_net_kg")))?);
            let g = kg(l
                .unit_gross_kg
                .checked_mul(q)
                .ok_or_else(|| overflow(format!("lines[{i}].unit_gross_kg")))?);
            net = net
                .checked_add(n)
                .ok_or_else(|| overflow("net weight total".into()))?;
            gross = gross
                .checked_add(g)
                .ok_or_else(|| overflow("gross weight total".into()))?;
            line_net_kg.push(n);
            line_gross_kg.push(g);
        }
        let mut charges = Decimal::ZERO;
        for (field, m) in [("freight", &self.freight), ("insurance", &self.insurance)] {
            if let Some(m) = m {
                same(field.to_string(), m)?;
                charges = charges
                    .checked_add(m.round(RoundingMode::HalfUp).amount())
                    .ok_or_else(|| overflow(field.to_string()))?;
            }
        }
        let mut packages_gross = Decimal::ZERO;
        for (p, pkg) in self.packages.iter().enumerate() {
            for &(line, _) in &pkg.contents {
                if line >= self.lines.len() {
                    return Err(DeclarationError::UnknownLine {
                        package: p,
                        line,
                        lines: self.lines.len(),
                    });
                }
            }
            packages_gross = packages_gross
                .checked_add(kg(pkg.gross_kg))
                .ok_or_else(|| overflow(format!("packages[{p}].gross_kg")))?;
        }
        Ok(Totals {
            line_totals,
            goods: Money::new(goods, cur),
            charges: Money::new(charges, cur),
            invoice_total: Money::new(
                goods
                    .checked_add(charges)
                    .ok_or_else(|| overflow("invoice total".into()))?,
                cur,
            ),
            quantity,
            line_net_kg,
            line_gross_kg,
            net_kg: net,
            gross_kg: gross,
            packages: self.packages.len(),
            packages_gross_kg: packages_gross,
        })
    }

    /// The tax and customs identifiers to print, as (label, value): IOSS for EU destinations when given,
    /// the parties' VAT numbers and EORI numbers when given.
    pub fn identifiers(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.destination.is_eu_member()
            && let Some(ioss) = &self.ioss_number
        {
            out.push(("IOSS", ioss.clone()));
        }
        for (label, party) in [("exporter", &self.exporter), ("importer", &self.importer)] {
            if let Some(v) = &party.vat_number {
                out.push((
                    if label == "exporter" {
                        "Exporter VAT"
                    } else {
                        "Importer VAT"
                    },
                    v.clone(),
                ));
            }
            if let Some(e) = &party.eori {
                out.push((
                    if label == "exporter" {
                        "Exporter EORI"
                    } else {
                        "Importer EORI"
                    },
                    e.clone(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    pub(crate) fn party(country: Country) -> Party {
        Party {
            name: "Shenzhen Example Trading Co., Ltd.".into(),
            address: vec!["1 Example Road".into(), "Shenzhen".into()],
            country,
            vat_number: None,
            eori: None,
        }
    }

    pub(crate) fn line(
        desc: &str,
        hs: &str,
        qty: u32,
        unit: Decimal,
        cur: Currency,
    ) -> DeclarationLine {
        DeclarationLine {
            sku: None,
            description: desc.into(),
            hs_code: Some(HsCode::parse(hs).unwrap()),
            origin: Some(Country::CN),
            quantity: qty,
            unit_value: Money::new(unit, cur),
            unit_net_kg: dec!(0.2),
            unit_gross_kg: dec!(0.25),
        }
    }

    pub(crate) fn declaration(lines: Vec<DeclarationLine>, cur: Currency) -> Declaration {
        Declaration {
            number: "INV-1".into(),
            date: jiff::civil::date(2026, 11, 26),
            exporter: party(Country::CN),
            importer: party(Country::DE),
            destination: Country::DE,
            currency: cur,
            incoterm: Incoterm::parse("DAP").unwrap(),
            lines,
            packages: Vec::new(),
            freight: None,
            insurance: None,
            ioss_number: None,
            cn23_category: None,
        }
    }

    #[test]
    fn totals_round_per_line_and_add_up() {
        let mut d = declaration(
            vec![
                line("cotton t-shirt", "610910", 3, dec!(3.335), Currency::EUR),
                line(
                    "silicone phone case",
                    "392690",
                    2,
                    dec!(1.005),
                    Currency::EUR,
                ),
            ],
            Currency::EUR,
        );
        d.freight = Some(Money::new(dec!(4.5), Currency::EUR));
        let t = d.totals().unwrap();
        assert_eq!(t.line_totals[0].amount(), dec!(10.01)); // 10.005 half-up
        assert_eq!(t.line_totals[1].amount(), dec!(2.01));
        assert_eq!(t.goods.amount(), dec!(12.02));
        assert_eq!(t.invoice_total.amount(), dec!(16.52));
        assert_eq!(t.net_kg, dec!(1.0));
        assert_eq!(t.quantity, 5);
    }

    #[test]
    fn yen_has_no_decimals_and_currency_mismatch_is_named() {
        let d = declaration(
            vec![line("toy car", "950300", 3, dec!(333.5), Currency::JPY)],
            Currency::JPY,
        );
        assert_eq!(d.totals().unwrap().goods.amount(), dec!(1001)); // 1000.5 -> 1001
        let bad = declaration(
            vec![line("toy car", "950300", 1, dec!(1), Currency::USD)],
            Currency::EUR,
        );
        let err = bad.totals().unwrap_err().to_string();
        assert!(
            err.contains("lines[0].unit_value") && err.contains("USD"),
            "{err}"
        );
    }

    proptest! {
        #[test]
        fn goods_total_equals_sum_of_printed_lines(units in proptest::collection::vec((1u32..500, 0i64..1_000_000), 1..20)) {
            let lines = units.iter().map(|(q, cents)| line("cotton t-shirt", "610910", *q, Decimal::new(*cents, 3), Currency::EUR)).collect();
            let t = declaration(lines, Currency::EUR).totals().unwrap();
            let sum: Decimal = t.line_totals.iter().map(|m| m.amount()).sum();
            prop_assert_eq!(sum, t.goods.amount());
            for m in &t.line_totals {
                prop_assert!(m.amount().scale() <= 2);
            }
        }
    }
}
