//! Landed cost pages: a quote form (catalogue SKUs or typed lines) with the itemised breakdown, one line's DDP
//! landed cost compared across markets as a server-rendered SVG bar chart, and a per-SKU "landed cost per market"
//! page. Quotes from these pages are computed, not saved (the API saves them).
//!
//! The form is a GET form: a quote is a read, its URL can be bookmarked or sent to a colleague.

use std::fmt::Write as _;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money, SkuRecord, Subdivision};
use tradelane_landed_cost::pack::{SalesChannel, TransportMode, Valuation};
use tradelane_landed_cost::{
    Collector, Component, Destination, Payer, Quote, QuoteLine, QuoteRequest, RulePack, quote,
};
use tradelane_store::landed_cost::TargetMarket;
use tradelane_store::{SkuId, SkuQuery, StoredSku};

use super::PageError;
use super::layout::{Layout, msg};
use crate::api::landed_cost::{
    MarketCost, MarketCostError, QuoteBasis, basis, sku_market_costs, today_utc,
};
use crate::auth::PageUser;
use crate::i18n::Tr;
use crate::state::AppState;

/// Markets compared for one line, in display order; Canada needs a province (Ontario as the example).
const COMPARE_MARKETS: &[(&str, Option<&str>)] = &[
    ("DE", None),
    ("FR", None),
    ("IT", None),
    ("ES", None),
    ("NL", None),
    ("PL", None),
    ("GB", None),
    ("US", None),
    ("CA", Some("CA-ON")),
    ("AU", None),
    ("NZ", None),
    ("JP", None),
    ("KR", None),
    ("SG", None),
    ("CH", None),
    ("NO", None),
    ("MX", None),
    ("BR", None),
];

/// Registrations offered as checkboxes: (form field, registration code).
const REGISTRATIONS: &[(&str, &str)] = &[
    ("reg_ioss", "IOSS"),
    ("reg_uk_vat", "UK_VAT"),
    ("reg_au_gst", "AU_GST"),
    ("reg_nz_gst", "NZ_GST"),
    ("reg_no_voec", "NO_VOEC"),
    ("reg_ch_vat", "CH_VAT"),
    ("reg_sg_ovr", "SG_OVR"),
    ("reg_ca_gst", "CA_GST"),
];

const LINE_SLOTS: usize = 3;

/// The quote form as submitted. Every field is optional text so a half-filled form re-renders with the user's
/// input and a message, never a rejection.
#[derive(Debug, Default, Deserialize)]
pub struct QuoteForm {
    go: Option<String>,
    sku0: Option<String>,
    sku1: Option<String>,
    sku2: Option<String>,
    hs0: Option<String>,
    hs1: Option<String>,
    hs2: Option<String>,
    origin0: Option<String>,
    origin1: Option<String>,
    origin2: Option<String>,
    value0: Option<String>,
    value1: Option<String>,
    value2: Option<String>,
    currency0: Option<String>,
    currency1: Option<String>,
    currency2: Option<String>,
    qty0: Option<String>,
    qty1: Option<String>,
    qty2: Option<String>,
    kg0: Option<String>,
    kg1: Option<String>,
    kg2: Option<String>,
    to: Option<String>,
    sub: Option<String>,
    mode: Option<String>,
    incoterm: Option<String>,
    channel: Option<String>,
    date: Option<String>,
    seller_currency: Option<String>,
    freight: Option<String>,
    reg_ioss: Option<String>,
    reg_uk_vat: Option<String>,
    reg_au_gst: Option<String>,
    reg_nz_gst: Option<String>,
    reg_no_voec: Option<String>,
    reg_ch_vat: Option<String>,
    reg_sg_ovr: Option<String>,
    reg_ca_gst: Option<String>,
}

fn text(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or("").to_string()
}

impl QuoteForm {
    fn slot(&self, i: usize) -> [String; 7] {
        let pick = |a: &Option<String>, b: &Option<String>, c: &Option<String>| match i {
            0 => text(a),
            1 => text(b),
            _ => text(c),
        };
        [
            pick(&self.sku0, &self.sku1, &self.sku2),
            pick(&self.hs0, &self.hs1, &self.hs2),
            pick(&self.origin0, &self.origin1, &self.origin2),
            pick(&self.value0, &self.value1, &self.value2),
            pick(&self.currency0, &self.currency1, &self.currency2),
            pick(&self.qty0, &self.qty1, &self.qty2),
            pick(&self.kg0, &self.kg1, &self.kg2),
        ]
    }

