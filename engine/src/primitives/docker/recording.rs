//! The backends of `--dry-run` and `--plan`: [`RecordingApi`] records every call as its
//! `docker …` equivalent through the run's recording runner; [`PlanApi`] sends reads to
//! the engine and records the writes. Only [`backend_for`](super::backend_for) builds them.

use std::sync::Arc;

use super::api::{Applied, BuildSpec, ContainerStatus, DockerApi, DockerError, ImageInfo, RunOutput, RunSpec};
use super::auth::Credentials;
use super::cli::{build_command, run_command, simple};
use super::engine::EngineClient;
use super::reference::ImageRef;
use crate::process::{Completion, Effect, Invocation, LineObserver, Quiet, Runner};

/// Records every call as its `docker …` equivalent through the run's recording runner
/// (which emits `EffectRecorded`). Only [`backend_for`] builds one, and only with a
/// recording runner: the invocations are never executed.
pub(super) struct RecordingApi {
    pub(super) runner: Arc<dyn Runner>,
}

impl RecordingApi {
    fn record<T>(&self, invocation: Invocation) -> Result<Applied<T>, DockerError> {
        match self.runner.run(&invocation, &Quiet) {
            Ok(Completion::Recorded) => Ok(Applied::Recorded),
            Ok(Completion::Ran(_)) => {
                Err(DockerError::Failed(format!("internal error: `{invocation}` was run instead of recorded")))
            }
            Err(e) => Err(DockerError::Failed(e.to_string())),
        }
    }
}

impl DockerApi for RecordingApi {
    fn inspect_image(&self, image: &str) -> Result<Applied<Option<ImageInfo>>, DockerError> {
        self.record(simple(Effect::Read, &["image", "inspect", image]))
    }
    fn registry_digest(
        &self,
        image: &ImageRef,
        _: Option<&Credentials>,
    ) -> Result<Applied<Option<String>>, DockerError> {
        self.record(simple(Effect::Read, &["manifest", "inspect", &image.with_tag_or_latest()]))
    }
    fn build(&self, spec: &BuildSpec, _: &dyn LineObserver) -> Result<Applied<String>, DockerError> {
        self.record(build_command(spec))
    }
    fn tag(&self, source: &str, target: &ImageRef) -> Result<Applied<()>, DockerError> {
        self.record(simple(Effect::Write, &["tag", source, &target.to_string()]))
    }
    fn push(
        &self,
        image: &ImageRef,
        _: Option<&Credentials>,
        _: &dyn LineObserver,
    ) -> Result<Applied<Option<String>>, DockerError> {
        self.record(simple(Effect::Write, &["push", &image.with_tag_or_latest()]))
    }
    fn pull(
        &self,
        image: &ImageRef,
        _: Option<&Credentials>,
        _: &dyn LineObserver,
    ) -> Result<Applied<()>, DockerError> {
        self.record(simple(Effect::Write, &["pull", &image.with_tag_or_latest()]))
    }
    fn remove_image(&self, image: &str, force: bool) -> Result<Applied<bool>, DockerError> {
        let args: &[&str] = if force { &["rmi", "-f", image] } else { &["rmi", image] };
        self.record(simple(Effect::Write, args))
    }
    fn run(&self, spec: &RunSpec, _: &dyn LineObserver) -> Result<Applied<RunOutput>, DockerError> {
        self.record(run_command(spec))
    }
    fn container_states(&self, ids: &[String]) -> Result<Applied<Vec<ContainerStatus>>, DockerError> {
        let mut args = vec!["inspect"];
        args.extend(ids.iter().map(String::as_str));
        self.record(simple(Effect::Read, &args))
    }
}

/// `--plan`: reads go to the engine, writes are recorded.
pub(super) struct PlanApi {
    pub(super) reads: EngineClient,
    pub(super) writes: RecordingApi,
}

impl DockerApi for PlanApi {
    fn inspect_image(&self, image: &str) -> Result<Applied<Option<ImageInfo>>, DockerError> {
        self.reads.inspect_image(image)
    }
    fn registry_digest(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
    ) -> Result<Applied<Option<String>>, DockerError> {
        self.reads.registry_digest(image, auth)
    }
    fn build(&self, spec: &BuildSpec, observer: &dyn LineObserver) -> Result<Applied<String>, DockerError> {
        self.writes.build(spec, observer)
    }
    fn tag(&self, source: &str, target: &ImageRef) -> Result<Applied<()>, DockerError> {
        self.writes.tag(source, target)
    }
    fn push(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
        observer: &dyn LineObserver,
    ) -> Result<Applied<Option<String>>, DockerError> {
        self.writes.push(image, auth, observer)
    }
    fn pull(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
        observer: &dyn LineObserver,
    ) -> Result<Applied<()>, DockerError> {
        self.writes.pull(image, auth, observer)
    }
    fn remove_image(&self, image: &str, force: bool) -> Result<Applied<bool>, DockerError> {
        self.writes.remove_image(image, force)
    }
    fn run(&self, spec: &RunSpec, observer: &dyn LineObserver) -> Result<Applied<RunOutput>, DockerError> {
        self.writes.run(spec, observer)
    }
    fn container_states(&self, ids: &[String]) -> Result<Applied<Vec<ContainerStatus>>, DockerError> {
        self.reads.container_states(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::docker::backend_for;
    use crate::process::{Backend as _, Mode, RecordingRunner};

    #[test]
    fn the_recording_backend_records_through_the_runner() {
        let runner = Arc::new(RecordingRunner::new());
        let api = backend_for(Mode::DryRun, runner.clone());
        let image = ImageRef::parse("reg:5000/app:1").unwrap();
        assert_eq!(api.tag("app:dev", &image), Ok(Applied::Recorded));
        assert_eq!(api.push(&image, None, &Quiet), Ok(Applied::Recorded));
        assert_eq!(api.inspect_image("app:dev"), Ok(Applied::Recorded));
        assert_eq!(api.remove_image("app:dev", true), Ok(Applied::Recorded));
        let recorded: Vec<String> = runner.recorded().iter().map(|e| format!("{:?} {}", e.effect, e.command)).collect();
        expect_test::expect![[r#"
            [
                "Write docker tag app:dev reg:5000/app:1",
                "Write docker push reg:5000/app:1",
                "Read docker image inspect app:dev",
                "Write docker rmi -f app:dev",
            ]
        "#]]
        .assert_debug_eq(&recorded);
    }
}
