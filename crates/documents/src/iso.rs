//! Isometric pictures of boxes in a container: projection, painter's order and the three visible faces of
//! each box, as [`Shape`]s for a [`Drawing`]. Axes as in the load planner: x from the back wall to the door,
//! y across, z up; the viewer stands above the door corner.

use crate::{Color, Drawing, Shape};

const COS30: f32 = 0.866_025_4;

/// One box to draw: position and size (any integer unit), fill colour, and whether it stands out (drawn in
/// full colour with a dark outline) or is background (drawn pale).
#[derive(Debug, Clone, PartialEq)]
pub struct IsoBox {
    /// Lower corner.
    pub position: [i64; 3],
    /// Extent along x, y, z.
    pub size: [i64; 3],
    /// Base colour (the top face; the sides are drawn darker).
    pub color: Color,
    /// Highlighted (full colour) or background (pale).
    pub highlight: bool,
    /// Short label printed on the box's front face when there is room.
    pub label: Option<String>,
}

/// Painter's order: a box is drawn before every box it lies behind (seen from +x, +y, +z). Only boxes whose
/// outlines overlap on screen are ordered; for those a separating axis exists and says which is behind.
pub fn painter_order(boxes: &[([i64; 3], [i64; 3])]) -> Vec<usize> {
    let n = boxes.len();
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
    let mut rest: Vec<usize> = (0..n).filter(|i| !done[*i]).collect();
    rest.sort_by_key(|i| depth(*i));
    order.extend(rest);
    order
}

fn shade(c: Color, factor: f32) -> Color {
    let f = |v: u8| ((v as f32) * factor).round().clamp(0.0, 255.0) as u8;
    Color(f(c.0), f(c.1), f(c.2))
}

fn pale(c: Color) -> Color {
    let f = |v: u8| ((v as f32) * 0.25 + 255.0 * 0.75).round() as u8;
    Color(f(c.0), f(c.1), f(c.2))
}

