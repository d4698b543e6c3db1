//! Shipments, their legs, and forwarder master shipments. Plain data for the store and API
//! layers; no behaviour beyond small lookups.

use crate::status::LegKind;
use serde::{Deserialize, Serialize};

/// How goods move on a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportMode {
    Air,
    Sea,
    Rail,
    Road,
    Express,
    Postal,
}

/// Identifiers of the main carriage. Which ones are set depends on the mode: air has flight
/// and AWB, sea has vessel, voyage, container and B/L, rail has train and container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MainCarriageRefs {
    pub flight_number: Option<String>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
    pub train_number: Option<String>,
    /// ISO 6346 container numbers (a shipment can span several).
    pub container_numbers: Vec<String>,
    /// Master or house air waybill.
    pub air_waybill: Option<String>,
    /// Master or house bill of lading.
    pub bill_of_lading: Option<String>,
    /// UN/LOCODE or IATA code of the port/airport of loading and discharge.
    pub port_of_loading: Option<String>,
    pub port_of_discharge: Option<String>,
}

/// One stretch of a shipment handled by one party under one reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub kind: LegKind,
    /// Carrier, forwarder, broker or warehouse id; carrier ids match mapping file ids
    /// (e.g. `ups`, `yunexpress`).
    pub party: Option<String>,
    /// The reference that events for this leg carry: tracking number, customs entry number,
    /// warehouse receipt (ASN) number.
    pub reference: Option<String>,
    pub mode: Option<TransportMode>,
    /// Carrier service level (e.g. `express_worldwide`, `ground`), part of the ETA lane.
    pub service: Option<String>,
    /// Filled for main carriage only.
    pub main_carriage: Option<MainCarriageRefs>,
    /// Master shipment this leg travels in, if consolidated.
    pub master_shipment_id: Option<String>,
}

/// An order line carried by the shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentLine {
    pub order_reference: String,
    pub sku: String,
    pub quantity: u32,
}

/// A physical package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parcel {
    pub reference: String,
    /// Gross weight in grams (integer grams avoid float drift).
    pub weight_grams: Option<u32>,
    /// Outer dimensions in millimetres (length, width, height).
    pub dimensions_mm: Option<[u32; 3]>,
}

/// Route endpoints as ISO 3166-1 alpha-2 country codes plus a free locality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub origin_country: String,
    pub origin_locality: Option<String>,
    pub destination_country: String,
    pub destination_locality: Option<String>,
}

/// A seller's shipment: goods for one or more orders moving from origin to a buyer or an
/// overseas warehouse, across any number of legs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub id: String,
    pub order_references: Vec<String>,
    pub lines: Vec<ShipmentLine>,
    pub parcels: Vec<Parcel>,
    pub route: Route,
    pub mode: Option<TransportMode>,
    /// In journey order; a shipment may skip legs (e.g. direct express has no warehouse leg).
    pub legs: Vec<Leg>,
    /// Delivery date promised to the buyer, as a civil date in the destination's zone.
    pub promised_by: Option<jiff::civil::Date>,
}

impl Shipment {
    /// The leg whose party and reference match an event's carrier and tracking number; this is
    /// how the store attaches incoming events to a shipment.
    pub fn leg_for(&self, party: &str, reference: &str) -> Option<&Leg> {
        let reference = crate::event::canonical_tracking_number(reference);
        self.legs.iter().find(|leg| {
            leg.party.as_deref() == Some(party)
                && leg
                    .reference
                    .as_deref()
                    .is_some_and(|r| crate::event::canonical_tracking_number(r) == reference)
        })
    }
}

/// A forwarder's consolidated consignment (one container or one air consignment) carrying
/// many shipments, possibly from several sellers. Its events apply to every shipment in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterShipment {
    pub id: String,
    pub forwarder: String,
    pub mode: TransportMode,
    pub refs: MainCarriageRefs,
    pub shipment_ids: Vec<String>,
}

impl MasterShipment {
    /// An event of the master (container, air consignment) applies to every shipment it
    /// carries: one copy per shipment id. The dedup key is unchanged, so the store keys events
    /// by (shipment, dedup key) and replays of the master feed stay idempotent.
    pub fn fan_out(
        &self,
        event: &crate::event::NormalizedEvent,
    ) -> Vec<(String, crate::event::NormalizedEvent)> {
        self.shipment_ids
            .iter()
            .map(|id| (id.clone(), event.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leg_lookup_ignores_spacing_and_case_of_tracking_numbers() {
        let shipment = Shipment {
            id: "S1".into(),
            order_references: vec!["A-1".into()],
            lines: vec![],
            parcels: vec![],
            route: Route {
                origin_country: "CN".into(),
                origin_locality: Some("Shenzhen".into()),
                destination_country: "DE".into(),
                destination_locality: None,
            },
            mode: Some(TransportMode::Sea),
            legs: vec![Leg {
                kind: LegKind::LastMile,
                party: Some("dhl_express".into()),
                reference: Some("12 3456 7890".into()),
                mode: Some(TransportMode::Express),
                service: None,
                main_carriage: None,
                master_shipment_id: None,
            }],
            promised_by: None,
        };
        assert!(shipment.leg_for("dhl_express", "1234567890").is_some());
        assert!(shipment.leg_for("ups", "1234567890").is_none());
    }
}