    fn registration_checked(&self, field: &str) -> bool {
        let v = match field {
            "reg_ioss" => &self.reg_ioss,
            "reg_uk_vat" => &self.reg_uk_vat,
            "reg_au_gst" => &self.reg_au_gst,
            "reg_nz_gst" => &self.reg_nz_gst,
            "reg_no_voec" => &self.reg_no_voec,
            "reg_ch_vat" => &self.reg_ch_vat,
            "reg_sg_ovr" => &self.reg_sg_ovr,
            _ => &self.reg_ca_gst,
        };
        v.as_deref().is_some_and(|s| !s.is_empty())
    }
}

pub struct LineSlot {
    pub index: usize,
    pub sku: String,
    pub hs: String,
    pub origin: String,
    pub value: String,
    pub currency: String,
    pub qty: String,
    pub kg: String,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct RegChoice {
    pub field: &'static str,
    pub code: &'static str,
    pub checked: bool,
}

/// One figure of the breakdown, ready to print.
pub struct FigureRow {
    pub line: String,
    pub label: String,
    pub amount: String,
    pub base: String,
    pub rule_id: String,
    pub source: String,
    pub effective: String,
    pub uncertain: bool,
    pub explanation: String,
    pub note: String,
    pub who: String,
}

pub struct TotalRow {
    pub label_key: &'static str,
    pub dest: String,
    pub seller: String,
    pub strong: bool,
}

pub struct QuoteView {
    pub heading: String,
    pub figures: Vec<FigureRow>,
    pub totals: Vec<TotalRow>,
    pub show_seller: bool,
    pub seller_currency: String,
    pub dest_currency: String,
    pub pack: String,
    pub fx: Vec<String>,
    pub notes: Vec<String>,
    pub any_uncertain: bool,
}

/// One market of a comparison.
pub struct MarketRow {
    pub country: String,
    pub currency: String,
    pub duties: String,
    pub taxes: String,
    pub fees: String,
    pub landed_dest: String,
    pub landed_seller: String,
    pub regime: String,
    pub uncertain: bool,
    pub error: String,
}

pub struct Comparison {
    pub title: String,
    pub seller_currency: String,
    pub rows: Vec<MarketRow>,
    pub svg: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "landed_cost.html")]
struct QuotePage {
    t: Tr,
    l: Layout,
    slots: Vec<LineSlot>,
    skus: Vec<Choice>,
    countries: Vec<Choice>,
    modes: Vec<Choice>,
    incoterms: Vec<Choice>,
    channels: Vec<Choice>,
    registrations: Vec<RegChoice>,
    sub: String,
    date: String,
    seller_currency: String,
    freight: String,
    pack_text: String,
    error: Option<String>,
    result: Option<QuoteView>,
    comparison: Option<Comparison>,
}

#[derive(Template, WebTemplate)]
#[template(path = "landed_cost_sku.html")]
struct SkuMarketsPage {
    t: Tr,
    l: Layout,
    sku_id: i64,
    sku_code: String,
    sku_title: String,
    error: Option<String>,
    comparison: Option<Comparison>,
}

fn today() -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// The amount alone, with as many decimals as its currency has minor units.
fn amount(m: &Money) -> String {
    let dp = m.currency().minor_units() as usize;
    format!("{:.dp$}", m.amount())
}

/// An amount with as many decimals as its currency has minor units ("3.00 EUR", "1200 JPY").
fn money(m: &Money) -> String {
    let dp = m.currency().minor_units() as usize;
    format!("{:.dp$} {}", m.amount(), m.currency().code())
}

fn decimal_field(t: Tr, field_key: &str, value: &str) -> Result<Decimal, String> {
    value.parse::<Decimal>().map_err(|_| {
        t.tf(
            "landed_cost.bad_number",
            &[("field", t.t(msg_key(field_key))), ("value", value)],
        )
    })
}

/// Field keys are message keys; keeps the lookups in one place for the catalogue test.
fn msg_key(field: &str) -> &'static str {
    match field {
        "value" => msg("landed_cost.value"),
        "qty" => msg("landed_cost.qty"),
        "kg" => msg("landed_cost.weight_kg"),
        _ => msg("landed_cost.freight"),
    }
}

/// A quote line from a stored SKU: unit value × quantity, net weight × quantity.
fn sku_line(
    t: Tr,
    sku: &SkuRecord,
    qty: Decimal,
    destination: Option<Country>,
) -> Result<QuoteLine, String> {
    let missing = |what: &str| {
        t.tf(
            "landed_cost.sku_missing",
            &[("code", sku.code.as_str()), ("field", what)],
        )
    };
    // The SKU's national code for the destination when it has one (the catalogue's per-market figures do the same).
    let hs_code = destination
        .and_then(|c| sku.national_hs_codes.get(&c))
        .or(sku.hs_code.as_ref())
        .cloned()
        .ok_or_else(|| missing("HS"))?;
    let origin = sku.origin.ok_or_else(|| missing("origin"))?;
    let unit = sku.unit_value.ok_or_else(|| missing("unit value"))?;
    Ok(QuoteLine {
        hs_code,
        origin,
        value: Money::new(unit.amount() * qty, unit.currency()),
        quantity: qty,
        net_weight_kg: sku.net_weight.map_or(Decimal::ZERO, |w| w.to_kg() * qty),
        volume_litres: None,
        area_m2: None,
        category: None,
    })
}

