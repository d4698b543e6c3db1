//! `tradelane freight pool …`: consolidation pools (拼柜) from the shell. The organisation acting is
//! `--org`; it sees only its own cartons and share (the organiser also every participant's totals).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use tradelane_freight::{PoolPlan, import_cards, read_bytes};
use tradelane_server::api::pools::{
    ContainerRequest, CreatePoolRequest, detail, new_pool, run_plan,
};
use tradelane_store::{CartonWrite, JoinPool, PoolId};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::cli_actor;
use crate::commands::load::{parse_duration, read_cartons};
use crate::context::{open_store, require_org};
use crate::exit::validation;

#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Create a pool the organisation organises (and takes part in).
    Create(CreateArgs),
    /// Pools the organisation organises or takes part in, and open pools it may join.
    List,
    /// Opt in to an open pool (again: update the deadline or solo quote).
    Join(JoinArgs),
    /// Put the organisation's cartons into a pool from a carton list (CSV/XLSX).
    Add(AddArgs),
    /// Give the pool forwarder rate cards (organiser): FCL cards price containers, the others
    /// give every participant its cost shipping alone.
    Rates(RatesArgs),
    /// Plan containers and split the cost (organiser); the pool becomes planned.
    Plan(PlanArgs),
    /// The pool, its participants, the organisation's own cartons and the plan as it may see it.
    Show(IdArg),
    /// Stop intake (organiser): no more participants or carton changes.
    Close(IdArg),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub name: String,
    /// ORIGIN-DESTINATION, e.g. CNSZX-USLAX.
    #[arg(long)]
    pub lane: String,
    /// Cut-off date (YYYY-MM-DD).
    #[arg(long)]
    pub cut_off: jiff::civil::Date,
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// Container type and price, e.g. --container 40HQ=2200 (repeatable): 20GP, 40GP, 40HQ, 45HQ,
    /// LD3, PMC, TRUCK. Append "+dg" to let dangerous goods share it: 40HQ=2200+dg.
    #[arg(long = "container", value_name = "CODE=PRICE")]
    pub containers: Vec<String>,
    /// Other organisations may find and join the pool (default: private).
    #[arg(long)]
    pub open: bool,
    /// Cost split: wm (chargeable weight or measure, default), volume, weight.
    #[arg(long, default_value = "wm")]
    pub split: String,
    /// Transport mode: sea_fcl (default), air, truck, rail.
    #[arg(long)]
    pub mode: Option<String>,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// Pool id.
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct JoinArgs {
    pub id: i64,
    /// The date the goods must leave by (before the cut-off: reported, not pooled).
    #[arg(long)]
    pub deadline: Option<jiff::civil::Date>,
    /// A quote for shipping alone, in the pool currency.
    #[arg(long)]
    pub solo_quote: Option<Decimal>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    pub id: i64,
    /// Carton list (CSV or XLSX; the columns of `load plan`, plus battery/带电).
    pub cartons: PathBuf,
    /// Replace the organisation's whole list (default: add, replacing lines with the same id).
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Args)]
pub struct RatesArgs {
    pub id: i64,
    /// Rate cards (CSV or XLSX), as for `freight quote --cards`.
    pub cards: PathBuf,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    pub id: i64,
    /// Planning time budget, e.g. 3s or 500ms.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    pub time_budget: Duration,
    /// Candidate plans per 3D fit check (more packs tighter, takes longer).
    #[arg(long, default_value_t = 4)]
    pub fit_iterations: u64,
}

fn container(entry: &str) -> Result<ContainerRequest> {
    let bad = || {
        validation(format!(
            "--container {entry:?}: expected CODE=PRICE such as 40HQ=2200 (append +dg to allow \
             dangerous goods to share it)"
        ))
    };
    let (code, rest) = entry.split_once('=').ok_or_else(bad)?;
    let (price, dg_mixing) = match rest.strip_suffix("+dg") {
        Some(p) => (p, true),
        None => (rest, false),
    };
    let price: Decimal = price.trim().parse().map_err(|_| bad())?;
    Ok(ContainerRequest {
        code: code.trim().to_string(),
        price,
        inner_mm: None,
        payload_kg: None,
        accepts_dg: None,
        dg_mixing,
    })
}

fn api_error(e: tradelane_server::error::ApiError) -> anyhow::Error {
    use tradelane_server::error::ApiError as E;
    match e {
        E::Validation { message, .. } | E::Conflict(message) => validation(message),
        E::NotFound => validation("pool not found for this organisation"),
        other => anyhow::anyhow!("{other}"),
    }
}

