//! Tax obligations pages: the dashboard (percent of each registration threshold reached with bars, a 12-month
//! trend chart as inline SVG, projected crossing dates, the filing calendar), order import (CSV/XLSX upload),
//! the tax profile form, and "what changes for me" (differences between two versions of a rule pack).

use std::fmt::Write as _;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

use super::PageError;
use super::layout::Layout;
use crate::api::rules_diff::{DiffBody, DiffResponse, PackKind, diff_for};
use crate::api::tax::{
    TaxDashboard, TaxProfileBody, ThresholdRow, known_schemes, load_dashboard, profile_from_body,
    threshold_pack, today_utc,
};
use crate::auth::PageUser;
use crate::error::ApiError;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::tax_orders::parse_orders;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(text: &str) -> f64 {
    text.parse::<Decimal>()
        .ok()
        .and_then(|d| d.to_f64())
        .unwrap_or(0.0)
}

/// Colour class of an obligation.
fn tone(obligation: &str) -> &'static str {
    match obligation {
        "registration_required" => "bad",
        "approaching" => "warn",
        _ => "ok",
    }
}

/// A horizontal bar: the percent of the threshold reached (capped at 100 % of the track; the label says more).
fn bar_svg(row: &ThresholdRow) -> String {
    const W: f64 = 160.0;
    let p = pct(&row.percent);
    let fill = (p.clamp(0.0, 100.0) / 100.0 * W * 10.0).round() / 10.0;
    let colour = match tone(&row.obligation) {
        "bad" => "#c0392b",
        "warn" => "#d68910",
        _ => "#2e86c1",
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="14" viewBox="0 0 {w} 14" role="img" aria-label="{label}"><rect x="0" y="2" width="{w}" height="10" fill="#e5e8eb" rx="2"/><rect x="0" y="2" width="{fill}" height="10" fill="{colour}" rx="2"/><line x1="{m80}" y1="0" x2="{m80}" y2="14" stroke="#888" stroke-width="1" stroke-dasharray="2,2"/></svg>"##,
        w = W,
        fill = fill,
        colour = colour,
        m80 = W * 0.8,
        label = esc(&format!("{} %", row.percent)),
    )
}

/// The trend chart: percent of each threshold reached at the last 12 month ends, one line per market (the six
/// most reached), a dashed line at 100 %.
fn trend_svg(t: Tr, d: &TaxDashboard) -> String {
    const W: f64 = 760.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 120.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 28.0;
    const COLOURS: [&str; 6] = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    ];
    let rows: Vec<&ThresholdRow> = d
        .thresholds
        .iter()
        .filter(|r| !r.trend.is_empty())
        .take(6)
        .collect();
    let n = d.trend_dates.len().max(2);
    let max = rows
        .iter()
        .flat_map(|r| r.trend.iter().map(|p| pct(p)))
        .fold(100.0_f64, f64::max);
    let top = (max / 25.0).ceil() * 25.0;
    let x = |i: usize| LEFT + (W - LEFT - RIGHT) * i as f64 / (n - 1) as f64;
    let y = |p: f64| TOP + (H - TOP - BOTTOM) * (1.0 - p / top);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {W} {H}" role="img" aria-label="{}" data-testid="tax-trend-svg">"##,
        esc(t.t("tax.trend_label"))
    );
    // Grid and axis labels.
    let mut g = 0.0;
    while g <= top + 0.1 {
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#eee"/><text x="{tx}" y="{ty:.1}" font-size="10" text-anchor="end" fill="#666">{g:.0}%</text>"##,
            y = y(g),
            x2 = W - RIGHT,
            tx = LEFT - 4.0,
            ty = y(g) + 3.0,
        );
        g += 25.0;
    }
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#c0392b" stroke-dasharray="5,4"/><text x="{x2}" y="{ty:.1}" font-size="10" fill="#c0392b" text-anchor="end">{label}</text>"##,
        y = y(100.0),
        x2 = W - RIGHT,
        ty = y(100.0) - 3.0,
        label = esc(t.t("tax.threshold_line")),
    );
    for (i, date) in d.trend_dates.iter().enumerate() {
        if i % 2 == 1 && i + 1 != d.trend_dates.len() {
            continue;
        }
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{ty}" font-size="10" text-anchor="middle" fill="#666">{label}</text>"##,
            x = x(i),
            ty = H - 10.0,
            label = esc(&date[..7.min(date.len())]),
        );
    }
    for (k, row) in rows.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let points: Vec<String> = row
            .trend
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(pct(p))))
            .collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"##,
            points.join(" ")
        );
        if let Some(last) = row.trend.last() {
            let _ = write!(
                s,
                r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="3" fill="{colour}"/><text x="{tx:.1}" y="{ty:.1}" font-size="11" fill="{colour}">{label}</text>"##,
                cx = x(row.trend.len() - 1),
                cy = y(pct(last)),
                tx = W - RIGHT + 8.0,
                ty = TOP + 14.0 * (k as f64 + 1.0),
                label = esc(&format!("{} {}%", row.market, row.percent)),
            );
        }
    }
    s.push_str("</svg>");
    s
}

