//! Section 9: the priority matrix over the overview's categories, in the spirit of
//! MoRiLE (the Management of Risk in Law Enforcement matrix): harm, volume, trend and
//! public concern, each scaled to 0–1, weighted by the partnership.

use crimescope_model::slugify;
use crimescope_report::document::Section;
use crimescope_report::table::{ColumnKind, Table};
use serde_json::json;

use crate::config::{AssessmentConfig, PriorityWeights};
use crate::consultation::ConsultationRow;
use crate::findings::{Findings, OverviewRow, ScoredPriority};
use crate::format::round;

const TITLE: &str = "Priority matrix";

/// Section 9 and its scored rows, best first. Without an overview there is nothing to
/// score and the section says so.
pub(crate) fn matrix(config: &AssessmentConfig, findings: &Findings) -> (Section, Vec<ScoredPriority>) {
    let Some(overview) = &findings.overview else {
        return (
            Section::not_produced(
                "priorities",
                TITLE,
                "the overview table was not produced, so there is nothing to score",
            ),
            Vec::new(),
        );
    };
    let w = config.priority_weights;
    let scored = score(&overview.rows, &findings.consultation, w, &|category| {
        config
            .themes
            .themes_of(category)
            .iter()
            .map(|t| t.to_string())
            .collect()
    });
    let mut s = Section::new("priorities", TITLE);
    s.para(format!(
        "Each category of crime and ASB is scored on harm (weight {}), volume ({}), trend ({}) and public concern \
         ({}), each scaled to the range from zero to one; the score is their weighted mean. Trend counts a change only \
         when the overview finds it significant, scaling its z linearly from −3 (zero) to +3 (one), and is 0.5 \
         otherwise. {}",
        w.harm,
        w.volume,
        w.trend,
        w.concern,
        if findings.consultation.is_empty() {
            "No consultation file is configured, so concern is left out and the other weights renormalised."
        } else {
            "Concern is the share of respondents supporting a priority named after the category or one of its themes."
        }
    ));
    let mut t = Table::with_columns(
        "priority-matrix",
        "Priority matrix: categories by score",
        &[
            ("rank", "Rank", ColumnKind::Measure),
            ("source", "Source", ColumnKind::Text),
            ("category", "Category", ColumnKind::Text),
            ("themes", "Themes", ColumnKind::Text),
            ("current", "Incidents", ColumnKind::Count),
            ("harm_score", "Harm", ColumnKind::Derived),
            ("volume_score", "Volume", ColumnKind::Derived),
            ("trend_score", "Trend", ColumnKind::Derived),
            ("concern_score", "Concern", ColumnKind::Measure),
            ("score", "Score", ColumnKind::Derived),
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
    let themes_of = |category: &str| -> Vec<String> {
        config
            .themes
            .themes_of(category)
            .iter()
            .map(|t| t.to_string())
            .collect()
    };
    let st = stability(&overview.rows, &findings.consultation, w, &themes_of);
    if !st.top.is_empty() {
        s.para(format!(
            "How stable is the top five? Varying each weight by ±50% in turn (the four matrix weights and each \
             category's harm weight, {} variants), the same five categories lead in {} of them. Times each stays in \
             the top five: {}.",
            st.variants,
            st.same_top,
            st.top
                .iter()
                .map(|(category, kept)| format!("{category} {kept}/{}", st.variants))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    (s, scored)
}

/// How a priority ranking holds up when its weights vary.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stability {
    /// Variants tried.
    pub variants: usize,
    /// Variants whose top five are the same categories (in any order).
    pub same_top: usize,
    /// Each of the top five, with the variants in which it stays in the top five.
    pub top: Vec<(String, usize)>,
}

/// The top five's stability: every matrix weight and every category's harm weight in
/// turn multiplied by 0.5 and by 1.5, the rest unchanged, and the ranking redone.
///
/// A one-at-a-time sensitivity analysis (Saltelli, A. et al. 2008, *Global Sensitivity
/// Analysis: The Primer*, Wiley, §1.2.1): it shows which priorities depend on a
/// judgement about weights, not how the weights interact.
pub(crate) fn stability(
    rows: &[OverviewRow],
    consultation: &[ConsultationRow],
    weights: PriorityWeights,
    themes_of: &dyn Fn(&str) -> Vec<String>,
) -> Stability {
    const TOP: usize = 5;
    let top_of = |scored: &[ScoredPriority]| -> Vec<(String, String)> {
        scored
            .iter()
            .take(TOP)
            .map(|r| (r.source.clone(), r.category.clone()))
            .collect()
    };
    let base = top_of(&score(rows, consultation, weights, themes_of));
    let mut variants: Vec<Vec<(String, String)>> = Vec::new();
    for factor in [0.5, 1.5] {
        for k in 0..4 {
            let mut w = weights;
            match k {
                0 => w.harm *= factor,
                1 => w.volume *= factor,
                2 => w.trend *= factor,
                _ => w.concern *= factor,
            }
            variants.push(top_of(&score(rows, consultation, w, themes_of)));
        }
        for i in 0..rows.len() {
            let mut varied = rows.to_vec();
            varied[i].harm *= factor;
            variants.push(top_of(&score(&varied, consultation, weights, themes_of)));
        }
    }
    let same = |v: &[(String, String)]| v.len() == base.len() && base.iter().all(|b| v.contains(b));
    Stability {
        variants: variants.len(),
        same_top: variants.iter().filter(|v| same(v)).count(),
        top: base
            .iter()
            .map(|b| (b.1.clone(), variants.iter().filter(|v| v.contains(b)).count()))
            .collect(),
    }
}

/// The trend part of a category's score: (z + 3) / 6 clipped to 0–1 when its change is
/// significant (the E-test adjusted across the overview's categories, as in the
/// overview table), 0.5 (no change) when it is not, so that noise does not move a
/// priority.
pub(crate) fn trend_part(change: &crimescope_stats::PeriodChange) -> f64 {
    if change.significant {
        ((change.z + 3.0) / 6.0).clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// Score the categories with any incident in either period, best first (ties by
/// category name).
///
/// Harm and volume are scaled by the largest category; trend is [`trend_part`];
/// concern is the largest share of consultation respondents
/// supporting a priority named (by slug) after the category or one of its themes. The
/// score is the weighted mean; without consultation rows the concern weight is left out
/// and the others renormalised. `themes_of` gives a category's themes.
pub(crate) fn score(
    rows: &[OverviewRow],
    consultation: &[ConsultationRow],
    weights: PriorityWeights,
    themes_of: &dyn Fn(&str) -> Vec<String>,
) -> Vec<ScoredPriority> {
    let concern: Vec<(String, f64)> = consultation.iter().map(|r| (slugify(&r.priority), r.share)).collect();
    let rows: Vec<&OverviewRow> = rows.iter().filter(|r| r.current + r.previous > 0).collect();
    let max_harm = rows.iter().map(|r| r.harm).fold(0.0, f64::max);
    let max_volume = rows.iter().map(|r| r.current as f64).fold(0.0, f64::max);
    let w = [
        weights.harm,
        weights.volume,
        weights.trend,
        if concern.is_empty() { 0.0 } else { weights.concern },
    ];
    let weight_sum: f64 = w.iter().sum();
    let scale = |x: f64, max: f64| if max > 0.0 { x / max } else { 0.0 };
    let mut scored: Vec<ScoredPriority> = rows
        .iter()
        .map(|r| {
            let themes = themes_of(&r.category);
            let names: Vec<String> = std::iter::once(slugify(&r.category))
                .chain(themes.iter().map(|t| slugify(t)))
                .collect();
            let share = concern
                .iter()
                .filter(|(p, _)| names.contains(p))
                .map(|(_, s)| *s)
                .fold(0.0, f64::max);
            let parts = [
                scale(r.harm, max_harm),
                scale(r.current as f64, max_volume),
                trend_part(&r.change),
                share / 100.0,
            ];
            let score = if weight_sum > 0.0 {
                parts.iter().zip(w).map(|(p, w)| p * w).sum::<f64>() / weight_sum
            } else {
                0.0
            };
            ScoredPriority {
                source: r.source.clone(),
                category: r.category.clone(),
                themes: themes.join("; "),
                current: r.current,
                parts,
                score,
            }
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.category.cmp(&b.category)));
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(category: &str, current: u64, previous: u64, harm: f64) -> OverviewRow {
        OverviewRow {
            source: "police".into(),
            category: category.into(),
            current,
            previous,
            harm,
            rate: None,
            change: crimescope_stats::PeriodChange::new(current, previous),
            why: None,
        }
    }

    fn no_themes(_: &str) -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn scores_are_the_weighted_mean_of_the_scaled_parts() {
        // Burglary: the most harm and volume, and a significant rise of √2(√144 − √64) =
        // 5.7 → trend 1. Shoplifting: half the harm, a quarter of the volume, no change →
        // trend 0.5.
        let rows = [
            row("Burglary", 144, 64, 500.0),
            row("Shoplifting", 36, 36, 250.0),
            row("Drugs", 0, 0, 0.0),
        ];
        let w = PriorityWeights::default();
        let s = score(&rows, &[], w, &no_themes);
        assert_eq!(
            s.len(),
            2,
            "a category with no incidents in either period is not scored"
        );
        assert_eq!(s[0].category, "Burglary");
        assert_eq!(s[0].parts, [1.0, 1.0, 1.0, 0.0]);
        // Concern's weight is left out without consultation: (0.4 + 0.2 + 0.2) / 0.8.
        assert!((s[0].score - 1.0).abs() < 1e-12, "{}", s[0].score);
        let shop = &s[1];
        assert_eq!(shop.parts[0], 0.5);
        assert_eq!(shop.parts[1], 0.25);
        assert_eq!(shop.parts[2], 0.5);
        let want = (0.4 * 0.5 + 0.2 * 0.25 + 0.2 * 0.5) / 0.8;
        assert!((shop.score - want).abs() < 1e-12, "{} against {want}", shop.score);
    }

    #[test]
    fn concern_matches_the_category_or_its_themes_by_slug() {
        let rows = [row("Burglary", 10, 10, 10.0), row("Shoplifting", 10, 10, 10.0)];
        let consultation = [
            ConsultationRow {
                priority: "Public place safety".into(),
                share: 60.0,
                respondents: None,
            },
            ConsultationRow {
                priority: "burglary".into(),
                share: 30.0,
                respondents: Some(100),
            },
        ];
        let themes = |c: &str| -> Vec<String> {
            if c == "Shoplifting" {
                vec!["Public place safety".to_string()]
            } else {
                Vec::new()
            }
        };
        let s = score(&rows, &consultation, PriorityWeights::default(), &themes);
        let by = |c: &str| s.iter().find(|r| r.category == c).unwrap();
        assert_eq!(by("Burglary").parts[3], 0.3);
        assert_eq!(by("Shoplifting").parts[3], 0.6);
        assert_eq!(by("Shoplifting").themes, "Public place safety");
        // Everything else equal, concern decides the order; concern now carries weight.
        assert_eq!(s[0].category, "Shoplifting");
        let want = 0.4 + 0.2 + 0.2 * 0.5 + 0.2 * 0.6;
        assert!((s[0].score - want).abs() < 1e-12, "{}", s[0].score);
    }

    #[test]
    fn a_change_that_is_not_significant_does_not_move_the_trend() {
        // Wheeler's 25 against 16: z = 1.41 but p = 0.165, so trend stays at 0.5.
        let s = score(&[row("A", 25, 16, 1.0)], &[], PriorityWeights::default(), &no_themes);
        assert_eq!(s[0].parts[2], 0.5);
        let s = score(&[row("A", 60, 16, 1.0)], &[], PriorityWeights::default(), &no_themes);
        assert!(s[0].parts[2] > 0.9, "{}", s[0].parts[2]);
    }

    #[test]
    fn stability_counts_the_variants_that_keep_the_top_five() {
        // Six categories: A-D far ahead on harm and volume, E and F close at the margin.
        let rows = [
            row("A", 400, 400, 900.0),
            row("B", 350, 350, 800.0),
            row("C", 300, 300, 700.0),
            row("D", 250, 250, 600.0),
            row("E", 100, 100, 200.0),
            row("F", 98, 98, 196.0),
        ];
        let st = stability(&rows, &[], PriorityWeights::default(), &no_themes);
        // 4 matrix weights and 6 harm weights, each at 0.5 and 1.5.
        assert_eq!(st.variants, 20);
        let kept = |c: &str| st.top.iter().find(|(k, _)| k == c).map(|(_, n)| *n);
        assert_eq!(kept("A"), Some(20), "A leads whatever the weights");
        // E and F swap when E's harm is halved or F's raised by half: E drops out of
        // two variants, and those are the only variants with another top five.
        assert_eq!(kept("E"), Some(18));
        assert_eq!(kept("F"), None, "F is not in the base top five");
        assert_eq!(st.same_top, 18);
    }

    #[test]
    fn trend_is_clipped_and_ties_go_by_name() {
        let rows = [row("B", 0, 400, 1.0), row("A", 0, 400, 1.0)];
        let s = score(&rows, &[], PriorityWeights::default(), &no_themes);
        // z = −40: the trend part clips to 0.
        assert_eq!(s[0].parts[2], 0.0);
        assert_eq!((s[0].category.as_str(), s[1].category.as_str()), ("A", "B"));
    }
}
