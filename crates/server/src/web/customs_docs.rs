//! Pages: the trade profile (settings) and customs documents (standalone, or prefilled from a shipment).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_decimal::Decimal;
use tradelane_documents::customs::{Kind, SCHEMES};
use tradelane_store::ShipmentId;

use super::layout::Layout;
use crate::api::customs_docs::{RegistrationBody, TradeProfileBody, validate_profile};
use crate::auth::PageUser;
use crate::customs_docs::{
    CartonInput, ConsigneeInput, DocsRequest, FindingResponse, Format, LineInput, authorise,
    prepare, render,
};
use crate::error::ApiError;
use crate::i18n::Tr;
use crate::state::AppState;

const REG_ROWS: usize = 10;
const LINE_ROWS: usize = 6;
const CARTON_ROWS: usize = 4;

pub struct Opt {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn options(all: &[(&'static str, &'static str)], chosen: &str) -> Vec<Opt> {
    all.iter()
        .map(|(v, l)| Opt {
            value: v,
            label: l,
            selected: *v == chosen,
        })
        .collect()
}

pub struct RegRow {
    index: usize,
    number: String,
    country: String,
    options: Vec<Opt>,
}

#[derive(Template, WebTemplate)]
#[template(path = "trade_profile.html")]
struct ProfilePage {
    t: Tr,
    l: Layout,
    error: Option<String>,
    saved: bool,
    version: String,
    legal_name: String,
    local_name: String,
    country: String,
    contact_name: String,
    phone: String,
    email: String,
    address: String,
    regs: Vec<RegRow>,
}

fn api_message(e: ApiError) -> String {
    let body = e.body();
    let mut text = body.error.message;
    for f in body.error.fields {
        text.push_str(&format!(" — {}: {}", f.field, f.expected));
    }
    text
}

fn profile_page(
    l: Layout,
    body: &TradeProfileBody,
    version: Option<i64>,
    error: Option<String>,
    saved: bool,
) -> ProfilePage {
    let mut regs: Vec<RegRow> = body
        .registrations
        .iter()
        .enumerate()
        .map(|(i, r)| RegRow {
            index: i,
            number: r.number.clone(),
            country: r.country.clone().unwrap_or_default(),
            options: options(SCHEMES, &r.scheme),
        })
        .collect();
    while regs.len() < REG_ROWS.max(body.registrations.len() + 2) {
        regs.push(RegRow {
            index: regs.len(),
            number: String::new(),
            country: String::new(),
            options: options(SCHEMES, ""),
        });
    }
    ProfilePage {
        t: l.t,
        error,
        saved,
        version: version.map(|v| v.to_string()).unwrap_or_default(),
        legal_name: body.legal_name.clone(),
        local_name: body.local_name.clone(),
        country: body.country.clone().unwrap_or_default(),
        contact_name: body.contact_name.clone(),
        phone: body.phone.clone(),
        email: body.email.clone(),
        address: body.address.join("\n"),
        regs,
        l,
    }
}

fn empty_profile() -> TradeProfileBody {
    TradeProfileBody {
        legal_name: String::new(),
        local_name: String::new(),
        address: Vec::new(),
        country: Some("CN".into()),
        contact_name: String::new(),
        phone: String::new(),
        email: String::new(),
        registrations: Vec::new(),
        expected_version: None,
    }
}

async fn profile_get(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let l = Layout::for_user(&user, "trade-profile", "/settings/trade-profile");
    match state.store.trade_profile(user.org_id).await {
        Ok(Some(p)) => {
            let body = TradeProfileBody {
                legal_name: p.profile.legal_name.clone(),
                local_name: p.profile.local_name.clone(),
                address: p.profile.address.clone(),
                country: p.profile.country.clone(),
                contact_name: p.profile.contact_name.clone(),
                phone: p.profile.phone.clone(),
                email: p.profile.email.clone(),
                registrations: p
                    .profile
                    .registrations
                    .iter()
                    .map(|r| RegistrationBody {
                        scheme: r.scheme.clone(),
                        number: r.number.clone(),
                        country: r.country.clone(),
                    })
                    .collect(),
                expected_version: Some(p.version),
            };
            profile_page(l, &body, Some(p.version), None, false).into_response()
        }
        Ok(None) => profile_page(l, &empty_profile(), None, None, false).into_response(),
        Err(e) => profile_page(
            l,
            &empty_profile(),
            None,
            Some(api_message(e.into())),
            false,
        )
        .into_response(),
    }
}

async fn profile_post(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut registrations = Vec::new();
    for i in 0..REG_ROWS + 40 {
        let scheme = get(&format!("scheme{i}"));
        let number = get(&format!("number{i}"));
        if scheme.trim().is_empty() && number.trim().is_empty() {
            continue;
        }
        let country = get(&format!("rcountry{i}"));
        registrations.push(RegistrationBody {
            scheme,
            number,
            country: Some(country).filter(|c| !c.trim().is_empty()),
        });
    }
    let expected_version = get("expected_version").trim().parse::<i64>().ok();
    let body = TradeProfileBody {
        legal_name: get("legal_name"),
        local_name: get("local_name"),
        address: get("address").lines().map(str::to_string).collect(),
        country: Some(get("country")).filter(|c| !c.trim().is_empty()),
        contact_name: get("contact_name"),
        phone: get("phone"),
        email: get("email"),
        registrations,
        expected_version,
    };
    let l = Layout::for_user(&user, "trade-profile", "/settings/trade-profile");
    if !user.role.can_admin() {
        return (
            axum::http::StatusCode::FORBIDDEN,
            profile_page(
                l,
                &body,
                expected_version,
                Some(api_message(ApiError::Forbidden)),
                false,
            ),
        )
            .into_response();
    }
    let input = match validate_profile(&body) {
        Ok(i) => i,
        Err(e) => {
            return (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                profile_page(l, &body, expected_version, Some(api_message(e)), false),
            )
                .into_response();
        }
    };
    match state
        .store
        .put_trade_profile(&user.actor(), input, expected_version)
        .await
    {
        Ok(saved) => {
            let mut b = body.clone();
            b.address = saved.profile.address.clone();
            b.registrations = saved
                .profile
                .registrations
                .iter()
                .map(|r| RegistrationBody {
                    scheme: r.scheme.clone(),
                    number: r.number.clone(),
                    country: r.country.clone(),
                })
                .collect();
            profile_page(l, &b, Some(saved.version), None, true).into_response()
        }
        Err(e) => {
            let e: ApiError = e.into();
            (
                e.status(),
                profile_page(l, &body, expected_version, Some(api_message(e)), false),
            )
                .into_response()
        }
    }
}

pub struct LineRow {
    i: usize,
    n: usize,
    sku: String,
    description: String,
    hs: String,
    origin: String,
    qty: String,
    value: String,
    net: String,
    gross: String,
    carton: String,
}

pub struct CartonRow {
    i: usize,
    mark: String,
    gross: String,
    dims: String,
}

/// The form as typed, re-rendered with the results.
pub struct FormView {
    destination: String,
    currency: String,
    incoterm: String,
    number: String,
    date: String,
    category: String,
    freight: String,
    consignee: String,
    consignee_address: String,
    override_reason: String,
    lines: Vec<LineRow>,
    cartons: Vec<CartonRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "customs_docs.html")]
