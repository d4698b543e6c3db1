//! A loading plan a warehouse crew can follow: a cover page (container, utilisation, weight, centre of
//! gravity with its limits, carton types, unplaced cartons), one page per loading step with an isometric
//! picture of the load so far (the step's cartons in colour and numbered, earlier ones pale) and the list of
//! what to place, and a sheet of carton labels (number, carton id, stop, step, weight, orientation arrows).
//!
//! Lengths are millimetres and weights grams, as in [`tradelane_loadplan`] with its container presets.
//! Labels are bilingual (English / Chinese) for crews in China.

use tradelane_loadplan::{Orientation as BoxOrientation, Placement, Plan, Problem};

use crate::iso::{IsoBox, container_drawing};
use crate::{
    Align, Block, Cell, Color, Column, Document, Drawing, Orientation, Row, RowKind, Shape, Table,
    TextStyle,
};

/// At most this many step pages; more cartons make bigger steps.
pub const MAX_STEPS: usize = 24;
/// At least this many cartons per step (unless a stop ends earlier).
pub const MIN_STEP: usize = 8;

/// Colour of a carton type: hues spread by the golden angle, lightness varied every eighth type.
pub fn type_color(index: usize) -> Color {
    let hue = (index as f64 * 137.508 + 200.0) % 360.0;
    let tone = [0.0, -12.0, 10.0][(index / 8) % 3];
    Color::hsl(hue, 62.0, 62.0 + tone)
}

/// Loading steps as ranges of [`Plan::placements`] (which are in loading order): contiguous groups of
/// about equal size, never mixing two delivery stops.
pub fn steps(plan: &Plan) -> Vec<std::ops::Range<usize>> {
    let n = plan.placements.len();
    if n == 0 {
        return Vec::new();
    }
    let size = n.div_ceil(MAX_STEPS).max(MIN_STEP);
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=n {
        let stop_changes = i < n && plan.placements[i].stop != plan.placements[i - 1].stop;
        if i == n || i - start >= size || stop_changes {
            out.push(start..i);
            start = i;
        }
    }
    out
}

fn kg(grams: u64) -> String {
    let whole = grams / 1000;
    let frac = (grams % 1000) / 10;
    format!("{whole}.{frac:02} kg")
}

fn percent(f: f64) -> String {
    format!("{:.1} %", f * 100.0)
}

/// How the carton stands, in words: which labelled side is vertical.
pub fn orientation_words(p: &Placement) -> &'static str {
    match BoxOrientation::from_id(p.orientation).map(|o| o.vertical_source()) {
        Some(2) | None => "upright 正放",
        Some(1) => "on its side (width up) 侧放",
        Some(_) => "on its end (length up) 竖放",
    }
}

