//! Size limits checked before any parsing work is done.

use crate::error::ReadError;

/// Limits on what an import accepts. The defaults fit a catalogue of a small seller many times
/// over while keeping memory bounded on a small self-hosted machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportLimits {
    pub max_bytes: u64,
    pub max_rows: usize,
}

impl ImportLimits {
    pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;
    pub const DEFAULT_MAX_ROWS: usize = 1_000_000;

    pub fn check_bytes(&self, len: usize) -> Result<(), ReadError> {
        let actual = len as u64;
        if actual > self.max_bytes {
            return Err(ReadError::TooLarge {
                actual,
                max: self.max_bytes,
            });
        }
        Ok(())
    }
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_rows: Self::DEFAULT_MAX_ROWS,
        }
    }
}
