-- Landed cost: rule pack versions per organisation, dated FX rates, saved quotes. SQLite flavour, kept
-- column-for-column in step with ../postgres/0100_landed_cost.sql (a test compares them).

-- Every loaded rule pack version, kept whole (the TOML text), so a quote's pack version can be re-read.
CREATE TABLE rule_packs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    published TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    toml TEXT NOT NULL,
    rule_count BIGINT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    UNIQUE (org_id, sha256)
);
CREATE INDEX rule_packs_org ON rule_packs (org_id, id);

-- Published reference rates are public facts, shared by all organisations. rate is decimal text, exactly
-- as published (units of quote_currency per one base).
CREATE TABLE fx_rates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    base TEXT NOT NULL,
    quote_currency TEXT NOT NULL,
    rate_date TEXT NOT NULL,
    rate TEXT NOT NULL,
    rate_type TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (source, base, quote_currency, rate_date, rate_type)
);

CREATE TABLE quotes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    request_json TEXT NOT NULL,
    result_json TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    fx_json TEXT NOT NULL
);
CREATE INDEX quotes_org ON quotes (org_id, id);
