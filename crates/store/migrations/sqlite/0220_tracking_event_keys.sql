-- PostgreSQL replaces the events' two references (org_id → orgs, shipment_id → shipments) with
-- one composite reference (org_id, shipment_id) → shipments (org_id, id) here. SQLite cannot
-- alter a table's constraints without rebuilding it, and checks references by a direct index
-- probe rather than a per-row trigger, so it keeps its references; the unique key on shipments
-- keeps the two schemas' indexes in step.
CREATE UNIQUE INDEX shipments_org_id_id ON shipments (org_id, id);

-- Fewer indexes to maintain per stored event (each is one more B-tree insert per row):
-- a shipment's events are found through the unique key (org_id, shipment_id, dedup_key), and a
-- shipment's few events are sorted by time after reading; only the re-classification of
-- unknown events looks events up by status, so only those are indexed; raw events are only
-- counted per organisation.
DROP INDEX tracking_events_shipment_time;
DROP INDEX tracking_events_status;
CREATE INDEX tracking_events_unknown ON tracking_events (org_id, carrier) WHERE status = 'unknown';
DROP INDEX tracking_raw_events_shipment;
