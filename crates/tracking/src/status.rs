//! The one status language of tradelane, the incident reasons that explain exceptions, and the
//! progression rule that keeps out-of-order events from moving a shipment backwards.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a shipment (or one leg of it) stands. Every carrier code maps to exactly one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Order or label exists; nothing has been handed over.
    Pending,
    /// The carrier holds electronic data (manifest, pre-advice) but has not scanned the goods.
    InfoReceived,
    /// First physical scan: pickup, acceptance at a counter, origin facility scan.
    PickedUp,
    #[serde(alias = "delivery_delayed")]
    InTransit,
    /// Held by customs (inspection, documents, duties) — an exception status.
    #[serde(alias = "on_hold")]
    CustomsHold,
    CustomsCleared,
    /// Received at the seller's overseas warehouse (3PL / FBA-style receiving).
    ArrivedAtWarehouse,
    OutForDelivery,
    /// A delivery attempt failed or the item is undeliverable as addressed.
    DeliveryFailed,
    /// Waiting at a post office, parcel shop or locker for the recipient.
    ReadyForPickup,
    Delivered,
    /// On its way back to the sender.
    #[serde(alias = "return_to_sender")]
    Returning,
    /// Back with the sender.
    Returned,
    Lost,
    Cancelled,
    /// The raw code or text matched no mapping rule. Never changes a shipment's status.
    Unknown,
}

/// Coarse grouping used by the progression rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before any physical scan.
    PreMovement,
    /// Physically in the carrier network, including exceptions along the way.
    Moving,
    Delivered,
    Return,
    /// Lost or cancelled: final unless a later physical scan proves otherwise.
    Stopped,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 16] = [
        Status::Pending,
        Status::InfoReceived,
        Status::PickedUp,
        Status::InTransit,
        Status::CustomsHold,
        Status::CustomsCleared,
        Status::ArrivedAtWarehouse,
        Status::OutForDelivery,
        Status::DeliveryFailed,
        Status::ReadyForPickup,
        Status::Delivered,
        Status::Returning,
        Status::Returned,
        Status::Lost,
        Status::Cancelled,
        Status::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InfoReceived => "info_received",
            Status::PickedUp => "picked_up",
            Status::InTransit => "in_transit",
            Status::CustomsHold => "customs_hold",
            Status::CustomsCleared => "customs_cleared",
            Status::ArrivedAtWarehouse => "arrived_at_warehouse",
            Status::OutForDelivery => "out_for_delivery",
            Status::DeliveryFailed => "delivery_failed",
            Status::ReadyForPickup => "ready_for_pickup",
            Status::Delivered => "delivered",
            Status::Returning => "returning",
            Status::Returned => "returned",
            Status::Lost => "lost",
            Status::Cancelled => "cancelled",
            Status::Unknown => "unknown",
        }
    }

    /// Position along the forward path. Equal ranks replace each other (latest wins): that is
    /// how a failed attempt after "out for delivery", and a re-attempt after the failure, both
    /// show. Ranks only compare within the same phase; see [`progresses`].
    pub fn rank(self) -> u8 {
        match self {
            Status::Pending => 0,
            Status::InfoReceived => 1,
            Status::PickedUp => 2,
            Status::InTransit => 3,
            Status::CustomsHold => 4,
            Status::CustomsCleared => 5,
            Status::ArrivedAtWarehouse => 6,
            Status::OutForDelivery | Status::DeliveryFailed => 7,
            Status::ReadyForPickup => 8,
            Status::Delivered => 9,
            Status::Returning => 10,
            Status::Returned => 11,
            Status::Lost | Status::Cancelled => 12,
            Status::Unknown => 0,
        }
    }

    pub fn phase(self) -> Phase {
        match self {
            Status::Pending | Status::InfoReceived => Phase::PreMovement,
            Status::PickedUp
            | Status::InTransit
            | Status::CustomsHold
            | Status::CustomsCleared
            | Status::ArrivedAtWarehouse
            | Status::OutForDelivery
            | Status::DeliveryFailed
            | Status::ReadyForPickup => Phase::Moving,
            Status::Delivered => Phase::Delivered,
            Status::Returning | Status::Returned => Phase::Return,
            Status::Lost | Status::Cancelled => Phase::Stopped,
            Status::Unknown => Phase::Unknown,
        }
    }

    /// Statuses that need someone's attention.
    pub fn is_exception(self) -> bool {
        matches!(
            self,
            Status::CustomsHold
                | Status::DeliveryFailed
                | Status::Returning
                | Status::Returned
                | Status::Lost
        )
    }

    /// A physical scan proves the goods exist and move (used for "first scan" and to revive a
    /// shipment that was reported lost or cancelled).
    pub fn is_physical(self) -> bool {
        matches!(
            self.phase(),
            Phase::Moving | Phase::Delivered | Phase::Return
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown status '{s}', expected one of {}", names.join(", "))
        })
    }
}