async fn load_sku(
    state: &AppState,
    l: &Layout,
    org: tradelane_store::OrgId,
    raw: &str,
) -> Result<StoredSku, PageError> {
    let id: i64 = raw.parse().map_err(|_| l.not_found())?;
    state
        .store
        .get_sku(org, SkuId(id))
        .await
        .map_err(|e| l.store_error(e))
}

/// Builds the request from the form; `Err` is a message for the user.
async fn request_from_form(
    state: &AppState,
    l: &Layout,
    org: tradelane_store::OrgId,
    form: &QuoteForm,
) -> Result<Result<QuoteRequest, String>, PageError> {
    let t = l.t;
    let mut lines = Vec::new();
    for i in 0..LINE_SLOTS {
        let [sku, hs, origin, value, currency, qty, kg] = form.slot(i);
        let qty = if qty.is_empty() {
            Decimal::ONE
        } else {
            match decimal_field(t, "qty", &qty) {
                Ok(q) => q,
                Err(m) => return Ok(Err(m)),
            }
        };
        if !sku.is_empty() {
            let stored = load_sku(state, l, org, &sku).await?;
            match sku_line(t, &stored.record, qty, Country::parse(&text(&form.to)).ok()) {
                Ok(line) => lines.push(line),
                Err(m) => return Ok(Err(m)),
            }
            continue;
        }
        if hs.is_empty() {
            continue;
        }
        let line = (|| -> Result<QuoteLine, String> {
            let n = (i + 1).to_string();
            let at = |e: String| t.tf("landed_cost.line_error", &[("line", &n), ("message", &e)]);
            Ok(QuoteLine {
                hs_code: HsCode::parse(&hs).map_err(|e| at(e.to_string()))?,
                origin: Country::parse(&origin).map_err(|e| at(e.to_string()))?,
                value: Money::new(
                    decimal_field(t, "value", &value).map_err(at)?,
                    Currency::parse(if currency.is_empty() {
                        "USD"
                    } else {
                        &currency
                    })
                    .map_err(|e| at(e.to_string()))?,
                ),
                quantity: qty,
                net_weight_kg: if kg.is_empty() {
                    Decimal::ZERO
                } else {
                    decimal_field(t, "kg", &kg).map_err(at)?
                },
                volume_litres: None,
                area_m2: None,
                category: None,
            })
        })();
        match line {
            Ok(line) => lines.push(line),
            Err(m) => return Ok(Err(m)),
        }
    }
    Ok((|| -> Result<QuoteRequest, String> {
        if lines.is_empty() {
            return Err(t.t("landed_cost.no_lines").to_string());
        }
        let country = Country::parse(&text(&form.to)).map_err(|e| e.to_string())?;
        let sub = text(&form.sub);
        let subdivision = if sub.is_empty() {
            None
        } else {
            Some(Subdivision::parse_for(country, &sub).map_err(|e| e.to_string())?)
        };
        let currency = lines[0].value.currency();
        let seller = text(&form.seller_currency);
        let freight = text(&form.freight);
        let date = text(&form.date);
        Ok(QuoteRequest {
            destination: Destination {
                country,
                subdivision,
            },
            mode: TransportMode::parse(&text(&form.mode)).unwrap_or(TransportMode::Postal),
            incoterm: Incoterm::parse(&text(&form.incoterm)).unwrap_or(Incoterm::Ddp),
            freight: if freight.is_empty() {
                None
            } else {
                Some(Money::new(decimal_field(t, "freight", &freight)?, currency))
            },
            insurance: None,
            registrations: REGISTRATIONS
                .iter()
                .filter(|(field, _)| form.registration_checked(field))
                .map(|(_, code)| code.to_string())
                .collect(),
            channel: if text(&form.channel) == "marketplace" {
                SalesChannel::Marketplace
            } else {
                SalesChannel::OwnShop
            },
            carrier: None,
            date: if date.is_empty() {
                today()
            } else {
                date.parse()
                    .map_err(|_| t.tf("landed_cost.bad_date", &[("value", date.as_str())]))?
            },
            seller_currency: if seller.is_empty() {
                currency
            } else {
                Currency::parse(&seller).map_err(|e| e.to_string())?
            },
            lines,
        })
    })())
}

