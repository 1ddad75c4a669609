//! `--cluster` and the `scheduler` and `executor` commands (Apache Ballista; feature
//! `distributed`). Without the feature they explain how to build it.

use std::path::{Path, PathBuf};

use crimescope_engine::{Session, SessionOptions};

use crate::error::CliError;

/// Where a query command runs: here, or on a Ballista cluster.
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterOpt {
    /// Run the query plans on the Ballista cluster whose scheduler is at df://HOST:PORT
    /// (needs a build with `--features distributed`; see docs/scale-out.md). The store
    /// must be at the same path on every machine.
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
    /// With --cluster: tasks per query stage (default: this machine's cores; use the
    /// cluster's total executor cores).
    #[arg(long, requires = "cluster")]
    pub cluster_partitions: Option<usize>,
    /// With --cluster: give up on a query that has not finished after this many seconds
    /// (an executor lost mid-query can leave it waiting).
    #[arg(long, requires = "cluster", default_value_t = 900)]
    pub cluster_timeout: u64,
}

/// The options of `crimescope scheduler`.
#[derive(Debug, Clone, clap::Args)]
pub struct SchedulerArgs {
    /// Address to bind; 0.0.0.0 serves other machines.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// The host name executors and clients use to reach this scheduler (default: --bind).
    #[arg(long)]
    pub external_host: Option<String>,
    /// gRPC port.
    #[arg(long, default_value_t = 50050)]
    pub port: u16,
    /// Seconds without a heartbeat after which an executor is taken as lost and its
    /// tasks are run on the others (keep it at least 3 × the executors' --heartbeat).
    #[arg(long, default_value_t = 30)]
    pub executor_timeout: u64,
}

/// The options of `crimescope executor`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExecutorArgs {
    /// The scheduler, df://HOST:PORT.
    #[arg(long, value_name = "df://HOST:PORT", default_value = "df://127.0.0.1:50050")]
    pub scheduler: String,
    /// Address to bind; 0.0.0.0 serves other machines.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// The host name others use to fetch this executor's shuffle output (default: --bind).
    #[arg(long)]
    pub external_host: Option<String>,
    /// Arrow Flight port (the gRPC port is the next one up).
    #[arg(long, default_value_t = 50051)]
    pub port: u16,
    /// Task slots (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub cores: usize,
    /// Folder for shuffle files (default: crimescope-executor-PORT in the temp folder).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Seconds to keep trying to reach the scheduler at start-up.
    #[arg(long, default_value_t = 30)]
    pub connect_timeout: u16,
    /// Seconds between heartbeats to the scheduler.
    #[arg(long, default_value_t = 5)]
    pub heartbeat: u64,
}

#[cfg(not(feature = "distributed"))]
const NOT_BUILT: &str = "this crimescope was built without cluster support; build it with \
     `cargo build --release -p crimescope --features distributed` (docs/scale-out.md)";

/// A read-only command's session, which the process never frees: the command's output
/// is its last act, and the system takes the memory back when the process ends.
///
/// On a national store, freeing the session (its decoded Parquet footers, tables and
/// plans) took 11 ms of the 0.06 s that `trend` needs with nothing to count, 13 ms of
/// `trend --by category` and 26 ms of `hotspots --method grid` (BENCHMARKS.md). Nothing in a session needs its destructor
/// to run: the reader lease is a file lock, which ends with the process, and sessions
/// set no memory limit, so no query leaves spill files to remove. The assessment, which
/// shares its session between sections, frees it as usual.
pub struct SessionUntilExit(std::mem::ManuallyDrop<Session>);

impl std::ops::Deref for SessionUntilExit {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.0
    }
}

/// [`open_session`] for a read-only command ([`SessionUntilExit`]).
pub async fn open_session_until_exit(
    store: &Path,
    cluster: &ClusterOpt,
    options: &SessionOptions,
) -> Result<SessionUntilExit, CliError> {
    let session = open_session(store, cluster, options).await?;
    Ok(SessionUntilExit(std::mem::ManuallyDrop::new(session)))
}

/// Open the store here, or on the cluster that `--cluster` names.
pub async fn open_session(store: &Path, cluster: &ClusterOpt, options: &SessionOptions) -> Result<Session, CliError> {
    match &cluster.cluster {
        None => Ok(Session::open_with(store, options).await?),
        Some(url) => Ok(open_on_cluster(store, url, cluster.cluster_partitions, options)
            .await?
            .with_query_timeout(Some(std::time::Duration::from_secs(cluster.cluster_timeout.max(1))))),
    }
}

