//! Offline Simplified ↔ Traditional Chinese conversion (OpenCC dictionaries embedded in
//! the `ferrous-opencc` crate; no files, no network).

use std::sync::OnceLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

static S2T: OnceLock<Option<OpenCC>> = OnceLock::new();
static T2S: OnceLock<Option<OpenCC>> = OnceLock::new();
static S2TW: OnceLock<Option<OpenCC>> = OnceLock::new();
static S2HK: OnceLock<Option<OpenCC>> = OnceLock::new();
static TW2S: OnceLock<Option<OpenCC>> = OnceLock::new();
static HK2S: OnceLock<Option<OpenCC>> = OnceLock::new();

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

/// For each char of `run`: does every regional standard write it differently in the
/// other script? `台` is Traditional in Taiwan and Hong Kong usage although OpenCC's
/// generic `s2t` maps it to `臺`, so a char counts as "wrong script" only when the
/// generic, Taiwan and Hong Kong conversions all change it. `None` when the
/// dictionaries failed to load or a conversion changed the char count.
pub(crate) fn wrong_script_chars(run: &str, want_traditional: bool) -> Option<Vec<bool>> {
    use BuiltinConfig as C;
    let configs: [(&'static OnceLock<Option<OpenCC>>, BuiltinConfig); 3] = if want_traditional {
        [(&S2T, C::S2t), (&S2TW, C::S2tw), (&S2HK, C::S2hk)]
    } else {
        [(&T2S, C::T2s), (&TW2S, C::Tw2s), (&HK2S, C::Hk2s)]
    };
    let original: Vec<char> = run.chars().collect();
    let mut changed = vec![true; original.len()];
    for (cell, config) in configs {
        let converted: Vec<char> = converter(cell, config)?.convert(run).chars().collect();
        if converted.len() != original.len() {
            return None;
        }
        for (flag, (a, b)) in changed.iter_mut().zip(original.iter().zip(&converted)) {
            *flag &= a != b;
        }
    }
    Some(changed)
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

    #[test]
    fn regional_traditional_forms_are_not_simplified() {
        let flags = wrong_script_chars("台灣檯燈吃麵这款", true).unwrap_or_default();
        assert_eq!(
            flags,
            vec![false, false, false, false, false, false, true, false]
        );
        let back = wrong_script_chars("这款產品", false).unwrap_or_default();
        assert_eq!(back, vec![false, false, true, false]); // 品 is the same in both
    }
}
