-- Listing localization workbench: listings per SKU x marketplace x locale, their version
-- history and review comments, and bulk-translation jobs.
-- PostgreSQL flavour, kept column-for-column in step with ../sqlite/0400_listings.sql.

CREATE TABLE listings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    sku_id BIGINT NOT NULL REFERENCES skus (id) ON DELETE CASCADE,
    marketplace TEXT NOT NULL,
    locale TEXT NOT NULL,
    -- The listing this one was translated from (same SKU, a source locale); NULL for a source.
    source_id BIGINT REFERENCES listings (id) ON DELETE SET NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    bullets_json TEXT NOT NULL,
    description TEXT NOT NULL,
    search_terms TEXT NOT NULL,
    attributes_json TEXT NOT NULL,
    -- Who produced the current text: 'human' or the translation provider's label.
    origin TEXT NOT NULL,
    review_comment TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, sku_id, marketplace, locale)
);
CREATE INDEX listings_org_state ON listings (org_id, state, id);
CREATE INDEX listings_org_market ON listings (org_id, marketplace, locale, id);

-- Every version of every listing: the full content after the change, the action that made it.
CREATE TABLE listing_versions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    listing_id BIGINT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    content_json TEXT NOT NULL,
    comment TEXT,
    actor_user_id BIGINT,
    actor_label TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (listing_id, version)
);
CREATE INDEX listing_versions_org ON listing_versions (org_id, listing_id, version);

-- Bulk translation of a catalogue for one marketplace and locale; polled for progress.
CREATE TABLE listing_jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    marketplace TEXT NOT NULL,
    target_locale TEXT NOT NULL,
    status TEXT NOT NULL,
    total BIGINT NOT NULL,
    done BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    report_json TEXT NOT NULL,
    actor_label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX listing_jobs_org ON listing_jobs (org_id, id);
