//! Writing the document: `assessment.html` (one self-contained, printable file with
//! inline SVG), `assessment.md`, `assessment.json` and `tables/*.csv`, through
//! [minijinja](https://docs.rs/minijinja) templates that an analyst may replace.
//!
//! The built-in templates are `templates/assessment.html` and `templates/assessment.md`
//! in this crate. A folder given as `templates` in `assessment.toml` (or `--templates`)
//! that holds a file of the same name replaces the built-in one; the context it
//! receives is documented in `docs/assessment.md`.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Value as JValue, context};
use serde_json::{Map, Value, json};
use thiserror::Error;

use crate::document::{Assessment, Section};
use crate::table::{Table, cell_text};

/// The built-in HTML template.
pub const HTML_TEMPLATE: &str = include_str!("../templates/assessment.html");
/// The built-in Markdown template.
pub const MARKDOWN_TEMPLATE: &str = include_str!("../templates/assessment.md");

/// An error while writing the document.
#[derive(Debug, Error)]
pub enum RenderError {
    /// A template failed to parse or render.
    #[error(
        "template {name}: {message}. Fix the template or remove it from the templates folder to use the built-in one"
    )]
    Template {
        /// The template's name.
        name: String,
        /// The engine's message (with the line).
        message: String,
    },
    /// Writing an output failed.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The path.
        path: PathBuf,
        /// The cause.
        message: String,
    },
}

/// The files written.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Every path written, in order.
    pub files: Vec<PathBuf>,
}

/// A display string for a table cell: integers as they are, other numbers to two
/// decimal places (a positive number below 0.005 as `<0.01`, never as a zero),
/// booleans as yes/no, null as a dash.
pub fn display_cell(value: &Value) -> String {
    match value {
        Value::Null => "–".to_string(),
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
        Value::Number(n) => match n.as_f64() {
            // A small positive figure (a p-value, a rate) is not shown as a zero.
            Some(f) if f > 0.0 && f < 0.005 => "<0.01".to_string(),
            Some(f) => format!("{f:.2}"),
            None => n.to_string(),
        },
        other => cell_text(other),
    }
}

fn environment(templates: Option<&Path>) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("cell", |v: JValue| -> String {
        let json: Value = serde_json::to_value(&v).unwrap_or(Value::Null);
        display_cell(&json)
    });
    env.add_filter("mdcell", |s: String| -> String {
        s.replace('|', "\\|").replace('\n', " ")
    });
    for (name, builtin) in [("assessment.html", HTML_TEMPLATE), ("assessment.md", MARKDOWN_TEMPLATE)] {
        let text = match templates.map(|d| d.join(name)).filter(|p| p.is_file()) {
            Some(path) => std::fs::read_to_string(&path).map_err(|e| RenderError::Template {
                name: path.display().to_string(),
                message: e.to_string(),
            })?,
            None => builtin.to_string(),
        };
        env.add_template_owned(name, text)
            .map_err(|e| template_error(name, &e))?;
    }
    Ok(env)
}

fn template_error(name: &str, e: &minijinja::Error) -> RenderError {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    RenderError::Template {
        name: name.to_string(),
        message,
    }
}

/// Render one template over the document. Columns that are empty in every row (rates
/// without a population, say) are left out of what a reader sees; the JSON and CSV keep
/// them.
pub fn render(assessment: &Assessment, template: &str, templates: Option<&Path>) -> Result<String, RenderError> {
    let env = environment(templates)?;
    let tmpl = env.get_template(template).map_err(|e| template_error(template, &e))?;
    let sections: Vec<Section> = assessment.sections.iter().map(without_empty_columns).collect();
    tmpl.render(context! {
        meta => &assessment.meta,
        sections => &sections,
        data => &assessment.data,
    })
    .map_err(|e| template_error(template, &e))
}

/// A section (and its subsections) with every table's all-null columns left out.
fn without_empty_columns(section: &Section) -> Section {
    let mut s = section.clone();
    for t in &mut s.tables {
        if t.rows.is_empty() {
            continue;
        }
        let keep: Vec<bool> = (0..t.columns.len())
            .map(|c| t.rows.iter().any(|row| row.get(c).is_some_and(|v| !v.is_null())))
            .collect();
        if keep.iter().all(|&k| k) {
            continue;
        }
        let mut index = 0;
        t.columns.retain(|_| {
            index += 1;
            keep[index - 1]
        });
        for row in &mut t.rows {
            let mut index = 0;
            row.retain(|_| {
                index += 1;
                keep.get(index - 1).copied().unwrap_or(true)
            });
        }
    }
    s.subsections = section.subsections.iter().map(without_empty_columns).collect();
    s
}