/// The stretch of the journey an event belongs to, in journey order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegKind {
    FirstMile,
    ExportClearance,
    MainCarriage,
    ImportClearance,
    WarehouseReceiving,
    LastMile,
    Return,
}

impl LegKind {
    pub const ALL: [LegKind; 7] = [
        LegKind::FirstMile,
        LegKind::ExportClearance,
        LegKind::MainCarriage,
        LegKind::ImportClearance,
        LegKind::WarehouseReceiving,
        LegKind::LastMile,
        LegKind::Return,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LegKind::FirstMile => "first_mile",
            LegKind::ExportClearance => "export_clearance",
            LegKind::MainCarriage => "main_carriage",
            LegKind::ImportClearance => "import_clearance",
            LegKind::WarehouseReceiving => "warehouse_receiving",
            LegKind::LastMile => "last_mile",
            LegKind::Return => "return",
        }
    }

    /// The leg a status most likely belongs to when neither the rule nor the source says.
    pub fn implied_by(status: Status) -> LegKind {
        match status {
            Status::Pending | Status::InfoReceived | Status::PickedUp => LegKind::FirstMile,
            Status::InTransit | Status::Unknown | Status::Lost | Status::Cancelled => {
                LegKind::MainCarriage
            }
            Status::CustomsHold | Status::CustomsCleared => LegKind::ImportClearance,
            Status::ArrivedAtWarehouse => LegKind::WarehouseReceiving,
            Status::OutForDelivery
            | Status::DeliveryFailed
            | Status::ReadyForPickup
            | Status::Delivered => LegKind::LastMile,
            Status::Returning | Status::Returned => LegKind::Return,
        }
    }
}

impl fmt::Display for LegKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LegKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LegKind::ALL
            .iter()
            .copied()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown leg '{s}'"))
    }
}

/// Why an exception happened. Follows the unified incident list of the reference taxonomy
/// (carrier / shipper / consignee / customs / weather / other), with carrier-specific names
/// folded in (e.g. "hold" becomes `regulatory_hold`, "undeliverable" stays on the status).
/// The reference names (`consignee_not_home`, `customs_documentation`...) are accepted as
/// aliases when reading mapping files and API input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentReason {
    // carrier-caused
    #[serde(alias = "carrier_damaged_parcel")]
    Damaged,
    #[serde(alias = "carrier_sorting_error")]
    SortingError,
    #[serde(alias = "carrier_address_not_found")]
    AddressNotFound,
    #[serde(alias = "carrier_parcel_lost")]
    ParcelLost,
    #[serde(alias = "carrier_not_enough_time")]
    NotEnoughTime,
    #[serde(alias = "carrier_vehicle_issue")]
    #[serde(alias = "carrier_mechanical_delay")]
    VehicleIssue,
    #[serde(alias = "carrier_capacity_exceeded")]
    CapacityExceeded,
    CarrierDelay,
    // shipper-caused
    #[serde(alias = "retailer_cancelled")]
    ShipperCancelled,
    #[serde(alias = "retailer_incorrect_data")]
    #[serde(alias = "retailer_incorrect_parcel")]
    #[serde(alias = "retailer_incorrect_dimensions")]
    IncorrectData,
    #[serde(alias = "retailer_not_ready")]
    NotReady,
    #[serde(alias = "retailer_packaging_issue")]
    PackagingIssue,
    // consignee-caused
    #[serde(alias = "consignee_refused")]
    Refused,
    #[serde(alias = "consignee_business_closed")]
    BusinessClosed,
    #[serde(alias = "consignee_not_available")]
    #[serde(alias = "consignee_not_home")]
    RecipientAbsent,
    #[serde(alias = "consignee_cancelled")]
    RecipientCancelled,
    #[serde(alias = "consignee_verification_failed")]
    VerificationFailed,
    #[serde(alias = "consignee_incorrect_address")]
    AddressIssue,
    #[serde(alias = "consignee_access_restricted")]
    AccessRestricted,
    #[serde(alias = "consignee_safe_place_unavailable")]
    SafePlaceUnavailable,
    // customs
    #[serde(alias = "customs_delay")]
    HeldAtCustoms,
    CustomsInspection,
    #[serde(alias = "customs_documentation")]
    CustomsDocumentsRequired,
    #[serde(alias = "customs_duties_unpaid")]
    DutiesUnpaid,
    #[serde(alias = "customs_prohibited")]
    ProhibitedItem,
    // weather / force majeure
    WeatherDelay,
    NaturalDisaster,
    ForceMajeure,
    // other
    #[serde(alias = "parcel_being_researched")]
    BeingResearched,
    SecurityIssue,
    #[serde(alias = "delivery_exception_hold")]
    #[serde(alias = "shipment_on_hold")]
    RegulatoryHold,
    Unknown,
}

