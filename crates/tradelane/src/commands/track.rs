//! `tradelane track`: one shipment's state and timeline by tracking number, offline
//! normalisation of a carrier payload file, and `track normalize` for scripts.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use jiff::tz::TimeZone;
use tradelane_server::api::shipments::{
    ShipmentResponse, TimelineEvent, events_from_sheet, location_text, normalizer,
};
use tradelane_server::api::webhooks::decode_events;
use tradelane_tracking::{NormalizedEvent, RawEvent, ShipmentState, derive_state};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{ignore_broken_pipe, print_json};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TrackArgs {
    #[command(subcommand)]
    pub command: Option<TrackCommand>,
    /// Tracking number (any spacing or case).
    pub number: Option<String>,
    /// With --events: the carrier of the payload (ups, fedex, dhl_express, yunexpress ...).
    #[arg(long)]
    pub carrier: Option<String>,
    /// Normalise this payload file (JSON list of events, or a DHL / UPS / FedEx tracking
    /// response) offline instead of reading the database.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Zone for the "your time" column (default: this machine's zone).
    #[arg(long)]
    pub tz: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TrackCommand {
    /// Raw events (JSON list, carrier payload, or CSV/XLSX spreadsheet; `-` for standard
    /// input) to normalised events, one JSON object per line on standard output. Events that
    /// cannot be normalised are reported on standard error (exit status 2).
    Normalize {
        file: PathBuf,
        /// Carrier for events that name none.
        #[arg(long)]
        carrier: Option<String>,
        /// IANA zone for spreadsheet times without offset.
        #[arg(long)]
        time_zone: Option<String>,
    },
}

pub async fn run(global: &GlobalOpts, args: TrackArgs) -> Result<()> {
    match args.command {
        Some(TrackCommand::Normalize {
            file,
            carrier,
            time_zone,
        }) => normalize_file(&file, carrier.as_deref(), time_zone.as_deref()),
        None => {
            let Some(number) = args.number.as_deref() else {
                bail!("give a tracking number, or use `tradelane track normalize FILE`");
            };
            let tz = operator_zone(args.tz.as_deref())?;
            match &args.events {
                Some(file) => offline(global, number, args.carrier.as_deref(), file, &tz),
                None => stored(global, number, &tz).await,
            }
        }
    }
}

fn operator_zone(name: Option<&str>) -> Result<TimeZone> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => TimeZone::get(n).map_err(|_| {
            validation(format!(
                "--tz {n}: unknown time zone; expected an IANA name such as Asia/Shanghai"
            ))
        }),
        None => Ok(TimeZone::try_system().unwrap_or(TimeZone::UTC)),
    }
}

fn read_input(file: &Path) -> Result<(String, Vec<u8>)> {
    if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        Ok(("standard input".into(), bytes))
    } else {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        Ok((file.display().to_string(), bytes))
    }
}

/// Events read, and the elements that could not be read (position, why).
type ReadEvents = (Vec<RawEvent>, Vec<(usize, String)>);

/// Raw events from JSON (list or carrier payload) or, when the bytes are not JSON, a
/// spreadsheet. Elements that could not be read come back as (position, why).
fn raw_events(
    name: &str,
    bytes: &[u8],
    carrier: &str,
    time_zone: Option<&str>,
) -> Result<ReadEvents> {
    let looks_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
        .is_some_and(|b| *b == b'[' || *b == b'{');
    if looks_json {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| validation(format!("{name}: not UTF-8 text")))?;
        let text = text.trim_start_matches('\u{feff}');
        let decoded = decode_events(text, &format!("file:{name}"), carrier)
            .map_err(|e| validation(format!("{name}: {e}")))?;
        Ok((decoded.events, decoded.errors))
    } else {
        let sheet = events_from_sheet(bytes, &format!("file:{name}"), carrier, time_zone)
            .map_err(|e| validation(format!("{name}: {e}")))?;
        Ok((sheet.events, Vec::new()))
    }
}

fn normalize_file(file: &Path, carrier: Option<&str>, time_zone: Option<&str>) -> Result<()> {
    let (name, bytes) = read_input(file)?;
    let (raws, mut errors) = raw_events(&name, &bytes, carrier.unwrap_or_default(), time_zone)?;
    let n = normalizer().map_err(|e| anyhow::anyhow!("{e}"))?;
    let outcome = n.normalize_batch(&raws);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for e in &outcome.events {
        let line = serde_json::to_string(e).context("serialising an event")?;
        ignore_broken_pipe(writeln!(out, "{line}"))?;
    }
    ignore_broken_pipe(out.flush())?;
    // Batch positions skip the elements that could not even be read.
    let positions: Vec<usize> = (0..raws.len() + errors.len())
        .filter(|i| !errors.iter().any(|(e, _)| e == i))
        .collect();
    for be in &outcome.errors {
        let at = positions.get(be.index).copied().unwrap_or(be.index);
        errors.push((at, format!("{}: {}", be.tracking_number, be.error)));
    }
    errors.sort_by_key(|(i, _)| *i);
    for (i, message) in &errors {
        eprintln!("{name}: event {}: {message}", i + 1);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(validation(format!(
            "{} of {} events of {name} could not be normalised",
            errors.len(),
            raws.len() + errors.len() - outcome.errors.len()
        )))
    }
}

