-- Trademark watchlist per organisation (marks with Nice classes, owner, markets, note) and the allowlist of the
-- seller's own and licensed brands, which screening never reports.
-- PostgreSQL flavour, kept column-for-column in step with ../sqlite/0510_watchlist.sql.

CREATE TABLE trademark_marks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    -- Registration number when known, else a key derived from the mark's text; unique per organisation,
    -- so re-importing a file updates rather than duplicates.
    mark_ref TEXT NOT NULL,
    mark TEXT NOT NULL,
    -- Nice classes, comma-separated ("9,25"); empty = all classes.
    classes TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- Markets the mark is registered in, comma-separated ISO codes or EU; empty = everywhere.
    markets TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, mark_ref)
);
CREATE INDEX trademark_marks_org_mark ON trademark_marks (org_id, mark);

CREATE TABLE trademark_allowlist (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    brand TEXT NOT NULL,
    -- Lower-cased, spaces collapsed: one entry per brand.
    brand_key TEXT NOT NULL,
    -- 'own' or 'licensed'.
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, brand_key)
);
