//! `tradelane shipments map|mappings|unmapped|rederive|master|connector`: operating the
//! control tower from the command line (the same operations as `/api/v1/tracking/...`).

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use tradelane_server::api::tracking_ops::{
    ConnectorBody, MappingBody, MasterBody, NewMappingBody, poll_policy,
};
use tradelane_server::carrier_poll::{http_client, poll_connector, poll_due};
use tradelane_store::{
    ConnectorCredentials, ConnectorKind, NewConnector, NewMasterShipment, ShipmentId,
};
use tradelane_tracking::model::{MainCarriageRefs, TransportMode};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::cli_actor;
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{Listing, print_json, print_listing};

#[derive(Debug, Args)]
pub struct MapArgs {
    /// Carrier id the events carry (ups, yunexpress, a forwarder's name), or `generic`.
    #[arg(long)]
    pub carrier: String,
    /// The raw code (or category) to map.
    #[arg(long, conflicts_with = "text", required_unless_present = "text")]
    pub code: Option<String>,
    /// A phrase of the event text to map (Chinese or English).
    #[arg(long)]
    pub text: Option<String>,
    /// Status it means: in_transit, customs_hold, delivered, delivery_failed ...
    #[arg(long)]
    pub status: String,
    /// Incident reason: address_issue, recipient_absent, duties_unpaid, damaged, refused ...
    #[arg(long)]
    pub reason: Option<String>,
    /// Leg: first_mile, export_clearance, main_carriage, import_clearance,
    /// warehouse_receiving, last_mile, return.
    #[arg(long)]
    pub leg: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum MasterCommand {
    /// Create a master shipment (container or air consignment) carrying shipments.
    Create {
        /// Container number (ISO 6346), master AWB or master B/L.
        #[arg(long)]
        reference: String,
        #[arg(long)]
        forwarder: String,
        /// air, sea, rail, road.
        #[arg(long)]
        mode: String,
        #[arg(long)]
        vessel: Option<String>,
        #[arg(long)]
        voyage: Option<String>,
        #[arg(long)]
        flight: Option<String>,
        /// Shipment id carried (repeatable).
        #[arg(long = "shipment", value_name = "ID")]
        shipments: Vec<i64>,
    },
    /// Put shipments into a master shipment.
    Add {
        id: i64,
        #[arg(long = "shipment", value_name = "ID", required = true)]
        shipments: Vec<i64>,
    },
    /// List master shipments with their shipments.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Configure a carrier tracking API (dhl_unified, ups_track, fedex_track). Credentials are
    /// read from the environment (TRADELANE_CARRIER_API_KEY, or TRADELANE_CARRIER_CLIENT_ID and
    /// TRADELANE_CARRIER_CLIENT_SECRET) so they stay out of the shell history; never printed.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        kind: String,
        /// Default: the API's production endpoint.
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long, default_value_t = 60)]
        poll_minutes: u32,
    },
    /// List connectors (credentials are shown only as a hint).
    List,
    /// Poll one connector now, or with --due every connector whose interval has passed (the
    /// periodic job; run it from cron or a scheduler).
    Poll {
        id: Option<i64>,
        #[arg(long, conflicts_with = "id")]
        due: bool,
        /// Only these tracking numbers (repeatable).
        #[arg(long = "tracking", value_name = "NUMBER")]
        numbers: Vec<String>,
    },
}

pub async fn map(global: &GlobalOpts, args: MapArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let (kind, pattern) = match (args.code, args.text) {
        (Some(c), _) => ("code", c),
        (None, Some(t)) => ("text", t),
        (None, None) => return Err(validation("give --code or --text".to_string())),
    };
    let new = NewMappingBody {
        carrier: args.carrier,
        match_kind: kind.to_string(),
        pattern,
        status: args.status,
        reason: args.reason,
        leg: args.leg,
        note: args.note,
    }
    .into_new()
    .map_err(|e| validation(format!("{e}")))?;
    let (mapping, report) = store
        .add_mapping_override(&cli_actor(org.id), &new)
        .await
        .context("adding the mapping")?;
    if global.format == Some(OutputFormat::Json) {
        return print_json(&serde_json::json!({
            "mapping": MappingBody::from(mapping),
            "reclassified": report,
        }));
    }
    println!(
        "mapping {} saved: {} {} {:?} -> {}; {} events re-classified, {} shipments re-derived",
        mapping.id,
        mapping.carrier,
        mapping.match_kind.as_str(),
        mapping.pattern,
        mapping.status.as_str(),
        report.reclassified,
        report.shipments
    );
    Ok(())
}

pub async fn mappings(global: &GlobalOpts) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let items: Vec<MappingBody> = store
        .list_mapping_overrides(org.id)
        .await?
        .into_iter()
        .map(MappingBody::from)
        .collect();
    let rows = items
        .iter()
        .map(|m| {
            vec![
                m.id.to_string(),
                m.carrier.clone(),
                m.match_kind.clone(),
                m.pattern.clone(),
                m.status.clone(),
                m.reason.clone().unwrap_or_default(),
                m.leg.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print_listing(
        global.format.unwrap_or(OutputFormat::Table),
        &Listing {
            headers: &[
                "id", "carrier", "match", "pattern", "status", "reason", "leg",
            ],
            rows,
            items: &items,
        },
    )
}

pub async fn unmapped(global: &GlobalOpts) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let items = store.list_unmapped(org.id).await?;
    let rows = items
        .iter()
        .map(|u| {
            vec![
                u.carrier.clone(),
                u.code.clone().unwrap_or_default(),
                u.text_sample.clone().unwrap_or_default(),
                u.count.to_string(),
            ]
        })
        .collect();
    print_listing(
        global.format.unwrap_or(OutputFormat::Table),
        &Listing {
            headers: &["carrier", "code", "text", "events"],
            rows,
            items: &items,
        },
    )
}

pub async fn rederive(global: &GlobalOpts) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let started = std::time::Instant::now();
    let (shipments, events) = store.rederive_all(&cli_actor(org.id)).await?;
    eprintln!(
        "re-derived {shipments} shipments from {events} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn mode(text: &str) -> Result<TransportMode> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_lowercase())).map_err(|_| {
        validation(format!(
            "--mode {text:?}: expected air, sea, rail, road, express or postal"
        ))
    })
}