fn who(t: Tr, c: &Component) -> String {
    let collector = match c.collected_by {
        Collector::Border => t.t("landed_cost.collected_border"),
        Collector::Seller => t.t("landed_cost.collected_seller"),
        Collector::Marketplace => t.t("landed_cost.collected_marketplace"),
    };
    let payer = match c.paid_by {
        Payer::Seller => t.t("landed_cost.paid_seller"),
        Payer::Buyer => t.t("landed_cost.paid_buyer"),
    };
    format!("{collector} · {payer}")
}

fn figure(t: Tr, line: String, c: &Component) -> FigureRow {
    let zh = t.code() == "zh-CN";
    let meta = c.rule.meta();
    FigureRow {
        line,
        label: c.label().to_string(),
        amount: money(&c.amount),
        base: c.base.as_ref().map(money).unwrap_or_default(),
        rule_id: c.rule_id().to_string(),
        source: c.source().to_string(),
        effective: match c.effective_to() {
            Some(to) => format!("{} – {}", c.effective_from(), to),
            None => format!("{} –", c.effective_from()),
        },
        uncertain: c.uncertain(),
        explanation: if zh {
            c.explanation_zh()
        } else {
            c.explanation_en()
        },
        note: if zh {
            meta.note_zh.clone()
        } else {
            meta.note_en.clone()
        }
        .unwrap_or_default(),
        who: who(t, c),
    }
}

fn quote_view(t: Tr, q: &Quote) -> QuoteView {
    let mut figures = Vec::new();
    for l in &q.lines {
        for c in &l.components {
            figures.push(figure(t, format!("{} · {}", l.index + 1, l.hs_code), c));
        }
    }
    for c in &q.shipment {
        figures.push(figure(t, t.t("landed_cost.consignment").to_string(), c));
    }
    let any_uncertain = figures.iter().any(|f| f.uncertain);
    let d = &q.totals;
    let s = q.totals_seller();
    let row = |key, a: &Money, b: &Money, strong| TotalRow {
        label_key: key,
        dest: money(a),
        seller: money(b),
        strong,
    };
    let totals = vec![
        row(
            msg("landed_cost.customs_value"),
            &d.customs_value,
            &s.customs_value,
            false,
        ),
        row(msg("landed_cost.duties"), &d.duties, &s.duties, false),
        row(msg("landed_cost.taxes"), &d.taxes, &s.taxes, false),
        row(msg("landed_cost.fees"), &d.fees, &s.fees, false),
        row(msg("landed_cost.total_charges"), &d.total, &s.total, true),
        row(
            msg("landed_cost.paid_by_seller"),
            &d.paid_by_seller,
            &s.paid_by_seller,
            false,
        ),
        row(
            msg("landed_cost.paid_by_buyer"),
            &d.paid_by_buyer,
            &s.paid_by_buyer,
            false,
        ),
        row(
            msg("landed_cost.at_border"),
            &d.at_border,
            &s.at_border,
            false,
        ),
        row(msg("landed_cost.at_sale"), &d.at_sale, &s.at_sale, false),
        row(
            msg("landed_cost.landed_cost"),
            &d.landed_cost,
            &s.landed_cost,
            true,
        ),
    ];
    let valuation = match q.valuation {
        Valuation::Cif => "CIF",
        Valuation::Fob => "FOB",
    };
    let place = match q.subdivision {
        Some(s) => s.code().to_string(),
        None => q.country.code().to_string(),
    };
    QuoteView {
        heading: t.tf(
            "landed_cost.result_heading",
            &[
                ("place", &place),
                ("date", &q.date.to_string()),
                ("valuation", valuation),
                ("regime", q.regime.summary),
            ],
        ),
        figures,
        totals,
        show_seller: q.seller_currency != d.total.currency(),
        seller_currency: q.seller_currency.code().to_string(),
        dest_currency: d.total.currency().code().to_string(),
        pack: format!("{} {}", q.pack_id, q.pack_version),
        fx: q
            .fx_rates
            .iter()
            .map(|r| {
                format!(
                    "1 {} = {} {} · {} · {}",
                    r.from.code(),
                    r.rate.round_dp(8).normalize(),
                    r.to.code(),
                    r.rate_date,
                    r.source
                )
            })
            .collect(),
        notes: q.notes.clone(),
        any_uncertain,
    }
}

/// Figures of one market for the chart, in the seller's currency.
struct Bar {
    label: String,
    goods: Decimal,
    duties: Decimal,
    taxes: Decimal,
    fees: Decimal,
    total: Decimal,
}