/// An isometric drawing of a container (inner size `dims`) with `boxes`, fitted into `width` × `height`
/// points. Far walls and floor are drawn first, the near edges dashed on top.
pub fn container_drawing(dims: [i64; 3], boxes: &[IsoBox], width: f32, height: f32) -> Drawing {
    let [l, w, h] = dims.map(|d| d.max(1) as f32);
    let pic_w = (l + w) * COS30;
    let pic_h = (l + w) * 0.5 + h;
    let scale = ((width - 20.0) / pic_w)
        .min((height - 20.0) / pic_h)
        .max(1e-6);
    let origin = (
        (width - pic_w * scale) / 2.0 + w * COS30 * scale,
        (height - pic_h * scale) / 2.0 + h * scale,
    );
    let pt = |x: f32, y: f32, z: f32| {
        (
            origin.0 + (x - y) * COS30 * scale,
            origin.1 + ((x + y) * 0.5 - z) * scale,
        )
    };
    let mut d = Drawing::new(width, height);
    let wall = Some((Color(154, 163, 173), 0.6));
    d.shapes.push(Shape::Polygon {
        points: vec![
            pt(0.0, 0.0, 0.0),
            pt(l, 0.0, 0.0),
            pt(l, w, 0.0),
            pt(0.0, w, 0.0),
        ],
        fill: Some(Color(238, 241, 244)),
        stroke: wall,
    });
    d.shapes.push(Shape::Polygon {
        points: vec![
            pt(0.0, 0.0, 0.0),
            pt(0.0, w, 0.0),
            pt(0.0, w, h),
            pt(0.0, 0.0, h),
        ],
        fill: Some(Color(226, 230, 234)),
        stroke: wall,
    });
    d.shapes.push(Shape::Polygon {
        points: vec![
            pt(0.0, 0.0, 0.0),
            pt(l, 0.0, 0.0),
            pt(l, 0.0, h),
            pt(0.0, 0.0, h),
        ],
        fill: Some(Color(232, 235, 239)),
        stroke: wall,
    });
    let geometry: Vec<([i64; 3], [i64; 3])> = boxes.iter().map(|b| (b.position, b.size)).collect();
    for i in painter_order(&geometry) {
        let b = &boxes[i];
        let [x0, y0, z0] = b.position.map(|v| v as f32);
        let [x1, y1, z1] = [
            x0 + b.size[0] as f32,
            y0 + b.size[1] as f32,
            z0 + b.size[2] as f32,
        ];
        let base = if b.highlight { b.color } else { pale(b.color) };
        let outline = if b.highlight {
            Some((Color(30, 34, 38), 0.7))
        } else {
            Some((Color(170, 176, 182), 0.3))
        };
        let faces = [
            (
                vec![
                    pt(x0, y0, z1),
                    pt(x1, y0, z1),
                    pt(x1, y1, z1),
                    pt(x0, y1, z1),
                ],
                1.0,
            ),
            (
                vec![
                    pt(x1, y0, z0),
                    pt(x1, y1, z0),
                    pt(x1, y1, z1),
                    pt(x1, y0, z1),
                ],
                0.82,
            ),
            (
                vec![
                    pt(x0, y1, z0),
                    pt(x1, y1, z0),
                    pt(x1, y1, z1),
                    pt(x0, y1, z1),
                ],
                0.66,
            ),
        ];
        for (points, factor) in faces {
            d.shapes.push(Shape::Polygon {
                points,
                fill: Some(shade(base, factor)),
                stroke: outline,
            });
        }
        if b.highlight
            && let Some(label) = &b.label
        {
            // On the door-facing side (x = x1), centred, when it is big enough to read.
            let face_w = b.size[1] as f32 * COS30 * scale;
            let face_h = b.size[2] as f32 * scale;
            let size = (face_h * 0.35).min(7.0);
            if size >= 3.5 && face_w >= size * label.chars().count() as f32 * 0.6 {
                let c = pt(x1, (y0 + y1) / 2.0, (z0 + z1) / 2.0);
                d.shapes.push(Shape::Text {
                    at: (c.0, c.1 + size * 0.35),
                    text: label.clone(),
                    size,
                    bold: true,
                    color: Color::BLACK,
                    align: crate::Align::Center,
                });
            }
        }
    }
    for (a, bb) in [
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
        d.shapes.push(Shape::Line {
            from: pt(a.0, a.1, a.2),
            to: pt(bb.0, bb.1, bb.2),
            width: 0.8,
            color: Color(91, 101, 112),
            dashed: true,
        });
    }
    let door = pt(l, w * 0.5, 0.0);
    d.shapes.push(Shape::Text {
        at: (door.0 + 6.0, door.1 + 12.0),
        text: "DOOR 门".into(),
        size: 8.0,
        bold: true,
        color: Color(91, 101, 112),
        align: crate::Align::Left,
    });
    let back = pt(0.0, 0.0, h);
    d.shapes.push(Shape::Text {
        at: (back.0, back.1 - 5.0),
        text: "BACK WALL 柜底".into(),
        size: 8.0,
        bold: true,
        color: Color(91, 101, 112),
        align: crate::Align::Center,
    });
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn painter_draws_back_boxes_first() {
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

    #[test]
    fn drawing_stays_inside_its_frame() {
        let boxes = vec![IsoBox {
            position: [0, 0, 0],
            size: [12000, 2350, 2690],
            color: Color(200, 100, 50),
            highlight: true,
            label: Some("A".into()),
        }];
        let d = container_drawing([12032, 2352, 2698], &boxes, 500.0, 300.0);
        for s in &d.shapes {
            if let Shape::Polygon { points, .. } = s {
                for (x, y) in points {
                    assert!(
                        *x >= -0.01 && *x <= 500.01 && *y >= -0.01 && *y <= 300.01,
                        "({x}, {y})"
                    );
                }
            }
        }
    }
}
