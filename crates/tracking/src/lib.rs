//! Shipment tracking normalisation engine: carrier codes to one status taxonomy. Pure.
