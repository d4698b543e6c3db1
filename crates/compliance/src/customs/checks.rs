//! Declaration consistency checks. Every finding names the line, the field and what was expected.
//!
//! Rules:
//! - HS code: its chapter, heading and 6-digit subheading must exist in HS 2022 (error); fewer than 6 digits is
//!   an error; a code longer than 6 digits must have a length the destination uses (error); a 6-digit code for a
//!   destination with a longer national nomenclature is a warning (postal CN23 accepts 6 digits, customs
//!   brokers need the national code).
//! - Description: vague descriptions ("gift", "sample", "parts", "accessories", "礼品", "配件", "样品") are
//!   errors, since carriers and customs reject them; a description whose keywords point only to other chapters
//!   than the HS code's is a warning.
//! - Value: zero or negative unit value is an error; a declared unit value more than
//!   `undervaluation_threshold_percent` (default 20 %) below the catalogue value is a warning (customs value is
//!   the transaction value; a large gap to the seller's own price list invites a valuation query).
//! - Weight: gross below net (per unit, per package contents) is an error; zero net weight is a warning.
//! - Lithium batteries: a line whose SKU has a lithium battery, or whose description mentions one, is flagged
//!   with its UN number and IATA packing instruction (FACTS.md §6e).
//! - IOSS number: "IM" + 10 digits; only for EU destinations; the goods must not exceed EUR 150 (FACTS.md §2, §5).
//! - EORI: 2-letter country prefix + 1 to 15 alphanumerics.

use super::document::Declaration;
use super::hs_table::{HS_EDITION, HsLevelMissing, HsTable};
use super::keywords::{chapters_suggested_by, is_vague_description};
use rust_decimal::Decimal;
use serde::Serialize;
use tradelane_domain::{
    Battery, BatteryChemistry, BatteryPacking, Country, Currency, HsCode, Money, SkuCode,
    SkuRecord, national_code_length,
};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The declaration would be rejected; fix before shipping.
    Error,
    /// Likely to cause a query or delay.
    Warning,
    /// Something the shipper must act on (e.g. battery handling).
    Info,
}

/// Stable code of a finding, for filtering and translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// No HS code on the line.
    HsMissing,
    /// Fewer than 6 digits.
    HsTooShort,
    /// Chapter not in HS 2022.
    HsChapterUnknown,
    /// Heading not in HS 2022.
    HsHeadingUnknown,
    /// Subheading not in HS 2022.
    HsSubheadingUnknown,
    /// National code length wrong for the destination.
    HsNationalLength,
    /// Only 6 digits where the destination uses longer codes.
    HsNotNational,
    /// Vague description.
    DescriptionVague,
    /// Description keywords point to another chapter.
    DescriptionChapterMismatch,
    /// Zero or negative value.
    ValueNotPositive,
    /// Declared value well below the catalogue value.
    Undervalued,
    /// Gross weight below net weight.
    GrossBelowNet,
    /// Zero net weight.
    NetWeightZero,
    /// Lithium battery goods: transport rules apply.
    LithiumBattery,
    /// IOSS number malformed or not applicable.
    Ioss,
    /// EORI malformed.
    Eori,
    /// No lines.
    Empty,
    /// Quantity zero.
    QuantityZero,
    /// Amounts in another currency, or totals could not be computed.
    Totals,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Code.
    pub code: FindingCode,
    /// Line index (None = the declaration as a whole).
    pub line: Option<usize>,
    /// Field name, e.g. "hs_code".
    pub field: &'static str,
    /// What is wrong and what is expected.
    pub message: String,
}

/// Parameters of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    /// Warn when the declared unit value is more than this many percent below the catalogue value.
    pub undervaluation_threshold_percent: Decimal,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            undervaluation_threshold_percent: Decimal::from(20),
        }
    }
}

fn finding(
    severity: Severity,
    code: FindingCode,
    line: Option<usize>,
    field: &'static str,
    message: String,
) -> Finding {
    Finding {
        severity,
        code,
        line,
        field,
        message,
    }
}

