-- Shipment control tower: complete shipment model (lines, parcels, leg details, forwarder master
-- shipments), operator mapping overrides for unmapped codes, carrier API connectors.
-- PostgreSQL flavour, kept column-for-column in step with ../sqlite/0210_tracking_control_tower.sql.

ALTER TABLE shipments ADD COLUMN lines_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE shipments ADD COLUMN parcels_json TEXT NOT NULL DEFAULT '[]';
-- The leg of the current status (for the list's leg filter), kept with the derived state.
ALTER TABLE shipments ADD COLUMN current_leg TEXT;
CREATE INDEX shipments_org_leg ON shipments (org_id, current_leg);

-- Per-leg details: mode, service level, main-carriage identifiers (flight / vessel + voyage,
-- containers, AWB, B/L, ports) as JSON, and the forwarder master shipment the leg travels in.
ALTER TABLE shipment_legs ADD COLUMN mode TEXT;
ALTER TABLE shipment_legs ADD COLUMN service TEXT;
ALTER TABLE shipment_legs ADD COLUMN refs_json TEXT;
ALTER TABLE shipment_legs ADD COLUMN master_id BIGINT;

-- A forwarder's consolidated consignment (one container, one air consignment). `reference` is
-- the canonical container number or master AWB / B/L its events carry.
CREATE TABLE master_shipments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    reference TEXT NOT NULL,
    forwarder TEXT NOT NULL,
    mode TEXT NOT NULL,
    refs_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, reference)
);
CREATE INDEX shipment_legs_master ON shipment_legs (org_id, master_id);

-- Operator mappings for codes or texts the built-in rules do not know; they overlay the
-- built-in mapping files of the organisation (match_kind 'code' or 'text').
CREATE TABLE tracking_mapping_overrides (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    carrier TEXT NOT NULL,
    match_kind TEXT NOT NULL,
    pattern TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    leg TEXT,
    note TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, carrier, match_kind, pattern)
);

-- Carrier tracking API connectors per organisation. Credentials are write-only: the API and UI
-- show only `credential_hint`.
CREATE TABLE carrier_connectors (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    base_url TEXT NOT NULL,
    credentials TEXT NOT NULL,
    credential_hint TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    poll_minutes BIGINT NOT NULL DEFAULT 60,
    last_polled_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);