/// The DDP landed cost of `line` in every compared market the pack covers.
fn compare(
    t: Tr,
    pack: &RulePack,
    basis: &QuoteBasis,
    template: &QuoteRequest,
    first: &[TargetMarket],
    sku: Option<&SkuRecord>,
) -> Comparison {
    let covered: Vec<Country> = pack.markets().map(|m| m.country).collect();
    let seller = template.seller_currency;
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    // The organisation's target markets first (even those the pack does not cover: they show the error), then
    // the other compared markets the pack covers.
    let mut markets: Vec<(TargetMarket, bool)> = first.iter().map(|m| (*m, true)).collect();
    for (code, sub) in COMPARE_MARKETS {
        let Ok(country) = Country::parse(code) else {
            continue;
        };
        if !covered.contains(&country) || markets.iter().any(|(m, _)| m.country == country) {
            continue;
        }
        let subdivision = sub.and_then(|s| Subdivision::parse(s).ok());
        markets.push((
            TargetMarket {
                country,
                subdivision,
            },
            false,
        ));
    }
    for (market, _target) in markets {
        let country = market.country;
        let mut request = template.clone();
        request.destination = Destination {
            country,
            subdivision: market.subdivision,
        };
        request.incoterm = Incoterm::Ddp;
        if let (Some(sku), [line]) = (sku, request.lines.as_mut_slice())
            && let Some(code) = sku.national_hs_codes.get(&country)
        {
            line.hs_code = code.clone();
        }
        let label = market.to_string();
        match quote(pack, &basis.fx, &request) {
            Ok(q) => {
                let s = q.totals_seller();
                let uncertain = q.components().any(Component::uncertain);
                bars.push(Bar {
                    label: label.clone(),
                    goods: s.landed_cost.amount() - s.total.amount(),
                    duties: s.duties.amount(),
                    taxes: s.taxes.amount(),
                    fees: s.fees.amount(),
                    total: s.landed_cost.amount(),
                });
                rows.push(MarketRow {
                    country: label,
                    currency: q.totals.total.currency().code().to_string(),
                    duties: amount(&q.totals.duties),
                    taxes: amount(&q.totals.taxes),
                    fees: amount(&q.totals.fees),
                    landed_dest: amount(&q.totals.landed_cost),
                    landed_seller: amount(&s.landed_cost),
                    regime: q.regime.summary.to_string(),
                    uncertain,
                    error: String::new(),
                });
            }
            Err(e) => rows.push(MarketRow {
                country: label,
                currency: String::new(),
                duties: String::new(),
                taxes: String::new(),
                fees: String::new(),
                landed_dest: String::new(),
                landed_seller: String::new(),
                regime: String::new(),
                uncertain: false,
                error: e.to_string(),
            }),
        }
    }
    let first = &template.lines[0];
    Comparison {
        title: t.tf(
            "landed_cost.compare_title",
            &[
                ("hs", &first.hs_code.to_string()),
                ("value", &money(&first.value)),
                ("currency", seller.code()),
            ],
        ),
        seller_currency: seller.code().to_string(),
        svg: bar_chart(t, &bars, seller),
        rows,
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal stacked bars (goods + freight, duties, taxes, fees) in the seller's currency, drawn with SVG
/// presentation attributes only (the page's content security policy forbids inline styles).
fn bar_chart(t: Tr, bars: &[Bar], currency: Currency) -> String {
    const LABEL_W: f64 = 64.0;
    const BAR_W: f64 = 520.0;
    const ROW_H: f64 = 24.0;
    const TOP: f64 = 30.0;
    let width = LABEL_W + BAR_W + 110.0;
    let height = TOP + ROW_H * bars.len() as f64 + 10.0;
    let max = bars
        .iter()
        .map(|b| b.total)
        .max()
        .filter(|m| *m > Decimal::ZERO)
        .unwrap_or(Decimal::ONE);
    // Pixel positions only: the figures printed are the exact decimals.
    let px = |d: Decimal| -> f64 {
        let ratio = (d / max).round_dp(4);
        ratio.to_string().parse::<f64>().unwrap_or(0.0).max(0.0) * BAR_W
    };
    let parts: [(&str, &str); 4] = [
        (msg("landed_cost.goods"), "#9fb3c8"),
        (msg("landed_cost.duties"), "#e8833a"),
        (msg("landed_cost.taxes"), "#2f7fd1"),
        (msg("landed_cost.fees"), "#8a5cc2"),
    ];
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="lc-chart" data-testid="lc-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{}">"#,
        esc(t.t("landed_cost.chart_label"))
    );
    let mut x = LABEL_W;
    for (key, colour) in parts {
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/><text x="{}" y="16" font-size="12" fill="#333">{}</text>"##,
            x + 16.0,
            esc(t.t(key))
        );
        x += 120.0;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#333">{}</text>"##,
            LABEL_W - 8.0,
            y + 15.0,
            esc(&b.label)
        );
        let mut x = LABEL_W;
        for (amount, (_, colour)) in [b.goods, b.duties, b.taxes, b.fees].into_iter().zip(parts) {
            let w = px(amount);
            if w > 0.0 {
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{}" width="{w:.1}" height="{}" fill="{colour}"><title>{} {}</title></rect>"#,
                    y + 3.0,
                    ROW_H - 6.0,
                    amount,
                    currency.code()
                );
                x += w;
            }
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" font-size="12" fill="#111">{} {}</text>"##,
            x + 6.0,
            y + 15.0,
            b.total,
            currency.code()
        );
    }
    svg.push_str("</svg>");
    svg
}

