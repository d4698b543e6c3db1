//! Problem description: item types, containers and settings, validated on construction.
//!
//! Geometry is integer length units (millimetres for the container presets; the Bischoff & Ratcliff
//! benchmark uses centimetres: any unit works as long as items and container agree). Weights are
//! integer grams. Axes: x runs along the container length from the back wall (x = 0) to the door
//! (x = length), y across the width, z up from the floor.

use serde::{Deserialize, Serialize};

use crate::error::PlanError;
use crate::orientation::{ORIENTATIONS, Orientation};

/// One kind of carton, with how many copies are to be loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemType {
    /// Caller's identifier (SKU, carton number); echoed back in placements.
    pub id: String,
    /// Length, width, height as the carton is labelled (height = the "this side up" axis).
    pub dims: [i64; 3],
    pub quantity: u32,
    /// Gross weight of one carton in grams.
    pub weight_g: u64,
    /// Which of `dims` may stand vertically (Bischoff & Ratcliff per-dimension flags).
    /// `[false, false, true]` is "this side up": only rotations about the vertical axis.
    pub vertical_allowed: [bool; 3],
    /// `false`: nothing may be placed on top of this carton.
    pub stackable: bool,
    /// Maximum weight in grams this carton may carry on its top face; `None` = unlimited.
    pub max_load_on_top_g: Option<u64>,
    /// Delivery stop, 1 = first drop. Later stops are loaded first (deeper, away from the door).
    pub stop: u32,
}

impl ItemType {
    /// A carton type free to rotate in all six ways, weightless, stackable, single stop.
    pub fn new(id: impl Into<String>, dims: [i64; 3], quantity: u32) -> Self {
        Self {
            id: id.into(),
            dims,
            quantity,
            weight_g: 0,
            vertical_allowed: [true; 3],
            stackable: true,
            max_load_on_top_g: None,
            stop: 1,
        }
    }

    pub fn with_weight_g(mut self, weight_g: u64) -> Self {
        self.weight_g = weight_g;
        self
    }

    /// Only rotations about the vertical axis (the labelled height stays vertical).
    pub fn this_side_up(mut self) -> Self {
        self.vertical_allowed = [false, false, true];
        self
    }

    pub fn with_vertical_allowed(mut self, allowed: [bool; 3]) -> Self {
        self.vertical_allowed = allowed;
        self
    }

    pub fn non_stackable(mut self) -> Self {
        self.stackable = false;
        self
    }

    pub fn with_max_load_on_top_g(mut self, grams: u64) -> Self {
        self.max_load_on_top_g = Some(grams);
        self
    }

    pub fn with_stop(mut self, stop: u32) -> Self {
        self.stop = stop;
        self
    }

    pub fn volume(&self) -> i64 {
        self.dims[0] * self.dims[1] * self.dims[2]
    }

    /// Orientations this carton may take, in orientation-id order.
    pub fn allowed_orientations(&self) -> impl Iterator<Item = Orientation> + '_ {
        ORIENTATIONS
            .iter()
            .copied()
            .filter(|o| self.vertical_allowed[o.vertical_source()])
    }
}

/// Inner load space of a container, ULD or truck body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Container {
    pub name: String,
    /// Inner length (x), width (y), height (z).
    pub dims: [i64; 3],
    /// Maximum payload in grams; `None` = not limited.
    pub payload_g: Option<u64>,
}

impl Container {
    pub fn custom(name: impl Into<String>, dims: [i64; 3], payload_g: Option<u64>) -> Self {
        Self {
            name: name.into(),
            dims,
            payload_g,
        }
    }

    pub fn volume(&self) -> i64 {
        self.dims[0] * self.dims[1] * self.dims[2]
    }
}

/// Allowed range for the loaded centre of gravity, as fractions of the container's length and width
/// measured from the back wall / left wall. `[0, 1]` on both axes disables the check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CogLimits {
    pub longitudinal: (f64, f64),
    pub lateral: (f64, f64),
}

