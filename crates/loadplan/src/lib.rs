//! 3D container load planner. Pure: data in, plan out — no I/O and no clock.
//!
//! - [`Problem::new`] validates the input (non-positive dimensions, impossible orientation flags,
//!   stop 0, bad settings are rejected with a [`PlanError`] naming the item and field).
//! - [`plan`] is the main planner (block building + pilot search, anytime). Its time budget is
//!   injected: it calls `should_stop()` between steps and candidate plans and returns the best plan
//!   found so far as soon as it answers `true` (after one uninterruptible greedy construction, so
//!   there is always an answer). Pass `&|| start.elapsed() >= budget` from the caller; tests pass
//!   counters. [`Settings::max_iterations`] bounds the work independently of any clock.
//! - [`plan_baseline`] is a first-fit-decreasing extreme-point packer for comparison.
//! - [`validate_plan`] re-checks every rule from the placement list alone; every plan returned by
//!   either planner validates clean (property-tested).
//! - Same problem + same [`Settings::seed`] + same stop decisions ⇒ the same plan (own SplitMix64;
//!   with a wall-clock stop the amount of search, hence the plan, depends on machine speed).
//!
//! Units: integer length units (millimetres for [`presets`]) and integer grams. Axes: x from the
//! back wall (0) to the door, y across, z up. [`Plan::placements`] come in loading order (later
//! stops first, supports before what they carry), ready for step-by-step pictures.
//!
//! Rules enforced: inside the container, no overlap, support from below (the main planner always
//! gives full support; the baseline and the validator use [`Settings::min_support_fraction`]),
//! orientations (per-dimension "may stand vertically" flags; this-side-up), non-stackable cartons,
//! maximum load on top (load passes down in proportion to contact area), payload, centre-of-gravity
//! range, and delivery stops (a later-stop carton is never on top of, nor between the door and, an
//! earlier-stop carton).
//!
//! ```
//! use tradelane_loadplan::{plan, presets, validate_plan, ItemType, Problem, Settings};
//!
//! let items = vec![
//!     ItemType::new("CTN-A", [600, 400, 400], 40).with_weight_g(12_000).this_side_up(),
//!     ItemType::new("CTN-B", [500, 300, 250], 60).with_weight_g(6_500),
//! ];
//! let problem = Problem::new(presets::container_20gp(), items, Settings::default()).unwrap();
//! // The time budget is injected: the engine only asks "should I stop?".
//! let start = std::time::Instant::now();
//! let p = plan(&problem, &|| start.elapsed() >= std::time::Duration::from_millis(200));
//! assert!(validate_plan(&problem, &p).is_empty());
//! assert_eq!(p.placements.len(), 100);
//! ```

// Geometry works per axis (x, y, z) on several arrays at once; index loops read clearer there.
#![allow(clippy::needless_range_loop)]

mod baseline;
mod blocks;
pub mod br;
mod cog;
mod error;
mod geom;
mod model;
mod orientation;
mod plan;
pub mod presets;
mod rng;
mod search;
mod validate;

pub use baseline::plan_baseline;
pub use error::PlanError;
pub use model::{CogLimits, Container, ItemType, MAX_CARTONS, MAX_WEIGHT_G, Problem, Settings};
pub use orientation::{ORIENTATIONS, Orientation};
pub use plan::{Placement, Plan, SearchStats, Unplaced, UnplacedReason};
pub use search::plan;
pub use validate::{Violation, validate_plan};
#[cfg(test)]
mod planner_tests;
