//! Danish municipality codes (kommunekoder) and the five regions.
//!
//! `MunicipalityCode` can only hold one of the 98 municipality codes in force since the 2007 municipal
//! reform, so holding one is proof that it is valid ("parse, don't validate"). The reference table is
//! compiled into the crate (source: `municipalities.csv` and `regions.csv` in the shared reference data);
//! this module does no I/O.

use std::fmt;
use std::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Number of municipalities in Denmark.
pub const MUNICIPALITY_COUNT: usize = 98;

/// One of the five Danish regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// 1081 Region Nordjylland.
    Nordjylland,
    /// 1082 Region Midtjylland.
    Midtjylland,
    /// 1083 Region Syddanmark.
    Syddanmark,
    /// 1084 Region Hovedstaden.
    Hovedstaden,
    /// 1085 Region Sjælland.
    Sjaelland,
}

impl Region {
    const ALL: [Region; 5] =
        [Region::Nordjylland, Region::Midtjylland, Region::Syddanmark, Region::Hovedstaden, Region::Sjaelland];

    /// The official region code (1081–1085).
    pub const fn code(self) -> u16 {
        match self {
            Region::Nordjylland => 1081,
            Region::Midtjylland => 1082,
            Region::Syddanmark => 1083,
            Region::Hovedstaden => 1084,
            Region::Sjaelland => 1085,
        }
    }

