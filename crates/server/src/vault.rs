//! Document vault operations shared by the API, the pages and the CLI: upload (checks, blob, metadata row),
//! download (checksum verified), delete, the documents that apply to a SKU, and the conversion of stored
//! documents into the gap engine's `OnFileDocument`s.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Serialize;
use tradelane_compliance::gap::{DocSubject, OnFileDocument};
use tradelane_compliance::requirements::RequirementPack;
use tradelane_domain::{Country, EU_MEMBERS, SkuCode, SkuRecord};
use tradelane_store::{
    Actor, DocumentId, DocumentQuery, NewDocument, OrgId, Store, StoredDocument, SubjectKind,
};
use tradelane_vault::{BlobError, UploadError, Vault};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// Days before expiry a document shows as expiring.
pub const EXPIRING_WITHIN_DAYS: i32 = 90;

/// The metadata fields of an upload, as text (form fields, multipart parts or CLI flags).
#[derive(Debug, Clone, Default)]
pub struct UploadFields {
    /// `sku` (default when `subject` is given), `tag` or `seller`.
    pub subject_kind: Option<String>,
    pub subject: Option<String>,
    pub doc_type: Option<String>,
    pub title: Option<String>,
    pub issuer: Option<String>,
    /// Comma, semicolon or newline separated.
    pub standards: Option<String>,
    pub markets: Option<String>,
    pub covers: Option<String>,
    pub issued_on: Option<String>,
    pub expires_on: Option<String>,
}

impl UploadFields {
    /// Sets a field by its form name; unknown names are ignored.
    pub fn set(&mut self, name: &str, value: String) {
        let slot = match name {
            "subject_kind" => &mut self.subject_kind,
            "subject" | "sku" => &mut self.subject,
            "doc_type" | "type" => &mut self.doc_type,
            "title" => &mut self.title,
            "issuer" => &mut self.issuer,
            "standards" | "standard" => &mut self.standards,
            "markets" | "scope" => &mut self.markets,
            "covers" => &mut self.covers,
            "issued_on" | "issued" => &mut self.issued_on,
            "expires_on" | "expires" => &mut self.expires_on,
            _ => return,
        };
        *slot = Some(value);
    }
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().map(str::trim).unwrap_or("")
}

/// Splits a list field on commas, semicolons and line breaks.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_day(field: &str, text: &str) -> ApiResult<Date> {
    text.parse::<Date>()
        .map_err(|_| ApiError::validation(field, text, "a date YYYY-MM-DD"))
}

