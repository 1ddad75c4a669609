//! The scheduler and executor roles, with crimescope's functions and codecs registered.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service};
use crimescope_model::HarmWeights;
use datafusion::execution::{FunctionRegistry, SessionState};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};

use super::codec::{CrimescopeLogicalCodec, CrimescopePhysicalCodec};
use crate::error::{EngineError, Result};
use crate::functions::{aggregate_functions, scalar_functions};

/// Where a scheduler listens.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Address to bind, e.g. `0.0.0.0` to serve other machines (default `127.0.0.1`).
    pub bind_host: String,
    /// The host name executors and clients use to reach this scheduler.
    pub external_host: String,
    /// gRPC port (Ballista's default is 50050).
    pub port: u16,
    /// Seconds without a heartbeat after which an executor is taken as lost and its
    /// tasks run elsewhere (Ballista's default is 180; crimescope's CLI uses 30). Keep it
    /// at least three of the executors' heartbeat intervals.
    pub executor_timeout_seconds: u64,
}

/// How an executor joins a cluster.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// Address to bind (default `127.0.0.1`).
    pub bind_host: String,
    /// The host name other executors and clients use to fetch this executor's shuffle
    /// output (its Arrow Flight service).
    pub external_host: String,
    /// Arrow Flight port; the gRPC port is the next one up.
    pub port: u16,
    /// The scheduler's host.
    pub scheduler_host: String,
    /// The scheduler's port.
    pub scheduler_port: u16,
    /// Task slots: how many tasks run at once (0 = one per core).
    pub cores: usize,
    /// Where shuffle files are written (default: a folder under the system temp dir).
    pub work_dir: Option<PathBuf>,
    /// How long to keep trying to reach the scheduler at start-up, in seconds.
    pub connect_timeout_seconds: u16,
    /// Seconds between heartbeats to the scheduler (Ballista's default is 60;
    /// crimescope's CLI uses 5, so a lost executor is noticed within the scheduler's
    /// executor timeout).
    pub heartbeat_seconds: u64,
}

/// The session a scheduler plans in (and an in-process cluster runs in): Ballista's
/// default session from the client's `config`, plus crimescope's functions, so plans
/// that call them decode and plan on the scheduler.
///
/// Local files are listed through [`InlineLocalFiles`](crate::local_store::InlineLocalFiles),
/// as in a local session: the scheduler lists each table's files when it plans, and a
/// store file removed after the client opened its session is then an error rather than
/// a table with silently fewer rows.
pub(crate) fn server_session_state(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    let mut state = default_session_builder(config)?;
    for udf in scalar_functions(&HarmWeights::v1()) {
        state.register_udf(Arc::new(udf))?;
    }
    for udaf in aggregate_functions() {
        state.register_udaf(Arc::new(udaf))?;
    }
    crate::local_store::InlineLocalFiles::register_in(state.runtime_env());
    Ok(state)
}

/// Run a Ballista scheduler with crimescope's functions and codecs until the process
/// is stopped. Clients connect with `df://EXTERNAL_HOST:PORT`.
pub async fn run_scheduler(options: &SchedulerOptions) -> Result<()> {
    let url = format!("df://{}:{}", options.external_host, options.port);
    let failed = |message: String| EngineError::Cluster {
        url: url.clone(),
        message,
    };
    let address: SocketAddr = format!("{}:{}", options.bind_host, options.port)
        .parse()
        .map_err(|e| failed(format!("bind address {}:{}: {e}", options.bind_host, options.port)))?;
    let mut config = SchedulerConfig::default()
        .with_hostname(options.external_host.clone())
        .with_port(options.port)
        .with_override_session_builder(Arc::new(server_session_state));
    config.bind_host = options.bind_host.clone();
    // A lost executor is noticed within the timeout plus one check interval; its tasks
    // then run on the others (up to `task_max_failures` attempts each).
    config.executor_timeout_seconds = options.executor_timeout_seconds.max(1);
    config.expire_dead_executor_interval_seconds = (options.executor_timeout_seconds / 4).clamp(1, 15);
    config.no_executors_grace_period_seconds = config.executor_timeout_seconds;
    config.override_logical_codec = Some(Arc::new(CrimescopeLogicalCodec::default()));
    config.override_physical_codec = Some(Arc::new(CrimescopePhysicalCodec::default()));
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| failed(e.to_string()))?;
    // Never report a result computed across an executor loss (see `guard`).
    let (cluster, to_cancel) = super::guard::guard_cluster(&cluster);
    let config = Arc::new(config);
    config.validate().map_err(|e| failed(e.to_string()))?;
    let scheduler = create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, config)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let canceller = scheduler.clone();
    tokio::spawn(super::guard::cancel_refused_jobs(to_cancel, move |job| {
        let scheduler = canceller.clone();
        async move { scheduler.cancel_job(job).await }
    }));
    log::info!("crimescope scheduler listening on {address}");
    start_grpc_service(address, scheduler)
        .await
        .map_err(|e| failed(format!("{e} (is the port already in use?)")))
}

/// Run a Ballista executor with crimescope's functions and codecs until the process is
/// stopped or the scheduler tells it to stop.
pub async fn run_executor(options: &ExecutorOptions) -> Result<()> {
    let url = format!("df://{}:{}", options.scheduler_host, options.scheduler_port);
    let failed = |message: String| EngineError::Cluster {
        url: url.clone(),
        message,
    };
    let work_dir = match &options.work_dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("crimescope-executor-{}", options.port)),
    };
    std::fs::create_dir_all(&work_dir)
        .map_err(|e| failed(format!("cannot create the work folder {}: {e}", work_dir.display())))?;
    let mut registry = ballista_core::registry::BallistaFunctionRegistry::default();
    for udf in scalar_functions(&HarmWeights::v1()) {
        registry.scalar_functions.insert(udf.name().to_string(), Arc::new(udf));
    }
    for udaf in aggregate_functions() {
        registry
            .aggregate_functions
            .insert(udaf.name().to_string(), Arc::new(udaf));
    }
    let config = ExecutorProcessConfig {
        bind_host: options.bind_host.clone(),
        external_host: Some(options.external_host.clone()),
        port: options.port,
        grpc_port: options
            .port
            .checked_add(1)
            .ok_or_else(|| failed("the port must be below 65535".into()))?,
        scheduler_host: options.scheduler_host.clone(),
        scheduler_port: options.scheduler_port,
        scheduler_connect_timeout_seconds: options.connect_timeout_seconds,
        vcores: options.cores,
        executor_heartbeat_interval_seconds: options.heartbeat_seconds.max(1),
        work_dir: Some(work_dir.to_string_lossy().into_owned()),
        override_function_registry: Some(Arc::new(registry)),
        override_logical_codec: Some(Arc::new(CrimescopeLogicalCodec::default())),
        override_physical_codec: Some(Arc::new(CrimescopePhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| failed(e.to_string()))
}