fn choices(options: &[(&str, &str)], selected: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value: value.to_string(),
            label: label.to_string(),
            selected: *value == selected,
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Query(form): Query<QuoteForm>,
) -> Result<Response, PageError> {
    let path = uri
        .path_and_query()
        .map_or("/landed-cost".to_string(), |p| p.to_string());
    let l = Layout::for_user(&user, "landed-cost", &path);
    let t = l.t;
    let basis = basis(&state, user.org_id).await.map_err(|e| {
        tracing::error!(error = %e, "landed cost basis");
        l.error(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            t.t("error.internal"),
        )
    })?;
    let pack = &basis.pack;
    let query = SkuQuery {
        per_page: tradelane_store::MAX_PER_PAGE,
        ..SkuQuery::default()
    };
    let catalogue = state
        .store
        .list_skus(user.org_id, &query)
        .await
        .map_err(|e| l.store_error(e))?;
    let slots: Vec<LineSlot> = (0..LINE_SLOTS)
        .map(|i| {
            let [sku, hs, origin, value, currency, qty, kg] = form.slot(i);
            LineSlot {
                index: i,
                sku,
                hs,
                origin,
                value,
                currency,
                qty,
                kg,
            }
        })
        .collect();
    let skus = catalogue
        .items
        .iter()
        .filter(|s| s.record.hs_code.is_some() && s.record.unit_value.is_some())
        .map(|s| Choice {
            value: s.id.0.to_string(),
            // Short enough that the line table fits a laptop screen.
            label: {
                let full = format!("{} · {}", s.record.code.as_str(), s.record.title);
                if full.chars().count() > 34 {
                    format!("{}…", full.chars().take(33).collect::<String>())
                } else {
                    full
                }
            },
            selected: false,
        })
        .collect();
    let to = text(&form.to);
    let to = if to.is_empty() { "DE".to_string() } else { to };
    let mut countries: Vec<Choice> = pack
        .markets()
        .map(|m| m.country.code())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|c| Choice {
            value: c.to_string(),
            label: c.to_string(),
            selected: c == to,
        })
        .collect();
    countries.sort_by(|a, b| a.label.cmp(&b.label));
    let modes = choices(
        &[
            ("postal", t.t("landed_cost.mode_postal")),
            ("express", t.t("landed_cost.mode_express")),
            ("air_freight", t.t("landed_cost.mode_air")),
            ("sea_freight", t.t("landed_cost.mode_sea")),
        ],
        &text(&form.mode),
    );
    let incoterm = text(&form.incoterm);
    let incoterms = choices(
        &[
            ("DDP", "DDP"),
            ("DAP", "DAP"),
            ("CIF", "CIF"),
            ("FOB", "FOB"),
            ("EXW", "EXW"),
        ],
        if incoterm.is_empty() {
            "DDP"
        } else {
            &incoterm
        },
    );
    let channels = choices(
        &[
            ("own", t.t("landed_cost.channel_own")),
            ("marketplace", t.t("landed_cost.channel_marketplace")),
        ],
        &text(&form.channel),
    );
    let registrations = REGISTRATIONS
        .iter()
        .map(|(field, code)| RegChoice {
            field,
            code,
            checked: form.registration_checked(field),
        })
        .collect();
    let mut error = None;
    let mut result = None;
    let mut comparison = None;
    if form.go.is_some() {
        match request_from_form(&state, &l, user.org_id, &form).await? {
            Err(message) => error = Some(message),
            Ok(request) => {
                match quote(pack, &basis.fx, &request) {
                    Ok(q) => result = Some(quote_view(t, &q)),
                    Err(e) => error = Some(e.to_string()),
                }
                let mut one = request.clone();
                one.lines.truncate(1);
                comparison = Some(compare(t, pack, &basis, &one, &[], None));
            }
        }
    }
    let meta = pack.meta();
    Ok(QuotePage {
        t,
        pack_text: t.tf(
            "landed_cost.pack",
            &[
                ("id", &meta.pack_id),
                ("version", &meta.pack_version),
                ("rules", &pack.counts().total().to_string()),
            ],
        ),
        sub: text(&form.sub),
        date: {
            let d = text(&form.date);
            if d.is_empty() { today().to_string() } else { d }
        },
        seller_currency: text(&form.seller_currency),
        freight: text(&form.freight),
        l,
        slots,
        skus,
        countries,
        modes,
        incoterms,
        channels,
        registrations,
        error,
        result,
        comparison,
    }
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SkuMarketsQuery {
    mode: Option<String>,
    channel: Option<String>,
    date: Option<String>,
}

/// One SKU's DDP landed cost per market (one unit, postal, own shop, no registrations unless asked).
pub async fn sku_markets(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
    Query(q): Query<SkuMarketsQuery>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(
        &user,
        "catalogue",
        &format!("/catalogue/{raw_id}/landed-cost"),
    );
    let t = l.t;
    let stored = load_sku(&state, &l, user.org_id, &raw_id).await?;
    let basis = basis(&state, user.org_id).await.map_err(|e| {
        tracing::error!(error = %e, "landed cost basis");
        l.error(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            t.t("error.internal"),
        )
    })?;
    let (error, comparison) = match sku_line(t, &stored.record, Decimal::ONE, None) {
        Err(m) => (Some(m), None),
        Ok(line) => {
            let date = text(&q.date)
                .parse::<jiff::civil::Date>()
                .unwrap_or_else(|_| today());
            let currency = line.value.currency();
            let request = QuoteRequest {
                lines: vec![line],
                destination: Destination {
                    country: Country::DE,
                    subdivision: None,
                },
                mode: TransportMode::parse(&text(&q.mode)).unwrap_or(TransportMode::Postal),
                incoterm: Incoterm::Ddp,
                freight: None,
                insurance: None,
                registrations: Vec::new(),
                channel: if text(&q.channel) == "marketplace" {
                    SalesChannel::Marketplace
                } else {
                    SalesChannel::OwnShop
                },
                carrier: None,
                date,
                seller_currency: currency,
            };
            let targets = state
                .store
                .target_markets(user.org_id)
                .await
                .map_err(|e| l.store_error(e))?;
            (
                None,
                Some(compare(
                    t,
                    &basis.pack,
                    &basis,
                    &request,
                    &targets,
                    Some(&stored.record),
                )),
            )
        }
    };
    Ok(SkuMarketsPage {
        t,
        l,
        sku_id: stored.id.0,
        sku_code: stored.record.code.as_str().to_string(),
        sku_title: stored.record.title.clone(),
        error,
        comparison,
    }
    .into_response())
}

/// One SKU's DDP landed cost in one target market, as a catalogue cell: the figure in the SKU's currency, the
/// breakdown as a tooltip, and a link to the itemised quote with explanations and sources.
pub struct CostCell {
    pub market: String,
    /// "23.45 USD", or "—" when there is no figure.
    pub text: String,
    /// Destination-currency breakdown, or the reason there is no figure.
    pub title: String,
    /// The itemised quote for this SKU and market.
    pub href: String,
    pub ok: bool,
    pub uncertain: bool,
}

/// Catalogue cells for one SKU's per-market costs.
pub fn cost_cells(t: Tr, sku_id: i64, sku_code: &str, costs: &[MarketCost]) -> Vec<CostCell> {
    costs
        .iter()
        .map(|c| {
            let m = c.market;
            let href = format!(
                "/landed-cost?go=1&sku0={sku_id}&to={}&sub={}&mode=postal&incoterm=DDP",
                m.country.code(),
                m.subdivision.map_or("", |s| s.code())
            );
            match &c.result {
                Ok(q) => {
                    let s = q.totals_seller();
                    CostCell {
                        market: m.to_string(),
                        text: money(&s.landed_cost),
                        title: format!(
                            "{}: {} {} · {} {} · {} {} · {} {}",
                            m,
                            t.t("landed_cost.duties"),
                            money(&q.totals.duties),
                            t.t("landed_cost.taxes"),
                            money(&q.totals.taxes),
                            t.t("landed_cost.fees"),
                            money(&q.totals.fees),
                            t.t("landed_cost.landed_cost"),
                            money(&q.totals.landed_cost),
                        ),
                        href,
                        ok: true,
                        uncertain: q.components().any(Component::uncertain),
                    }
                }
                Err(e) => CostCell {
                    market: m.to_string(),
                    text: "—".to_string(),
                    title: match e {
                        MarketCostError::Missing(field) => t.tf(
                            "landed_cost.sku_missing",
                            &[("code", sku_code), ("field", *field)],
                        ),
                        MarketCostError::Quote(message) => format!("{m}: {message}"),
                    },
                    href,
                    ok: false,
                    uncertain: false,
                },
            }
        })
        .collect()
}

/// Per-market cells for SKUs listed on a page (the catalogue list, a SKU's detail): empty when the organisation
/// has chosen no target market. Errors of the basis (no pack) are logged and shown as no figures.
pub async fn catalogue_costs(
    state: &AppState,
    t: Tr,
    org: tradelane_store::OrgId,
    skus: &[(i64, &SkuRecord)],
    limit: usize,
) -> (Vec<MarketHead>, Vec<Vec<CostCell>>) {
    let markets = match state.store.target_markets(org).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "target markets");
            return (Vec::new(), Vec::new());
        }
    };
    let markets: Vec<TargetMarket> = markets.into_iter().take(limit).collect();
    if markets.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let basis = match basis(state, org).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "landed cost basis");
            return (Vec::new(), Vec::new());
        }
    };
    let date = today_utc();
    let cells = skus
        .iter()
        .map(|(id, sku)| {
            let costs = sku_market_costs(&basis.pack, &basis.fx, sku, &markets, date);
            cost_cells(t, *id, sku.code.as_str(), &costs)
        })
        .collect();
    let heads = markets
        .iter()
        .map(|m| {
            let market = m.to_string();
            MarketHead {
                label: t.tf("landed_cost_markets.column", &[("market", &market)]),
                hint: t.tf("landed_cost_markets.column_hint", &[("market", &market)]),
            }
        })
        .collect();
    (heads, cells)
}