#[cfg(feature = "distributed")]
async fn open_on_cluster(
    store: &Path,
    url: &str,
    partitions: Option<usize>,
    options: &SessionOptions,
) -> Result<Session, CliError> {
    use crimescope_engine::cluster::{ClusterUrl, connect};
    let url = ClusterUrl::parse(url)?;
    // By default as many tasks per stage as a local session has partitions.
    let partitions = partitions.unwrap_or_else(|| Session::default_config().target_partitions());
    Ok(connect(store, &url, partitions, options).await?)
}

#[cfg(not(feature = "distributed"))]
async fn open_on_cluster(
    _store: &Path,
    _url: &str,
    _partitions: Option<usize>,
    _options: &SessionOptions,
) -> Result<Session, CliError> {
    Err(CliError::user(format!("--cluster: {NOT_BUILT}")))
}

/// Ballista's own log lines (an executor lost, a task failed) on stderr, prefixed with
/// the level and module: warnings and errors by default, more with
/// `CRIMESCOPE_LOG=info` or `=debug`.
#[cfg(feature = "distributed")]
struct ServerLog;

#[cfg(feature = "distributed")]
impl log::Log for ServerLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{} {}: {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

#[cfg(feature = "distributed")]
fn init_server_log() {
    static LOG: ServerLog = ServerLog;
    let level = match std::env::var("CRIMESCOPE_LOG").as_deref() {
        Ok("error") => log::LevelFilter::Error,
        Ok("info") => log::LevelFilter::Info,
        Ok("debug") => log::LevelFilter::Debug,
        Ok("off") => log::LevelFilter::Off,
        _ => log::LevelFilter::Warn,
    };
    // Only fails if a logger is already set, which then keeps logging.
    if log::set_logger(&LOG).is_ok() {
        log::set_max_level(level);
    }
}

/// `crimescope scheduler`: runs until stopped.
#[cfg(feature = "distributed")]
pub async fn scheduler(args: SchedulerArgs) -> Result<(), CliError> {
    init_server_log();
    use crimescope_engine::cluster::{SchedulerOptions, run_scheduler};
    let options = SchedulerOptions {
        external_host: args.external_host.unwrap_or_else(|| args.bind.clone()),
        bind_host: args.bind,
        port: args.port,
        executor_timeout_seconds: args.executor_timeout,
    };
    crate::terminal::info(&format!(
        "crimescope scheduler (Ballista 55) on {}:{}; clients use --cluster df://{}:{}",
        options.bind_host, options.port, options.external_host, options.port
    ));
    Ok(run_scheduler(&options).await?)
}

/// `crimescope executor`: runs until stopped.
#[cfg(feature = "distributed")]
pub async fn executor(args: ExecutorArgs) -> Result<(), CliError> {
    init_server_log();
    use crimescope_engine::cluster::{ClusterUrl, ExecutorOptions, run_executor};
    let scheduler = ClusterUrl::parse(&args.scheduler)?;
    let options = ExecutorOptions {
        external_host: args.external_host.unwrap_or_else(|| args.bind.clone()),
        bind_host: args.bind,
        port: args.port,
        scheduler_host: scheduler.host,
        scheduler_port: scheduler.port,
        cores: args.cores,
        work_dir: args.work_dir,
        connect_timeout_seconds: args.connect_timeout,
        heartbeat_seconds: args.heartbeat,
    };
    crate::terminal::info(&format!(
        "crimescope executor (Ballista 55) on {}:{}, scheduler {}",
        options.bind_host, options.port, args.scheduler
    ));
    Ok(run_executor(&options).await?)
}

/// `crimescope scheduler` without the feature.
#[cfg(not(feature = "distributed"))]
pub async fn scheduler(_args: SchedulerArgs) -> Result<(), CliError> {
    Err(CliError::user(format!("scheduler: {NOT_BUILT}")))
}

/// `crimescope executor` without the feature.
#[cfg(not(feature = "distributed"))]
pub async fn executor(_args: ExecutorArgs) -> Result<(), CliError> {
    Err(CliError::user(format!("executor: {NOT_BUILT}")))
}

/// Run a scheduler or executor on a runtime with 32 MB worker stacks, as Ballista's own
/// binaries do: deep plans recurse while they are decoded.
pub fn block_on_server<F: Future<Output = Result<(), CliError>>>(future: F) -> Result<(), CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the async runtime: {e}")))?
        .block_on(future)
}
