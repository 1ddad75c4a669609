//! A DataFusion session over a crimescope store.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crimescope_ingest::local_time::LocalZone;
use crimescope_ingest::store::{Manifest, ReaderLease, read_manifest};
use crimescope_model::schema::schema_for;
use crimescope_model::{AreaLevel, HarmWeights, Month, Themes};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::common::ScalarValue;
use datafusion::datasource::empty::EmptyTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::{EngineError, Result};
use crate::queries::{self, NamedQuery, QueryDef, QueryOrigin};
use crate::read_only::{check_read_only, read_only_options};
use crate::selection::{AreaSelection, CrimeSource, IncidentSelection, Membership, Unplaceable};

/// What a session is built with besides the store: the theme table behind the `themes`
/// table and theme groupings, and the harm table behind the SQL function
/// `harm_weight(category)`. A run that needs other tables (an assessment with its own
/// themes) opens its own session with them; a session never changes after it opens.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOptions {
    /// Category → theme (default: the bundled Coventry 2025–28 table).
    pub themes: Themes,
    /// The harm table of `harm_weight()` (default: the bundled `harm_weights_v1`). The
    /// harm stored in `incidents` at ingest is unchanged by it.
    pub harm: HarmWeights,
    /// The partnership's area: `incidents` holds only its incidents (default: every
    /// incident in the store). See [`crate::selection`].
    pub area: Option<AreaSelection>,
    /// Where police-recorded crime is counted from when the store holds police.uk and a
    /// force extract for the same months (default: the force extract where it covers a
    /// month).
    pub crime_source: CrimeSource,
    /// The clock that hour-of-day profiles and day boundaries are read in (default
    /// Europe/London). `occurred_at` is stored in UTC; queries that declare a `timezone`
    /// parameter get this zone unless the caller gives one.
    pub clock_zone: LocalZone,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            themes: Themes::coventry_2025(),
            harm: HarmWeights::v1(),
            area: None,
            crime_source: CrimeSource::Auto,
            clock_zone: LocalZone::LONDON,
        }
    }
}

/// The query parameter that takes the session's clock zone ([`SessionOptions::clock_zone`]).
pub const CLOCK_ZONE_PARAM: &str = "timezone";

/// A query session over one store: the tables `incidents`, `rejects`, `outcomes`,
/// `stop_search`, `parties`, `offenders`, `reoffences`, `lsoa_lookup` and `population`,
/// registered from the files its manifest lists, and `themes` (category → theme, from
/// [`SessionOptions::themes`]).
///
/// crimescope's SQL functions ([`crate::functions`]) are registered too.
///
/// `incidents` is a view over the stored files (`incidents_stored`), which derives the
/// `incident_id` the store leaves implied and the `record_id` it keeps as bytes
/// ([`crimescope_model::stored`]). When outcomes
/// files are loaded, `incidents` is a view over `incidents_base` (that canonical view)
/// whose `outcome` is each crime's latest outcome
/// (`queries/incidents_with_latest_outcome.sql`).
///
/// Inside a query the stored text columns are `Utf8View` (faster to read and group;
/// see `text_as_views`), in every session; every result the session returns
/// ([`Session::sql`], [`Session::run`], [`Session::sql_schema`], …) gives them back as
/// `Utf8`, the canonical types of [`crimescope_model::schema`]. Plans built on
/// [`Session::context`] see the views.
pub struct Session {
    ctx: SessionContext,
    root: PathBuf,
    manifest: Manifest,
    options: SessionOptions,
    selection: IncidentSelection,
    /// Held while the session lives, so no commit deletes a file its manifest lists.
    _lease: Option<ReaderLease>,
    /// See [`Session::with_query_timeout`].
    query_timeout: Option<std::time::Duration>,
}

