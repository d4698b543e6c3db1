//! Country names accepted in place of ISO codes, as a documented convenience for spreadsheets
//! typed by hand: the common Chinese names (中国, 美国 …) and the English short names.
//! Codes remain the canonical form; exports always write the two-letter code.

use tradelane_domain::Country;

/// Chinese names of the countries sellers ship from and to most often.
const CHINESE_NAMES: &[(&str, &str)] = &[
    ("中国", "CN"),
    ("中国大陆", "CN"),
    ("中华人民共和国", "CN"),
    ("美国", "US"),
    ("美利坚合众国", "US"),
    ("德国", "DE"),
    ("英国", "GB"),
    ("日本", "JP"),
    ("法国", "FR"),
    ("意大利", "IT"),
    ("西班牙", "ES"),
    ("加拿大", "CA"),
    ("澳大利亚", "AU"),
    ("澳洲", "AU"),
    ("新西兰", "NZ"),
    ("墨西哥", "MX"),
    ("巴西", "BR"),
    ("印度", "IN"),
    ("越南", "VN"),
    ("韩国", "KR"),
    ("新加坡", "SG"),
    ("马来西亚", "MY"),
    ("泰国", "TH"),
    ("印度尼西亚", "ID"),
    ("印尼", "ID"),
    ("菲律宾", "PH"),
    ("柬埔寨", "KH"),
    ("孟加拉国", "BD"),
    ("巴基斯坦", "PK"),
    ("土耳其", "TR"),
    ("荷兰", "NL"),
    ("比利时", "BE"),
    ("波兰", "PL"),
    ("瑞典", "SE"),
    ("瑞士", "CH"),
    ("奥地利", "AT"),
    ("爱尔兰", "IE"),
    ("葡萄牙", "PT"),
    ("丹麦", "DK"),
    ("芬兰", "FI"),
    ("挪威", "NO"),
    ("捷克", "CZ"),
    ("匈牙利", "HU"),
    ("罗马尼亚", "RO"),
    ("希腊", "GR"),
    ("俄罗斯", "RU"),
    ("乌克兰", "UA"),
    ("以色列", "IL"),
    ("沙特阿拉伯", "SA"),
    ("沙特", "SA"),
    ("阿联酋", "AE"),
    ("阿拉伯联合酋长国", "AE"),
    ("南非", "ZA"),
    ("埃及", "EG"),
    ("智利", "CL"),
    ("阿根廷", "AR"),
    ("哥伦比亚", "CO"),
    ("秘鲁", "PE"),
    ("中国香港", "HK"),
    ("香港", "HK"),
    ("中国台湾", "TW"),
    ("台湾", "TW"),
    ("中国澳门", "MO"),
    ("澳门", "MO"),
];

/// English names that differ from the ISO short name but are what people type.
const ENGLISH_ALIASES: &[(&str, &str)] = &[
    ("china", "CN"),
    ("mainland china", "CN"),
    ("prc", "CN"),
    ("united states", "US"),
    ("united states of america", "US"),
    ("usa", "US"),
    ("u.s.a.", "US"),
    ("u.s.", "US"),
    ("america", "US"),
    ("united kingdom", "GB"),
    ("uk", "GB"),
    ("great britain", "GB"),
    ("england", "GB"),
    ("south korea", "KR"),
    ("korea", "KR"),
    ("vietnam", "VN"),
    ("viet nam", "VN"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("türkiye", "TR"),
    ("russia", "RU"),
    ("taiwan", "TW"),
    ("hong kong", "HK"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("uae", "AE"),
    ("holland", "NL"),
    ("the netherlands", "NL"),
];

/// A country from an ISO alpha-2 code, a common Chinese name or an English name.
pub fn parse_country(text: &str) -> Option<Country> {
    let trimmed = text.trim();
    if let Ok(country) = Country::parse(trimmed) {
        return Some(country);
    }
    if let Some((_, code)) = CHINESE_NAMES.iter().find(|(name, _)| *name == trimmed) {
        return Country::parse(code).ok();
    }
    let lower = trimmed.to_lowercase();
    if let Some((_, code)) = ENGLISH_ALIASES.iter().find(|(name, _)| *name == lower) {
        return Country::parse(code).ok();
    }
    Country::all().find(|c| c.name_en().eq_ignore_ascii_case(trimmed))
}

/// A country named inside a header key (already lowercased, spaces removed): a two-letter
/// code or a name.
pub(crate) fn country_in_key(key: &str) -> Option<Country> {
    if key.len() == 2 && key.bytes().all(|b| b.is_ascii_alphabetic()) {
        return if key == "uk" {
            Country::parse("GB").ok()
        } else {
            Country::parse(key).ok()
        };
    }
    if let Some((_, code)) = CHINESE_NAMES.iter().find(|(name, _)| *name == key) {
        return Country::parse(code).ok();
    }
    if let Some((_, code)) = ENGLISH_ALIASES
        .iter()
        .find(|(name, _)| name.replace(' ', "") == key)
    {
        return Country::parse(code).ok();
    }
    Country::all().find(|c| {
        c.name_en()
            .chars()
            .filter(|ch| ch.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .eq(key.chars())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<&'static str> {
        parse_country(text).map(|c| c.code())
    }

    #[test]
    fn codes_and_names_are_accepted() {
        assert_eq!(code("cn"), Some("CN"));
        assert_eq!(code(" DE "), Some("DE"));
        assert_eq!(code("中国"), Some("CN"));
        assert_eq!(code("美国"), Some("US"));
        assert_eq!(code("德国"), Some("DE"));
        assert_eq!(code("英国"), Some("GB"));
        assert_eq!(code("日本"), Some("JP"));
        assert_eq!(code("China"), Some("CN"));
        assert_eq!(code("United Kingdom"), Some("GB"));
        assert_eq!(code("germany"), Some("DE"));
    }

    #[test]
    fn unknown_names_are_refused() {
        assert_eq!(code("Atlantis"), None);
        assert_eq!(code("XX"), None);
        assert_eq!(code(""), None);
        assert_eq!(code("中"), None);
    }

    #[test]
    fn every_table_entry_is_an_assigned_code() {
        for (name, c) in CHINESE_NAMES.iter().chain(ENGLISH_ALIASES) {
            assert!(Country::parse(c).is_ok(), "{name} -> {c}");
        }
    }

    #[test]
    fn countries_in_header_keys() {
        assert_eq!(country_in_key("us").map(|c| c.code()), Some("US"));
        assert_eq!(country_in_key("uk").map(|c| c.code()), Some("GB"));
        assert_eq!(country_in_key("美国").map(|c| c.code()), Some("US"));
        assert_eq!(country_in_key("unitedstates").map(|c| c.code()), Some("US"));
        assert_eq!(country_in_key("germany").map(|c| c.code()), Some("DE"));
        assert_eq!(country_in_key("code"), None);
    }
}
