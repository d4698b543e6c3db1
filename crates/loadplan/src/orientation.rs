//! The six axis-aligned orientations of a box.

use serde::{Deserialize, Serialize};

/// An orientation maps the item's labelled (length, width, height) onto container axes (x, y, z).
/// `perm[k]` is the index of the item dimension that lies along container axis k.
/// Ids 0 and 1 keep the labelled height vertical ("this side up").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Orientation {
    pub id: u8,
    perm: [usize; 3],
}

pub const ORIENTATIONS: [Orientation; 6] = [
    Orientation {
        id: 0,
        perm: [0, 1, 2],
    },
    Orientation {
        id: 1,
        perm: [1, 0, 2],
    },
    Orientation {
        id: 2,
        perm: [0, 2, 1],
    },
    Orientation {
        id: 3,
        perm: [2, 0, 1],
    },
    Orientation {
        id: 4,
        perm: [1, 2, 0],
    },
    Orientation {
        id: 5,
        perm: [2, 1, 0],
    },
];

impl Orientation {
    pub fn from_id(id: u8) -> Option<Self> {
        ORIENTATIONS.get(usize::from(id)).copied()
    }

    /// Dimensions along (x, y, z) of an item with labelled `dims` in this orientation.
    pub fn apply(&self, dims: [i64; 3]) -> [i64; 3] {
        [dims[self.perm[0]], dims[self.perm[1]], dims[self.perm[2]]]
    }

    /// Index of the labelled dimension that stands vertically.
    pub fn vertical_source(&self) -> usize {
        self.perm[2]
    }
}