impl Session {
    /// Open the store at `root`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), crimescope_engine::EngineError> {
    /// let session = crimescope_engine::Session::open(std::path::Path::new("store")).await?;
    /// let batches = session.sql("SELECT category, COUNT(*) FROM incidents GROUP BY 1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn open(root: &Path) -> Result<Session> {
        Self::open_with(root, &SessionOptions::default()).await
    }

    /// Open the store at `root` with its own theme and harm tables.
    ///
    /// The incidents files' Parquet footers are decoded before it returns, one task per
    /// file, so planning finds them in DataFusion's metadata cache instead of decoding
    /// them one after another (`metadata_warm`).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), crimescope_engine::EngineError> {
    /// use crimescope_engine::{Session, SessionOptions};
    /// let themes = crimescope_model::Themes::parse("mine", "category,theme\nBurglary,Homes\n")?;
    /// let options = SessionOptions { themes, ..SessionOptions::default() };
    /// let session = Session::open_with(std::path::Path::new("store"), &options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn open_with(root: &Path, options: &SessionOptions) -> Result<Session> {
        let ctx = SessionContext::new_with_config(Self::default_config());
        // Local files read on the asking thread: no blocking-pool hand-off per read.
        crate::local_store::InlineLocalFiles::register_in(ctx.runtime_env().as_ref());
        let session = Self::open_with_context(root, ctx, options).await?;
        // The footers planning will read, decoded on every core now (see metadata_warm).
        let incidents = incidents_paths(&session.root, &session.manifest);
        crate::metadata_warm::warm_metadata_cache(&session.ctx, &incidents).await;
        Ok(session)
    }

    /// The configuration [`Session::open`] uses: the information schema on, and one
    /// target partition per core.
    pub fn default_config() -> SessionConfig {
        SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
    }

    /// Open the store at `root` on a context the caller built: a Ballista client context
    /// (see the `cluster` module, feature `distributed`) or one with its own runtime
    /// settings. The store's tables, the themes table and crimescope's functions are
    /// registered on it; queries then plan and run wherever `ctx` sends them.
    pub async fn open_with_context(root: &Path, ctx: SessionContext, options: &SessionOptions) -> Result<Session> {
        // The lease first: the files of the manifest read next stay until it is dropped.
        let lease = ReaderLease::acquire(root);
        let manifest = read_manifest(root)?;
        check_listed_files(root, &manifest)?;
        let root = root
            .canonicalize()
            .map_err(|source| crimescope_ingest::IngestError::Read {
                path: root.to_path_buf(),
                source,
            })?;
        let has_outcomes = manifest.outputs_of("outcomes").next().is_some();
        let selection = IncidentSelection {
            area: options.area.clone(),
            crime_source: options.crime_source,
            force_months: months_of_profile(&manifest, "force-crime"),
            police_uk_months: months_of_profile(&manifest, "police-uk-street"),
        };
        let source_filter = crate::selection::source_filter(options.crime_source, &selection.force_months);
        // The stored incidents are `incidents_stored`; `incidents` is the canonical view
        // over them, unless outcomes, an area or a choice of crime source put more views
        // between (then the canonical view is `incidents_base`).
        let selects = options.area.is_some() || source_filter != "TRUE";
        for table in crimescope_model::schema::TABLES {
            let (name, schema) = match table {
                "incidents" => (STORED_INCIDENTS, crimescope_model::stored::stored_incidents_schema()),
                _ => (
                    table,
                    schema_for(table).ok_or_else(|| EngineError::internal(format!("no schema for {table}")))?,
                ),
            };
            // With an area, every query filters every row by its placement.
            let read = if name == STORED_INCIDENTS && options.area.is_some() {
                TableRead::AreaFiltered
            } else {
                TableRead::Plain
            };
            // incidents: the compacted copy when it is current, else the per-input files.
            let paths: Vec<PathBuf> = if table == "incidents" {
                incidents_paths(&root, &manifest)
            } else {
                manifest.outputs_of(table).map(|o| root.join(&o.path)).collect()
            };
            register(&ctx, name, schema, &paths, read).await?;
        }
        // The LSOA 2011 -> 2021 lookup, when the store has one (else an empty table).
        let lookup: Vec<PathBuf> = manifest.lsoa_lookup.iter().map(|o| root.join(&o.path)).collect();
        let lookup_schema = schema_for("lsoa_lookup").ok_or_else(|| EngineError::internal("no lsoa_lookup schema"))?;
        register(&ctx, "lsoa_lookup", lookup_schema, &lookup, TableRead::Plain).await?;
        let population: Vec<PathBuf> = manifest.population.iter().map(|p| root.join(&p.output.path)).collect();
        let population_schema = crimescope_model::schema::population_schema();
        register(&ctx, "population", population_schema, &population, TableRead::Plain).await?;
        register_themes(&ctx, &options.themes)?;
        crate::functions::register_functions(&ctx, &options.harm);
        let canonical = if has_outcomes || selects {
            "incidents_base"
        } else {
            "incidents"
        };
        ctx.sql(&format!("CREATE VIEW {canonical} AS {}", canonical_incidents_sql()?))
            .await?;
        if has_outcomes || selects {
            // `incidents_read`: the stored rows with their latest outcome.
            let read = if has_outcomes {
                let view = format!(
                    "CREATE VIEW incidents_read AS {}",
                    queries::INCIDENTS_WITH_LATEST_OUTCOME.sql
                );
                ctx.sql(&view).await?;
                "incidents_read"
            } else {
                "incidents_base"
            };
            if selects {
                ctx.sql(&format!("CREATE VIEW incidents_all AS SELECT * FROM {read}"))
                    .await?;
                register_selection(&ctx, &manifest, options, &source_filter, read).await?;
            } else {
                ctx.sql(&format!("CREATE VIEW incidents AS SELECT * FROM {read}"))
                    .await?;
            }
        }
        Ok(Session {
            ctx,
            root,
            manifest,
            options: options.clone(),
            selection,
            _lease: lease,
            query_timeout: None,
        })
    }

    /// The DataFusion context, for embedding crates that build their own plans.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The store's manifest as read when the session opened.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The theme and harm tables, area and crime source the session was opened with.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// Which incidents `incidents` holds: the area, the unplaceable rule and the months
    /// each police source is counted from.
    pub fn selection(&self) -> &IncidentSelection {
        &self.selection
    }

    /// The residents of the whole area in the store's population table: a `csp`-level
    /// table if loaded, else the sum over LSOAs; `None` without one.
    pub fn residents(&self) -> Option<u64> {
        let p = &self.manifest.population;
        p.iter()
            .find(|e| e.level == AreaLevel::Csp.name())
            .or_else(|| p.iter().find(|e| e.level == AreaLevel::Lsoa.name()))
            .map(|e| e.residents)
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Run one read-only SQL query from a user. Writes, DDL and file access are refused
    /// with [`EngineError::ReadOnly`].
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        check_read_only(sql)?;
        let df = self.ctx.sql_with_options(sql, read_only_options()).await?;
        self.collect(df).await.map_err(user_sql_failure)
    }

    /// The output schema of a read-only query, without running it.
    pub async fn sql_schema(&self, sql: &str) -> Result<SchemaRef> {
        check_read_only(sql)?;
        let df = self.ctx.sql_with_options(sql, read_only_options()).await?;
        Ok(canonical_text_schema(df.schema().as_arrow()))
    }

    /// Run one of the built-in queries that takes no parameters.
    pub async fn named(&self, query: NamedQuery) -> Result<Vec<RecordBatch>> {
        self.run_bound(query.sql, Vec::new()).await
    }

    /// Run a named query with its parameters given as text (`name → value`), converted
    /// to each parameter's declared type and bound as values.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), crimescope_engine::EngineError> {
    /// use std::collections::HashMap;
    /// let session = crimescope_engine::Session::open(std::path::Path::new("store")).await?;
    /// let catalog = crimescope_engine::queries::QueryCatalog::builtin()?;
    /// let params: HashMap<String, String> = [("period_start", "2025-01"), ("period_end", "2025-12"),
    ///     ("compare_start", "2024-01"), ("compare_end", "2024-12")]
    ///     .into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    /// let batches = session.run(catalog.get("trend_by_category")?, &params).await?;
    /// # Ok(()) }
    /// ```
    pub async fn run(&self, query: &QueryDef, params: &HashMap<String, String>) -> Result<Vec<RecordBatch>> {
        let mut params = std::borrow::Cow::Borrowed(params);
        if query.params.iter().any(|p| p.name == CLOCK_ZONE_PARAM) && !params.contains_key(CLOCK_ZONE_PARAM) {
            let zone = self.options.clock_zone.name().to_string();
            params.to_mut().insert(CLOCK_ZONE_PARAM.to_string(), zone);
        }
        let bound = query.bind(&params)?;
        if matches!(query.origin, QueryOrigin::File(_)) {
            check_read_only(&query.sql)?;
        }
        self.run_bound(&query.sql, bound).await.map_err(|e| match e {
            EngineError::Sql(e) => EngineError::BadQuery {
                query: query.name.clone(),
                message: e.strip_backtrace(),
            },
            other => other,
        })
    }

    /// Run the built-in query `name` (a file stem in `queries/`) with `params`.
    pub async fn run_builtin(&self, name: &str, params: &HashMap<String, String>) -> Result<Vec<RecordBatch>> {
        let catalog = queries::QueryCatalog::builtin()?;
        self.run(catalog.get(name)?, params).await
    }

    /// Run several named queries concurrently on this session; results are in the
    /// order given. The first error stops them all.
    pub async fn run_many(
        &self,
        queries: &[&QueryDef],
        params: &HashMap<String, String>,
    ) -> Result<Vec<Vec<RecordBatch>>> {
        futures::future::try_join_all(queries.iter().map(|q| self.run(q, params))).await
    }

    /// Run SQL with values bound to its `$name` placeholders (read-only options).
    pub async fn run_bound(&self, sql: &str, params: Vec<(String, ScalarValue)>) -> Result<Vec<RecordBatch>> {
        let mut df = self.ctx.sql_with_options(sql, read_only_options()).await?;
        if !params.is_empty() {
            df = df.with_param_values(params)?;
        }
        self.collect(df).await
    }

    /// Give up on any query that runs longer than `limit` with
    /// [`EngineError::QueryTimeout`] (default: no limit). Meant for sessions on a
    /// cluster, where a lost executor can leave a query waiting; the cluster may go on
    /// with the abandoned job until it finishes or fails.
    pub fn with_query_timeout(mut self, limit: Option<std::time::Duration>) -> Session {
        self.query_timeout = limit;
        self
    }

    /// Run `df` to the end; its text columns given back in the canonical `Utf8`
    /// ([`canonical_text`]).
    async fn collect(&self, df: datafusion::dataframe::DataFrame) -> Result<Vec<RecordBatch>> {
        let batches = match self.query_timeout {
            None => df.collect().await?,
            Some(limit) => match tokio::time::timeout(limit, df.collect()).await {
                Ok(batches) => batches?,
                Err(_) => {
                    return Err(EngineError::QueryTimeout {
                        seconds: limit.as_secs_f64(),
                    });
                }
            },
        };
        batches.iter().map(canonical_text).collect()
    }
}

