//! `tradelane shipments`: create and list shipments, import forwarder event spreadsheets.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tradelane_server::api::shipments::{
    EventErrorBody, IngestResponse, NewLegBody, NewShipmentBody, ShipmentListParams,
    ShipmentResponse, events_from_sheet,
};
use tradelane_store::{RawIngestOptions, RawIngestReport};
use tradelane_tracking::model::ShipmentLine;

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::cli_actor;
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{Listing, print_json, print_listing};

#[derive(Debug, Subcommand)]
pub enum ShipmentsCommand {
    /// Create a shipment; events find it through its tracking numbers.
    Create(CreateArgs),
    /// List shipments, most recently updated first.
    List(ListArgs),
    /// Import tracking events from a forwarder's CSV or XLSX spreadsheet (Chinese or English
    /// headers: 运单号, 轨迹时间, 轨迹描述 ...; `-` reads standard input). Rows with errors are
    /// listed and the command exits with status 2, but every good row is stored.
    Import(ImportArgs),
    /// Map an unknown carrier code or event text to a status (organisation override); past
    /// events are re-classified and their shipments re-derived.
    Map(crate::commands::tracking_ops::MapArgs),
    /// List the organisation's mapping overrides.
    Mappings,
    /// Codes and texts no mapping understood, most frequent first.
    Unmapped,
    /// Re-derive every shipment's status from its stored events.
    Rederive,
    /// Forwarder master shipments (containers, air consignments).
    #[command(subcommand)]
    Master(crate::commands::tracking_ops::MasterCommand),
    /// Carrier tracking API connectors (DHL, UPS, FedEx) and polling.
    #[command(subcommand)]
    Connector(crate::commands::tracking_ops::ConnectorCommand),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Your reference (order number, PO), unique in the organisation.
    #[arg(long, default_value = "")]
    pub reference: String,
    /// Tracking number (repeat for several parcels); each becomes a last-mile leg of --carrier.
    #[arg(long = "tracking", value_name = "NUMBER")]
    pub tracking_numbers: Vec<String>,
    #[arg(long)]
    pub carrier: Option<String>,
    /// ISO country code of origin, e.g. CN.
    #[arg(long)]
    pub origin: Option<String>,
    /// ISO country code of destination, e.g. DE.
    #[arg(long)]
    pub destination: Option<String>,
    /// Order reference (repeatable).
    #[arg(long = "order", value_name = "REF")]
    pub order_refs: Vec<String>,
    /// air, sea, rail, road, express or postal.
    #[arg(long)]
    pub mode: Option<String>,
    /// Promised delivery date, YYYY-MM-DD.
    #[arg(long)]
    pub promised: Option<String>,
    /// A leg as KIND[:CARRIER[:REFERENCE]], e.g. main_carriage:cosco:MSKU1234565 (repeatable).
    #[arg(long = "leg", value_name = "KIND:CARRIER:REF")]
    pub legs: Vec<String>,
    /// An order line as ORDER:SKU:QUANTITY (repeatable).
    #[arg(long = "line", value_name = "ORDER:SKU:QTY")]
    pub lines: Vec<String>,
    /// The whole shipment as JSON (the API's body: legs with mode, service, refs such as
    /// vessel_name, voyage_number, container_numbers, air_waybill, bill_of_lading; lines;
    /// parcels). Other options are ignored when given.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["legs", "lines", "tracking_numbers"])]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub carrier: Option<String>,
    #[arg(long)]
    pub destination: Option<String>,
    /// Only shipments with an exception.
    #[arg(long)]
    pub exceptions: bool,
    /// Only shipments whose current status is on this leg (e.g. import_clearance).
    #[arg(long)]
    pub leg: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    #[arg(long, default_value_t = 50)]
    pub per_page: u32,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// CSV or XLSX file, or `-` for standard input.
    pub file: PathBuf,
    /// Carrier for rows without a carrier column.
    #[arg(long)]
    pub carrier: Option<String>,
    /// IANA zone for times written without offset (forwarders usually write Beijing time).
    #[arg(long, default_value = "Asia/Shanghai")]
    pub time_zone: String,
    /// Do not create shipments for unknown tracking numbers (their rows are reported).
    #[arg(long)]
    pub no_create: bool,
}