struct DocsPage {
    t: Tr,
    l: Layout,
    f: FormView,
    has_profile: bool,
    error: Option<String>,
    checked: bool,
    errors: usize,
    findings: Vec<FindingResponse>,
    identifiers: Vec<(String, String)>,
    goods_total: String,
    invoice_total: String,
    shipment_id: String,
    shipment_label: String,
    categories: Vec<Opt>,
}

const CATEGORIES: [(&str, &str); 6] = [
    ("sale_of_goods", "Sale of goods"),
    ("gift", "Gift"),
    ("documents", "Documents"),
    ("commercial_sample", "Commercial sample"),
    ("returned_goods", "Returned goods"),
    ("other", "Other"),
];

fn form_view(form: &HashMap<String, String>) -> FormView {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    FormView {
        destination: get("destination"),
        currency: Some(get("currency"))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "EUR".into()),
        incoterm: Some(get("incoterm"))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "DAP".into()),
        number: get("number"),
        date: get("date"),
        category: Some(get("category"))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "sale_of_goods".into()),
        freight: get("freight"),
        consignee: get("consignee"),
        consignee_address: get("consignee_address"),
        override_reason: get("override_reason"),
        lines: (0..LINE_ROWS)
            .map(|i| LineRow {
                i,
                n: i + 1,
                sku: get(&format!("sku{i}")),
                description: get(&format!("desc{i}")),
                hs: get(&format!("hs{i}")),
                origin: get(&format!("origin{i}")),
                qty: get(&format!("qty{i}")),
                value: get(&format!("value{i}")),
                net: get(&format!("net{i}")),
                gross: get(&format!("gross{i}")),
                carton: get(&format!("carton{i}")),
            })
            .collect(),
        cartons: (0..CARTON_ROWS)
            .map(|i| CartonRow {
                i,
                mark: get(&format!("mark{i}")),
                gross: get(&format!("cgross{i}")),
                dims: get(&format!("cdims{i}")),
            })
            .collect(),
    }
}