/// Document types the requirement pack accepts as evidence (`satisfied_by`), sorted.
pub fn doc_types(pack: &RequirementPack) -> Vec<String> {
    pack.requirements
        .iter()
        .flat_map(|r| r.satisfied_by.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// For each document type, the requirement ids it can evidence (for the upload form's help and the API).
pub fn doc_type_uses(pack: &RequirementPack) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &pack.requirements {
        for t in &r.satisfied_by {
            let ids = out.entry(t.clone()).or_default();
            if !ids.contains(&r.id) {
                ids.push(r.id.clone());
            }
        }
    }
    out
}

/// Validates the metadata into a [`NewDocument`] without the file part.
fn metadata(pack: &RequirementPack, f: &UploadFields) -> ApiResult<NewDocument> {
    let subject = text(&f.subject).to_string();
    let kind = match text(&f.subject_kind) {
        "" if subject.is_empty() => {
            return Err(ApiError::validation(
                "subject",
                "",
                "the SKU code (or a tag with subject_kind=tag, or subject_kind=seller)",
            ));
        }
        "" => SubjectKind::Sku,
        k => SubjectKind::parse(k)
            .ok_or_else(|| ApiError::validation("subject_kind", k, "sku, tag or seller"))?,
    };
    let doc_type = text(&f.doc_type).to_ascii_lowercase();
    let types = doc_types(pack);
    if !types.iter().any(|t| t == &doc_type) {
        return Err(ApiError::validation(
            "doc_type",
            &doc_type,
            &format!(
                "one of the requirement pack's document types: {}",
                types.join(", ")
            ),
        ));
    }
    let issued = text(&f.issued_on);
    if issued.is_empty() {
        return Err(ApiError::validation(
            "issued_on",
            "",
            "the issue date YYYY-MM-DD",
        ));
    }
    let issued_on = parse_day("issued_on", issued)?;
    let expires_on = match text(&f.expires_on) {
        "" => None,
        t => Some(parse_day("expires_on", t)?),
    };
    let mut markets = Vec::new();
    for m in split_list(text(&f.markets)) {
        let up = m.to_ascii_uppercase();
        if up != "EU" && Country::parse(&up).is_err() {
            return Err(ApiError::validation(
                "markets",
                &m,
                "ISO alpha-2 codes (DE, US) or EU; empty for any market",
            ));
        }
        markets.push(up);
    }
    let covers = split_list(text(&f.covers));
    if let Some(bad) = covers
        .iter()
        .find(|c| !pack.requirements.iter().any(|r| &r.id == *c))
    {
        return Err(ApiError::validation(
            "covers",
            bad,
            "requirement ids of the pack (see GET /api/v1/compliance/requirements)",
        ));
    }
    Ok(NewDocument {
        subject_kind: kind,
        subject,
        doc_type,
        title: text(&f.title).to_string(),
        issuer: text(&f.issuer).to_string(),
        standards: split_list(text(&f.standards)),
        markets,
        covers,
        issued_on,
        expires_on,
        file_name: String::new(),
        content_type: String::new(),
        size_bytes: 0,
        sha256: String::new(),
        blob_key: String::new(),
    })
}

/// Maps an upload refusal to the API error: too large is 413, everything else 422 on the `file` field.
pub fn upload_error(e: UploadError) -> ApiError {
    match e {
        UploadError::TooLarge { max, .. } => ApiError::Validation {
            message: e.to_string(),
            fields: vec![crate::error::FieldErrorBody {
                field: "file".into(),
                value: String::new(),
                expected: format!("at most {max} bytes"),
            }],
        },
        other => ApiError::Validation {
            message: format!("file rejected ({}): {other}", other.code()),
            fields: vec![crate::error::FieldErrorBody {
                field: "file".into(),
                value: String::new(),
                expected: "a PDF, PNG, JPEG or WebP document whose name matches its content".into(),
            }],
        },
    }
}

fn blob_error(context: &str, e: BlobError) -> ApiError {
    match e {
        BlobError::Integrity { .. } => ApiError::Integrity(format!(
            "{context}: the stored file no longer matches its SHA-256 checksum and is not served; upload it again"
        )),
        BlobError::Missing(_) => ApiError::Integrity(format!(
            "{context}: the stored file is missing from the document store; upload it again"
        )),
        other => ApiError::internal(context, other),
    }
}

/// Checks, stores and files one upload. The blob is written first; if the metadata cannot be stored the blob is
/// removed again, so no row points at a missing file and no file lingers without a row.
pub async fn upload(
    store: &Store,
    vault: &Vault,
    pack: &RequirementPack,
    actor: &Actor,
    fields: &UploadFields,
    file_name: &str,
    bytes: Vec<u8>,
) -> ApiResult<StoredDocument> {
    let mut doc = metadata(pack, fields)?;
    let checked = vault.check(file_name, &bytes).map_err(upload_error)?;
    if doc.title.is_empty() {
        doc.title = checked.file_name.clone();
    }
    doc.file_name = checked.file_name;
    doc.content_type = checked.kind.content_type().to_string();
    doc.size_bytes = i64::try_from(checked.size).unwrap_or(i64::MAX);
    doc.sha256 = checked.sha256;
    let key = vault
        .put(actor.org_id.0, bytes)
        .await
        .map_err(|e| blob_error("storing the file", e))?;
    doc.blob_key = key.to_string();
    match store.create_document(actor, doc).await {
        Ok(stored) => Ok(stored),
        Err(e) => {
            if let Err(d) = vault.delete(key.as_str()).await {
                tracing::warn!(error = %d, key = %key, "cannot remove the blob of a refused upload");
            }
            Err(e.into())
        }
    }
}

/// The document and its bytes, checksum verified.
pub async fn download(
    store: &Store,
    vault: &Vault,
    org: OrgId,
    id: i64,
) -> ApiResult<(StoredDocument, Vec<u8>)> {
    let doc = store.get_document(org, DocumentId(id)).await?;
    let bytes = vault
        .fetch(&doc.doc.blob_key, &doc.doc.sha256)
        .await
        .map_err(|e| blob_error(&format!("document {id}"), e))?;
    Ok((doc, bytes))
}

/// Deletes the row (audited), then the blob; a blob that cannot be removed is logged, not an error.
pub async fn delete(
    store: &Store,
    vault: &Vault,
    actor: &Actor,
    id: i64,
) -> ApiResult<StoredDocument> {
    let doc = store.delete_document(actor, DocumentId(id)).await?;
    if let Err(e) = vault.delete(&doc.doc.blob_key).await {
        tracing::warn!(error = %e, id, "document deleted but its file could not be removed");
    }
    Ok(doc)
}

/// True when a stored document applies to the SKU: its own, one of its tags, or the seller's.
pub fn applies_to(doc: &StoredDocument, record: &SkuRecord) -> bool {
    match doc.doc.subject_kind {
        SubjectKind::Sku => doc.doc.subject == record.code.as_str(),
        SubjectKind::Tag => record.tags.iter().any(|t| t == &doc.doc.subject),
        SubjectKind::Seller => true,
    }
}

/// The documents that apply to one SKU of the organisation (404 for an unknown SKU).
pub async fn documents_for_sku(
    store: &Store,
    org: OrgId,
    code: &str,
) -> ApiResult<(SkuRecord, Vec<StoredDocument>)> {
    let code = SkuCode::parse(code.trim())
        .map_err(|_| ApiError::validation("sku", code, "a SKU code of the catalogue"))?;
    let record = store
        .get_sku_by_code(org, &code)
        .await?
        .ok_or(ApiError::NotFound)?
        .record;
    let docs = store
        .list_documents(org, &DocumentQuery::default())
        .await?
        .into_iter()
        .filter(|d| applies_to(d, &record))
        .collect();
    Ok((record, docs))
}

/// How the gap engine names a stored document in reasons: `#12 CE DoC (eu_doc)`.
pub fn doc_label(d: &StoredDocument) -> String {
    format!("#{} {} ({})", d.id.0, d.doc.title, d.doc.doc_type)
}

/// Stored documents as the gap engine's evidence (`EU` in the markets stands for every member state).
pub fn on_file(docs: &[StoredDocument]) -> Vec<OnFileDocument> {
    docs.iter()
        .filter_map(|d| {
            let subject = match d.doc.subject_kind {
                SubjectKind::Sku => DocSubject::Sku(SkuCode::parse(&d.doc.subject).ok()?),
                SubjectKind::Tag => DocSubject::Tag(d.doc.subject.clone()),
                SubjectKind::Seller => DocSubject::Seller,
            };
            let mut markets: Vec<Country> = Vec::new();
            for m in &d.doc.markets {
                if m == "EU" {
                    markets.extend(EU_MEMBERS.iter().copied());
                } else if let Ok(c) = Country::parse(m) {
                    markets.push(c);
                }
            }
            markets.dedup();
            // A document restricted to markets none of which are known cannot count anywhere.
            if markets.is_empty() && !d.doc.markets.is_empty() {
                return None;
            }
            Some(OnFileDocument {
                id: doc_label(d),
                doc_type: d.doc.doc_type.clone(),
                standards: d.doc.standards.clone(),
                markets,
                covers: d.doc.covers.clone(),
                subject,
                issued: d.doc.issued_on,
                expires: d.doc.expires_on,
            })
        })
        .collect()
}

/// Validity of a document on a day: valid, expiring (within 90 days), expired, not_yet_valid.
pub fn validity(d: &StoredDocument, today: Date) -> (&'static str, Option<i32>) {
    if d.doc.issued_on > today {
        return ("not_yet_valid", None);
    }
    match d.doc.expires_on {
        None => ("valid", None),
        Some(e) => {
            let days = (e - today).get_days();
            if days < 0 {
                ("expired", Some(days))
            } else if days <= EXPIRING_WITHIN_DAYS {
                ("expiring", Some(days))
            } else {
                ("valid", Some(days))
            }
        }
    }
}

/// A document as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentResponse {
    pub id: i64,
    /// sku, tag or seller.
    pub subject_kind: String,
    /// SKU code or tag; empty for the seller.
    pub subject: String,
    /// Evidence type as the requirement pack names it (eu_doc, test_report, un38_3_summary, sds …).
    pub doc_type: String,
    pub title: String,
    pub issuer: String,
    pub standards: Vec<String>,
    /// ISO alpha-2 or EU; empty = any market.
    pub markets: Vec<String>,
    /// Requirement ids it explicitly evidences.
    pub covers: Vec<String>,
    #[schema(value_type = String, format = Date)]
    pub issued_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
    /// valid, expiring (within 90 days), expired, not_yet_valid — as of today (UTC).
    pub validity: String,
    /// Days until the last valid day (negative when expired).
    pub days_left: Option<i32>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the file, verified on every download.
    pub sha256: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    pub created_by: String,
    /// Where to download the file.
    pub download: String,
}