/// A value the user's own SQL could not convert or compute (a text like '2025-01'
/// compared with the `month` date, a division by zero) is the user's to fix, reported
/// as [`EngineError::Sql`] rather than as a failure of crimescope.
fn user_sql_failure(e: EngineError) -> EngineError {
    use datafusion::arrow::error::ArrowError;
    use datafusion::error::DataFusionError;
    match e {
        EngineError::Execution(DataFusionError::ArrowError(arrow, context))
            if matches!(
                *arrow,
                ArrowError::CastError(_) | ArrowError::ParseError(_) | ArrowError::DivideByZero
            ) =>
        {
            EngineError::Sql(DataFusionError::ArrowError(arrow, context))
        }
        other => other,
    }
}

/// The months with incidents from files of `profile`, from the manifest's partitions.
fn months_of_profile(manifest: &Manifest, profile: &str) -> BTreeSet<Month> {
    manifest
        .files
        .iter()
        .filter(|f| f.profile == profile)
        .flat_map(|f| f.outputs.iter())
        .filter(|o| o.table == "incidents" && o.rows > 0)
        .filter_map(|o| {
            o.path
                .split('/')
                .find_map(|part| part.strip_prefix("month="))
                .and_then(|m| m.parse::<Month>().ok())
        })
        .collect()
}