fn cover(doc: &mut Document, problem: &Problem, plan: &Plan, reference: &str) {
    let c = problem.container();
    doc.push(Block::Heading {
        text: format!("Loading plan 装柜计划 · {}", c.name),
        level: 1,
    });
    if !reference.trim().is_empty() {
        doc.push(Block::Paragraph {
            text: reference.to_string(),
            style: TextStyle::Strong,
        });
    }
    let mut facts = Table::new(vec![
        Column::new("", 1.2),
        Column::new("", 2.0),
        Column::new("", 1.2),
        Column::new("", 2.0),
    ])
    .without_header()
    .grid();
    let total = problem.total_quantity();
    let cog = match plan.centre_of_gravity {
        Some([x, y, z]) => format!(
            "{:.1} % of length from the back wall, {:.1} % of width from the left, {:.0} mm above the floor",
            x / c.dims[0] as f64 * 100.0,
            y / c.dims[1] as f64 * 100.0,
            z
        ),
        None => "no weights given 无重量".into(),
    };
    let limits = problem.settings().cog_limits;
    let limit_text = if limits.is_unrestricted() {
        "not limited 不限".to_string()
    } else {
        format!(
            "length {:.0}–{:.0} %, width {:.0}–{:.0} %",
            limits.longitudinal.0 * 100.0,
            limits.longitudinal.1 * 100.0,
            limits.lateral.0 * 100.0,
            limits.lateral.1 * 100.0
        )
    };
    let rows = [
        (
            "Container 柜型",
            c.name.clone(),
            "Inside 内尺寸",
            format!("{} × {} × {} mm", c.dims[0], c.dims[1], c.dims[2]),
        ),
        (
            "Cartons 箱数",
            format!("{} of {} loaded 已装", plan.placements.len(), total),
            "Steps 步骤",
            steps(plan).len().to_string(),
        ),
        (
            "Volume 体积利用率",
            format!(
                "{} ({:.2} m³)",
                percent(plan.volume_utilisation),
                plan.loaded_volume as f64 / 1e9
            ),
            "Weight 重量",
            format!(
                "{}{}",
                kg(plan.loaded_weight_g),
                plan.weight_utilisation
                    .map(|w| format!(" ({} of payload 载重)", percent(w)))
                    .unwrap_or_default()
            ),
        ),
        (
            "Centre of gravity 重心",
            cog,
            "Allowed 允许范围",
            limit_text,
        ),
    ];
    for (a, b, c2, d) in rows {
        facts.push(Row::body(vec![
            Cell::text(a),
            Cell::text(b),
            Cell::text(c2),
            Cell::text(d),
        ]));
    }
    doc.push(Block::Table(facts));

    // Final load picture and a floor plan with the centre of gravity.
    let mut boxes = Vec::with_capacity(plan.placements.len());
    for p in &plan.placements {
        boxes.push(IsoBox {
            position: p.position,
            size: p.size,
            color: type_color(p.item_index),
            highlight: true,
            label: None,
        });
    }
    let pic = container_drawing(c.dims, &boxes, 520.0, 250.0);
    let floor = cog_floor_plan(problem, plan, 240.0, 250.0);
    let mut both = Drawing::new(770.0, 250.0);
    both.shapes.extend(pic.shapes);
    both.shapes
        .extend(floor.shapes.into_iter().map(|s| offset(s, 530.0, 0.0)));
    doc.push(Block::Drawing(both));

    let mut types = Table::new(vec![
        Column::new("Type 箱型", 0.8).right(),
        Column::new("Carton 箱号", 2.2),
        Column::new("L × W × H mm", 1.8),
        Column::new("kg / carton 单箱重", 1.1).right(),
        Column::new("Loaded 已装", 0.9).right(),
        Column::new("Of 共", 0.7).right(),
        Column::new("Stop 卸货点", 0.8).right(),
        Column::new("Handling 操作", 2.2),
    ]);
    let mut placed = vec![0u32; problem.items().len()];
    for p in &plan.placements {
        if let Some(n) = placed.get_mut(p.item_index) {
            *n += 1;
        }
    }
    for (i, item) in problem.items().iter().enumerate() {
        let mut handling = Vec::new();
        if item.vertical_allowed == [false, false, true] {
            handling.push("this side up 此面向上");
        }
        if !item.stackable {
            handling.push("do not stack 禁止堆叠");
        }
        if item.max_load_on_top_g.is_some() {
            handling.push("limited load on top 限压");
        }
        types.push(Row::body(vec![
            Cell::number((i + 1).into(), 0),
            Cell::text(&item.id),
            Cell::text(format!(
                "{} × {} × {}",
                item.dims[0], item.dims[1], item.dims[2]
            )),
            Cell::number(rust_decimal::Decimal::new(item.weight_g as i64, 3), 2),
            Cell::number(placed[i].into(), 0),
            Cell::number(item.quantity.into(), 0),
            Cell::number(item.stop.into(), 0),
            Cell::text(handling.join(", ")),
        ]));
    }
    doc.push(Block::Heading {
        text: "Carton types 箱型".into(),
        level: 3,
    });
    doc.push(Block::Drawing(legend(problem)));
    doc.push(Block::Table(types));
    if !plan.unplaced.is_empty() {
        doc.push(Block::Heading {
            text: "Not loaded 未装入".into(),
            level: 3,
        });
        let mut t = Table::new(vec![
            Column::new("Carton 箱号", 2.0),
            Column::new("Count 数量", 0.8).right(),
            Column::new("Reason 原因", 4.0),
        ]);
        for u in &plan.unplaced {
            t.push(Row {
                cells: vec![
                    Cell::text(&u.item_id),
                    Cell::number(u.count.into(), 0),
                    Cell::text(u.reason.describe()),
                ],
                kind: RowKind::Highlight,
            });
        }
        doc.push(Block::Table(t));
    }
    doc.push(Block::Paragraph {
        text: "Load from the back wall towards the door, step by step; each step's cartons are numbered on the picture and in the list. Positions are millimetres from the back wall (x), the left wall seen from the door (y) and the floor (z). 按步骤从柜底向柜门装载。".into(),
        style: TextStyle::Note,
    });
}

