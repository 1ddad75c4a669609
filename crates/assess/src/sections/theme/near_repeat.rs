//! Near repeats of one crime type in the area: the Knox test over its incidents with
//! dates to the day (Johnson & Bowers 2004 test it per crime type, burglary first).

use crimescope_engine::near_repeat::{NearRepeatRequest, near_repeat};
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use crate::error::Result;
use crate::format::{round, thousands};

pub(super) async fn near_repeat_section(ctx: &RunContext, sid: &str, title: &str, category: &str) -> Result<Section> {
    let c = &ctx.config;
    let mut request = NearRepeatRequest::new(c.period);
    request.category = Some(category.to_string());
    request.space_bands = c.near_repeat.space_bands.clone();
    request.time_bands = c.near_repeat.time_bands.clone();
    request.permutations = c.near_repeat.permutations;
    request.seed = c.seed;
    let k = near_repeat(&ctx.session, &request).await?;
    let mut s = Section::new(sid, title);
    let mut t = Table::new(
        &format!("{sid}-knox"),
        "Knox test: pairs of incidents close in space and time",
        vec![
            Column::new("distance", "Distance (m)", ColumnKind::Text),
            Column::new("days", "Days apart", ColumnKind::Text),
            Column::new("observed", "Observed pairs", ColumnKind::Count),
            Column::new("expected", "Expected pairs", ColumnKind::Measure),
            Column::new("knox_ratio", "Knox ratio", ColumnKind::Derived),
            Column::new("p", "p", ColumnKind::Measure),
            Column::new("p_fdr", "p (adjusted)", ColumnKind::Measure),
            Column::new("pattern", "Pattern", ColumnKind::Derived),
        ],
    );
    let band = |edges: &[f64], i: usize| match edges.get(i + 1) {
        Some(next) => format!("{:.0}–{:.0}", edges[i], next),
        None => format!("{:.0}+", edges[i]),
    };
    let days: Vec<f64> = k.time_bands.iter().map(|&d| d as f64).collect();
    let min_ratio = c.near_repeat.min_ratio;
    let patterns = k.patterns(min_ratio);
    let q = k.p_fdr();
    for (si, row) in k.observed.iter().enumerate() {
        for (ti, &obs) in row.iter().enumerate() {
            let is_pattern = patterns.iter().any(|p| p.space_band == si && p.time_band == ti);
            t.push(vec![
                json!(band(&k.space_bands, si)),
                json!(band(&days, ti)),
                json!(obs),
                round(k.expected[si][ti], 1),
                round(k.knox_ratio[si][ti], 2),
                json!(k.p[si][ti]),
                json!(q[si][ti]),
                json!(is_pattern),
            ]);
        }
    }
    t.note = Some(format!(
        "p is the permutation p-value of each cell; p (adjusted) allows for the {} cells being tested together \
         (Benjamini & Hochberg 1995). A cell is a pattern when its adjusted p is below 0.05 and its Knox ratio is \
         at least {min_ratio:.2} (near_repeat.min_ratio).",
        k.observed.iter().map(Vec::len).sum::<usize>()
    ));
    s.para(format!(
        "{} located incidents of {category} with dates to the day; {} permutations of the dates over the fixed locations, seed {}.",
        thousands(k.n as u64),
        k.permutations,
        k.seed
    ));
    // The band that shows it: the closest in space, then in time.
    let closest = patterns.iter().min_by_key(|p| (p.space_band, p.time_band));
    s.para(match closest {
        None => {
            let nominal = k.p.iter().flatten().filter(|&&p| p <= 0.05).count();
            format!(
                "No near-repeat pattern: no space–time band has significantly more pairs than expected once the cells \
                 are tested together, with a Knox ratio of at least {min_ratio:.2}{}. Protective visits after each \
                 incident are not supported by this test.",
                if nominal > 0 {
                    format!(" ({nominal} cell(s) reach p ≤ 0.05 on their own, as chance alone would give some)")
                } else {
                    String::new()
                }
            )
        }
        Some(p) => {
            let (dist, when) = (band(&k.space_bands, p.space_band), band(&days, p.time_band));
            let others: Vec<String> = patterns
                .iter()
                .filter(|o| (o.space_band, o.time_band) != (p.space_band, p.time_band))
                .map(|o| {
                    format!(
                        "{} m and {} days (ratio {:.2})",
                        band(&k.space_bands, o.space_band),
                        band(&days, o.time_band),
                        o.knox_ratio
                    )
                })
                .collect();
            format!(
                "Near repeats: pairs of {category} incidents within {dist} m and {when} days of each other are {:.2} times as \
                 common as chance would give (adjusted p = {:.3}).{} Prompt protective action near each new incident \
                 (within {} m, for {} days) is supported by this band.",
                p.knox_ratio,
                p.p_fdr,
                if others.is_empty() {
                    String::new()
                } else {
                    format!(" Also: {}.", others.join("; "))
                },
                k.space_bands.get(p.space_band + 1).map_or(dist.clone(), |e| format!("{e:.0}")),
                k.time_bands.get(p.time_band + 1).map_or(when.clone(), |e| e.to_string()),
            )
        }
    });
    s.tables.push(t.in_appendix());
    Ok(s)
}
