//! `tradelane landed-cost quote|batch`: duties, import taxes and fees per order line, each figure with its rule,
//! source, dates and uncertain flag.
//!
//! The pack is the built-in pack composed with the organisation's latest stored pack (`rules load`); the FX rates
//! are the stored ECB rates (`fx import`) or, for one run, `--fx-file`. Without a rate a quote whose currencies
//! differ fails with the engine's missing-rate error: no rate is ever assumed.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use tradelane_domain::{Country, Currency, HsCode, Incoterm, Money, Subdivision};
use tradelane_landed_cost::pack::{SalesChannel, TransportMode};
use tradelane_landed_cost::{
    ComponentKind, Destination, FxTable, Quote, QuoteLine, QuoteRequest, RulePack, quote,
};
use tradelane_store::landed_cost::TargetMarket;
use tradelane_store::{OrgId, Store, compose_pack};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::fx::read_ecb_file;
use crate::commands::rules::read_text;
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{ignore_broken_pipe, print_json, write_table};

#[derive(Debug, Subcommand)]
pub enum LandedCostCommand {
    /// Quote one consignment: from flags (one line) or a QuoteRequest JSON (`--json FILE`, `-` for stdin).
    Quote(Box<QuoteArgs>),
    /// Quote every order of a CSV file (rows with the same order id are one consignment) into a CSV with one
    /// line per input row and an `error` column instead of stopping at the first bad row.
    Batch(BatchArgs),
    /// Show the organisation's target markets, or replace them with `--set DE,GB,US,CA-ON`.
    Markets(MarketsArgs),
    /// One SKU's DDP landed cost (one unit, postal, own shop) in each target market or `--markets`.
    Sku(SkuCostArgs),
}

#[derive(Debug, Args)]
pub struct MarketsArgs {
    /// New list: country codes, or a province/state where taxes differ by it, comma-separated, in display order.
    #[arg(long)]
    pub set: Option<String>,
}

#[derive(Debug, Args)]
pub struct SkuCostArgs {
    /// SKU code.
    pub code: String,
    /// Markets, comma-separated (default: the organisation's target markets).
    #[arg(long)]
    pub markets: Option<String>,
    /// Date of import YYYY-MM-DD (default today, UTC).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    /// A marketplace that collects tax as deemed supplier / facilitator.
    Marketplace,
    /// The seller's own shop.
    Own,
}

