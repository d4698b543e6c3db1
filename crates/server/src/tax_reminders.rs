//! Tax reminders into the alert inbox (job `tax.reminders`):
//!
//! - filing deadlines of the schemes in the organisation's tax profile (the filing calendar): a reminder 7 days
//!   before the due date and another 1 day before, each raised once (dedupe key per scheme, tax period and lead);
//!   a run that starts late still raises the reminder whose window it is in (2-7 days left: the 7-day one;
//!   0-1 day left: the 1-day one), never a reminder for a date already past;
//! - registration thresholds: when sales reach 80 % of a threshold, and when they reach 100 % (or a market
//!   without a threshold has a sale), once each per threshold and measurement period. Markets whose scheme the
//!   seller is already registered in are not reported.
//!
//! The run reads no clock: `now` comes from the job runner, so tests run it at any instant.

use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use tradelane_compliance::tax::{
    FilingDue, Obligation, Order, Period, SellerContext, ThresholdPack, ThresholdStatus,
    evaluate_thresholds, filing_calendar,
};
use tradelane_domain::{Currency, Money};
use tradelane_landed_cost::FxTable;
use tradelane_store::alerts::{AlertSeverity, Localized, NewAlert};
use tradelane_store::tax::TaxOrder;
use tradelane_store::{OrgId, Store};

use crate::jobs::Jobs;

/// Job name.
pub const JOB: &str = "tax.reminders";
/// How often the job runs.
pub const EVERY: Duration = Duration::from_secs(3600);

