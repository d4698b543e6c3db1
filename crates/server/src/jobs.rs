//! Periodic background jobs: a registry of named tasks, each run every N seconds by `serve`.
//!
//! The `jobs` table holds each task's next run and a lease, so a task runs at most once at a time
//! even with several server processes on one database, and a restart does not re-run a task
//! before it is due. Tasks receive a [`JobContext`] with the store, the services (mailer, HTTP
//! client) and `now`: they never read the clock, so tests run them synchronously at any instant
//! with [`Jobs::run_due`]. Tasks must be idempotent (a crash mid-run means it runs again).
//!
//! Registration point: [`registry`] — one line per module.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tradelane_store::Store;

use crate::notify::Services;

/// What a task gets for one run.
#[derive(Clone)]
pub struct JobContext {
    pub store: Store,
    /// The instant the run is for; use it instead of the clock.
    pub now: Timestamp,
    pub services: Arc<Services>,
}

type TaskFuture = Pin<Box<dyn Future<Output = anyhow::Result<String>> + Send>>;
type TaskFn = Arc<dyn Fn(JobContext) -> TaskFuture + Send + Sync>;

/// One registered periodic task.
#[derive(Clone)]
pub struct PeriodicTask {
    pub name: &'static str,
    pub every: Duration,
    run: TaskFn,
}

impl std::fmt::Debug for PeriodicTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeriodicTask")
            .field("name", &self.name)
            .field("every", &self.every)
            .finish()
    }
}

/// The outcome of one run of one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub name: &'static str,
    pub ok: bool,
    /// The task's summary, or the error.
    pub message: String,
}

/// A set of periodic tasks.
#[derive(Clone, Default, Debug)]
pub struct Jobs {
    tasks: Vec<PeriodicTask>,
}

/// A lease longer than any sane run: a crashed runner's job becomes claimable again after it.
const LEASE: SignedDuration = SignedDuration::from_mins(15);

impl Jobs {
    pub fn new() -> Jobs {
        Jobs::default()
    }

    /// Registers `f` to run every `every` (first run: as soon as the runner starts). Names are
    /// unique (`module.what`); registering a name again replaces the task.
    pub fn every<F, Fut>(&mut self, name: &'static str, every: Duration, f: F) -> &mut Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<String>> + Send + 'static,
    {
        self.tasks.retain(|t| t.name != name);
        self.tasks.push(PeriodicTask {
            name,
            every: every.max(Duration::from_secs(1)),
            run: Arc::new(move |ctx| Box::pin(f(ctx))),
        });
        self
    }

    pub fn tasks(&self) -> &[PeriodicTask] {
        &self.tasks
    }

    /// Runs every task that is due at `now` (and not leased by another runner), in registration
    /// order, and schedules each one's next run at `now + every`. A failing task is recorded
    /// and does not stop the others.
    pub async fn run_due(
        &self,
        store: &Store,
        services: Arc<Services>,
        now: Timestamp,
    ) -> Vec<JobRun> {
        let mut runs = Vec::new();
        for task in &self.tasks {
            let every = secs(task.every);
            if let Err(e) = store.ensure_job(task.name, every, now).await {
                runs.push(JobRun {
                    name: task.name,
                    ok: false,
                    message: format!("cannot register: {e}"),
                });
                continue;
            }
            let lease_until = now.checked_add(LEASE).unwrap_or(now);
            match store.claim_job(task.name, now, lease_until).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    runs.push(JobRun {
                        name: task.name,
                        ok: false,
                        message: format!("cannot claim: {e}"),
                    });
                    continue;
                }
            }
            runs.push(self.execute(task, store, services.clone(), now).await);
        }
        runs
    }

    /// Runs one task now whatever its schedule (for `tradelane jobs run NAME` and tests); its
    /// next scheduled run moves to `now + every`. None when no task has that name.
    pub async fn run_named(
        &self,
        name: &str,
        store: &Store,
        services: Arc<Services>,
        now: Timestamp,
    ) -> Option<JobRun> {
        let task = self.tasks.iter().find(|t| t.name == name)?;
        if let Err(e) = store.ensure_job(task.name, secs(task.every), now).await {
            return Some(JobRun {
                name: task.name,
                ok: false,
                message: format!("cannot register: {e}"),
            });
        }
        Some(self.execute(task, store, services, now).await)
    }

    async fn execute(
        &self,
        task: &PeriodicTask,
        store: &Store,
        services: Arc<Services>,
        now: Timestamp,
    ) -> JobRun {
        let ctx = JobContext {
            store: store.clone(),
            now,
            services,
        };
        let result = (task.run)(ctx).await;
        let (ok, message) = match result {
            Ok(summary) => (true, summary),
            Err(e) => (false, format!("{e:#}")),
        };
        if ok {
            tracing::debug!(job = task.name, %message, "job finished");
        } else {
            tracing::warn!(job = task.name, %message, "job failed");
        }
        let next = now
            .checked_add(SignedDuration::from_secs(secs(task.every)))
            .unwrap_or(now);
        if let Err(e) = store.finish_job(task.name, now, ok, &message, next).await {
            tracing::error!(job = task.name, error = %e, "cannot record job run");
        }
        JobRun {
            name: task.name,
            ok,
            message,
        }
    }

    /// Runs the tasks in the background: every `tick`, whatever is due at the current time.
    pub fn spawn(
        self,
        store: Store,
        services: Arc<Services>,
        tick: Duration,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let now = tradelane_store::now();
                for run in self.run_due(&store, services.clone(), now).await {
                    if !run.ok {
                        tracing::warn!(job = run.name, message = %run.message, "background job failed");
                    }
                }
            }
        })
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1)
}

