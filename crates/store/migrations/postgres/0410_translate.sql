-- Translation module: per-organisation provider settings (API key sealed by the server key,
-- never stored in clear), the glossary, the translation memory and the usage/cost log.
-- PostgreSQL flavour, kept column-for-column in step with ../sqlite/0410_translate.sql.

-- One machine-translation provider per organisation; none = the offline stand-in.
CREATE TABLE translation_settings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    -- openai | deepl | libretranslate | offline
    kind TEXT NOT NULL,
    base_url TEXT,
    model TEXT,
    -- `tlk1:<key id>:<base64>` (ChaCha20-Poly1305 under the server key), never the key itself.
    api_key_sealed TEXT,
    api_key_id TEXT,
    -- `…k3Xz`: what pages and the API show instead of the key.
    api_key_hint TEXT NOT NULL,
    requests_per_minute BIGINT,
    batch_size BIGINT,
    timeout_ms BIGINT,
    -- JSON {currency, per_million_chars, per_million_input_tokens, per_million_output_tokens}.
    pricing_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id)
);

-- Glossary entries: a term with its per-locale translations, a do-not-translate term
-- (brand, model number), or a term forbidden in some markets.
CREATE TABLE glossary_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    -- term | do_not_translate | forbidden
    kind TEXT NOT NULL,
    term TEXT NOT NULL,
    -- Lower case, white space collapsed: one entry per (kind, term) in an organisation.
    term_key TEXT NOT NULL,
    -- JSON object locale tag -> required translation (kind term).
    translations_json TEXT NOT NULL,
    -- Comma-separated markets (DE, EU, de-DE, amazon) where a forbidden term applies; empty = all.
    markets TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, kind, term_key)
);
CREATE INDEX glossary_entries_org ON glossary_entries (org_id, term_key);

-- Translation memory: approved segment pairs, reused before any provider call.
CREATE TABLE tm_segments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    source_locale TEXT NOT NULL,
    target_locale TEXT NOT NULL,
    source_text TEXT NOT NULL,
    -- SHA-256 (hex) of the whitespace-collapsed source text: one pair per source text.
    source_hash TEXT NOT NULL,
    target_text TEXT NOT NULL,
    -- Where the pair came from: `listing 42 approved by ana@…`, `manual`, `import`.
    origin TEXT NOT NULL,
    listing_id BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, source_locale, target_locale, source_hash)
);
CREATE INDEX tm_segments_org_target ON tm_segments (org_id, target_locale, id);

-- What each translation run used and cost (recorded for failed runs too: they were billed).
CREATE TABLE translation_usage (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    at TEXT NOT NULL,
    provider TEXT NOT NULL,
    listing_id BIGINT,
    source_locale TEXT NOT NULL,
    target_locale TEXT NOT NULL,
    requests BIGINT NOT NULL,
    retries BIGINT NOT NULL,
    chars_billed BIGINT NOT NULL,
    tokens_in BIGINT NOT NULL,
    tokens_out BIGINT NOT NULL,
    -- Decimal string in `currency`; NULL when the provider has no prices configured.
    cost TEXT,
    currency TEXT,
    segments_from_memory BIGINT NOT NULL,
    segments_translated BIGINT NOT NULL,
    segments_failed BIGINT NOT NULL,
    ok BIGINT NOT NULL
);
CREATE INDEX translation_usage_org ON translation_usage (org_id, at);
