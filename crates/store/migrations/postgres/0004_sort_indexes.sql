-- Lists sort by (title | updated_at) and break ties by id. With id in the index both backends
-- read a page straight off the index; without it PostgreSQL sorted all of an organisation's
-- rows for every page (measured: 180 ms per page at 100,000 SKUs).
DROP INDEX skus_org_title;
CREATE INDEX skus_org_title ON skus (org_id, title, id);
DROP INDEX skus_org_updated;
CREATE INDEX skus_org_updated ON skus (org_id, updated_at, id);