impl From<ChannelArg> for SalesChannel {
    fn from(c: ChannelArg) -> Self {
        match c {
            ChannelArg::Marketplace => SalesChannel::Marketplace,
            ChannelArg::Own => SalesChannel::OwnShop,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    En,
    #[value(name = "zh-CN", alias = "zh")]
    Zh,
}

#[derive(Debug, Args)]
pub struct SharedArgs {
    /// ECB eurofxref-hist.csv to use for this run instead of the stored rates.
    #[arg(long)]
    pub fx_file: Option<PathBuf>,
    /// Quote with the built-in pack only, ignoring stored packs (no database needed with --fx-file).
    #[arg(long)]
    pub builtin: bool,
}

#[derive(Debug, Args)]
pub struct QuoteArgs {
    /// QuoteRequest JSON (the API's body); `-` reads standard input. Replaces the line flags.
    #[arg(long, conflicts_with_all = ["hs", "origin", "value", "to"])]
    pub json: Option<PathBuf>,
    /// HS code as declared in the destination (6 to 10 digits).
    #[arg(long, required_unless_present = "json")]
    pub hs: Option<String>,
    /// Country of origin (ISO 3166-1 alpha-2).
    #[arg(long, required_unless_present = "json")]
    pub origin: Option<String>,
    /// Price of the whole line (all units), excluding freight and insurance.
    #[arg(long, required_unless_present = "json")]
    pub value: Option<Decimal>,
    /// Currency of --value, --freight and --insurance.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// Number of units.
    #[arg(long, default_value = "1")]
    pub qty: Decimal,
    /// Net weight of the whole line in kg.
    #[arg(long, default_value = "0")]
    pub weight_kg: Decimal,
    /// Destination country.
    #[arg(long, required_unless_present = "json")]
    pub to: Option<String>,
    /// US state or Canadian province ("CA", "ON", "US-NY").
    #[arg(long)]
    pub subdivision: Option<String>,
    /// postal, express, air_freight or sea_freight.
    #[arg(long, default_value = "postal")]
    pub mode: String,
    /// Incoterm: DDP makes the seller pay import charges.
    #[arg(long, default_value = "DDP")]
    pub incoterm: String,
    #[arg(long, value_enum, default_value = "own")]
    pub channel: ChannelArg,
    /// Seller registration (IOSS, UK_VAT, AU_GST, NO_VOEC, CH_VAT, US-CA ...); repeat for several.
    #[arg(long = "registration")]
    pub registrations: Vec<String>,
    /// Date of import (YYYY-MM-DD); default today.
    #[arg(long)]
    pub date: Option<String>,
    /// International freight for the consignment, in --currency.
    #[arg(long)]
    pub freight: Option<Decimal>,
    /// Insurance for the consignment, in --currency.
    #[arg(long)]
    pub insurance: Option<Decimal>,
    /// Currency the seller keeps accounts in (default --currency).
    #[arg(long)]
    pub seller_currency: Option<String>,
    /// Product category for reduced tax rates (books, children_clothing, food ...).
    #[arg(long)]
    pub category: Option<String>,
    /// Carrier, for carrier disbursement fees (DHL, FedEx ...).
    #[arg(long)]
    pub carrier: Option<String>,
    /// Language of the explanations.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
    #[command(flatten)]
    pub shared: SharedArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Orders CSV: order_id, hs_code, origin, value, currency, quantity, net_weight_kg, destination,
    /// subdivision, mode, incoterm, date, channel, registrations (separated by ';'), freight, insurance,
    /// seller_currency, category. Only hs_code, origin, value, currency and destination are required.
    pub file: PathBuf,
    /// Output CSV; standard output when absent.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub shared: SharedArgs,
}

pub async fn run(global: &GlobalOpts, cmd: LandedCostCommand) -> Result<()> {
    match cmd {
        LandedCostCommand::Quote(args) => quote_cmd(global, &args).await,
        LandedCostCommand::Batch(args) => batch_cmd(global, &args).await,
        LandedCostCommand::Markets(args) => markets_cmd(global, &args).await,
        LandedCostCommand::Sku(args) => sku_cmd(global, &args).await,
    }
}

async fn markets_cmd(global: &GlobalOpts, args: &MarketsArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let markets = match &args.set {
        Some(list) => {
            let markets = TargetMarket::parse_list(list).map_err(validation)?;
            let changed = store
                .set_target_markets(&crate::commands::cli_actor(org.id), &markets)
                .await
                .map_err(|e| match e {
                    tradelane_store::StoreError::Invalid(m) => validation(m),
                    other => anyhow!(other),
                })?;
            if !changed {
                eprintln!("target markets unchanged");
            }
            markets
        }
        None => store.target_markets(org.id).await?,
    };
    let pack = active_pack(&store, org.id).await?;
    let rows: Vec<Vec<String>> = markets
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let covered = pack.markets().any(|k| k.country == m.country);
            vec![
                (i + 1).to_string(),
                m.to_string(),
                if covered {
                    "yes"
                } else {
                    "no: not in the rule pack"
                }
                .to_string(),
            ]
        })
        .collect();
    let listing = crate::output::Listing {
        headers: &["#", "market", "covered"],
        rows,
        items: &markets,
    };
    crate::output::print_listing(global.format.unwrap_or(OutputFormat::Table), &listing)
}

#[derive(serde::Serialize)]
struct SkuCostRow {
    market: String,
    landed_cost: Option<Money>,
    landed_cost_seller: Option<Money>,
    duties: Option<Money>,
    taxes: Option<Money>,
    fees: Option<Money>,
    regime: Option<String>,
    uncertain: bool,
    error: Option<String>,
}