impl DocumentResponse {
    pub fn new(d: &StoredDocument, today: Date) -> Self {
        let (validity, days_left) = validity(d, today);
        DocumentResponse {
            id: d.id.0,
            subject_kind: d.doc.subject_kind.as_str().to_string(),
            subject: d.doc.subject.clone(),
            doc_type: d.doc.doc_type.clone(),
            title: d.doc.title.clone(),
            issuer: d.doc.issuer.clone(),
            standards: d.doc.standards.clone(),
            markets: d.doc.markets.clone(),
            covers: d.doc.covers.clone(),
            issued_on: d.doc.issued_on,
            expires_on: d.doc.expires_on,
            validity: validity.to_string(),
            days_left,
            file_name: d.doc.file_name.clone(),
            content_type: d.doc.content_type.clone(),
            size_bytes: d.doc.size_bytes,
            sha256: d.doc.sha256.clone(),
            created_at: d.created_at,
            created_by: d.created_by.clone(),
            download: format!("/api/v1/compliance/documents/{}/file", d.id.0),
        }
    }
}

/// Today in UTC (the pages and API evaluate validity on it).
pub fn today_utc() -> Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// The periodic expiry-reminder task: for every organisation, every document expiring within 90 days (or
/// expired) raises one alert per threshold it has reached (90, 60, 30 days before the last valid day; then
/// "expired"), deduplicated by `cert-expiry:<id>:<expiry>:<threshold>`, so each is raised once however often the
/// job runs; a document whose expiry date changes is reminded again for the new date. `now` is a parameter.
pub async fn expiry_reminders(store: &Store, now: jiff::Timestamp) -> anyhow::Result<String> {
    use tradelane_compliance::gap::{EXPIRY_REMINDER_DAYS, ExpiryReminder, expiry_reminder};
    use tradelane_store::{AlertSeverity, Localized, NewAlert};
    let today = jiff::tz::TimeZone::UTC.to_datetime(now).date();
    let horizon = today
        .checked_add(jiff::Span::new().days(EXPIRY_REMINDER_DAYS[0]))
        .unwrap_or(today);
    let (mut raised, mut seen) = (0usize, 0usize);
    for org in store.list_orgs().await? {
        let docs = store
            .list_documents(
                org.id,
                &DocumentQuery {
                    expires_by: Some(horizon),
                    ..DocumentQuery::default()
                },
            )
            .await?;
        for d in docs {
            let Some(expires) = d.doc.expires_on else {
                continue;
            };
            let Some(reminder) = expiry_reminder(today, expires) else {
                continue;
            };
            seen += 1;
            let who = match d.doc.subject_kind {
                SubjectKind::Sku => format!("SKU {}", d.doc.subject),
                SubjectKind::Tag => format!("tag {}", d.doc.subject),
                SubjectKind::Seller => "the seller".to_string(),
            };
            let who_zh = match d.doc.subject_kind {
                SubjectKind::Sku => format!("SKU {}", d.doc.subject),
                SubjectKind::Tag => format!("标签 {}", d.doc.subject),
                SubjectKind::Seller => "卖家".to_string(),
            };
            let (severity, title, body) = match reminder {
                ExpiryReminder::Before { days_left, .. } => (
                    if days_left <= 30 {
                        AlertSeverity::Critical
                    } else {
                        AlertSeverity::Warning
                    },
                    Localized::new(
                        format!(
                            "{} ({}) expires in {days_left} days",
                            d.doc.title, d.doc.doc_type
                        ),
                        format!(
                            "{}（{}）将在 {days_left} 天后到期",
                            d.doc.title, d.doc.doc_type
                        ),
                    ),
                    Localized::new(
                        format!(
                            "Document #{} for {who} is valid until {expires}. Upload the renewed document before \
                             then, or listings and shipments that need it will be blocked.",
                            d.id.0
                        ),
                        format!(
                            "{who_zh} 的文件 #{} 有效期至 {expires}。请在此之前上传更新后的文件，否则需要它的商品导出和发货将被拦截。",
                            d.id.0
                        ),
                    ),
                ),
                ExpiryReminder::Expired => (
                    AlertSeverity::Critical,
                    Localized::new(
                        format!("{} ({}) has expired", d.doc.title, d.doc.doc_type),
                        format!("{}（{}）已过期", d.doc.title, d.doc.doc_type),
                    ),
                    Localized::new(
                        format!(
                            "Document #{} for {who} expired on {expires}; it no longer counts as evidence.",
                            d.id.0
                        ),
                        format!(
                            "{who_zh} 的文件 #{} 已于 {expires} 过期，不再作为合规证明。",
                            d.id.0
                        ),
                    ),
                ),
            };
            let link = match d.doc.subject_kind {
                SubjectKind::Sku => format!(
                    "/compliance/documents?sku={}",
                    d.doc
                        .subject
                        .bytes()
                        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                            (b as char).to_string()
                        } else {
                            format!("%{b:02X}")
                        })
                        .collect::<String>()
                ),
                _ => "/compliance/documents".to_string(),
            };
            let market = match d.doc.markets.as_slice() {
                [one] if one != "EU" => Some(one.clone()),
                _ => None,
            };
            let alert = NewAlert {
                org_id: org.id,
                kind: if reminder == ExpiryReminder::Expired {
                    "compliance.cert_expired".into()
                } else {
                    "compliance.cert_expiry".into()
                },
                severity,
                market,
                title,
                body,
                link: Some(link),
                dedupe_key: format!("cert-expiry:{}:{expires}:{}", d.id.0, reminder.key()),
                source: "compliance".into(),
                data: serde_json::json!({
                    "document_id": d.id.0,
                    "doc_type": d.doc.doc_type,
                    "subject_kind": d.doc.subject_kind.as_str(),
                    "subject": d.doc.subject,
                    "expires_on": expires.to_string(),
                    "reminder": reminder.key(),
                }),
            };
            if store.raise_alert(&alert, now).await?.created {
                raised += 1;
            }
        }
    }
    Ok(format!(
        "{seen} document(s) within the reminder window, {raised} reminder(s) raised"
    ))
}

