//! The seam between the docker primitive and the engine, like
//! [`Runner`](crate::process::Runner) is for processes: the [`DockerApi`] trait, the
//! specs and results it carries ([`DockerCalls`](super::DockerCalls) is how a run makes them). A run talks to the
//! engine through bollard ([`EngineClient`](super::engine::EngineClient), the only code
//! that talks to the engine); `--dry-run` records every call as the equivalent `docker …`
//! command through the run's recording runner (so it lands in the plan and the
//! `EffectRecorded` events like any other effect); `--plan` inspects for real and records
//! the rest ([`super::recording`]). The run picks its `DockerCalls` from its mode
//! (`run::Run::new`), once.

use std::collections::BTreeMap;
use std::time::Duration;

use super::auth::Credentials;
use super::build::BuildContext;
use super::reference::ImageRef;
use crate::process::LineObserver;

/// What became of an engine call: done (with its result), or recorded for the plan. As
/// with [`Completion::Recorded`](crate::process::Completion::Recorded), callers must not invent a result for `Recorded`.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied<T> {
    Done(T),
    Recorded,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DockerError {
    #[error("cannot reach the Docker engine at `{host}` ({reason}): {hint}")]
    Unreachable { host: String, reason: String, hint: String },
    /// The engine answered with an error status (404s the caller expects are handled
    /// before this surfaces).
    #[error("{message}")]
    Engine { status: u16, message: String },
    /// A streamed operation (build, push, pull) reported an error.
    #[error("{0}")]
    Failed(String),
    #[error("interrupted")]
    Interrupted,
    #[error("did not finish within {}", humantime::format_duration(*.0))]
    TimedOut(Duration),
}

/// Local image metadata, as `docker::inspect` returns it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageInfo {
    pub id: String,
    pub tags: Vec<String>,
    pub digests: Vec<String>,
    pub created: Option<String>,
    pub size: Option<i64>,
    pub architecture: Option<String>,
    pub os: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub workdir: Option<String>,
}

/// Everything a build needs; `display_*` are repository-relative paths for plans.
#[derive(Debug)]
pub struct BuildSpec {
    pub context: BuildContext,
    pub display_context: String,
    /// Shown as `-f` in plans when it is not `<context>/Dockerfile`.
    pub display_dockerfile: String,
    pub tags: Vec<String>,
    pub build_args: Vec<(String, String)>,
    pub labels: Vec<(String, String)>,
    pub target: Option<String>,
    pub platform: Option<String>,
    pub pull: bool,
}

#[derive(Debug, Clone)]
pub struct RunSpec {
    pub image: String,
    pub cmd: Option<Vec<String>>,
    pub env: Vec<(String, crate::process::Value)>,
    /// `host:container[:ro]` with absolute host paths, or `volume:container[:ro]`.
    pub binds: Vec<String>,
    pub network: Option<String>,
    pub workdir: Option<String>,
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    pub code: i64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// One container as compose health checks see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerStatus {
    pub id: String,
    pub name: String,
    /// `com.docker.compose.service`, or the name.
    pub service: String,
    /// `running`, `exited`, `created`, …
    pub state: String,
    pub exit_code: i64,
    /// `starting`, `healthy`, `unhealthy`; `None` without a healthcheck.
    pub health: Option<String>,
}

/// The seam between the docker primitive and the engine. Reads: `inspect_image`,
/// `registry_digest`, `container_states`; everything else writes.
pub trait DockerApi: Send + Sync {
    /// `Done(None)` when the image is not present locally.
    fn inspect_image(&self, image: &str) -> Result<Applied<Option<ImageInfo>>, DockerError>;
    /// The manifest digest in the registry, `Done(None)` when the tag is not there.
    fn registry_digest(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
    ) -> Result<Applied<Option<String>>, DockerError>;
    /// Builds and tags; returns the image ID.
    fn build(&self, spec: &BuildSpec, observer: &dyn LineObserver) -> Result<Applied<String>, DockerError>;
    fn tag(&self, source: &str, target: &ImageRef) -> Result<Applied<()>, DockerError>;
    /// Returns the pushed manifest digest when the engine reports it.
    fn push(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
        observer: &dyn LineObserver,
    ) -> Result<Applied<Option<String>>, DockerError>;
    fn pull(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
        observer: &dyn LineObserver,
    ) -> Result<Applied<()>, DockerError>;
    /// `Done(false)` when there was no such image.
    fn remove_image(&self, image: &str, force: bool) -> Result<Applied<bool>, DockerError>;
    /// Runs a container to completion and removes it, also on error, timeout and Ctrl-C.
    fn run(&self, spec: &RunSpec, observer: &dyn LineObserver) -> Result<Applied<RunOutput>, DockerError>;
    fn container_states(&self, ids: &[String]) -> Result<Applied<Vec<ContainerStatus>>, DockerError>;
}
