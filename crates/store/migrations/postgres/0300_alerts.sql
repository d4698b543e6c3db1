-- Alerts: periodic jobs, the alert log with per-user inboxes, subscription rules, outgoing
-- webhooks with their delivery outbox, the e-mail outbox, and stored shipment exceptions with
-- their rules. PostgreSQL flavour, kept column-for-column in step with ../sqlite/0300_alerts.sql.

-- One row per periodic task (not per organisation). A runner claims a due job by moving its
-- lease forward in one conditional UPDATE, so two processes never run the same job at once.
CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    every_secs BIGINT NOT NULL,
    next_run_at TEXT NOT NULL,
    lease_until TEXT,
    last_started_at TEXT,
    last_finished_at TEXT,
    last_ok BIGINT,
    last_message TEXT,
    run_count BIGINT NOT NULL DEFAULT 0
);

-- An alert is raised once per (organisation, dedupe key); titles and bodies in both UI languages.
CREATE TABLE alerts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    market TEXT,
    title_en TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    body_en TEXT NOT NULL,
    body_zh TEXT NOT NULL,
    link TEXT,
    dedupe_key TEXT NOT NULL,
    source TEXT NOT NULL,
    data_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, dedupe_key)
);
CREATE INDEX alerts_org_created ON alerts (org_id, created_at);

-- Who sees an alert in the in-app inbox, and whether they have read it.
CREATE TABLE alert_inbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    read_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (alert_id, user_id)
);
CREATE INDEX alert_inbox_user ON alert_inbox (org_id, user_id, read_at, id);

-- Per-user routing: which alert kinds (patterns such as `exception.*`), which markets, from which
-- severity on, to which channels (inbox, email). A user without rules gets everything in the inbox.
CREATE TABLE alert_subscriptions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    kinds_json TEXT NOT NULL,
    markets_json TEXT NOT NULL,
    min_severity TEXT NOT NULL,
    channels_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX alert_subscriptions_user ON alert_subscriptions (org_id, user_id);

-- Outgoing webhook endpoints; the secret signs payloads (HMAC-SHA256), so it is kept readable.
CREATE TABLE webhook_endpoints (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT NOT NULL,
    kinds_json TEXT NOT NULL,
    markets_json TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id);

-- The durable outbox of webhook deliveries: one row per (endpoint, alert), retried with
-- exponential backoff until delivered or given up.
CREATE TABLE webhook_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    event_kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_attempt_at TEXT,
    last_status_code BIGINT,
    last_error TEXT,
    delivered_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (endpoint_id, alert_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (org_id, id);

-- The e-mail outbox: one row per (alert, user), sent by a periodic job.
CREATE TABLE email_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (alert_id, user_id)
);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);

-- Exception rules per organisation (the tracking engine's ExceptionRule as JSON, scoped by leg,
-- carrier and lane). An organisation without rows uses the engine's defaults.
CREATE TABLE exception_rules (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    rule_key TEXT NOT NULL,
    rule_json TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, rule_key)
);

-- Exceptions raised on shipments: once per stable key, with evidence; closed when resolved
-- (automatically when the condition ends, or by an operator).
CREATE TABLE shipment_exceptions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    shipment_id BIGINT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    exc_key TEXT NOT NULL,
    rule_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    leg TEXT NOT NULL,
    origin TEXT,
    destination TEXT,
    carrier TEXT,
    summary TEXT NOT NULL,
    evidence_json TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    resolved_at TEXT,
    resolution TEXT,
    alert_id BIGINT,
    UNIQUE (org_id, exc_key)
);
CREATE INDEX shipment_exceptions_open ON shipment_exceptions (org_id, resolved_at, kind);
CREATE INDEX shipment_exceptions_shipment ON shipment_exceptions (org_id, shipment_id);
