//! Inline SVG figures for the Strategic Assessment.
//!
//! Every function returns one self-contained `<svg>` element (no namespace, no URLs, no
//! scripts, `font-family="sans-serif"`) that can be inlined in the HTML document or saved
//! as a figure file. Output is deterministic (numbers have at most one decimal place) and
//! printable: lines are distinguished by dash patterns as well as colour, and every
//! figure has a legend or labels. The figures are:
//!
//! * [`line_chart`]: monthly trend lines with gaps for missing months, an optional
//!   right-hand axis (rolling 12-month total) and circled control-chart exceedances;
//! * [`bar_chart`]: horizontal bars with the value at each bar end;
//! * [`map`]: area outlines and Getis-Ord Gi* hot/cold spot grid cells in British National
//!   Grid coordinates, with a legend, scale bar and north arrow;
//! * [`heatmap`]: a shaded grid such as day of week × hour of day.

use std::fmt::{self, Display};

/// Line colours chosen to stay distinguishable in greyscale (together with dashes).
const COLOURS: [&str; 6] = ["#000000", "#0072b2", "#d55e00", "#777777", "#009e73", "#cc79a7"];
/// Dash patterns for series marked `dashed`.
const DASHES: [&str; 3] = ["6 4", "2 3", "8 3 2 3"];
/// Style of control-chart exceedance circles.
const RING: &str = r##"r="5" fill="none" stroke="#d00000" stroke-width="2""##;
/// Style of "No data" style messages.
const MUTED: &str = r##"fill="#666666""##;

/// Escapes `&`, `<`, `>`, `"` and `'` for XML text and attribute values; drops control
/// characters that XML forbids.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate written with at most one decimal place (non-finite values as 0).
#[derive(Clone, Copy)]
struct N(f64);

impl Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:.1}", if self.0.is_finite() { self.0 } else { 0.0 });
        let s = s.strip_suffix(".0").unwrap_or(&s);
        f.write_str(if s == "-0" { "0" } else { s })
    }
}

/// Formats a value for people: at most one decimal place, thousands separators.
fn num(v: f64) -> String {
    let s = N(v).to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = sign.to_string();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out = out + "." + frac;
    }
    out
}

/// Rough width in pixels of `s` at font size 11.
fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 6.2
}

