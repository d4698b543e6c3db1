//! Customs documents for a shipment or an ad-hoc set of lines, shared by the API, the pages and the CLI:
//! builds the [`Declaration`] from the request, the catalogue and the organisation's trade profile, runs the
//! declaration checks, and renders the commercial invoice, packing list and CN23 as PDF or XLSX.
//!
//! Errors found by the checks block the documents unless an owner overrides them with a reason; the override
//! is written to the audit log (with the findings) before any document is returned.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_compliance::customs::{
    CheckOptions, Cn23Category, Declaration, DeclarationLine, Finding, HsTable, Package, Party,
    Severity, check_declaration,
};
use tradelane_documents::customs::{self as docs, DocumentExtras, Kind, Registration};
use tradelane_documents::{Document, FontSet};
use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money, SkuCode, SkuRecord};
use tradelane_store::{Actor, OrgId, Role, ShipmentId, Store, TradeProfile};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, FieldErrorBody};

/// Most lines in one request.
pub const MAX_LINES: usize = 500;
/// Most cartons in one request.
pub const MAX_CARTONS: usize = 500;

/// The consignee (importer).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ConsigneeInput {
    pub name: String,
    #[serde(default)]
    pub address: Vec<String>,
    #[serde(default)]
    pub vat_number: Option<String>,
    #[serde(default)]
    pub eori: Option<String>,
}

/// One line of goods: a catalogue SKU (its description, HS code for the destination, origin, value and
/// weights are used unless given here) or a free line with everything given.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct LineInput {
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub hs_code: Option<String>,
    /// Country of origin, ISO alpha-2.
    #[serde(default)]
    pub origin: Option<String>,
    pub quantity: u32,
    /// Value of one unit in the request currency.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub unit_value: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub unit_net_kg: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub unit_gross_kg: Option<Decimal>,
    /// Carton mark this line is packed in (all units of the line).
    #[serde(default)]
    pub carton: Option<String>,
}

/// A carton of the packing list.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CartonInput {
    pub mark: String,
    /// Weighed gross weight, kg.
    #[schema(value_type = String)]
    pub gross_kg: Decimal,
    /// Outer length, width, height in cm.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub dimensions_cm: Option<[Decimal; 3]>,
}

/// What the documents are made from.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct DocsRequest {
    /// Destination country, ISO alpha-2. Default: the shipment's destination.
    #[serde(default)]
    pub destination: Option<String>,
    /// ISO 4217 currency of every amount.
    pub currency: String,
    /// Incoterm code; default DAP.
    #[serde(default)]
    pub incoterm: Option<String>,
    /// Invoice number; default generated from the date and shipment.
    #[serde(default)]
    pub number: Option<String>,
    /// Invoice date YYYY-MM-DD; default today (UTC).
    #[serde(default)]
    pub date: Option<String>,
    pub consignee: ConsigneeInput,
    pub lines: Vec<LineInput>,
    #[serde(default)]
    pub cartons: Vec<CartonInput>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub freight: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub insurance: Option<Decimal>,
    /// CN23 category: sale_of_goods (default), gift, documents, commercial_sample, returned_goods, other.
    #[serde(default)]
    pub category: Option<String>,
    /// Shipment the documents are for (its reference and tracking numbers are printed).
    #[serde(default)]
    pub shipment_id: Option<i64>,
    /// Free reference printed on the documents.
    #[serde(default)]
    pub reference: Option<String>,
    /// Issue the documents despite check errors (owners only; audited).
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// A check finding as returned to clients.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingResponse {
    /// error, warning, info.
    pub severity: String,
    /// Stable code, e.g. `description_vague`.
    pub code: String,
    /// 1-based line number; none for the declaration as a whole.
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl FindingResponse {
    pub fn new(f: &Finding) -> Self {
        let name = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        FindingResponse {
            severity: name(serde_json::to_value(f.severity).unwrap_or_default()),
            code: name(serde_json::to_value(f.code).unwrap_or_default()),
            line: f.line.map(|l| l + 1),
            field: f.field.to_string(),
            message: f.message.clone(),
        }
    }
}

/// A declaration ready to print, with its check results.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub declaration: Declaration,
    pub extras: DocumentExtras,
    pub findings: Vec<Finding>,
    /// The shipment the documents are for, if any: then the compliance gate applies (see [`authorise`]).
    pub shipment: Option<ShipmentId>,
    /// Catalogue SKUs on the lines, in line order without repeats.
    pub skus: Vec<String>,
}

