//! The document model: an [`Assessment`] is a list of numbered [`Section`]s, each with
//! paragraphs, [`Table`]s and [`Figure`]s, plus the front matter in [`Meta`].
//!
//! The engine fills it; [`crate::render`] turns it into HTML, Markdown and JSON through
//! templates an analyst can override.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::table::{Placement, Table};

/// The front matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The document title.
    pub title: String,
    /// The partnership area.
    pub area: String,
    /// The current period, `YYYY-MM..YYYY-MM`.
    pub period: String,
    /// The comparison period.
    pub compare: String,
    /// The protective marking: `OFFICIAL-SENSITIVE`, or `OFFICIAL – FOR PUBLICATION`
    /// for `--public` output.
    pub marking: String,
    /// Whether disclosure control was applied.
    pub public: bool,
    /// The disclosure threshold: counts from 1 to threshold − 1 are suppressed in
    /// public output.
    pub threshold: u64,
    /// The seed of every random step (Gi* permutations, Knox permutations).
    pub seed: u64,
    /// The crimescope version that wrote the document.
    pub generator: String,
    /// The store the figures came from.
    pub store: String,
}

/// A chart or map, as inline SVG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// A file-name-safe identifier.
    pub id: String,
    /// The caption title.
    pub title: String,
    /// The SVG element (no external references).
    pub svg: String,
    /// What the reader should know about it.
    pub caption: String,
}

/// One section (or subsection) of the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Section {
    /// A stable identifier (`summary`, `context`, `overview`, `theme-1-victim`, …).
    pub id: String,
    /// The heading.
    pub title: String,
    /// False when the section could not be produced; [`Section::reason`] says why.
    pub produced: bool,
    /// Why the section could not be produced (missing source, no data in the period).
    pub reason: Option<String>,
    /// The wall time of the analyses behind the section, in seconds.
    pub seconds: f64,
    /// Paragraphs of plain text.
    pub paragraphs: Vec<String>,
    /// Tables.
    pub tables: Vec<Table>,
    /// Charts and maps.
    pub figures: Vec<Figure>,
    /// Subsections.
    pub subsections: Vec<Section>,
}

impl Section {
    /// An empty, produced section.
    pub fn new(id: &str, title: &str) -> Section {
        Section {
            id: id.to_string(),
            title: title.to_string(),
            produced: true,
            ..Section::default()
        }
    }

    /// A section that could not be produced, and why.
    pub fn not_produced(id: &str, title: &str, reason: impl Into<String>) -> Section {
        Section {
            id: id.to_string(),
            title: title.to_string(),
            produced: false,
            reason: Some(reason.into()),
            ..Section::default()
        }
    }

    /// Add a paragraph.
    pub fn para(&mut self, text: impl Into<String>) -> &mut Section {
        self.paragraphs.push(text.into());
        self
    }

    /// Whether the section has any content of its own or in its subsections.
    pub fn has_content(&self) -> bool {
        !self.paragraphs.is_empty()
            || !self.tables.is_empty()
            || !self.figures.is_empty()
            || self.subsections.iter().any(Section::has_content)
    }

    /// Every table of the section and its subsections, depth first.
    pub fn all_tables(&self) -> Vec<&Table> {
        let mut out: Vec<&Table> = self.tables.iter().collect();
        for s in &self.subsections {
            out.extend(s.all_tables());
        }
        out
    }

    /// Every table, mutably.
    pub fn all_tables_mut(&mut self) -> Vec<&mut Table> {
        let mut out: Vec<&mut Table> = self.tables.iter_mut().collect();
        for s in &mut self.subsections {
            out.extend(s.all_tables_mut());
        }
        out
    }

    /// Every section in the tree, depth first, this one first.
    pub fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Section)) {
        f(self);
        for s in &mut self.subsections {
            s.walk_mut(f);
        }
    }
}

