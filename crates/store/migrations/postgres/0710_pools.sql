-- Consolidation pools (拼柜): a pool per lane and cut-off date, organised by one organisation, into which
-- participant organisations (the organiser is one) put cartons; the planner's result is stored as JSON.
-- visibility: private (only the organiser's organisation takes part) or open (any organisation may opt in).
-- status: open (joins and carton changes allowed), closed (intake stopped), planned (a plan is stored).
-- Same tables and columns on SQLite and PostgreSQL.
CREATE TABLE freight_pools (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    lane TEXT NOT NULL,
    cut_off TEXT NOT NULL,
    mode TEXT NOT NULL,
    currency TEXT NOT NULL,
    split_method TEXT NOT NULL,
    status TEXT NOT NULL,
    visibility TEXT NOT NULL,
    profiles_json TEXT NOT NULL,
    cards_json TEXT NOT NULL,
    plan_json TEXT,
    planned_at TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX freight_pools_org ON freight_pools (org_id);
CREATE INDEX freight_pools_open ON freight_pools (visibility, status);

-- One row per organisation that opted in; its deadline (goods must leave by) and its own solo quote.
CREATE TABLE freight_pool_participants (
    pool_id BIGINT NOT NULL REFERENCES freight_pools (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    display_name TEXT NOT NULL,
    deadline TEXT,
    solo_quote TEXT,
    solo_quote_currency TEXT,
    joined_at TEXT NOT NULL,
    joined_by TEXT NOT NULL,
    PRIMARY KEY (pool_id, org_id)
);
CREATE INDEX freight_pool_participants_org ON freight_pool_participants (org_id);

-- Carton lines of one participant in one pool (lengths in millimetres, weight per carton in kg).
CREATE TABLE freight_pool_cartons (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pool_id BIGINT NOT NULL REFERENCES freight_pools (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    carton_ref TEXT NOT NULL,
    length_mm TEXT NOT NULL,
    width_mm TEXT NOT NULL,
    height_mm TEXT NOT NULL,
    weight_kg TEXT NOT NULL,
    qty BIGINT NOT NULL,
    battery BIGINT NOT NULL,
    this_side_up BIGINT NOT NULL,
    stackable BIGINT NOT NULL,
    max_load_kg TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (pool_id, org_id, carton_ref)
);
CREATE INDEX freight_pool_cartons_pool ON freight_pool_cartons (pool_id, org_id);