pub async fn master(global: &GlobalOpts, cmd: MasterCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let actor = cli_actor(org.id);
    let print = |m: tradelane_store::StoredMasterShipment| -> Result<()> {
        let body = MasterBody::from(m);
        if global.format == Some(OutputFormat::Json) {
            return print_json(&body);
        }
        println!(
            "master shipment {} {} ({}, {}): {} shipments",
            body.id,
            body.reference,
            body.forwarder,
            body.mode,
            body.shipments.len()
        );
        for s in &body.shipments {
            println!("  {} {} {}", s.id, s.reference, s.status);
        }
        Ok(())
    };
    match cmd {
        MasterCommand::Create {
            reference,
            forwarder,
            mode: m,
            vessel,
            voyage,
            flight,
            shipments,
        } => {
            let mode = mode(&m)?;
            let refs = MainCarriageRefs {
                vessel_name: vessel,
                voyage_number: voyage,
                flight_number: flight,
                ..MainCarriageRefs::default()
            };
            let stored = store
                .create_master_shipment(
                    &actor,
                    &NewMasterShipment {
                        reference,
                        forwarder,
                        mode,
                        refs,
                        shipments: shipments.into_iter().map(ShipmentId).collect(),
                    },
                )
                .await?;
            print(stored)
        }
        MasterCommand::Add { id, shipments } => {
            let ids: Vec<ShipmentId> = shipments.into_iter().map(ShipmentId).collect();
            print(store.add_to_master_shipment(&actor, id, &ids).await?)
        }
        MasterCommand::List => {
            for m in store.list_master_shipments(org.id).await? {
                print(m)?;
            }
            Ok(())
        }
    }
}

pub async fn connector(global: &GlobalOpts, cmd: ConnectorCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let actor = cli_actor(org.id);
    match cmd {
        ConnectorCommand::Add {
            name,
            kind,
            base_url,
            poll_minutes,
        } => {
            let kind = ConnectorKind::parse(&kind).map_err(|e| validation(e.to_string()))?;
            let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
            let credentials = ConnectorCredentials {
                api_key: env("TRADELANE_CARRIER_API_KEY"),
                client_id: env("TRADELANE_CARRIER_CLIENT_ID"),
                client_secret: env("TRADELANE_CARRIER_CLIENT_SECRET"),
            };
            let stored = store
                .create_connector(
                    &actor,
                    &NewConnector {
                        name,
                        kind,
                        base_url,
                        credentials,
                        poll_minutes,
                    },
                )
                .await
                .map_err(|e| validation(e.to_string()))?;
            let body = ConnectorBody::from(stored);
            if global.format == Some(OutputFormat::Json) {
                return print_json(&body);
            }
            println!(
                "connector {} {} ({}) at {}, key {}",
                body.id, body.name, body.kind, body.base_url, body.credential_hint
            );
            Ok(())
        }
        ConnectorCommand::List => {
            let items: Vec<ConnectorBody> = store
                .list_connectors(org.id)
                .await?
                .into_iter()
                .map(ConnectorBody::from)
                .collect();
            let rows = items
                .iter()
                .map(|c| {
                    vec![
                        c.id.to_string(),
                        c.name.clone(),
                        c.kind.clone(),
                        c.base_url.clone(),
                        c.credential_hint.clone(),
                        c.poll_minutes.to_string(),
                        c.last_polled_at.map(|t| t.to_string()).unwrap_or_default(),
                        c.last_error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_listing(
                global.format.unwrap_or(OutputFormat::Table),
                &Listing {
                    headers: &[
                        "id",
                        "name",
                        "kind",
                        "base_url",
                        "key",
                        "every_min",
                        "last_poll",
                        "last_error",
                    ],
                    rows,
                    items: &items,
                },
            )
        }
        ConnectorCommand::Poll { id, due, numbers } => {
            let client = http_client().map_err(|e| anyhow::anyhow!("{e}"))?;
            let policy = poll_policy();
            let now = jiff::Timestamp::now();
            let outcomes = if due {
                poll_due(&store, &client, &policy, now).await?
            } else {
                let Some(id) = id else {
                    return Err(validation("give a connector id or --due".to_string()));
                };
                let numbers = (!numbers.is_empty()).then_some(numbers);
                let r = poll_connector(&store, &client, &actor, id, numbers, &policy, now)
                    .await
                    .map_err(|e| e.to_string());
                vec![(id, r)]
            };
            let mut failed = false;
            for (id, r) in outcomes {
                match r {
                    Ok(o) => {
                        if global.format == Some(OutputFormat::Json) {
                            print_json(&o)?;
                        } else {
                            println!(
                                "connector {id}: {} numbers, {} requests ({} retries), {} events, {} new, {} duplicates",
                                o.numbers,
                                o.requests,
                                o.retries,
                                o.received,
                                o.inserted,
                                o.duplicates
                            );
                        }
                        for e in &o.errors {
                            eprintln!("connector {id}: {e}");
                        }
                        failed |= !o.errors.is_empty();
                    }
                    Err(e) => {
                        eprintln!("connector {id}: {e}");
                        failed = true;
                    }
                }
            }
            if failed {
                return Err(validation("some polls reported errors".to_string()));
            }
            Ok(())
        }
    }
}
