//! `crimescope query list` and `query run`: the named SQL queries.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use comfy_table::{Cell, Table, presets::UTF8_FULL_CONDENSED};
use crimescope_engine::Session;
use crimescope_engine::queries::{QueryCatalog, QueryDef, QueryOrigin};
use crimescope_model::Period;

use crate::error::CliError;
use crate::options::Compare;
use crate::output::{Format, json_rows, write_batches, write_json};

/// The options of `crimescope query list`.
#[derive(Debug, clap::Args)]
pub struct QueryListArgs {
    /// Also read the analyst's .sql files in this folder.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// The options of `crimescope query run`.
#[derive(Debug, clap::Args)]
pub struct QueryRunArgs {
    /// The store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// Sets period_start and period_end, e.g. 2025-01..2025-12.
    #[arg(long, value_parser = crate::options::period)]
    pub period: Option<Period>,
    /// Sets compare_start and compare_end: `year-earlier` (the same months a year before,
    /// the default), `previous` (the same length just before) or a period.
    #[arg(long, default_value = "year-earlier", value_parser = crate::options::compare)]
    pub compare: Compare,
    /// Any other parameter, as name=value (repeatable).
    #[arg(long = "param")]
    pub params: Vec<String>,
    /// Also read the analyst's .sql files in this folder (a file may replace a built-in).
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// table, csv or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// The query names.
    #[arg(required = true)]
    pub names: Vec<String>,
}

fn catalog(queries: Option<&Path>) -> Result<QueryCatalog, CliError> {
    Ok(match queries {
        Some(dir) => QueryCatalog::with_dir(dir)?,
        None => QueryCatalog::builtin()?,
    })
}

/// `crimescope query list`.
pub fn list(args: &QueryListArgs) -> Result<(), CliError> {
    let catalog = catalog(args.queries.as_deref())?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        return write_json(&mut out, catalog.queries());
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["query", "parameters", "what it computes"]);
    for q in catalog.queries() {
        let params: Vec<String> = q
            .params
            .iter()
            .map(|p| match &p.default {
                Some(d) => format!("{} {} = '{d}'", p.name, p.kind.as_str()),
                None => format!("{} {}", p.name, p.kind.as_str()),
            })
            .collect();
        let name = match &q.origin {
            QueryOrigin::BuiltIn => q.name.clone(),
            QueryOrigin::File(p) => format!("{}\n({})", q.name, p.display()),
        };
        table.add_row(vec![
            Cell::new(name),
            Cell::new(params.join("\n")),
            Cell::new(&q.description),
        ]);
    }
    writeln!(
        out,
        "{table}\n--period sets period_start/period_end; --compare sets compare_start/compare_end (default: the \
         same months one year earlier); --param name=value sets any other."
    )
    .map_err(CliError::io)
}

/// `crimescope query run`: the named queries, concurrently on one session.
pub async fn run(args: &QueryRunArgs) -> Result<(), CliError> {
    let catalog = catalog(args.queries.as_deref())?;
    let defs: Vec<&QueryDef> = args.names.iter().map(|n| catalog.get(n)).collect::<Result<_, _>>()?;
    let mut given: HashMap<String, String> = HashMap::new();
    for p in &args.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| CliError::user(format!("--param '{p}': write it as name=value")))?;
        given.insert(k.trim().to_string(), v.to_string());
    }
    if let Some(period) = args.period {
        let compare = args.compare.period_for(period);
        for (k, v) in [
            ("period_start", period.first()),
            ("period_end", period.last()),
            ("compare_start", compare.first()),
            ("compare_end", compare.last()),
        ] {
            given.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
    }
    let explicit: Vec<String> = args
        .params
        .iter()
        .filter_map(|p| p.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect();
    for k in &explicit {
        if !defs.iter().any(|q| q.params.iter().any(|p| &p.name == k)) {
            return Err(CliError::user(format!(
                "--param {k}: none of the queries ({}) takes a parameter of that name; `crimescope query list` \
                 shows their parameters",
                args.names.join(", ")
            )));
        }
    }
    let session = Session::open(&args.store).await?;
    // Each query gets only the parameters it declares.
    let per_query: Vec<HashMap<String, String>> = defs
        .iter()
        .map(|q| {
            given
                .iter()
                .filter(|(k, _)| q.params.iter().any(|p| &p.name == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .collect();
    let results =
        futures::future::try_join_all(defs.iter().zip(&per_query).map(|(q, params)| session.run(q, params))).await?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json && defs.len() > 1 {
        let mut map = serde_json::Map::new();
        for (q, batches) in defs.iter().zip(&results) {
            map.insert(q.name.clone(), json_rows(batches)?);
        }
        return writeln!(out, "{}", serde_json::Value::Object(map)).map_err(CliError::io);
    }
    for (q, batches) in defs.iter().zip(&results) {
        if defs.len() > 1 {
            match args.format {
                Format::Csv => writeln!(out, "# {}", q.name),
                _ => writeln!(out, "{}:", q.name),
            }
            .map_err(CliError::io)?;
        }
        if batches.is_empty() && args.format != Format::Json {
            writeln!(out, "(no rows)").map_err(CliError::io)?;
            continue;
        }
        write_batches(&mut out, batches, args.format)?;
    }
    Ok(())
}
