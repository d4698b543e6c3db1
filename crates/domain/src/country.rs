//! Countries (ISO 3166-1 alpha-2) and the subdivisions tradelane needs for sales tax (US states, Canadian provinces).

use crate::error::DomainError;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// An assigned ISO 3166-1 alpha-2 country code; ordered alphabetically by code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country(u8);

const fn index_of(code: &str) -> u8 {
    let wanted = code.as_bytes();
    let mut i = 0;
    while i < COUNTRIES.len() {
        let have = COUNTRIES[i].0.as_bytes();
        if have[0] == wanted[0] && have[1] == wanted[1] {
            return i as u8;
        }
        i += 1;
    }
    panic!("country constant missing from the table")
}

macro_rules! countries {
    ($($code:ident $name:literal,)*) => {
        /// (alpha-2 code, English short name), sorted by code. Facts: ISO 3166-1 officially assigned codes.
        const COUNTRIES: &[(&str, &str)] = &[$((stringify!($code), $name),)*];
        impl Country {
            $(
                #[doc = concat!($name, " (", stringify!($code), ").")]
                pub const $code: Country = Country(index_of(stringify!($code)));
            )*
        }
    };
}

countries! {
    AD "Andorra", AE "United Arab Emirates", AF "Afghanistan", AG "Antigua and Barbuda", AI "Anguilla",
    AL "Albania", AM "Armenia", AO "Angola", AQ "Antarctica", AR "Argentina", AS "American Samoa",
    AT "Austria", AU "Australia", AW "Aruba", AX "Åland Islands", AZ "Azerbaijan",
    BA "Bosnia and Herzegovina", BB "Barbados", BD "Bangladesh", BE "Belgium", BF "Burkina Faso",
    BG "Bulgaria", BH "Bahrain", BI "Burundi", BJ "Benin", BL "Saint Barthélemy", BM "Bermuda",
    BN "Brunei Darussalam", BO "Bolivia", BQ "Bonaire, Sint Eustatius and Saba", BR "Brazil",
    BS "Bahamas", BT "Bhutan", BV "Bouvet Island", BW "Botswana", BY "Belarus", BZ "Belize",
    CA "Canada", CC "Cocos (Keeling) Islands", CD "Congo (Democratic Republic)",
    CF "Central African Republic", CG "Congo", CH "Switzerland", CI "Côte d'Ivoire", CK "Cook Islands",
    CL "Chile", CM "Cameroon", CN "China", CO "Colombia", CR "Costa Rica", CU "Cuba", CV "Cabo Verde",
    CW "Curaçao", CX "Christmas Island", CY "Cyprus", CZ "Czechia",
    DE "Germany", DJ "Djibouti", DK "Denmark", DM "Dominica", DO "Dominican Republic", DZ "Algeria",
    EC "Ecuador", EE "Estonia", EG "Egypt", EH "Western Sahara", ER "Eritrea", ES "Spain", ET "Ethiopia",
    FI "Finland", FJ "Fiji", FK "Falkland Islands (Malvinas)", FM "Micronesia", FO "Faroe Islands",
    FR "France",
    GA "Gabon", GB "United Kingdom", GD "Grenada", GE "Georgia", GF "French Guiana", GG "Guernsey",
    GH "Ghana", GI "Gibraltar", GL "Greenland", GM "Gambia", GN "Guinea", GP "Guadeloupe",
    GQ "Equatorial Guinea", GR "Greece", GS "South Georgia and the South Sandwich Islands",
    GT "Guatemala", GU "Guam", GW "Guinea-Bissau", GY "Guyana",
    HK "Hong Kong", HM "Heard Island and McDonald Islands", HN "Honduras", HR "Croatia", HT "Haiti",
    HU "Hungary",
    ID "Indonesia", IE "Ireland", IL "Israel", IM "Isle of Man", IN "India",
    IO "British Indian Ocean Territory", IQ "Iraq", IR "Iran", IS "Iceland", IT "Italy",
    JE "Jersey", JM "Jamaica", JO "Jordan", JP "Japan",
    KE "Kenya", KG "Kyrgyzstan", KH "Cambodia", KI "Kiribati", KM "Comoros", KN "Saint Kitts and Nevis",
    KP "Korea (Democratic People's Republic)", KR "Korea (Republic)", KW "Kuwait", KY "Cayman Islands",
    KZ "Kazakhstan",
    LA "Lao People's Democratic Republic", LB "Lebanon", LC "Saint Lucia", LI "Liechtenstein",
    LK "Sri Lanka", LR "Liberia", LS "Lesotho", LT "Lithuania", LU "Luxembourg", LV "Latvia", LY "Libya",
    MA "Morocco", MC "Monaco", MD "Moldova", ME "Montenegro", MF "Saint Martin (French part)",
    MG "Madagascar", MH "Marshall Islands", MK "North Macedonia", ML "Mali", MM "Myanmar", MN "Mongolia",
    MO "Macao", MP "Northern Mariana Islands", MQ "Martinique", MR "Mauritania", MS "Montserrat",
    MT "Malta", MU "Mauritius", MV "Maldives", MW "Malawi", MX "Mexico", MY "Malaysia", MZ "Mozambique",
    NA "Namibia", NC "New Caledonia", NE "Niger", NF "Norfolk Island", NG "Nigeria", NI "Nicaragua",
    NL "Netherlands", NO "Norway", NP "Nepal", NR "Nauru", NU "Niue", NZ "New Zealand",
    OM "Oman",
    PA "Panama", PE "Peru", PF "French Polynesia", PG "Papua New Guinea", PH "Philippines",
    PK "Pakistan", PL "Poland", PM "Saint Pierre and Miquelon", PN "Pitcairn", PR "Puerto Rico",
    PS "Palestine, State of", PT "Portugal", PW "Palau", PY "Paraguay",
    QA "Qatar",
    RE "Réunion", RO "Romania", RS "Serbia", RU "Russian Federation", RW "Rwanda",
    SA "Saudi Arabia", SB "Solomon Islands", SC "Seychelles", SD "Sudan", SE "Sweden", SG "Singapore",
    SH "Saint Helena, Ascension and Tristan da Cunha", SI "Slovenia", SJ "Svalbard and Jan Mayen",
    SK "Slovakia", SL "Sierra Leone", SM "San Marino", SN "Senegal", SO "Somalia", SR "Suriname",
    SS "South Sudan", ST "Sao Tome and Principe", SV "El Salvador", SX "Sint Maarten (Dutch part)",
    SY "Syrian Arab Republic", SZ "Eswatini",
    TC "Turks and Caicos Islands", TD "Chad", TF "French Southern Territories", TG "Togo",
    TH "Thailand", TJ "Tajikistan", TK "Tokelau", TL "Timor-Leste", TM "Turkmenistan", TN "Tunisia",
    TO "Tonga", TR "Türkiye", TT "Trinidad and Tobago", TV "Tuvalu", TW "Taiwan", TZ "Tanzania",
    UA "Ukraine", UG "Uganda", UM "United States Minor Outlying Islands", US "United States",
    UY "Uruguay", UZ "Uzbekistan",
    VA "Holy See", VC "Saint Vincent and the Grenadines", VE "Venezuela", VG "Virgin Islands (British)",
    VI "Virgin Islands (U.S.)", VN "Viet Nam", VU "Vanuatu",
    WF "Wallis and Futuna", WS "Samoa",
    YE "Yemen", YT "Mayotte",
    ZA "South Africa", ZM "Zambia", ZW "Zimbabwe",
}

