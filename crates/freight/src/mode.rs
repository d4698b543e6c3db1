//! Transport modes and the chargeable-weight convention each one uses by default.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How the goods travel; decides the default charge basis and volumetric divisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    SeaFcl,
    SeaLcl,
    Air,
    Express,
    Rail,
    Truck,
}

impl Mode {
    pub const ALL: [Mode; 6] = [
        Mode::SeaFcl,
        Mode::SeaLcl,
        Mode::Air,
        Mode::Express,
        Mode::Rail,
        Mode::Truck,
    ];

    /// Reads a mode as forwarders write it, in English or Chinese ("LCL", "海运拼箱", "快递").
    pub fn parse(text: &str) -> Option<Mode> {
        let t = text.trim().to_lowercase().replace(['-', '_'], " ");
        let mode = match t.as_str() {
            "sea fcl" | "fcl" | "整柜" | "海运整柜" => Mode::SeaFcl,
            "sea lcl" | "lcl" | "拼箱" | "海运拼箱" | "拼柜" | "海运拼柜" => {
                Mode::SeaLcl
            }
            "air" | "air freight" | "空运" => Mode::Air,
            "express" | "courier" | "快递" | "国际快递" => Mode::Express,
            "rail" | "railway" | "铁路" | "中欧班列" => Mode::Rail,
            "truck" | "road" | "卡车" | "陆运" | "卡航" => Mode::Truck,
            _ => return None,
        };
        Some(mode)
    }

    pub fn code(self) -> &'static str {
        match self {
            Mode::SeaFcl => "sea_fcl",
            Mode::SeaLcl => "sea_lcl",
            Mode::Air => "air",
            Mode::Express => "express",
            Mode::Rail => "rail",
            Mode::Truck => "truck",
        }
    }

    /// The basis a card of this mode is priced on unless it says otherwise.
    pub fn default_basis(self) -> Basis {
        match self {
            Mode::SeaFcl => Basis::PerContainer,
            Mode::SeaLcl => Basis::PerCbm,
            Mode::Air | Mode::Express | Mode::Rail | Mode::Truck => Basis::PerKg,
        }
    }

    /// Volumetric divisor in cm³ per kg (FACTS.md §7): express 5000, IATA air 6000. Rail and truck
    /// have no single convention, so they take the air figure unless the card states its own.
    pub fn default_divisor(self) -> Option<Decimal> {
        match self {
            Mode::Express => Some(Decimal::from(5000)),
            Mode::Air | Mode::Rail | Mode::Truck => Some(Decimal::from(6000)),
            Mode::SeaFcl | Mode::SeaLcl => None,
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The unit a card's rates are per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Per chargeable kilogram (greater of actual and volumetric weight).
    PerKg,
    /// Per revenue ton W/M: the greater of cubic metres and metric tons (1 m³ = 1000 kg).
    PerCbm,
    /// Per container of the card's type.
    PerContainer,
}

impl Basis {
    pub fn parse(text: &str) -> Option<Basis> {
        match text.trim().to_lowercase().as_str() {
            "kg" | "per kg" | "公斤" | "千克" | "每公斤" => Some(Basis::PerKg),
            "cbm" | "m3" | "m³" | "w/m" | "per cbm" | "方" | "立方" | "每方" => {
                Some(Basis::PerCbm)
            }
            "container" | "ctr" | "per container" | "柜" | "每柜" => Some(Basis::PerContainer),
            _ => None,
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Basis::PerKg => "kg",
            Basis::PerCbm => "W/M",
            Basis::PerContainer => "container",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_in_both_languages() {
        assert_eq!(Mode::parse("Sea-LCL"), Some(Mode::SeaLcl));
        assert_eq!(Mode::parse("海运整柜"), Some(Mode::SeaFcl));
        assert_eq!(Mode::parse("快递"), Some(Mode::Express));
        assert_eq!(Mode::parse("boat"), None);
        for mode in Mode::ALL {
            assert_eq!(Mode::parse(mode.code()), Some(mode));
        }
    }
}