fn dec(field: &str, text: &str) -> Result<Option<Decimal>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<Decimal>()
        .map(Some)
        .map_err(|_| format!("{field}: '{t}' is not a number"))
}

fn request_from(f: &FormView, shipment_id: Option<i64>) -> Result<DocsRequest, String> {
    let mut lines = Vec::new();
    for r in &f.lines {
        let empty = [&r.sku, &r.description, &r.hs, &r.qty, &r.value]
            .iter()
            .all(|s| s.trim().is_empty());
        if empty {
            continue;
        }
        let quantity: u32 = r.qty.trim().parse().map_err(|_| {
            format!(
                "line {}: quantity '{}' is not a whole number",
                r.n,
                r.qty.trim()
            )
        })?;
        let opt = |s: &String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        lines.push(LineInput {
            sku: opt(&r.sku),
            description: opt(&r.description),
            hs_code: opt(&r.hs),
            origin: opt(&r.origin),
            quantity,
            unit_value: dec(&format!("line {} unit value", r.n), &r.value)?,
            unit_net_kg: dec(&format!("line {} net kg", r.n), &r.net)?,
            unit_gross_kg: dec(&format!("line {} gross kg", r.n), &r.gross)?,
            carton: opt(&r.carton),
        });
    }
    let mut cartons = Vec::new();
    for c in &f.cartons {
        if c.mark.trim().is_empty() {
            continue;
        }
        let gross = dec("carton gross kg", &c.gross)?.unwrap_or_default();
        let dims = if c.dims.trim().is_empty() {
            None
        } else {
            let nums: Vec<Decimal> = c
                .dims
                .split(['x', 'X', '×', '*'])
                .filter_map(|p| p.trim().parse().ok())
                .collect();
            if nums.len() != 3 {
                return Err(format!(
                    "carton {}: '{}': expected L x W x H in cm, e.g. 30x20x15",
                    c.mark.trim(),
                    c.dims.trim()
                ));
            }
            Some([nums[0], nums[1], nums[2]])
        };
        cartons.push(CartonInput {
            mark: c.mark.trim().to_string(),
            gross_kg: gross,
            dimensions_cm: dims,
        });
    }
    let opt = |s: &String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(DocsRequest {
        destination: opt(&f.destination),
        currency: f.currency.clone(),
        incoterm: opt(&f.incoterm),
        number: opt(&f.number),
        date: opt(&f.date),
        consignee: ConsigneeInput {
            name: f.consignee.trim().to_string(),
            address: f.consignee_address.lines().map(str::to_string).collect(),
            vat_number: None,
            eori: None,
        },
        lines,
        cartons,
        freight: dec("freight", &f.freight)?,
        insurance: None,
        category: opt(&f.category),
        shipment_id,
        reference: None,
        override_reason: opt(&f.override_reason),
    })
}

struct PageParts {
    l: Layout,
    f: FormView,
    has_profile: bool,
    shipment_id: Option<i64>,
    shipment_label: String,
}

fn docs_page(p: PageParts) -> DocsPage {
    let category = p.f.category.clone();
    DocsPage {
        t: p.l.t,
        l: p.l,
        f: p.f,
        has_profile: p.has_profile,
        error: None,
        checked: false,
        errors: 0,
        findings: Vec::new(),
        identifiers: Vec::new(),
        goods_total: String::new(),
        invoice_total: String::new(),
        shipment_id: p.shipment_id.map(|s| s.to_string()).unwrap_or_default(),
        shipment_label: p.shipment_label,
        categories: options(&CATEGORIES, &category),
    }
}

