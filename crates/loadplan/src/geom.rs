//! Integer axis-aligned boxes.

/// Half-open box `[lo, hi)` on each axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aabb {
    pub lo: [i64; 3],
    pub hi: [i64; 3],
}

impl Aabb {
    pub fn new(lo: [i64; 3], size: [i64; 3]) -> Self {
        Self {
            lo,
            // Saturating: the validator may be handed arbitrary (deserialised) placements.
            hi: [
                lo[0].saturating_add(size[0]),
                lo[1].saturating_add(size[1]),
                lo[2].saturating_add(size[2]),
            ],
        }
    }

    pub fn size(&self) -> [i64; 3] {
        [
            self.hi[0].saturating_sub(self.lo[0]),
            self.hi[1].saturating_sub(self.lo[1]),
            self.hi[2].saturating_sub(self.lo[2]),
        ]
    }

    pub fn volume(&self) -> i64 {
        let s = self.size();
        s[0].saturating_mul(s[1]).saturating_mul(s[2])
    }

    pub fn is_empty(&self) -> bool {
        (0..3).any(|k| self.hi[k] <= self.lo[k])
    }

    /// Interiors intersect (touching faces do not count).
    pub fn overlaps(&self, o: &Aabb) -> bool {
        (0..3).all(|k| self.lo[k] < o.hi[k] && o.lo[k] < self.hi[k])
    }

    pub fn contains(&self, o: &Aabb) -> bool {
        (0..3).all(|k| self.lo[k] <= o.lo[k] && o.hi[k] <= self.hi[k])
    }

    /// Overlap length on one axis (0 when apart).
    pub fn overlap_on(&self, o: &Aabb, k: usize) -> i64 {
        self.hi[k]
            .min(o.hi[k])
            .saturating_sub(self.lo[k].max(o.lo[k]))
            .max(0)
    }

    /// Area of the overlap of the two footprints (x, y).
    pub fn footprint_overlap(&self, o: &Aabb) -> i64 {
        self.overlap_on(o, 0).saturating_mul(self.overlap_on(o, 1))
    }

    pub fn base_area(&self) -> i64 {
        let s = self.size();
        s[0].saturating_mul(s[1])
    }
}
