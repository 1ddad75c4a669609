//! A DataFusion session over a crimescope store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crimescope_ingest::store::{Manifest, read_manifest};
use crimescope_model::schema::schema_for;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::{EngineError, Result};
use crate::queries::{self, NamedQuery};
use crate::read_only::{check_read_only, read_only_options};

/// A query session over one store: the tables `incidents`, `rejects`, `outcomes` and
/// `stop_search`, registered from the files its manifest lists.
///
/// When outcomes files are loaded, `incidents` is a view over `incidents_base` whose
/// `outcome` is each crime's latest outcome (`queries/incidents_with_latest_outcome.sql`).
pub struct Session {
    ctx: SessionContext,
    root: PathBuf,
    manifest: Manifest,
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
        let manifest = read_manifest(root)?;
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
        let ctx = SessionContext::new_with_config(config);
        let root = root
            .canonicalize()
            .map_err(|source| crimescope_ingest::IngestError::Read {
                path: root.to_path_buf(),
                source,
            })?;
        let has_outcomes = manifest.outputs_of("outcomes").next().is_some();
        for table in crimescope_model::schema::TABLES {
            let schema = schema_for(table).ok_or_else(|| EngineError::Sql {
                message: format!("no schema for {table}"),
            })?;
            let name = if table == "incidents" && has_outcomes {
                "incidents_base"
            } else {
                table
            };
            let paths: Vec<PathBuf> = manifest.outputs_of(table).map(|o| root.join(&o.path)).collect();
            register(&ctx, name, schema, &paths).await?;
        }
        // The LSOA 2011 -> 2021 lookup, when the store has one (else an empty table).
        let lookup: Vec<PathBuf> = manifest.lsoa_lookup.iter().map(|o| root.join(&o.path)).collect();
        let lookup_schema = schema_for("lsoa_lookup").ok_or_else(|| EngineError::Sql {
            message: "no lsoa_lookup schema".into(),
        })?;
        register(&ctx, "lsoa_lookup", lookup_schema, &lookup).await?;
        if has_outcomes {
            let view = format!(
                "CREATE VIEW incidents AS {}",
                queries::INCIDENTS_WITH_LATEST_OUTCOME.sql
            );
            ctx.sql(&view).await?;
        }
        Ok(Session { ctx, root, manifest })
    }

    /// The DataFusion context, for embedding crates that build their own plans.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The store's manifest as read when the session opened.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
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
        Ok(df.collect().await?)
    }

    /// The output schema of a read-only query, without running it.
    pub async fn sql_schema(&self, sql: &str) -> Result<SchemaRef> {
        check_read_only(sql)?;
        let df = self.ctx.sql_with_options(sql, read_only_options()).await?;
        Ok(Arc::new(df.schema().as_arrow().clone()))
    }

    /// Run one of the named queries in `queries/`.
    pub async fn named(&self, query: NamedQuery) -> Result<Vec<RecordBatch>> {
        Ok(self
            .ctx
            .sql_with_options(query.sql, read_only_options())
            .await?
            .collect()
            .await?)
    }
}

async fn register(ctx: &SessionContext, name: &str, schema: SchemaRef, files: &[PathBuf]) -> Result<()> {
    if files.is_empty() {
        let empty = MemTable::try_new(schema, vec![vec![]])?;
        ctx.register_table(name, Arc::new(empty))?;
        return Ok(());
    }
    // Each file as a plain URL, never a glob: a store path may contain '[', '*' or '?'.
    let urls = files
        .iter()
        .map(|p| {
            let url = url::Url::from_file_path(p).map_err(|()| EngineError::Sql {
                message: format!("store path {} is not absolute", p.display()),
            })?;
            Ok(ListingTableUrl::try_new(url, None)?)
        })
        .collect::<Result<Vec<_>>>()?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}