/// Every periodic task of the application. Modules add one line here.
pub fn registry() -> Jobs {
    let mut jobs = Jobs::new();
    crate::notify::register(&mut jobs);
    crate::notify::register_exceptions(&mut jobs);
    crate::tax_reminders::register(&mut jobs);
    crate::carrier_poll::register(&mut jobs);
    crate::vault::register(&mut jobs);
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn due_tasks_run_once_per_interval_and_failures_are_recorded() {
        for store in tradelane_store::testing::all_backends().await {
            let dir = tempfile::tempdir().unwrap();
            let services = Arc::new(Services::for_tests(dir.path()));
            let counter = Arc::new(AtomicUsize::new(0));
            let mut jobs = Jobs::new();
            let c = counter.clone();
            jobs.every("test.count", Duration::from_secs(60), move |_ctx| {
                let c = c.clone();
                async move {
                    let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                    Ok(format!("run {n}"))
                }
            });
            jobs.every("test.fail", Duration::from_secs(60), |_ctx| async move {
                anyhow::bail!("always fails")
            });
            let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
            let runs = jobs.run_due(&store, services.clone(), t0).await;
            assert_eq!(runs.len(), 2, "{}", store.label());
            assert!(runs[0].ok && !runs[1].ok);
            assert_eq!(runs[1].message, "always fails");
            // Not due again within the minute.
            let t1 = t0.checked_add(SignedDuration::from_secs(59)).unwrap();
            assert!(jobs.run_due(&store, services.clone(), t1).await.is_empty());
            let t2 = t0.checked_add(SignedDuration::from_secs(60)).unwrap();
            assert_eq!(jobs.run_due(&store, services.clone(), t2).await.len(), 2);
            assert_eq!(counter.load(Ordering::SeqCst), 2);
            let rows = store.list_jobs().await.unwrap();
            let fail = rows.iter().find(|r| r.name == "test.fail").unwrap();
            assert_eq!(fail.last_ok, Some(false));
            assert_eq!(fail.run_count, 2);
            assert!(fail.lease_until.is_none());
        }
    }

    #[tokio::test]
    async fn a_leased_job_is_not_run_by_a_second_runner() {
        let store = tradelane_store::testing::sqlite().await;
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        store.ensure_job("x", 60, t0).await.unwrap();
        let lease = t0.checked_add(LEASE).unwrap();
        assert!(store.claim_job("x", t0, lease).await.unwrap());
        assert!(
            !store.claim_job("x", t0, lease).await.unwrap(),
            "second claim while leased"
        );
        // After the lease expires (a crashed runner), the job can be claimed again.
        let later = lease.checked_add(SignedDuration::from_secs(1)).unwrap();
        assert!(store.claim_job("x", later, later).await.unwrap());
    }
}
