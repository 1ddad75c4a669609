//! A scheduler that never reports a result computed across an executor loss.
//!
//! Ballista 55 recovers from a lost executor by rolling stages back and running them
//! again. That recovery is not reliable: in crimescope's multi-process test it sometimes
//! hung and once **finished with wrong counts** (an assessment of 9,554 incidents reported
//! 17,460: a re-run stage's outputs counted twice; see docs/scale-out.md and
//! apache/datafusion-ballista#2027, #2212, #2226). A crimescope scheduler therefore
//! treats any of these as the end of the jobs they touch:
//!
//! * an executor removed (its heartbeats stopped, it was killed or it stopped) while a
//!   job was queued or running;
//! * a stage of a job run a second time (a stage attempt above 0: Ballista's reaction to
//!   a failed shuffle fetch or a lost map output).
//!
//! Such a job is cancelled at once (so a client never waits on a recovery that may hang),
//! and if it reaches success anyway its status is rewritten to failed before any client
//! sees it: the check sits in the job-state store, which every terminal status passes
//! through on its way to a client that follows the job by Ballista's push stream, as
//! crimescope's client does. (A legacy pull-mode client, polling job status, could read
//! success from the scheduler's active-job cache in the moment before the refusal is
//! stored.) The failure message starts with
//! [`crate::error::EXECUTOR_LOSS_MARKER`], which the client turns into
//! [`crate::EngineError::ExecutorLost`]. A task that fails and succeeds on retry within
//! the same stage attempt is not refused: it replaces its own output.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use ballista_core::error::Result;
use ballista_core::serde::protobuf::{ExecutorHeartbeat, JobStatus, job_status};
use ballista_core::serde::scheduler::{ExecutorData, ExecutorMetadata};
use ballista_core::{JobId, JobStatusSubscriber};
use ballista_scheduler::cluster::{
    BallistaCluster, BoundTask, ClusterState, ClusterStateEventStream, ExecutorSlot, JobState, JobStateEventStream,
};
use ballista_scheduler::config::TaskDistributionPolicy;
use ballista_scheduler::state::execution_graph::ExecutionGraphBox;
use ballista_scheduler::state::execution_stage::ExecutionStage;
use ballista_scheduler::state::task_manager::JobInfoCache;
use datafusion::prelude::{SessionConfig, SessionContext};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::error::EXECUTOR_LOSS_MARKER;

/// What the guard knows: the jobs in flight and why any of them may not succeed.
struct Ledger {
    /// Jobs accepted and not yet finished.
    in_flight: HashSet<JobId>,
    /// Jobs that may not succeed, with the reason given to the client.
    refused: HashMap<JobId, String>,
}

/// The shared ledger and the channel to the task that cancels refused jobs.
#[derive(Clone)]
struct Guard {
    ledger: Arc<Mutex<Ledger>>,
    cancel: UnboundedSender<JobId>,
}

impl Guard {
    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // A panic while holding the lock leaves plain sets behind: still usable.
        self.ledger.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Refuse `job` for `reason` (the first reason sticks) and ask for it to be cancelled.
    fn refuse(&self, job: &JobId, reason: String) {
        let first = {
            let mut ledger = self.ledger();
            let first = !ledger.refused.contains_key(job);
            ledger.refused.entry(job.clone()).or_insert(reason);
            first
        };
        if first {
            // The receiver lives as long as the scheduler; a closed channel means it is
            // shutting down, when cancelling no longer matters.
            let _ = self.cancel.send(job.clone());
        }
    }

    fn executor_removed(&self, executor_id: &str) {
        let jobs: Vec<JobId> = self.ledger().in_flight.iter().cloned().collect();
        for job in jobs {
            self.refuse(
                &job,
                format!("{EXECUTOR_LOSS_MARKER}: executor {executor_id} was lost while the query ran"),
            );
        }
    }
}

/// The highest stage attempt in `graph` and the stage that reached it.
fn rerun_stage(graph: &ExecutionGraphBox) -> Option<(usize, usize)> {
    graph
        .stages()
        .iter()
        .map(|(id, stage)| (*id, stage_attempt(stage)))
        .filter(|(_, attempt)| *attempt > 0)
        .max_by_key(|(id, attempt)| (*attempt, std::cmp::Reverse(*id)))
}