pub struct RowView {
    pub row: ThresholdRow,
    pub bar: String,
    pub tone: &'static str,
    pub obligation_label: String,
}

pub struct SchemeChoice {
    pub name: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "tax.html")]
struct TaxPage {
    t: Tr,
    l: Layout,
    d: TaxDashboard,
    rows: Vec<RowView>,
    trend: String,
    summary: String,
    schemes: Vec<SchemeChoice>,
    established_in: String,
    stock_countries: String,
    turnover_amount: String,
    turnover_currency: String,
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<tradelane_catalogue_io::RowError>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TaxQuery {
    as_of: Option<String>,
    imported: Option<String>,
    saved: Option<String>,
}

fn obligation_label(t: Tr, o: &str) -> String {
    t.t(match o {
        "registration_required" => "tax.ob_required",
        "approaching" => "tax.ob_approaching",
        "below" => "tax.ob_below",
        "optional" => "tax.ob_optional",
        _ => "tax.ob_na",
    })
    .to_string()
}

async fn render(
    state: &AppState,
    user: &crate::auth::Principal,
    as_of_text: Option<&str>,
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<tradelane_catalogue_io::RowError>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "tax", "/tax");
    let t = l.t;
    let (as_of, error) = match as_of_text.map(str::trim).filter(|s| !s.is_empty()) {
        None => (today_utc(), error),
        Some(s) => match s.parse() {
            Ok(d) => (d, error),
            Err(_) => (today_utc(), Some(t.tf("tax.bad_date", &[("value", s)]))),
        },
    };
    let d = load_dashboard(state, user.org_id, as_of)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "tax dashboard");
            l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"))
        })?;
    let rows = d
        .thresholds
        .iter()
        .map(|r| RowView {
            bar: bar_svg(r),
            tone: tone(&r.obligation),
            obligation_label: obligation_label(t, &r.obligation),
            row: r.clone(),
        })
        .collect();
    let schemes = threshold_pack()
        .map(known_schemes)
        .unwrap_or_default()
        .into_iter()
        .map(|name| SchemeChoice {
            checked: d.profile.schemes.contains(&name),
            name,
        })
        .collect();
    let trend = trend_svg(t, &d);
    let summary = t.tf(
        "tax.summary",
        &[
            ("orders", &d.orders.to_string()),
            ("country", d.profile.established_in.code()),
        ],
    );
    let page = TaxPage {
        summary,
        t,
        l,
        established_in: d.profile.established_in.code().to_string(),
        stock_countries: d
            .profile
            .stock_countries
            .iter()
            .map(|c| c.code())
            .collect::<Vec<_>>()
            .join(", "),
        turnover_amount: d
            .profile
            .global_turnover
            .map(|m| m.amount().normalize().to_string())
            .unwrap_or_default(),
        turnover_currency: d
            .profile
            .global_turnover
            .map(|m| m.currency().code().to_string())
            .unwrap_or_default(),
        rows,
        trend,
        schemes,
        d,
        message,
        error,
        row_errors,
    };
    Ok((status, page).into_response())
}

