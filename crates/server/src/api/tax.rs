//! Tax obligations: imported orders, the seller's tax profile, sales per market against the registration
//! thresholds (percent reached, trend, projected crossing date) and the filing calendar of the schemes the
//! seller is registered in.
//!
//! Roles: everyone reads; owners and operators import orders and set the profile. Orders and profiles are per
//! organisation (another organisation's data is never read). Amounts in other currencies are converted with the
//! stored ECB reference rates on the order date; an order without a rate is reported, never dropped silently.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_compliance::tax::{
    FilingDue, Obligation, Order, SellerContext, ThresholdPack, ThresholdStatus,
    evaluate_thresholds, filing_calendar,
};
use tradelane_domain::{Country, Currency, Money};
use tradelane_landed_cost::FxTable;
use tradelane_store::OrgId;
use tradelane_store::tax::{TaxOrder, TaxProfile};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, RowErrorBody};
use crate::state::AppState;
use crate::tax_orders::parse_orders;

/// The built-in threshold pack (FACTS.md §5, §5a).
pub fn threshold_pack() -> ApiResult<&'static ThresholdPack> {
    static PACK: std::sync::OnceLock<Result<ThresholdPack, String>> = std::sync::OnceLock::new();
    PACK.get_or_init(|| {
        ThresholdPack::builtin().map_err(|errs| {
            errs.iter()
                .map(|e| format!("{}: {}", e.location, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        })
    })
    .as_ref()
    .map_err(|e| ApiError::internal("threshold pack", e))
}

/// The profile assumed until the organisation sets one: a seller established in China (the sellers tradelane is
/// for), no known worldwide turnover, no stock abroad, no schemes.
pub fn default_profile() -> TaxProfile {
    TaxProfile {
        established_in: Country::CN,
        global_turnover: None,
        stock_countries: Vec::new(),
        schemes: Vec::new(),
    }
}

fn to_order(o: &TaxOrder) -> Order {
    Order {
        id: o.order_ref.clone(),
        date: o.date,
        channel: o.channel.clone(),
        destination: o.destination,
        subdivision: o.subdivision,
        net_amount: o.net_amount,
        marketplace_collected: o.marketplace_collected,
    }
}

/// One threshold on the dashboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdRow {
    pub rule_id: String,
    /// "EU", "DE", "US-CA" ...
    pub market: String,
    pub scheme: Option<String>,
    /// Threshold in words: "10000 EUR", "100000 USD or 200 orders".
    pub threshold: String,
    pub currency: String,
    /// Sales counted in the governing window, in the threshold currency.
    pub amount: String,
    pub transactions: u64,
    /// Percent of the threshold reached (the governing test), 2 decimals, truncated.
    pub percent: String,
    /// `registration_required`, `approaching`, `below`, `optional`, `not_applicable`.
    pub obligation: String,
    pub projected_crossing: Option<String>,
    pub window_from: String,
    pub window_to: String,
    /// Marketplace-collected sales left out where the rule excludes them.
    pub excluded_marketplace: String,
    pub uncertain: bool,
    pub source: String,
    pub notes: Vec<String>,
    /// Percent reached at each of the trend's month ends (oldest first), for the trend chart.
    pub trend: Vec<String>,
}

/// An order that could not be counted (no exchange rate).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderProblemBody {
    pub order: String,
    pub rule: String,
    pub message: String,
}

/// The tax dashboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaxDashboard {
    pub as_of: String,
    pub orders: i64,
    /// The profile used (the default until one is set).
    #[schema(value_type = Object)]
    pub profile: TaxProfile,
    pub profile_set: bool,
    /// Month ends of the trend series, oldest first.
    pub trend_dates: Vec<String>,
    /// Thresholds with sales, or with an obligation, most reached first.
    pub thresholds: Vec<ThresholdRow>,
    pub problems: Vec<OrderProblemBody>,
    /// Returns due in the next 190 days for the profile's schemes.
    #[schema(value_type = Vec<Object>)]
    pub calendar: Vec<FilingDue>,
    pub threshold_pack_version: String,
}

fn obligation_name(o: Obligation) -> String {
    serde_json::to_value(o)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn threshold_text(s: &ThresholdStatus<'_>) -> String {
    let cur = s.rule.currency.code();
    match (s.rule.amount, s.rule.transactions) {
        (Some(a), Some(t)) => {
            let join = match s.rule.test {
                tradelane_compliance::tax::ThresholdTest::AmountAndTransactions => "and",
                _ => "or",
            };
            format!("{} {cur} {join} {t} orders", a.normalize())
        }
        (Some(a), None) => format!("{} {cur}", a.normalize()),
        (None, Some(t)) => format!("{t} orders"),
        (None, None) => "none".into(),
    }
}

/// A converter for the threshold engine from the stored rates (None = no rate).
fn converter(fx: &FxTable) -> impl Fn(&Money, Currency, Date) -> Option<Money> + '_ {
    move |m: &Money, to: Currency, date: Date| {
        if m.currency() == to {
            return Some(*m);
        }
        fx.rate(m.currency(), to, date)
            .ok()
            .map(|r| Money::new(m.amount() * r.rate, to))
    }
}

