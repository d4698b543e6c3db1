-- Document vault (compliance): certificates, test reports, declarations and registrations on file, per SKU, per
-- tag (a family of SKUs) or for the seller as a whole. The bytes live in the blob store (local directory or
-- S3-compatible) under a generated key; this row holds the metadata and the SHA-256 verified on every read.
-- Dates are civil dates YYYY-MM-DD; lists are JSON arrays. Same columns on SQLite and PostgreSQL.
CREATE TABLE compliance_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    subject_kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    standards_json TEXT NOT NULL,
    markets_json TEXT NOT NULL,
    covers_json TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    expires_on TEXT,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX compliance_documents_subject ON compliance_documents (org_id, subject_kind, subject);
CREATE INDEX compliance_documents_expiry ON compliance_documents (expires_on);
