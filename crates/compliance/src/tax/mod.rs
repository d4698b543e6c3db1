//! Tax obligations: sales per market against the registration thresholds of `data/thresholds.toml`
//! (FACTS.md §5, §5a), percent reached, projected crossing date, and a filing calendar.
//!
//! Counting: an order counts in a threshold's market when its destination is in the market (EU: any member
//! state; US/CA: the state or province). For `eu_established` rules (the EUR 10,000 OSS threshold) sales into the
//! seller's own country are not distance sales and are left out. Marketplace-collected orders are left out where
//! the rule says `excluded`. Amounts are converted to the threshold currency by the caller's `fx` on the order
//! date; an order without a rate is reported, never silently dropped from the total.
//!
//! Projection ("linear trend"): for calendar-year periods, the average daily sales of the current year so far
//! continued to the year end; for rolling periods, the average daily sales of the last 90 days continued from
//! the current rolling total (roll-off of old sales is ignored, so the date is an early estimate). No
//! projection when sales are flat or the crossing falls after the period end.

mod calendar;
mod pack;

pub use calendar::{FilingDue, filing_calendar};
pub use pack::{
    Cadence, FilingRule, MarketScope, MarketplaceSales, Period, SellerFilter, ThresholdPack,
    ThresholdRule, ThresholdTest,
};

use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use tradelane_domain::{Country, Currency, Money, Subdivision};

/// One sale, as imported from a marketplace or shop export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// Order id (for error reports).
    pub id: String,
    /// Order date.
    pub date: Date,
    /// Sales channel ("amazon", "shopify", ...).
    pub channel: String,
    /// Destination country.
    pub destination: Country,
    /// Destination state/province (US, CA).
    pub subdivision: Option<Subdivision>,
    /// Net amount (excluding tax).
    pub net_amount: Money,
    /// True when the marketplace collected and remits the tax (facilitator / deemed supplier).
    pub marketplace_collected: bool,
}

/// Who the seller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerContext {
    /// Country of establishment.
    pub established_in: Country,
    /// Worldwide turnover of the last 12 months, when known (Singapore's second test).
    pub global_turnover: Option<Money>,
    /// Countries where the seller holds stock (own or marketplace fulfilment warehouses).
    pub stock_countries: Vec<Country>,
}

/// What the seller must do in one market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Obligation {
    /// The threshold is reached (or there is none and a sale was made): register.
    RegistrationRequired,
    /// 80 % or more of the threshold.
    Approaching,
    /// Below 80 %.
    Below,
    /// Optional scheme (e.g. IOSS).
    Optional,
    /// No sales tax / not for this seller.
    NotApplicable,
}

/// The measurement for one threshold rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdStatus<'p> {
    /// The rule.
    pub rule: &'p ThresholdRule,
    /// First and last day measured (the governing window for "previous or current year").
    pub window: (Date, Date),
    /// Sales counted, in the rule currency.
    pub amount: Money,
    /// Orders counted.
    pub transactions: u64,
    /// Percent of the amount threshold reached (truncated to 2 decimals, so 99.999 shows 99.99), when there is one.
    pub percent_amount: Option<Decimal>,
    /// Percent of the transaction threshold reached, when there is one.
    pub percent_transactions: Option<Decimal>,
    /// The governing percent (OR: the higher, AND: the lower).
    pub percent: Decimal,
    /// Outcome.
    pub obligation: Obligation,
    /// Projected date of reaching the threshold, by linear trend.
    pub projected_crossing: Option<Date>,
    /// Marketplace-collected sales left out, in the rule currency.
    pub excluded_marketplace: Money,
    /// Explanations (why not applicable, unknown global turnover, ...).
    pub notes: Vec<String>,
}

/// An order that could not be counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderProblem {
    /// Order id.
    pub order: String,
    /// Threshold rule it was needed for.
    pub rule: String,
    /// What is missing.
    pub message: String,
}