/// The month ends of the trend: the 11 month ends before `as_of`, then `as_of`.
fn trend_dates(as_of: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let first_of_month = as_of.first_of_month();
    for back in (1..=11).rev() {
        if let Ok(d) = first_of_month.checked_sub(back.months()) {
            out.push(d.last_of_month());
        }
    }
    out.push(as_of);
    out
}

/// Computes the dashboard for `orders` and `profile` on `as_of` (pure, for tests and the pages).
pub fn dashboard(
    pack: &ThresholdPack,
    orders: &[TaxOrder],
    profile: &TaxProfile,
    profile_set: bool,
    fx: &FxTable,
    as_of: Date,
) -> TaxDashboard {
    let orders: Vec<Order> = orders.iter().map(to_order).collect();
    let seller = SellerContext {
        established_in: profile.established_in,
        global_turnover: profile.global_turnover,
        stock_countries: profile.stock_countries.clone(),
    };
    let convert = converter(fx);
    let report = evaluate_thresholds(pack, &orders, &seller, as_of, &convert);
    let shown: Vec<&ThresholdStatus<'_>> = report
        .statuses
        .iter()
        .filter(|s| {
            s.obligation != Obligation::NotApplicable
                && (s.transactions > 0
                    || s.obligation == Obligation::RegistrationRequired
                    || report.problems.iter().any(|p| p.rule == s.rule.id))
        })
        .collect();
    let dates = trend_dates(as_of);
    // Percent reached at each month end, for the rules shown.
    let mut trend: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for d in &dates {
        let past: Vec<Order> = orders.iter().filter(|o| o.date <= *d).cloned().collect();
        let r = evaluate_thresholds(pack, &past, &seller, *d, &convert);
        for s in &shown {
            let p = r
                .statuses
                .iter()
                .find(|x| x.rule.id == s.rule.id)
                .map_or(Decimal::ZERO, |x| x.percent);
            trend
                .entry(s.rule.id.as_str())
                .or_default()
                .push(p.to_string());
        }
    }
    let mut rows: Vec<ThresholdRow> = shown
        .iter()
        .map(|s| ThresholdRow {
            rule_id: s.rule.id.clone(),
            market: s.rule.market.to_string(),
            scheme: s.rule.scheme.clone(),
            threshold: threshold_text(s),
            currency: s.rule.currency.code().to_string(),
            amount: s.amount.amount().round_dp(2).to_string(),
            transactions: s.transactions,
            percent: s.percent.to_string(),
            obligation: obligation_name(s.obligation),
            projected_crossing: s.projected_crossing.map(|d| d.to_string()),
            window_from: s.window.0.to_string(),
            window_to: s.window.1.to_string(),
            excluded_marketplace: s.excluded_marketplace.amount().round_dp(2).to_string(),
            uncertain: s.rule.uncertain,
            source: format!("{} ({})", s.rule.source, s.rule.facts),
            notes: s.notes.iter().cloned().chain(s.rule.note.clone()).collect(),
            trend: trend.remove(s.rule.id.as_str()).unwrap_or_default(),
        })
        .collect();
    rows.sort_by(|a, b| {
        let pa: Decimal = a.percent.parse().unwrap_or_default();
        let pb: Decimal = b.percent.parse().unwrap_or_default();
        pb.cmp(&pa).then(a.rule_id.cmp(&b.rule_id))
    });
    let schemes: Vec<&str> = profile.schemes.iter().map(String::as_str).collect();
    let calendar = filing_calendar(
        pack,
        &schemes,
        as_of,
        as_of.checked_add(190.days()).unwrap_or(as_of),
    );
    TaxDashboard {
        as_of: as_of.to_string(),
        orders: orders.len() as i64,
        profile: profile.clone(),
        profile_set,
        trend_dates: dates.iter().map(ToString::to_string).collect(),
        thresholds: rows,
        problems: report
            .problems
            .iter()
            .map(|p| OrderProblemBody {
                order: p.order.clone(),
                rule: p.rule.clone(),
                message: p.message.clone(),
            })
            .collect(),
        calendar,
        threshold_pack_version: pack.pack_version.clone(),
    }
}