/// A stored table's schema with every `Utf8` column read as `Utf8View`.
///
/// Read as `Utf8`, each value of a dictionary-encoded Parquet page is copied into a new
/// buffer, and the nullable text columns are shifted again for their nulls; read as
/// views, a value of up to 12 bytes (an LSOA code) is held in its view and longer ones
/// point into the page, and grouping and `MIN` compare views. With an area every query
/// places every stored row by its `lsoa_code` (by view, [`crate::area_lsoa`]): about a
/// sixth of a national assessment's time went in those copies. Without an area,
/// `repeats --kind location` on a national year measured 1.02 → 0.96 s, and the
/// assessment 3.63 → 3.50 s without the casts back per row (BENCHMARKS.md).
/// Queries therefore see `Utf8View` text in every session, with or without an area, and
/// results leave the session in the canonical `Utf8` ([`canonical_text`]).
fn text_as_views(schema: &SchemaRef) -> SchemaRef {
    use datafusion::arrow::datatypes::DataType;
    with_field_types(schema, |t| match t {
        DataType::Utf8 => DataType::Utf8View,
        other => other.clone(),
    })
}

/// `schema` with each field's type replaced by `retype` of it (names, nullability and
/// metadata kept).
fn with_field_types(
    schema: &datafusion::arrow::datatypes::Schema,
    retype: impl Fn(&datafusion::arrow::datatypes::DataType) -> datafusion::arrow::datatypes::DataType,
) -> SchemaRef {
    use datafusion::arrow::datatypes::Schema;
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .map(|f| Arc::new(f.as_ref().clone().with_data_type(retype(f.data_type()))))
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// `data_type` with `Utf8View` as `Utf8`, also inside lists, structs, maps and
/// dictionaries (`array_agg` of a text column is a list of views).
fn canonical_text_type(data_type: &datafusion::arrow::datatypes::DataType) -> datafusion::arrow::datatypes::DataType {
    use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
    let field =
        |f: &FieldRef| -> FieldRef { Arc::new(Field::clone(f).with_data_type(canonical_text_type(f.data_type()))) };
    match data_type {
        DataType::Utf8View => DataType::Utf8,
        DataType::List(f) => DataType::List(field(f)),
        DataType::LargeList(f) => DataType::LargeList(field(f)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(field(f), *n),
        DataType::Struct(fields) => DataType::Struct(fields.iter().map(field).collect()),
        DataType::Map(f, sorted) => DataType::Map(field(f), *sorted),
        DataType::Dictionary(key, value) => DataType::Dictionary(key.clone(), Box::new(canonical_text_type(value))),
        other => other.clone(),
    }
}

/// `schema` with every `Utf8View` as `Utf8` ([`canonical_text_type`]): the types a
/// result leaves a session in, whatever the session read its text as
/// ([`text_as_views`]).
fn canonical_text_schema(schema: &datafusion::arrow::datatypes::Schema) -> SchemaRef {
    with_field_types(schema, canonical_text_type)
}

/// A result batch with its views cast to `Utf8` (see [`canonical_text_schema`]); a
/// batch without views is returned as it is.
fn canonical_text(batch: &RecordBatch) -> Result<RecordBatch> {
    let schema = canonical_text_schema(&batch.schema());
    if schema == batch.schema() {
        return Ok(batch.clone());
    }
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                Ok(column.clone())
            } else {
                datafusion::arrow::compute::cast(column, field.data_type())
            }
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new_with_options(
        schema,
        columns,
        &datafusion::arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )?)
}