async fn sku_cmd(global: &GlobalOpts, args: &SkuCostArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let code =
        tradelane_domain::SkuCode::parse(&args.code).map_err(|e| validation(e.to_string()))?;
    let sku = store
        .get_sku_by_code(org.id, &code)
        .await?
        .ok_or_else(|| validation(format!("SKU '{}' not found", args.code)))?;
    let markets = match &args.markets {
        Some(list) => TargetMarket::parse_list(list).map_err(validation)?,
        None => store.target_markets(org.id).await?,
    };
    if markets.is_empty() {
        bail!(
            "no target markets: pass --markets DE,US or set them with `tradelane landed-cost markets --set DE,US`"
        );
    }
    let date = match &args.date {
        Some(d) => d
            .parse::<jiff::civil::Date>()
            .map_err(|_| validation(format!("--date '{d}': expected YYYY-MM-DD")))?,
        None => tradelane_server::api::landed_cost::today_utc(),
    };
    let pack = active_pack(&store, org.id).await?;
    let fx = store
        .ecb_fx_table()
        .await
        .context("reading stored FX rates")?
        .unwrap_or_else(|| FxTable::new(Currency::EUR, NO_FX_SOURCE));
    let costs = tradelane_server::api::landed_cost::sku_market_costs(
        &pack,
        &fx,
        &sku.record,
        &markets,
        date,
    );
    let items: Vec<SkuCostRow> = costs
        .into_iter()
        .map(|c| match c.result {
            Ok(q) => SkuCostRow {
                market: c.market.to_string(),
                landed_cost_seller: Some(q.totals_seller().landed_cost),
                landed_cost: Some(q.totals.landed_cost),
                duties: Some(q.totals.duties),
                taxes: Some(q.totals.taxes),
                fees: Some(q.totals.fees),
                regime: Some(q.regime.summary.to_string()),
                uncertain: q
                    .components()
                    .any(tradelane_landed_cost::Component::uncertain),
                error: None,
            },
            Err(e) => SkuCostRow {
                market: c.market.to_string(),
                landed_cost: None,
                landed_cost_seller: None,
                duties: None,
                taxes: None,
                fees: None,
                regime: None,
                uncertain: false,
                error: Some(e.to_string()),
            },
        })
        .collect();
    let show = |m: &Option<Money>| {
        m.map(|m| format!("{} {}", m.amount(), m.currency().code()))
            .unwrap_or_default()
    };
    let rows = items
        .iter()
        .map(|r| {
            vec![
                r.market.clone(),
                show(&r.duties),
                show(&r.taxes),
                show(&r.fees),
                show(&r.landed_cost),
                show(&r.landed_cost_seller),
                if r.uncertain { "uncertain" } else { "" }.to_string(),
                r.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let listing = crate::output::Listing {
        headers: &[
            "market",
            "duties",
            "taxes",
            "fees",
            "landed_cost",
            "landed_cost_seller",
            "flag",
            "error",
        ],
        rows,
        items: &items,
    };
    crate::output::print_listing(global.format.unwrap_or(OutputFormat::Table), &listing)
}

/// The pack and the rates a run quotes with.
struct Basis {
    pack: RulePack,
    fx: FxTable,
}

const NO_FX_SOURCE: &str = "stored FX rates (none imported: run `tradelane fx import eurofxref-hist.csv` or pass --fx-file)";

async fn basis(global: &GlobalOpts, shared: &SharedArgs) -> Result<Basis> {
    let file_fx = shared.fx_file.as_deref().map(read_ecb_file).transpose()?;
    let needs_store = !shared.builtin || file_fx.is_none();
    let store = if needs_store {
        Some(open_store(global).await?)
    } else {
        None
    };
    let pack = match (&store, shared.builtin) {
        (Some(store), false) => {
            let org = require_org(store, global).await?;
            active_pack(store, org.id).await?
        }
        _ => compose_pack(None).map_err(|e| anyhow!("the built-in rule pack is invalid: {e:?}"))?,
    };
    let fx = match (file_fx, &store) {
        (Some(fx), _) => fx,
        (None, Some(store)) => store
            .ecb_fx_table()
            .await
            .context("reading stored FX rates")?
            .unwrap_or_else(|| FxTable::new(Currency::EUR, NO_FX_SOURCE)),
        (None, None) => FxTable::new(Currency::EUR, NO_FX_SOURCE),
    };
    Ok(Basis { pack, fx })
}

async fn active_pack(store: &Store, org: OrgId) -> Result<RulePack> {
    let stored = store
        .latest_rule_pack(org)
        .await
        .context("reading the stored rule pack")?;
    compose_pack(stored.as_ref().map(|p| p.toml.as_str())).map_err(|errors| {
        anyhow!(
            "the stored rule pack does not compose with the built-in pack: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

fn today() -> jiff::civil::Date {
    jiff::tz::TimeZone::system()
        .to_datetime(jiff::Timestamp::now())
        .date()
}

fn parse_date(text: &str) -> Result<jiff::civil::Date> {
    jiff::civil::Date::from_str(text.trim())
        .map_err(|_| anyhow!("date '{text}' is not a date: expected YYYY-MM-DD"))
}

fn parse_currency(field: &str, text: &str) -> Result<Currency> {
    Currency::parse(text).map_err(|e| anyhow!("{field} '{text}': {e}"))
}

fn parse_mode(text: &str) -> Result<TransportMode> {
    TransportMode::parse(text).ok_or_else(|| {
        anyhow!("mode '{text}' is not known: expected postal, express, air_freight or sea_freight")
    })
}

fn parse_channel(text: &str) -> Result<SalesChannel> {
    match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "" | "own" | "own_shop" | "shop" => Ok(SalesChannel::OwnShop),
        "marketplace" | "mp" => Ok(SalesChannel::Marketplace),
        _ => bail!("channel '{text}' is not known: expected marketplace or own"),
    }
}

fn parse_destination(country: &str, subdivision: Option<&str>) -> Result<Destination> {
    let country = Country::parse(country).map_err(|e| anyhow!("destination '{country}': {e}"))?;
    let subdivision = subdivision
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Subdivision::parse_for(country, s).map_err(|e| anyhow!("subdivision '{s}': {e}")))
        .transpose()?;
    Ok(Destination {
        country,
        subdivision,
    })
}

fn request_from_flags(args: &QuoteArgs) -> Result<QuoteRequest> {
    let missing = |flag: &str| anyhow!("{flag} is required without --json");
    let currency = parse_currency("--currency", &args.currency)?;
    let hs = args.hs.as_deref().ok_or_else(|| missing("--hs"))?;
    let origin = args.origin.as_deref().ok_or_else(|| missing("--origin"))?;
    let line = QuoteLine {
        hs_code: HsCode::parse(hs).map_err(|e| anyhow!("--hs '{hs}': {e}"))?,
        origin: Country::parse(origin).map_err(|e| anyhow!("--origin '{origin}': {e}"))?,
        value: Money::new(args.value.ok_or_else(|| missing("--value"))?, currency),
        quantity: args.qty,
        net_weight_kg: args.weight_kg,
        volume_litres: None,
        area_m2: None,
        category: args.category.clone(),
    };
    let to = args.to.as_deref().ok_or_else(|| missing("--to"))?;
    Ok(QuoteRequest {
        lines: vec![line],
        destination: parse_destination(to, args.subdivision.as_deref())?,
        mode: parse_mode(&args.mode)?,
        incoterm: Incoterm::parse(&args.incoterm)
            .map_err(|e| anyhow!("--incoterm '{}': {e}", args.incoterm))?,
        freight: args.freight.map(|a| Money::new(a, currency)),
        insurance: args.insurance.map(|a| Money::new(a, currency)),
        registrations: args.registrations.clone(),
        channel: args.channel.into(),
        carrier: args.carrier.clone(),
        date: args
            .date
            .as_deref()
            .map(parse_date)
            .transpose()?
            .unwrap_or_else(today),
        seller_currency: args
            .seller_currency
            .as_deref()
            .map(|c| parse_currency("--seller-currency", c))
            .transpose()?
            .unwrap_or(currency),
    })
}

async fn quote_cmd(global: &GlobalOpts, args: &QuoteArgs) -> Result<()> {
    let request = match &args.json {
        Some(path) => {
            let text = read_text(path)?;
            serde_json::from_str::<QuoteRequest>(&text).map_err(|e| {
                validation(format!(
                    "{}: not a QuoteRequest: {e} (see `tradelane landed-cost quote --help`)",
                    path.display()
                ))
            })?
        }
        None => request_from_flags(args).map_err(|e| validation(e.to_string()))?,
    };
    let basis = basis(global, &args.shared).await?;
    let result = quote(&basis.pack, &basis.fx, &request).map_err(|e| validation(e.to_string()))?;
    if global.format == Some(OutputFormat::Json) {
        return print_json(&result);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    ignore_broken_pipe(write_quote(&mut out, &result, args.lang).and_then(|()| out.flush()))
}

fn dates(from: jiff::civil::Date, to: Option<jiff::civil::Date>) -> String {
    match to {
        Some(to) => format!("{from}..{to}"),
        None => format!("{from}.."),
    }
}

/// An amount with as many decimals as its currency has minor units ("3.00 EUR", "1200 JPY").
fn money(m: &Money) -> String {
    let dp = m.currency().minor_units() as usize;
    format!("{:.dp$} {}", m.amount(), m.currency().code())
}

/// The itemised quote for a terminal: one row per figure, then totals, the pack and the FX rates used.
fn write_quote(out: &mut impl Write, q: &Quote, lang: LangArg) -> std::io::Result<()> {
    let mut rows = Vec::new();
    let components = q
        .lines
        .iter()
        .flat_map(|l| {
            l.components
                .iter()
                .map(move |c| ((l.index + 1).to_string(), c))
        })
        .chain(q.shipment.iter().map(|c| ("all".to_string(), c)));
    let mut any_uncertain = false;
    for (line, c) in components {
        any_uncertain |= c.uncertain();
        rows.push(vec![
            line,
            c.label().to_string(),
            money(&c.amount),
            c.base.as_ref().map(money).unwrap_or_default(),
            if c.uncertain() { "?" } else { "" }.to_string(),
            c.rule_id().to_string(),
            dates(c.effective_from(), c.effective_to()),
            match lang {
                LangArg::En => c.explanation_en(),
                LangArg::Zh => c.explanation_zh(),
            },
            c.source().to_string(),
        ]);
    }
    writeln!(
        out,
        "{} {} on {}: {} valuation, low-value outcome: {}",
        q.country.code(),
        q.subdivision
            .map(|s| s.code().to_string())
            .unwrap_or_default(),
        q.date,
        match q.valuation {
            tradelane_landed_cost::pack::Valuation::Cif => "CIF",
            tradelane_landed_cost::pack::Valuation::Fob => "FOB",
        },
        q.regime.summary
    )?;
    write_table(
        out,
        &[
            "line",
            "item",
            "amount",
            "base",
            "?",
            "rule",
            "effective",
            "explanation",
            "source",
        ],
        &rows,
    )?;
    writeln!(out)?;
    let t = &q.totals;
    let ts = q.totals_seller();
    let seller = q.seller_currency != t.total.currency();
    let mut totals = vec![
        ("customs value", &t.customs_value, &ts.customs_value),
        ("duties", &t.duties, &ts.duties),
        ("taxes", &t.taxes, &ts.taxes),
        ("fees", &t.fees, &ts.fees),
        ("total charges", &t.total, &ts.total),
        ("  paid by seller", &t.paid_by_seller, &ts.paid_by_seller),
        ("  paid by buyer", &t.paid_by_buyer, &ts.paid_by_buyer),
        ("  at the border", &t.at_border, &ts.at_border),
        ("  at the sale", &t.at_sale, &ts.at_sale),
    ];
    totals.push(("landed cost", &t.landed_cost, &ts.landed_cost));
    let total_rows: Vec<Vec<String>> = totals
        .iter()
        .map(|(name, dest, sell)| {
            let mut row = vec![name.to_string(), money(dest)];
            if seller {
                row.push(money(sell));
            }
            row
        })
        .collect();
    let headers: &[&str] = if seller {
        &["total", "destination", "seller currency"]
    } else {
        &["total", "amount"]
    };
    write_table(out, headers, &total_rows)?;
    writeln!(out)?;
    writeln!(out, "rule pack: {} {}", q.pack_id, q.pack_version)?;
    for r in &q.fx_rates {
        writeln!(
            out,
            "FX: 1 {} = {} {} (published {} for {}, {})",
            r.from.code(),
            r.rate.round_dp(8).normalize(),
            r.to.code(),
            r.rate_date,
            r.requested_date,
            r.source
        )?;
    }
    for note in &q.notes {
        writeln!(out, "note: {note}")?;
    }
    if any_uncertain {
        writeln!(
            out,
            "? = the rule is marked uncertain in the pack (not confirmed, temporary or litigated): check it"
        )?;
    }
    Ok(())
}

/// One input row of a batch file, with its 1-based line number in the file.
#[derive(Debug)]
struct BatchRow {
    line: usize,
    order_id: String,
    fields: HashMap<&'static str, String>,
}

/// Canonical column names and the header spellings accepted for them.
const COLUMNS: &[(&str, &[&str])] = &[
    ("order_id", &["order_id", "order", "order id", "订单号"]),
    ("hs_code", &["hs_code", "hs", "hs code", "海关编码"]),
    ("origin", &["origin", "country_of_origin", "原产国"]),
    ("value", &["value", "line_value", "price", "申报价值"]),
    ("currency", &["currency", "币种"]),
    ("quantity", &["quantity", "qty", "数量"]),
    (
        "net_weight_kg",
        &["net_weight_kg", "weight_kg", "weight", "净重"],
    ),
    ("destination", &["destination", "to", "country", "目的国"]),
    ("subdivision", &["subdivision", "state", "province"]),
    ("mode", &["mode", "transport_mode"]),
    ("incoterm", &["incoterm"]),
    ("date", &["date", "import_date"]),
    ("channel", &["channel"]),
    ("registrations", &["registrations", "registration"]),
    ("freight", &["freight"]),
    ("insurance", &["insurance"]),
    ("seller_currency", &["seller_currency"]),
    ("category", &["category"]),
    ("carrier", &["carrier"]),
];

const REQUIRED: &[&str] = &["hs_code", "origin", "value", "currency", "destination"];

fn read_batch(text: &str) -> Result<Vec<BatchRow>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().context("reading the header row")?.clone();
    let mut map: Vec<Option<&'static str>> = Vec::new();
    for h in &headers {
        let h = h.to_lowercase();
        map.push(
            COLUMNS
                .iter()
                .find(|(_, names)| names.contains(&h.as_str()))
                .map(|(canon, _)| *canon),
        );
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|r| !map.contains(&Some(**r)))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(validation(format!(
            "the header row lacks the column(s) {}: expected at least {}",
            missing.join(", "),
            REQUIRED.join(", ")
        )));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("reading line {line}"))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut fields = HashMap::new();
        for (cell, canon) in record.iter().zip(&map) {
            if let Some(canon) = canon
                && !cell.is_empty()
            {
                fields.insert(*canon, cell.to_string());
            }
        }
        let order_id = fields
            .get("order_id")
            .cloned()
            .unwrap_or_else(|| format!("line-{line}"));
        rows.push(BatchRow {
            line,
            order_id,
            fields,
        });
    }
    Ok(rows)
}

fn field<'a>(row: &'a BatchRow, name: &str) -> Option<&'a str> {
    row.fields.get(name).map(String::as_str)
}

fn required<'a>(row: &'a BatchRow, name: &str) -> Result<&'a str> {
    field(row, name).ok_or_else(|| anyhow!("line {}: column {name} is empty", row.line))
}

