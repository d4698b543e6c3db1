//! The few facts about a locale tag the checks need.

/// Parsed BCP 47 tag: language, script and region, as far as the checks need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale {
    /// Lower-case primary language: `de`, `en`, `zh`.
    pub lang: String,
    /// `Hans` / `Hant` for Chinese (inferred from the region when absent).
    pub script: Option<String>,
    /// Upper-case region: `DE`, `US`, `GB`, `TW`.
    pub region: Option<String>,
}

const EU_MEMBERS: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

impl Locale {
    pub fn parse(tag: &str) -> Locale {
        let mut parts = tag.split(['-', '_']).filter(|p| !p.is_empty());
        let lang = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut script = None;
        let mut region = None;
        for p in parts {
            if p.len() == 4 && p.chars().all(|c| c.is_ascii_alphabetic()) {
                let mut s = p.to_ascii_lowercase();
                if let Some(first) = s.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                script = Some(s);
            } else if (p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
                || (p.len() == 3 && p.chars().all(|c| c.is_ascii_digit()))
            {
                region = Some(p.to_ascii_uppercase());
            }
        }
        if lang == "zh" && script.is_none() {
            script = Some(
                match region.as_deref() {
                    Some("TW" | "HK" | "MO") => "Hant",
                    _ => "Hans",
                }
                .to_string(),
            );
        }
        Locale {
            lang,
            script,
            region,
        }
    }

    /// Does a lexicon entry's region list cover this locale? Locales without a region
    /// (`zh-Hant`) are covered by every list, so a check errs towards reporting.
    pub fn in_regions(&self, regions: &[String]) -> bool {
        if regions.is_empty() {
            return true;
        }
        let Some(r) = &self.region else { return true };
        regions
            .iter()
            .any(|x| x.eq_ignore_ascii_case(r) || (x == "EU" && EU_MEMBERS.contains(&r.as_str())))
    }

    pub fn uses_decimal_comma(&self) -> bool {
        matches!(
            self.lang.as_str(),
            "de" | "fr"
                | "es"
                | "it"
                | "nl"
                | "pt"
                | "pl"
                | "cs"
                | "sv"
                | "da"
                | "fi"
                | "nb"
                | "ru"
                | "tr"
        )
    }

    /// Buyers who expect imperial units next to metric ones.
    pub fn expects_imperial(&self) -> bool {
        matches!(self.region.as_deref(), Some("US" | "GB"))
    }

    pub fn is_cjk_language(&self) -> bool {
        matches!(self.lang.as_str(), "zh" | "ja" | "ko")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_tags() {
        let l = Locale::parse("de-DE");
        assert_eq!((l.lang.as_str(), l.region.as_deref()), ("de", Some("DE")));
        let z = Locale::parse("zh-Hant");
        assert_eq!(z.script.as_deref(), Some("Hant"));
        assert_eq!(Locale::parse("zh-TW").script.as_deref(), Some("Hant"));
        assert_eq!(Locale::parse("zh-CN").script.as_deref(), Some("Hans"));
        assert_eq!(Locale::parse("es-419").region.as_deref(), Some("419"));
    }

    #[test]
    fn eu_region_list() {
        let regions = vec!["EU".to_string()];
        assert!(Locale::parse("fr-FR").in_regions(&regions));
        assert!(!Locale::parse("en-US").in_regions(&regions));
        assert!(Locale::parse("ja").in_regions(&regions));
    }
}