    /// The official Danish name, e.g. "Region Hovedstaden".
    pub const fn name(self) -> &'static str {
        match self {
            Region::Nordjylland => "Region Nordjylland",
            Region::Midtjylland => "Region Midtjylland",
            Region::Syddanmark => "Region Syddanmark",
            Region::Hovedstaden => "Region Hovedstaden",
            Region::Sjaelland => "Region Sjælland",
        }
    }

    /// The region with the given code (1081–1085), if any.
    pub fn from_code(code: u16) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.code() == code)
    }

    /// All five regions, in code order.
    pub fn all() -> impl Iterator<Item = Region> {
        Region::ALL.into_iter()
    }

    /// The municipalities in this region, in code order.
    pub fn municipalities(self) -> impl Iterator<Item = MunicipalityCode> {
        MunicipalityCode::all().filter(move |m| m.region() == self)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A row of the compiled-in reference table.
struct Municipality {
    code: u16,
    code_str: &'static str,
    name: &'static str,
    region: Region,
}

const fn entry(code: u16, code_str: &'static str, name: &'static str, region: Region) -> Municipality {
    Municipality { code, code_str, name, region }
}

/// All 98 municipalities, sorted by code (generated from `municipalities.csv`).
const MUNICIPALITIES: [Municipality; MUNICIPALITY_COUNT] = [
    entry(101, "101", "København", Region::Hovedstaden),
    entry(147, "147", "Frederiksberg", Region::Hovedstaden),
    entry(151, "151", "Ballerup", Region::Hovedstaden),
    entry(153, "153", "Brøndby", Region::Hovedstaden),
    entry(155, "155", "Dragør", Region::Hovedstaden),
    entry(157, "157", "Gentofte", Region::Hovedstaden),
    entry(159, "159", "Gladsaxe", Region::Hovedstaden),
    entry(161, "161", "Glostrup", Region::Hovedstaden),
    entry(163, "163", "Herlev", Region::Hovedstaden),
    entry(165, "165", "Albertslund", Region::Hovedstaden),
    entry(167, "167", "Hvidovre", Region::Hovedstaden),
    entry(169, "169", "Høje-Taastrup", Region::Hovedstaden),
    entry(173, "173", "Lyngby-Taarbæk", Region::Hovedstaden),
    entry(175, "175", "Rødovre", Region::Hovedstaden),
    entry(183, "183", "Ishøj", Region::Hovedstaden),
    entry(185, "185", "Tårnby", Region::Hovedstaden),
    entry(187, "187", "Vallensbæk", Region::Hovedstaden),
    entry(190, "190", "Furesø", Region::Hovedstaden),
    entry(201, "201", "Allerød", Region::Hovedstaden),
    entry(210, "210", "Fredensborg", Region::Hovedstaden),
    entry(217, "217", "Helsingør", Region::Hovedstaden),
    entry(219, "219", "Hillerød", Region::Hovedstaden),
    entry(223, "223", "Hørsholm", Region::Hovedstaden),
    entry(230, "230", "Rudersdal", Region::Hovedstaden),
    entry(240, "240", "Egedal", Region::Hovedstaden),
    entry(250, "250", "Frederikssund", Region::Hovedstaden),
    entry(253, "253", "Greve", Region::Sjaelland),
    entry(259, "259", "Køge", Region::Sjaelland),
    entry(260, "260", "Halsnæs", Region::Hovedstaden),
    entry(265, "265", "Roskilde", Region::Sjaelland),
    entry(269, "269", "Solrød", Region::Sjaelland),
    entry(270, "270", "Gribskov", Region::Hovedstaden),
    entry(306, "306", "Odsherred", Region::Sjaelland),
    entry(316, "316", "Holbæk", Region::Sjaelland),
    entry(320, "320", "Faxe", Region::Sjaelland),
    entry(326, "326", "Kalundborg", Region::Sjaelland),
    entry(329, "329", "Ringsted", Region::Sjaelland),
    entry(330, "330", "Slagelse", Region::Sjaelland),
    entry(336, "336", "Stevns", Region::Sjaelland),
    entry(340, "340", "Sorø", Region::Sjaelland),
    entry(350, "350", "Lejre", Region::Sjaelland),
    entry(360, "360", "Lolland", Region::Sjaelland),
    entry(370, "370", "Næstved", Region::Sjaelland),
    entry(376, "376", "Guldborgsund", Region::Sjaelland),
    entry(390, "390", "Vordingborg", Region::Sjaelland),
    entry(400, "400", "Bornholm", Region::Hovedstaden),
    entry(410, "410", "Middelfart", Region::Syddanmark),
    entry(420, "420", "Assens", Region::Syddanmark),
    entry(430, "430", "Faaborg-Midtfyn", Region::Syddanmark),
    entry(440, "440", "Kerteminde", Region::Syddanmark),
    entry(450, "450", "Nyborg", Region::Syddanmark),
    entry(461, "461", "Odense", Region::Syddanmark),
    entry(479, "479", "Svendborg", Region::Syddanmark),
    entry(480, "480", "Nordfyns", Region::Syddanmark),
    entry(482, "482", "Langeland", Region::Syddanmark),
    entry(492, "492", "Ærø", Region::Syddanmark),
    entry(510, "510", "Haderslev", Region::Syddanmark),
    entry(530, "530", "Billund", Region::Syddanmark),
    entry(540, "540", "Sønderborg", Region::Syddanmark),
    entry(550, "550", "Tønder", Region::Syddanmark),
    entry(561, "561", "Esbjerg", Region::Syddanmark),
    entry(563, "563", "Fanø", Region::Syddanmark),
    entry(573, "573", "Varde", Region::Syddanmark),
    entry(575, "575", "Vejen", Region::Syddanmark),
    entry(580, "580", "Aabenraa", Region::Syddanmark),
    entry(607, "607", "Fredericia", Region::Syddanmark),
    entry(615, "615", "Horsens", Region::Midtjylland),
    entry(621, "621", "Kolding", Region::Syddanmark),
    entry(630, "630", "Vejle", Region::Syddanmark),
    entry(657, "657", "Herning", Region::Midtjylland),
    entry(661, "661", "Holstebro", Region::Midtjylland),
    entry(665, "665", "Lemvig", Region::Midtjylland),
    entry(671, "671", "Struer", Region::Midtjylland),
    entry(706, "706", "Syddjurs", Region::Midtjylland),
    entry(707, "707", "Norddjurs", Region::Midtjylland),
    entry(710, "710", "Favrskov", Region::Midtjylland),
    entry(727, "727", "Odder", Region::Midtjylland),
    entry(730, "730", "Randers", Region::Midtjylland),
    entry(740, "740", "Silkeborg", Region::Midtjylland),
    entry(741, "741", "Samsø", Region::Midtjylland),
    entry(746, "746", "Skanderborg", Region::Midtjylland),
    entry(751, "751", "Aarhus", Region::Midtjylland),
    entry(756, "756", "Ikast-Brande", Region::Midtjylland),
    entry(760, "760", "Ringkøbing-Skjern", Region::Midtjylland),
    entry(766, "766", "Hedensted", Region::Midtjylland),
    entry(773, "773", "Morsø", Region::Nordjylland),
    entry(779, "779", "Skive", Region::Midtjylland),
    entry(787, "787", "Thisted", Region::Nordjylland),
    entry(791, "791", "Viborg", Region::Midtjylland),
    entry(810, "810", "Brønderslev", Region::Nordjylland),
    entry(813, "813", "Frederikshavn", Region::Nordjylland),
    entry(820, "820", "Vesthimmerlands", Region::Nordjylland),
    entry(825, "825", "Læsø", Region::Nordjylland),
    entry(840, "840", "Rebild", Region::Nordjylland),
    entry(846, "846", "Mariagerfjord", Region::Nordjylland),
    entry(849, "849", "Jammerbugt", Region::Nordjylland),
    entry(851, "851", "Aalborg", Region::Nordjylland),
    entry(860, "860", "Hjørring", Region::Nordjylland),
];

// Compile-time check: the table is strictly sorted by code, every code has three digits and the
// string form matches the number. A violation fails the build, never a running program.
const _: () = {
    let mut i = 0;
    while i < MUNICIPALITY_COUNT {
        let m = &MUNICIPALITIES[i];
        assert!(m.code >= 100 && m.code <= 999);
        let b = m.code_str.as_bytes();
        assert!(b.len() == 3);
        assert!((b[0] - b'0') as u16 * 100 + (b[1] - b'0') as u16 * 10 + (b[2] - b'0') as u16 == m.code);
        if i > 0 {
            assert!(MUNICIPALITIES[i - 1].code < m.code);
        }
        i += 1;
    }
};

/// A valid Danish municipality code (kommunekode), e.g. `101` København.
///
/// Internally the position in the (code-sorted) reference table, so every value is one of the 98 codes;
/// ordering therefore equals code order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode(u16);

/// Error when parsing a municipality code. Messages are in Danish (shown to case workers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MunicipalityError {
    /// The input is not exactly three digits.
    #[error("Kommunekoden skal have 3 cifre (fx 101 for København), men var «{0}»")]
    Format(String),
    /// Three digits, but not one of the 98 municipality codes.
    #[error("Kommunekoden {0:03} findes ikke (forventet en af de 98 kommunekoder, fx 101 København)")]
    Unknown(u16),
}