pub async fn run(global: &GlobalOpts, cmd: PoolCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let actor = cli_actor(org.id);
    let json = global.format == Some(OutputFormat::Json);
    match cmd {
        PoolCommand::Create(a) => {
            let containers = a
                .containers
                .iter()
                .map(|c| container(c))
                .collect::<Result<Vec<_>>>()?;
            let req = CreatePoolRequest {
                name: a.name,
                lane: a.lane,
                cut_off: a.cut_off,
                mode: a.mode,
                currency: a.currency,
                split_method: Some(a.split),
                visibility: Some(if a.open { "open" } else { "private" }.into()),
                containers,
            };
            let new = new_pool(req).map_err(api_error)?;
            let pool = store.create_pool(&actor, new).await.map_err(store_error)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&pool)?);
            } else {
                println!(
                    "Created pool {} \"{}\" on {} (cut-off {}, {}).",
                    pool.id,
                    pool.name,
                    pool.lane,
                    pool.cut_off,
                    pool.visibility.as_str()
                );
            }
        }
        PoolCommand::List => {
            let pools = store.list_pools(org.id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&pools)?);
            } else if pools.is_empty() {
                println!("No pools.");
            } else {
                println!(
                    "{:>4}  {:<28} {:<14} {:<10} {:<8} {:>6}  {:<10} organiser",
                    "id", "name", "lane", "cut-off", "status", "orgs", "you"
                );
                for p in pools {
                    let you = if p.is_organiser {
                        "organiser"
                    } else if p.joined {
                        "joined"
                    } else {
                        "can join"
                    };
                    println!(
                        "{:>4}  {:<28} {:<14} {:<10} {:<8} {:>6}  {:<10} {}",
                        p.id,
                        p.name,
                        p.lane,
                        p.cut_off,
                        p.status.as_str(),
                        p.participant_count,
                        you,
                        p.organiser_name
                    );
                }
            }
        }
        PoolCommand::Join(a) => {
            let pool = store
                .get_pool(org.id, PoolId(a.id))
                .await
                .map_err(store_error)?;
            let join = JoinPool {
                deadline: a.deadline,
                solo_quote: a
                    .solo_quote
                    .map(|q| tradelane_domain::Money::new(q, pool.currency)),
            };
            let pool = store
                .join_pool(&actor, PoolId(a.id), join)
                .await
                .map_err(store_error)?;
            println!(
                "{} takes part in pool {} \"{}\" ({} participants).",
                org.name, pool.id, pool.name, pool.participant_count
            );
        }
        PoolCommand::Add(a) => {
            let lines = read_cartons(&a.cartons)?;
            let how = if a.replace {
                CartonWrite::Replace
            } else {
                CartonWrite::Merge
            };
            let out = store
                .put_pool_cartons(&actor, PoolId(a.id), lines, how)
                .await
                .map_err(store_error)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "Pool {}: {} added, {} updated, {} removed, {} unchanged; {} carton lines of {} in the pool.",
                    a.id, out.added, out.updated, out.removed, out.unchanged, out.lines, org.name
                );
            }
        }
        PoolCommand::Rates(a) => {
            let bytes = std::fs::read(&a.cards)
                .with_context(|| format!("reading {}", a.cards.display()))?;
            let sheet = read_bytes(&bytes)
                .map_err(|e| validation(format!("{}: {e}", a.cards.display())))?;
            let source = a
                .cards
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let import = import_cards(&sheet, &source);
            if !import.errors.is_empty() {
                for e in &import.errors {
                    eprintln!("{}: {e}", a.cards.display());
                }
                return Err(validation(format!(
                    "{}: {} cell(s) with errors; nothing was stored",
                    a.cards.display(),
                    import.errors.len()
                )));
            }
            let n = import.cards.len();
            store
                .set_pool_cards(&actor, PoolId(a.id), import.cards)
                .await
                .map_err(store_error)?;
            println!("Pool {}: {n} rate card(s) stored.", a.id);
        }
        PoolCommand::Plan(a) => {
            let budget = u64::try_from(a.time_budget.as_millis()).unwrap_or(u64::MAX);
            run_plan(
                &store,
                &actor,
                PoolId(a.id),
                Some(budget),
                Some(a.fit_iterations),
            )
            .await
            .map_err(api_error)?;
            show(&store, org.id, a.id, json).await?;
        }
        PoolCommand::Show(a) => show(&store, org.id, a.id, json).await?,
        PoolCommand::Close(a) => {
            let pool = store
                .close_pool(&actor, PoolId(a.id))
                .await
                .map_err(store_error)?;
            println!("Pool {} is {}.", pool.id, pool.status.as_str());
        }
    }
    Ok(())
}

