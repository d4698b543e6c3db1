-- Orders imported for tax-registration thresholds (issue: tax obligations). One row per order; re-importing the
-- same order (same reference) with the same content changes nothing, a corrected order is updated.
CREATE TABLE tax_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    order_ref TEXT NOT NULL,
    order_date TEXT NOT NULL,
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    subdivision TEXT,
    net_amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    marketplace_collected BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (org_id, order_ref)
);
CREATE INDEX tax_orders_org_date ON tax_orders (org_id, order_date);

-- Who the seller is for the thresholds, and the schemes it files (filing calendar and reminders).
CREATE TABLE tax_profiles (
    org_id BIGINT PRIMARY KEY REFERENCES orgs (id),
    established_in TEXT NOT NULL,
    global_turnover TEXT,
    global_turnover_currency TEXT,
    stock_countries TEXT NOT NULL,
    schemes TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
