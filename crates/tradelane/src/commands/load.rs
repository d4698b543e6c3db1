//! `tradelane load plan|br`: 3D container load planning from a carton list, with an isometric SVG
//! picture or a JSON placement list, and the Bischoff & Ratcliff benchmark on any thpack file.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tradelane_freight::{CartonLine, import_cartons, read_bytes};
use tradelane_loadplan::{
    Container, ItemType, Plan, Problem, Settings, br, plan, plan_baseline, presets,
};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::exit::validation;

#[derive(Debug, Subcommand)]
pub enum LoadCommand {
    /// Plan how a carton list fits into a container; prints utilisation, weight, centre of
    /// gravity and unplaced cartons with the reason.
    Plan(LoadPlanArgs),
    /// Run the planner on a Bischoff & Ratcliff thpack file (e.g. br01.txt) and print the volume
    /// utilisation per instance and on average, next to a first-fit-decreasing baseline.
    Br(LoadBrArgs),
}

#[derive(Debug, Args)]
pub struct LoadPlanArgs {
    /// Carton list (CSV or XLSX). Columns, English or Chinese: id/箱号, length/长, width/宽,
    /// height/高 (cm, or mm when the header says "(mm)"), weight/重量 (kg), qty/数量,
    /// this_side_up/朝上, stackable/可堆叠, max_load_kg/最大承重, stop/卸货点.
    pub file: PathBuf,
    /// Container: 20GP, 40GP, 40HQ, 45HQ, LD3, PMC, TRUCK.
    #[arg(long, default_value = "40HQ")]
    pub container: String,
    /// Time the planner may search, e.g. 2s, 500ms, 1.5s. The best plan so far is returned then.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub time_budget: Duration,
    /// Seed of the planner's search (same seed and budget: same plan on the same machine).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the plan: `x.pdf` a loading plan for the warehouse crew (cover, step-by-step pictures,
    /// carton labels), `x.svg` an isometric picture, `x.json` the placement list.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Font for the PDF (TrueType/OpenType with Latin and CJK glyphs); default: well-known system fonts.
    #[arg(long, env = "TRADELANE_PDF_FONT")]
    pub font: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LoadBrArgs {
    /// A thpack file (first line: number of problems).
    pub file: PathBuf,
    /// Milliseconds per instance.
    #[arg(long, default_value_t = 1000)]
    pub ms: u64,
    /// Only the first N instances.
    #[arg(long)]
    pub limit: Option<usize>,
}

pub fn run(global: &GlobalOpts, cmd: LoadCommand) -> Result<()> {
    match cmd {
        LoadCommand::Plan(args) => plan_command(global, &args),
        LoadCommand::Br(args) => br_command(&args),
    }
}

/// Reads "2s", "500ms", "1.5s", "1m" or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: expected a duration such as 2s, 500ms or 1.5s"))?;
    if !value.is_finite() || value <= 0.0 || value * scale > 3600.0 {
        return Err(format!(
            "{text:?}: expected a duration above 0 and at most one hour"
        ));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

fn spinner(message: String) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Reads a carton list; row errors are printed to stderr and end the command with exit 2.
pub fn read_cartons(path: &Path) -> Result<Vec<CartonLine>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let sheet = read_bytes(&bytes).map_err(|e| validation(format!("{}: {e}", path.display())))?;
    let import = import_cartons(&sheet);
    if !import.errors.is_empty() {
        for e in &import.errors {
            eprintln!("{}: {e}", path.display());
        }
        return Err(validation(format!(
            "{}: {} cell(s) with errors; nothing was planned",
            path.display(),
            import.errors.len()
        )));
    }
    if import.lines.is_empty() {
        return Err(validation(format!("{}: no cartons", path.display())));
    }
    Ok(import.lines)
}

fn to_grams(kg: Decimal) -> Option<u64> {
    (kg * Decimal::from(1000)).round().to_u64()
}

/// Carton lines as planner items (millimetres, grams).
pub fn to_items(lines: &[CartonLine]) -> Result<Vec<ItemType>> {
    let mut items = Vec::with_capacity(lines.len());
    for l in lines {
        let mut dims = [0i64; 3];
        for (k, d) in l.dims_mm.iter().enumerate() {
            dims[k] = d.round().to_i64().filter(|v| *v > 0).ok_or_else(|| {
                validation(format!(
                    "row {} ({}): {} mm rounds to no whole millimetre; expected a size of at least 1 mm",
                    l.line, l.id, d
                ))
            })?;
        }
        let weight = to_grams(l.weight_kg)
            .ok_or_else(|| validation(format!("row {} ({}): weight out of range", l.line, l.id)))?;
        let mut item = ItemType::new(l.id.clone(), dims, l.qty)
            .with_weight_g(weight)
            .with_stop(l.stop);
        if l.this_side_up {
            item = item.this_side_up();
        }
        if !l.stackable {
            item = item.non_stackable();
        }
        if let Some(max) = l.max_load_kg {
            let g = to_grams(max).ok_or_else(|| {
                validation(format!("row {} ({}): max load out of range", l.line, l.id))
            })?;
            item = item.with_max_load_on_top_g(g);
        }
        items.push(item);
    }
    Ok(items)
}

fn plan_command(global: &GlobalOpts, args: &LoadPlanArgs) -> Result<()> {
    let container = presets::by_code(&args.container).ok_or_else(|| {
        validation(format!(
            "unknown container {:?}; expected 20GP, 40GP, 40HQ, 45HQ, LD3, PMC or TRUCK",
            args.container
        ))
    })?;
    let lines = read_cartons(&args.file)?;
    let items = to_items(&lines)?;
    let mut settings = Settings::default();
    if let Some(seed) = args.seed {
        settings.seed = seed;
    }
    let problem = Problem::new(container.clone(), items, settings)
        .map_err(|e| validation(format!("{}: {e}", args.file.display())))?;
    let bar = spinner(format!(
        "planning {} cartons into {}",
        problem.total_quantity(),
        container.name
    ));
    let start = Instant::now();
    let budget = args.time_budget;
    let result = plan(&problem, &|| start.elapsed() >= budget);
    bar.finish_and_clear();

    if let Some(out) = &args.output {
        let ext = out
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let content = match ext.as_str() {
            "svg" => render_svg(&problem, &result).into_bytes(),
            "json" => plan_json(&container, &result)?.into_bytes(),
            "pdf" => {
                let fonts = tradelane_documents::system_fonts::load(args.font.as_deref())
                    .map_err(validation)?;
                let reference = args
                    .file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let doc = tradelane_documents::loading::loading_plan(&problem, &result, &reference);
                tradelane_documents::render_pdf(&doc, &fonts)?
            }
            _ => bail!(
                "{}: expected an output file ending in .pdf, .svg or .json",
                out.display()
            ),
        };
        std::fs::write(out, content).with_context(|| format!("writing {}", out.display()))?;
    }
    if global.format == Some(OutputFormat::Json) {
        println!("{}", plan_json(&container, &result)?);
    } else {
        print!("{}", summary(&problem, &result, start.elapsed()));
        if let Some(out) = &args.output {
            println!("Written: {}", out.display());
        }
    }
    Ok(())
}

fn plan_json(container: &Container, plan: &Plan) -> Result<String> {
    let value = serde_json::json!({
        "container": container,
        "units": {"length": "mm", "weight": "g"},
        "plan": plan,
    });
    Ok(serde_json::to_string_pretty(&value)?)
}

fn summary(problem: &Problem, plan: &Plan, elapsed: Duration) -> String {
    use std::fmt::Write;
    let c = problem.container();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Container {}: {} × {} × {} mm inside{}",
        c.name,
        c.dims[0],
        c.dims[1],
        c.dims[2],
        c.payload_g
            .map(|p| format!(", payload {:.0} kg", p as f64 / 1000.0))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "Loaded {} of {} cartons",
        plan.placements.len(),
        problem.total_quantity()
    );
    let _ = writeln!(
        s,
        "Volume utilisation {:.1} % ({:.2} m³)",
        plan.volume_utilisation * 100.0,
        plan.loaded_volume as f64 / 1e9
    );
    let _ = writeln!(
        s,
        "Weight {:.1} kg{}",
        plan.loaded_weight_g as f64 / 1000.0,
        plan.weight_utilisation
            .map(|w| format!(" ({:.1} % of payload)", w * 100.0))
            .unwrap_or_default()
    );
    match plan.centre_of_gravity {
        Some([x, y, z]) => {
            let _ = writeln!(
                s,
                "Centre of gravity x {x:.0} mm ({:.1} % of length from the back wall), y {y:.0} mm ({:.1} % of width), z {z:.0} mm",
                x / c.dims[0] as f64 * 100.0,
                y / c.dims[1] as f64 * 100.0
            );
        }
        None => {
            let _ = writeln!(s, "Centre of gravity: no weights given");
        }
    }
    let _ = writeln!(
        s,
        "Search: {} candidate plans in {:.1} s ({}){}",
        plan.stats.iterations,
        elapsed.as_secs_f64(),
        plan.stats.method,
        if plan.stats.stopped_early {
            ", stopped at the time budget"
        } else {
            ""
        }
    );
    if plan.unplaced.is_empty() {
        let _ = writeln!(s, "Unplaced: none");
    } else {
        let _ = writeln!(s, "Unplaced:");
        for u in &plan.unplaced {
            let _ = writeln!(s, "  {} × {}: {}", u.item_id, u.count, u.reason.describe());
        }
    }
    s
}