fn stage_attempt(stage: &ExecutionStage) -> usize {
    match stage {
        ExecutionStage::UnResolved(s) => s.stage_attempt_num,
        ExecutionStage::Resolved(s) => s.stage_attempt_num,
        ExecutionStage::Running(s) => s.stage_attempt_num,
        ExecutionStage::Successful(s) => s.stage_attempt_num,
        ExecutionStage::Failed(s) => s.stage_attempt_num,
    }
}

/// Wrap `cluster`'s state stores with the guard. Returns the guarded cluster and the
/// stream of jobs to cancel, for [`cancel_refused_jobs`].
pub(crate) fn guard_cluster(cluster: &BallistaCluster) -> (BallistaCluster, UnboundedReceiver<JobId>) {
    let (cancel, to_cancel) = unbounded_channel();
    let guard = Guard {
        ledger: Arc::new(Mutex::new(Ledger {
            in_flight: HashSet::new(),
            refused: HashMap::new(),
        })),
        cancel,
    };
    let guarded = BallistaCluster::new(
        Arc::new(GuardedClusterState {
            inner: cluster.cluster_state(),
            guard: guard.clone(),
        }),
        Arc::new(GuardedJobState {
            inner: cluster.job_state(),
            guard,
        }),
    );
    (guarded, to_cancel)
}

/// Cancel each refused job through `cancel` (the scheduler's own cancellation, which
/// stops the job's tasks and stores its failed status) until the scheduler stops.
pub(crate) async fn cancel_refused_jobs<F, Fut>(mut to_cancel: UnboundedReceiver<JobId>, cancel: F)
where
    F: Fn(JobId) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    while let Some(job) = to_cancel.recv().await {
        if let Err(e) = cancel(job.clone()).await {
            log::warn!("could not cancel job {job} after an executor loss: {e}");
        }
    }
}

/// Ballista's cluster state, noting each executor it removes.
struct GuardedClusterState {
    inner: Arc<dyn ClusterState>,
    guard: Guard,
}

#[async_trait::async_trait]
impl ClusterState for GuardedClusterState {
    async fn init(&self) -> Result<()> {
        self.inner.init().await
    }

    async fn bind_schedulable_tasks(
        &self,
        distribution: TaskDistributionPolicy,
        active_jobs: Arc<HashMap<JobId, JobInfoCache>>,
        executors: Option<HashSet<String>>,
    ) -> Result<Vec<BoundTask>> {
        self.inner
            .bind_schedulable_tasks(distribution, active_jobs, executors)
            .await
    }

    async fn unbind_tasks(&self, executor_slots: Vec<ExecutorSlot>) -> Result<()> {
        self.inner.unbind_tasks(executor_slots).await
    }

    async fn register_executor(&self, metadata: ExecutorMetadata, spec: ExecutorData) -> Result<()> {
        self.inner.register_executor(metadata, spec).await
    }

    async fn save_executor_metadata(&self, metadata: ExecutorMetadata) -> Result<()> {
        self.inner.save_executor_metadata(metadata).await
    }

    async fn get_executor_metadata(&self, executor_id: &str) -> Result<ExecutorMetadata> {
        self.inner.get_executor_metadata(executor_id).await
    }

    async fn registered_executor_metadata(&self) -> Vec<ExecutorMetadata> {
        self.inner.registered_executor_metadata().await
    }

    async fn save_executor_heartbeat(&self, heartbeat: ExecutorHeartbeat) -> Result<()> {
        self.inner.save_executor_heartbeat(heartbeat).await
    }

    async fn remove_executor(&self, executor_id: &str) -> Result<()> {
        // Before Ballista resets any stage: the jobs in flight are refused first.
        self.guard.executor_removed(executor_id);
        self.inner.remove_executor(executor_id).await
    }

    fn executor_heartbeats(&self) -> HashMap<String, ExecutorHeartbeat> {
        self.inner.executor_heartbeats()
    }

    fn get_executor_heartbeat(&self, executor_id: &str) -> Option<ExecutorHeartbeat> {
        self.inner.get_executor_heartbeat(executor_id)
    }

    async fn cluster_state_events(&self) -> Result<ClusterStateEventStream> {
        self.inner.cluster_state_events().await
    }
}

