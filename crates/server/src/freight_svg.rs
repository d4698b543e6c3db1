//! The interactive load-plan picture of the web UI: an isometric SVG of the loaded container, drawn on the
//! server in painter's order once per viewing direction (four azimuths, 90° apart). Every carton is a group
//! with its loading step (`data-step`, 1 = loaded first); `assets/freight.js` shows the chosen view and hides
//! the cartons after the chosen step, so stepping and rotating need no round trip and the picture is the same
//! for the same plan. Colours per carton type match the PDF loading plan (`documents::loading::type_color`).

use std::fmt::Write;

use tradelane_documents::iso::painter_order;
use tradelane_loadplan::{Plan, Problem};

const COS30: f64 = 0.866_025_403_784_438_6;
/// Drawing width in SVG units; the page scales it to its column.
pub const WIDTH: f64 = 960.0;
const MARGIN: f64 = 44.0;
/// Above this many cartons only the first view is drawn (page size).
pub const MAX_ROTATED: usize = 1_000;

/// Hue of a carton type: spread by the golden angle, as in the PDF.
fn hue(index: usize) -> f64 {
    (index as f64 * 137.508 + 200.0) % 360.0
}

fn tone(index: usize) -> f64 {
    [0.0, -12.0, 10.0][(index / 8) % 3]
}

/// Fill of a carton type at a lightness (faces: top lightest, then the two sides).
pub fn fill(index: usize, lightness: f64) -> String {
    format!(
        "hsl({:.0},62%,{:.0}%)",
        hue(index),
        (lightness + tone(index)).clamp(12.0, 92.0)
    )
}

/// Colour of a carton type's legend swatch (the top face).
pub fn swatch(index: usize) -> String {
    fill(index, 66.0)
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A point or box in the frame of one azimuth: the container turned about the vertical axis by
/// `az` × 90°, so the viewer always looks from +x', +y', +z.
#[derive(Clone, Copy)]
struct Frame {
    az: u8,
    l: i64,
    w: i64,
}

impl Frame {
    /// Footprint length and width in this frame.
    fn dims(&self) -> (i64, i64) {
        if self.az.is_multiple_of(2) {
            (self.l, self.w)
        } else {
            (self.w, self.l)
        }
    }

    /// A box (position, size) turned into this frame.
    fn turn(&self, p: [i64; 3], s: [i64; 3]) -> ([i64; 3], [i64; 3]) {
        let (l, w) = (self.l, self.w);
        match self.az % 4 {
            0 => (p, s),
            1 => ([p[1], l - p[0] - s[0], p[2]], [s[1], s[0], s[2]]),
            2 => ([l - p[0] - s[0], w - p[1] - s[1], p[2]], s),
            _ => ([w - p[1] - s[1], p[0], p[2]], [s[1], s[0], s[2]]),
        }
    }

    /// A point of the container turned into this frame.
    fn turn_point(&self, x: f64, y: f64) -> (f64, f64) {
        let (l, w) = (self.l as f64, self.w as f64);
        match self.az % 4 {
            0 => (x, y),
            1 => (y, l - x),
            2 => (l - x, w - y),
            _ => (w - y, x),
        }
    }
}

struct Projection {
    scale: f64,
    ox: f64,
    oy: f64,
}

impl Projection {
    fn pt(&self, x: f64, y: f64, z: f64) -> (f64, f64) {
        (
            self.ox + (x - y) * COS30 * self.scale,
            self.oy + ((x + y) * 0.5 - z) * self.scale,
        )
    }
}

fn polygon(out: &mut String, pts: &[(f64, f64)], fill: &str, extra: &str) {
    out.push_str("<polygon points=\"");
    for (i, (x, y)) in pts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{x:.1},{y:.1}");
    }
    let _ = write!(out, "\" fill=\"{fill}\"{extra}/>");
}

/// Text of the picture, in the page's language.
pub struct SvgText {
    pub door: String,
    pub back_wall: String,
    /// Accessible title of the picture.
    pub title: String,
}

/// The SVG element (inline in the page) with one `<g class="lp-view" data-az>` per azimuth and one
/// `<g class="lp-box" data-step>` per carton.
pub fn render(problem: &Problem, plan: &Plan, text: &SvgText) -> String {
    let c = problem.container();
    let [l, w, h] = c.dims;
    let pic_w = (l + w) as f64 * COS30;
    let pic_h = (l + w) as f64 * 0.5 + h as f64;
    let scale = (WIDTH - 2.0 * MARGIN) / pic_w;
    let height = (pic_h * scale + 2.0 * MARGIN + 16.0).ceil();
    let mut s = String::with_capacity(plan.placements.len() * 4 * 420 + 4096);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="lp-svg" viewBox="0 0 {WIDTH:.0} {height:.0}" role="img" aria-label="{}" data-testid="lp-svg" font-family="sans-serif">"#,
        esc(&text.title)
    );
    let views: u8 = if plan.placements.len() > MAX_ROTATED {
        1
    } else {
        4
    };
    for az in 0..views {
        view(&mut s, problem, plan, az, scale, text);
    }
    s.push_str("</svg>");
    s
}