/// Checks an HS code against the HS 2022 structure and the destination's national code lengths.
pub fn check_hs(
    code: &HsCode,
    destination: Country,
    table: &HsTable,
    line: Option<usize>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let digits = code.as_str();
    if digits.len() < 6 {
        out.push(finding(
            Severity::Error,
            FindingCode::HsTooShort,
            line,
            "hs_code",
            format!(
                "'{digits}' has {} digits: customs needs at least the 6-digit subheading",
                digits.len()
            ),
        ));
    }
    match table.missing_level(digits) {
        Some(HsLevelMissing::Chapter) => out.push(finding(
            Severity::Error,
            FindingCode::HsChapterUnknown,
            line,
            "hs_code",
            format!("chapter {} does not exist in {HS_EDITION}", &digits[..2]),
        )),
        Some(HsLevelMissing::Heading) => out.push(finding(
            Severity::Error,
            FindingCode::HsHeadingUnknown,
            line,
            "hs_code",
            format!("heading {}.{} does not exist in {HS_EDITION}", &digits[..2], &digits[2..4]),
        )),
        Some(HsLevelMissing::Subheading) => out.push(finding(
            Severity::Error,
            FindingCode::HsSubheadingUnknown,
            line,
            "hs_code",
            format!(
                "subheading {}.{} does not exist in {HS_EDITION} (heading {} exists: check the last two digits)",
                &digits[..4],
                &digits[4..6],
                &digits[..4]
            ),
        )),
        None => {}
    }
    if let Some(lengths) = national_code_length(destination) {
        let shown: Vec<String> = lengths.iter().map(usize::to_string).collect();
        if digits.len() > 6 && !lengths.contains(&digits.len()) {
            out.push(finding(
                Severity::Error,
                FindingCode::HsNationalLength,
                line,
                "hs_code",
                format!(
                    "'{digits}' has {} digits: {} uses {} digits",
                    digits.len(),
                    destination.name_en(),
                    shown.join(" or ")
                ),
            ));
        } else if digits.len() == 6 && lengths.iter().all(|l| *l > 6) {
            out.push(finding(
                Severity::Warning,
                FindingCode::HsNotNational,
                line,
                "hs_code",
                format!(
                    "6-digit subheading only: {} customs uses {}-digit codes; give the national code for a formal entry",
                    destination.name_en(),
                    shown.join(" or ")
                ),
            ));
        }
    }
    out
}

/// Checks a goods description: vague, or pointing to another chapter than `hs`.
pub fn check_description(
    description: &str,
    hs: Option<&HsCode>,
    line: Option<usize>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if is_vague_description(description) {
        out.push(finding(
            Severity::Error,
            FindingCode::DescriptionVague,
            line,
            "description",
            format!(
                "'{}' does not say what the goods are: carriers and customs reject descriptions such as gift, sample, parts or accessories; write the item and its material, e.g. 'silicone phone case'",
                description.trim()
            ),
        ));
        return out;
    }
    if let Some(hs) = hs {
        let suggested = chapters_suggested_by(description);
        if !suggested.is_empty() && !suggested.contains(&hs.chapter()) {
            let list: Vec<String> = suggested.iter().map(|c| format!("{c:02}")).collect();
            out.push(finding(
                Severity::Warning,
                FindingCode::DescriptionChapterMismatch,
                line,
                "description",
                format!(
                    "the description suggests chapter {} but the HS code {} is in chapter {:02}",
                    list.join(" or "),
                    hs.as_str(),
                    hs.chapter()
                ),
            ));
        }
    }
    out
}

/// UN number and IATA packing instruction for a lithium battery (FACTS.md §6e); None without one.
pub fn lithium_transport_note(battery: &Battery) -> Option<String> {
    let Battery::Lithium {
        chemistry, packing, ..
    } = battery
    else {
        return None;
    };
    let (un, pi) = match (chemistry, packing) {
        (BatteryChemistry::LiIon, BatteryPacking::Alone) => ("UN3480", "PI 965"),
        (BatteryChemistry::LiIon, BatteryPacking::PackedWith) => ("UN3481", "PI 966"),
        (BatteryChemistry::LiIon, BatteryPacking::ContainedIn) => ("UN3481", "PI 967"),
        (BatteryChemistry::LiMetal, BatteryPacking::Alone) => ("UN3090", "PI 968"),
        (BatteryChemistry::LiMetal, BatteryPacking::PackedWith) => ("UN3091", "PI 969"),
        (BatteryChemistry::LiMetal, BatteryPacking::ContainedIn) => ("UN3091", "PI 970"),
    };
    Some(format!("{un}, IATA {pi}"))
}

