//! Language tags (a BCP 47 subset) and the user-interface languages tradelane ships.

use crate::error::DomainError;
use crate::text::excerpt;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// A language tag: language (2-3 letters), optional script (4 letters), optional region (2 letters or 3 digits).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locale(String);

impl Locale {
    /// Parses and normalises case: "zh-cn" -> "zh-CN", "ZH_hant_tw" -> "zh-Hant-TW", "es-419" stays.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let trimmed = text.trim();
        let invalid = || DomainError::InvalidLocale(excerpt(trimmed));
        let mut subtags = trimmed.split(['-', '_']);
        let language = subtags.next().unwrap_or_default();
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic())
        {
            return Err(invalid());
        }
        let mut tag = language.to_ascii_lowercase();
        let mut seen_script = false;
        let mut seen_region = false;
        for subtag in subtags {
            let alpha = subtag.bytes().all(|b| b.is_ascii_alphabetic());
            let digits = subtag.bytes().all(|b| b.is_ascii_digit());
            match subtag.len() {
                4 if alpha && !seen_script && !seen_region => {
                    seen_script = true;
                    tag.push('-');
                    tag.push_str(&subtag[..1].to_ascii_uppercase());
                    tag.push_str(&subtag[1..].to_ascii_lowercase());
                }
                2 if alpha && !seen_region => {
                    seen_region = true;
                    tag.push('-');
                    tag.push_str(&subtag.to_ascii_uppercase());
                }
                3 if digits && !seen_region => {
                    seen_region = true;
                    tag.push('-');
                    tag.push_str(subtag);
                }
                _ => return Err(invalid()),
            }
        }
        Ok(Locale(tag))
    }

    /// The normalised tag, e.g. "zh-Hant-TW".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language subtag, e.g. "zh".
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }

    /// The script subtag, e.g. "Hant".
    pub fn script(&self) -> Option<&str> {
        self.0.split('-').skip(1).find(|s| s.len() == 4)
    }

    /// The region subtag, e.g. "TW" or "419".
    pub fn region(&self) -> Option<&str> {
        self.0
            .split('-')
            .skip(1)
            .find(|s| s.len() == 2 || s.len() == 3)
    }
}

impl fmt::Debug for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Locale({})", self.0)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Locale {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::parse(s)
    }
}

impl Serialize for Locale {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Locale::parse(&text).map_err(de::Error::custom)
    }
}

/// A language the web interface is translated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum UiLang {
    /// English, the default.
    #[default]
    En,
    /// Simplified Chinese (mainland China).
    ZhCn,
}

impl UiLang {
    /// Every interface language, default first.
    pub fn all() -> [UiLang; 2] {
        [UiLang::En, UiLang::ZhCn]
    }

    /// The tag used in URLs, cookies and message catalogues: "en" or "zh-CN".
    pub fn code(&self) -> &'static str {
        match self {
            UiLang::En => "en",
            UiLang::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, for a language switcher: "English", "简体中文".
    pub fn native_name(&self) -> &'static str {
        match self {
            UiLang::En => "English",
            UiLang::ZhCn => "简体中文",
        }
    }

    /// The same language as a `Locale`.
    pub fn locale(&self) -> Locale {
        Locale(self.code().to_string())
    }

    /// Parses "en", "en-US", "zh", "zh-CN", "zh-Hans", "zh-SG"; traditional Chinese (zh-TW, zh-Hant) is refused.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let locale = Locale::parse(text)?;
        match locale.language() {
            "en" => Ok(UiLang::En),
            "zh" if !is_traditional(&locale) => Ok(UiLang::ZhCn),
            _ => Err(DomainError::UnsupportedUiLang(locale.as_str().to_string())),
        }
    }

    /// Picks the interface language from an HTTP Accept-Language header: highest q wins, earlier wins ties, default En.
    ///
    /// Any Chinese variant counts for zh-CN (a traditional-Chinese reader is better served by simplified
    /// Chinese than by English); q=0 excludes a language; "*" stands for English.
    pub fn from_accept_language(header: &str) -> UiLang {
        // Headers are short in practice; bounding the work protects against pathological input.
        const MAX_ENTRIES: usize = 32;
        let mut best: Option<(u16, UiLang)> = None;
        for entry in header.split(',').take(MAX_ENTRIES) {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let mut quality = Some(1000);
            for param in parts {
                if let Some((key, value)) = param.split_once('=')
                    && key.trim().eq_ignore_ascii_case("q")
                {
                    quality = parse_quality(value.trim());
                }
            }
            let Some(q) = quality.filter(|q| *q > 0) else {
                continue;
            };
            let lang = if tag == "*" {
                Some(UiLang::En)
            } else {
                // Only the language subtag matters here, so extensions such as "-u-ca-gregory" are harmless.
                let language = tag.split(['-', '_']).next().unwrap_or_default();
                if language.eq_ignore_ascii_case("en") {
                    Some(UiLang::En)
                } else if language.eq_ignore_ascii_case("zh") {
                    Some(UiLang::ZhCn)
                } else {
                    None
                }
            };
            if let Some(lang) = lang
                && best.is_none_or(|(best_q, _)| q > best_q)
            {
                best = Some((q, lang));
            }
        }
        best.map_or(UiLang::En, |(_, lang)| lang)
    }
}

fn is_traditional(locale: &Locale) -> bool {
    match locale.script() {
        Some(script) => script == "Hant",
        None => matches!(locale.region(), Some("TW" | "HK" | "MO")),
    }
}

/// Parses an HTTP quality value ("1", "0.8", "0.001") into thousandths; None when malformed.
fn parse_quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction_value: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(fraction_value),
        "1" if fraction_value == 0 => Some(1000),
        _ => None,
    }
}