impl IncidentReason {
    /// Every reason, in the reference taxonomy's group order.
    pub const ALL: [IncidentReason; 32] = [
        IncidentReason::Damaged,
        IncidentReason::SortingError,
        IncidentReason::AddressNotFound,
        IncidentReason::ParcelLost,
        IncidentReason::NotEnoughTime,
        IncidentReason::VehicleIssue,
        IncidentReason::CapacityExceeded,
        IncidentReason::CarrierDelay,
        IncidentReason::ShipperCancelled,
        IncidentReason::IncorrectData,
        IncidentReason::NotReady,
        IncidentReason::PackagingIssue,
        IncidentReason::Refused,
        IncidentReason::BusinessClosed,
        IncidentReason::RecipientAbsent,
        IncidentReason::RecipientCancelled,
        IncidentReason::VerificationFailed,
        IncidentReason::AddressIssue,
        IncidentReason::AccessRestricted,
        IncidentReason::SafePlaceUnavailable,
        IncidentReason::HeldAtCustoms,
        IncidentReason::CustomsInspection,
        IncidentReason::CustomsDocumentsRequired,
        IncidentReason::DutiesUnpaid,
        IncidentReason::ProhibitedItem,
        IncidentReason::WeatherDelay,
        IncidentReason::NaturalDisaster,
        IncidentReason::ForceMajeure,
        IncidentReason::BeingResearched,
        IncidentReason::SecurityIssue,
        IncidentReason::RegulatoryHold,
        IncidentReason::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentReason::Damaged => "damaged",
            IncidentReason::SortingError => "sorting_error",
            IncidentReason::AddressNotFound => "address_not_found",
            IncidentReason::ParcelLost => "parcel_lost",
            IncidentReason::NotEnoughTime => "not_enough_time",
            IncidentReason::VehicleIssue => "vehicle_issue",
            IncidentReason::CapacityExceeded => "capacity_exceeded",
            IncidentReason::CarrierDelay => "carrier_delay",
            IncidentReason::ShipperCancelled => "shipper_cancelled",
            IncidentReason::IncorrectData => "incorrect_data",
            IncidentReason::NotReady => "not_ready",
            IncidentReason::PackagingIssue => "packaging_issue",
            IncidentReason::Refused => "refused",
            IncidentReason::BusinessClosed => "business_closed",
            IncidentReason::RecipientAbsent => "recipient_absent",
            IncidentReason::RecipientCancelled => "recipient_cancelled",
            IncidentReason::VerificationFailed => "verification_failed",
            IncidentReason::AddressIssue => "address_issue",
            IncidentReason::AccessRestricted => "access_restricted",
            IncidentReason::SafePlaceUnavailable => "safe_place_unavailable",
            IncidentReason::HeldAtCustoms => "held_at_customs",
            IncidentReason::CustomsInspection => "customs_inspection",
            IncidentReason::CustomsDocumentsRequired => "customs_documents_required",
            IncidentReason::DutiesUnpaid => "duties_unpaid",
            IncidentReason::ProhibitedItem => "prohibited_item",
            IncidentReason::WeatherDelay => "weather_delay",
            IncidentReason::NaturalDisaster => "natural_disaster",
            IncidentReason::ForceMajeure => "force_majeure",
            IncidentReason::BeingResearched => "being_researched",
            IncidentReason::SecurityIssue => "security_issue",
            IncidentReason::RegulatoryHold => "regulatory_hold",
            IncidentReason::Unknown => "unknown",
        }
    }
}

impl fmt::Display for IncidentReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Position of a status on the shipment's journey: the leg first, then the rank, so that a
/// last-mile "in transit" is progress after an import "customs cleared".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Progress {
    pub leg: LegKind,
    pub rank: u8,
}