fn br_command(args: &LoadBrArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let instances = br::parse(&text, &Settings::default())
        .map_err(|e| validation(format!("{}: {e}", args.file.display())))?;
    let take = args.limit.unwrap_or(usize::MAX).min(instances.len());
    let budget = Duration::from_millis(args.ms.max(1));
    println!("| instance | baseline FFD | planner | ratio |");
    println!("|---|---|---|---|");
    let (mut sum_b, mut sum_m) = (0.0, 0.0);
    let bar = spinner(format!(
        "{} instances, {} ms each",
        take,
        budget.as_millis()
    ));
    for inst in instances.iter().take(take) {
        let baseline = plan_baseline(&inst.problem);
        let start = Instant::now();
        let main = plan(&inst.problem, &|| start.elapsed() >= budget);
        sum_b += baseline.volume_utilisation;
        sum_m += main.volume_utilisation;
        bar.suspend(|| {
            println!(
                "| {} | {:.2} % | {:.2} % | {:.3} |",
                inst.number,
                baseline.volume_utilisation * 100.0,
                main.volume_utilisation * 100.0,
                ratio(main.volume_utilisation, baseline.volume_utilisation)
            )
        });
    }
    bar.finish_and_clear();
    if take > 0 {
        let n = take as f64;
        println!(
            "| average of {take} | {:.2} % | {:.2} % | {:.3} |",
            sum_b / n * 100.0,
            sum_m / n * 100.0,
            ratio(sum_m, sum_b)
        );
    }
    Ok(())
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

// ---------------------------------------------------------------------------------------------
// Isometric SVG

const COS30: f64 = 0.866_025_403_784_438_6;

/// Container point → screen, viewed from above the door corner (x → door, y across, z up).
fn project(p: [f64; 3], scale: f64, origin: (f64, f64)) -> (f64, f64) {
    (
        origin.0 + (p[0] - p[1]) * COS30 * scale,
        origin.1 + ((p[0] + p[1]) * 0.5 - p[2]) * scale,
    )
}

/// Colour per carton type: hues spread by the golden angle so neighbours differ; every eighth type
/// the hues come round again, so those are shifted in lightness (`tone`) to stay apart.
fn hue(index: usize) -> f64 {
    (index as f64 * 137.508 + 200.0) % 360.0
}

fn tone(index: usize) -> f64 {
    [0.0, -14.0, 10.0][(index / 8) % 3]
}

fn fill(index: usize, saturation: f64, lightness: f64) -> String {
    format!(
        "hsl({:.0},{saturation:.0}%,{:.0}%)",
        hue(index),
        (lightness + tone(index)).clamp(15.0, 90.0)
    )
}

fn polygon(out: &mut String, pts: &[(f64, f64)], fill: &str, extra: &str) {
    use std::fmt::Write;
    let points: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = writeln!(
        out,
        r#"<polygon points="{}" fill="{fill}" {extra}/>"#,
        points.join(" ")
    );
}

/// Painter's order: a box is drawn before every box it lies behind (seen from +x, +y, +z).
/// Only boxes whose outlines overlap on screen are ordered; for those, a separating axis exists
/// and says which one is behind.
fn painter_order(boxes: &[([i64; 3], [i64; 3])]) -> Vec<usize> {
    let n = boxes.len();
    // Screen outline of a box projected along (1,1,1): intervals of x−y, y−z, z−x.
    let spans: Vec<[(i64, i64); 3]> = boxes
        .iter()
        .map(|(p, s)| {
            let hi = [p[0] + s[0], p[1] + s[1], p[2] + s[2]];
            [
                (p[0] - hi[1], hi[0] - p[1]),
                (p[1] - hi[2], hi[1] - p[2]),
                (p[2] - hi[0], hi[2] - p[0]),
            ]
        })
        .collect();
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for a in 0..n {
        for b in (a + 1)..n {
            let overlap =
                (0..3).all(|k| spans[a][k].0 < spans[b][k].1 && spans[b][k].0 < spans[a][k].1);
            if !overlap {
                continue;
            }
            let (pa, sa) = boxes[a];
            let (pb, sb) = boxes[b];
            let a_behind = (0..3).any(|k| pa[k] + sa[k] <= pb[k]);
            let b_behind = (0..3).any(|k| pb[k] + sb[k] <= pa[k]);
            match (a_behind, b_behind) {
                (true, false) => {
                    before[a].push(b);
                    indegree[b] += 1;
                }
                (false, true) => {
                    before[b].push(a);
                    indegree[a] += 1;
                }
                _ => {}
            }
        }
    }
    let depth = |i: usize| {
        let (p, s) = boxes[i];
        (p[0] + p[1] + p[2]) * 2 + s[0] + s[1] + s[2]
    };
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<(i64, usize)>> = (0..n)
        .filter(|i| indegree[*i] == 0)
        .map(|i| std::cmp::Reverse((depth(i), i)))
        .collect();
    let mut order = Vec::with_capacity(n);
    let mut done = vec![false; n];
    while let Some(std::cmp::Reverse((_, i))) = ready.pop() {
        order.push(i);
        done[i] = true;
        for &j in &before[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(std::cmp::Reverse((depth(j), j)));
            }
        }
    }
    // A cycle cannot happen for non-overlapping boxes; keep any leftovers rather than drop them.
    let mut rest: Vec<usize> = (0..n).filter(|i| !done[*i]).collect();
    rest.sort_by_key(|i| depth(*i));
    order.extend(rest);
    order
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An isometric picture of the loaded container with a legend per carton type.
pub fn render_svg(problem: &Problem, plan: &Plan) -> String {
    use std::fmt::Write;
    let c = problem.container();
    let [l, w, h] = c.dims.map(|d| d as f64);
    let width = 1200.0;
    let legend_rows = problem.items().len().min(24);
    let pic_w = (l + w) * COS30;
    let pic_h = (l + w) * 0.5 + h;
    // Fit the whole container in a landscape area so the legend stays on the first screen.
    let scale = ((width - 80.0) / pic_w).min(520.0 / pic_h);
    let top = 90.0;
    let height = top + pic_h * scale + 40.0 + legend_rows as f64 * 22.0 + 30.0;
    let origin = (
        (width - pic_w * scale) / 2.0 + w * COS30 * scale,
        top + h * scale,
    );
    let pt = |x: f64, y: f64, z: f64| project([x, y, z], scale, origin);

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="20" y="32" font-size="20" font-weight="bold">{} · {} of {} cartons · volume {:.1} % · {:.0} kg{}</text>"#,
        escape(&c.name),
        plan.placements.len(),
        problem.total_quantity(),
        plan.volume_utilisation * 100.0,
        plan.loaded_weight_g as f64 / 1000.0,
        plan.weight_utilisation
            .map(|u| format!(" ({:.1} % of payload)", u * 100.0))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        r##"<text x="20" y="56" font-size="13" fill="#555">Back wall at the far left, door at the near right; {:.0} mm long, {:.0} mm wide, {:.0} mm high. Loaded back to front.</text>"##,
        l, w, h
    );
    // Far walls and floor, behind every carton.
    let wall = r##"stroke="#9aa3ad" stroke-width="1""##;
    polygon(
        &mut s,
        &[
            pt(0.0, 0.0, 0.0),
            pt(l, 0.0, 0.0),
            pt(l, w, 0.0),
            pt(0.0, w, 0.0),
        ],
        "#eef1f4",
        wall,
    );
    polygon(
        &mut s,
        &[
            pt(0.0, 0.0, 0.0),
            pt(0.0, w, 0.0),
            pt(0.0, w, h),
            pt(0.0, 0.0, h),
        ],
        "#e2e6ea",
        wall,
    );
    polygon(
        &mut s,
        &[
            pt(0.0, 0.0, 0.0),
            pt(l, 0.0, 0.0),
            pt(l, 0.0, h),
            pt(0.0, 0.0, h),
        ],
        "#e8ebef",
        wall,
    );

    let boxes: Vec<([i64; 3], [i64; 3])> = plan
        .placements
        .iter()
        .map(|p| (p.position, p.size))
        .collect();
    for i in painter_order(&boxes) {
        let p = &plan.placements[i];
        let [x0, y0, z0] = p.position.map(|v| v as f64);
        let [x1, y1, z1] = [
            x0 + p.size[0] as f64,
            y0 + p.size[1] as f64,
            z0 + p.size[2] as f64,
        ];
        let stroke = r##"stroke="#2b2f33" stroke-width="0.6" stroke-linejoin="round""##;
        let _ = writeln!(
            s,
            "<g><title>{} #{} stop {} at ({}, {}, {}) mm</title>",
            escape(&p.item_id),
            p.copy + 1,
            p.stop,
            p.position[0],
            p.position[1],
            p.position[2]
        );
        polygon(
            &mut s,
            &[
                pt(x0, y0, z1),
                pt(x1, y0, z1),
                pt(x1, y1, z1),
                pt(x0, y1, z1),
            ],
            &fill(p.item_index, 62.0, 72.0),
            stroke,
        );
        polygon(
            &mut s,
            &[
                pt(x1, y0, z0),
                pt(x1, y1, z0),
                pt(x1, y1, z1),
                pt(x1, y0, z1),
            ],
            &fill(p.item_index, 55.0, 56.0),
            stroke,
        );
        polygon(
            &mut s,
            &[
                pt(x0, y1, z0),
                pt(x1, y1, z0),
                pt(x1, y1, z1),
                pt(x0, y1, z1),
            ],
            &fill(p.item_index, 50.0, 44.0),
            stroke,
        );
        let _ = writeln!(s, "</g>");
    }
    // Near edges of the container as a dashed outline over the cartons.
    let dash = r##"fill="none" stroke="#5b6570" stroke-width="1.2" stroke-dasharray="6 4""##;
    for (a, b) in [
        ((l, 0.0, 0.0), (l, 0.0, h)),
        ((l, w, 0.0), (l, w, h)),
        ((0.0, w, 0.0), (0.0, w, h)),
        ((l, 0.0, 0.0), (l, w, 0.0)),
        ((0.0, w, 0.0), (l, w, 0.0)),
        ((0.0, 0.0, h), (l, 0.0, h)),
        ((l, 0.0, h), (l, w, h)),
        ((0.0, w, h), (l, w, h)),
        ((0.0, 0.0, h), (0.0, w, h)),
    ] {
        let (ax, ay) = pt(a.0, a.1, a.2);
        let (bx, by) = pt(b.0, b.1, b.2);
        let _ = writeln!(
            s,
            r#"<line x1="{ax:.1}" y1="{ay:.1}" x2="{bx:.1}" y2="{by:.1}" {dash}/>"#
        );
    }
    let (dx, dy) = pt(l, w * 0.5, 0.0);
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="13" fill="#5b6570">door</text>"##,
        dx + 8.0,
        dy + 18.0
    );
    let (bx, by) = pt(0.0, 0.0, h);
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="13" fill="#5b6570">back wall</text>"##,
        bx - 20.0,
        by - 8.0
    );

    // Legend: one row per carton type.
    let mut placed = vec![0u32; problem.items().len()];
    for p in &plan.placements {
        placed[p.item_index] += 1;
    }
    let mut y = top + pic_h * scale + 40.0;
    for (i, item) in problem.items().iter().enumerate().take(legend_rows) {
        let _ = writeln!(
            s,
            r##"<rect x="20" y="{:.1}" width="16" height="16" fill="{}" stroke="#2b2f33" stroke-width="0.6"/>"##,
            y - 13.0,
            fill(i, 55.0, 56.0)
        );
        let _ = writeln!(
            s,
            r#"<text x="44" y="{y:.1}" font-size="14">{} — {} × {} × {} mm, {:.1} kg, placed {} of {}{}</text>"#,
            escape(&item.id),
            item.dims[0],
            item.dims[1],
            item.dims[2],
            item.weight_g as f64 / 1000.0,
            placed[i],
            item.quantity,
            if item.stop > 1 {
                format!(", stop {}", item.stop)
            } else {
                String::new()
            }
        );
        y += 22.0;
    }
    if problem.items().len() > legend_rows {
        let _ = writeln!(
            s,
            r#"<text x="20" y="{y:.1}" font-size="13">… and {} more carton types</text>"#,
            problem.items().len() - legend_rows
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn painter_draws_back_boxes_first() {
        // A at the back wall, B in front of it (larger x), C on top of A.
        let boxes = vec![
            ([1000, 0, 0], [1000, 1000, 1000]),
            ([0, 0, 0], [1000, 1000, 1000]),
            ([0, 0, 1000], [1000, 1000, 1000]),
        ];
        let order = painter_order(&boxes);
        let pos = |i: usize| order.iter().position(|o| *o == i).unwrap();
        assert!(pos(1) < pos(0));
        assert!(pos(1) < pos(2));
        assert_eq!(order.len(), 3);
    }
}