/// The name under which a session registers the stored `incidents` files.
const STORED_INCIDENTS: &str = "incidents_stored";

/// The canonical `incidents` rows from [`STORED_INCIDENTS`]: every column as stored but
/// `incident_id` and `record_id`, which are derived where the store kept them implied
/// or as bytes ([`crimescope_model::stored`]).
fn canonical_incidents_sql() -> Result<String> {
    let columns = incident_columns(|name| match name {
        "incident_id" => format!("{} AS incident_id", crimescope_model::stored::INCIDENT_ID_SQL),
        "record_id" => format!("{} AS record_id", crimescope_model::stored::RECORD_ID_SQL),
        name => format!("\"{name}\""),
    })?;
    Ok(format!("SELECT {columns} FROM {STORED_INCIDENTS}"))
}

/// The canonical `incidents` columns as a select list, each written by `column` from
/// its name.
fn incident_columns(column: impl Fn(&str) -> String) -> Result<String> {
    Ok(schema_for("incidents")
        .ok_or_else(|| EngineError::internal("no incidents schema"))?
        .fields()
        .iter()
        .map(|f| column(f.name()))
        .collect::<Vec<_>>()
        .join(", "))
}

/// The views of [`crate::selection`] over `read` (the stored rows with their latest
/// outcome): `incidents_placed` (every incident with its placement, when there is an
/// area) and `incidents` (the area's, or every incident of the chosen sources; one
/// source per crime).
async fn register_selection(
    ctx: &SessionContext,
    manifest: &Manifest,
    options: &SessionOptions,
    source_filter: &str,
    read: &str,
) -> Result<()> {
    let columns = incident_columns(|name| format!("\"{name}\""))?;
    let Some(area) = &options.area else {
        let sql = format!("CREATE VIEW incidents AS SELECT {columns} FROM {read} WHERE {source_filter}");
        ctx.sql(&sql).await?;
        return Ok(());
    };
    let has = |level: AreaLevel| manifest.boundaries.iter().any(|b| b.level == level.name());
    let placement = crate::selection::placement_sql(area, has(AreaLevel::Lsoa), has(AreaLevel::Ward));
    // Every code the lookup knows, flagged when it is the area's, answered by
    // `area_lsoa(lsoa_code)` (a lookup per distinct code, not a join per query).
    let codes = match &area.membership {
        Membership::Lsoas { codes, known, .. } => crate::area_lsoa::AreaCodes::new(
            known
                .iter()
                .map(|c| (c.clone(), false))
                .chain(codes.iter().map(|c| (c.clone(), true))),
        ),
        Membership::Wards { .. } => crate::area_lsoa::AreaCodes::new([]),
    };
    ctx.register_udf(crate::area_lsoa::area_lsoa_udf(codes));
    ctx.sql(&format!(
        "CREATE VIEW incidents_placed AS SELECT i.*, {placement} AS placement FROM {read} AS i"
    ))
    .await?;
    let placed = match area.unplaceable {
        Unplaceable::Count => "placement IN ('inside', 'unplaceable')",
        Unplaceable::LeaveOut => "placement = 'inside'",
    };
    ctx.sql(&format!(
        "CREATE VIEW incidents AS SELECT {columns} FROM incidents_placed WHERE {placed} AND {source_filter}"
    ))
    .await?;
    Ok(())
}

