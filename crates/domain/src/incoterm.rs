//! Incoterms 2020: who pays for carriage, insurance and import duties between seller and buyer.

use crate::error::DomainError;
use crate::text::excerpt;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// One of the 11 Incoterms 2020 rules (ICC publication 723E).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Incoterm {
    /// Ex Works: the buyer collects at the seller's premises and does everything else.
    Exw,
    /// Free Carrier: the seller hands the goods, export-cleared, to the buyer's carrier.
    Fca,
    /// Carriage Paid To: the seller pays main carriage to the named destination; risk passes at handover.
    Cpt,
    /// Carriage and Insurance Paid To: CPT plus insurance by the seller (Institute Cargo Clauses A).
    Cip,
    /// Delivered at Place: the seller delivers to the destination, not unloaded, import duties unpaid.
    Dap,
    /// Delivered at Place Unloaded: DAP with unloading by the seller (replaced DAT in 2020).
    Dpu,
    /// Delivered Duty Paid: the seller also clears import and pays duties and import taxes.
    Ddp,
    /// Free Alongside Ship: the seller places the goods alongside the vessel at the port of shipment.
    Fas,
    /// Free On Board: the seller loads the goods on board the vessel at the port of shipment.
    Fob,
    /// Cost and Freight: FOB plus sea freight paid by the seller to the port of destination.
    Cfr,
    /// Cost, Insurance and Freight: CFR plus minimum insurance by the seller (Institute Cargo Clauses C).
    Cif,
}

impl Incoterm {
    /// All 11 rules, in the order of the ICC publication (any mode first, then sea and inland waterway).
    pub fn all() -> [Incoterm; 11] {
        use Incoterm::*;
        [Exw, Fca, Cpt, Cip, Dap, Dpu, Ddp, Fas, Fob, Cfr, Cif]
    }

    /// Parses a three-letter code, ignoring case, surrounding space and a leading "Incoterms 2020" ("ddp" -> DDP).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let trimmed = text.trim();
        let upper = trimmed.to_ascii_uppercase();
        let code = upper
            .strip_prefix("INCOTERMS 2020")
            .or_else(|| upper.strip_prefix("INCOTERMS® 2020"))
            .map_or(upper.as_str(), str::trim);
        Incoterm::all()
            .into_iter()
            .find(|term| term.code() == code)
            .ok_or_else(|| DomainError::UnknownIncoterm(excerpt(trimmed)))
    }

    /// The three-letter code, e.g. "DDP".
    pub fn code(&self) -> &'static str {
        match self {
            Incoterm::Exw => "EXW",
            Incoterm::Fca => "FCA",
            Incoterm::Cpt => "CPT",
            Incoterm::Cip => "CIP",
            Incoterm::Dap => "DAP",
            Incoterm::Dpu => "DPU",
            Incoterm::Ddp => "DDP",
            Incoterm::Fas => "FAS",
            Incoterm::Fob => "FOB",
            Incoterm::Cfr => "CFR",
            Incoterm::Cif => "CIF",
        }
    }

    /// The English name, e.g. "Delivered Duty Paid".
    pub fn name(&self) -> &'static str {
        match self {
            Incoterm::Exw => "Ex Works",
            Incoterm::Fca => "Free Carrier",
            Incoterm::Cpt => "Carriage Paid To",
            Incoterm::Cip => "Carriage and Insurance Paid To",
            Incoterm::Dap => "Delivered at Place",
            Incoterm::Dpu => "Delivered at Place Unloaded",
            Incoterm::Ddp => "Delivered Duty Paid",
            Incoterm::Fas => "Free Alongside Ship",
            Incoterm::Fob => "Free On Board",
            Incoterm::Cfr => "Cost and Freight",
            Incoterm::Cif => "Cost, Insurance and Freight",
        }
    }

    /// True for FAS, FOB, CFR and CIF, which Incoterms 2020 reserves for sea and inland waterway transport.
    pub fn is_sea_and_inland_waterway_only(&self) -> bool {
        matches!(
            self,
            Incoterm::Fas | Incoterm::Fob | Incoterm::Cfr | Incoterm::Cif
        )
    }

    /// True only for DDP: the seller is the importer and pays import duties and taxes.
    pub fn seller_pays_import_duties_and_taxes(&self) -> bool {
        matches!(self, Incoterm::Ddp)
    }

    /// True for the C-terms (CPT, CIP, CFR, CIF) and D-terms (DAP, DPU, DDP): the seller contracts main carriage.
    pub fn seller_pays_main_carriage(&self) -> bool {
        matches!(
            self,
            Incoterm::Cpt
                | Incoterm::Cip
                | Incoterm::Cfr
                | Incoterm::Cif
                | Incoterm::Dap
                | Incoterm::Dpu
                | Incoterm::Ddp
        )
    }

    /// True for CIF and CIP, the only rules that oblige the seller to insure the goods for the buyer.
    pub fn insurance_by_seller(&self) -> bool {
        matches!(self, Incoterm::Cif | Incoterm::Cip)
    }

    /// True for EXW only: export clearance is the buyer's job (every other rule has the seller clear export).
    pub fn buyer_clears_export(&self) -> bool {
        matches!(self, Incoterm::Exw)
    }
}

