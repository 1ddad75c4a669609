//! The document model: an [`Assessment`] is a list of numbered [`Section`]s, each with
//! paragraphs, [`Table`]s and [`Figure`]s, plus the front matter in [`Meta`].
//!
//! The engine fills it; [`crate::render`] turns it into HTML, Markdown and JSON through
//! templates an analyst can override.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::table::Table;

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
