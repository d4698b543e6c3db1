-- Organisation trade profile: the exporter's legal identity printed on customs documents and its tax and
-- customs registrations (EORI, IOSS, VAT/GST numbers). One row per organisation; the registrations are a
-- JSON array of {scheme, number, country}. Same columns on SQLite and PostgreSQL.
CREATE TABLE trade_profiles (
    org_id BIGINT NOT NULL PRIMARY KEY REFERENCES orgs (id),
    legal_name TEXT NOT NULL,
    local_name TEXT NOT NULL,
    address_json TEXT NOT NULL,
    country TEXT,
    contact_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    registrations_json TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