/// The progression rule: given the current status (of the events seen so far, in time order)
/// and the next event's status, returns whether the next event becomes the current status.
///
/// * `unknown` never changes anything.
/// * Pre-movement statuses (`pending`, `info_received`) only replace other pre-movement
///   statuses: a last-mile label created while goods are at sea is not a step back to
///   "info received".
/// * Moving statuses advance when (leg, rank) is greater or equal: equal means "latest wins",
///   which is how `delivery_failed` after `out_for_delivery` (and a re-attempt after a failure)
///   show up, while an older `in_transit` scan never undoes `out_for_delivery`.
/// * `delivered` is terminal unless a return starts (`returning`/`returned`).
/// * `returning` → `returned`; a `delivered` scan while returning means delivered back to the
///   sender and is treated as `returned` by [`apply_status`]. Moving scans during a return do not
///   change the status.
/// * `returned` is final.
/// * `lost` and `cancelled` replace any pre-movement or moving status, and are themselves
///   replaced by any later physical scan (the parcel turned up / the cancellation did not stop it).
pub fn progresses(current: (Status, LegKind), next: (Status, LegKind)) -> bool {
    let (cur, cur_leg) = current;
    let (new, new_leg) = next;
    match (cur.phase(), new.phase()) {
        (_, Phase::Unknown) => false,
        (Phase::Unknown, _) => true,
        (Phase::PreMovement, Phase::PreMovement) => new.rank() >= cur.rank(),
        (Phase::PreMovement, _) => true,
        (_, Phase::PreMovement) => false,
        (Phase::Moving, Phase::Moving) => {
            Progress {
                leg: new_leg,
                rank: new.rank(),
            } >= Progress {
                leg: cur_leg,
                rank: cur.rank(),
            }
        }
        (Phase::Moving, _) => true,
        (Phase::Delivered, Phase::Return) => true,
        (Phase::Delivered, _) => false,
        (Phase::Return, Phase::Return) => new.rank() >= cur.rank(),
        (Phase::Return, Phase::Delivered) => cur == Status::Returning,
        (Phase::Return, Phase::Stopped) => cur == Status::Returning && new == Status::Lost,
        (Phase::Return, _) => false,
        (Phase::Stopped, Phase::Stopped) => true,
        (Phase::Stopped, _) => new.is_physical(),
    }
}

/// The status a shipment takes when `next` progresses over `current` (see [`progresses`]).
pub fn apply_status(current: Status, next: Status) -> Status {
    if current == Status::Returning && next == Status::Delivered {
        Status::Returned
    } else {
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(cur: Status, new: Status) -> bool {
        progresses(
            (cur, LegKind::implied_by(cur)),
            (new, LegKind::implied_by(new)),
        )
    }

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        for l in LegKind::ALL {
            assert_eq!(l.as_str().parse::<LegKind>().unwrap(), l);
        }
        assert!("shipped".parse::<Status>().is_err());
        // Reference taxonomy names are accepted as aliases.
        assert_eq!(
            "return_to_sender".parse::<Status>().unwrap(),
            Status::Returning
        );
        let r: IncidentReason = serde_json::from_str("\"consignee_not_home\"").unwrap();
        assert_eq!(r, IncidentReason::RecipientAbsent);
        let r: IncidentReason = serde_json::from_str("\"customs_documentation\"").unwrap();
        assert_eq!(r, IncidentReason::CustomsDocumentsRequired);
    }

    #[test]
    fn forward_path_only_moves_forward() {
        assert!(p(Status::InTransit, Status::OutForDelivery));
        assert!(!p(Status::OutForDelivery, Status::InTransit));
        assert!(!p(Status::InTransit, Status::InfoReceived));
        assert!(p(Status::Pending, Status::InfoReceived));
    }

    #[test]
    fn failed_attempt_and_reattempt_are_real_changes() {
        assert!(p(Status::OutForDelivery, Status::DeliveryFailed));
        assert!(p(Status::DeliveryFailed, Status::OutForDelivery));
        assert!(p(Status::DeliveryFailed, Status::ReadyForPickup));
        assert!(!p(Status::DeliveryFailed, Status::InTransit));
    }

    #[test]
    fn delivered_is_terminal_unless_a_return_starts() {
        assert!(!p(Status::Delivered, Status::OutForDelivery));
        assert!(!p(Status::Delivered, Status::Lost));
        assert!(p(Status::Delivered, Status::Returning));
        assert!(p(Status::Returning, Status::Returned));
        assert!(!p(Status::Returned, Status::Delivered));
        assert!(!p(Status::Returning, Status::InTransit));
        assert!(p(Status::Returning, Status::Delivered));
        assert_eq!(
            apply_status(Status::Returning, Status::Delivered),
            Status::Returned
        );
    }

    #[test]
    fn lost_and_cancelled_are_revived_by_a_physical_scan_only() {
        assert!(p(Status::InTransit, Status::Lost));
        assert!(p(Status::Lost, Status::InTransit));
        assert!(!p(Status::Cancelled, Status::InfoReceived));
        assert!(p(Status::Cancelled, Status::PickedUp));
    }

    #[test]
    fn unknown_never_changes_status() {
        for s in Status::ALL {
            if s != Status::Unknown {
                assert!(!p(s, Status::Unknown));
            }
        }
    }

    #[test]
    fn later_leg_is_progress() {
        assert!(progresses(
            (Status::CustomsCleared, LegKind::ImportClearance),
            (Status::InTransit, LegKind::LastMile)
        ));
        assert!(!progresses(
            (Status::InTransit, LegKind::LastMile),
            (Status::CustomsCleared, LegKind::ImportClearance)
        ));
    }
}
