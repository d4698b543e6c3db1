-- Forwarder rate cards of an organisation (issue 7): one row per card of an imported CSV/XLSX file. The parsed
-- card is kept whole as JSON; the columns beside it are for listing and filtering. A file is imported whole or
-- not at all, and a file whose content (SHA-256) is already stored is not imported again.
-- PostgreSQL flavour, kept column-for-column in step with ../sqlite/0700_freight_cards.sql.

CREATE TABLE freight_cards (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    -- The card's id in its file (its id column, or "rowN").
    card_ref TEXT NOT NULL,
    forwarder TEXT NOT NULL,
    lane_origin TEXT NOT NULL,
    lane_destination TEXT NOT NULL,
    -- sea_fcl, sea_lcl, air, express, rail, truck.
    mode TEXT NOT NULL,
    currency TEXT NOT NULL,
    -- Inclusive validity, YYYY-MM-DD.
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    source_file TEXT NOT NULL,
    -- SHA-256 (hex) of the imported file's bytes.
    source_checksum TEXT NOT NULL,
    -- Position of the card in its file (0-based).
    source_index BIGINT NOT NULL,
    card_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, source_checksum, source_index)
);
CREATE INDEX freight_cards_org_lane ON freight_cards (org_id, lane_origin, lane_destination);
CREATE INDEX freight_cards_org_valid ON freight_cards (org_id, valid_to);