fn offset(s: Shape, dx: f32, dy: f32) -> Shape {
    let m = |p: (f32, f32)| (p.0 + dx, p.1 + dy);
    match s {
        Shape::Line {
            from,
            to,
            width,
            color,
            dashed,
        } => Shape::Line {
            from: m(from),
            to: m(to),
            width,
            color,
            dashed,
        },
        Shape::Polygon {
            points,
            fill,
            stroke,
        } => Shape::Polygon {
            points: points.into_iter().map(m).collect(),
            fill,
            stroke,
        },
        Shape::Text {
            at,
            text,
            size,
            bold,
            color,
            align,
        } => Shape::Text {
            at: m(at),
            text,
            size,
            bold,
            color,
            align,
        },
    }
}

/// Colour swatches with the carton type numbers used in the table.
fn legend(problem: &Problem) -> Drawing {
    let n = problem.items().len().min(60);
    let per_row = 12usize;
    let rows = n.div_ceil(per_row).max(1);
    let mut d = Drawing::new(770.0, rows as f32 * 16.0);
    for i in 0..n {
        let (r, c) = (i / per_row, i % per_row);
        let x = c as f32 * 64.0;
        let y = r as f32 * 16.0;
        d.shapes.push(Shape::rect(
            x,
            y + 2.0,
            12.0,
            10.0,
            Some(type_color(i)),
            Some((Color(30, 34, 38), 0.5)),
        ));
        let label: String = problem.items()[i].id.chars().take(9).collect();
        d.shapes.push(Shape::text(
            (x + 15.0, y + 10.5),
            format!("{} {}", i + 1, label),
            6.5,
        ));
    }
    d
}

/// Floor plan seen from above: the container outline, the allowed band and the centre of gravity.
fn cog_floor_plan(problem: &Problem, plan: &Plan, width: f32, height: f32) -> Drawing {
    let c = problem.container();
    let (l, w) = (c.dims[0].max(1) as f32, c.dims[1].max(1) as f32);
    let mut d = Drawing::new(width, height);
    d.shapes.push(Shape::Text {
        at: (width / 2.0, 20.0),
        text: "Centre of gravity, seen from above 重心（俯视）".into(),
        size: 8.0,
        bold: true,
        color: Color::BLACK,
        align: Align::Center,
    });
    // Length runs down the page (back wall at the top, door at the bottom).
    let scale = ((width - 60.0) / w).min((height - 70.0) / l);
    let (fw, fl) = (w * scale, l * scale);
    let (x0, y0) = ((width - fw) / 2.0, 34.0);
    d.shapes.push(Shape::rect(
        x0,
        y0,
        fw,
        fl,
        Some(Color(238, 241, 244)),
        Some((Color::GREY, 0.8)),
    ));
    let limits = problem.settings().cog_limits;
    if !limits.is_unrestricted() {
        let (lo, hi) = (
            limits.longitudinal.0.clamp(0.0, 1.0) as f32,
            limits.longitudinal.1.clamp(0.0, 1.0) as f32,
        );
        let (lo2, hi2) = (
            limits.lateral.0.clamp(0.0, 1.0) as f32,
            limits.lateral.1.clamp(0.0, 1.0) as f32,
        );
        d.shapes.push(Shape::rect(
            x0 + lo2 * fw,
            y0 + lo * fl,
            (hi2 - lo2) * fw,
            (hi - lo) * fl,
            Some(Color(214, 240, 214)),
            Some((Color(60, 140, 60), 0.6)),
        ));
    }
    // Centre lines.
    d.shapes.push(Shape::Line {
        from: (x0 + fw / 2.0, y0),
        to: (x0 + fw / 2.0, y0 + fl),
        width: 0.4,
        color: Color::GREY,
        dashed: true,
    });
    d.shapes.push(Shape::Line {
        from: (x0, y0 + fl / 2.0),
        to: (x0 + fw, y0 + fl / 2.0),
        width: 0.4,
        color: Color::GREY,
        dashed: true,
    });
    d.shapes.push(Shape::Text {
        at: (x0 + fw / 2.0, y0 - 3.0),
        text: "back wall 柜底".into(),
        size: 6.5,
        bold: false,
        color: Color::GREY,
        align: Align::Center,
    });
    d.shapes.push(Shape::Text {
        at: (x0 + fw / 2.0, y0 + fl + 10.0),
        text: "door 柜门".into(),
        size: 6.5,
        bold: false,
        color: Color::GREY,
        align: Align::Center,
    });
    if let Some([x, y, _]) = plan.centre_of_gravity {
        let (cx, cy) = (x0 + y as f32 * scale, y0 + x as f32 * scale);
        let r = 4.5;
        d.shapes.push(Shape::Polygon {
            points: (0..16)
                .map(|k| {
                    let a = k as f32 / 16.0 * std::f32::consts::TAU;
                    (cx + r * a.cos(), cy + r * a.sin())
                })
                .collect(),
            fill: Some(Color(200, 40, 40)),
            stroke: Some((Color::BLACK, 0.5)),
        });
        d.shapes.push(Shape::Text {
            at: (cx + 7.0, cy + 3.0),
            text: format!(
                "{:.0} % / {:.0} %",
                x / c.dims[0] as f64 * 100.0,
                y / c.dims[1] as f64 * 100.0
            ),
            size: 7.0,
            bold: true,
            color: Color(160, 30, 30),
            align: Align::Left,
        });
    }
    d
}