/// Register `themes` (category, theme) as an in-memory table.
fn register_themes(ctx: &SessionContext, themes: &Themes) -> Result<()> {
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let schema = Arc::new(Schema::new(vec![
        Field::new("category", DataType::Utf8, false),
        Field::new("theme", DataType::Utf8, false),
    ]));
    let categories = StringArray::from_iter_values(themes.pairs().iter().map(|(c, _)| c.as_str()));
    let names = StringArray::from_iter_values(themes.pairs().iter().map(|(_, t)| t.as_str()));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(categories), Arc::new(names)])?;
    ctx.register_table("themes", Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))?;
    Ok(())
}

/// How a stored table's Parquet files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableRead {
    /// DataFusion's defaults: filters run on decoded batches. (Text is read as views
    /// in every table, [`text_as_views`].)
    Plain,
    /// The incidents under an area session's views: the query's filters (the
    /// placement, periods, categories) evaluated while the files are decoded, so the
    /// other columns are decoded only for the rows that pass (DataFusion's
    /// `pushdown_filters`). National assessment 4.9 → 3.3 s, the same document; not the
    /// default for every table, because for queries whose filters keep nearly every row
    /// (grid counts) it measured slower (0.25 → 0.29 s). BENCHMARKS.md has the figures.
    AreaFiltered,
}

async fn register(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    files: &[PathBuf],
    read: TableRead,
) -> Result<()> {
    let schema = text_as_views(&schema);
    if files.is_empty() {
        // EmptyTable rather than an empty MemTable: it serializes to a cluster as it is.
        ctx.register_table(name, Arc::new(EmptyTable::new(schema)))?;
        return Ok(());
    }
    // Each file as a plain URL, never a glob: a store path may contain '[', '*' or '?'.
    let urls = files
        .iter()
        .map(|p| {
            let url = url::Url::from_file_path(p)
                .map_err(|()| EngineError::internal(format!("store path {} is not absolute", p.display())))?;
            Ok(ListingTableUrl::try_new(url, None)?)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut parquet = datafusion::config::TableParquetOptions::default();
    parquet.global.pushdown_filters = read == TableRead::AreaFiltered;
    let format = ParquetFormat::default().with_options(parquet);
    let options = ListingOptions::new(Arc::new(format)).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

/// The `incidents` files a session over `manifest` reads: the compacted copy when it is
/// current, else the per-input files.
fn incidents_paths(root: &Path, manifest: &Manifest) -> Vec<PathBuf> {
    manifest
        .incidents_files()
        .into_iter()
        .map(|o| root.join(&o.path))
        .collect()
}

/// Every file the session will read exists with the size the manifest records (a stat
/// each, so cheap): a missing or truncated file is named now rather than failing a query
/// or, worse, counting less. Content damage of the same size is found by `verify`.
fn check_listed_files(root: &Path, manifest: &Manifest) -> Result<()> {
    let outputs = manifest
        .incidents_files()
        .into_iter()
        .chain(
            manifest
                .files
                .iter()
                .flat_map(|f| &f.outputs)
                .filter(|o| o.table != "incidents"),
        )
        .chain(manifest.lsoa_lookup.iter())
        .chain(manifest.population.iter().map(|p| &p.output));
    for output in outputs {
        let damaged = |problem: String| EngineError::DamagedStore {
            path: Some(root.join(&output.path).display().to_string()),
            problem,
        };
        let size = match std::fs::metadata(root.join(&output.path)) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(damaged("is missing".into())),
            Err(e) => return Err(damaged(format!("cannot be read ({e})"))),
        };
        if let Some(bytes) = output.bytes
            && bytes != size
        {
            return Err(damaged(format!("is {size} bytes where the manifest records {bytes}")));
        }
    }
    Ok(())
}
