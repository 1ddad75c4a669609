//! `assessment.xlsx`: the document's tables as an Excel workbook, for analysts who work
//! in a spreadsheet ([rust_xlsxwriter](https://docs.rs/rust_xlsxwriter)).
//!
//! Layout, which the read-back test relies on:
//!
//! * a **Contents** sheet first: the title, the protective marking, the area, the
//!   periods, the generator, and one row per table with a hyperlink to its sheet, its
//!   title and the section that shows it;
//! * **one sheet per table**, named by [`sheet_names`] after the table's id (Excel allows
//!   31 characters; a clash gets a `~2` suffix): the title in row 1, the column labels in
//!   row 2 (frozen, with an autofilter), one row per table row from row 3, and the note
//!   two rows below the last;
//! * numbers as numbers: counts as whole numbers (`#,##0`), other figures to two decimal
//!   places (`0.00`), p-values as Excel shows them (`General`, so 1E-07 is not shown as
//!   0.00), and columns whose label ends in `(%)` as percentages (the value ÷ 100, shown
//!   `0.0%`); text as text, so the published version's suppressed cells are the text
//!   `<5` and `*`; empty cells for nulls and empty texts;
//! * RAG cells filled red, amber or green; column widths fitted to the contents;
//! * a native line chart beside every monthly series (a table with `month` and
//!   `incidents` columns).

use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{Chart, ChartType, Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use crate::document::{Assessment, Section};
use crate::table::{Column, ColumnKind, Table};

/// Excel's limit on a sheet name.
const MAX_SHEET_NAME: usize = 31;
/// The row (0-based) of the column labels on a table sheet.
pub const HEADER_ROW: u32 = 1;

/// The sheet name of each table, in order: its id cut to 31 characters, made unique
/// (case-insensitively, as Excel compares them) with a `~2`, `~3`… suffix. Ids hold only
/// `a-z`, `0-9` and `-`, which Excel allows.
pub fn sheet_names(tables: &[&Table]) -> Vec<String> {
    let mut used: Vec<String> = vec!["contents".to_string()];
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let clean: String =
            t.id.chars()
                .map(|c| if "[]:*?/\\'".contains(c) { '-' } else { c })
                .collect();
        let mut name: String = clean.chars().take(MAX_SHEET_NAME).collect();
        let mut n = 2;
        while used.contains(&name.to_lowercase()) {
            let suffix = format!("~{n}");
            name = clean
                .chars()
                .take(MAX_SHEET_NAME - suffix.len())
                .chain(suffix.chars())
                .collect();
            n += 1;
        }
        used.push(name.to_lowercase());
        out.push(name);
    }
    out
}

/// Whether a column holds percentages (its label ends in `(%)`), stored as fractions.
pub fn is_percent(column: &Column) -> bool {
    column.label.trim_end().ends_with("(%)")
}

/// Whether a column holds p-values (shown in Excel's General format).
fn is_p_value(column: &Column) -> bool {
    column.name == "p" || column.name.starts_with("p_")
}

/// The formats of the workbook.
struct Formats {
    title: Format,
    header: Format,
    count: Format,
    decimal: Format,
    percent: Format,
    general: Format,
    note: Format,
    rag: [(String, Format); 3],
}

impl Formats {
    fn new() -> Formats {
        let rag = |name: &str, rgb: u32| (name.to_string(), Format::new().set_background_color(Color::RGB(rgb)));
        Formats {
            title: Format::new().set_bold().set_font_size(13),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xEEEEEE))
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap(),
            count: Format::new().set_num_format("#,##0"),
            decimal: Format::new().set_num_format("0.00"),
            percent: Format::new().set_num_format("0.0%"),
            general: Format::new(),
            note: Format::new().set_italic().set_font_color(Color::RGB(0x444444)),
            rag: [rag("red", 0xF4C7C3), rag("amber", 0xFCE8B2), rag("green", 0xB7E1CD)],
        }
    }
}

/// Write the workbook of `assessment` to `path`.
pub fn write_workbook(assessment: &Assessment, path: &Path) -> Result<(), XlsxError> {
    let tables = assessment.tables();
    let names = sheet_names(&tables);
    let sections = section_of_each_table(&assessment.sections);
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let contents = workbook.add_worksheet().set_name("Contents")?;
    write_contents(contents, assessment, &tables, &names, &sections, &formats)?;
    for (table, name) in tables.iter().zip(&names) {
        let sheet = workbook.add_worksheet().set_name(name)?;
        write_table(sheet, table, name, &formats)?;
    }
    workbook.save(path)
}

/// The title of the section (or subsection) that shows each table, by table id.
fn section_of_each_table(sections: &[Section]) -> HashMap<String, String> {
    fn walk(s: &Section, out: &mut HashMap<String, String>) {
        for t in &s.tables {
            out.insert(t.id.clone(), s.title.clone());
        }
        for sub in &s.subsections {
            walk(sub, out);
        }
    }
    let mut out = HashMap::new();
    for s in sections {
        walk(s, &mut out);
    }
    out
}