/// A short explanation for an unknown Incoterm, used in error messages.
pub(crate) fn incoterm_hint(text: &str) -> String {
    let hint = match text.trim().to_ascii_uppercase().as_str() {
        "DAT" => "DAT was replaced by DPU in Incoterms 2020",
        "DDU" => "DDU was withdrawn in Incoterms 2010: use DAP",
        "DAF" | "DES" | "DEQ" => "this rule was withdrawn in Incoterms 2010: use DAP, DPU or DDP",
        "C&F" | "CNF" | "C+F" => "Cost and Freight is written CFR",
        "FOT" | "FOR" => "not an Incoterms rule: use FCA",
        _ => {
            "expected an Incoterms 2020 rule: EXW, FCA, CPT, CIP, DAP, DPU, DDP, FAS, FOB, CFR or CIF"
        }
    };
    hint.to_string()
}

impl fmt::Display for Incoterm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Incoterm {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Incoterm::parse(s)
    }
}

impl Serialize for Incoterm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Incoterm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Incoterm::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Incoterm::*;

    #[test]
    fn all_eleven_rules_round_trip_through_their_codes() {
        let codes: Vec<&str> = Incoterm::all().iter().map(Incoterm::code).collect();
        assert_eq!(
            codes,
            [
                "EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"
            ]
        );
        for term in Incoterm::all() {
            assert_eq!(Incoterm::parse(term.code()).unwrap(), term);
            assert_eq!(Incoterm::parse(&term.code().to_lowercase()).unwrap(), term);
            assert!(!term.name().is_empty());
        }
    }

    #[test]
    fn parse_tolerates_padding_and_the_edition_prefix() {
        assert_eq!(Incoterm::parse(" ddp ").unwrap(), Ddp);
        assert_eq!(Incoterm::parse("Incoterms 2020 FOB").unwrap(), Fob);
        assert_eq!("cif".parse::<Incoterm>().unwrap(), Cif);
    }

    #[test]
    fn parse_rejects_old_and_unknown_rules_with_hints() {
        for bad in [
            "",
            "DD",
            "DDPP",
            "FOB Shanghai",
            "Incoterms 2010 FOB",
            "<DDP>",
            "D D P",
            "ＤＤＰ",
        ] {
            assert!(Incoterm::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let dat = Incoterm::parse("DAT").unwrap_err();
        assert_eq!(dat, DomainError::UnknownIncoterm("DAT".into()));
        assert!(dat.to_string().contains("DPU"), "{dat}");
        assert!(
            Incoterm::parse("ddu")
                .unwrap_err()
                .to_string()
                .contains("DAP")
        );
        assert!(
            Incoterm::parse("C&F")
                .unwrap_err()
                .to_string()
                .contains("CFR")
        );
        assert!(
            Incoterm::parse("XYZ")
                .unwrap_err()
                .to_string()
                .contains("EXW, FCA")
        );
    }

    #[test]
    fn obligations_follow_incoterms_2020() {
        let sea_only: Vec<Incoterm> = Incoterm::all()
            .into_iter()
            .filter(Incoterm::is_sea_and_inland_waterway_only)
            .collect();
        assert_eq!(sea_only, [Fas, Fob, Cfr, Cif]);
        let duties: Vec<Incoterm> = Incoterm::all()
            .into_iter()
            .filter(Incoterm::seller_pays_import_duties_and_taxes)
            .collect();
        assert_eq!(duties, [Ddp]);
        let carriage: Vec<Incoterm> = Incoterm::all()
            .into_iter()
            .filter(Incoterm::seller_pays_main_carriage)
            .collect();
        assert_eq!(carriage, [Cpt, Cip, Dap, Dpu, Ddp, Cfr, Cif]);
        let insurance: Vec<Incoterm> = Incoterm::all()
            .into_iter()
            .filter(Incoterm::insurance_by_seller)
            .collect();
        assert_eq!(insurance, [Cip, Cif]);
        assert!(Exw.buyer_clears_export() && !Fca.buyer_clears_export());
    }

    #[test]
    fn serde_as_code() {
        assert_eq!(serde_json::to_string(&Ddp).unwrap(), "\"DDP\"");
        assert_eq!(serde_json::from_str::<Incoterm>("\"fob\"").unwrap(), Fob);
        assert!(serde_json::from_str::<Incoterm>("\"DAT\"").is_err());
    }
}
