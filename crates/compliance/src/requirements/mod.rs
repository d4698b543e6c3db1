//! Requirements base: per destination market and product category, refined by attributes, the marks,
//! certificates, registrations, labels, documents and transport rules a product needs. Rules are dated,
//! sourced data (`data/requirements.toml`, authored from FACTS.md §6); see `pack` for the format.

mod pack;
mod profile;

pub use pack::{
    BlockTarget, Condition, MarketSet, PackError, Requirement, RequirementKind, RequirementPack,
    Scope,
};
pub use profile::{BatteryFacts, Category, DerivedProfile, ProductProfile, derive_profile};

use jiff::civil::Date;
use std::fmt;
use tradelane_domain::Country;

/// Why no requirement list can be given: the pack does not cover the market or the category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotCovered {
    /// No rule in the pack covers this destination market on that date.
    Market(Country),
    /// The market is covered but not this product category (or the category is unknown).
    Category {
        /// The market asked about.
        market: Country,
        /// The product's category.
        category: Category,
    },
}

impl fmt::Display for NotCovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotCovered::Market(m) => write!(
                f,
                "market {} ({}) is not covered by the requirements pack: no requirement list can be given",
                m.code(),
                m.name_en()
            ),
            NotCovered::Category { market, category } => write!(
                f,
                "category '{}' is not covered for market {}: no requirement list can be given",
                category.name(),
                market.code()
            ),
        }
    }
}

/// One requirement that does not apply to a product, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotApplicable<'p> {
    /// The rule.
    pub requirement: &'p Requirement,
    /// Why it does not apply ("no radio", "not in force until 2026-08-18", ...).
    pub reason: String,
}

impl RequirementPack {
    /// The requirements in force on `date` that apply to `profile` in `market`, in pack order.
    pub fn requirements_for(
        &self,
        profile: &ProductProfile,
        market: Country,
        date: Date,
    ) -> Result<Vec<&Requirement>, NotCovered> {
        self.check_coverage(profile, market, date)?;
        Ok(self
            .requirements
            .iter()
            .filter(|r| {
                r.in_force(date)
                    && r.markets.contains(market)
                    && r.category_matches(profile.category)
                    && r.applies_to(profile).is_ok()
            })
            .collect())
    }

    /// Like [`RequirementPack::requirements_for`], plus every rule of the market that does not apply, with why.
    pub fn explain(
        &self,
        profile: &ProductProfile,
        market: Country,
        date: Date,
    ) -> Result<(Vec<&Requirement>, Vec<NotApplicable<'_>>), NotCovered> {
        self.check_coverage(profile, market, date)?;
        let mut applies = Vec::new();
        let mut not = Vec::new();
        for r in self
            .requirements
            .iter()
            .filter(|r| r.markets.contains(market))
        {
            let reason = if !r.category_matches(profile.category) {
                Err(format!(
                    "category {} is not in scope",
                    profile.category.name()
                ))
            } else if !r.in_force(date) {
                Err(format!(
                    "not in force on {date} (applies {})",
                    r.effective.label()
                ))
            } else {
                r.applies_to(profile)
            };
            match reason {
                Ok(()) => applies.push(r),
                Err(reason) => not.push(NotApplicable {
                    requirement: r,
                    reason,
                }),
            }
        }
        Ok((applies, not))
    }

    /// Rules that do not apply yet but will within `within_days` of `today` (e.g. the EU battery labelling from
    /// 2026-08-18), so a seller can prepare; same matching as [`RequirementPack::requirements_for`].
    pub fn upcoming(
        &self,
        profile: &ProductProfile,
        market: Country,
        today: Date,
        within_days: i32,
    ) -> Result<Vec<&Requirement>, NotCovered> {
        self.check_coverage(profile, market, today)?;
        let horizon = today
            .checked_add(jiff::Span::new().days(within_days.max(0)))
            .unwrap_or(Date::MAX);
        Ok(self
            .requirements
            .iter()
            .filter(|r| {
                r.effective.from > today
                    && r.effective.from <= horizon
                    && r.markets.contains(market)
                    && r.category_matches(profile.category)
                    && r.applies_to(profile).is_ok()
            })
            .collect())
    }

    fn check_coverage(
        &self,
        profile: &ProductProfile,
        market: Country,
        date: Date,
    ) -> Result<(), NotCovered> {
        let mut market_known = false;
        for c in self.coverage.iter().filter(|c| c.markets.contains(market)) {
            if !c.effective.contains(date) {
                continue;
            }
            market_known = true;
            if c.categories.contains(&profile.category) {
                return Ok(());
            }
        }
        if market_known {
            Err(NotCovered::Category {
                market,
                category: profile.category,
            })
        } else {
            Err(NotCovered::Market(market))
        }
    }
}

#[cfg(test)]
mod tests;