/// The 27 member states of the European Union (as of 2026).
pub const EU_MEMBERS: [Country; 27] = [
    Country::AT,
    Country::BE,
    Country::BG,
    Country::CY,
    Country::CZ,
    Country::DE,
    Country::DK,
    Country::EE,
    Country::ES,
    Country::FI,
    Country::FR,
    Country::GR,
    Country::HR,
    Country::HU,
    Country::IE,
    Country::IT,
    Country::LT,
    Country::LU,
    Country::LV,
    Country::MT,
    Country::NL,
    Country::PL,
    Country::PT,
    Country::RO,
    Country::SE,
    Country::SI,
    Country::SK,
];

impl Country {
    /// Parses an alpha-2 code, ignoring surrounding whitespace and letter case ("de" -> DE).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let code = text.trim();
        let upper = code.to_ascii_uppercase();
        if upper.len() == 2
            && let Ok(i) = COUNTRIES.binary_search_by(|(c, _)| (*c).cmp(upper.as_str()))
        {
            // The table has fewer than 256 entries (checked by a test).
            return Ok(Country(i as u8));
        }
        Err(DomainError::UnknownCountry(crate::text::excerpt(code)))
    }

    /// The two-letter code, e.g. "DE".
    pub fn code(&self) -> &'static str {
        COUNTRIES[usize::from(self.0)].0
    }

    /// The English short name, e.g. "Germany".
    pub fn name_en(&self) -> &'static str {
        COUNTRIES[usize::from(self.0)].1
    }

    /// True for the 27 EU member states.
    pub fn is_eu_member(&self) -> bool {
        EU_MEMBERS.contains(self)
    }

    /// Every assigned country, in code order.
    pub fn all() -> impl Iterator<Item = Country> {
        (0..COUNTRIES.len()).map(|i| Country(i as u8))
    }
}