fn decimal(row: &BatchRow, name: &str) -> Result<Option<Decimal>> {
    field(row, name)
        .map(|t| {
            Decimal::from_str(t).map_err(|_| {
                anyhow!(
                    "line {}: {name} '{t}' is not a number (use . for decimals)",
                    row.line
                )
            })
        })
        .transpose()
}

fn batch_line(row: &BatchRow) -> Result<QuoteLine> {
    let currency = parse_currency("currency", required(row, "currency")?)
        .map_err(|e| anyhow!("line {}: {e}", row.line))?;
    let hs = required(row, "hs_code")?;
    let origin = required(row, "origin")?;
    Ok(QuoteLine {
        hs_code: HsCode::parse(hs)
            .map_err(|e| anyhow!("line {}: hs_code '{hs}': {e}", row.line))?,
        origin: Country::parse(origin)
            .map_err(|e| anyhow!("line {}: origin '{origin}': {e}", row.line))?,
        value: Money::new(
            decimal(row, "value")?.ok_or_else(|| anyhow!("line {}: value is empty", row.line))?,
            currency,
        ),
        quantity: decimal(row, "quantity")?.unwrap_or(Decimal::ONE),
        net_weight_kg: decimal(row, "net_weight_kg")?.unwrap_or(Decimal::ZERO),
        volume_litres: None,
        area_m2: None,
        category: field(row, "category").map(str::to_string),
    })
}