pub async fn run(global: &GlobalOpts, cmd: ShipmentsCommand) -> Result<()> {
    match cmd {
        ShipmentsCommand::Create(args) => create(global, args).await,
        ShipmentsCommand::List(args) => list(global, args).await,
        ShipmentsCommand::Import(args) => import(global, args).await,
        ShipmentsCommand::Map(args) => crate::commands::tracking_ops::map(global, args).await,
        ShipmentsCommand::Mappings => crate::commands::tracking_ops::mappings(global).await,
        ShipmentsCommand::Unmapped => crate::commands::tracking_ops::unmapped(global).await,
        ShipmentsCommand::Rederive => crate::commands::tracking_ops::rederive(global).await,
        ShipmentsCommand::Master(cmd) => crate::commands::tracking_ops::master(global, cmd).await,
        ShipmentsCommand::Connector(cmd) => {
            crate::commands::tracking_ops::connector(global, cmd).await
        }
    }
}

fn leg_arg(text: &str) -> NewLegBody {
    let mut parts = text.splitn(3, ':');
    let kind = parts.next().unwrap_or_default().trim().to_string();
    let carrier = parts.next().map(str::to_string).filter(|s| !s.is_empty());
    let reference = parts.next().map(str::to_string).filter(|s| !s.is_empty());
    NewLegBody {
        kind,
        carrier,
        reference,
        mode: None,
        service: None,
        refs: None,
    }
}

async fn create(global: &GlobalOpts, args: CreateArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let mut lines = Vec::new();
    for (i, l) in args.lines.iter().enumerate() {
        let parts: Vec<&str> = l.splitn(3, ':').collect();
        let quantity = parts.get(2).and_then(|q| q.trim().parse::<u32>().ok());
        match (parts.first(), parts.get(1), quantity) {
            (Some(order), Some(sku), Some(quantity)) => lines.push(ShipmentLine {
                order_reference: order.trim().to_string(),
                sku: sku.trim().to_string(),
                quantity,
            }),
            _ => {
                return Err(validation(format!(
                    "--line #{}: {l:?} is not ORDER:SKU:QUANTITY (e.g. A-1001:SKU-1:2)",
                    i + 1
                )));
            }
        }
    }
    let body = if let Some(path) = &args.json {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut body: NewShipmentBody = serde_json::from_str(&text)
            .map_err(|e| validation(format!("{}: {e}", path.display())))?;
        if body.reference.trim().is_empty() {
            body.reference = args.reference;
        }
        body
    } else {
        NewShipmentBody {
            reference: args.reference,
            order_refs: args.order_refs,
            mode: args.mode,
            origin: args.origin,
            destination: args.destination,
            carrier: args.carrier,
            tracking_numbers: args.tracking_numbers,
            promised_date: args.promised,
            legs: args.legs.iter().map(|l| leg_arg(l)).collect(),
            lines,
            parcels: Vec::new(),
        }
    };
    let new = body.into_new().map_err(|e| validation(format!("{e}")))?;
    let stored = store
        .create_shipment(&cli_actor(org.id), &new)
        .await
        .context("creating the shipment")?;
    if global.format == Some(OutputFormat::Json) {
        return print_json(&ShipmentResponse::from(stored));
    }
    println!(
        "created shipment {} ({}), tracking {}",
        stored.id,
        stored.reference,
        if stored.tracking_numbers.is_empty() {
            "-".to_string()
        } else {
            stored.tracking_numbers.join(", ")
        }
    );
    Ok(())
}

async fn list(global: &GlobalOpts, args: ListArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let params = ShipmentListParams {
        status: args.status,
        carrier: args.carrier,
        destination: args.destination,
        exception: args.exceptions.then(|| "true".to_string()),
        q: None,
        leg: args.leg,
        page: Some(args.page),
        per_page: Some(args.per_page),
    };
    let query = params.to_query().map_err(|e| validation(format!("{e}")))?;
    let page = store.list_shipments(org.id, &query).await?;
    let items: Vec<ShipmentResponse> = page.items.into_iter().map(Into::into).collect();
    let rows = items
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.reference.clone(),
                s.tracking_numbers.join(" "),
                s.carrier.clone().unwrap_or_default(),
                format!(
                    "{}→{}",
                    s.origin.as_deref().unwrap_or("?"),
                    s.destination.as_deref().unwrap_or("?")
                ),
                if s.has_exception {
                    format!("{} (!)", s.status)
                } else {
                    s.status.clone()
                },
                s.last_event_at
                    .map(|t| crate::commands::short_time(&t))
                    .unwrap_or_default(),
                s.event_count.to_string(),
            ]
        })
        .collect();
    print_listing(
        global.format.unwrap_or(OutputFormat::Table),
        &Listing {
            headers: &[
                "id",
                "reference",
                "tracking",
                "carrier",
                "route",
                "status",
                "last_event_utc",
                "events",
            ],
            rows,
            items: &items,
        },
    )
}

