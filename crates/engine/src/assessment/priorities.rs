//! Sections 1, 9 and 10: the executive summary, the priority matrix and the review of
//! the previous plan.

use crimescope_model::slugify;
use crimescope_report::config::{AssessmentConfig, Measure};
use crimescope_report::document::Section;
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::{Map, Value, json};

use super::tables::{change_words, count, rag, records, round, significance_words, text, thousands};
use super::{Ctx, SectionOut};
use crate::error::Result;
use crate::trend::{TrendGroup, resolve_category, trend};

/// Section 10: each previous priority's measure, then (the comparison period) and now.
pub(crate) async fn plan_review(ctx: &Ctx) -> Result<SectionOut> {
    let c = &ctx.config;
    let title = "Review of the previous plan";
    if c.previous_priorities.is_empty() {
        return Ok(SectionOut::new(Section::not_produced(
            "plan-review",
            title,
            "no previous priorities are configured; add [[previous_priorities]] tables with a name and a measure \
             (docs/assessment.md)",
        )));
    }
    let by_source = records(
        &trend(&ctx.session, &ctx.trend_request(TrendGroup::Source, None))
            .await?
            .batches,
    )?;
    let by_theme = &ctx.by_theme;
    let mut t = Table::new(
        "plan-review",
        &format!("Previous priorities: {} (then) against {} (now)", c.compare, c.period),
        vec![
            Column::new("priority", "Priority", ColumnKind::Text),
            Column::new("measure", "Measure", ColumnKind::Text),
            Column::new("aim", "Aim", ColumnKind::Text),
            Column::new("then", "Then", ColumnKind::Count),
            Column::new("now", "Now", ColumnKind::Count),
            Column::new("change", "Change", ColumnKind::Derived),
            Column::new("z", "Wheeler z", ColumnKind::Derived),
            Column::new("rag", "RAG", ColumnKind::Text),
        ],
    );
    let mut s = Section::new("plan-review", title);
    let sum = |rows: &[Map<String, Value>], pick: &dyn Fn(&str) -> bool| {
        rows.iter()
            .filter(|r| pick(&text(r, "group")))
            .fold((0u64, 0u64), |(a, b), r| {
                (a + count(r, "current"), b + count(r, "previous"))
            })
    };
    for (p, measure) in &c.previous_priorities {
        let (now, then) = match measure {
            Measure::All => sum(&by_source, &|g| ctx.sources.iter().any(|s| s.name() == g)),
            Measure::Source(src) => sum(&by_source, &|g| g == src.name()),
            Measure::Theme(name) => sum(by_theme, &|g| slugify(g) == slugify(name)),
            Measure::Category(name) => match resolve_category(&ctx.session, name).await {
                Ok(category) => {
                    let mut r = ctx.trend_request(TrendGroup::Category, None);
                    r.category = Some(category);
                    let rows = records(&trend(&ctx.session, &r).await?.batches)?;
                    sum(&rows, &|_| true)
                }
                Err(e) if e.is_user_error() => {
                    s.para(format!("{}: {e}", p.name));
                    (0, 0)
                }
                Err(e) => return Err(e),
            },
        };
        let z = crimescope_stats::wheeler_z(now, then);
        let reduce = p.aim == "reduce";
        s.para(format!(
            "{} ({}, aim: {}): {} ({}), {}.",
            p.name,
            p.measure,
            p.aim,
            change_words(now, then),
            significance_words(z),
            match rag(z, reduce) {
                "green" => "met",
                "red" => "not met: a significant move against the aim",
                _ => "no significant change",
            }
        ));
        t.push(vec![
            json!(p.name),
            json!(p.measure),
            json!(p.aim),
            json!(then),
            json!(now),
            json!(now as i64 - then as i64),
            round(z, 2),
            json!(rag(z, reduce)),
        ]);
    }
    t.note = Some(
        "RAG: green is a significant move in the aimed direction (|z| ≥ 1.96), red a significant move \
                   against it, amber no significant change."
            .into(),
    );
    s.tables.push(t);
    Ok(SectionOut::new(s))
}

/// One scored row of the priority matrix.
struct Scored {
    source: String,
    category: String,
    themes: String,
    current: u64,
    parts: [f64; 4],
    score: f64,
}

