-- The tag index led with org_id, so SQLite also chose it for "sku_id = ? AND org_id = ?"
-- (deleting one SKU's tags) and scanned every tag row of the organisation. Leading with the tag
-- leaves those lookups to the primary key (sku_id, tag) and still serves the tag filter.
DROP INDEX sku_tags_org_tag;
CREATE INDEX sku_tags_tag_org ON sku_tags (tag, org_id, sku_id);
