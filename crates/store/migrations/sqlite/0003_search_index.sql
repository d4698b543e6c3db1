-- Substring search over skus.search_text without reading every row: an FTS5 trigram index
-- (answers LIKE '%...%' for patterns with 3 or more characters), kept in step by triggers.
-- SQLite only; PostgreSQL gets a pg_trgm index in its 0003.
CREATE VIRTUAL TABLE skus_fts USING fts5 (
    search_text,
    content = 'skus',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO skus_fts (skus_fts) VALUES ('rebuild');

CREATE TRIGGER skus_fts_insert AFTER INSERT ON skus BEGIN
    INSERT INTO skus_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TRIGGER skus_fts_delete AFTER DELETE ON skus BEGIN
    INSERT INTO skus_fts (skus_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;

CREATE TRIGGER skus_fts_update AFTER UPDATE OF search_text ON skus BEGIN
    INSERT INTO skus_fts (skus_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO skus_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