/// Section 9: the priority matrix over the overview's categories. Each component is
/// scaled to 0–1: harm and volume by the largest category, trend as (z + 3) / 6 clipped
/// to 0–1, concern as the share of consultation respondents supporting a priority named
/// after the category or one of its themes. The score is the weighted mean; without a
/// consultation file the concern weight is left out and the others renormalised.
pub(crate) fn matrix(config: &AssessmentConfig, sections: &[Section], data: &Map<String, Value>) -> Section {
    let title = "Priority matrix";
    let Some(overview) = sections
        .iter()
        .flat_map(Section::all_tables)
        .find(|t| t.id == "overview")
    else {
        return Section::not_produced(
            "priorities",
            title,
            "the overview table was not produced, so there is nothing to score",
        );
    };
    let concern: Vec<(String, f64)> = data
        .get("consultation")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        slugify(r["priority"].as_str().unwrap_or("")),
                        r["share"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let records = overview.records();
    let body = &records[..records.len().saturating_sub(usize::from(overview.total_row))];
    let get = |r: &Value, k: &str| r.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let rows: Vec<&Value> = body
        .iter()
        .filter(|r| get(r, "current") + get(r, "previous") > 0.0)
        .collect();
    let max_harm = rows.iter().map(|r| get(r, "harm")).fold(0.0, f64::max);
    let max_volume = rows.iter().map(|r| get(r, "current")).fold(0.0, f64::max);
    let w = config.priority_weights;
    let weights = [
        w.harm,
        w.volume,
        w.trend,
        if concern.is_empty() { 0.0 } else { w.concern },
    ];
    let weight_sum: f64 = weights.iter().sum();
    let mut scored: Vec<Scored> = rows
        .iter()
        .map(|r| {
            let category = r["category"].as_str().unwrap_or("").to_string();
            let themes = config.themes.themes_of(&category);
            let names: Vec<String> = std::iter::once(slugify(&category))
                .chain(themes.iter().map(|t| slugify(t)))
                .collect();
            let share = concern
                .iter()
                .filter(|(p, _)| names.contains(p))
                .map(|(_, s)| *s)
                .fold(0.0, f64::max);
            let parts = [
                if max_harm > 0.0 { get(r, "harm") / max_harm } else { 0.0 },
                if max_volume > 0.0 {
                    get(r, "current") / max_volume
                } else {
                    0.0
                },
                ((get(r, "z") + 3.0) / 6.0).clamp(0.0, 1.0),
                share / 100.0,
            ];
            let score = if weight_sum > 0.0 {
                parts.iter().zip(weights).map(|(p, w)| p * w).sum::<f64>() / weight_sum
            } else {
                0.0
            };
            Scored {
                source: r["source"].as_str().unwrap_or("").to_string(),
                category,
                themes: themes.join("; "),
                current: get(r, "current") as u64,
                parts,
                score,
            }
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.category.cmp(&b.category)));
    let mut s = Section::new("priorities", title);
    s.para(format!(
        "Each category of crime and ASB is scored on harm (weight {}), volume ({}), trend ({}) and public concern \
         ({}), each scaled to 0–1; the score is their weighted mean. {}",
        w.harm,
        w.volume,
        w.trend,
        w.concern,
        if concern.is_empty() {
            "No consultation file is configured, so concern is left out and the other weights renormalised."
        } else {
            "Concern is the share of respondents supporting a priority named after the category or one of its themes."
        }
    ));
    let mut t = Table::new(
        "priority-matrix",
        "Priority matrix: categories by score",
        vec![
            Column::new("rank", "Rank", ColumnKind::Measure),
            Column::new("source", "Source", ColumnKind::Text),
            Column::new("category", "Category", ColumnKind::Text),
            Column::new("themes", "Themes", ColumnKind::Text),
            Column::new("current", "Incidents", ColumnKind::Count),
            Column::new("harm_score", "Harm", ColumnKind::Derived),
            Column::new("volume_score", "Volume", ColumnKind::Derived),
            Column::new("trend_score", "Trend", ColumnKind::Derived),
            Column::new("concern_score", "Concern", ColumnKind::Measure),
            Column::new("score", "Score", ColumnKind::Derived),
        ],
    );
    for (i, r) in scored.iter().enumerate() {
        t.push(vec![
            json!(i + 1),
            json!(r.source),
            json!(r.category),
            json!(r.themes),
            json!(r.current),
            round(r.parts[0], 3),
            round(r.parts[1], 3),
            round(r.parts[2], 3),
            round(r.parts[3], 3),
            round(r.score, 3),
        ]);
    }
    s.tables.push(t);
    s
}

/// Section 1: key findings, recommended priorities and the RAG table, from the other
/// sections' figures.
pub(crate) fn summary(config: &AssessmentConfig, sections: &[Section], priorities: &Section) -> Section {
    let mut s = Section::new("summary", "Executive summary");
    let table = |id: &str| sections.iter().flat_map(Section::all_tables).find(|t| t.id == id);
    let mut rag_table = Table::new(
        "summary-rag",
        &format!(
            "Change since the last assessment: {} against {}",
            config.period, config.compare
        ),
        vec![
            Column::new("measure", "Measure", ColumnKind::Text),
            Column::new("previous", "Previous", ColumnKind::Count),
            Column::new("current", "Current", ColumnKind::Count),
            Column::new("change", "Change", ColumnKind::Derived),
            Column::new("z", "Wheeler z", ColumnKind::Derived),
            Column::new("rag", "RAG", ColumnKind::Text),
        ],
    );
    let mut add = |measure: String, previous: u64, current: u64, aim_reduce: bool| {
        let z = crimescope_stats::wheeler_z(current, previous);
        rag_table.push(vec![
            json!(measure),
            json!(previous),
            json!(current),
            json!(current as i64 - previous as i64),
            round(z, 2),
            json!(rag(z, aim_reduce)),
        ]);
    };
    let mut findings = Vec::new();
    if let Some(t) = table("overview") {
        let rows = t.records();
        if let Some(total) = rows.last().filter(|_| t.total_row) {
            let (cur, prev) = (num(total, "current"), num(total, "previous"));
            add("All crime and ASB".into(), prev, cur, true);
            findings.push(format!(
                "Crime and ASB: {} incidents, {} ({}).",
                thousands(cur),
                change_words(cur, prev),
                significance_words(crimescope_stats::wheeler_z(cur, prev))
            ));
        }
        let body = &rows[..rows.len().saturating_sub(1)];
        let z = |r: &Value| r["z"].as_f64().unwrap_or(0.0);
        let mut up: Vec<&Value> = body.iter().filter(|r| z(r) >= 1.96).collect();
        up.sort_by(|a, b| z(b).total_cmp(&z(a)));
        let mut down: Vec<&Value> = body.iter().filter(|r| z(r) <= -1.96).collect();
        down.sort_by(|a, b| z(a).total_cmp(&z(b)));
        let names = |rows: &[&Value]| {
            rows.iter()
                .take(3)
                .map(|r| {
                    format!(
                        "{} ({})",
                        r["category"].as_str().unwrap_or(""),
                        change_words(num(r, "current"), num(r, "previous"))
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        findings.push(if up.is_empty() {
            "No category rose significantly.".to_string()
        } else {
            format!("Largest significant rises: {}.", names(&up))
        });
        findings.push(if down.is_empty() {
            "No category fell significantly.".to_string()
        } else {
            format!("Largest significant falls: {}.", names(&down))
        });
        let mut harm: Vec<&Value> = body.iter().collect();
        harm.sort_by(|a, b| {
            b["harm"]
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&a["harm"].as_f64().unwrap_or(0.0))
        });
        findings.push(format!(
            "Most harm: {}.",
            harm.iter()
                .take(3)
                .map(|r| format!(
                    "{} ({:.1}% of harm)",
                    r["category"].as_str().unwrap_or(""),
                    r["harm_share"].as_f64().unwrap_or(0.0)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    for theme in config.themes.themes() {
        let mut r = 0;
        for sec in sections
            .iter()
            .filter(|x| x.id.starts_with("theme-") && x.title.ends_with(theme))
        {
            r += 1;
            if let Some(p) = sec.paragraphs.get(1) {
                findings.push(format!("{theme}: {p}"));
            }
        }
        debug_assert!(r <= 1);
    }
    for (id, label) in [
        ("partner-fires-by-category", "Fires"),
        ("partner-asb-by-category", "ASB (all categories)"),
    ] {
        if let Some(t) = table(id)
            && let Some(total) = t.records().last()
        {
            add(label.into(), num(total, "previous"), num(total, "current"), true);
        }
    }
    if let Some(t) = table("plan-review") {
        for r in t.records() {
            add(
                format!("Previous priority: {}", r["priority"].as_str().unwrap_or("")),
                num(&r, "then"),
                num(&r, "now"),
                r["aim"].as_str() != Some("increase"),
            );
        }
    }
    let hot = sections
        .iter()
        .find(|x| x.id == "profile")
        .and_then(|p| p.paragraphs.iter().find(|t| t.contains("Getis-Ord")));
    if let Some(h) = hot {
        findings.push(h.clone());
    }
    let mut missing: Vec<String> = Vec::new();
    for x in sections {
        if !x.produced {
            missing.push(x.title.clone());
        }
        missing.extend(
            x.subsections
                .iter()
                .filter(|sub| !sub.produced)
                .map(|sub| format!("{} – {}", x.title, sub.title)),
        );
    }
    if !missing.is_empty() {
        findings.push(format!(
            "Not produced for lack of data (each section says why): {}.",
            missing.join("; ")
        ));
    }
    s.para("Key findings:");
    for f in findings {
        s.para(format!("• {f}"));
    }
    let recommended: Vec<String> = priorities
        .tables
        .first()
        .map(|t| {
            t.records()
                .iter()
                .take(5)
                .map(|r| {
                    format!(
                        "{} ({}; score {:.2})",
                        r["category"].as_str().unwrap_or(""),
                        r["themes"].as_str().filter(|t| !t.is_empty()).unwrap_or("no theme"),
                        r["score"].as_f64().unwrap_or(0.0)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    s.para(if recommended.is_empty() {
        "Recommended priorities: none could be scored (see the priority matrix).".to_string()
    } else {
        format!(
            "Recommended priorities, from the priority matrix: {}.",
            recommended.join("; ")
        )
    });
    rag_table.note = Some(
        "RAG for a reduction aim: red a significant rise (|z| ≥ 1.96), green a significant fall, \
                           amber no significant change."
            .into(),
    );
    s.tables.push(rag_table);
    s
}

fn num(r: &Value, k: &str) -> u64 {
    r.get(k).and_then(Value::as_u64).unwrap_or(0)
}