/// A short explanation for an unknown country code, used in error messages.
pub(crate) fn country_hint(text: &str) -> String {
    let hint = match text.trim().to_ascii_uppercase().as_str() {
        "UK" => "use GB for the United Kingdom (ISO 3166-1)",
        "EL" => "use GR for Greece (EL is the EU's own abbreviation)",
        "EU" => "the European Union is not a country: use a member state such as DE or FR",
        "XK" => {
            "Kosovo has no assigned ISO 3166-1 code; XK is a user-assigned code and is not accepted"
        }
        "USA" => "use the two-letter code US",
        "CHN" | "PRC" => "use the two-letter code CN",
        "GBR" => "use the two-letter code GB",
        "DEU" | "GER" => "use the two-letter code DE",
        _ => "expected an ISO 3166-1 alpha-2 code such as DE, US, CN",
    };
    hint.to_string()
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Country {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Country::parse(s)
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Country::parse(&text).map_err(de::Error::custom)
    }
}

/// (ISO 3166-2 code, English name). Facts: ISO 3166-2:US (50 states, DC, 5 inhabited territories) and ISO 3166-2:CA.
const SUBDIVISIONS: &[(&str, &str)] = &[
    ("CA-AB", "Alberta"),
    ("CA-BC", "British Columbia"),
    ("CA-MB", "Manitoba"),
    ("CA-NB", "New Brunswick"),
    ("CA-NL", "Newfoundland and Labrador"),
    ("CA-NS", "Nova Scotia"),
    ("CA-NT", "Northwest Territories"),
    ("CA-NU", "Nunavut"),
    ("CA-ON", "Ontario"),
    ("CA-PE", "Prince Edward Island"),
    ("CA-QC", "Quebec"),
    ("CA-SK", "Saskatchewan"),
    ("CA-YT", "Yukon"),
    ("US-AK", "Alaska"),
    ("US-AL", "Alabama"),
    ("US-AR", "Arkansas"),
    ("US-AS", "American Samoa"),
    ("US-AZ", "Arizona"),
    ("US-CA", "California"),
    ("US-CO", "Colorado"),
    ("US-CT", "Connecticut"),
    ("US-DC", "District of Columbia"),
    ("US-DE", "Delaware"),
    ("US-FL", "Florida"),
    ("US-GA", "Georgia"),
    ("US-GU", "Guam"),
    ("US-HI", "Hawaii"),
    ("US-IA", "Iowa"),
    ("US-ID", "Idaho"),
    ("US-IL", "Illinois"),
    ("US-IN", "Indiana"),
    ("US-KS", "Kansas"),
    ("US-KY", "Kentucky"),
    ("US-LA", "Louisiana"),
    ("US-MA", "Massachusetts"),
    ("US-MD", "Maryland"),
    ("US-ME", "Maine"),
    ("US-MI", "Michigan"),
    ("US-MN", "Minnesota"),
    ("US-MO", "Missouri"),
    ("US-MP", "Northern Mariana Islands"),
    ("US-MS", "Mississippi"),
    ("US-MT", "Montana"),
    ("US-NC", "North Carolina"),
    ("US-ND", "North Dakota"),
    ("US-NE", "Nebraska"),
    ("US-NH", "New Hampshire"),
    ("US-NJ", "New Jersey"),
    ("US-NM", "New Mexico"),
    ("US-NV", "Nevada"),
    ("US-NY", "New York"),
    ("US-OH", "Ohio"),
    ("US-OK", "Oklahoma"),
    ("US-OR", "Oregon"),
    ("US-PA", "Pennsylvania"),
    ("US-PR", "Puerto Rico"),
    ("US-RI", "Rhode Island"),
    ("US-SC", "South Carolina"),
    ("US-SD", "South Dakota"),
    ("US-TN", "Tennessee"),
    ("US-TX", "Texas"),
    ("US-UT", "Utah"),
    ("US-VA", "Virginia"),
    ("US-VI", "Virgin Islands (U.S.)"),
    ("US-VT", "Vermont"),
    ("US-WA", "Washington"),
    ("US-WI", "Wisconsin"),
    ("US-WV", "West Virginia"),
    ("US-WY", "Wyoming"),
];

/// A US state/district/territory or a Canadian province/territory (ISO 3166-2, e.g. "US-CA").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subdivision(u8);

