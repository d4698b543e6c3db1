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
        Err(DomainError::UnknownCountry(code.to_string()))
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
            .map_err(|_| DomainError::UnknownSubdivision(code.to_string()))
    }

    /// Parses a subdivision of `country` given as "CA", "US-CA" or its English name ("California").
    pub fn parse_for(country: Country, text: &str) -> Result<Self, DomainError> {
        let given = text.trim();
        let unknown = || DomainError::UnknownSubdivision(format!("{}-{}", country.code(), given));
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