/// One consignment from the rows of one order; consignment fields are taken from its first row.
fn batch_request(rows: &[&BatchRow]) -> Result<QuoteRequest> {
    let first = rows[0];
    let lines = rows
        .iter()
        .map(|r| batch_line(r))
        .collect::<Result<Vec<_>>>()?;
    let currency = lines[0].value.currency();
    let at = |e: anyhow::Error| anyhow!("line {}: {e}", first.line);
    let money_field = |name: &str| -> Result<Option<Money>> {
        Ok(decimal(first, name)?.map(|a| Money::new(a, currency)))
    };
    Ok(QuoteRequest {
        destination: parse_destination(
            required(first, "destination")?,
            field(first, "subdivision"),
        )
        .map_err(at)?,
        mode: parse_mode(field(first, "mode").unwrap_or("postal")).map_err(at)?,
        incoterm: Incoterm::parse(field(first, "incoterm").unwrap_or("DDP"))
            .map_err(|e| anyhow!("line {}: incoterm: {e}", first.line))?,
        freight: money_field("freight")?,
        insurance: money_field("insurance")?,
        registrations: field(first, "registrations")
            .map(|r| {
                r.split([';', ' ', '|'])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        channel: parse_channel(field(first, "channel").unwrap_or("")).map_err(at)?,
        carrier: field(first, "carrier").map(str::to_string),
        date: field(first, "date")
            .map(parse_date)
            .transpose()
            .map_err(at)?
            .unwrap_or_else(today),
        seller_currency: field(first, "seller_currency")
            .map(|c| parse_currency("seller_currency", c))
            .transpose()
            .map_err(at)?
            .unwrap_or(currency),
        lines,
    })
}

const BATCH_HEADERS: &[&str] = &[
    "line",
    "order_id",
    "hs_code",
    "destination",
    "currency",
    "customs_value",
    "duties",
    "taxes",
    "fees",
    "charges",
    "landed_cost",
    "order_charges",
    "order_landed_cost",
    "seller_currency",
    "order_landed_cost_seller",
    "regime",
    "uncertain",
    "rule_ids",
    "pack_version",
    "fx_rates",
    "error",
];

/// Output cells for every row of one order: the quote's figures per line, or the error on each row.
fn batch_cells(rows: &[&BatchRow], result: &Result<Quote>) -> Vec<Vec<String>> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let mut cells = vec![
            row.line.to_string(),
            row.order_id.clone(),
            field(row, "hs_code").unwrap_or("").to_string(),
            field(row, "destination").unwrap_or("").to_string(),
        ];
        match result {
            Ok(q) => {
                let Some(l) = q.lines.get(i) else {
                    continue;
                };
                let sum = |pred: fn(ComponentKind) -> bool| {
                    l.components
                        .iter()
                        .filter(|c| pred(c.kind))
                        .map(|c| c.amount.amount())
                        .sum::<Decimal>()
                };
                let fees = sum(|k| k == ComponentKind::Fee) + l.shipment_share.amount();
                let uncertain = l.components.iter().any(|c| c.uncertain())
                    || q.shipment.iter().any(|c| c.uncertain());
                let mut rule_ids: Vec<&str> = l.components.iter().map(|c| c.rule_id()).collect();
                rule_ids.extend(q.shipment.iter().map(|c| c.rule_id()));
                rule_ids.dedup();
                cells.extend([
                    l.value.currency().code().to_string(),
                    l.customs_value.amount().to_string(),
                    sum(ComponentKind::is_duty).to_string(),
                    sum(ComponentKind::is_tax).to_string(),
                    fees.to_string(),
                    (l.total.amount() + l.shipment_share.amount()).to_string(),
                    l.landed_cost.amount().to_string(),
                    q.totals.total.amount().to_string(),
                    q.totals.landed_cost.amount().to_string(),
                    q.seller_currency.code().to_string(),
                    q.totals_seller().landed_cost.amount().to_string(),
                    q.regime.summary.to_string(),
                    if uncertain { "yes" } else { "no" }.to_string(),
                    rule_ids.join(" "),
                    q.pack_version.to_string(),
                    q.fx_rates
                        .iter()
                        .map(|r| {
                            format!(
                                "{}/{}={}@{}",
                                r.from.code(),
                                r.to.code(),
                                r.rate.normalize(),
                                r.rate_date
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                    String::new(),
                ]);
            }
            Err(e) => {
                cells.extend(std::iter::repeat_n(String::new(), BATCH_HEADERS.len() - 5));
                cells.push(format!("{e:#}"));
            }
        }
        out.push(cells);
    }
    out
}

async fn batch_cmd(global: &GlobalOpts, args: &BatchArgs) -> Result<()> {
    let name = args.file.display().to_string();
    let text = read_text(&args.file)?;
    let rows = read_batch(&text).map_err(|e| validation(format!("{name}: {e:#}")))?;
    let basis = basis(global, &args.shared).await?;
    // Orders in order of first appearance; rows of an order keep their file order.
    let mut order_index: HashMap<&str, usize> = HashMap::new();
    let mut orders: Vec<Vec<&BatchRow>> = Vec::new();
    for row in &rows {
        let i = *order_index.entry(row.order_id.as_str()).or_insert_with(|| {
            orders.push(Vec::new());
            orders.len() - 1
        });
        orders[i].push(row);
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(rows.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} rows [{elapsed} < {eta}] {msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut output: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    let mut failed_rows = 0usize;
    for order in &orders {
        let result = batch_request(order).and_then(|request| {
            quote(&basis.pack, &basis.fx, &request).map_err(|e| anyhow!("{e}"))
        });
        if result.is_err() {
            failed_rows += order.len();
        }
        output.extend(batch_cells(order, &result));
        bar.inc(order.len() as u64);
    }
    bar.finish_and_clear();
    let mut writer: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    ignore_broken_pipe(
        crate::output::write_csv(&mut writer, BATCH_HEADERS, &output).and_then(|()| writer.flush()),
    )?;
    eprintln!(
        "{name}: {} rows in {} orders quoted with pack {} {}; {} rows with errors (see the error column)",
        rows.len(),
        orders.len(),
        basis.pack.meta().pack_id,
        basis.pack.meta().pack_version,
        failed_rows
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_rows_group_by_order_and_accept_header_aliases() {
        let text = "Order,HS,origin,value,currency,qty,destination,date\n\
                    A,851830,CN,10,EUR,1,DE,2026-07-15\n\
                    B,6109.10,CN,20,EUR,2,FR,2026-07-15\n\
                    A,420222,CN,30,EUR,1,DE,2026-07-15\n";
        let rows = read_batch(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].order_id, "A");
        assert_eq!(rows[2].line, 4);
        let a: Vec<&BatchRow> = rows.iter().filter(|r| r.order_id == "A").collect();
        let request = batch_request(&a).unwrap();
        assert_eq!(request.lines.len(), 2);
        assert_eq!(request.destination.country, Country::DE);
        assert_eq!(request.incoterm, Incoterm::Ddp);
    }

    #[test]
    fn a_batch_file_without_required_columns_names_them() {
        let err = read_batch("order_id,hs_code\n1,851830\n").unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("origin") && text.contains("destination"),
            "{text}"
        );
    }

    #[test]
    fn a_bad_cell_names_its_line_and_column() {
        let rows = read_batch("hs_code,origin,value,currency,destination\n851830,CN,ten,EUR,DE\n")
            .unwrap();
        let err = batch_request(&[&rows[0]]).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("value 'ten'"),
            "{err}"
        );
    }

    #[test]
    fn a_failed_order_puts_its_error_on_every_row() {
        let rows = read_batch(
            "order_id,hs_code,origin,value,currency,destination\nX,851830,CN,1,EUR,DE\nX,851830,CN,1,EUR,DE\n",
        )
        .unwrap();
        let refs: Vec<&BatchRow> = rows.iter().collect();
        let cells = batch_cells(&refs, &Err(anyhow!("boom")));
        assert_eq!(cells.len(), 2);
        assert!(cells.iter().all(|c| c.len() == BATCH_HEADERS.len()));
        assert!(
            cells
                .iter()
                .all(|c| c.last().map(String::as_str) == Some("boom"))
        );
    }

    #[test]
    fn a_quoted_order_fills_every_column() {
        let pack = compose_pack(None).unwrap();
        let fx = FxTable::from_ecb_csv("Date,USD,CNY,\n2026-07-15,1.17,8.4,\n").unwrap();
        let rows = read_batch(
            "order_id,hs_code,origin,value,currency,destination,date,seller_currency\n\
             X,6109.10.00,CN,100,EUR,DE,2026-07-15,CNY\n",
        )
        .unwrap();
        let refs: Vec<&BatchRow> = rows.iter().collect();
        let q =
            batch_request(&refs).and_then(|r| quote(&pack, &fx, &r).map_err(|e| anyhow!("{e}")));
        let cells = batch_cells(&refs, &q);
        assert_eq!(cells[0].len(), BATCH_HEADERS.len());
        assert_eq!(cells[0].last().map(String::as_str), Some(""), "{cells:?}");
        assert!(cells[0][19].contains("EUR/CNY=8.4@2026-07-15"), "{cells:?}");
    }
}
