//! `tradelane compliance docs upload|list|show|download|rm`: the document vault from the shell, with the same
//! checks as the web upload (content sniffing, size limit, SHA-256, sanitised names) and the same blob store
//! (`TRADELANE_VAULT_*` variables; files under `<data dir>/vault` by default).

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use tradelane_server::vault::{self as vault_ops, DocumentResponse, UploadFields, today_utc};
use tradelane_store::{Actor, DocumentQuery, SubjectKind};
use tradelane_vault::Vault;

use crate::cli::{GlobalOpts, OutputFormat};
use crate::context::{open_store, require_org};
use crate::output::{Listing, print_json, print_listing};

#[derive(Debug, Subcommand)]
pub enum DocsCommand {
    /// File a certificate, test report or declaration (PDF, PNG, JPEG, WebP) for a SKU, a tag or the seller.
    Upload(Box<UploadArgs>),
    /// Documents on file: all, or those that apply to one SKU (its own, its tags', the seller's).
    List(ListArgs),
    /// One document's metadata.
    Show(IdArgs),
    /// Write a document's file (its SHA-256 is verified first).
    Download(DownloadArgs),
    /// Delete a document and its file.
    Rm(IdArgs),
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The file.
    pub file: PathBuf,
    /// SKU code the document is for.
    #[arg(long, conflicts_with_all = ["tag", "seller"])]
    pub sku: Option<String>,
    /// A tag: the document counts for every SKU carrying it (a product family).
    #[arg(long, conflicts_with = "seller")]
    pub tag: Option<String>,
    /// The document is the seller's (registrations, responsible person): it counts for every SKU.
    #[arg(long)]
    pub seller: bool,
    /// Document type as the requirement pack names it: eu_doc, uk_doc, test_report, un38_3_summary, sds,
    /// fcc_sdoc, cpc, certificate, declaration … (`tradelane compliance docs upload --type help` lists them).
    #[arg(long = "type")]
    pub doc_type: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub issuer: Option<String>,
    /// Standards named on the document, comma-separated.
    #[arg(long)]
    pub standards: Option<String>,
    /// Markets it is valid for, comma-separated ISO alpha-2 or EU (default: any market).
    #[arg(long)]
    pub markets: Option<String>,
    /// Requirement ids it explicitly evidences, comma-separated.
    #[arg(long)]
    pub covers: Option<String>,
    /// Issue date YYYY-MM-DD.
    #[arg(long)]
    pub issued: String,
    /// Last valid day YYYY-MM-DD.
    #[arg(long)]
    pub expires: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the documents that apply to this SKU.
    #[arg(long)]
    pub sku: Option<String>,
    /// Only documents expiring within this many days (expired ones included).
    #[arg(long)]
    pub expiring_within: Option<i32>,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// Document id.
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Document id.
    pub id: i64,
    /// Where to write it (default: the stored file name in the current directory; `-` for standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

fn open_vault(global: &GlobalOpts) -> Result<Vault> {
    Vault::from_env(&global.data_dir).context("configuring the document vault")
}

fn api_error(e: tradelane_server::error::ApiError) -> anyhow::Error {
    use tradelane_server::error::ApiError;
    match e {
        ApiError::Validation { message, fields } if !fields.is_empty() => {
            let detail: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: expected {}", f.field, f.expected))
                .collect();
            anyhow!("{message} ({})", detail.join("; "))
        }
        ApiError::NotFound => anyhow!("not found in this organisation"),
        ApiError::Internal(detail) => anyhow!("internal error: {detail}"),
        other => anyhow!("{other}"),
    }
}

pub async fn run(global: &GlobalOpts, cmd: DocsCommand) -> Result<()> {
    match cmd {
        DocsCommand::Upload(a) => upload(global, &a).await,
        DocsCommand::List(a) => list(global, &a).await,
        DocsCommand::Show(a) => show(global, a.id).await,
        DocsCommand::Download(a) => download(global, &a).await,
        DocsCommand::Rm(a) => rm(global, a.id).await,
    }
}

fn print_docs(global: &GlobalOpts, docs: &[DocumentResponse]) -> Result<()> {
    let rows = docs
        .iter()
        .map(|d| {
            vec![
                d.id.to_string(),
                match d.subject_kind.as_str() {
                    "seller" => "seller".to_string(),
                    "tag" => format!("tag:{}", d.subject),
                    _ => d.subject.clone(),
                },
                d.doc_type.clone(),
                d.title.clone(),
                if d.markets.is_empty() {
                    "any".into()
                } else {
                    d.markets.join(",")
                },
                d.issued_on.to_string(),
                d.expires_on.map(|e| e.to_string()).unwrap_or_default(),
                match d.days_left {
                    Some(n) if d.validity == "expiring" => format!("expiring ({n} d)"),
                    _ => d.validity.clone(),
                },
                d.file_name.clone(),
                d.sha256.chars().take(12).collect(),
            ]
        })
        .collect();
    print_listing(
        global.format.unwrap_or(OutputFormat::Table),
        &Listing {
            headers: &[
                "id", "for", "type", "title", "markets", "issued", "expires", "validity", "file",
                "sha256",
            ],
            rows,
            items: docs,
        },
    )
}

async fn upload(global: &GlobalOpts, a: &UploadArgs) -> Result<()> {
    let pack = tradelane_server::api::compliance::pack().map_err(api_error)?;
    if a.doc_type.trim() == "help" {
        for (t, reqs) in vault_ops::doc_type_uses(pack) {
            println!("{t:<24} {}", reqs.join(", "));
        }
        return Ok(());
    }
    let (kind, subject) = match (&a.sku, &a.tag, a.seller) {
        (Some(s), None, false) => (SubjectKind::Sku, s.clone()),
        (None, Some(t), false) => (SubjectKind::Tag, t.clone()),
        (None, None, true) => (SubjectKind::Seller, String::new()),
        _ => bail!("say who the document is for: --sku CODE, --tag TAG or --seller"),
    };
    let bytes = std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?;
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fields = UploadFields {
        subject_kind: Some(kind.as_str().to_string()),
        subject: Some(subject),
        doc_type: Some(a.doc_type.clone()),
        title: a.title.clone(),
        issuer: a.issuer.clone(),
        standards: a.standards.clone(),
        markets: a.markets.clone(),
        covers: a.covers.clone(),
        issued_on: Some(a.issued.clone()),
        expires_on: a.expires.clone(),
    };
    let vault = open_vault(global)?;
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let doc = vault_ops::upload(
        &store,
        &vault,
        pack,
        &Actor::cli(org.id),
        &fields,
        &name,
        bytes,
    )
    .await
    .map_err(api_error)
    .with_context(|| format!("uploading {}", a.file.display()))?;
    let resp = DocumentResponse::new(&doc, today_utc());
    if global.format == Some(OutputFormat::Json) {
        print_json(&resp)
    } else {
        println!(
            "document {} filed: {} {} for {} ({} bytes, sha256 {})",
            resp.id,
            resp.doc_type,
            resp.file_name,
            if resp.subject.is_empty() {
                "the seller".to_string()
            } else {
                format!("{} {}", resp.subject_kind, resp.subject)
            },
            resp.size_bytes,
            resp.sha256
        );
        Ok(())
    }
}

async fn list(global: &GlobalOpts, a: &ListArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let today = today_utc();
    let mut docs = match &a.sku {
        Some(code) => {
            vault_ops::documents_for_sku(&store, org.id, code)
                .await
                .map_err(api_error)
                .with_context(|| format!("SKU {code}"))?
                .1
        }
        None => store
            .list_documents(org.id, &DocumentQuery::default())
            .await
            .context("listing documents")?,
    };
    if let Some(days) = a.expiring_within {
        let by = today
            .checked_add(jiff::Span::new().days(days.clamp(0, 3650)))
            .context("--expiring-within")?;
        docs.retain(|d| d.doc.expires_on.is_some_and(|e| e <= by));
    }
    let out: Vec<DocumentResponse> = docs
        .iter()
        .map(|d| DocumentResponse::new(d, today))
        .collect();
    print_docs(global, &out)
}

async fn show(global: &GlobalOpts, id: i64) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let d = store
        .get_document(org.id, tradelane_store::DocumentId(id))
        .await
        .with_context(|| format!("document {id}"))?;
    print_json(&DocumentResponse::new(&d, today_utc()))
}

