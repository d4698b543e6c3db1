-- Events reference their shipment through one tenant-aware key, (org_id, shipment_id) →
-- shipments (org_id, id), instead of two separate references (org_id → orgs, shipment_id →
-- shipments). The composite key is stricter (an event can only belong to a shipment of its own
-- organisation) and costs one foreign-key check per inserted row instead of two: PostgreSQL
-- checks each reference with a per-row trigger, which was a third of the server's time in batch
-- ingest. A raw event kept without a shipment (rejected) is not checked, as before for its
-- shipment; organisations are never deleted.
ALTER TABLE shipments ADD CONSTRAINT shipments_org_id_id UNIQUE (org_id, id);

ALTER TABLE tracking_events
    DROP CONSTRAINT tracking_events_org_id_fkey,
    DROP CONSTRAINT tracking_events_shipment_id_fkey,
    ADD CONSTRAINT tracking_events_shipment FOREIGN KEY (org_id, shipment_id)
        REFERENCES shipments (org_id, id) ON DELETE CASCADE;

ALTER TABLE tracking_raw_events
    DROP CONSTRAINT tracking_raw_events_org_id_fkey,
    DROP CONSTRAINT tracking_raw_events_shipment_id_fkey,
    ADD CONSTRAINT tracking_raw_events_shipment FOREIGN KEY (org_id, shipment_id)
        REFERENCES shipments (org_id, id) ON DELETE CASCADE;

-- Fewer indexes to maintain per stored event (each is one more B-tree insert per row):
-- a shipment's events are found through the unique key (org_id, shipment_id, dedup_key), and a
-- shipment's few events are sorted by time after reading; only the re-classification of
-- unknown events looks events up by status, so only those are indexed; raw events are only
-- counted per organisation.
DROP INDEX tracking_events_shipment_time;
DROP INDEX tracking_events_status;
CREATE INDEX tracking_events_unknown ON tracking_events (org_id, carrier) WHERE status = 'unknown';
DROP INDEX tracking_raw_events_shipment;