/// Ballista's job state, refusing success to jobs the guard has refused.
struct GuardedJobState {
    inner: Arc<dyn JobState>,
    guard: Guard,
}

impl GuardedJobState {
    /// `graph` as it may be stored: failed with the refusal's reason if the job was
    /// refused. A running job with a re-run stage is refused (and cancelled) here.
    fn checked(&self, job_id: &JobId, graph: &ExecutionGraphBox) -> Option<ExecutionGraphBox> {
        let rerun = rerun_stage(graph).map(|(stage, attempt)| {
            format!(
                "{EXECUTOR_LOSS_MARKER}: stage {stage} of the query ran {} times after a failure",
                attempt + 1
            )
        });
        let own_error = match &graph.status().status {
            Some(job_status::Status::Successful(_)) => None,
            Some(job_status::Status::Failed(failed)) => Some(failed.error.clone()),
            _ => {
                if let Some(reason) = rerun {
                    self.guard.refuse(job_id, reason);
                }
                return None;
            }
        };
        let reason = self.forget(job_id).or(rerun)?;
        let mut failed = graph.cloned();
        failed.fail_job(match own_error {
            // The guard's own cancellation: its reason is the whole story.
            Some(error) if error != "Cancelled" => format!("{reason}; the job's own error: {error}"),
            _ => reason,
        });
        Some(failed)
    }

    /// Drop a finished job from the ledger; the reason it was refused, if it was.
    fn forget(&self, job_id: &JobId) -> Option<String> {
        let mut ledger = self.guard.ledger();
        ledger.in_flight.remove(job_id);
        ledger.refused.remove(job_id)
    }
}

#[async_trait::async_trait]
impl JobState for GuardedJobState {
    fn accept_job(&self, job_id: &JobId, job_name: &str, queued_at: u64) -> Result<()> {
        self.guard.ledger().in_flight.insert(job_id.clone());
        self.inner.accept_job(job_id, job_name, queued_at)
    }

    fn pending_job_number(&self) -> usize {
        self.inner.pending_job_number()
    }

    async fn submit_job(
        &self,
        job_id: JobId,
        graph: &ExecutionGraphBox,
        subscriber: Option<JobStatusSubscriber>,
    ) -> Result<()> {
        self.inner.submit_job(job_id, graph, subscriber).await
    }

    async fn get_jobs(&self) -> Result<HashSet<JobId>> {
        self.inner.get_jobs().await
    }

    async fn get_all_jobs(&self) -> Result<HashSet<JobId>> {
        self.inner.get_all_jobs().await
    }

    async fn get_job_status(&self, job_id: &JobId) -> Result<Option<JobStatus>> {
        self.inner.get_job_status(job_id).await
    }

    async fn get_execution_graph(&self, job_id: &JobId) -> Result<Option<ExecutionGraphBox>> {
        self.inner.get_execution_graph(job_id).await
    }

    async fn save_job(&self, job_id: &JobId, graph: &ExecutionGraphBox) -> Result<()> {
        match self.checked(job_id, graph) {
            Some(failed) => self.inner.save_job(job_id, &failed).await,
            None => self.inner.save_job(job_id, graph).await,
        }
    }

    async fn fail_unscheduled_job(&self, job_id: &JobId, reason: String) -> Result<()> {
        self.forget(job_id);
        self.inner.fail_unscheduled_job(job_id, reason).await
    }

    async fn remove_job(&self, job_id: &JobId) -> Result<()> {
        self.forget(job_id);
        self.inner.remove_job(job_id).await
    }

    async fn try_acquire_job(&self, job_id: &JobId) -> Result<Option<ExecutionGraphBox>> {
        self.inner.try_acquire_job(job_id).await
    }

    async fn job_state_events(&self) -> Result<JobStateEventStream> {
        self.inner.job_state_events().await
    }

    async fn create_or_update_session(&self, session_id: &str, config: &SessionConfig) -> Result<Arc<SessionContext>> {
        self.inner.create_or_update_session(session_id, config).await
    }

    async fn remove_session(&self, session_id: &str) -> Result<()> {
        self.inner.remove_session(session_id).await
    }

    fn produce_config(&self) -> SessionConfig {
        self.inner.produce_config()
    }
}
