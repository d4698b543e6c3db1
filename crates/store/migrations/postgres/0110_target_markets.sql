-- Markets an organisation sells into: the catalogue shows each SKU's DDP landed cost in these, in this order.
CREATE TABLE target_markets (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    position BIGINT NOT NULL,
    country TEXT NOT NULL,
    subdivision TEXT,
    PRIMARY KEY (org_id, position)
);