/// Result of a threshold run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdReport<'p> {
    /// One status per rule in force on the date.
    pub statuses: Vec<ThresholdStatus<'p>>,
    /// Orders that could not be converted.
    pub problems: Vec<OrderProblem>,
}

fn year_start(d: Date) -> Date {
    Date::new(d.year(), 1, 1).unwrap_or(d)
}

fn year_end(year: i16) -> Date {
    Date::new(year, 12, 31).unwrap_or(Date::MAX)
}

fn windows(period: Period, as_of: Date) -> Vec<(Date, Date)> {
    let y = as_of.year();
    let full = |year: i16| (Date::new(year, 1, 1).unwrap_or(as_of), year_end(year));
    match period {
        Period::Rolling12Months => {
            let start = as_of
                .checked_sub(1.year())
                .ok()
                .and_then(|d| d.tomorrow().ok())
                .unwrap_or(as_of);
            vec![(start, as_of)]
        }
        Period::Rolling4Quarters => {
            let q_start_month = ((as_of.month() - 1) / 3) * 3 + 1;
            let q_start = Date::new(y, q_start_month, 1).unwrap_or(as_of);
            let end = q_start.yesterday().unwrap_or(q_start);
            let start = q_start.checked_sub(1.year()).unwrap_or(q_start);
            vec![(start, end)]
        }
        Period::PreviousOrCurrentCalendarYear => vec![full(y - 1), (year_start(as_of), as_of)],
        Period::PreviousCalendarYear => vec![full(y - 1)],
        Period::CurrentCalendarYear => vec![(year_start(as_of), as_of)],
        Period::CalendarYearTwoYearsPrior => vec![full(y - 2)],
    }
}

fn pct(have: Decimal, threshold: Decimal) -> Decimal {
    if threshold <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    // Unrounded: decisions compare the exact ratio (74,999.99 of 75,000 is not reached); display rounds.
    have.checked_div(threshold)
        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
        .unwrap_or(Decimal::MAX)
}

struct Counted {
    amount: Decimal,
    transactions: u64,
    excluded: Decimal,
}

/// Measures every threshold rule in force on `as_of` against `orders`.
/// `fx(amount, to, date)` converts an order amount into `to` at the rate of `date`; None = no rate.
pub fn evaluate_thresholds<'p>(
    pack: &'p ThresholdPack,
    orders: &[Order],
    seller: &SellerContext,
    as_of: Date,
    fx: impl Fn(&Money, Currency, Date) -> Option<Money>,
) -> ThresholdReport<'p> {
    let mut statuses = Vec::new();
    let mut problems = Vec::new();
    for rule in pack
        .thresholds
        .iter()
        .filter(|r| r.effective.contains(as_of))
    {
        statuses.push(evaluate_rule(
            rule,
            orders,
            seller,
            as_of,
            &fx,
            &mut problems,
        ));
    }
    ThresholdReport { statuses, problems }
}