/// Registers the job.
pub fn register(jobs: &mut Jobs) {
    jobs.every(JOB, EVERY, |ctx| async move {
        raise_tax_reminders(&ctx.store, ctx.now).await
    });
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReminderCounts {
    pub filing_raised: usize,
    pub threshold_raised: usize,
}

/// Runs the reminders for every organisation at `now`; the summary counts new alerts.
pub async fn raise_tax_reminders(store: &Store, now: Timestamp) -> anyhow::Result<String> {
    let pack = crate::api::tax::threshold_pack().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let fx = Arc::new(
        store
            .ecb_fx_table()
            .await?
            .unwrap_or_else(|| FxTable::new(Currency::EUR, "no exchange rates stored")),
    );
    let mut total = ReminderCounts::default();
    for org in store.list_orgs().await? {
        let c = reminders_for_org(store, pack, &fx, org.id, now).await?;
        total.filing_raised += c.filing_raised;
        total.threshold_raised += c.threshold_raised;
    }
    Ok(format!(
        "{} filing reminders, {} threshold alerts raised",
        total.filing_raised, total.threshold_raised
    ))
}

fn today(now: Timestamp) -> Date {
    jiff::tz::TimeZone::UTC.to_datetime(now).date()
}

/// The reminders of one organisation at `now`.
pub async fn reminders_for_org(
    store: &Store,
    pack: &ThresholdPack,
    fx: &FxTable,
    org: OrgId,
    now: Timestamp,
) -> anyhow::Result<ReminderCounts> {
    let day = today(now);
    let mut counts = ReminderCounts::default();
    let profile = store
        .tax_profile(org)
        .await?
        .unwrap_or_else(crate::api::tax::default_profile);
    let schemes: Vec<&str> = profile.schemes.iter().map(String::as_str).collect();
    if !schemes.is_empty() {
        let until = day.checked_add(7.days()).unwrap_or(day);
        for due in filing_calendar(pack, &schemes, day, until) {
            let days_left = (due.due - day).get_days();
            let lead = match days_left {
                0..=1 => 1,
                2..=7 => 7,
                _ => continue,
            };
            if store
                .raise_alert(&filing_alert(org, &due, lead, days_left), now)
                .await?
                .created
            {
                counts.filing_raised += 1;
            }
        }
    }
    let from = day.checked_sub(3.years()).ok();
    let orders: Vec<Order> = store
        .tax_orders(org, from, Some(day))
        .await?
        .iter()
        .map(to_order)
        .collect();
    if orders.is_empty() {
        return Ok(counts);
    }
    let seller = SellerContext {
        established_in: profile.established_in,
        global_turnover: profile.global_turnover,
        stock_countries: profile.stock_countries.clone(),
    };
    let convert = |m: &Money, to: Currency, date: Date| -> Option<Money> {
        if m.currency() == to {
            return Some(*m);
        }
        fx.rate(m.currency(), to, date)
            .ok()
            .map(|r| Money::new(m.amount() * r.rate, to))
    };
    let report = evaluate_thresholds(pack, &orders, &seller, day, convert);
    for s in &report.statuses {
        let level = match s.obligation {
            Obligation::RegistrationRequired => 100,
            Obligation::Approaching => 80,
            _ => continue,
        };
        if s.transactions == 0 {
            continue;
        }
        if let Some(scheme) = &s.rule.scheme
            && profile.schemes.iter().any(|x| x == scheme)
        {
            continue;
        }
        if store
            .raise_alert(&threshold_alert(org, s, level, day), now)
            .await?
            .created
        {
            counts.threshold_raised += 1;
        }
    }
    Ok(counts)
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

/// The market code of a scheme ("EU-IOSS" → "EU", "US-CA" → "US").
fn scheme_market(scheme: &str) -> Option<String> {
    scheme
        .split('-')
        .next()
        .filter(|m| m.len() == 2 && m.bytes().all(|b| b.is_ascii_uppercase()))
        .map(str::to_string)
}

/// Dedupe key of a filing reminder: scheme, tax period and lead (7 or 1 days).
pub fn filing_key(due: &FilingDue, lead: i32) -> String {
    format!(
        "tax-filing:{}:{}:{}:{lead}d",
        due.scheme, due.period_start, due.period_end
    )
}

fn filing_alert(org: OrgId, due: &FilingDue, lead: i32, days_left: i32) -> NewAlert {
    let when_en = match days_left {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    };
    let when_zh = match days_left {
        0 => "今天".to_string(),
        1 => "明天".to_string(),
        n => format!("{n} 天后"),
    };
    NewAlert {
        org_id: org,
        kind: "tax.filing_due".into(),
        severity: if lead == 1 {
            AlertSeverity::Critical
        } else {
            AlertSeverity::Warning
        },
        market: scheme_market(&due.scheme).filter(|m| m != "EU"),
        title: Localized::new(
            format!("{} return due {when_en} ({})", due.scheme, due.due),
            format!("{} 申报{when_zh}到期（{}）", due.scheme, due.due),
        ),
        body: Localized::new(
            format!(
                "The {} return for {} to {} is due on {}.{} Source: {}.",
                due.scheme,
                due.period_start,
                due.period_end,
                due.due,
                if due.uncertain {
                    " The due-date rule is marked uncertain; check with the tax authority."
                } else {
                    ""
                },
                due.source
            ),
            format!(
                "{} 的 {} 至 {} 期间申报须在 {} 前提交。{}来源：{}。",
                due.scheme,
                due.period_start,
                due.period_end,
                due.due,
                if due.uncertain {
                    "该截止日期规则标记为不确定，请向税务机关核实。"
                } else {
                    ""
                },
                due.source
            ),
        ),
        link: Some("/tax".into()),
        dedupe_key: filing_key(due, lead),
        source: "tax".into(),
        data: serde_json::json!({
            "scheme": due.scheme,
            "rule": due.rule_id,
            "period_start": due.period_start.to_string(),
            "period_end": due.period_end.to_string(),
            "due": due.due.to_string(),
            "days_before": lead,
        }),
    }
}

/// The measurement period a threshold alert is raised once for: the window's first day for calendar-year
/// periods, the calendar year of the day measured for rolling windows (whose first day moves daily).
pub fn period_key(s: &ThresholdStatus<'_>, day: Date) -> String {
    match s.rule.period {
        Period::Rolling12Months | Period::Rolling4Quarters => format!("{}", day.year()),
        _ => s.window.0.to_string(),
    }
}

/// Dedupe key of a threshold alert: rule, period and level (80 or 100).
pub fn threshold_key(s: &ThresholdStatus<'_>, level: u32, day: Date) -> String {
    format!("tax-threshold:{}:{}:{level}", s.rule.id, period_key(s, day))
}

fn threshold_alert(org: OrgId, s: &ThresholdStatus<'_>, level: u32, day: Date) -> NewAlert {
    let market = s.rule.market.to_string();
    let amount = format!(
        "{} {}",
        s.amount.amount().round_dp(2),
        s.rule.currency.code()
    );
    let (title_en, title_zh) = if level == 100 {
        (
            format!("Tax registration threshold reached in {market}"),
            format!("{market} 已达到税务登记门槛"),
        )
    } else {
        (
            format!(
                "{}% of the tax registration threshold in {market}",
                s.percent
            ),
            format!("{market} 税务登记门槛已达 {}%", s.percent),
        )
    };
    let crossing_en = s
        .projected_crossing
        .map(|d| format!(" Projected crossing: {d}."))
        .unwrap_or_default();
    let crossing_zh = s
        .projected_crossing
        .map(|d| format!("预计达到日期：{d}。"))
        .unwrap_or_default();
    NewAlert {
        org_id: org,
        kind: if level == 100 {
            "tax.threshold_reached".into()
        } else {
            "tax.threshold_approaching".into()
        },
        severity: if level == 100 {
            AlertSeverity::Critical
        } else {
            AlertSeverity::Warning
        },
        market: scheme_market(&market).filter(|m| m != "EU"),
        title: Localized::new(title_en, title_zh),
        body: Localized::new(
            format!(
                "Sales counted {} to {}: {amount} in {} orders ({}% of the threshold, rule {}).{crossing_en}{} \
                 Source: {}.",
                s.window.0,
                s.window.1,
                s.transactions,
                s.percent,
                s.rule.id,
                if s.rule.uncertain {
                    " The rule is marked uncertain."
                } else {
                    ""
                },
                s.rule.source
            ),
            format!(
                "{} 至 {} 计入销售额：{amount}，{} 笔订单（门槛的 {}%，规则 {}）。{crossing_zh}{}来源：{}。",
                s.window.0,
                s.window.1,
                s.transactions,
                s.percent,
                s.rule.id,
                if s.rule.uncertain {
                    "该规则标记为不确定。"
                } else {
                    ""
                },
                s.rule.source
            ),
        ),
        link: Some("/tax".into()),
        dedupe_key: threshold_key(s, level, day),
        source: "tax".into(),
        data: serde_json::json!({
            "rule": s.rule.id,
            "market": market,
            "scheme": s.rule.scheme,
            "level": level,
            "percent": s.percent.to_string(),
            "amount": s.amount.amount().round_dp(2).to_string(),
            "currency": s.rule.currency.code(),
            "window_from": s.window.0.to_string(),
            "window_to": s.window.1.to_string(),
        }),
    }
}
