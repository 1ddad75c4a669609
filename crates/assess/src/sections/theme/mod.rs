//! Section 6: one chapter per theme of the plan, laid out by the problem-analysis
//! triangle (victims, offenders, locations), with near repeats and the time profile.

mod locations;
mod near_repeat;
mod people;
mod time_profile;
mod why;

use crimescope_engine::repeats::RepeatKind;
use crimescope_model::{same_slug, slugify};
use crimescope_report::document::Section;

use super::{Produced, RunContext, SectionOutput, or_not_produced};
use crate::error::Result;
use crate::findings::{ThemeHeadline, TriangleFocus};
use crate::format::{change_words, significance_words, test_words, thousands};
use crate::section_id::SectionId;

/// One theme's chapter.
pub(crate) async fn chapter(ctx: &RunContext, section: SectionId, theme: &str) -> Result<SectionOutput> {
    let c = &ctx.config;
    let id = section.key();
    let mut s = Section::new(&id, &format!("Theme: {theme}"));
    let categories: Vec<&str> = c
        .themes
        .pairs()
        .iter()
        .filter(|(_, t)| t == theme)
        .map(|(cat, _)| cat.as_str())
        .collect();
    s.para(format!("Categories in this theme: {}.", categories.join("; ")));
    let shared: Vec<String> = categories
        .iter()
        .filter_map(|cat| {
            let others: Vec<&str> = c
                .themes
                .pairs()
                .iter()
                .filter(|(k, t)| k == cat && t != theme)
                .map(|(_, t)| t.as_str())
                .collect();
            (!others.is_empty()).then(|| format!("{cat} (also in {})", others.join(", ")))
        })
        .collect();
    if !shared.is_empty() {
        s.para(format!(
            "Shared with other themes: {}. Those incidents count in each theme, so theme totals overlap and do not \
             add up.",
            shared.join("; ")
        ));
    }
    let headline = match ctx.by_theme.iter().find(|r| r.group == theme) {
        Some(r) => format!(
            "{} incidents in {}, {} on {} ({}; {}).",
            thousands(r.current),
            c.period,
            change_words(r.current, r.previous),
            c.compare,
            significance_words(&r.change()),
            test_words(&r.change())
        ),
        None => format!("No incidents of this theme in {} or {}.", c.period, c.compare),
    };
    s.para(headline.clone());

    let mut focus = TriangleFocus::default();
    let victim = people::people_section(ctx, &id, theme, RepeatKind::Victim).await;
    let victim = split_focus(victim, &mut focus.victims, "No victim data");
    s.subsections
        .push(or_not_produced(&format!("{id}-victim"), "Victims", victim)?);
    let offender = people::people_section(ctx, &id, theme, RepeatKind::Offender).await;
    let offender = split_focus(offender, &mut focus.offenders, "No offender data");
    s.subsections
        .push(or_not_produced(&format!("{id}-offender"), "Offenders", offender)?);
    let location = locations::location_section(ctx, &id, theme).await;
    let location = split_focus(location, &mut focus.locations, "No location data");
    s.subsections
        .push(or_not_produced(&format!("{id}-location"), "Locations", location)?);
    // The Knox test per crime type, in the chapters of the themes the type belongs to.
    let tested: Vec<&String> = c
        .near_repeat
        .categories
        .iter()
        .filter(|name| categories.iter().any(|cat| same_slug(cat, name)))
        .collect();
    if tested.is_empty() {
        s.para(format!(
            "Near repeats are tested for {} (key near_repeat.categories), in the chapters of the themes those \
             types belong to.",
            c.near_repeat.categories.join(", ")
        ));
    }
    for category in tested {
        let sid = format!("{id}-near-repeat-{}", slugify(category));
        let title = format!("Near repeats: {category}");
        let near = near_repeat::near_repeat_section(ctx, &sid, &title, category).await;
        s.subsections.push(or_not_produced(&sid, &title, near)?);
    }
    let profile = time_profile::time_profile_section(ctx, &id, theme).await;
    s.subsections
        .push(or_not_produced(&format!("{id}-time"), "Time profile", profile)?);
    let (why, lead) = why::why_section(ctx, &id, theme).await?;
    s.subsections.insert(0, why);
    // The summary hears where a significant change happened.
    let row = ctx.by_theme.iter().find(|r| r.group == theme);
    let headline = match (lead, row) {
        (Some(lead), Some(r)) if r.significant => format!("{headline} By LSOA, {lead}."),
        _ => headline,
    };
    Ok(SectionOutput {
        section: s,
        produced: Produced::Theme(ThemeHeadline {
            theme: theme.to_string(),
            sentence: headline,
            current: row.map_or(0, |r| r.current),
            previous: row.map_or(0, |r| r.previous),
            change: row.map(|r| r.change()),
            focus,
        }),
    })
}

/// A subsection and its plan-on-a-page phrase: the phrase goes to `focus`, or `missing`
/// when the subsection could not be produced (the chapter says why).
fn split_focus(built: Result<(Section, String)>, focus: &mut String, missing: &str) -> Result<Section> {
    match built {
        Ok((section, phrase)) => {
            *focus = phrase;
            Ok(section)
        }
        Err(e) => {
            *focus = missing.to_string();
            Err(e)
        }
    }
}
