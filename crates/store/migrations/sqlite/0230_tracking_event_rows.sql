-- One row per stored event. A normalised event now carries the raw payload it came from, so
-- storing an event writes one row instead of two. tracking_raw_events keeps only the payloads
-- that produced no stored event: rejected ones with their reason, and duplicates whose payload
-- differs from the stored event's (the same scan reported by two sources). PostgreSQL also
-- drops the events' per-row checked reference, checks legs by one composite reference and
-- shrinks planner statistics here; SQLite checks references with a plain index probe and has no
-- such statistics.
ALTER TABLE tracking_events ADD COLUMN raw_json TEXT NOT NULL DEFAULT '';
UPDATE tracking_events SET raw_json = COALESCE((SELECT r.raw_json FROM tracking_raw_events r
    WHERE r.org_id = tracking_events.org_id AND r.content_hash = tracking_events.raw_hash), '');
DELETE FROM tracking_raw_events WHERE EXISTS (SELECT 1 FROM tracking_events e
    WHERE e.org_id = tracking_raw_events.org_id AND e.raw_hash = tracking_raw_events.content_hash);