/// Loads what the dashboard needs for an organisation and computes it off the async workers.
pub async fn load_dashboard(state: &AppState, org: OrgId, as_of: Date) -> ApiResult<TaxDashboard> {
    let fx: Arc<FxTable> = crate::api::landed_cost::active_fx(state).await?;
    load_dashboard_with(&state.store, fx, org, as_of).await
}

/// [`load_dashboard`] with the store and rates given (the CLI).
pub async fn load_dashboard_with(
    store: &tradelane_store::Store,
    fx: Arc<FxTable>,
    org: OrgId,
    as_of: Date,
) -> ApiResult<TaxDashboard> {
    let pack = threshold_pack()?;
    // Three years back cover "previous or current year" and two-years-prior tests.
    let from = as_of.checked_sub(3.years()).ok();
    let orders = store.tax_orders(org, from, Some(as_of)).await?;
    let stored = store.tax_profile(org).await?;
    let profile_set = stored.is_some();
    let profile = stored.unwrap_or_else(default_profile);
    tokio::task::spawn_blocking(move || dashboard(pack, &orders, &profile, profile_set, &fx, as_of))
        .await
        .map_err(|e| ApiError::internal("tax dashboard", e))
}

pub fn today_utc() -> Date {
    crate::api::landed_cost::today_utc()
}

fn parse_date(field: &str, text: Option<&str>) -> ApiResult<Date> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(today_utc()),
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::validation(field, t, "a date YYYY-MM-DD")),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Date to measure on, `YYYY-MM-DD` (default today, UTC).
    pub as_of: Option<String>,
}

