//! A theme's locations: the Gi* map, the areas and the places with most incidents.

use crimescope_engine::hotspots::area_counts;
use crimescope_engine::repeats::{RepeatRequest, location_repeats};
use crimescope_report::document::Section;
use crimescope_report::prose::{count_of, list_and};
use crimescope_report::table::{Column, ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use crate::error::Result;
use crate::format::{pct, thousands};
use crate::sections::hotspot_map::{MapKind, hotspot_map};

/// The subsection, and one phrase for the plan on a page: the busiest places and the
/// number of hot-spot cells.
pub(super) async fn location_section(ctx: &RunContext, id: &str, theme: &str) -> Result<(Section, String)> {
    let c = &ctx.config;
    let sid = format!("{id}-location");
    let mut s = Section::new(&sid, "Locations");
    let request = ctx.hotspot_request(Some(theme));
    let map = hotspot_map(ctx, &request, MapKind::Theme(&sid), theme).await?;
    s.paragraphs.extend(map.paragraphs);
    s.figures.push(map.figure);
    s.tables.push(map.table.in_appendix());
    let map_summary = map.summary;
    let level = c.area_level();
    let top = area_counts(&ctx.session, &request, level).await?;
    let mut areas = Table::new(
        &format!("{sid}-top-areas"),
        &format!(
            "The {} {} areas with most incidents",
            c.hotspots.top_areas,
            level.name().to_uppercase()
        ),
        vec![
            Column::new("rank", "Rank", ColumnKind::Measure),
            Column::new("area_code", "Code", ColumnKind::Text),
            Column::new("area_name", "Name", ColumnKind::Text),
            Column::new("incidents", "Incidents", ColumnKind::Count),
        ],
    );
    for a in top.iter().take(c.hotspots.top_areas) {
        areas.push(vec![
            json!(a.rank),
            json!(a.area_code),
            json!(a.area_name),
            json!(a.incidents),
        ]);
    }
    s.tables.push(areas.in_appendix());
    let mut repeat = RepeatRequest::new(c.period);
    repeat.theme = Some(theme.to_string());
    let places = location_repeats(&ctx.session, &repeat).await?;
    s.para(format!(
        "{} places had located incidents; {} ({:.1}%) had two or more, and they hold {} of the {} located incidents \
         ({:.1}%).",
        thousands(places.locations),
        thousands(places.repeat_locations),
        pct(places.repeat_locations, places.locations),
        thousands(places.incidents_at_repeat_locations),
        thousands(places.incidents_located),
        pct(places.incidents_at_repeat_locations, places.incidents_located)
    ));
    s.paragraphs.extend(places.notes.iter().cloned());
    let mut t = Table::with_columns(
        &format!("{sid}-repeat-places"),
        "Places with most incidents",
        &[
            ("place", "Place", ColumnKind::Text),
            ("description", "Description", ColumnKind::Text),
            ("incidents", "Incidents", ColumnKind::Count),
            ("police", "Police", ColumnKind::Count),
            ("asb", "ASB", ColumnKind::Count),
            ("fire", "Fire", ColumnKind::Count),
        ],
    );
    t.total_column = Some(2);
    for (place, description, n, police, asb, fire) in places.top.iter().take(10) {
        t.push(vec![
            json!(place),
            json!(description),
            json!(n),
            json!(police),
            json!(asb),
            json!(fire),
        ]);
    }
    s.tables.push(t.in_appendix());
    let busiest: Vec<String> = places
        .top
        .iter()
        .take(2)
        .map(|(place, description, n, ..)| {
            let name = if description.is_empty() { place } else { description };
            format!("{name} ({})", thousands(*n))
        })
        .collect();
    let hot = count_of(map_summary.hot as u64, "hot-spot cell", "hot-spot cells");
    let focus = if busiest.is_empty() {
        format!("No located incidents; {hot}")
    } else {
        format!("Busiest: {}; {hot}", list_and(&busiest))
    };
    Ok((s, focus))
}
