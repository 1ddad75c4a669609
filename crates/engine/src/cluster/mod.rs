//! Running crimescope's queries on an Apache Ballista cluster (feature `distributed`).
//!
//! Ballista (<https://datafusion.apache.org/ballista/>) runs DataFusion plans across a
//! scheduler and executors. A crimescope client opens the store with [`connect`]: the
//! tables, the themes table and crimescope's functions are registered exactly as by
//! [`Session::open`], but each query's optimised logical plan is sent to the scheduler,
//! which splits it into stages at its shuffles and hands the tasks to executors. Only
//! the final, aggregated batches come back to the client, where the statistics that are
//! not SQL (Gi*, KDE, the Knox test, Mann–Kendall) run as they do locally.
//!
//! The store must be at the same absolute path on the client, the scheduler and every
//! executor (a shared directory): plans name its Parquet files by `file://` URL.
//!
//! The roles are [`run_scheduler`] and [`run_executor`]; both register what a
//! [`Session`] registers (see [`codec`] for what travels inside plans). [`standalone`]
//! starts both in this process, for tests.

pub mod codec;
mod guard;
mod roles;

use std::path::Path;
use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::{EngineError, Result};
use crate::{Session, SessionOptions};

pub use codec::{CrimescopeLogicalCodec, CrimescopePhysicalCodec};
pub use roles::{ExecutorOptions, SchedulerOptions, run_executor, run_scheduler};

/// Ballista's default scheduler port.
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;

/// A scheduler's address, parsed from `df://HOST:PORT` (the port defaults to 50050).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterUrl {
    /// Host name or IP address.
    pub host: String,
    /// gRPC port.
    pub port: u16,
}

impl ClusterUrl {
    /// Parse `df://HOST[:PORT]`. Errors say what form is expected.
    ///
    /// ```
    /// use crimescope_engine::cluster::ClusterUrl;
    /// let url = ClusterUrl::parse("df://127.0.0.1:50050").unwrap();
    /// assert_eq!((url.host.as_str(), url.port), ("127.0.0.1", 50050));
    /// assert!(ClusterUrl::parse("http://x:1").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<ClusterUrl> {
        let bad = |why: &str| EngineError::Cluster {
            url: text.to_string(),
            message: format!("{why}; give the scheduler as df://HOST:PORT, e.g. df://127.0.0.1:50050"),
        };
        let rest = text
            .strip_prefix("df://")
            .ok_or_else(|| bad("the address must start with df://"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| bad(&format!("'{port}' is not a port number")))?,
            ),
            None => (rest, DEFAULT_SCHEDULER_PORT),
        };
        if host.is_empty() || host.contains('/') {
            return Err(bad("the host is missing"));
        }
        Ok(ClusterUrl {
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for ClusterUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "df://{}:{}", self.host, self.port)
    }
}

/// The session configuration a crimescope client sends with every job: Ballista's
/// settings, the information schema, `target_partitions` (the number of tasks per
/// stage) and crimescope's codecs.
pub fn client_config(target_partitions: usize) -> SessionConfig {
    SessionConfig::new_with_ballista()
        .with_information_schema(true)
        .with_target_partitions(target_partitions.max(1))
        // Ballista 55's adaptive planner (experimental, apache/datafusion-ballista#2092)
        // never scheduled the join stage after a shuffle of an empty table:
        // hotspot_by_lsoa's left join to absent boundaries hung for good. The static
        // planner runs every crimescope query.
        .with_ballista_adaptive_query_planner(false)
        .with_ballista_logical_extension_codec(Arc::new(CrimescopeLogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(CrimescopePhysicalCodec::default()))
}

/// Open the store at `root` as a [`Session`] whose queries run on the cluster at `url`.
///
/// `target_partitions` sets how many tasks each stage is split into; the cluster's
/// total executor cores is a good value. Nothing is contacted until the first query
/// runs, so a wrong address surfaces there (as an [`EngineError::Execution`] naming
/// the scheduler).
///
/// ```no_run
/// # async fn run() -> Result<(), crimescope_engine::EngineError> {
/// use crimescope_engine::cluster::{ClusterUrl, connect};
/// let url = ClusterUrl::parse("df://127.0.0.1:50050")?;
/// let options = crimescope_engine::SessionOptions::default();
/// let session = connect(std::path::Path::new("/shared/store"), &url, 4, &options).await?;
/// let batches = session.sql("SELECT category, COUNT(*) FROM incidents GROUP BY 1").await?;
/// # Ok(()) }
/// ```
pub async fn connect(
    root: &Path,
    url: &ClusterUrl,
    target_partitions: usize,
    options: &SessionOptions,
) -> Result<Session> {
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(client_config(target_partitions))
        .build();
    let ctx = SessionContext::remote_with_state(&url.to_string(), state)
        .await
        .map_err(|e| EngineError::Cluster {
            url: url.to_string(),
            message: e.to_string(),
        })?;
    Session::open_with_context(root, ctx, options).await
}

/// Open the store at `root` on an in-process Ballista cluster: one scheduler and one
/// executor of `cores` task slots, with crimescope's functions and codecs. For tests
/// and for trying the cluster path on one machine; every call starts a new cluster.
pub async fn standalone(root: &Path, cores: usize, options: &SessionOptions) -> Result<Session> {
    let config = client_config(cores).with_ballista_standalone_parallelism(cores.max(1));
    // The in-process scheduler and executor take their functions and codecs from this.
    let state = roles::server_session_state(config)?;
    let ctx = SessionContext::standalone_with_state(state)
        .await
        .map_err(|e| EngineError::Cluster {
            url: "standalone".into(),
            message: e.to_string(),
        })?;
    Session::open_with_context(root, ctx, options).await
}

/// The size in bytes of the logical plan a client sends to the scheduler for the named
/// query `query` with `params`: the optimised plan, encoded with
/// [`CrimescopeLogicalCodec`] as Ballista encodes it. For sizing what crosses the
/// network (docs/scale-out.md); works on a local session too.
pub async fn logical_plan_bytes(
    session: &Session,
    query: &crate::queries::QueryDef,
    params: &std::collections::HashMap<String, String>,
) -> Result<usize> {
    let bound = query.bind(params)?;
    let mut df = session
        .context()
        .sql_with_options(&query.sql, crate::read_only::read_only_options())
        .await?;
    if !bound.is_empty() {
        df = df.with_param_values(bound)?;
    }
    let plan = df.into_optimized_plan()?;
    let bytes =
        datafusion_proto::bytes::logical_plan_to_bytes_with_extension_codec(&plan, &CrimescopeLogicalCodec::default())?;
    Ok(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_urls() {
        assert_eq!(
            ClusterUrl::parse("df://sched.example:7000/").unwrap(),
            ClusterUrl {
                host: "sched.example".into(),
                port: 7000
            }
        );
        assert_eq!(ClusterUrl::parse("df://h").unwrap().port, DEFAULT_SCHEDULER_PORT);
        for bad in ["127.0.0.1:50050", "df://", "df://:50050", "df://h:port", "df://h:70000"] {
            let err = ClusterUrl::parse(bad).unwrap_err().to_string();
            assert!(err.contains("df://HOST:PORT"), "{bad}: {err}");
        }
    }
}