fn step_page(
    doc: &mut Document,
    problem: &Problem,
    plan: &Plan,
    index: usize,
    count: usize,
    range: std::ops::Range<usize>,
) {
    let c = problem.container();
    let first_stop = plan.placements.get(range.start).map_or(1, |p| p.stop);
    doc.push(Block::PageBreak);
    doc.push(Block::Heading {
        text: format!(
            "Step {} of {} · 第 {} 步 — cartons {}–{} (stop 卸货点 {})",
            index + 1,
            count,
            index + 1,
            range.start + 1,
            range.end,
            first_stop
        ),
        level: 2,
    });
    let boxes: Vec<IsoBox> = plan.placements[..range.end]
        .iter()
        .enumerate()
        .map(|(k, p)| IsoBox {
            position: p.position,
            size: p.size,
            color: type_color(p.item_index),
            highlight: range.contains(&k),
            label: Some((k + 1).to_string()),
        })
        .collect();
    doc.push(Block::Drawing(container_drawing(
        c.dims, &boxes, 770.0, 300.0,
    )));
    let mut t = Table::new(vec![
        Column::new("No. 序号", 0.7).right(),
        Column::new("Carton 箱号", 2.0),
        Column::new("Copy 件", 0.7).right(),
        Column::new("Stop 卸货点", 0.7).right(),
        Column::new("x from back 距柜底", 1.1).right(),
        Column::new("y from left 距左壁", 1.1).right(),
        Column::new("z height 高度", 1.0).right(),
        Column::new("Size as placed 摆放尺寸", 1.6),
        Column::new("Stands 摆放", 1.8),
        Column::new("kg", 0.8).right(),
    ]);
    t.font_size = 7.0;
    for k in range {
        let p = &plan.placements[k];
        let weight = problem.items().get(p.item_index).map_or(0, |i| i.weight_g);
        t.push(Row::body(vec![
            Cell::number((k + 1).into(), 0),
            Cell::text(&p.item_id),
            Cell::number((p.copy + 1).into(), 0),
            Cell::number(p.stop.into(), 0),
            Cell::number(p.position[0].into(), 0),
            Cell::number(p.position[1].into(), 0),
            Cell::number(p.position[2].into(), 0),
            Cell::text(format!("{} × {} × {}", p.size[0], p.size[1], p.size[2])),
            Cell::text(orientation_words(p)),
            Cell::number(rust_decimal::Decimal::new(weight as i64, 3), 2),
        ]));
    }
    doc.push(Block::Table(t));
}

/// Arrow pointing up, centred at `x`, from `y_bottom` to `y_top`.
fn up_arrow(d: &mut Drawing, x: f32, y_top: f32, y_bottom: f32, color: Color) {
    let head = (y_bottom - y_top) * 0.45;
    let half = head * 0.6;
    let shaft = half * 0.38;
    d.shapes.push(Shape::Polygon {
        points: vec![
            (x, y_top),
            (x + half, y_top + head),
            (x + shaft, y_top + head),
            (x + shaft, y_bottom),
            (x - shaft, y_bottom),
            (x - shaft, y_top + head),
            (x - half, y_top + head),
        ],
        fill: Some(color),
        stroke: None,
    });
}