/// Rows stored per transaction: large enough to be fast, small enough to show progress.
const IMPORT_CHUNK: usize = 5_000;

async fn import(global: &GlobalOpts, args: ImportArgs) -> Result<()> {
    let (name, bytes) = if args.file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        ("standard input".to_string(), bytes)
    } else {
        let bytes = std::fs::read(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?;
        (args.file.display().to_string(), bytes)
    };
    let sheet = events_from_sheet(
        &bytes,
        &format!("import:{name}"),
        args.carrier.as_deref().unwrap_or_default(),
        Some(args.time_zone.as_str()).filter(|z| !z.trim().is_empty()),
    )
    .map_err(|e| validation(format!("{name}: {e}")))?;
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let actor = cli_actor(org.id);
    let normalizer = store.org_normalizer(org.id).await?;
    let total = sheet.events.len();
    let progress = if std::io::stderr().is_terminal() {
        ProgressBar::new(total as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = RawIngestOptions {
        create_missing: !args.no_create,
        default_carrier: args.carrier.clone(),
    };
    // PostgreSQL stores two chunks at once (one encodes while the other is written; the store
    // orders and locks concurrent batches); SQLite takes one writer at a time.
    let writers = match store.backend() {
        tradelane_store::Backend::Postgres => 2,
        tradelane_store::Backend::Sqlite => 1,
    };
    let mut chunks = Vec::new();
    let mut events = sheet.events;
    while !events.is_empty() {
        let rest = events.split_off(events.len().min(IMPORT_CHUNK));
        chunks.push(events);
        events = rest;
    }
    let ingest = |batch: Vec<_>| store.ingest_raw(&actor, &normalizer, batch, &options);
    let mut merged = RawIngestReport::default();
    let mut offset = 0;
    let mut chunks = chunks.into_iter();
    while let Some(first) = chunks.next() {
        let second = if writers > 1 { chunks.next() } else { None };
        let sizes = [first.len(), second.as_ref().map_or(0, Vec::len)];
        let (a, b) = tokio::join!(ingest(first), async {
            match second {
                Some(batch) => Some(ingest(batch).await),
                None => None,
            }
        });
        for (report, n) in [Some(a), b].into_iter().flatten().zip(sizes) {
            let report = report.with_context(|| format!("storing rows of {name}"))?;
            merged.received += report.received;
            merged.inserted += report.inserted;
            merged.duplicates += report.duplicates;
            merged.errors.extend(report.errors.into_iter().map(|mut e| {
                e.index += offset;
                e
            }));
            merged.shipments.extend(report.shipments);
            merged.created_shipments.extend(report.created_shipments);
            offset += n;
            progress.set_position(offset as u64);
        }
    }
    progress.finish_and_clear();
    let positions: Vec<usize> = (0..total).collect();
    let response = IngestResponse::build(merged, Vec::new(), &positions, total, Some(&sheet.lines));
    if global.format == Some(OutputFormat::Json) {
        print_json(&response)?;
    } else {
        print_import_summary(&name, &response);
    }
    if response.errors.is_empty() {
        Ok(())
    } else {
        Err(validation(format!(
            "{} of {} rows of {name} have errors (listed above); the other rows were stored",
            response.errors.len(),
            response.received
        )))
    }
}

fn print_import_summary(name: &str, r: &IngestResponse) {
    for EventErrorBody {
        line,
        tracking_number,
        message,
        ..
    } in &r.errors
    {
        let line = line.map_or_else(|| "?".to_string(), |l| l.to_string());
        eprintln!("{name}: line {line}: {tracking_number}: {message}");
    }
    let mut shipments: Vec<i64> = r.shipments.iter().map(|s| s.id).collect();
    shipments.sort_unstable();
    shipments.dedup();
    println!(
        "{name}: {} rows, {} events stored, {} already stored, {} rows with errors; {} shipments updated ({} created)",
        r.received,
        r.inserted,
        r.duplicates,
        r.errors.len(),
        shipments.len(),
        r.created_shipments.len()
    );
}