impl MunicipalityCode {
    /// København (101), the first row of the table.
    pub const KOEBENHAVN: MunicipalityCode = MunicipalityCode(0);

    /// Parses a three-digit municipality code such as `"101"` or `"825"` (surrounding whitespace is
    /// ignored). Exactly three digits are required: `"99"` and `"1010"` are rejected.
    pub fn parse(s: &str) -> Result<Self, MunicipalityError> {
        let t = s.trim();
        let bytes = t.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(MunicipalityError::Format(t.to_owned()));
        }
        let code = bytes.iter().fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
        Self::from_code(code)
    }

    /// The municipality with the given numeric code, e.g. `from_code(751)` is Aarhus.
    pub fn from_code(code: u16) -> Result<Self, MunicipalityError> {
        MUNICIPALITIES
            .binary_search_by_key(&code, |m| m.code)
            .ok()
            .and_then(|i| u16::try_from(i).ok())
            .map(MunicipalityCode)
            .ok_or(MunicipalityError::Unknown(code))
    }

    fn entry(self) -> &'static Municipality {
        // The index is in range by construction: values are only created from table positions.
        &MUNICIPALITIES[usize::from(self.0)]
    }

    /// The numeric code, e.g. `101`.
    pub fn code(self) -> u16 {
        self.entry().code
    }

    /// The code as three digits with leading zeros, e.g. `"101"`.
    pub fn as_str(self) -> &'static str {
        self.entry().code_str
    }

    /// The municipality's Danish name, e.g. `"København"` (without "Kommune").
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// The region the municipality belongs to.
    pub fn region(self) -> Region {
        self.entry().region
    }

    /// The position in code order, 0..98 (for dense per-municipality arrays).
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// All 98 municipality codes, in code order.
    pub fn all() -> impl Iterator<Item = MunicipalityCode> {
        (0..MUNICIPALITY_COUNT).filter_map(|i| u16::try_from(i).ok()).map(MunicipalityCode)
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MunicipalityCode({} {})", self.as_str(), self.name())
    }
}

