//! How a run's docker calls happen, decided once by the run from its mode
//! (`run::Run::new`): to the engine, recorded, or reads to the engine and writes recorded.

use std::sync::Arc;

use super::api::DockerApi;
use super::engine::EngineClient;
use super::recording::{PlanApi, RecordingApi};
use crate::process::Runner;

/// How a run's docker calls happen. One engine connection serves the whole run.
#[derive(Clone)]
pub enum DockerCalls {
    /// A real run: everything goes to the engine.
    Engine(Arc<EngineClient>),
    /// `--dry-run`: every call is recorded as its `docker …` equivalent.
    Recorded,
    /// `--plan`: reads go to the engine, writes are recorded.
    ReadsOnly(Arc<EngineClient>),
}

impl DockerCalls {
    pub fn engine() -> Arc<EngineClient> {
        Arc::new(EngineClient::from_env())
    }

    /// The calls of one scope: `runner` is that scope's runner, which the recording
    /// backends record through, so docker effects join the same plan under the same step.
    pub fn through(&self, runner: Arc<dyn Runner>) -> Arc<dyn DockerApi> {
        match self {
            DockerCalls::Engine(engine) => engine.clone(),
            DockerCalls::Recorded => Arc::new(RecordingApi { runner }),
            DockerCalls::ReadsOnly(engine) => {
                Arc::new(PlanApi { reads: engine.clone(), writes: RecordingApi { runner } })
            }
        }
    }
}