async fn download(global: &GlobalOpts, a: &DownloadArgs) -> Result<()> {
    let vault = open_vault(global)?;
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let (doc, bytes) = vault_ops::download(&store, &vault, org.id, a.id)
        .await
        .map_err(|e| match e {
            tradelane_server::error::ApiError::Integrity(m) => anyhow!("{m}"),
            other => api_error(other),
        })
        .with_context(|| format!("document {}", a.id))?;
    match &a.output {
        Some(p) if p.as_os_str() == "-" => {
            use std::io::Write;
            std::io::stdout()
                .lock()
                .write_all(&bytes)
                .context("writing to standard output")?;
        }
        other => {
            // The stored name is sanitised (no directories); it is only used when no path is given.
            let path = other
                .clone()
                .unwrap_or_else(|| PathBuf::from(&doc.doc.file_name));
            std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "wrote {} ({} bytes, sha256 verified {})",
                path.display(),
                bytes.len(),
                doc.doc.sha256
            );
        }
    }
    Ok(())
}

async fn rm(global: &GlobalOpts, id: i64) -> Result<()> {
    let vault = open_vault(global)?;
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let doc = vault_ops::delete(&store, &vault, &Actor::cli(org.id), id)
        .await
        .map_err(api_error)
        .with_context(|| format!("document {id}"))?;
    println!("document {id} deleted ({})", doc.doc.file_name);
    Ok(())
}