impl Prepared {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
}

fn bad(field: &str, value: &str, expected: &str) -> ApiError {
    ApiError::validation(field, value, expected)
}

fn trimmed(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn today_utc() -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

fn category(text: Option<&str>) -> ApiResult<Option<Cn23Category>> {
    Ok(Some(
        match text
            .map(|t| t.to_ascii_lowercase().replace(['-', ' '], "_"))
            .as_deref()
        {
            None | Some("sale_of_goods") | Some("sale") => Cn23Category::SaleOfGoods,
            Some("gift") => Cn23Category::Gift,
            Some("documents") => Cn23Category::Documents,
            Some("commercial_sample") | Some("sample") => Cn23Category::CommercialSample,
            Some("returned_goods") | Some("return") => Cn23Category::ReturnedGoods,
            Some("other") => Cn23Category::Other,
            Some(other) => {
                return Err(bad(
                    "category",
                    other,
                    "sale_of_goods, gift, documents, commercial_sample, returned_goods or other",
                ));
            }
        },
    ))
}

/// The profile's registrations as the document builder takes them (malformed country codes dropped).
pub fn registrations(profile: Option<&TradeProfile>) -> Vec<Registration> {
    profile
        .map(|p| {
            p.profile
                .registrations
                .iter()
                .map(|r| Registration {
                    scheme: r.scheme.clone(),
                    number: r.number.clone(),
                    country: r.country.as_deref().and_then(|c| Country::parse(c).ok()),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn exporter(
    profile: Option<&TradeProfile>,
    regs: &[Registration],
    destination: Country,
) -> ApiResult<Party> {
    let Some(p) = profile else {
        return Err(ApiError::Validation {
            message: "no trade profile: enter the exporter's legal name, address and registrations under Settings → Trade profile first".into(),
            fields: vec![FieldErrorBody {
                field: "trade_profile".into(),
                value: String::new(),
                expected: "a saved trade profile".into(),
            }],
        });
    };
    let country = p
        .profile
        .country
        .as_deref()
        .and_then(|c| Country::parse(c).ok())
        .unwrap_or(Country::CN);
    let applicable = docs::applicable_registrations(regs, destination);
    let pick = |label: &str| {
        applicable
            .iter()
            .find(|(l, _)| l.starts_with(label))
            .map(|(_, n)| n.clone())
    };
    let name = if p.profile.local_name.trim().is_empty() {
        p.profile.legal_name.clone()
    } else {
        format!("{} {}", p.profile.legal_name, p.profile.local_name)
    };
    Ok(Party {
        name,
        address: p.profile.address.clone(),
        country,
        vat_number: pick("EU VAT").or_else(|| pick("UK VAT")),
        eori: pick("EORI"),
    })
}

fn contact(profile: Option<&TradeProfile>) -> Option<String> {
    let p = &profile?.profile;
    let parts: Vec<&str> = [p.contact_name.as_str(), p.phone.as_str(), p.email.as_str()]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn convert_same(m: &Money, to: Currency) -> Option<Money> {
    (m.currency() == to).then_some(*m)
}

/// Builds the declaration and runs the checks. Reads the trade profile, the catalogue SKUs named by the lines
/// and the shipment (all filtered by `org`: another organisation's shipment is not found).
pub async fn prepare(store: &Store, org: OrgId, req: &DocsRequest) -> ApiResult<Prepared> {
    if req.lines.is_empty() {
        return Err(bad("lines", "", "at least one line"));
    }
    if req.lines.len() > MAX_LINES {
        return Err(bad(
            "lines",
            &req.lines.len().to_string(),
            &format!("at most {MAX_LINES} lines"),
        ));
    }
    if req.cartons.len() > MAX_CARTONS {
        return Err(bad(
            "cartons",
            &req.cartons.len().to_string(),
            &format!("at most {MAX_CARTONS} cartons"),
        ));
    }
    let shipment = match req.shipment_id {
        Some(id) => Some(store.get_shipment(org, ShipmentId(id)).await?),
        None => None,
    };
    let dest_text = trimmed(&req.destination)
        .map(str::to_string)
        .or_else(|| shipment.as_ref().and_then(|s| s.destination.clone()))
        .unwrap_or_default();
    let destination = Country::parse(&dest_text).map_err(|_| {
        bad(
            "destination",
            &dest_text,
            "an ISO 3166 alpha-2 country code such as DE",
        )
    })?;
    let currency = Currency::parse(req.currency.trim())
        .map_err(|_| bad("currency", &req.currency, "an ISO 4217 code such as EUR"))?;
    let incoterm = match trimmed(&req.incoterm) {
        None => Incoterm::Dap,
        Some(t) => Incoterm::parse(t)
            .map_err(|_| bad("incoterm", t, "an Incoterms 2020 code such as DAP or DDP"))?,
    };
    let date = match trimmed(&req.date) {
        None => today_utc(),
        Some(t) => t.parse().map_err(|_| bad("date", t, "a date YYYY-MM-DD"))?,
    };
    let profile = store.trade_profile(org).await?;
    let regs = registrations(profile.as_ref());
    let exporter = exporter(profile.as_ref(), &regs, destination)?;
    if req.consignee.name.trim().is_empty() {
        return Err(bad("consignee.name", "", "the consignee's name"));
    }
    let importer = Party {
        name: req.consignee.name.trim().to_string(),
        address: req
            .consignee
            .address
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
        country: destination,
        vat_number: trimmed(&req.consignee.vat_number).map(str::to_string),
        eori: trimmed(&req.consignee.eori).map(str::to_string),
    };

    let mut catalogue: BTreeMap<SkuCode, SkuRecord> = BTreeMap::new();
    let mut lines = Vec::with_capacity(req.lines.len());
    for (i, l) in req.lines.iter().enumerate() {
        let at = |f: &str| format!("lines[{}].{f}", i + 1);
        let record = match trimmed(&l.sku) {
            Some(code) => {
                let code =
                    SkuCode::parse(code).map_err(|e| bad(&at("sku"), code, &e.to_string()))?;
                let found = store
                    .get_sku_by_code(org, &code)
                    .await?
                    .ok_or_else(|| bad(&at("sku"), code.as_str(), "a SKU code in the catalogue"))?;
                catalogue.insert(code.clone(), found.record.clone());
                Some(found.record)
            }
            None => None,
        };
        let description = trimmed(&l.description)
            .map(str::to_string)
            .or_else(|| {
                record
                    .as_ref()
                    .and_then(|r| r.customs_description_en.clone())
            })
            .or_else(|| record.as_ref().map(|r| r.title.clone()))
            .ok_or_else(|| {
                bad(
                    &at("description"),
                    "",
                    "a description of the goods (or a catalogue SKU)",
                )
            })?;
        let hs_code = match trimmed(&l.hs_code) {
            Some(t) => Some(HsCode::parse(t).map_err(|e| bad(&at("hs_code"), t, &e.to_string()))?),
            None => record.as_ref().and_then(|r| {
                r.national_hs_codes
                    .get(&destination)
                    .or(r.hs_code.as_ref())
                    .cloned()
            }),
        };
        let origin = match trimmed(&l.origin) {
            Some(t) => {
                Some(Country::parse(t).map_err(|_| bad(&at("origin"), t, "an ISO alpha-2 code"))?)
            }
            None => record.as_ref().and_then(|r| r.origin),
        };
        let unit_value = match l.unit_value {
            Some(v) => Money::new(v, currency),
            None => match record.as_ref().and_then(|r| r.unit_value) {
                Some(m) if m.currency() == currency => m,
                Some(m) => {
                    return Err(bad(
                        &at("unit_value"),
                        &m.to_string(),
                        &format!(
                            "a unit value in {currency}: the catalogue value is in {}",
                            m.currency()
                        ),
                    ));
                }
                None => return Err(bad(&at("unit_value"), "", "the value of one unit")),
            },
        };
        let net = l
            .unit_net_kg
            .or_else(|| {
                record
                    .as_ref()
                    .and_then(|r| r.net_weight)
                    .map(|w| w.to_kg())
            })
            .ok_or_else(|| bad(&at("unit_net_kg"), "", "the net weight of one unit in kg"))?;
        let gross = l
            .unit_gross_kg
            .or_else(|| {
                record
                    .as_ref()
                    .and_then(|r| r.gross_weight)
                    .map(|w| w.to_kg())
            })
            .unwrap_or(net);
        if net < Decimal::ZERO || gross < Decimal::ZERO {
            return Err(bad(
                &at("unit_net_kg"),
                &net.to_string(),
                "a weight of 0 kg or more",
            ));
        }
        lines.push(DeclarationLine {
            sku: record.as_ref().map(|r| r.code.clone()),
            description,
            hs_code,
            origin,
            quantity: l.quantity,
            unit_value,
            unit_net_kg: net,
            unit_gross_kg: gross,
        });
    }
    // Cartons: every carton named by a line must be listed with its weighed gross weight.
    let mut packages: Vec<Package> = Vec::new();
    for (k, c) in req.cartons.iter().enumerate() {
        let mark = c.mark.trim().to_string();
        if mark.is_empty() || packages.iter().any(|p| p.mark == mark) {
            return Err(bad(
                &format!("cartons[{}].mark", k + 1),
                &mark,
                "a carton number, unique in the request",
            ));
        }
        if c.gross_kg <= Decimal::ZERO {
            return Err(bad(
                &format!("cartons[{}].gross_kg", k + 1),
                &c.gross_kg.to_string(),
                "the weighed gross weight above 0 kg",
            ));
        }
        packages.push(Package {
            mark,
            contents: Vec::new(),
            gross_kg: c.gross_kg,
            dimensions_cm: c.dimensions_cm,
        });
    }
    for (i, l) in req.lines.iter().enumerate() {
        if let Some(mark) = trimmed(&l.carton) {
            let p = packages
                .iter_mut()
                .find(|p| p.mark == mark)
                .ok_or_else(|| {
                    bad(
                        &format!("lines[{}].carton", i + 1),
                        mark,
                        "a carton listed under cartons with its gross weight",
                    )
                })?;
            p.contents.push((i, l.quantity));
        }
    }
    let number = trimmed(&req.number)
        .map(str::to_string)
        .unwrap_or_else(|| match &shipment {
            Some(s) => format!("CI-{}-{}", date.strftime("%Y%m%d"), s.reference),
            None => format!("CI-{}", date.strftime("%Y%m%d")),
        });
    let currency_money =
        |v: Option<Decimal>| v.filter(|d| !d.is_zero()).map(|d| Money::new(d, currency));
    let ioss = regs
        .iter()
        .find(|r| r.scheme == "IOSS")
        .map(|r| r.number.clone())
        .filter(|_| destination.is_eu_member());
    let declaration = Declaration {
        number,
        date,
        exporter,
        importer,
        destination,
        currency,
        incoterm,
        lines,
        packages,
        freight: currency_money(req.freight),
        insurance: currency_money(req.insurance),
        ioss_number: ioss,
        cn23_category: category(trimmed(&req.category))?,
    };
    let mut findings = check_declaration(
        &declaration,
        |code| catalogue.get(code),
        convert_same,
        HsTable::hs2022(),
        CheckOptions::default(),
    );
    // A consignment above EUR 150 cannot use IOSS: print it only when it applies.
    let mut identifiers = docs::applicable_registrations(&regs, destination);
    if findings
        .iter()
        .any(|f| f.field == "ioss_number" && f.message.contains("exceeds EUR 150"))
    {
        identifiers.retain(|(l, _)| l != "IOSS");
        findings.retain(|f| !(f.field == "ioss_number" && f.message.contains("exceeds EUR 150")));
        findings.push(Finding {
            severity: Severity::Info,
            code: tradelane_compliance::customs::FindingCode::Ioss,
            line: None,
            field: "ioss_number",
            message: "goods above EUR 150: the IOSS number is not printed; import VAT is due at the border".into(),
        });
    }
    let mut declaration = declaration;
    if !identifiers.iter().any(|(l, _)| l == "IOSS") {
        declaration.ioss_number = None;
    }
    let reference = trimmed(&req.reference).map(str::to_string).or_else(|| {
        shipment.as_ref().map(|s| {
            let mut r = s.reference.clone();
            if !s.tracking_numbers.is_empty() {
                r.push_str(&format!(" · {}", s.tracking_numbers.join(", ")));
            }
            r
        })
    });
    Ok(Prepared {
        shipment: shipment.as_ref().map(|s| s.id),
        skus: catalogue.keys().map(|c| c.to_string()).collect(),
        extras: DocumentExtras {
            identifiers,
            reference,
            contact: contact(profile.as_ref()),
            findings: findings.clone(),
        },
        declaration,
        findings,
    })
}

/// Refuses documents with check errors unless an owner gives an override reason, which is audited. Documents
/// for a shipment are also refused while a required compliance item of a SKU on the lines is missing or expired
/// in the destination market (the compliance gate; the same owner override, audited as `compliance.override`).
pub async fn authorise(
    store: &Store,
    actor: &Actor,
    role: Role,
    prepared: &Prepared,
    override_reason: Option<&str>,
) -> ApiResult<bool> {
    let mut overridden = false;
    if let Some(shipment) = prepared.shipment {
        let market = prepared.declaration.destination;
        let pairs: Vec<(String, Country)> =
            prepared.skus.iter().map(|s| (s.clone(), market)).collect();
        let blockers = crate::compliance_gate::blockers_for(
            store,
            actor.org_id,
            &pairs,
            tradelane_compliance::requirements::BlockTarget::Shipment,
            crate::vault::today_utc(),
        )
        .await?;
        overridden = crate::compliance_gate::authorise(
            store,
            actor,
            role,
            tradelane_compliance::requirements::BlockTarget::Shipment,
            &format!("shipment {} ({})", shipment.0, prepared.declaration.number),
            &blockers,
            override_reason,
        )
        .await?;
    }
    let errors = prepared.errors();
    if errors == 0 {
        return Ok(overridden);
    }
    let reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
    let Some(reason) = reason else {
        let fields = prepared
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| FieldErrorBody {
                field: match f.line {
                    Some(l) => format!("lines[{}].{}", l + 1, f.field),
                    None => f.field.to_string(),
                },
                value: String::new(),
                expected: f.message.clone(),
            })
            .collect();
        return Err(ApiError::Validation {
            message: format!(
                "the declaration fails {errors} customs check(s); fix them, or an owner can override with a reason"
            ),
            fields,
        });
    };
    if !role.can_admin() {
        return Err(ApiError::Forbidden);
    }
    let details = serde_json::json!({
        "reason": reason,
        "destination": prepared.declaration.destination.code(),
        "findings": prepared.findings.iter().filter(|f| f.severity == Severity::Error).map(FindingResponse::new).map(|f| serde_json::json!({"code": f.code, "line": f.line, "field": f.field, "message": f.message})).collect::<Vec<_>>(),
    });
    store
        .record_customs_override(actor, &prepared.declaration.number, &details)
        .await?;
    Ok(true)
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Xlsx,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
    pub fn ext(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
        }
    }
}

static FONTS: OnceLock<Result<FontSet, String>> = OnceLock::new();

/// The fonts for PDFs: `TRADELANE_PDF_FONT` or the well-known system fonts, read once.
pub fn fonts() -> ApiResult<&'static FontSet> {
    FONTS
        .get_or_init(tradelane_documents::system_fonts::load_from_env)
        .as_ref()
        .map_err(|e| ApiError::internal("PDF fonts", e))
}

/// Renders `kinds` (all three when empty) as one PDF per kind concatenated into one document, or one
/// workbook with a sheet per kind. Returns the bytes and a file name.
pub fn render(
    prepared: &Prepared,
    kinds: &[Kind],
    format: Format,
    fonts: Option<&FontSet>,
) -> ApiResult<(Vec<u8>, String)> {
    let kinds: Vec<Kind> = if kinds.is_empty() {
        Kind::ALL.to_vec()
    } else {
        kinds.to_vec()
    };
    let docs: Vec<Document> = kinds
        .iter()
        .map(|k| docs::build(*k, &prepared.declaration, &prepared.extras))
        .collect::<Result<_, _>>()
        .map_err(|e| bad("lines", "", &e.to_string()))?;
    let safe_number: String = prepared
        .declaration
        .number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let stem = if kinds.len() == 1 {
        kinds[0].slug()
    } else {
        "customs-documents"
    };
    let name = format!("{stem}-{safe_number}.{}", format.ext());
    let bytes = match format {
        Format::Xlsx => {
            let refs: Vec<&Document> = docs.iter().collect();
            tradelane_documents::render_xlsx(&refs).map_err(|e| ApiError::internal("XLSX", e))?
        }
        Format::Pdf => {
            let fonts = match fonts {
                Some(f) => f,
                None => self::fonts()?,
            };
            // One PDF: the documents one after another, each starting on a new page.
            let mut all =
                Document::new(format!("Customs documents {}", prepared.declaration.number));
            all.footer = String::new();
            if docs.len() == 1 {
                all = docs[0].clone();
            } else {
                for (i, d) in docs.iter().enumerate() {
                    if i > 0 {
                        all.blocks.push(tradelane_documents::Block::PageBreak);
                    }
                    all.blocks.extend(d.blocks.iter().cloned());
                }
                all.footer = format!(
                    "Customs documents · invoice {}",
                    prepared.declaration.number
                );
            }
            tradelane_documents::render_pdf(&all, fonts)
                .map_err(|e| ApiError::internal("PDF", e))?
        }
    };
    Ok((bytes, name))
}
