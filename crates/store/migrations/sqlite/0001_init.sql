-- tradelane schema, SQLite flavour. Kept column-for-column in step with ../postgres/0001_init.sql
-- (a test compares them). Portable types only: INTEGER/BIGINT ids and counters, BIGINT 0/1 for
-- booleans, TEXT for everything else (timestamps are RFC 3339 UTC with fixed-width microseconds,
-- so they sort as text).

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    locale TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_org ON users (org_id, id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_org ON api_tokens (org_id, id);

CREATE TABLE skus (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    brand TEXT NOT NULL,
    brand_key TEXT NOT NULL,
    origin TEXT,
    hs_code TEXT,
    has_battery BIGINT NOT NULL,
    search_text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    record_json TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, code)
);
CREATE INDEX skus_org_title ON skus (org_id, title);
CREATE INDEX skus_org_brand ON skus (org_id, brand_key);
CREATE INDEX skus_org_origin ON skus (org_id, origin);
CREATE INDEX skus_org_hs ON skus (org_id, hs_code);
CREATE INDEX skus_org_battery ON skus (org_id, has_battery);
CREATE INDEX skus_org_updated ON skus (org_id, updated_at);

CREATE TABLE sku_tags (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    sku_id BIGINT NOT NULL REFERENCES skus (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (sku_id, tag)
);
CREATE INDEX sku_tags_org_tag ON sku_tags (org_id, tag, sku_id);

CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    at TEXT NOT NULL,
    actor_user_id BIGINT,
    actor_label TEXT NOT NULL,
    source_label TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
);
CREATE INDEX import_batches_org ON import_batches (org_id, id);

-- No foreign key on actor_user_id: the audit trail must outlive whatever it talks about.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    at TEXT NOT NULL,
    actor_user_id BIGINT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    batch_id BIGINT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_org ON audit_log (org_id, id);
CREATE INDEX audit_entity ON audit_log (org_id, entity_type, entity_id, id);
CREATE INDEX audit_actor ON audit_log (org_id, actor_user_id, id);