/// A catalogue column heading for one target market.
pub struct MarketHead {
    pub label: String,
    pub hint: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "landed_cost_markets.html")]
struct MarketsPage {
    t: Tr,
    l: Layout,
    current: String,
    covered: String,
    error: Option<String>,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct MarketsForm {
    #[serde(default)]
    markets: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct MarketsQuery {
    saved: Option<String>,
}

async fn markets_page(
    state: &AppState,
    user: &crate::auth::Principal,
    current: String,
    error: Option<String>,
    saved: bool,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "landed-cost", "/landed-cost/markets");
    let t = l.t;
    let basis = basis(state, user.org_id).await.map_err(|e| {
        tracing::error!(error = %e, "landed cost basis");
        l.error(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            t.t("error.internal"),
        )
    })?;
    let mut covered: Vec<&str> = basis.pack.markets().map(|m| m.country.code()).collect();
    covered.sort_unstable();
    covered.dedup();
    Ok(MarketsPage {
        t,
        l,
        current,
        covered: covered.join(" "),
        error,
        saved,
    }
    .into_response())
}

/// The organisation's target markets: the markets the catalogue shows a DDP landed cost for.
pub async fn markets_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<MarketsQuery>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "landed-cost", "/landed-cost/markets");
    let current = state
        .store
        .target_markets(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    markets_page(&state, &user, current, None, q.saved.is_some()).await
}

