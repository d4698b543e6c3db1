use thiserror::Error;

/// Why a problem was rejected before planning.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlanError {
    #[error("container {container:?}: inner {axis} must be > 0, got {value}")]
    NonPositiveContainerDimension {
        container: String,
        axis: &'static str,
        value: i64,
    },
    #[error("item #{index} ({id:?}): {axis} must be > 0, got {value}")]
    NonPositiveItemDimension {
        index: usize,
        id: String,
        axis: &'static str,
        value: i64,
    },
    #[error("{id:?}: a dimension exceeds the supported maximum of {max} length units")]
    DimensionTooLarge { id: String, max: i64 },
    #[error("item #{index} ({id:?}): no dimension is allowed to stand vertically")]
    NoOrientationAllowed { index: usize, id: String },
    #[error("item #{index} ({id:?}): delivery stop must be >= 1 (1 = first drop), got 0")]
    ZeroStop { index: usize, id: String },
    #[error("min_support_fraction must be in (0, 1], got {value}")]
    BadSupportFraction { value: f64 },
    #[error("centre-of-gravity {axis} limits must be finite with low <= high, got ({low}, {high})")]
    BadCogLimits {
        axis: &'static str,
        low: f64,
        high: f64,
    },
    #[error("item #{index} ({id:?}): weight {value} g exceeds the supported maximum of {max} g")]
    WeightTooLarge {
        index: usize,
        id: String,
        value: u64,
        max: u64,
    },
    #[error("{total} cartons in one problem; at most {max} are supported")]
    TooManyCartons { total: u64, max: u64 },
    #[error("line {line}: {message}")]
    Parse { line: usize, message: String },
}
