-- Shipment tracking: shipments, legs, raw and normalised events, webhook sources, unmapped codes.
-- SQLite flavour, kept column-for-column in step with ../postgres/0200_tracking.sql.

CREATE TABLE shipments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    reference TEXT NOT NULL,
    order_refs_json TEXT NOT NULL,
    mode TEXT,
    origin TEXT,
    destination TEXT,
    carrier TEXT,
    tracking_numbers_json TEXT NOT NULL,
    promised_date TEXT,
    state_json TEXT NOT NULL,
    status TEXT NOT NULL,
    has_exception BIGINT NOT NULL DEFAULT 0,
    event_count BIGINT NOT NULL DEFAULT 0,
    last_event_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, reference)
);
CREATE INDEX shipments_org_status ON shipments (org_id, status, id);
CREATE INDEX shipments_org_updated ON shipments (org_id, updated_at);

-- One row per leg; `reference` is the canonical tracking number (or other reference) that
-- incoming events carry, so events find their shipment through this table.
CREATE TABLE shipment_legs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    shipment_id BIGINT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    carrier TEXT,
    reference TEXT,
    UNIQUE (shipment_id, seq)
);
CREATE INDEX shipment_legs_reference ON shipment_legs (org_id, reference);

-- Every event exactly as delivered (payload included), once per content hash, including the
-- ones that could not be normalised or attached (error says why), so nothing sent is lost.
CREATE TABLE tracking_raw_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    shipment_id BIGINT REFERENCES shipments (id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    raw_json TEXT NOT NULL,
    error TEXT,
    received_at TEXT NOT NULL,
    UNIQUE (org_id, content_hash)
);
CREATE INDEX tracking_raw_events_shipment ON tracking_raw_events (org_id, shipment_id);

-- Normalised events; the unique key makes replays (and the same event from two sources) one row.
CREATE TABLE tracking_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    shipment_id BIGINT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL,
    raw_hash TEXT NOT NULL,
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    status TEXT NOT NULL,
    leg TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    event_json TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (org_id, shipment_id, dedup_key)
);
CREATE INDEX tracking_events_shipment_time ON tracking_events (org_id, shipment_id, occurred_at);
CREATE INDEX tracking_events_status ON tracking_events (org_id, status);

-- A webhook endpoint per source; the secret signs request bodies (HMAC-SHA256), so it has to be
-- kept readable, not hashed.
CREATE TABLE webhook_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    carrier TEXT NOT NULL,
    secret TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);

-- Codes no mapping rule understood, per organisation; code_key is '' for text-only events.
CREATE TABLE tracking_unmapped (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    carrier TEXT NOT NULL,
    code_key TEXT NOT NULL,
    text_sample TEXT,
    event_count BIGINT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (org_id, carrier, code_key)
);