impl Subdivision {
    /// Parses a full ISO 3166-2 code such as "US-CA" or "ca-on".
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let code = text.trim();
        let upper = code.to_ascii_uppercase();
        SUBDIVISIONS
            .binary_search_by(|(c, _)| (*c).cmp(upper.as_str()))
            .map(|i| Subdivision(i as u8))
            .map_err(|_| DomainError::UnknownSubdivision(crate::text::excerpt(code)))
    }

    /// Parses a subdivision of `country` given as "CA", "US-CA" or its English name ("California").
    pub fn parse_for(country: Country, text: &str) -> Result<Self, DomainError> {
        let given = text.trim();
        let unknown = || {
            DomainError::UnknownSubdivision(format!(
                "{}-{}",
                country.code(),
                crate::text::excerpt(given)
            ))
        };
        if !Self::supported_countries().contains(&country) {
            return Err(unknown());
        }
        let prefix = format!("{}-", country.code());
        let upper = given.to_ascii_uppercase();
        let full = if upper.starts_with(&prefix) {
            upper
        } else {
            format!("{prefix}{upper}")
        };
        if let Ok(found) = Subdivision::parse(&full) {
            return Ok(found);
        }
        SUBDIVISIONS
            .iter()
            .position(|(code, name)| code.starts_with(&prefix) && name.eq_ignore_ascii_case(given))
            .map(|i| Subdivision(i as u8))
            .ok_or_else(unknown)
    }

    /// The countries whose subdivisions are known: Canada and the United States.
    pub fn supported_countries() -> [Country; 2] {
        [Country::CA, Country::US]
    }

    /// The country the subdivision belongs to.
    pub fn country(&self) -> Country {
        // The table holds only Canadian and US codes (checked by a test).
        if self.code().starts_with("CA-") {
            Country::CA
        } else {
            Country::US
        }
    }

    /// The full ISO 3166-2 code, e.g. "US-CA".
    pub fn code(&self) -> &'static str {
        SUBDIVISIONS[usize::from(self.0)].0
    }

    /// The part after the dash, e.g. "CA" for California.
    pub fn local_code(&self) -> &'static str {
        &self.code()[3..]
    }

    /// The English name, e.g. "California".
    pub fn name(&self) -> &'static str {
        SUBDIVISIONS[usize::from(self.0)].1
    }

    /// Every known subdivision, in code order.
    pub fn all() -> impl Iterator<Item = Subdivision> {
        (0..SUBDIVISIONS.len()).map(|i| Subdivision(i as u8))
    }
}

impl fmt::Debug for Subdivision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Subdivision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Subdivision {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Subdivision::parse(s)
    }
}