fn offline(
    global: &GlobalOpts,
    number: &str,
    carrier: Option<&str>,
    file: &Path,
    tz: &TimeZone,
) -> Result<()> {
    let Some(carrier) = carrier else {
        bail!("--events needs --carrier (ups, fedex, dhl_express, yunexpress ...)");
    };
    let (name, bytes) = read_input(file)?;
    let (raws, errors) = raw_events(&name, &bytes, carrier, None)?;
    let wanted = tradelane_tracking::event::canonical_tracking_number(number);
    let n = normalizer().map_err(|e| anyhow::anyhow!("{e}"))?;
    let outcome = n.normalize_batch(&raws);
    let events: Vec<NormalizedEvent> = outcome
        .events
        .into_iter()
        .filter(|e| e.tracking_number == wanted)
        .collect();
    for (i, message) in &errors {
        eprintln!("{name}: event {}: {message}", i + 1);
    }
    for be in &outcome.errors {
        eprintln!(
            "{name}: event {}: {}: {}",
            be.index + 1,
            be.tracking_number,
            be.error
        );
    }
    if events.is_empty() {
        return Err(validation(format!(
            "{name} has no readable event for tracking number {wanted}"
        )));
    }
    let state = derive_state(&events);
    let mut sorted = events;
    sorted.sort_by_key(|e| e.time.utc);
    if global.format == Some(OutputFormat::Json) {
        return print_json(&serde_json::json!({"state": state, "events": sorted}));
    }
    println!("{wanted} (from {name}, not stored)");
    print_state(&state);
    print_timeline(sorted.iter(), tz);
    Ok(())
}

async fn stored(global: &GlobalOpts, number: &str, tz: &TimeZone) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let Some(id) = store.find_shipment_by_tracking(org.id, number).await? else {
        return Err(validation(format!(
            "no stored shipment has tracking number {number}; create one with `tradelane \
             shipments create`, or normalise a payload offline with --carrier X --events FILE.json"
        )));
    };
    let shipment = store.get_shipment(org.id, id).await?;
    let timeline = store.shipment_timeline(org.id, id).await?;
    if global.format == Some(OutputFormat::Json) {
        let events: Vec<TimelineEvent> = timeline.into_iter().map(Into::into).collect();
        return print_json(&serde_json::json!({
            "shipment": ShipmentResponse::from(shipment),
            "timeline": events,
        }));
    }
    println!(
        "shipment {} · {} · {} → {} · tracking {}",
        shipment.id,
        shipment.reference,
        shipment.origin.as_deref().unwrap_or("?"),
        shipment.destination.as_deref().unwrap_or("?"),
        shipment.tracking_numbers.join(", ")
    );
    print_state(&shipment.state);
    print_timeline(timeline.iter().map(|s| &s.event), tz);
    Ok(())
}

fn print_state(state: &ShipmentState) {
    let reason = state
        .reason
        .map(|r| format!(" ({})", r.as_str()))
        .unwrap_or_default();
    println!(
        "status: {}{reason} · leg: {} · {} events{}",
        state.status.as_str(),
        state.leg.as_str(),
        state.event_count,
        if state.duplicates > 0 {
            format!(" ({} duplicates ignored)", state.duplicates)
        } else {
            String::new()
        }
    );
    if let Some(d) = &state.delivered_at {
        println!(
            "delivered: {} {} ({} UTC)",
            d.local.strftime("%Y-%m-%d %H:%M"),
            d.offset_string(),
            d.utc.strftime("%Y-%m-%d %H:%M")
        );
    }
}

fn print_timeline<'a>(events: impl Iterator<Item = &'a NormalizedEvent>, tz: &TimeZone) {
    let zone_name = tz.iana_name().unwrap_or("local");
    let rows: Vec<Vec<String>> = events
        .map(|e| {
            vec![
                format!(
                    "{} {}",
                    e.time.local.strftime("%Y-%m-%d %H:%M"),
                    e.time.offset_string()
                ),
                e.time.utc.strftime("%Y-%m-%d %H:%MZ").to_string(),
                e.time
                    .utc
                    .to_zoned_datetime(tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string(),
                e.leg.as_str().to_string(),
                match e.reason {
                    Some(r) => format!("{} ({})", e.status.as_str(), r.as_str()),
                    None => e.status.as_str().to_string(),
                },
                location_text(&e.location).unwrap_or_default(),
                e.raw_text
                    .clone()
                    .or(e.raw_code.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mine = format!("your time ({zone_name})");
    let headers = [
        "local time (offset)",
        "utc",
        mine.as_str(),
        "leg",
        "status",
        "location",
        "event",
    ];
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = ignore_broken_pipe(crate::output::write_table(&mut out, &headers, &rows));
}