fn store_error(e: tradelane_store::StoreError) -> anyhow::Error {
    use tradelane_store::StoreError as E;
    match e {
        E::NotFound { entity, id } => validation(format!(
            "{entity} {id} not found for this organisation (private pools of others are invisible; \
             organiser-only steps need the organising organisation)"
        )),
        E::Invalid(m) => validation(m),
        E::Conflict { what } => validation(what),
        E::VersionMismatch => validation(E::VersionMismatch.to_string()),
        other => anyhow::Error::new(other),
    }
}

async fn show(
    store: &tradelane_store::Store,
    org: tradelane_store::OrgId,
    id: i64,
    json: bool,
) -> Result<()> {
    let d = detail(store, org, PoolId(id)).await.map_err(api_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(());
    }
    let p = &d.pool;
    println!(
        "Pool {} \"{}\": {} ({}), cut-off {}, {} · {}, organiser {}, split {}",
        p.id,
        p.name,
        p.lane,
        p.mode,
        p.cut_off,
        p.status,
        p.visibility,
        p.organiser,
        p.split_method
    );
    let offered: Vec<String> = p
        .containers
        .iter()
        .map(|c| format!("{} {}", c.code, c.price))
        .collect();
    println!("Containers offered: {}", offered.join(", "));
    println!("\nParticipants (as you may see them):");
    for m in &d.members {
        println!(
            "  {:<24} {:>5} lines {:>7} cartons{}",
            m.name,
            m.carton_lines,
            m.cartons,
            m.deadline
                .map(|x| format!("  must leave by {x}"))
                .unwrap_or_default()
        );
    }
    if !d.my_cartons.is_empty() {
        println!("\nYour cartons:");
        for c in &d.my_cartons {
            println!(
                "  {:<16} {} × {} × {} mm  {} kg × {}{}",
                c.id,
                c.length_mm.normalize(),
                c.width_mm.normalize(),
                c.height_mm.normalize(),
                c.weight_kg.normalize(),
                c.qty,
                if c.battery { "  battery/DG" } else { "" }
            );
        }
    }
    match &d.plan {
        Some(plan) => print_plan(plan, &org.0.to_string()),
        None => println!("\nNot planned yet."),
    }
    Ok(())
}

fn print_plan(plan: &PoolPlan, me: &str) {
    println!(
        "\nPlan: {} container(s), total {} ({} fit checks{})",
        plan.containers.len(),
        plan.total,
        plan.stats.fit_checks,
        if plan.stats.stopped_early {
            ", stopped at the time budget"
        } else {
            ""
        }
    );
    for c in &plan.containers {
        println!(
            "  #{} {:<6} {:>14}  {:>4} cartons  volume {:>5} %  weight {:>5} %{}",
            c.number,
            c.profile,
            c.price.to_string(),
            c.cartons,
            c.volume_utilisation_pct,
            c.weight_utilisation_pct,
            match c.dg {
                tradelane_freight::DgLoad::None => "",
                tradelane_freight::DgLoad::Only => "  dangerous goods only",
                tradelane_freight::DgLoad::Mixed => "  dangerous goods mixed",
            }
        );
        for w in &c.why {
            println!("       why: {}", w.describe());
        }
        for l in &c.loads {
            println!("       yours: {} × {}", l.carton_id, l.count);
        }
        for s in &c.shares {
            println!(
                "       share: {} {}",
                if s.participant_id == me {
                    "you".to_string()
                } else {
                    plan.participants
                        .iter()
                        .find(|p| p.participant_id == s.participant_id)
                        .map(|p| p.name.clone())
                        .unwrap_or_else(|| "other".into())
                },
                s.share
            );
        }
    }
    for p in &plan.participants {
        let who = if p.participant_id == me {
            "You".to_string()
        } else {
            p.name.clone()
        };
        print!(
            "{who}: share {} for {} {} ({} cartons placed",
            p.share, p.basis, p.basis_unit, p.cartons_placed
        );
        if p.cartons_unplaced > 0 {
            print!(", {} not placed", p.cartons_unplaced);
        }
        println!(")");
        if let (Some(solo), Some(saving)) = (&p.solo_best, &p.saving) {
            println!(
                "  alone {} via {}; {} {}",
                solo,
                p.solo_source.as_deref().unwrap_or(""),
                if saving.is_negative() {
                    "pooling costs more by"
                } else {
                    "saving"
                },
                saving.abs()
            );
        }
    }
    for u in &plan.unplaced {
        println!(
            "Not placed: {} × {}: {}",
            u.carton_id,
            u.count,
            u.reason.describe()
        );
    }
    for n in &plan.notes {
        println!("Note: {}", n.describe());
    }
}