impl Serialize for Subdivision {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Subdivision {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Subdivision::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        // ISO 3166-1 has 249 officially assigned alpha-2 codes.
        assert_eq!(COUNTRIES.len(), 249);
        assert!(
            COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0),
            "table must be sorted and unique"
        );
        for (code, name) in COUNTRIES {
            assert!(
                code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{code}"
            );
            assert!(!name.is_empty());
        }
        assert_eq!(Country::all().count(), 249);
    }

    #[test]
    fn parse_accepts_any_case_and_padding() {
        assert_eq!(Country::parse("DE").unwrap(), Country::DE);
        assert_eq!(Country::parse(" us ").unwrap(), Country::US);
        assert_eq!(Country::parse("cn").unwrap().name_en(), "China");
        assert_eq!("gb".parse::<Country>().unwrap().code(), "GB");
        assert_eq!(Country::parse("ax").unwrap().name_en(), "Åland Islands");
        assert_eq!(Country::parse("ZW").unwrap(), Country::ZW);
    }

    #[test]
    fn parse_rejects_unassigned_and_hostile_codes() {
        for bad in [
            "", "D", "DEU", "XX", "AA", "ZZ", "EU", "UK", "EL", "XK", "1A", "D\u{0}", "<s>", "Ｄ",
            "ÄÖ", "d e",
        ] {
            assert!(Country::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn errors_carry_hints() {
        let uk = Country::parse("uk").unwrap_err();
        assert_eq!(uk, DomainError::UnknownCountry("uk".into()));
        assert!(uk.to_string().contains("use GB"), "{uk}");
        assert!(Country::parse("EL").unwrap_err().to_string().contains("GR"));
        assert!(
            Country::parse("QQ")
                .unwrap_err()
                .to_string()
                .contains("alpha-2")
        );
        let long = Country::parse(&"x".repeat(5000)).unwrap_err().to_string();
        assert!(long.len() < 300);
    }

    #[test]
    fn order_is_alphabetical_and_consts_match_codes() {
        let mut list = vec![Country::US, Country::CN, Country::DE, Country::AD];
        list.sort();
        assert_eq!(list, [Country::AD, Country::CN, Country::DE, Country::US]);
        for country in Country::all() {
            assert_eq!(Country::parse(country.code()).unwrap(), country);
        }
        assert_eq!(Country::GB.name_en(), "United Kingdom");
        assert_eq!(format!("{}", Country::JP), "JP");
    }

    #[test]
    fn eu_members() {
        let mut members = EU_MEMBERS.to_vec();
        members.sort();
        members.dedup();
        assert_eq!(members.len(), 27);
        assert!(Country::DE.is_eu_member() && Country::GR.is_eu_member());
        assert!(
            !Country::GB.is_eu_member()
                && !Country::CH.is_eu_member()
                && !Country::NO.is_eu_member()
        );
    }

    #[test]
    fn country_serde() {
        assert_eq!(serde_json::to_string(&Country::DE).unwrap(), "\"DE\"");
        assert_eq!(
            serde_json::from_str::<Country>("\"fr\"").unwrap(),
            Country::FR
        );
        assert!(serde_json::from_str::<Country>("\"UK\"").is_err());
        assert!(serde_json::from_str::<Country>("49").is_err());
    }

    #[test]
    fn subdivision_table_covers_us_and_canada() {
        assert!(
            SUBDIVISIONS.windows(2).all(|w| w[0].0 < w[1].0),
            "table must be sorted and unique"
        );
        let us = Subdivision::all()
            .filter(|s| s.country() == Country::US)
            .count();
        let ca = Subdivision::all()
            .filter(|s| s.country() == Country::CA)
            .count();
        assert_eq!(us, 50 + 1 + 5, "50 states, DC and 5 inhabited territories");
        assert_eq!(ca, 13, "10 provinces and 3 territories");
        for s in Subdivision::all() {
            assert!(s.code().starts_with("US-") || s.code().starts_with("CA-"));
            assert_eq!(s.local_code().len(), 2);
        }
    }

    #[test]
    fn subdivision_parse() {
        let ca = Subdivision::parse("US-CA").unwrap();
        assert_eq!(
            (ca.country(), ca.code(), ca.local_code(), ca.name()),
            (Country::US, "US-CA", "CA", "California")
        );
        assert_eq!(Subdivision::parse(" ca-on ").unwrap().name(), "Ontario");
        assert_eq!(Subdivision::parse("CA-QC").unwrap().country(), Country::CA);
        assert_eq!(Subdivision::parse("us-pr").unwrap().name(), "Puerto Rico");
        for bad in [
            "", "US", "CA", "US-XX", "US-", "USCA", "US_CA", "DE-BY", "GB-ENG", "US-CA-1",
            "<US-CA>",
        ] {
            assert!(
                Subdivision::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn subdivision_parse_for_a_country() {
        assert_eq!(
            Subdivision::parse_for(Country::US, "ca").unwrap().code(),
            "US-CA"
        );
        assert_eq!(
            Subdivision::parse_for(Country::CA, "ON").unwrap().code(),
            "CA-ON"
        );
        assert_eq!(
            Subdivision::parse_for(Country::US, "US-NY").unwrap().code(),
            "US-NY"
        );
        assert_eq!(
            Subdivision::parse_for(Country::US, "new york")
                .unwrap()
                .code(),
            "US-NY"
        );
        assert_eq!(
            Subdivision::parse_for(Country::CA, "British Columbia")
                .unwrap()
                .code(),
            "CA-BC"
        );
        assert!(
            Subdivision::parse_for(Country::CA, "CA").is_err(),
            "California is not in Canada"
        );
        assert!(Subdivision::parse_for(Country::US, "ON").is_err());
        assert!(Subdivision::parse_for(Country::US, "CA-ON").is_err());
        let de = Subdivision::parse_for(Country::DE, "BY").unwrap_err();
        assert_eq!(de, DomainError::UnknownSubdivision("DE-BY".into()));
        assert!(
            de.to_string().contains("US") && de.to_string().contains("Canadian"),
            "{de}"
        );
    }

    #[test]
    fn subdivision_serde() {
        let s = Subdivision::parse("US-TX").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"US-TX\"");
        assert_eq!(serde_json::from_str::<Subdivision>("\"us-tx\"").unwrap(), s);
        assert!(serde_json::from_str::<Subdivision>("\"TX\"").is_err());
    }
}