impl Default for CogLimits {
    fn default() -> Self {
        Self {
            longitudinal: (0.0, 1.0),
            lateral: (0.0, 1.0),
        }
    }
}

impl CogLimits {
    /// Centre of gravity within `half_band` of the middle on both axes, e.g. 0.1 = middle 20 %.
    pub fn centred(half_band: f64) -> Self {
        Self {
            longitudinal: (0.5 - half_band, 0.5 + half_band),
            lateral: (0.5 - half_band, 0.5 + half_band),
        }
    }

    pub fn is_unrestricted(&self) -> bool {
        self.longitudinal.0 <= 0.0
            && self.longitudinal.1 >= 1.0
            && self.lateral.0 <= 0.0
            && self.lateral.1 >= 1.0
    }
}

/// Knobs of the planner and of the validator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Fraction of a carton's base that must rest on the floor or on cartons below, in `(0, 1]`.
    /// The main planner always produces full support (it never needs less); the validator and
    /// the baseline honour this value.
    pub min_support_fraction: f64,
    pub cog_limits: CogLimits,
    /// Seed of the planner's PRNG: same problem + same seed + same stop decisions = same plan.
    pub seed: u64,
    /// Upper bound on planner iterations (one iteration = one complete candidate plan);
    /// `None` = run until the injected stop function says stop or the search is exhausted.
    pub max_iterations: Option<u64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            min_support_fraction: 1.0,
            cog_limits: CogLimits::default(),
            seed: 0x7472_6164_656c_616e,
            max_iterations: None,
        }
    }
}

/// A validated planning problem. Build it with [`Problem::new`], which rejects bad input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    container: Container,
    items: Vec<ItemType>,
    settings: Settings,
}

impl Problem {
    pub fn new(
        container: Container,
        items: Vec<ItemType>,
        settings: Settings,
    ) -> Result<Self, PlanError> {
        for (axis, &d) in container.dims.iter().enumerate() {
            if d <= 0 {
                return Err(PlanError::NonPositiveContainerDimension {
                    container: container.name.clone(),
                    axis: AXIS_NAMES[axis],
                    value: d,
                });
            }
        }
        check_volume_fits_i64(&container.name, container.dims)?;
        for (index, item) in items.iter().enumerate() {
            for (axis, &d) in item.dims.iter().enumerate() {
                if d <= 0 {
                    return Err(PlanError::NonPositiveItemDimension {
                        index,
                        id: item.id.clone(),
                        axis: ITEM_AXIS_NAMES[axis],
                        value: d,
                    });
                }
            }
            check_volume_fits_i64(&item.id, item.dims)?;
            if item.weight_g > MAX_WEIGHT_G {
                return Err(PlanError::WeightTooLarge {
                    index,
                    id: item.id.clone(),
                    value: item.weight_g,
                    max: MAX_WEIGHT_G,
                });
            }
            if !item.vertical_allowed.iter().any(|&v| v) {
                return Err(PlanError::NoOrientationAllowed {
                    index,
                    id: item.id.clone(),
                });
            }
            if item.stop == 0 {
                return Err(PlanError::ZeroStop {
                    index,
                    id: item.id.clone(),
                });
            }
        }
        let total: u64 = items.iter().map(|i| u64::from(i.quantity)).sum();
        if total > MAX_CARTONS {
            return Err(PlanError::TooManyCartons {
                total,
                max: MAX_CARTONS,
            });
        }
        let f = settings.min_support_fraction;
        if !(f > 0.0 && f <= 1.0) {
            return Err(PlanError::BadSupportFraction { value: f });
        }
        let c = settings.cog_limits;
        for (name, (lo, hi)) in [("longitudinal", c.longitudinal), ("lateral", c.lateral)] {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(PlanError::BadCogLimits {
                    axis: name,
                    low: lo,
                    high: hi,
                });
            }
        }
        Ok(Self {
            container,
            items,
            settings,
        })
    }

    pub fn container(&self) -> &Container {
        &self.container
    }

    pub fn items(&self) -> &[ItemType] {
        &self.items
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Total number of cartons over all item types.
    pub fn total_quantity(&self) -> u64 {
        self.items.iter().map(|i| u64::from(i.quantity)).sum()
    }
}