fn write_contents(
    sheet: &mut Worksheet,
    assessment: &Assessment,
    tables: &[&Table],
    names: &[String],
    sections: &HashMap<String, String>,
    f: &Formats,
) -> Result<(), XlsxError> {
    let meta = &assessment.meta;
    sheet.write_string_with_format(0, 0, &meta.title, &f.title)?;
    let facts = [
        ("Marking", meta.marking.as_str()),
        ("Area", meta.area.as_str()),
        ("Current period", meta.period.as_str()),
        ("Compared with", meta.compare.as_str()),
        ("Written by", meta.generator.as_str()),
    ];
    for (i, (label, value)) in facts.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string_with_format(row, 0, *label, &f.header)?;
        sheet.write_string(row, 1, *value)?;
    }
    let top = 2 + facts.len() as u32;
    for (col, label) in ["Sheet", "Table", "Section"].iter().enumerate() {
        sheet.write_string_with_format(top, col as u16, *label, &f.header)?;
    }
    for (i, (table, name)) in tables.iter().zip(names).enumerate() {
        let row = top + 1 + i as u32;
        sheet.write_url_with_text(row, 0, format!("internal:'{name}'!A1").as_str(), name)?;
        sheet.write_string(row, 1, &table.title)?;
        sheet.write_string(row, 2, sections.get(&table.id).map_or("", String::as_str))?;
    }
    sheet.set_freeze_panes(top + 1, 0)?;
    // Fit the columns to the sheet names, titles and sections, not to the document's
    // title in A1 (which may run on across the empty cells beside it).
    let widest = |texts: &mut dyn Iterator<Item = usize>| texts.max().unwrap_or(10) as f64 + 2.0;
    let labels = ["Current period", "Compared with", "Sheet"].iter().map(|l| l.len());
    sheet.set_column_width(0, widest(&mut names.iter().map(|n| n.chars().count()).chain(labels)))?;
    let titles = tables
        .iter()
        .map(|t| t.title.chars().count())
        .chain(facts.iter().map(|f| f.1.len()));
    sheet.set_column_width(1, widest(&mut titles.map(|n| n.min(90))))?;
    sheet.set_column_width(2, widest(&mut sections.values().map(|s| s.chars().count().min(60))))?;
    Ok(())
}

fn write_table(sheet: &mut Worksheet, table: &Table, name: &str, f: &Formats) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, &table.title, &f.title)?;
    for (c, column) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, c as u16, &column.label, &f.header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let at = HEADER_ROW + 1 + r as u32;
        for (c, (value, column)) in row.iter().zip(&table.columns).enumerate() {
            write_cell(sheet, at, c as u16, value, column, f)?;
        }
    }
    let last = HEADER_ROW + table.rows.len() as u32;
    let last_col = table.columns.len().saturating_sub(1) as u16;
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    if !table.rows.is_empty() && !table.columns.is_empty() {
        sheet.autofilter(HEADER_ROW, 0, last, last_col)?;
    }
    if let Some(note) = &table.note {
        sheet.write_string_with_format(last + 2, 0, note, &f.note)?;
    }
    sheet.autofit();
    // A note or a long title must not widen the first column: fit it to the table.
    let first_width = table
        .rows
        .iter()
        .filter_map(|r| r.first())
        .map(|v| crate::table::cell_text(v).chars().count())
        .chain(table.columns.first().map(|c| c.label.chars().count()))
        .max()
        .unwrap_or(10)
        .clamp(8, 60);
    sheet.set_column_width(0, first_width as f64 + 2.0)?;
    if let (Some(month), Some(incidents)) = (table.column("month"), table.column("incidents"))
        && table.rows.len() > 1
    {
        let mut chart = Chart::new(ChartType::Line);
        chart
            .add_series()
            .set_categories((name, HEADER_ROW + 1, month as u16, last, month as u16))
            .set_values((name, HEADER_ROW + 1, incidents as u16, last, incidents as u16))
            .set_name(table.columns[incidents].label.as_str());
        chart.title().set_name(&table.title);
        chart.legend().set_hidden();
        sheet.insert_chart(HEADER_ROW, last_col + 2, &chart)?;
    }
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    column: &Column,
    f: &Formats,
) -> Result<(), XlsxError> {
    match value {
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        Value::Bool(b) => {
            sheet.write_boolean(row, col, *b)?;
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            let whole = n.is_i64() || n.is_u64();
            if is_percent(column) {
                sheet.write_number_with_format(row, col, x / 100.0, &f.percent)?;
            } else if is_p_value(column) {
                sheet.write_number_with_format(row, col, x, &f.general)?;
            } else if whole || column.kind == ColumnKind::Count {
                sheet.write_number_with_format(row, col, x, &f.count)?;
            } else {
                sheet.write_number_with_format(row, col, x, &f.decimal)?;
            }
        }
        Value::String(s) => match f.rag.iter().find(|(name, _)| column.name == "rag" && name == s) {
            Some((_, fill)) => {
                sheet.write_string_with_format(row, col, s, fill)?;
            }
            None => {
                sheet.write_string(row, col, s)?;
            }
        },
        other => {
            sheet.write_string(row, col, other.to_string())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excel_and_never_clash() {
        let long = "theme-2-near-repeat-burglary-knox-extra-long";
        let ids = [long, long, "contents", "summary-rag"];
        let tables: Vec<Table> = ids
            .iter()
            .map(|id| Table::with_columns(id, id, &[("n", "N", ColumnKind::Count)]))
            .collect();
        let refs: Vec<&Table> = tables.iter().collect();
        let names = sheet_names(&refs);
        assert_eq!(names[0], "theme-2-near-repeat-burglary-kn");
        assert_eq!(names[1], "theme-2-near-repeat-burglary-~2");
        assert_eq!(names[2], "contents~2", "the Contents sheet's name is taken");
        assert_eq!(names[3], "summary-rag");
        assert!(names.iter().all(|n| n.chars().count() <= MAX_SHEET_NAME));
    }
}