impl FromStr for MunicipalityCode {
    type Err = MunicipalityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<u16> for MunicipalityCode {
    type Error = MunicipalityError;

    fn try_from(code: u16) -> Result<Self, Self::Error> {
        Self::from_code(code)
    }
}

impl From<MunicipalityCode> for u16 {
    fn from(m: MunicipalityCode) -> u16 {
        m.code()
    }
}

impl Serialize for MunicipalityCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MunicipalityCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;

        impl de::Visitor<'_> for CodeVisitor {
            type Value = MunicipalityCode;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a three-digit municipality code such as \"101\"")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                MunicipalityCode::parse(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(CodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn code(s: &str) -> MunicipalityCode {
        MunicipalityCode::parse(s).unwrap()
    }

    #[test]
    fn exactly_98_unique_codes_in_order() {
        let all: Vec<_> = MunicipalityCode::all().collect();
        assert_eq!(all.len(), 98);
        let codes: HashSet<u16> = all.iter().map(|m| m.code()).collect();
        assert_eq!(codes.len(), 98);
        let names: HashSet<&str> = all.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), 98);
        assert!(all.windows(2).all(|w| w[0].code() < w[1].code() && w[0] < w[1]));
    }

    #[test]
    fn five_regions_with_counts_from_regions_csv() {
        let expected = [
            (1081, "Region Nordjylland", 11),
            (1082, "Region Midtjylland", 19),
            (1083, "Region Syddanmark", 22),
            (1084, "Region Hovedstaden", 29),
            (1085, "Region Sjælland", 17),
        ];
        let regions: Vec<_> = Region::all().collect();
        assert_eq!(regions.len(), 5);
        for (region, (code, name, count)) in regions.into_iter().zip(expected) {
            assert_eq!(region.code(), code);
            assert_eq!(region.name(), name);
            assert_eq!(region.to_string(), name);
            assert_eq!(region.municipalities().count(), count, "{name}");
            assert_eq!(Region::from_code(code), Some(region));
            assert!(region.municipalities().all(|m| m.region() == region));
        }
        assert_eq!(Region::from_code(1080), None);
        assert_eq!(Region::from_code(1086), None);
    }

    #[test]
    fn known_municipalities() {
        let cases = [
            ("101", "København", Region::Hovedstaden),
            ("147", "Frederiksberg", Region::Hovedstaden),
            ("400", "Bornholm", Region::Hovedstaden),
            ("492", "Ærø", Region::Syddanmark),
            ("563", "Fanø", Region::Syddanmark),
            ("751", "Aarhus", Region::Midtjylland),
            ("825", "Læsø", Region::Nordjylland),
            ("851", "Aalborg", Region::Nordjylland),
            ("860", "Hjørring", Region::Nordjylland),
            ("259", "Køge", Region::Sjaelland),
        ];
        for (s, name, region) in cases {
            let m = code(s);
            assert_eq!(m.as_str(), s);
            assert_eq!(m.to_string(), s);
            assert_eq!(m.code().to_string(), s);
            assert_eq!(m.name(), name);
            assert_eq!(m.region(), region);
        }
        assert_eq!(MunicipalityCode::from_code(751), Ok(code("751")));
        assert_eq!(MunicipalityCode::try_from(563u16), Ok(code("563")));
        assert_eq!(u16::from(code("825")), 825);
        assert_eq!(" 101\n".parse::<MunicipalityCode>(), Ok(code("101")));
        assert_eq!(format!("{:?}", code("825")), "MunicipalityCode(825 Læsø)");
    }

    #[test]
    fn errors() {
        assert_eq!(MunicipalityCode::parse("000"), Err(MunicipalityError::Unknown(0)));
        assert_eq!(MunicipalityCode::parse("999"), Err(MunicipalityError::Unknown(999)));
        assert_eq!(
            MunicipalityCode::parse("999").unwrap_err().to_string(),
            "Kommunekoden 999 findes ikke (forventet en af de 98 kommunekoder, fx 101 København)"
        );
        assert_eq!(
            MunicipalityCode::parse("000").unwrap_err().to_string(),
            "Kommunekoden 000 findes ikke (forventet en af de 98 kommunekoder, fx 101 København)"
        );
        for bad in ["99", "abc", "1010", "", "  ", "10a", "+12", "-10", "1 1", "١٠١"] {
            assert!(matches!(MunicipalityCode::parse(bad), Err(MunicipalityError::Format(_))), "{bad:?}");
        }
        assert_eq!(
            MunicipalityCode::parse("abc").unwrap_err().to_string(),
            "Kommunekoden skal have 3 cifre (fx 101 for København), men var «abc»"
        );
        assert_eq!(MunicipalityCode::from_code(1010), Err(MunicipalityError::Unknown(1010)));
        assert_eq!(MunicipalityCode::from_code(0), Err(MunicipalityError::Unknown(0)));
    }

    #[test]
    fn serde_as_three_digit_string() {
        let m = code("101");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"101\"");
        assert_eq!(serde_json::from_str::<MunicipalityCode>("\"825\"").unwrap(), code("825"));
        assert!(serde_json::from_str::<MunicipalityCode>("\"999\"").is_err());
        assert!(serde_json::from_str::<MunicipalityCode>("101").is_err());
        let v: Vec<MunicipalityCode> = MunicipalityCode::all().collect();
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Vec<MunicipalityCode>>(&json).unwrap(), v);
    }

    #[test]
    fn every_valid_code_round_trips() {
        for m in MunicipalityCode::all() {
            assert_eq!(MunicipalityCode::parse(m.as_str()), Ok(m));
            assert_eq!(MunicipalityCode::from_code(m.code()), Ok(m));
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = MunicipalityCode::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_digitish(s in "[0-9 a]{0,5}") {
            if let Ok(m) = MunicipalityCode::parse(&s) {
                prop_assert_eq!(m.as_str(), s.trim());
            }
        }

        #[test]
        fn all_three_digit_numbers(n in 0u16..1000) {
            let s = format!("{n:03}");
            match MunicipalityCode::parse(&s) {
                Ok(m) => {
                    prop_assert_eq!(m.code(), n);
                    prop_assert_eq!(m.to_string(), s.clone());
                    prop_assert_eq!(MunicipalityCode::parse(&m.to_string()), Ok(m));
                    let json = serde_json::to_string(&m).unwrap();
                    prop_assert_eq!(serde_json::from_str::<MunicipalityCode>(&json).unwrap(), m);
                }
                Err(e) => {
                    prop_assert_eq!(e, MunicipalityError::Unknown(n));
                    prop_assert!(MunicipalityCode::all().all(|m| m.code() != n));
                }
            }
        }

        #[test]
        fn round_trips_every_valid_code(i in 0usize..MUNICIPALITY_COUNT) {
            let m = MunicipalityCode::all().nth(i).unwrap();
            prop_assert_eq!(MunicipalityCode::parse(m.as_str()), Ok(m));
            prop_assert_eq!(m.as_str().parse::<MunicipalityCode>(), Ok(m));
        }
    }
}