/// Moves every [`Placement::Appendix`] table out of the sections into the section with
/// id `appendix_id`: one subsection per top-level section that had any ("Tables: Trends"),
/// holding that section's own tables and, as its subsections, those of its subsections,
/// in document order. Each top-level section that lost tables gains a last paragraph
/// naming its appendix by number (sections are numbered from 1 in order, as the built-in
/// templates number them). Does nothing when no section has the id `appendix_id`.
pub fn gather_appendix_tables(sections: &mut [Section], appendix_id: &str) {
    let Some(at) = sections.iter().position(|s| s.id == appendix_id) else {
        return;
    };
    let mut next = sections[at].subsections.len();
    let mut gathered = Vec::new();
    for (i, s) in sections.iter_mut().enumerate() {
        if i == at {
            continue;
        }
        if let Some(mut tables) = take_appendix_tables(s) {
            next += 1;
            tables.title = format!("Tables: {}", s.title);
            s.para(format!(
                "The tables behind this section are in appendix {}.{next}.",
                at + 1
            ));
            gathered.push(tables);
        }
    }
    sections[at].subsections.extend(gathered);
}

/// The appendix tables of `s` and its subsections, taken out of them, as a section of
/// the same shape; `None` when there are none.
fn take_appendix_tables(s: &mut Section) -> Option<Section> {
    let (moved, kept): (Vec<Table>, Vec<Table>) = std::mem::take(&mut s.tables)
        .into_iter()
        .partition(|t| t.placement == Placement::Appendix);
    s.tables = kept;
    let subsections: Vec<Section> = s.subsections.iter_mut().filter_map(take_appendix_tables).collect();
    if moved.is_empty() && subsections.is_empty() {
        return None;
    }
    let mut out = Section::new(&format!("appendix-tables-{}", s.id), &s.title);
    out.tables = moved;
    out.subsections = subsections;
    Some(out)
}

/// The whole Strategic Assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The front matter.
    pub meta: Meta,
    /// The sections, in the statutory order.
    pub sections: Vec<Section>,
    /// Machine-readable figures that are not tables (series, test statistics),
    /// written under their keys in `assessment.json`.
    pub data: Map<String, Value>,
}

impl Assessment {
    /// Every table in the document, in order.
    pub fn tables(&self) -> Vec<&Table> {
        self.sections.iter().flat_map(Section::all_tables).collect()
    }

    /// A table by id.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables().into_iter().find(|t| t.id == id)
    }

    /// A top-level section by id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::ColumnKind;

    fn table(id: &str) -> Table {
        Table::with_columns(id, id, &[("n", "N", ColumnKind::Count)])
    }

    #[test]
    fn appendix_tables_move_once_and_leave_a_pointer() {
        let mut trends = Section::new("trends", "Trends");
        trends.tables = vec![table("kept"), table("monthly").in_appendix()];
        let mut theme = Section::new("theme-1", "Theme: Violence");
        let mut victims = Section::new("theme-1-victim", "Victims");
        victims.tables = vec![table("victim-top").in_appendix()];
        theme.subsections = vec![Section::new("theme-1-why", "Why it changed"), victims];
        let mut appendix = Section::new("appendices", "Appendices");
        appendix.subsections.push(Section::new("appendix-methods", "Methods"));
        let mut sections = vec![Section::new("summary", "Summary"), trends, theme, appendix];
        let before: usize = sections.iter().map(|s| s.all_tables().len()).sum();
        gather_appendix_tables(&mut sections, "appendices");
        let after: usize = sections.iter().map(|s| s.all_tables().len()).sum();
        assert_eq!(before, after, "every table is printed once");
        let ids = |s: &Section| s.all_tables().iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&sections[1]), ["kept"]);
        assert!(ids(&sections[2]).is_empty());
        let appendix = &sections[3];
        assert_eq!(appendix.subsections.len(), 3);
        assert_eq!(appendix.subsections[1].title, "Tables: Trends");
        assert_eq!(ids(&appendix.subsections[1]), ["monthly"]);
        assert_eq!(appendix.subsections[2].subsections[0].title, "Victims");
        assert_eq!(ids(&appendix.subsections[2]), ["victim-top"]);
        assert_eq!(
            sections[1].paragraphs.last().unwrap(),
            "The tables behind this section are in appendix 4.2."
        );
        assert_eq!(
            sections[2].paragraphs.last().unwrap(),
            "The tables behind this section are in appendix 4.3."
        );
        assert!(
            sections[0].paragraphs.is_empty(),
            "a section without appendix tables is untouched"
        );
    }
}