async fn shipment_label(
    state: &AppState,
    org: tradelane_store::OrgId,
    id: Option<i64>,
) -> Result<String, ApiError> {
    match id {
        None => Ok(String::new()),
        Some(id) => {
            let s = state.store.get_shipment(org, ShipmentId(id)).await?;
            Ok(format!("{} {}", s.reference, s.tracking_numbers.join(", "))
                .trim()
                .to_string())
        }
    }
}

async fn docs_get(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let l = Layout::for_user(&user, "customs-docs", "/customs/documents");
    let shipment_id = q.get("shipment").and_then(|s| s.trim().parse::<i64>().ok());
    let mut form = HashMap::new();
    let label = match shipment_id {
        Some(id) => match state.store.get_shipment(user.org_id, ShipmentId(id)).await {
            Ok(s) => {
                if let Some(d) = &s.destination {
                    form.insert("destination".to_string(), d.clone());
                }
                format!("{} {}", s.reference, s.tracking_numbers.join(", "))
                    .trim()
                    .to_string()
            }
            Err(e) => {
                let e: ApiError = e.into();
                return (e.status(), super::error_page_text(e.status())).into_response();
            }
        },
        None => String::new(),
    };
    let has_profile = matches!(state.store.trade_profile(user.org_id).await, Ok(Some(_)));
    docs_page(PageParts {
        l,
        f: form_view(&form),
        has_profile,
        shipment_id,
        shipment_label: label,
    })
    .into_response()
}

async fn docs_post(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let l = Layout::for_user(&user, "customs-docs", "/customs/documents");
    let f = form_view(&form);
    let shipment_id = form
        .get("shipment_id")
        .and_then(|s| s.trim().parse::<i64>().ok());
    let has_profile = matches!(state.store.trade_profile(user.org_id).await, Ok(Some(_)));
    let label = match shipment_label(&state, user.org_id, shipment_id).await {
        Ok(l) => l,
        Err(e) => return (e.status(), super::error_page_text(e.status())).into_response(),
    };
    let action = form
        .get("action")
        .cloned()
        .unwrap_or_else(|| "check".into());
    let req = request_from(&f, shipment_id);
    let mut page = docs_page(PageParts {
        l,
        f,
        has_profile,
        shipment_id,
        shipment_label: label,
    });
    let req = match req {
        Ok(r) => r,
        Err(e) => {
            page.error = Some(e);
            return (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
        }
    };
    let prepared = match prepare(&state.store, user.org_id, &req).await {
        Ok(p) => p,
        Err(e) => {
            let status = e.status();
            page.error = Some(api_message(e));
            return (status, page).into_response();
        }
    };
    page.checked = true;
    page.errors = prepared.errors();
    page.findings = prepared.findings.iter().map(FindingResponse::new).collect();
    page.identifiers = prepared.extras.identifiers.clone();
    if let Ok(t) = prepared.declaration.totals() {
        page.goods_total = t.goods.to_string();
        page.invoice_total = t.invoice_total.to_string();
    }
    if action == "check" {
        return page.into_response();
    }
    let (kind_text, format_text) = action.rsplit_once('.').unwrap_or(("all", "pdf"));
    let Some(format) = Format::parse(format_text) else {
        page.error = Some(format!("unknown action '{action}'"));
        return (axum::http::StatusCode::BAD_REQUEST, page).into_response();
    };
    let kinds: Vec<Kind> = if kind_text == "all" {
        Vec::new()
    } else {
        Kind::parse(kind_text).into_iter().collect()
    };
    if let Err(e) = authorise(
        &state.store,
        &user.actor(),
        user.role,
        &prepared,
        req.override_reason.as_deref(),
    )
    .await
    {
        let status = e.status();
        page.error = Some(api_message(e));
        return (status, page).into_response();
    }
    match render(&prepared, &kinds, format, None) {
        Ok((bytes, name)) => (
            [
                (header::CONTENT_TYPE, format.content_type().to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            let status = e.status();
            page.error = Some(api_message(e));
            (status, page).into_response()
        }
    }
}

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/settings/trade-profile",
            get(profile_get).post(profile_post),
        )
        .route("/customs/documents", get(docs_get).post(docs_post))
}
