//! Filing calendar: the returns due in a date range for the schemes a seller is registered in.

use super::pack::{Cadence, FilingRule, ThresholdPack};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

/// One return to file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilingDue {
    /// Scheme ("EU-IOSS", "GB-VAT", ...).
    pub scheme: String,
    /// Rule that produced the date.
    pub rule_id: String,
    /// First day of the tax period.
    pub period_start: Date,
    /// Last day of the tax period.
    pub period_end: Date,
    /// Due date.
    pub due: Date,
    /// Source of the due-date rule.
    pub source: String,
    /// Whether the rule is uncertain.
    pub uncertain: bool,
}

fn last_day(year: i16, month: i8) -> Option<Date> {
    Date::new(year, month, 1).ok().map(|d| d.last_of_month())
}

/// Due date of the period ending `end` under `rule`.
pub fn due_date(rule: &FilingRule, end: Date) -> Option<Date> {
    if let Some(days) = rule.days_after {
        return end.checked_add((days as i32).days()).ok();
    }
    let mut months = rule.months_after? as i32;
    if rule.cadence == Cadence::Quarterly
        && end.month() == 12
        && let Some(q4) = rule.q4_months_after
    {
        months = q4 as i32;
    }
    let first_of_end_month = Date::new(end.year(), end.month(), 1).ok()?;
    let target = first_of_end_month.checked_add(months.months()).ok()?;
    let day = match rule.day.unwrap_or(0) {
        0 => target.last_of_month(),
        d => {
            let last = last_day(target.year(), target.month())?;
            Date::new(target.year(), target.month(), (d as i8).min(last.day())).ok()?
        }
    };
    day.checked_add((rule.extra_days.unwrap_or(0) as i32).days())
        .ok()
}

fn periods(cadence: Cadence, from_year: i16, to_year: i16) -> Vec<(Date, Date)> {
    let mut out = Vec::new();
    for y in from_year..=to_year {
        let step = match cadence {
            Cadence::Monthly => 1,
            Cadence::Quarterly => 3,
            Cadence::Annual => 12,
        };
        let mut m = 1;
        while m <= 12 {
            if let (Ok(start), Some(end)) = (Date::new(y, m, 1), last_day(y, m + step - 1)) {
                out.push((start, end));
            }
            m += step;
        }
    }
    out
}

/// Every return of `schemes` whose due date falls in `from..=to`, sorted by due date. Periods are calendar
/// months, quarters or years; a rule applies to periods that start within its effective dates.
pub fn filing_calendar(
    pack: &ThresholdPack,
    schemes: &[&str],
    from: Date,
    to: Date,
) -> Vec<FilingDue> {
    let mut out = Vec::new();
    if to < from {
        return out;
    }
    for rule in pack
        .filings
        .iter()
        .filter(|r| schemes.contains(&r.scheme.as_str()))
    {
        // Periods ending up to a year before `from` can still fall due inside the range.
        for (start, end) in periods(rule.cadence, from.year() - 2, to.year()) {
            if start < rule.effective_from || rule.effective_to.is_some_and(|t| start > t) {
                continue;
            }
            let Some(due) = due_date(rule, end) else {
                continue;
            };
            if due >= from && due <= to {
                out.push(FilingDue {
                    scheme: rule.scheme.clone(),
                    rule_id: rule.id.clone(),
                    period_start: start,
                    period_end: end,
                    due,
                    source: rule.source.clone(),
                    uncertain: rule.uncertain,
                });
            }
        }
    }
    out.sort_by(|a, b| a.due.cmp(&b.due).then(a.scheme.cmp(&b.scheme)));
    out
}