fn labels(doc: &mut Document, problem: &Problem, plan: &Plan) {
    const COLS: usize = 4;
    const ROWS: usize = 3;
    let (lw, lh) = (192.0f32, 164.0f32);
    let step_of: Vec<usize> = {
        let mut v = vec![0; plan.placements.len()];
        for (s, r) in steps(plan).into_iter().enumerate() {
            for k in r {
                v[k] = s + 1;
            }
        }
        v
    };
    for (page, chunk) in plan.placements.chunks(COLS * ROWS).enumerate() {
        doc.push(Block::PageBreak);
        if page == 0 {
            doc.push(Block::Heading {
                text: "Carton labels 箱唛".into(),
                level: 2,
            });
        }
        let mut d = Drawing::new(COLS as f32 * lw, ROWS as f32 * lh);
        for (i, p) in chunk.iter().enumerate() {
            let k = page * COLS * ROWS + i;
            let (x, y) = ((i % COLS) as f32 * lw, (i / COLS) as f32 * lh);
            let item = problem.items().get(p.item_index);
            d.shapes.push(Shape::rect(
                x + 3.0,
                y + 3.0,
                lw - 6.0,
                lh - 6.0,
                None,
                Some((Color::BLACK, 1.0)),
            ));
            d.shapes.push(Shape::Line {
                from: (x + 3.0, y + 3.0),
                to: (x + 3.0, y + lh - 3.0),
                width: 6.0,
                color: type_color(p.item_index),
                dashed: false,
            });
            d.shapes.push(Shape::Text {
                at: (x + 14.0, y + 32.0),
                text: format!("#{}", k + 1),
                size: 24.0,
                bold: true,
                color: Color::BLACK,
                align: Align::Left,
            });
            d.shapes.push(Shape::Text {
                at: (x + lw - 12.0, y + 22.0),
                text: format!("STOP {}", p.stop),
                size: 12.0,
                bold: true,
                color: Color::WHITE,
                align: Align::Right,
            });
            // The stop number on a dark tab, so it reads from a distance.
            let tab = Shape::rect(
                x + lw - 74.0,
                y + 9.0,
                66.0,
                18.0,
                Some(Color(40, 44, 52)),
                None,
            );
            let n = d.shapes.len();
            d.shapes.insert(n - 1, tab);
            d.shapes.push(Shape::Text {
                at: (x + lw - 12.0, y + 38.0),
                text: "卸货点".into(),
                size: 7.0,
                bold: false,
                color: Color::GREY,
                align: Align::Right,
            });
            let id: String = p.item_id.chars().take(26).collect();
            d.shapes.push(Shape::Text {
                at: (x + 14.0, y + 54.0),
                text: id,
                size: 10.0,
                bold: true,
                color: Color::BLACK,
                align: Align::Left,
            });
            let qty = item.map_or(0, |it| it.quantity);
            d.shapes.push(Shape::Text {
                at: (x + 14.0, y + 67.0),
                text: format!(
                    "carton 件 {} / {}   step 步骤 {}",
                    p.copy + 1,
                    qty,
                    step_of.get(k).copied().unwrap_or(0)
                ),
                size: 7.5,
                bold: false,
                color: Color::BLACK,
                align: Align::Left,
            });
            if let Some(it) = item {
                d.shapes.push(Shape::Text {
                    at: (x + 14.0, y + 80.0),
                    text: format!(
                        "{} × {} × {} mm   {}",
                        it.dims[0],
                        it.dims[1],
                        it.dims[2],
                        kg(it.weight_g)
                    ),
                    size: 7.5,
                    bold: false,
                    color: Color::BLACK,
                    align: Align::Left,
                });
            }
            // Orientation: arrows up for upright cartons, the standing side named otherwise.
            let upright =
                BoxOrientation::from_id(p.orientation).is_none_or(|o| o.vertical_source() == 2);
            let must = item.is_some_and(|it| it.vertical_allowed == [false, false, true]);
            if upright {
                up_arrow(&mut d, x + 30.0, y + 92.0, y + 142.0, Color::BLACK);
                up_arrow(&mut d, x + 56.0, y + 92.0, y + 142.0, Color::BLACK);
                d.shapes.push(Shape::Text {
                    at: (x + 76.0, y + 112.0),
                    text: if must {
                        "THIS SIDE UP".into()
                    } else {
                        "UPRIGHT".to_string()
                    },
                    size: 9.0,
                    bold: true,
                    color: Color::BLACK,
                    align: Align::Left,
                });
                d.shapes.push(Shape::Text {
                    at: (x + 76.0, y + 124.0),
                    text: if must {
                        "此面向上".into()
                    } else {
                        "正放".to_string()
                    },
                    size: 8.0,
                    bold: false,
                    color: Color::BLACK,
                    align: Align::Left,
                });
            } else {
                d.shapes.push(Shape::Text {
                    at: (x + 14.0, y + 108.0),
                    text: orientation_words(p).to_string(),
                    size: 8.5,
                    bold: true,
                    color: Color::BLACK,
                    align: Align::Left,
                });
                d.shapes.push(Shape::Text {
                    at: (x + 14.0, y + 120.0),
                    text: format!("placed {} × {} × {} mm", p.size[0], p.size[1], p.size[2]),
                    size: 7.5,
                    bold: false,
                    color: Color::BLACK,
                    align: Align::Left,
                });
            }
            if item.is_some_and(|it| !it.stackable) {
                d.shapes.push(Shape::Text {
                    at: (x + 14.0, y + lh - 12.0),
                    text: "DO NOT STACK 禁止堆叠".into(),
                    size: 8.0,
                    bold: true,
                    color: Color::RED,
                    align: Align::Left,
                });
            }
        }
        doc.push(Block::Drawing(d));
    }
}