/// The JSON document: `meta`, `sections` (id, title, produced, reason, seconds,
/// subsections), `overview` (one object per category), `tables` (every table, rows as
/// objects) and every key of [`Assessment::data`].
pub fn to_json(assessment: &Assessment) -> Value {
    fn outline(s: &Section) -> Value {
        json!({
            "id": s.id,
            "title": s.title,
            "produced": s.produced,
            "reason": s.reason,
            "seconds": s.seconds,
            "paragraphs": s.paragraphs,
            "tables": s.tables.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
            "figures": s.figures.iter().map(|f| json!({"id": f.id, "title": f.title, "caption": f.caption})).collect::<Vec<_>>(),
            "subsections": s.subsections.iter().map(outline).collect::<Vec<_>>(),
        })
    }
    let mut doc = Map::new();
    doc.insert(
        "meta".into(),
        serde_json::to_value(&assessment.meta).unwrap_or(Value::Null),
    );
    doc.insert(
        "sections".into(),
        Value::Array(assessment.sections.iter().map(outline).collect()),
    );
    doc.insert(
        "overview".into(),
        Value::Array(assessment.table("overview").map(Table::records).unwrap_or_default()),
    );
    let mut tables = Map::new();
    for t in assessment.tables() {
        tables.insert(
            t.id.clone(),
            json!({
                "title": t.title,
                "columns": t.columns,
                "rows": t.records(),
                "note": t.note,
            }),
        );
    }
    doc.insert("tables".into(), Value::Object(tables));
    for (k, v) in &assessment.data {
        doc.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Value::Object(doc)
}

/// Write `assessment.html`, `assessment.md`, `assessment.json`, `assessment.xlsx` (see
/// [`crate::xlsx`]) and `tables/<id>.csv`
/// into `out` (created if missing).
pub fn write_document(assessment: &Assessment, out: &Path, templates: Option<&Path>) -> Result<Written, RenderError> {
    let mut written = Written::default();
    let tables_dir = out.join("tables");
    std::fs::create_dir_all(&tables_dir).map_err(|e| write_error(&tables_dir, e))?;
    let html = render(assessment, "assessment.html", templates)?;
    let md = render(assessment, "assessment.md", templates)?;
    let json = serde_json::to_string_pretty(&to_json(assessment)).map_err(|e| RenderError::Write {
        path: out.join("assessment.json"),
        message: e.to_string(),
    })?;
    for (name, text) in [
        ("assessment.html", html),
        ("assessment.md", md),
        ("assessment.json", json),
    ] {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| write_error(&path, e))?;
        written.files.push(path);
    }
    for t in assessment.tables() {
        let path = tables_dir.join(format!("{}.csv", t.id));
        let file = std::fs::File::create(&path).map_err(|e| write_error(&path, e))?;
        t.write_csv(std::io::BufWriter::new(file))
            .map_err(|e| RenderError::Write {
                path: path.clone(),
                message: e.to_string(),
            })?;
        written.files.push(path);
    }
    let path = out.join("assessment.xlsx");
    crate::xlsx::write_workbook(assessment, &path).map_err(|e| RenderError::Write {
        path: path.clone(),
        message: e.to_string(),
    })?;
    written.files.push(path);
    Ok(written)
}

fn write_error(path: &Path, e: std::io::Error) -> RenderError {
    RenderError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::display_cell;
    use serde_json::json;

    #[test]
    fn empty_columns_are_left_out_of_what_a_reader_sees() {
        use crate::table::{Column, ColumnKind, Table};
        let mut section = crate::document::Section::new("s", "S");
        let mut t = Table::new(
            "t",
            "T",
            vec![
                Column::new("category", "Category", ColumnKind::Text),
                Column::new("rate", "Rate", ColumnKind::Derived),
                Column::new("n", "N", ColumnKind::Count),
            ],
        );
        t.push(vec![json!("A"), serde_json::Value::Null, json!(3)]);
        t.push(vec![json!("B"), serde_json::Value::Null, json!(4)]);
        section.tables.push(t);
        let mut parent = crate::document::Section::new("p", "P");
        parent.subsections.push(section);
        let shown = super::without_empty_columns(&parent);
        let t = &shown.subsections[0].tables[0];
        assert_eq!(
            t.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["category", "n"]
        );
        assert_eq!(t.rows[1], vec![json!("B"), json!(4)]);
        // The original keeps every column for JSON and CSV.
        assert_eq!(parent.subsections[0].tables[0].columns.len(), 3);
    }

    #[test]
    fn cells_show_small_figures_as_small_not_zero() {
        assert_eq!(display_cell(&json!(12)), "12");
        assert_eq!(display_cell(&json!(0.4321)), "0.43");
        assert_eq!(display_cell(&json!(0.0004)), "<0.01");
        assert_eq!(display_cell(&json!(0.0)), "0.00");
        assert_eq!(display_cell(&json!(true)), "yes");
        assert_eq!(display_cell(&serde_json::Value::Null), "–");
    }
}