/// Opens the `<svg>` element with its `<title>` and a visible bold heading.
fn open(w: f64, h: f64, title: &str) -> String {
    let (w, h, t) = (N(w), N(h), escape(title));
    let svg = format!(r#"<svg viewBox="0 0 {w} {h}" width="100%" role="img" font-family="sans-serif""#);
    let head = format!(r#"<text x="10" y="20" font-size="14" font-weight="bold">{t}</text>"#);
    format!(r#"{svg} font-size="11"><title>{t}</title>{head}"#)
}

/// A `<text>` element; `attrs` is inserted verbatim.
fn text(x: f64, y: f64, attrs: &str, s: &str) -> String {
    let (x, y, s) = (N(x), N(y), escape(s));
    format!(r#"<text x="{x}" y="{y}" {attrs}>{s}</text>"#)
}

/// A muted message such as "No data" centred on (x, y).
fn message(x: f64, y: f64, s: &str) -> String {
    text(x, y, &format!(r#"text-anchor="middle" {MUTED}"#), s)
}

/// A `<text>` element centred on (x, y) and rotated by `deg` degrees (axis titles).
fn rotated(x: f64, y: f64, deg: i32, s: &str) -> String {
    let (x, y, s) = (N(x), N(y), escape(s));
    format!(r#"<text x="{x}" y="{y}" transform="rotate({deg} {x} {y})" text-anchor="middle">{s}</text>"#)
}

/// `s` cut to at most `max` characters, ending with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    let long = s.chars().count() > max;
    let keep = if long { max - 1 } else { max };
    s.chars().take(keep).chain(long.then_some('…')).collect()
}

/// A `<rect>` with a tooltip; `attrs` is inserted verbatim.
fn rect(x: f64, y: f64, w: f64, h: f64, attrs: &str, tip: &str) -> String {
    let (x, y, w, h, tip) = (N(x), N(y), N(w), N(h), escape(tip));
    format!(r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" {attrs}><title>{tip}</title></rect>"#)
}

/// A legend swatch.
enum Key {
    /// A line sample with these stroke attributes.
    Line(String),
    /// An exceedance circle.
    Ring,
    /// A filled square.
    Box(String),
}

/// Lays out legend items in rows from (x0, y) wrapping before `right`; returns the SVG
/// and the baseline of the last row.
fn legend(items: &[(Key, String)], x0: f64, mut y: f64, right: f64) -> (String, f64) {
    let (mut out, mut x) = (String::new(), x0);
    for (key, label) in items {
        let item_w = 36.0 + text_width(label) + 14.0;
        if x + item_w > right && x > x0 {
            (x, y) = (x0, y + 18.0);
        }
        let (sx, sy, cx, by) = (N(x), N(y - 4.0), N(x + 14.0), N(y - 10.0));
        out += &match key {
            Key::Line(style) => format!(r#"<path d="M{sx} {sy} h28" {style}/>"#),
            Key::Ring => format!(r#"<circle cx="{cx}" cy="{sy}" {RING}/>"#),
            Key::Box(fill) => {
                format!(r##"<rect x="{sx}" y="{by}" width="28" height="12" fill="{fill}" stroke="#999999"/>"##)
            }
        };
        out += &text(x + 36.0, y, "", label);
        x += item_w;
    }
    (out, y)
}

/// A "nice" (step, top) for an axis from 0 to at least `max`: step is 1, 2, 2.5 or 5 × 10^k
/// (2.5 only for whole steps) and gives at most 4 intervals.
fn nice_scale(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 4.0);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let candidates = [1.0, 2.0, 2.5, 5.0, 10.0].map(|m| m * mag);
    let fits = |s: &&f64| **s >= raw * (1.0 - 1e-9) && (**s != 2.5 * mag || mag >= 1.0);
    let step = candidates.iter().find(fits).copied().unwrap_or(10.0 * mag).max(0.1);
    (step, ((max / step) - 1e-9).ceil().max(1.0) * step)
}

/// One line of a [`LineChart`].
pub struct LineSeries {
    /// Name shown in the legend.
    pub name: String,
    /// One value per x position; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
    /// Draw with a dash pattern.
    pub dashed: bool,
    /// Plot against the right-hand axis (e.g. a rolling 12-month total).
    pub secondary_axis: bool,
}

/// A monthly line chart.
pub struct LineChart {
    /// Chart title.
    pub title: String,
    /// One label per x position (e.g. "2024-01").
    pub x_labels: Vec<String>,
    /// The lines.
    pub series: Vec<LineSeries>,
    /// X indices of points of the first series to circle (control-chart exceedances).
    pub markers: Vec<usize>,
    /// Legend text for the markers.
    pub marker_label: String,
    /// Left axis title.
    pub y_label: String,
    /// Right axis title, for series with `secondary_axis`.
    pub y2_label: Option<String>,
}

/// Stroke attributes of series `i`.
fn line_style(i: usize, s: &LineSeries) -> String {
    let colour = COLOURS[i % COLOURS.len()];
    let width = if i == 0 { "2" } else { "1.5" };
    let dash = if s.dashed { DASHES[i % DASHES.len()] } else { "none" };
    format!(r#"fill="none" stroke="{colour}" stroke-width="{width}" stroke-linecap="round" stroke-dasharray="{dash}""#)
}

/// Draws a [`LineChart`]: gaps for `None`, the right-hand axis for secondary series, red
/// circles (`class="exceedance"`) at `markers`, at most ~12 x labels and a legend. Markers
/// out of range or at missing values are skipped; negative values are drawn at 0. Without
/// any value it shows "No data".
pub fn line_chart(chart: &LineChart) -> String {
    let lens = chart.series.iter().map(|s| s.values.len());
    let n_x = lens.chain([chart.x_labels.len()]).max().unwrap_or(0);
    let has_y2 = chart.series.iter().any(|s| s.secondary_axis);
    let axis_max = |y2: bool| {
        let on_axis = chart.series.iter().filter(|s| s.secondary_axis == y2);
        let values = on_axis.flat_map(|s| s.values.iter().flatten().copied());
        values.filter(|v| v.is_finite()).reduce(f64::max)
    };
    let (m1, m2) = (axis_max(false), axis_max(true));
    let ((step1, top1), (step2, top2)) = (nice_scale(m1.unwrap_or(0.0)), nice_scale(m2.unwrap_or(0.0)));
    let (w, x0, y0, y1) = (720.0, 64.0, 36.0, 276.0);
    let x1 = if has_y2 { w - 64.0 } else { w - 20.0 };
    let dx = (x1 - x0) / n_x.saturating_sub(1).max(1) as f64;
    let xs = |j: usize| x0 + j as f64 * dx;
    let ys = |v: f64, top: f64| y1 - (v / top).clamp(0.0, 1.0) * (y1 - y0);
    let mut body = String::new();
    for k in 0..=(top1 / step1).round() as usize {
        let (v, l, r) = (k as f64 * step1, N(x0), N(x1));
        let y = N(ys(v, top1));
        body += &format!(r##"<path d="M{l} {y} H{r}" stroke="#dddddd"/>"##);
        body += &text(x0 - 6.0, y.0 + 4.0, r#"text-anchor="end""#, &num(v));
    }
    if has_y2 {
        for k in 0..=(top2 / step2).round() as usize {
            let v = k as f64 * step2;
            body += &text(x1 + 6.0, ys(v, top2) + 4.0, "", &num(v));
        }
        body += &rotated(w - 8.0, (y0 + y1) / 2.0, 90, chart.y2_label.as_deref().unwrap_or(""));
    }
    body += &rotated(14.0, (y0 + y1) / 2.0, -90, &chart.y_label);
    let (l, t, b, r) = (N(x0), N(y0), N(y1), N(x1));
    body += &format!(r##"<path d="M{l} {t} V{b} H{r}" fill="none" stroke="#444444"/>"##);
    let every = n_x.div_ceil(12).max(1);
    for (j, label) in chart.x_labels.iter().enumerate().step_by(every) {
        body += &text(xs(j), y1 + 16.0, r#"class="xl" text-anchor="middle""#, label);
    }
    if n_x == 0 || (m1.is_none() && m2.is_none()) {
        body += &message((x0 + x1) / 2.0, (y0 + y1) / 2.0, "No data");
    }
    let mut keys = Vec::new();
    for (i, s) in chart.series.iter().enumerate() {
        let top = if s.secondary_axis { top2 } else { top1 };
        let (mut d, mut run) = (String::new(), 0);
        for (j, v) in s.values.iter().enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                let (cmd, x, y) = (if run == 0 { "M" } else { "L" }, N(xs(j)), N(ys(v, top)));
                d += &format!(" {cmd}{x} {y}");
                run += 1;
            } else {
                d += if run == 1 { " h0" } else { "" }; // an isolated point: a round-capped dot
                run = 0;
            }
        }
        d += if run == 1 { " h0" } else { "" };
        let (d, style, name) = (d.trim(), line_style(i, s), escape(&s.name));
        body += &format!(r#"<path d="{d}" {style}><title>{name}</title></path>"#);
        let axis = if s.secondary_axis { " (right axis)" } else { "" };
        keys.push((Key::Line(style), format!("{}{axis}", s.name)));
    }
    let first = chart.series.first().map_or(&[][..], |s| &s.values[..]);
    let mut marked = false;
    let point = |j: usize| first.get(j).copied().flatten().filter(|v| v.is_finite());
    for (j, v) in chart.markers.iter().filter_map(|&j| Some((j, point(j)?))) {
        let (x, y) = (N(xs(j)), N(ys(v, top1)));
        let when = chart.x_labels.get(j).map_or("", String::as_str);
        let tip = escape(&format!("{}: {when} {}", chart.marker_label, num(v)));
        body += &format!(r#"<circle class="exceedance" cx="{x}" cy="{y}" {RING}><title>{tip}</title></circle>"#);
        marked = true;
    }
    if marked {
        keys.push((Key::Ring, chart.marker_label.clone()));
    }
    let (keys, bottom) = legend(&keys, x0, y1 + 44.0, w - 10.0);
    open(w, bottom + 12.0, &chart.title) + &body + &keys + "</svg>"
}

/// Draws a horizontal bar chart (`class="bar"`), one bar per label with the value and
/// `unit` at the bar end. Missing or non-finite values count as 0; negative bars have no length.
pub fn bar_chart(title: &str, labels: &[String], values: &[f64], unit: &str) -> String {
    let (w, row, top) = (720.0, 22.0, 36.0);
    let label_w = labels.iter().map(|l| text_width(l)).fold(60.0, f64::max).min(260.0) + 16.0;
    let value = |i: usize| values.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
    let max = (0..labels.len()).map(value).fold(0.0, f64::max);
    let scale = if max > 0.0 { (w - label_w - 100.0) / max } else { 0.0 };
    let style = r##"class="bar" fill="#4a6fa5""##;
    let mut out = open(w, top + labels.len().max(1) as f64 * row + 12.0, title);
    if labels.is_empty() {
        out += &message(w / 2.0, top + 14.0, "No data");
    }
    for (i, label) in labels.iter().enumerate() {
        let (v, y) = (value(i), top + i as f64 * row);
        let bw = v.max(0.0) * scale;
        let sep = if unit.is_empty() || unit == "%" { "" } else { " " };
        let shown = format!("{}{sep}{unit}", num(v));
        out += &text(label_w - 8.0, y + 15.0, r#"text-anchor="end""#, &clip(label, 42));
        out += &rect(label_w, y + 3.0, bw, row - 6.0, style, &format!("{label}: {shown}"));
        out += &text(label_w + bw + 5.0, y + 15.0, "", &shown);
    }
    out + "</svg>"
}

/// One area outline of a [`Map`] (e.g. a ward or LSOA).
pub struct MapArea {
    /// Area code (e.g. an ONS GSS code).
    pub code: String,
    /// Area name.
    pub name: String,
    /// Polygon rings in British National Grid metres (x = easting, y = northing).
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// One square grid cell of a [`Map`] with its Gi* confidence bin.
pub struct MapCell {
    /// Easting of the south-west corner (metres).
    pub x: f64,
    /// Northing of the south-west corner (metres).
    pub y: f64,
    /// Side length (metres).
    pub size: f64,
    /// Gi* bin: 3/2/1 hot spot at 99/95/90%, -1/-2/-3 cold spot, 0 not significant.
    pub bin: i8,
    /// Tooltip text.
    pub label: String,
}

/// A hot spot map.
pub struct Map {
    /// Map title.
    pub title: String,
    /// Area outlines.
    pub areas: Vec<MapArea>,
    /// Grid cells; only cells with a non-zero bin are drawn.
    pub cells: Vec<MapCell>,
    /// Note under the map (e.g. copyright attribution).
    pub note: String,
}

/// Fill colour and legend text of a non-zero Gi* bin (values beyond ±3 count as ±3).
fn bin_style(bin: i8) -> (&'static str, &'static str) {
    match bin {
        3.. => ("#8b0000", "Hot spot (99%)"),
        2 => ("#e03020", "Hot spot (95%)"),
        1 => ("#f4a0a8", "Hot spot (90%)"),
        -1 => ("#a6cbe8", "Cold spot (90%)"),
        -2 => ("#2b6cb0", "Cold spot (95%)"),
        _ => ("#08306b", "Cold spot (99%)"),
    }
}

/// Draws a [`Map`]: the bounding box of areas and cells fitted into a 640-wide viewBox with
/// equal scales and northing up; areas as `<path class="area">`, significant cells as
/// `<rect class="cell">`, a legend of the bins present, a scale bar and a north arrow.
pub fn map(map: &Map) -> String {
    let ok = |c: &&MapCell| c.bin != 0 && [c.x, c.y, c.size].iter().all(|v| v.is_finite()) && c.size > 0.0;
    let cells: Vec<&MapCell> = map.cells.iter().filter(ok).collect();
    let ring_pts = map.areas.iter().flat_map(|a| a.rings.iter().flatten().copied());
    let cell_pts = cells.iter().flat_map(|c| [(c.x, c.y), (c.x + c.size, c.y + c.size)]);
    let (mut x_min, mut y_min, mut x_max, mut y_max) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in ring_pts.chain(cell_pts).filter(|(x, y)| x.is_finite() && y.is_finite()) {
        (x_min, y_min, x_max, y_max) = (x_min.min(x), y_min.min(y), x_max.max(x), y_max.max(y));
    }
    if x_min > x_max {
        (x_min, y_min, x_max, y_max) = (0.0, 0.0, 1000.0, 1000.0);
    }
    let (w, top, side) = (640.0, 34.0, 620.0);
    let s = (side / (x_max - x_min).max(1.0)).min(side / (y_max - y_min).max(1.0));
    let (map_w, map_h) = ((x_max - x_min) * s, (y_max - y_min) * s);
    let ox = (w - map_w) / 2.0;
    let px = |x: f64| ox + (x.clamp(x_min, x_max) - x_min) * s;
    let py = |y: f64| top + (y_max - y.clamp(y_min, y_max)) * s;
    let bottom = top + map_h;
    let mut out = open(w, bottom + 78.0, &map.title);
    for area in &map.areas {
        let mut d = String::new();
        for ring in &area.rings {
            let (mut last, mut cmd) = (String::new(), "M");
            for &(x, y) in ring.iter().filter(|(x, y)| x.is_finite() && y.is_finite()) {
                let pt = format!("{} {}", N(px(x)), N(py(y)));
                if pt != last {
                    d += &format!(" {cmd}{pt}"); // skips vertices that coincide at this scale
                    (last, cmd) = (pt, "L");
                }
            }
            d += if last.is_empty() { "" } else { " Z" };
        }
        let (d, tip) = (d.trim(), escape(&format!("{} {}", area.code, area.name)));
        let style = r##"fill="#f3f3f0" stroke="#888888" stroke-width="0.6" fill-rule="evenodd""##;
        out += &format!(r#"<path class="area" d="{d}" {style}><title>{tip}</title></path>"#);
    }
    for c in &cells {
        let (x, y) = (px(c.x), py(c.y + c.size));
        let attrs = format!(r#"class="cell" fill="{}" fill-opacity="0.85""#, bin_style(c.bin).0);
        out += &rect(x, y, px(c.x + c.size) - x, py(c.y) - y, &attrs, &c.label);
    }
    let (nx, ny) = (ox + map_w - 14.0, top + 8.0);
    let (a, l, r, b, tip) = (N(nx), N(nx - 6.0), N(nx + 6.0), N(ny + 26.0), N(ny + 10.0));
    out += &format!(r##"<polygon points="{a},{tip} {l},{b} {r},{b}" fill="#333333"/>"##);
    out += &text(nx, ny + 8.0, r#"text-anchor="middle" font-weight="bold""#, "N");
    let present = |b: &i8| cells.iter().any(|c| c.bin.clamp(-3, 3) == *b);
    let key = |b: i8| (Key::Box(bin_style(b).0.into()), bin_style(b).1.to_string());
    let keys: Vec<_> = [3, 2, 1, -1, -2, -3].into_iter().filter(present).map(key).collect();
    if keys.is_empty() {
        out += &message(w / 2.0, bottom + 20.0, "No hot or cold spots");
    }
    out += &legend(&keys, 10.0, bottom + 20.0, w - 10.0).0;
    // Scale bar: the longest round length up to a quarter of the map width (at least 40 px).
    let lengths = [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5];
    let fits = |m: &f64| m * s <= (map_w * 0.25).max(40.0);
    let metres = lengths.into_iter().rev().find(fits).unwrap_or(10.0);
    let (sx, sy, len) = (10.0, bottom + 42.0, (metres * s).min(w - 80.0));
    let (l, t, b, r) = (N(sx), N(sy - 5.0), N(sy), N(sx + len));
    out += &format!(r##"<path d="M{l} {t} V{b} H{r} V{t}" fill="none" stroke="#333333" stroke-width="1.5"/>"##);
    let km = metres >= 1000.0;
    let shown = num(if km { metres / 1000.0 } else { metres });
    let unit = if km { "km" } else { "m" };
    out += &text(sx + len + 6.0, sy, "", &format!("{shown} {unit}"));
    out += &text(10.0, bottom + 66.0, r##"font-size="9" fill="#555555""##, &map.note);
    out + "</svg>"
}

/// Fill colour for `t` in 0..=1: white to dark red.
fn shade(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let ch = |to: f64| (255.0 + (to - 255.0) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", ch(139.0), ch(0.0), ch(0.0))
}

/// Draws a heatmap: one `<rect class="hm">` per row × column, shaded white to dark red
/// relative to the maximum, with row and column labels and a legend. Missing or
/// non-finite values count as 0.
pub fn heatmap(title: &str, rows: &[String], cols: &[String], values: &[Vec<f64>]) -> String {
    let (w, top, cell_h) = (720.0, 52.0, 20.0);
    let label_w = rows.iter().map(|r| text_width(r)).fold(30.0, f64::max).min(140.0) + 12.0;
    let cell_w = (w - label_w - 10.0) / cols.len().max(1) as f64;
    let value = |r: usize, c: usize| values.get(r).and_then(|v| v.get(c)).copied().filter(|v| v.is_finite());
    let all = (0..rows.len()).flat_map(|r| (0..cols.len()).map(move |c| (r, c)));
    let max = all.filter_map(|(r, c)| value(r, c)).fold(0.0, f64::max);
    let bottom = top + rows.len() as f64 * cell_h;
    let mut out = open(w, bottom + 40.0, title);
    if rows.is_empty() || cols.is_empty() {
        out += &message(w / 2.0, top, "No data");
    }
    let widest = cols.iter().map(|c| text_width(c)).fold(0.0, f64::max) + 4.0;
    let every = ((widest / cell_w).ceil() as usize).max(1);
    for (c, col) in cols.iter().enumerate().step_by(every) {
        let x = label_w + (c as f64 + 0.5) * cell_w;
        out += &text(x, top - 6.0, r#"text-anchor="middle""#, col);
    }
    for (r, row) in rows.iter().enumerate() {
        let y = top + r as f64 * cell_h;
        out += &text(label_w - 6.0, y + 14.0, r#"text-anchor="end""#, row);
        for (c, col) in cols.iter().enumerate() {
            let v = value(r, c).unwrap_or(0.0);
            let fill = shade(if max > 0.0 { v / max } else { 0.0 });
            let attrs = format!(r##"class="hm" fill="{fill}" stroke="#ffffff" stroke-width="0.5""##);
            let x = label_w + c as f64 * cell_w;
            out += &rect(x, y, cell_w, cell_h, &attrs, &format!("{row} {col}: {}", num(v)));
        }
    }
    let keys = [0.0, 0.25, 0.5, 0.75, 1.0].map(|t| (Key::Box(shade(t)), num(max * t)));
    out + &legend(&keys, label_w, bottom + 24.0, w - 10.0).0 + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;
    use roxmltree::{Document, Node};

    fn check(svg: &str) -> Document<'_> {
        for bad in ["http", "NaN", "xmlns", "<script"] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
        let doc = Document::parse(svg).expect("well-formed SVG");
        let root = doc.root_element();
        assert_eq!((root.tag_name().name(), root.attribute("width")), ("svg", Some("100%")));
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(root.attribute("font-family"), Some("sans-serif"));
        assert!(root.attribute("viewBox").is_some());
        assert_eq!(root.first_element_child().map(|e| e.tag_name().name()), Some("title"));
        doc
    }

    fn class<'a>(doc: &'a Document<'a>, class: &str) -> Vec<Node<'a, 'a>> {
        doc.descendants()
            .filter(|e| e.attribute("class") == Some(class))
            .collect()
    }

    fn has_text(doc: &Document, s: &str) -> bool {
        doc.descendants().any(|e| e.text() == Some(s))
    }

    fn line_fixture(markers: Vec<usize>) -> LineChart {
        let labels = (0..36)
            .map(|i| format!("{}-{:02}", 2022 + i / 12, i % 12 + 1))
            .collect();
        let monthly = (0..36).map(|i| (i != 5).then_some(40.0 + (i % 7) as f64)).collect();
        let rolling = (0..36).map(|i| (i >= 11).then_some(520.0 + i as f64)).collect();
        let series = |name: &str, values, dashed, secondary_axis| LineSeries {
            name: name.into(),
            values,
            dashed,
            secondary_axis,
        };
        LineChart {
            title: "Burglary <all>".into(),
            x_labels: labels,
            series: vec![
                series("Monthly", monthly, false, false),
                series("Mean", vec![Some(43.0); 36], true, false),
                series("Rolling 12", rolling, true, true),
            ],
            markers,
            marker_label: "Above upper limit".into(),
            y_label: "Offences".into(),
            y2_label: Some("Rolling total".into()),
        }
    }

    #[test]
    fn line_chart_markers_labels_and_legend() {
        let svg = line_chart(&line_fixture(vec![3, 10, 20]));
        let doc = check(&svg);
        assert_eq!(class(&doc, "exceedance").len(), 3);
        assert!((6..=12).contains(&class(&doc, "xl").len()));
        assert!(has_text(&doc, "Above upper limit") && has_text(&doc, "Rolling 12 (right axis)"));
        assert!(svg.contains("stroke-dasharray") && svg.contains("&lt;all&gt;") && !svg.contains("No data"));
        // Markers at a missing value or out of range are skipped, and then have no legend entry.
        let svg = line_chart(&line_fixture(vec![5, 99]));
        assert_eq!(class(&check(&svg), "exceedance").len(), 0);
        assert!(!svg.contains("Above upper limit"));
    }

    #[test]
    fn line_chart_degenerate_inputs() {
        let mut empty = line_fixture(vec![0]);
        (empty.x_labels, empty.series, empty.y2_label) = (vec![], vec![], None);
        assert!(has_text(&check(&line_chart(&empty)), "No data"));
        let mut none = line_fixture(vec![1]);
        none.series.iter_mut().for_each(|s| s.values = vec![None; 36]);
        assert!(has_text(&check(&line_chart(&none)), "No data"));
        let mut zero = line_fixture(vec![]);
        zero.series.iter_mut().for_each(|s| s.values = vec![Some(0.0); 36]);
        assert!(!has_text(&check(&line_chart(&zero)), "No data"));
        let mut one = line_fixture(vec![0]);
        one.x_labels.truncate(1);
        one.series.iter_mut().for_each(|s| s.values.truncate(1));
        assert_eq!(class(&check(&line_chart(&one)), "exceedance").len(), 1);
    }

    #[test]
    fn scales_and_numbers() {
        assert_eq!(
            [100.0, 4.1, 0.0, 8.1].map(nice_scale),
            [(25.0, 100.0), (2.0, 6.0), (1.0, 4.0), (2.5, 10.0)]
        );
        assert_eq!(
            [num(12345.67), num(-1000.0), num(f64::NAN), N(-0.04).to_string()],
            ["12,345.7", "-1,000", "0", "0"]
        );
    }

    #[test]
    fn bar_chart_cases() {
        let labels = vec!["Violence & sexual".to_string(), "Theft".to_string()];
        let svg = bar_chart("Top", &labels, &[120.0, 30.5], "offences");
        let doc = check(&svg);
        let widths: Vec<f64> = class(&doc, "bar")
            .iter()
            .map(|b| b.attribute("width").unwrap().parse().unwrap())
            .collect();
        assert!(widths.len() == 2 && widths[0] > widths[1] * 3.0);
        assert!(has_text(&doc, "30.5 offences") && has_text(&doc, "Violence & sexual"));
        assert!(has_text(&check(&bar_chart("", &[], &[], "")), "No data"));
        assert_eq!(class(&check(&bar_chart("Zero", &labels, &[0.0], "%")), "bar").len(), 2);
    }

    fn map_fixture() -> Map {
        let square = |x: f64, y: f64| vec![vec![(x, y), (x + 1e3, y), (x + 1e3, y + 1e3), (x, y + 1e3)]];
        let area = |code: &str, name: &str, y| MapArea {
            code: code.into(),
            name: name.into(),
            rings: square(4e5, y),
        };
        let cell = |x: f64, y: f64, bin: i8| MapCell {
            x,
            y,
            size: 250.0,
            bin,
            label: format!("bin {bin}"),
        };
        Map {
            title: "Hot spots".into(),
            areas: vec![
                area("E05000001", "North & Co", 301_000.0),
                area("E05000002", "South", 300_000.0),
            ],
            cells: vec![
                cell(400_250.0, 301_500.0, 3),
                cell(400_250.0, 300_250.0, -2),
                cell(4e5, 3e5, 0),
                cell(4e5, 3e5, 1),
            ],
            note: "Contains OS data © Crown copyright".into(),
        }
    }

    #[test]
    fn map_cells_areas_flip_and_bounds() {
        let svg = map(&map_fixture());
        let doc = check(&svg);
        let cells = class(&doc, "cell");
        assert_eq!((cells.len(), class(&doc, "area").len()), (3, 2));
        let y = |i: usize| cells[i].attribute("y").unwrap().parse::<f64>().unwrap();
        assert!(y(0) < y(1), "the northern cell must be drawn higher up");
        assert!(has_text(&doc, "Hot spot (99%)") && has_text(&doc, "Cold spot (95%)"));
        assert!(!has_text(&doc, "Cold spot (99%)"));
        assert!(has_text(&doc, "N") && has_text(&doc, "200 m") && has_text(&doc, "E05000001 North & Co"));
        let vb = doc.root_element().attribute("viewBox").unwrap();
        let vb: Vec<f64> = vb.split(' ').map(|v| v.parse().unwrap()).collect();
        let inside = |x: f64, y: f64| (0.0..=vb[2]).contains(&x) && (0.0..=vb[3]).contains(&y);
        for e in doc.descendants().filter(|e| e.is_element()) {
            for (a, b) in [("x", "y"), ("cx", "cy")] {
                if let (Some(x), Some(y)) = (e.attribute(a), e.attribute(b)) {
                    assert!(inside(x.parse().unwrap(), y.parse().unwrap()), "{a}={x} {b}={y}");
                }
            }
            if e.tag_name().name() == "polygon" || e.attribute("class") == Some("area") {
                let coords = e.attribute("d").or(e.attribute("points")).unwrap();
                let nums: Vec<f64> = coords.split([' ', ',', 'M', 'L', 'Z']).flat_map(str::parse).collect();
                let ok = nums.len() >= 6 && nums.chunks(2).all(|p| inside(p[0], p[1]));
                assert!(ok, "{coords}");
            }
        }
    }

    #[test]
    fn map_empty_inputs() {
        let mut empty = map_fixture();
        (empty.areas, empty.cells) = (vec![], vec![]);
        assert!(has_text(&check(&map(&empty)), "No hot or cold spots"));
        let mut only_areas = map_fixture();
        only_areas.cells.retain(|c| c.bin == 0);
        assert!(has_text(&check(&map(&only_areas)), "No hot or cold spots"));
        let mut point = map_fixture();
        point.areas.truncate(1);
        (point.areas[0].rings, point.cells) = (vec![vec![(1.0, 1.0)], vec![]], vec![]);
        check(&map(&point));
    }

    #[test]
    fn heatmap_grid() {
        let days: Vec<String> = "Mon Tue Wed Thu Fri Sat Sun".split(' ').map(String::from).collect();
        let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
        let values: Vec<Vec<f64>> = (0..7).map(|d| (0..24).map(|h| (d * h) as f64).collect()).collect();
        let svg = heatmap("When", &days, &hours, &values);
        let doc = check(&svg);
        let rects = class(&doc, "hm");
        assert_eq!(rects.len(), 7 * 24);
        assert!(rects.iter().any(|r| r.attribute("fill") == Some("#8b0000")) && has_text(&doc, "Sun 23: 138"));
        assert_eq!(rects[0].attribute("fill"), Some("#ffffff"));
        assert!(has_text(&check(&heatmap("", &[], &[], &[])), "No data"));
        assert_eq!(class(&check(&heatmap("Zeros", &days, &hours, &[])), "hm").len(), 168);
    }

    #[test]
    fn escape_text() {
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
        assert_eq!(escape("\"x\"\u{1}"), "&quot;x&quot;");
    }
}