/// The whole loading plan. `reference` is printed under the title (shipment, pool or file name).
pub fn loading_plan(problem: &Problem, plan: &Plan, reference: &str) -> Document {
    let mut doc = Document::new(format!("Loading plan {}", problem.container().name));
    doc.orientation = Orientation::Landscape;
    doc.footer = if reference.trim().is_empty() {
        format!("Loading plan 装柜计划 · {}", problem.container().name)
    } else {
        format!(
            "Loading plan 装柜计划 · {} · {}",
            problem.container().name,
            reference
        )
    };
    cover(&mut doc, problem, plan, reference);
    let all = steps(plan);
    let count = all.len();
    for (i, r) in all.into_iter().enumerate() {
        step_page(&mut doc, problem, plan, i, count, r);
    }
    labels(&mut doc, problem, plan);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradelane_loadplan::{ItemType, Settings, plan as run_plan, presets};

    fn sample(n: u32) -> (Problem, Plan) {
        let items = vec![
            ItemType::new("CTN-A", [600, 400, 400], n)
                .with_weight_g(12_000)
                .this_side_up(),
            ItemType::new("CTN-B", [500, 300, 250], n / 2)
                .with_weight_g(6_500)
                .with_stop(2),
        ];
        let problem = Problem::new(presets::container_20gp(), items, Settings::default()).unwrap();
        let asked = std::cell::Cell::new(0u32);
        let p = run_plan(&problem, &|| {
            asked.set(asked.get() + 1);
            asked.get() > 3
        });
        (problem, p)
    }

    #[test]
    fn steps_cover_every_placement_once_and_never_mix_stops() {
        for n in [1, 7, 40, 300] {
            let (_, plan) = sample(n);
            let s = steps(&plan);
            assert!(s.len() <= MAX_STEPS + 2, "{} steps", s.len());
            let mut next = 0;
            for r in &s {
                assert_eq!(r.start, next);
                assert!(!r.is_empty());
                let stop = plan.placements[r.start].stop;
                assert!(plan.placements[r.clone()].iter().all(|p| p.stop == stop));
                next = r.end;
            }
            assert_eq!(next, plan.placements.len());
        }
    }

    #[test]
    fn document_has_cover_steps_and_labels() {
        let (problem, plan) = sample(30);
        let doc = loading_plan(&problem, &plan, "PO-1 <script>");
        let drawings = doc
            .blocks
            .iter()
            .filter(|b| matches!(b, Block::Drawing(_)))
            .count();
        let expected_labels = plan.placements.len().div_ceil(12);
        // cover picture + legend, one per step, one per label sheet
        assert_eq!(drawings, 2 + steps(&plan).len() + expected_labels);
    }
}