fn view(s: &mut String, problem: &Problem, plan: &Plan, az: u8, scale: f64, text: &SvgText) {
    let c = problem.container();
    let [l, w, h] = c.dims;
    let frame = Frame { az, l, w };
    let (fl, fw) = frame.dims();
    let (fl, fw, hf) = (fl as f64, fw as f64, h as f64);
    let proj = Projection {
        scale,
        ox: MARGIN + fw * COS30 * scale,
        oy: MARGIN + 8.0 + hf * scale,
    };
    let pt = |x: f64, y: f64, z: f64| proj.pt(x, y, z);
    let _ = write!(
        s,
        r#"<g class="lp-view" data-az="{az}"{}>"#,
        if az == 0 { "" } else { r#" display="none""# }
    );
    // Floor and the two far walls, behind every carton.
    let wall = r##" stroke="#9aa3ad" stroke-width="1""##;
    polygon(
        s,
        &[
            pt(0.0, 0.0, 0.0),
            pt(fl, 0.0, 0.0),
            pt(fl, fw, 0.0),
            pt(0.0, fw, 0.0),
        ],
        "#eef1f4",
        wall,
    );
    polygon(
        s,
        &[
            pt(0.0, 0.0, 0.0),
            pt(0.0, fw, 0.0),
            pt(0.0, fw, hf),
            pt(0.0, 0.0, hf),
        ],
        "#e3e7eb",
        wall,
    );
    polygon(
        s,
        &[
            pt(0.0, 0.0, 0.0),
            pt(fl, 0.0, 0.0),
            pt(fl, 0.0, hf),
            pt(0.0, 0.0, hf),
        ],
        "#e9ecf0",
        wall,
    );
    let boxes: Vec<([i64; 3], [i64; 3])> = plan
        .placements
        .iter()
        .map(|p| frame.turn(p.position, p.size))
        .collect();
    let stroke = r##" stroke="#263238" stroke-width="0.7" stroke-linejoin="round""##;
    for i in painter_order(&boxes) {
        let p = &plan.placements[i];
        let (pos, size) = boxes[i];
        let [x0, y0, z0] = pos.map(|v| v as f64);
        let [x1, y1, z1] = [
            x0 + size[0] as f64,
            y0 + size[1] as f64,
            z0 + size[2] as f64,
        ];
        let _ = write!(
            s,
            r#"<g class="lp-box" data-step="{}" data-desc="{} #{} · {}×{}×{} mm{}"><title>{} #{}</title>"#,
            i + 1,
            esc(&p.item_id),
            p.copy + 1,
            p.size[0],
            p.size[1],
            p.size[2],
            if p.stop > 1 {
                format!(" · stop {}", p.stop)
            } else {
                String::new()
            },
            esc(&p.item_id),
            p.copy + 1
        );
        polygon(
            s,
            &[
                pt(x0, y0, z1),
                pt(x1, y0, z1),
                pt(x1, y1, z1),
                pt(x0, y1, z1),
            ],
            &fill(p.item_index, 70.0),
            stroke,
        );
        polygon(
            s,
            &[
                pt(x1, y0, z0),
                pt(x1, y1, z0),
                pt(x1, y1, z1),
                pt(x1, y0, z1),
            ],
            &fill(p.item_index, 55.0),
            stroke,
        );
        polygon(
            s,
            &[
                pt(x0, y1, z0),
                pt(x1, y1, z0),
                pt(x1, y1, z1),
                pt(x0, y1, z1),
            ],
            &fill(p.item_index, 43.0),
            stroke,
        );
        s.push_str("</g>");
    }
    // Near edges of the container, dashed over the cartons.
    let dash = r##" fill="none" stroke="#5b6570" stroke-width="1.2" stroke-dasharray="6 4""##;
    for (a, b) in [
        ((fl, 0.0, 0.0), (fl, 0.0, hf)),
        ((fl, fw, 0.0), (fl, fw, hf)),
        ((0.0, fw, 0.0), (0.0, fw, hf)),
        ((fl, 0.0, 0.0), (fl, fw, 0.0)),
        ((0.0, fw, 0.0), (fl, fw, 0.0)),
        ((0.0, 0.0, hf), (fl, 0.0, hf)),
        ((fl, 0.0, hf), (fl, fw, hf)),
        ((0.0, fw, hf), (fl, fw, hf)),
        ((0.0, 0.0, hf), (0.0, fw, hf)),
    ] {
        let (ax, ay) = pt(a.0, a.1, a.2);
        let (bx, by) = pt(b.0, b.1, b.2);
        let _ = write!(
            s,
            r#"<line x1="{ax:.1}" y1="{ay:.1}" x2="{bx:.1}" y2="{by:.1}"{dash}/>"#
        );
    }
    // The door (a red edge) and the back wall, labelled outside the container: a wall on the far side of
    // this view is marked along its top edge, a near one along the floor.
    let (cx, cy) = pt(fl / 2.0, fw / 2.0, hf / 2.0);
    let outward = |x: f64, y: f64, by: f64| {
        let (dx, dy) = (x - cx, y - cy);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        (
            (x + dx / len * by).clamp(60.0, WIDTH - 60.0),
            (y + dy / len * by).max(20.0),
        )
    };
    let far = |(x, y): (f64, f64)| x < 1.0 || y < 1.0;
    let door_mid = frame.turn_point(l as f64, w as f64 / 2.0);
    let door_z = if far(door_mid) { hf } else { 0.0 };
    let (ax, ay) = frame.turn_point(l as f64, 0.0);
    let (bx, by) = frame.turn_point(l as f64, w as f64);
    let (ax, ay) = pt(ax, ay, door_z);
    let (bx, by) = pt(bx, by, door_z);
    let _ = write!(
        s,
        r##"<line x1="{ax:.1}" y1="{ay:.1}" x2="{bx:.1}" y2="{by:.1}" stroke="#c0392b" stroke-width="4" stroke-linecap="round"/>"##
    );
    let (dx, dy) = pt(door_mid.0, door_mid.1, door_z);
    let (tx, ty) = outward(dx, dy, 30.0);
    let halo = r##" stroke="#ffffff" stroke-width="5" paint-order="stroke" text-anchor="middle" dominant-baseline="middle""##;
    let _ = write!(
        s,
        r##"<text x="{tx:.1}" y="{ty:.1}" font-size="24" font-weight="bold" fill="#c0392b"{halo}>{}</text>"##,
        esc(&text.door)
    );
    let back_mid = frame.turn_point(0.0, w as f64 / 2.0);
    let back_z = if far(back_mid) { hf } else { 0.0 };
    let (bx, by) = pt(back_mid.0, back_mid.1, back_z);
    let (tx, ty) = outward(bx, by, 28.0);
    let _ = write!(
        s,
        r##"<text x="{tx:.1}" y="{ty:.1}" font-size="22" fill="#4a5560"{halo}>{}</text>"##,
        esc(&text.back_wall)
    );
    s.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradelane_loadplan::{ItemType, Settings, plan, presets};

    #[test]
    fn every_view_draws_every_carton_once_with_its_step() {
        let items = vec![
            ItemType::new("A", [1200, 800, 1000], 6).with_weight_g(50_000),
            ItemType::new("B", [600, 400, 400], 10).with_weight_g(8_000),
        ];
        let problem = Problem::new(presets::container_20gp(), items, Settings::default()).unwrap();
        let p = plan(&problem, &|| false);
        assert_eq!(p.placements.len(), 16);
        let text = SvgText {
            door: "door".into(),
            back_wall: "back wall".into(),
            title: "plan".into(),
        };
        let svg = render(&problem, &p, &text);
        assert_eq!(svg.matches("class=\"lp-view\"").count(), 4);
        assert_eq!(svg.matches("class=\"lp-box\"").count(), 16 * 4);
        for step in 1..=16 {
            assert_eq!(
                svg.matches(&format!("data-step=\"{step}\"")).count(),
                4,
                "step {step}"
            );
        }
        // Same plan, same picture.
        assert_eq!(svg, render(&problem, &p, &text));
    }

    #[test]
    fn turning_keeps_boxes_inside_the_frame() {
        let f = Frame {
            az: 1,
            l: 100,
            w: 40,
        };
        assert_eq!(f.dims(), (40, 100));
        let (p, s) = f.turn([10, 5, 0], [20, 10, 7]);
        assert_eq!((p, s), ([5, 70, 0], [10, 20, 7]));
        for az in 0..4 {
            let f = Frame { az, l: 100, w: 40 };
            let (fl, fw) = f.dims();
            let (p, s) = f.turn([90, 30, 0], [10, 10, 10]);
            assert!(p[0] >= 0 && p[1] >= 0 && p[0] + s[0] <= fl && p[1] + s[1] <= fw);
        }
    }
}
