//! 3D container load planner. Pure: data in, plan out — no I/O and no clock.
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
pub use model::{CogLimits, Container, ItemType, Problem, Settings};
pub use orientation::{ORIENTATIONS, Orientation};
pub use plan::{Placement, Plan, SearchStats, Unplaced, UnplacedReason};
pub use search::plan;
pub use validate::{Violation, validate_plan};
#[cfg(test)]
mod planner_tests;