fn evaluate_rule<'p>(
    rule: &'p ThresholdRule,
    orders: &[Order],
    seller: &SellerContext,
    as_of: Date,
    fx: &impl Fn(&Money, Currency, Date) -> Option<Money>,
    problems: &mut Vec<OrderProblem>,
) -> ThresholdStatus<'p> {
    let cur = rule.currency;
    let mut notes = Vec::new();
    let established_here = match rule.market {
        MarketScope::Eu => seller.established_in.is_eu_member(),
        other => other.country() == Some(seller.established_in),
    };
    let seller_fits = match rule.seller {
        SellerFilter::Any => true,
        SellerFilter::NonEstablished => !established_here,
        SellerFilter::EuEstablished => seller.established_in.is_eu_member(),
    };
    let relevant = |o: &Order| {
        o.date <= as_of
            && rule.market.includes(o.destination, o.subdivision)
            && !(rule.seller == SellerFilter::EuEstablished
                && o.destination == seller.established_in)
    };
    let count = |from: Date, to: Date, problems: &mut Vec<OrderProblem>| {
        let mut c = Counted {
            amount: Decimal::ZERO,
            transactions: 0,
            excluded: Decimal::ZERO,
        };
        for o in orders
            .iter()
            .filter(|o| o.date >= from && o.date <= to && relevant(o))
        {
            let converted = if o.net_amount.currency() == cur {
                Some(o.net_amount.amount())
            } else {
                fx(&o.net_amount, cur, o.date).map(|m| m.amount())
            };
            let Some(value) = converted else {
                problems.push(OrderProblem {
                    order: o.id.clone(),
                    rule: rule.id.clone(),
                    message: format!(
                        "no {} rate for {} on {}: order not counted",
                        cur,
                        o.net_amount.currency(),
                        o.date
                    ),
                });
                continue;
            };
            if o.marketplace_collected && rule.marketplace_sales == MarketplaceSales::Excluded {
                c.excluded = c.excluded.saturating_add(value);
                continue;
            }
            c.amount = c.amount.saturating_add(value);
            c.transactions += 1;
        }
        c
    };
    let wins = windows(rule.period, as_of);
    let mut measured: Vec<((Date, Date), Counted)> = Vec::new();
    for (i, (from, to)) in wins.iter().enumerate() {
        // Problems are reported once, from the first window that sees the order.
        let mut scratch = Vec::new();
        let c = count(
            *from,
            *to,
            if i == 0 { &mut *problems } else { &mut scratch },
        );
        if i > 0 {
            for p in scratch {
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
        }
        measured.push(((*from, *to), c));
    }
    let percents = |c: &Counted| {
        let pa = rule.amount.map(|a| pct(c.amount, a));
        let pt = rule
            .transactions
            .map(|t| pct(Decimal::from(c.transactions), Decimal::from(t)));
        let governing = match (rule.test, pa, pt) {
            (ThresholdTest::AmountOrTransactions, Some(a), Some(t)) => a.max(t),
            (ThresholdTest::AmountAndTransactions, Some(a), Some(t)) => a.min(t),
            (_, Some(a), _) => a,
            _ => Decimal::ZERO,
        };
        (pa, pt, governing)
    };
    // The governing window is the one with the highest percent (a threshold reached in either counts).
    let best = measured
        .iter()
        .enumerate()
        .max_by(|(ia, a), (ib, b)| percents(&a.1).2.cmp(&percents(&b.1).2).then(ib.cmp(ia)))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let (window, counted) = match measured.get(best) {
        Some((w, c)) => (
            *w,
            Counted {
                amount: c.amount,
                transactions: c.transactions,
                excluded: c.excluded,
            },
        ),
        None => (
            (as_of, as_of),
            Counted {
                amount: Decimal::ZERO,
                transactions: 0,
                excluded: Decimal::ZERO,
            },
        ),
    };
    let (pa, pt, percent) = percents(&counted);
    let round = |d: Decimal| d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
    let mut obligation = match rule.test {
        ThresholdTest::NoSalesTax => Obligation::NotApplicable,
        ThresholdTest::StockHeld => {
            if rule
                .market
                .country()
                .is_some_and(|c| seller.stock_countries.contains(&c))
            {
                Obligation::RegistrationRequired
            } else {
                notes.push(format!("no stock held in {}", rule.market));
                Obligation::NotApplicable
            }
        }
        ThresholdTest::Optional => Obligation::Optional,
        ThresholdTest::FirstSale => {
            if counted.transactions > 0 {
                Obligation::RegistrationRequired
            } else {
                Obligation::Below
            }
        }
        _ if percent >= Decimal::ONE_HUNDRED => Obligation::RegistrationRequired,
        _ if percent >= Decimal::from(80) => Obligation::Approaching,
        _ => Obligation::Below,
    };
    if let Some(limit) = rule.global_turnover_above {
        match &seller.global_turnover {
            Some(t) => {
                let in_cur = if t.currency() == cur {
                    Some(t.amount())
                } else {
                    fx(t, cur, as_of).map(|m| m.amount())
                };
                match in_cur {
                    Some(v) if v <= limit => {
                        notes.push(format!("global turnover {v} {cur} is not above {limit} {cur}: registration not required"));
                        if obligation == Obligation::RegistrationRequired {
                            obligation = Obligation::Approaching;
                        }
                    }
                    Some(_) => {}
                    None => notes.push(format!(
                        "no rate to compare global turnover with {limit} {cur}"
                    )),
                }
            }
            None => notes.push(format!(
                "global turnover unknown: the rule also needs more than {limit} {cur} worldwide"
            )),
        }
    }
    if !seller_fits {
        notes.push(match rule.seller {
            SellerFilter::EuEstablished => "applies to EU-established sellers only".to_string(),
            _ => format!("applies to sellers not established in {}", rule.market),
        });
        obligation = Obligation::NotApplicable;
    }
    let projected_crossing = if matches!(obligation, Obligation::Below | Obligation::Approaching)
        && matches!(
            rule.test,
            ThresholdTest::Amount
                | ThresholdTest::AmountOrTransactions
                | ThresholdTest::AmountAndTransactions
        ) {
        project(rule, as_of, &count)
    } else {
        None
    };
    ThresholdStatus {
        rule,
        window,
        amount: Money::new(counted.amount, cur),
        transactions: counted.transactions,
        percent_amount: pa.map(round),
        percent_transactions: pt.map(round),
        percent: round(percent),
        obligation,
        projected_crossing,
        excluded_marketplace: Money::new(counted.excluded, cur),
        notes,
    }
}