/// Saves the target markets (owner, operator); a bad code re-renders the form with the message.
pub async fn markets_save(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::Form(form): axum::Form<MarketsForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "landed-cost", "/landed-cost/markets");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let parsed = TargetMarket::parse_list(&form.markets);
    let markets = match parsed {
        Ok(m) => m,
        Err(e) => return markets_page(&state, &user, form.markets, Some(e), false).await,
    };
    match state
        .store
        .set_target_markets(&user.actor(), &markets)
        .await
    {
        Ok(_) => Ok(axum::response::Redirect::to("/landed-cost/markets?saved=1").into_response()),
        Err(tradelane_store::StoreError::Invalid(m)) => {
            markets_page(&state, &user, form.markets, Some(m), false).await
        }
        Err(e) => Err(l.store_error(e)),
    }
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/landed-cost", get(page))
        .route("/catalogue/{id}/landed-cost", get(sku_markets))
        .route("/landed-cost/markets", get(markets_form).post(markets_save))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradelane_domain::UiLang;

    #[test]
    fn the_chart_scales_bars_to_the_largest_total_and_escapes_labels() {
        let t = Tr::new(UiLang::En);
        let bar = |label: &str, total: i64| Bar {
            label: label.into(),
            goods: Decimal::from(total - 10),
            duties: Decimal::from(4),
            taxes: Decimal::from(5),
            fees: Decimal::from(1),
            total: Decimal::from(total),
        };
        let svg = bar_chart(t, &[bar("DE", 110), bar("<US>", 55)], Currency::EUR);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;US&gt;") && !svg.contains("<US>"));
        assert!(svg.contains("110 EUR") && svg.contains("55 EUR"));
        // The largest goods bar spans 100/110 of the 520 px track.
        assert!(svg.contains(r#"width="472.7""#), "{svg}");
        assert!(!svg.contains("style="));
    }
}