/// One carton may weigh at most 1,000 t: keeps every weight sum far from u64 overflow.
pub const MAX_WEIGHT_G: u64 = 1_000_000_000;
/// Cartons per problem: the validator and the loading-order sort are quadratic in this.
pub const MAX_CARTONS: u64 = 100_000;

pub(crate) const AXIS_NAMES: [&str; 3] = ["length", "width", "height"];
const ITEM_AXIS_NAMES: [&str; 3] = ["length", "width", "height"];

/// Dimensions beyond ~2 million units per axis would overflow i64 volumes; reject them up front.
fn check_volume_fits_i64(name: &str, dims: [i64; 3]) -> Result<(), PlanError> {
    const MAX_AXIS: i64 = 2_000_000;
    if dims.iter().any(|&d| d > MAX_AXIS) {
        return Err(PlanError::DimensionTooLarge {
            id: name.to_string(),
            max: MAX_AXIS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;

    #[test]
    fn zero_and_negative_dimensions_are_rejected_with_the_field_named() {
        let c = presets::container_20gp();
        let err = Problem::new(
            c.clone(),
            vec![ItemType::new("A", [100, 0, 50], 1)],
            Settings::default(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            PlanError::NonPositiveItemDimension {
                index: 0,
                id: "A".into(),
                axis: "width",
                value: 0
            }
        );
        assert!(err.to_string().contains("width"));
        let err = Problem::new(
            c,
            vec![
                ItemType::new("ok", [1, 1, 1], 1),
                ItemType::new("neg", [100, 10, -5], 1),
            ],
            Settings::default(),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PlanError::NonPositiveItemDimension {
                index: 1,
                value: -5,
                ..
            }
        ));
        let err = Problem::new(
            Container::custom("box", [0, 10, 10], None),
            vec![],
            Settings::default(),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PlanError::NonPositiveContainerDimension { .. }
        ));
    }

    #[test]
    fn bad_settings_are_rejected() {
        let c = presets::container_20gp();
        let s = Settings {
            min_support_fraction: 0.0,
            ..Settings::default()
        };
        assert!(Problem::new(c.clone(), vec![], s).is_err());
        let s = Settings {
            cog_limits: CogLimits {
                longitudinal: (0.6, 0.4),
                lateral: (0.0, 1.0),
            },
            ..Settings::default()
        };
        assert!(Problem::new(c.clone(), vec![], s).is_err());
        let item = ItemType::new("x", [1, 1, 1], 1).with_vertical_allowed([false; 3]);
        assert!(Problem::new(c.clone(), vec![item], Settings::default()).is_err());
        let item = ItemType::new("x", [1, 1, 1], 1).with_stop(0);
        assert!(Problem::new(c.clone(), vec![item], Settings::default()).is_err());
        let item = ItemType::new("x", [1, 1, 1], 1).with_weight_g(MAX_WEIGHT_G + 1);
        assert!(matches!(
            Problem::new(c.clone(), vec![item], Settings::default()),
            Err(PlanError::WeightTooLarge { .. })
        ));
        let item = ItemType::new("x", [1, 1, 1], 100_001);
        assert!(matches!(
            Problem::new(c, vec![item], Settings::default()),
            Err(PlanError::TooManyCartons { .. })
        ));
    }

    #[test]
    fn this_side_up_allows_only_rotation_about_vertical() {
        let item = ItemType::new("tsu", [30, 20, 10], 1).this_side_up();
        let dims: Vec<[i64; 3]> = item
            .allowed_orientations()
            .map(|o| o.apply(item.dims))
            .collect();
        assert_eq!(dims, vec![[30, 20, 10], [20, 30, 10]]);
        let free = ItemType::new("free", [30, 20, 10], 1);
        assert_eq!(free.allowed_orientations().count(), 6);
    }
}
