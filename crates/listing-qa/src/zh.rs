//! Offline Simplified ↔ Traditional Chinese conversion (OpenCC dictionaries embedded in
//! the `ferrous-opencc` crate; no files, no network).

use std::sync::OnceLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

static S2T: OnceLock<Option<OpenCC>> = OnceLock::new();
static T2S: OnceLock<Option<OpenCC>> = OnceLock::new();

fn converter(
    cell: &'static OnceLock<Option<OpenCC>>,
    config: BuiltinConfig,
) -> Option<&'static OpenCC> {
    cell.get_or_init(|| OpenCC::from_config(config).ok())
        .as_ref()
}

/// Simplified → Traditional (OpenCC `s2t`, character and phrase level, no regional
/// vocabulary changes). `None` only if the embedded dictionaries failed to load.
pub fn to_traditional(text: &str) -> Option<String> {
    converter(&S2T, BuiltinConfig::S2t).map(|c| c.convert(text))
}

/// Traditional → Simplified (OpenCC `t2s`).
pub fn to_simplified(text: &str) -> Option<String> {
    converter(&T2S, BuiltinConfig::T2s).map(|c| c.convert(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_common_listing_words() {
        assert_eq!(
            to_traditional("无线鼠标，静音设计").as_deref(),
            Some("無線鼠標，靜音設計")
        );
        assert_eq!(
            to_simplified("無線鼠標，靜音設計").as_deref(),
            Some("无线鼠标，静音设计")
        );
        assert_eq!(to_traditional("USB-C 🙂").as_deref(), Some("USB-C 🙂"));
    }
}