/// The dashboard.
pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<TaxQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let message = if let Some(n) = q.imported.as_deref() {
        Some(t.tf("tax.imported", &[("summary", n)]))
    } else {
        q.saved
            .as_ref()
            .map(|_| t.t("tax.profile_saved").to_string())
    };
    render(
        &state,
        &user,
        q.as_of.as_deref(),
        message,
        None,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// Order upload (owner, operator): one CSV/XLSX file; any bad row rejects the file with every row error.
pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "tax", "/tax");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let mut bytes: Option<Vec<u8>> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(b) => bytes = Some(b.to_vec()),
                Err(e) => {
                    let msg = t.tf("tax.read_error", &[("detail", &e.body_text())]);
                    return render(&state, &user, None, None, Some(msg), Vec::new(), e.status())
                        .await;
                }
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                let msg = t.tf("tax.read_error", &[("detail", &e.body_text())]);
                return render(&state, &user, None, None, Some(msg), Vec::new(), e.status()).await;
            }
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        let msg = t.t("tax.no_file").to_string();
        return render(
            &state,
            &user,
            None,
            None,
            Some(msg),
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let parsed = tokio::task::spawn_blocking(move || parse_orders(&bytes))
        .await
        .map_err(|_| l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")))?;
    if !parsed.errors.is_empty() {
        let msg = t.tf(
            "tax.rejected",
            &[(
                "count",
                &(parsed.errors.len() + parsed.more_errors).to_string(),
            )],
        );
        return render(
            &state,
            &user,
            None,
            None,
            Some(msg),
            parsed.errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let outcome = state
        .store
        .import_tax_orders(&user.actor(), &parsed.orders, "upload")
        .await
        .map_err(|e| l.store_error(e))?;
    let summary = format!(
        "{} / {} / {}",
        outcome.created, outcome.updated, outcome.unchanged
    );
    Ok(Redirect::to(&format!(
        "/tax?imported={}",
        summary.replace(' ', "%20").replace('/', "%2F")
    ))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    established_in: String,
    #[serde(default)]
    stock_countries: String,
    #[serde(default)]
    turnover_amount: String,
    #[serde(default)]
    turnover_currency: String,
    /// Checked schemes arrive as repeated `scheme` fields; axum's Form keeps them through `serde_html_form`-less
    /// parsing as one comma-joined hidden field filled by the checkboxes' names instead.
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

/// Saves the tax profile (owner, operator).
pub async fn save_profile(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::Form(form): axum::Form<ProfileForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "tax", "/tax");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let turnover = match (form.turnover_amount.trim(), form.turnover_currency.trim()) {
        ("", _) => None,
        (a, c) => {
            let amount = a.replace(',', "").parse::<Decimal>().ok();
            let currency = tradelane_domain::Currency::parse(&c.to_ascii_uppercase()).ok();
            match (amount, currency) {
                (Some(a), Some(c)) => Some(tradelane_domain::Money::new(a, c)),
                _ => {
                    let msg = t.tf("tax.bad_turnover", &[("value", &format!("{a} {c}"))]);
                    return render(
                        &state,
                        &user,
                        None,
                        None,
                        Some(msg),
                        Vec::new(),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await;
                }
            }
        }
    };
    let mut schemes: Vec<String> = form
        .rest
        .iter()
        .filter(|(k, v)| k.starts_with("scheme_") && !v.is_empty())
        .map(|(k, _)| k.trim_start_matches("scheme_").to_string())
        .collect();
    schemes.sort();
    let body = TaxProfileBody {
        established_in: form.established_in.clone(),
        global_turnover: turnover,
        stock_countries: form
            .stock_countries
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        schemes,
    };
    let profile = match profile_from_body(&body) {
        Ok(p) => p,
        Err(ApiError::Validation { message, .. }) => {
            return render(
                &state,
                &user,
                None,
                None,
                Some(message),
                Vec::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(_) => return Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"))),
    };
    state
        .store
        .set_tax_profile(&user.actor(), &profile)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to("/tax?saved=1").into_response())
}

// ------------------------------------------------------------------------------------------------------------
// What changes for me
// ------------------------------------------------------------------------------------------------------------

pub struct VersionChoice {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rules_diff.html")]
struct DiffPage {
    t: Tr,
    l: Layout,
    kind: String,
    old: String,
    new: String,
    scope: String,
    versions: Vec<VersionChoice>,
    result: Option<DiffResponse>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    kind: Option<String>,
    old: Option<String>,
    new: Option<String>,
    scope: Option<String>,
}

async fn diff_page(
    state: &AppState,
    user: &crate::auth::Principal,
    kind: String,
    old: String,
    new: String,
    scope: String,
    body: Option<DiffBody>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "tax", "/rules/diff");
    let t = l.t;
    let mut versions = vec![
        VersionChoice {
            value: "builtin".into(),
            label: t.t("diff.builtin").to_string(),
        },
        VersionChoice {
            value: "active".into(),
            label: t.t("diff.active").to_string(),
        },
    ];
    for p in state
        .store
        .list_rule_packs(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
    {
        versions.push(VersionChoice {
            value: format!("stored:{}", p.id),
            label: format!("{} {} ({})", p.pack_id, p.pack_version, p.loaded_at),
        });
    }
    let (result, error) = match body {
        None => (None, None),
        Some(b) => match diff_for(&state.store, user.org_id, &b).await {
            Ok(r) => (Some(r), None),
            Err(ApiError::NotFound) => (None, Some(t.t("error.not_found").to_string())),
            Err(ApiError::Validation { message, .. }) => (None, Some(message)),
            Err(e) => {
                tracing::error!(error = %e, "rules diff");
                (None, Some(t.t("error.internal").to_string()))
            }
        },
    };
    Ok((
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        DiffPage {
            t,
            l,
            kind,
            old,
            new,
            scope,
            versions,
            result,
            error,
        },
    )
        .into_response())
}

/// The diff form and, when asked (`?kind=...&old=...&new=...`), the differences of two stored versions.
pub async fn diff_get(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<DiffQuery>,
) -> Result<Response, PageError> {
    let kind = q.kind.clone().unwrap_or_else(|| "landed_cost".into());
    let old = q.old.clone().unwrap_or_else(|| "builtin".into());
    let new = q.new.clone().unwrap_or_else(|| "active".into());
    let scope = q.scope.clone().unwrap_or_else(|| "mine".into());
    let body = match (q.kind.as_deref().and_then(PackKind::parse), &q.old, &q.new) {
        (Some(k), Some(o), Some(n)) => Some(DiffBody {
            kind: k,
            old: o.clone(),
            new: n.clone(),
            scope: Some(scope.clone()),
        }),
        _ => None,
    };
    diff_page(&state, &user, kind, old, new, scope, body).await
}

/// Two uploaded pack files (any kind) compared.
pub async fn diff_post(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut kind = String::from("landed_cost");
    let mut scope = String::from("mine");
    let mut old = String::new();
    let mut new = String::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "kind" => kind = text,
            "scope" => scope = text,
            "old_file" if !text.is_empty() => old = text,
            "new_file" if !text.is_empty() => new = text,
            "old" if old.is_empty() => old = text,
            "new" if new.is_empty() => new = text,
            _ => {}
        }
    }
    let t = Tr::new(user.locale);
    let Some(k) = PackKind::parse(&kind) else {
        let l = Layout::for_user(&user, "tax", "/rules/diff");
        return Err(l.error(StatusCode::UNPROCESSABLE_ENTITY, t.t("diff.bad_kind")));
    };
    let body = DiffBody {
        kind: k,
        old: if old.is_empty() {
            "builtin".into()
        } else {
            old
        },
        new: if new.is_empty() {
            "builtin".into()
        } else {
            new
        },
        scope: Some(scope.clone()),
    };
    diff_page(
        &state,
        &user,
        kind,
        String::new(),
        String::new(),
        scope,
        Some(body),
    )
    .await
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/tax", get(page))
        .route(
            "/tax/orders",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/tax/profile", post(save_profile))
        .route(
            "/rules/diff",
            get(diff_get)
                .post(diff_post)
                .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradelane_domain::UiLang;

    fn row(market: &str, percent: &str, obligation: &str, trend: &[&str]) -> ThresholdRow {
        ThresholdRow {
            rule_id: format!("{market}-X"),
            market: market.into(),
            scheme: None,
            threshold: "100 EUR".into(),
            currency: "EUR".into(),
            amount: "1".into(),
            transactions: 1,
            percent: percent.into(),
            obligation: obligation.into(),
            projected_crossing: None,
            window_from: "2026-01-01".into(),
            window_to: "2026-12-31".into(),
            excluded_marketplace: "0".into(),
            uncertain: false,
            source: "s".into(),
            notes: vec![],
            trend: trend.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn bars_cap_at_the_track_and_the_trend_draws_one_line_per_market_with_escaped_labels() {
        let over = row("<AU>", "150", "registration_required", &["10", "150"]);
        let bar = bar_svg(&over);
        assert!(
            bar.contains(r#"width="160""#) && bar.contains("#c0392b"),
            "{bar}"
        );
        let d = TaxDashboard {
            as_of: "2026-12-31".into(),
            orders: 2,
            profile: crate::api::tax::default_profile(),
            profile_set: false,
            trend_dates: vec!["2026-11-30".into(), "2026-12-31".into()],
            thresholds: vec![over, row("DE", "40", "below", &["20", "40"])],
            problems: vec![],
            calendar: vec![],
            threshold_pack_version: "1".into(),
        };
        let svg = trend_svg(Tr::new(UiLang::En), &d);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("&lt;AU&gt;") && !svg.contains("<AU>"));
        // The scale grows to 150 % so the line stays inside the chart.
        assert!(svg.contains(">150%<"), "{svg}");
        assert!(!svg.contains("style="));
    }
}