impl fmt::Display for UiLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for UiLang {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UiLang::parse(s)
    }
}

impl Serialize for UiLang {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for UiLang {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        UiLang::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_normalises_case_and_separators() {
        let cases = [
            ("en", "en"),
            ("EN", "en"),
            ("zh-cn", "zh-CN"),
            ("zh_CN", "zh-CN"),
            ("zh-hant", "zh-Hant"),
            ("ZH_hant_tw", "zh-Hant-TW"),
            ("es-419", "es-419"),
            (" fil-PH ", "fil-PH"),
            ("sr-latn-rs", "sr-Latn-RS"),
        ];
        for (text, normal) in cases {
            assert_eq!(Locale::parse(text).unwrap().as_str(), normal, "{text}");
        }
    }

    #[test]
    fn locale_parts() {
        let l = Locale::parse("zh-Hant-TW").unwrap();
        assert_eq!(
            (l.language(), l.script(), l.region()),
            ("zh", Some("Hant"), Some("TW"))
        );
        let l = Locale::parse("es-419").unwrap();
        assert_eq!(
            (l.language(), l.script(), l.region()),
            ("es", None, Some("419"))
        );
        let l = Locale::parse("de").unwrap();
        assert_eq!((l.script(), l.region()), (None, None));
    }

    #[test]
    fn locale_rejects_outside_the_subset() {
        for bad in [
            "",
            "e",
            "english",
            "12",
            "zh-",
            "-CN",
            "zh--CN",
            "zh-CN-x",
            "zh-Hant-Hans",
            "en-US-GB",
            "zh-CN-Hant",
            "en-1234",
            "en-U1",
            "zh-CN; DROP",
            "en US",
            "zh-\u{0}",
            "中文",
            "en-US-u-ca-gregory",
        ] {
            assert!(Locale::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let err = Locale::parse(&"a-".repeat(10_000)).unwrap_err().to_string();
        assert!(err.len() < 300);
    }

    #[test]
    fn locale_serde() {
        let l = Locale::parse("pt-br").unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"pt-BR\"");
        assert_eq!(serde_json::from_str::<Locale>("\"pt_br\"").unwrap(), l);
        assert!(serde_json::from_str::<Locale>("\"portuguese\"").is_err());
    }

    #[test]
    fn ui_lang_codes_and_parse() {
        assert_eq!(UiLang::all().map(|l| l.code()), ["en", "zh-CN"]);
        assert_eq!(UiLang::default(), UiLang::En);
        for text in ["en", "EN", "en-US", "en-GB", "en_gb"] {
            assert_eq!(UiLang::parse(text).unwrap(), UiLang::En, "{text}");
        }
        for text in [
            "zh",
            "zh-CN",
            "zh-cn",
            "zh-Hans",
            "zh-Hans-CN",
            "zh-SG",
            "zh-Hans-HK",
        ] {
            assert_eq!(UiLang::parse(text).unwrap(), UiLang::ZhCn, "{text}");
        }
        for bad in ["fr", "de-DE", "zh-TW", "zh-Hant", "zh-HK", ""] {
            assert!(UiLang::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            UiLang::parse("fr").unwrap_err(),
            DomainError::UnsupportedUiLang("fr".into())
        );
        assert_eq!(UiLang::ZhCn.locale().as_str(), "zh-CN");
        assert_eq!(serde_json::to_string(&UiLang::ZhCn).unwrap(), "\"zh-CN\"");
        assert_eq!(
            serde_json::from_str::<UiLang>("\"zh-cn\"").unwrap(),
            UiLang::ZhCn
        );
    }

    #[test]
    fn accept_language_negotiation() {
        let cases = [
            ("zh-CN,zh;q=0.9,en;q=0.8", UiLang::ZhCn),
            ("en-US,en;q=0.9,zh-CN;q=0.8", UiLang::En),
            ("fr-FR,fr;q=0.9", UiLang::En),
            ("fr, zh;q=0.5", UiLang::ZhCn),
            ("fr, zh;q=0.5, en;q=0.4", UiLang::ZhCn),
            ("en;q=0.1, zh;q=0.2", UiLang::ZhCn),
            ("zh;q=0, en;q=0.1", UiLang::En),
            ("zh;q=0", UiLang::En),
            ("zh-TW", UiLang::ZhCn),
            ("", UiLang::En),
            ("*", UiLang::En),
            ("*;q=0.5, zh;q=0.6", UiLang::ZhCn),
            ("en;q=0.8, zh;q=0.8", UiLang::En),
            ("zh;q=0.8, en;q=0.8", UiLang::ZhCn),
            ("zh;q=2, en;q=0.5", UiLang::En),
            ("zh;q=abc", UiLang::En),
            ("zh;q=0.9999", UiLang::En),
            ("ZH-cn ; Q=0.7", UiLang::ZhCn),
            (";;;,,,=", UiLang::En),
            ("en-US-u-ca-gregory;q=0.9, zh;q=0.5", UiLang::En),
            ("de, zh-Hant-TW-x-private;q=0.5", UiLang::ZhCn),
        ];
        for (header, expected) in cases {
            assert_eq!(UiLang::from_accept_language(header), expected, "{header:?}");
        }
        let huge = "xx;q=0.1,".repeat(100_000) + "zh";
        assert_eq!(
            UiLang::from_accept_language(&huge),
            UiLang::En,
            "only the first entries are considered"
        );
    }

    #[test]
    fn quality_values() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("0.001"), Some(1));
        assert_eq!(parse_quality("0"), Some(0));
        for bad in ["", "1.1", "2", "0.0001", "-1", ".5", "0.5x", "1e0"] {
            assert_eq!(parse_quality(bad), None, "{bad:?}");
        }
    }
}