const BATTERY_WORDS: [&str; 6] = [
    "battery",
    "batteries",
    "lithium",
    "power bank",
    "电池",
    "锂",
];

fn ioss_ok(n: &str) -> bool {
    n.len() == 12 && n.starts_with("IM") && n[2..].bytes().all(|b| b.is_ascii_digit())
}

fn eori_ok(n: &str) -> bool {
    let b = n.as_bytes();
    (3..=17).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_alphanumeric)
}

/// Runs every check on a declaration. `catalogue` looks up a SKU's catalogue record (for the value and battery
/// checks); `convert` converts a catalogue value into the declaration currency (None = no rate, check skipped).
pub fn check_declaration<'c>(
    declaration: &Declaration,
    catalogue: impl Fn(&SkuCode) -> Option<&'c SkuRecord>,
    convert: impl Fn(&Money, Currency) -> Option<Money>,
    table: &HsTable,
    options: CheckOptions,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let d = declaration;
    if d.lines.is_empty() {
        out.push(finding(
            Severity::Error,
            FindingCode::Empty,
            None,
            "lines",
            "the declaration has no lines".into(),
        ));
    }
    for (i, l) in d.lines.iter().enumerate() {
        let line = Some(i);
        match &l.hs_code {
            Some(hs) => out.extend(check_hs(hs, d.destination, table, line)),
            None => out.push(finding(
                Severity::Error,
                FindingCode::HsMissing,
                line,
                "hs_code",
                "no HS code: every line needs at least the 6-digit subheading".into(),
            )),
        }
        out.extend(check_description(&l.description, l.hs_code.as_ref(), line));
        if l.quantity == 0 {
            out.push(finding(
                Severity::Error,
                FindingCode::QuantityZero,
                line,
                "quantity",
                "quantity 0: expected at least 1".into(),
            ));
        }
        if l.unit_value.amount() <= Decimal::ZERO {
            out.push(finding(
                Severity::Error,
                FindingCode::ValueNotPositive,
                line,
                "unit_value",
                format!("unit value {}: expected the real transaction value, above zero (gifts and samples have a value too)", l.unit_value),
            ));
        }
        if l.unit_gross_kg < l.unit_net_kg {
            out.push(finding(
                Severity::Error,
                FindingCode::GrossBelowNet,
                line,
                "unit_gross_kg",
                format!(
                    "gross {} kg is below net {} kg: gross includes packaging",
                    l.unit_gross_kg, l.unit_net_kg
                ),
            ));
        }
        if l.unit_net_kg <= Decimal::ZERO {
            out.push(finding(
                Severity::Warning,
                FindingCode::NetWeightZero,
                line,
                "unit_net_kg",
                "net weight 0: give the weight of one unit without packaging".into(),
            ));
        }
        let record = l.sku.as_ref().and_then(&catalogue);
        if let Some(rec) = record
            && let Some(cat_value) = &rec.unit_value
            && l.unit_value.amount() > Decimal::ZERO
            && let Some(cat) = convert(cat_value, d.currency)
            && cat.amount() > Decimal::ZERO
        {
            // Compare as a ratio so absurd figures cannot overflow the decimal range.
            let ratio_percent = l
                .unit_value
                .amount()
                .checked_div(cat.amount())
                .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED));
            let limit = Decimal::ONE_HUNDRED - options.undervaluation_threshold_percent;
            if let Some(ratio) = ratio_percent
                && ratio < limit
            {
                let below = (Decimal::ONE_HUNDRED - ratio).round_dp(1);
                out.push(finding(
                    Severity::Warning,
                    FindingCode::Undervalued,
                    line,
                    "unit_value",
                    format!(
                        "declared {} is {below} % below the catalogue value {} (threshold {} %): customs value is the price actually paid",
                        l.unit_value, cat.round(tradelane_domain::RoundingMode::HalfUp), options.undervaluation_threshold_percent
                    ),
                ));
            }
        }
        let battery_note = record.and_then(|r| lithium_transport_note(&r.battery));
        let lower = l.description.to_lowercase();
        let mentions = BATTERY_WORDS.iter().any(|w| lower.contains(w));
        if battery_note.is_some() || mentions {
            out.push(finding(
                Severity::Info,
                FindingCode::LithiumBattery,
                line,
                "description",
                match battery_note {
                    Some(note) => format!("lithium battery goods ({note}): UN 38.3 test summary, battery mark and state-of-charge rules apply; tell the carrier"),
                    None => "the description mentions a battery: declare chemistry, Wh and packing so the transport rules (UN 38.3, IATA PI 965-970) can be applied".into(),
                },
            ));
        }
    }
    for (p, pkg) in d.packages.iter().enumerate() {
        let net = pkg.contents.iter().try_fold(Decimal::ZERO, |acc, (li, q)| {
            let line_net = d.lines.get(*li).map_or(Some(Decimal::ZERO), |l| {
                l.unit_net_kg.checked_mul(Decimal::from(*q))
            })?;
            acc.checked_add(line_net)
        });
        // An overflowing package is reported by the totals check below.
        if let Some(net) = net
            && pkg.gross_kg < net
        {
            out.push(finding(
                Severity::Error,
                FindingCode::GrossBelowNet,
                None,
                "packages",
                format!(
                    "package {} ('{}'): gross {} kg is below the net weight of its contents {} kg",
                    p + 1,
                    pkg.mark,
                    pkg.gross_kg,
                    net.round_dp(3)
                ),
            ));
        }
    }
    match d.totals() {
        Ok(t) => {
            if let Some(ioss) = &d.ioss_number {
                if !ioss_ok(ioss) {
                    out.push(finding(
                        Severity::Error,
                        FindingCode::Ioss,
                        None,
                        "ioss_number",
                        format!("'{ioss}': expected IM followed by 10 digits"),
                    ));
                }
                if !d.destination.is_eu_member() {
                    out.push(finding(
                        Severity::Warning,
                        FindingCode::Ioss,
                        None,
                        "ioss_number",
                        format!(
                            "IOSS applies to EU destinations only, not {}",
                            d.destination.name_en()
                        ),
                    ));
                }
                let goods_eur = if d.currency == Currency::EUR {
                    Some(t.goods)
                } else {
                    convert(&t.goods, Currency::EUR)
                };
                if let Some(eur) = goods_eur
                    && eur.amount() > Decimal::from(150)
                {
                    out.push(finding(
                        Severity::Error,
                        FindingCode::Ioss,
                        None,
                        "ioss_number",
                        format!("goods value {eur} exceeds EUR 150: IOSS cannot be used; import VAT is due at the border"),
                    ));
                }
            }
        }
        Err(e) => out.push(finding(
            Severity::Error,
            FindingCode::Totals,
            None,
            "lines",
            e.to_string(),
        )),
    }
    for (who, party) in [("exporter", &d.exporter), ("importer", &d.importer)] {
        if let Some(e) = &party.eori
            && !eori_ok(e)
        {
            out.push(finding(
                Severity::Error,
                FindingCode::Eori,
                None,
                if who == "exporter" {
                    "exporter.eori"
                } else {
                    "importer.eori"
                },
                format!("'{e}': expected a 2-letter country prefix and up to 15 letters or digits"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::document::tests::{declaration, line};
    use super::*;
    use rust_decimal_macros::dec;

    fn codes(f: &[Finding]) -> Vec<FindingCode> {
        f.iter().map(|x| x.code).collect()
    }

    fn run(d: &Declaration, cat: &[SkuRecord]) -> Vec<Finding> {
        check_declaration(
            d,
            |code| cat.iter().find(|r| &r.code == code),
            |m, to| (m.currency() == to).then_some(*m),
            HsTable::hs2022(),
            CheckOptions::default(),
        )
    }

    #[test]
    fn hs_structure_and_national_lengths() {
        let t = HsTable::hs2022();
        let f = check_hs(&HsCode::parse("851712").unwrap(), Country::DE, t, None);
        assert!(codes(&f).contains(&FindingCode::HsSubheadingUnknown));
        let f = check_hs(&HsCode::parse("85171300").unwrap(), Country::DE, t, None);
        assert!(f.is_empty(), "{f:?}");
        let f = check_hs(&HsCode::parse("85171300").unwrap(), Country::US, t, None);
        assert_eq!(codes(&f), vec![FindingCode::HsNationalLength]);
        let f = check_hs(&HsCode::parse("851713").unwrap(), Country::US, t, None);
        assert_eq!(codes(&f), vec![FindingCode::HsNotNational]);
        let f = check_hs(&HsCode::parse("859900").unwrap(), Country::GB, t, None);
        assert_eq!(
            codes(&f),
            vec![FindingCode::HsHeadingUnknown, FindingCode::HsNotNational]
        );
    }

    #[test]
    fn clean_declaration_has_no_errors() {
        let d = declaration(
            vec![line(
                "men's cotton t-shirt",
                "61091000",
                2,
                dec!(5),
                Currency::EUR,
            )],
            Currency::EUR,
        );
        let f = run(&d, &[]);
        assert!(f.iter().all(|x| x.severity != Severity::Error), "{f:?}");
    }

    #[test]
    fn vague_mismatched_zero_and_gross_below_net() {
        let mut bad = line("gift", "610910", 1, dec!(0), Currency::EUR);
        bad.unit_gross_kg = dec!(0.1);
        let mismatch = line("running shoes", "610910", 1, dec!(10), Currency::EUR);
        let d = declaration(vec![bad, mismatch], Currency::EUR);
        let f = run(&d, &[]);
        let c = codes(&f);
        assert!(c.contains(&FindingCode::DescriptionVague));
        assert!(c.contains(&FindingCode::ValueNotPositive));
        assert!(c.contains(&FindingCode::GrossBelowNet));
        let m = f
            .iter()
            .find(|x| x.code == FindingCode::DescriptionChapterMismatch)
            .unwrap();
        assert_eq!(m.line, Some(1));
        assert!(m.message.contains("chapter 64"), "{}", m.message);
    }

    #[test]
    fn undervaluation_threshold_boundary_and_battery_flag() {
        let mut rec = SkuRecord::new(SkuCode::parse("EB-1").unwrap(), "Earbuds");
        rec.unit_value = Some(Money::new(dec!(10), Currency::EUR));
        rec.battery = Battery::parse_label("li-ion contained 0.5Wh").unwrap();
        let mut at = line("bluetooth earphones", "851830", 1, dec!(8), Currency::EUR);
        at.sku = Some(rec.code.clone());
        let mut below = at.clone();
        below.unit_value = Money::new(dec!(7.99), Currency::EUR);
        let d = declaration(vec![at, below], Currency::EUR);
        let f = run(&d, std::slice::from_ref(&rec));
        let under: Vec<_> = f
            .iter()
            .filter(|x| x.code == FindingCode::Undervalued)
            .collect();
        assert_eq!(under.len(), 1);
        assert_eq!(under[0].line, Some(1));
        let bat = f
            .iter()
            .find(|x| x.code == FindingCode::LithiumBattery)
            .unwrap();
        assert!(bat.message.contains("UN3481") && bat.message.contains("PI 967"));
    }

    #[test]
    fn absurd_figures_are_reported_not_panicked_on() {
        let mut huge = line(
            "cotton t-shirt",
            "610910",
            u32::MAX,
            Decimal::MAX,
            Currency::EUR,
        );
        huge.unit_net_kg = Decimal::MAX;
        huge.unit_gross_kg = Decimal::MAX;
        let mut d = declaration(vec![huge], Currency::EUR);
        d.packages.push(crate::customs::Package {
            mark: "1".into(),
            contents: vec![(0, u32::MAX), (7, 1)],
            gross_kg: dec!(1),
            dimensions_cm: None,
        });
        let f = run(&d, &[]);
        assert!(f.iter().any(|x| x.code == FindingCode::Totals), "{f:?}");
    }

    #[test]
    fn ioss_rules() {
        let mut d = declaration(
            vec![line("cotton t-shirt", "610910", 20, dec!(8), Currency::EUR)],
            Currency::EUR,
        );
        d.ioss_number = Some("IM1234567890".into());
        let f = run(&d, &[]);
        assert!(
            f.iter()
                .any(|x| x.code == FindingCode::Ioss && x.message.contains("exceeds EUR 150"))
        );
        d.lines[0].quantity = 18; // EUR 144
        d.ioss_number = Some("IM12345".into());
        let f = run(&d, &[]);
        let ioss: Vec<_> = f.iter().filter(|x| x.code == FindingCode::Ioss).collect();
        assert_eq!(ioss.len(), 1);
        assert!(ioss[0].message.contains("IM followed by 10 digits"));
    }
}