/// Sales per market against the registration thresholds: percent reached, 12-month trend, projected crossing
/// date, orders that could not be converted, and the filing calendar of the next six months.
#[utoipa::path(get, path = "/tax/dashboard", tag = "tax", params(AsOfParams),
    responses((status = 200, body = TaxDashboard), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_dashboard(
    State(state): State<AppState>,
    caller: Principal,
    Query(q): Query<AsOfParams>,
) -> ApiResult<Json<TaxDashboard>> {
    let as_of = parse_date("as_of", q.as_of.as_deref())?;
    Ok(Json(load_dashboard(&state, caller.org_id, as_of).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrdersImportResponse {
    pub rows: usize,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Orders stored for the organisation after the import.
    pub orders_total: i64,
}

/// Turns parser row errors into the API's rejection.
pub fn rejected(errors: &[tradelane_catalogue_io::RowError], more: usize) -> ApiError {
    let mut message = format!(
        "{} problem(s) in the file; nothing was imported",
        errors.len() + more
    );
    if more > 0 {
        message.push_str(&format!(" (the first {} are listed)", errors.len()));
    }
    ApiError::ImportRejected {
        message,
        rows: errors
            .iter()
            .map(|e| RowErrorBody {
                line: e.line as u64,
                column: e.column.clone(),
                field: e.column.clone(),
                value: e.value.clone(),
                expected: e.expected.clone(),
            })
            .collect(),
    }
}

/// Import orders (owner, operator) from a CSV or XLSX body: date, channel, destination (country or US-CA),
/// net_amount, currency, marketplace_collected, optional order_id. Any bad row rejects the file (422 with every
/// row error) and nothing is written; re-importing the same file changes nothing.
#[utoipa::path(post, path = "/tax/orders", tag = "tax",
    request_body(description = "orders CSV or XLSX", content = String, content_type = "text/csv"),
    responses((status = 200, body = OrdersImportResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_orders(
    State(state): State<AppState>,
    caller: Principal,
    body: axum::body::Bytes,
) -> ApiResult<Json<OrdersImportResponse>> {
    caller.require_write()?;
    let parsed = tokio::task::spawn_blocking(move || parse_orders(&body))
        .await
        .map_err(|e| ApiError::internal("reading orders", e))?;
    if !parsed.errors.is_empty() {
        return Err(rejected(&parsed.errors, parsed.more_errors));
    }
    let outcome = state
        .store
        .import_tax_orders(&caller.actor(), &parsed.orders, "api")
        .await?;
    Ok(Json(OrdersImportResponse {
        rows: parsed.orders.len(),
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        orders_total: state.store.count_tax_orders(caller.org_id).await?,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersParams {
    /// First date, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last date, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// The organisation's imported orders, by date.
#[utoipa::path(get, path = "/tax/orders", tag = "tax", params(OrdersParams),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_orders(
    State(state): State<AppState>,
    caller: Principal,
    Query(q): Query<OrdersParams>,
) -> ApiResult<Json<Vec<TaxOrder>>> {
    let opt = |field: &str, t: Option<&str>| -> ApiResult<Option<Date>> {
        t.map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse()
                    .map_err(|_| ApiError::validation(field, t, "a date YYYY-MM-DD"))
            })
            .transpose()
    };
    let from = opt("from", q.from.as_deref())?;
    let to = opt("to", q.to.as_deref())?;
    Ok(Json(state.store.tax_orders(caller.org_id, from, to).await?))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaxProfileBody {
    /// ISO country of establishment.
    pub established_in: String,
    /// Worldwide turnover of the last 12 months, e.g. `{"amount": "1200000", "currency": "SGD"}`.
    #[schema(value_type = Option<Object>)]
    pub global_turnover: Option<Money>,
    /// Countries where stock is held.
    #[serde(default)]
    pub stock_countries: Vec<String>,
    /// Filing schemes registered in: EU-IOSS, EU-OSS, GB-VAT, AU-GST, NZ-GST, CA-GST, NO-VOEC, CH-VAT, SG-OVR,
    /// JP-JCT, US-<state>.
    #[serde(default)]
    pub schemes: Vec<String>,
}

/// Schemes the filing calendar knows.
pub fn known_schemes(pack: &ThresholdPack) -> Vec<String> {
    let mut s: Vec<String> = pack.filings.iter().map(|f| f.scheme.clone()).collect();
    s.sort();
    s.dedup();
    s
}

/// Validates a profile body; the error names the field and what was expected.
pub fn profile_from_body(body: &TaxProfileBody) -> ApiResult<TaxProfile> {
    let pack = threshold_pack()?;
    let country = |field: &str, t: &str| {
        Country::parse(&t.trim().to_ascii_uppercase())
            .map_err(|_| ApiError::validation(field, t, "an ISO country code such as CN"))
    };
    let known = known_schemes(pack);
    let mut schemes = Vec::new();
    for s in &body.schemes {
        let s = s.trim().to_ascii_uppercase();
        if s.is_empty() {
            continue;
        }
        if !known.contains(&s) {
            return Err(ApiError::validation(
                "schemes",
                &s,
                &format!("a known scheme, not '{s}': one of {}", known.join(", ")),
            ));
        }
        if !schemes.contains(&s) {
            schemes.push(s);
        }
    }
    let mut stock = Vec::new();
    for c in &body.stock_countries {
        if c.trim().is_empty() {
            continue;
        }
        let c = country("stock_countries", c)?;
        if !stock.contains(&c) {
            stock.push(c);
        }
    }
    Ok(TaxProfile {
        established_in: country("established_in", &body.established_in)?,
        global_turnover: body.global_turnover,
        stock_countries: stock,
        schemes,
    })
}

/// The organisation's tax profile (the default when none is set: established in CN, no schemes).
#[utoipa::path(get, path = "/tax/profile", tag = "tax",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn get_profile(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<serde_json::Value>> {
    let stored = state.store.tax_profile(caller.org_id).await?;
    let set = stored.is_some();
    Ok(Json(serde_json::json!({
        "profile": stored.unwrap_or_else(default_profile),
        "set": set,
        "known_schemes": known_schemes(threshold_pack()?),
    })))
}

/// Set the tax profile (owner, operator). Idempotent; audited.
#[utoipa::path(put, path = "/tax/profile", tag = "tax", request_body = TaxProfileBody,
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_profile(
    State(state): State<AppState>,
    caller: Principal,
    crate::api::ApiJson(body): crate::api::ApiJson<TaxProfileBody>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require_write()?;
    let profile = profile_from_body(&body)?;
    let changed = state
        .store
        .set_tax_profile(&caller.actor(), &profile)
        .await?;
    Ok(Json(
        serde_json::json!({ "profile": profile, "changed": changed }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarParams {
    /// First due date, `YYYY-MM-DD` (default today).
    pub from: Option<String>,
    /// Last due date, `YYYY-MM-DD` (default one year after `from`).
    pub to: Option<String>,
}

/// Returns due for the schemes of the tax profile (IOSS monthly, OSS and most others quarterly, JCT annual).
#[utoipa::path(get, path = "/tax/calendar", tag = "tax", params(CalendarParams),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_calendar(
    State(state): State<AppState>,
    caller: Principal,
    Query(q): Query<CalendarParams>,
) -> ApiResult<Json<Vec<FilingDue>>> {
    let from = parse_date("from", q.from.as_deref())?;
    let to = match q.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::validation("to", t, "a date YYYY-MM-DD"))?,
        None => from.checked_add(1.year()).unwrap_or(from),
    };
    let profile = state
        .store
        .tax_profile(caller.org_id)
        .await?
        .unwrap_or_else(default_profile);
    let schemes: Vec<&str> = profile.schemes.iter().map(String::as_str).collect();
    Ok(Json(filing_calendar(threshold_pack()?, &schemes, from, to)))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(get_dashboard))
        .routes(routes!(get_profile, put_profile))
        .routes(routes!(get_calendar))
        .merge(
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(import_orders, list_orders))
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use tradelane_domain::Subdivision;

    fn order(r: &str, d: Date, dest: &str, amount: i64, cur: Currency, mp: bool) -> TaxOrder {
        let (destination, subdivision) = if dest.contains('-') {
            let s = Subdivision::parse(dest).unwrap();
            (s.country(), Some(s))
        } else {
            (Country::parse(dest).unwrap(), None)
        };
        TaxOrder {
            order_ref: r.into(),
            date: d,
            channel: "shop".into(),
            destination,
            subdivision,
            net_amount: Money::new(Decimal::from(amount), cur),
            marketplace_collected: mp,
        }
    }

    #[test]
    fn the_dashboard_measures_converts_trends_and_lists_the_calendar() {
        let pack = threshold_pack().unwrap();
        // AUD 60,000 of sales to Australia in 2026 (AUD 5,000 a month): 80 % of AUD 75,000 on 2026-12-31 ...
        let mut orders: Vec<TaxOrder> = (1..=12)
            .map(|m| {
                order(
                    &format!("AU{m}"),
                    date(2026, m, 10),
                    "AU",
                    5000,
                    Currency::AUD,
                    false,
                )
            })
            .collect();
        // ... a California marketplace order (excluded from CA's count where the rule says so) ...
        orders.push(order(
            "CA1",
            date(2026, 3, 1),
            "US-CA",
            1000,
            Currency::USD,
            true,
        ));
        // ... and a New Zealand order in EUR with no EUR/NZD rate: reported, not dropped.
        orders.push(order(
            "NZ1",
            date(2026, 3, 1),
            "NZ",
            100,
            Currency::EUR,
            false,
        ));
        let fx = FxTable::new(Currency::EUR, "none");
        let profile = TaxProfile {
            schemes: vec!["EU-IOSS".into()],
            ..default_profile()
        };
        let d = dashboard(pack, &orders, &profile, true, &fx, date(2026, 12, 31));
        let au = d
            .thresholds
            .iter()
            .find(|t| t.market == "AU")
            .expect("AU row");
        // Rolling 12 months ending 2026-12-31: all twelve orders, AUD 60,000 of 75,000 = 80 %.
        assert_eq!(au.amount.parse::<Decimal>().unwrap(), Decimal::from(60000));
        assert_eq!(au.percent.parse::<Decimal>().unwrap(), Decimal::from(80));
        assert_eq!(au.obligation, "approaching");
        assert_eq!(au.trend.len(), 12);
        assert_eq!(d.trend_dates.last().map(String::as_str), Some("2026-12-31"));
        // The trend rises month by month.
        let first: Decimal = au.trend[0].parse().unwrap();
        let last: Decimal = au.trend[11].parse().unwrap();
        assert!(first < last, "{:?}", au.trend);
        assert!(
            d.problems.iter().any(|p| p.order == "NZ1"),
            "{:?}",
            d.problems
        );
        // IOSS returns are monthly, due at the end of the following month: November's on 2026-12-31, then
        // December's on 2027-01-31.
        assert!(d.calendar.iter().all(|c| c.scheme == "EU-IOSS"));
        assert_eq!(d.calendar[0].period_start, date(2026, 11, 1));
        assert_eq!(d.calendar[0].due, date(2026, 12, 31));
        assert_eq!(d.calendar[1].due, date(2027, 1, 31));
    }

    #[test]
    fn a_profile_with_an_unknown_scheme_or_country_is_refused_by_name() {
        let body = TaxProfileBody {
            established_in: "CN".into(),
            global_turnover: None,
            stock_countries: vec!["DE".into()],
            schemes: vec!["eu-ioss".into(), "XX-VAT".into()],
        };
        let err = profile_from_body(&body).unwrap_err();
        assert!(err.to_string().contains("schemes"), "{err}");
        let ok = profile_from_body(&TaxProfileBody {
            schemes: vec!["eu-ioss".into(), "EU-IOSS".into()],
            ..body.clone()
        })
        .unwrap();
        assert_eq!(ok.schemes, vec!["EU-IOSS".to_string()]);
        assert!(
            profile_from_body(&TaxProfileBody {
                established_in: "China".into(),
                ..body
            })
            .is_err()
        );
    }
}