fn project(
    rule: &ThresholdRule,
    as_of: Date,
    count: &impl Fn(Date, Date, &mut Vec<OrderProblem>) -> Counted,
) -> Option<Date> {
    let mut scratch = Vec::new();
    let (current, rate_from, horizon) = match rule.period {
        Period::PreviousOrCurrentCalendarYear | Period::CurrentCalendarYear => {
            let from = year_start(as_of);
            (
                count(from, as_of, &mut scratch),
                from,
                year_end(as_of.year()),
            )
        }
        Period::Rolling12Months | Period::Rolling4Quarters => {
            let w = windows(Period::Rolling12Months, as_of)
                .first()
                .copied()
                .unwrap_or((as_of, as_of));
            let from = as_of.checked_sub(89.days()).unwrap_or(as_of);
            (
                count(w.0, w.1, &mut scratch),
                from,
                as_of.checked_add(1.year()).unwrap_or(Date::MAX),
            )
        }
        // Past-period tests cannot be crossed by future sales.
        _ => return None,
    };
    let recent = count(rate_from, as_of, &mut scratch);
    let days = Decimal::from((as_of - rate_from).get_days() + 1);
    let crossing = |have: Decimal, need: Decimal, rate_total: Decimal| -> Option<Date> {
        if have >= need {
            return Some(as_of);
        }
        let rate = rate_total.checked_div(days)?;
        if rate <= Decimal::ZERO {
            return None;
        }
        let needed_days = need.checked_sub(have)?.checked_div(rate)?.ceil();
        let n: i32 = needed_days.try_into().ok()?;
        let date = as_of.checked_add(n.days()).ok()?;
        (date <= horizon).then_some(date)
    };
    let by_amount = rule
        .amount
        .and_then(|a| crossing(current.amount, a, recent.amount));
    let by_tx = rule.transactions.and_then(|t| {
        crossing(
            Decimal::from(current.transactions),
            Decimal::from(t),
            Decimal::from(recent.transactions),
        )
    });
    match rule.test {
        ThresholdTest::AmountOrTransactions => match (by_amount, by_tx) {
            (Some(a), Some(t)) => Some(a.min(t)),
            (a, t) => a.or(t),
        },
        ThresholdTest::AmountAndTransactions => match (by_amount, by_tx) {
            (Some(a), Some(t)) => Some(a.max(t)),
            _ => None,
        },
        _ => by_amount,
    }
}

#[cfg(test)]
mod tests;
