-- Substring search over skus.search_text without reading every row: a pg_trgm GIN index, which
-- PostgreSQL uses for LIKE '%...%'. pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension, but a server without it must still run tradelane: search then scans, slower but
-- correct. SQLite gets an FTS5 trigram index in its 0003.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS skus_search_trgm ON skus USING gin (search_text gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%): catalogue text search will scan', SQLERRM;
END
$$;
