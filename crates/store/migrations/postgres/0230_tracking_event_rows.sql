-- One row per stored event. A normalised event now carries the raw payload it came from, so
-- storing an event writes one row instead of two (the raw row was half of batch ingest's
-- database time). tracking_raw_events keeps only the payloads that produced no stored event:
-- rejected ones with their reason, and duplicates whose payload differs from the stored event's
-- (the same scan reported by two sources).
ALTER TABLE tracking_events ADD COLUMN raw_json TEXT NOT NULL DEFAULT '';
UPDATE tracking_events e SET raw_json = r.raw_json FROM tracking_raw_events r
    WHERE r.org_id = e.org_id AND r.content_hash = e.raw_hash;
DELETE FROM tracking_raw_events r USING tracking_events e
    WHERE e.org_id = r.org_id AND e.raw_hash = r.content_hash;

-- The events' reference to their shipment is kept by the store rather than checked per row:
-- PostgreSQL checks a foreign key with a trigger query per inserted row, a third of the cost of
-- storing an event. Every insert resolves its shipment inside the same transaction, scoped to
-- the organisation, and shipments are never deleted; a store test checks that no event points
-- at a missing shipment or another organisation's. (SQLite checks references with a plain
-- index probe and keeps its key.)
ALTER TABLE tracking_events DROP CONSTRAINT tracking_events_shipment;

-- Small planner statistics for the events: a batch ingest analyses the table as it grows (so
-- reads by shipment use the index), and the default 30,000-row sample with statistics of the
-- JSON columns cost as much as storing 15,000 events. Queries filter events by organisation,
-- shipment, carrier and status only; a target of 10 samples 3,000 rows.
ALTER TABLE tracking_events
    ALTER COLUMN org_id SET STATISTICS 10,
    ALTER COLUMN shipment_id SET STATISTICS 10,
    ALTER COLUMN carrier SET STATISTICS 10,
    ALTER COLUMN status SET STATISTICS 10,
    ALTER COLUMN id SET STATISTICS 0,
    ALTER COLUMN dedup_key SET STATISTICS 0,
    ALTER COLUMN raw_hash SET STATISTICS 0,
    ALTER COLUMN tracking_number SET STATISTICS 0,
    ALTER COLUMN leg SET STATISTICS 0,
    ALTER COLUMN occurred_at SET STATISTICS 0,
    ALTER COLUMN event_json SET STATISTICS 0,
    ALTER COLUMN received_at SET STATISTICS 0,
    ALTER COLUMN raw_json SET STATISTICS 0;

-- Shipments are analysed during ingest too; their JSON columns are never filtered on.
ALTER TABLE shipments
    ALTER COLUMN state_json SET STATISTICS 0,
    ALTER COLUMN order_refs_json SET STATISTICS 0,
    ALTER COLUMN tracking_numbers_json SET STATISTICS 0,
    ALTER COLUMN lines_json SET STATISTICS 0,
    ALTER COLUMN parcels_json SET STATISTICS 0;

-- A shipment's derived state (about 2 kB for a delivered parcel) is rewritten with every batch
-- of its events. Above 2 kB PostgreSQL compresses a row before storing it unless the table's
-- target allows more; compressing each state cost more than the rest of the row's write.
-- Rows up to a page are kept as they are (larger ones are still compressed and moved out).
ALTER TABLE shipments SET (toast_tuple_target = 8160);

-- Legs reference their shipment through the tenant-aware key events used until now, (org_id,
-- shipment_id) → shipments (org_id, id), instead of two references: one per-row check instead of
-- two when a batch creates shipments, and a leg can only belong to a shipment of its own
-- organisation.
ALTER TABLE shipment_legs
    DROP CONSTRAINT shipment_legs_org_id_fkey,
    DROP CONSTRAINT shipment_legs_shipment_id_fkey,
    ADD CONSTRAINT shipment_legs_shipment FOREIGN KEY (org_id, shipment_id)
        REFERENCES shipments (org_id, id) ON DELETE CASCADE;