/// Registers the expiry reminders (every six hours; idempotent).
pub fn register(jobs: &mut crate::jobs::Jobs) {
    jobs.every(
        "compliance.document_expiry",
        std::time::Duration::from_secs(6 * 3600),
        |ctx| async move { expiry_reminders(&ctx.store, ctx.now).await },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_separators() {
        assert_eq!(
            split_list(" EN 71-1, EN 71-2;EN 71-3\n\n"),
            vec!["EN 71-1", "EN 71-2", "EN 71-3"]
        );
    }

    #[test]
    fn metadata_is_checked_against_the_pack() {
        let pack = RequirementPack::builtin().unwrap();
        let mut f = UploadFields::default();
        f.set("sku", "LAMP-1".into());
        f.set("doc_type", "EU_DOC".into());
        f.set("issued_on", "2025-01-01".into());
        f.set("markets", "de, eu".into());
        let d = metadata(&pack, &f).unwrap();
        assert_eq!(d.subject_kind, SubjectKind::Sku);
        assert_eq!(d.doc_type, "eu_doc");
        assert_eq!(d.markets, vec!["DE", "EU"]);
        f.set("doc_type", "birth_certificate".into());
        assert!(metadata(&pack, &f).is_err());
        f.set("doc_type", "sds".into());
        f.set("markets", "Germany".into());
        assert!(metadata(&pack, &f).is_err());
        f.set("markets", "".into());
        f.set("covers", "no_such_rule".into());
        assert!(metadata(&pack, &f).is_err());
        assert!(doc_types(&pack).contains(&"un38_3_summary".to_string()));
    }
}
