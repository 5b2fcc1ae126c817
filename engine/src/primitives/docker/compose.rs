//! `docker::compose_up` / `compose_down`: the compose CLI through the runner seam (the
//! Compose plugin `docker compose`, or the standalone `docker-compose`, whichever is
//! installed), and waiting for health through the engine.
//!
//! Waiting polls the engine instead of relying on `up --wait`: the standalone v1 CLI has
//! no `--wait`, and polling lets the error name every service that is not ready and why.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Deserialize;

use super::api::{Applied, ContainerStatus};
use super::{failed, Docker, Problem};
use crate::process::{describe_failure, Completion, Effect, Invocation, Quiet, RunError, Stream};
use crate::report::Event;
use crate::runtime::waiting::{pause, Stopped};

/// Default for `timeout`: long enough for a database's first start.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// The options of `docker::compose_up`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpOptions {
    /// Compose profiles, each passed as `--profile`.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Wait until every service is healthy (or running, without a healthcheck; or exited
    /// 0, for one-shot services).
    /// Default: `true`.
    pub wait: Option<bool>,
    /// Repository-relative `.env` file for variable substitution (`--env-file`).
    pub env_file: Option<String>,
    /// Build images before starting (`up --build`).
    #[serde(default)]
    pub build: bool,
    /// Only these services.
    /// Default: all.
    #[serde(default)]
    pub services: Vec<String>,
    /// How long `wait` waits.
    /// Default: `"5m"`.
    pub timeout: Option<String>,
}

/// The options of `docker::compose_down`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DownOptions {
    /// Also remove named volumes (`down --volumes`): the data is gone.
    #[serde(default)]
    pub volumes: bool,
    /// Repository-relative `.env` file (`--env-file`).
    pub env_file: Option<String>,
    /// Compose profiles, each passed as `--profile`.
    #[serde(default)]
    pub profiles: Vec<String>,
}

/// A compose project folder and its `.env` file, resolved by the binding.
#[derive(Debug, Clone)]
pub struct Project {
    pub dir: PathBuf,
    pub env_file: Option<PathBuf>,
    pub profiles: Vec<String>,
}

/// Which compose CLI is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cli {
    /// `docker compose` (v2 plugin).
    Plugin,
    /// `docker-compose` (standalone).
    Standalone,
}

impl Cli {
    fn invocation(self, effect: Effect, project: &Project) -> Invocation {
        let mut invocation = match self {
            Cli::Plugin => Invocation::new("docker", effect).arg("compose"),
            Cli::Standalone => Invocation::new("docker-compose", effect),
        };
        if let Some(env_file) = &project.env_file {
            invocation = invocation.args(["--env-file".to_string(), env_file.display().to_string()]);
        }
        for profile in &project.profiles {
            invocation = invocation.args(["--profile", profile]);
        }
        invocation.cwd(&project.dir)
    }
}

/// Finds the compose CLI: `docker compose version`, else `docker-compose version` (reads;
/// in dry-run only recorded, and the plugin is assumed for the plan).
pub fn detect(docker: &Docker) -> Result<Cli, Problem> {
    let candidates = [
        (Cli::Plugin, Invocation::new("docker", Effect::Read).args(["compose", "version"])),
        (Cli::Standalone, Invocation::new("docker-compose", Effect::Read).arg("version")),
    ];
    for (cli, invocation) in candidates {
        match docker.runner.run(&invocation, &Quiet) {
            Ok(Completion::Recorded) => return Ok(Cli::Plugin),
            Ok(Completion::Ran(output)) if output.success() => return Ok(cli),
            Ok(Completion::Ran(_)) | Err(RunError::NotFound { .. }) => continue,
            Err(e) => return Err(Problem::Failed(e.to_string())),
        }
    }
    Err(Problem::Failed(
        "neither `docker compose` (the Compose plugin) nor `docker-compose` is installed: install the `docker-compose-plugin` (or `docker-compose`) package".into(),
    ))
}

pub fn up_invocation(cli: Cli, project: &Project, options: &UpOptions) -> Invocation {
    let mut invocation = cli.invocation(Effect::Write, project).args(["up", "--detach"]);
    if options.build {
        invocation = invocation.arg("--build");
    }
    invocation.args(options.services.iter().cloned())
}

pub fn down_invocation(cli: Cli, project: &Project, options: &DownOptions) -> Invocation {
    let invocation = cli.invocation(Effect::Write, project).arg("down");
    if options.volumes {
        invocation.arg("--volumes")
    } else {
        invocation
    }
}

/// The project's containers, stopped ones included (one-shot services count).
pub fn ps_invocation(cli: Cli, project: &Project, services: &[String]) -> Invocation {
    cli.invocation(Effect::Read, project).args(["ps", "--all", "--quiet"]).args(services.iter().cloned())
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpOutcome {
    /// Service → `healthy`, `running`, `exited 0` (empty when not waited for).
    Ready(Vec<(String, String)>),
    Recorded,
}

fn run_compose(docker: &Docker, invocation: &Invocation) -> Result<Option<String>, Problem> {
    let at = docker.runner.context();
    let observer = |_: Stream, line: &str| at.emit(Event::ToolOutput { line: line.to_string() });
    match docker.runner.run(invocation, &observer) {
        Ok(Completion::Recorded) => Ok(None),
        Ok(Completion::Ran(output)) if output.success() => Ok(Some(output.stdout_text())),
        Ok(Completion::Ran(output)) => Err(Problem::Failed(describe_failure(invocation, &output))),
        Err(RunError::Interrupted { command }) => Err(Problem::Interrupted(format!("`{command}` was interrupted"))),
        Err(e) => Err(Problem::Failed(e.to_string())),
    }
}

pub fn up(docker: &Docker, project: &Project, options: &UpOptions) -> Result<UpOutcome, Problem> {
    let timeout = match &options.timeout {
        Some(text) => crate::primitives::exec::parse_duration(text).map_err(Problem::BadInput)?,
        None => DEFAULT_WAIT,
    };
    let cli = detect(docker)?;
    if run_compose(docker, &up_invocation(cli, project, options))?.is_none() {
        return Ok(UpOutcome::Recorded);
    }
    if !options.wait.unwrap_or(true) {
        return Ok(UpOutcome::Ready(Vec::new()));
    }
    let Some(listing) = run_compose(docker, &ps_invocation(cli, project, &options.services))? else {
        return Ok(UpOutcome::Recorded);
    };
    let ids: Vec<String> = listing.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    wait_ready(docker, &ids, timeout)
}

pub fn down(docker: &Docker, project: &Project, options: &DownOptions) -> Result<bool, Problem> {
    let cli = detect(docker)?;
    Ok(run_compose(docker, &down_invocation(cli, project, options))?.is_some())
}

/// Where a set of containers stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Readiness {
    Ready(Vec<(String, String)>),
    /// Services still starting, with their state.
    Waiting(Vec<(String, String)>),
    /// Services that will not become ready, with why.
    Failed(Vec<(String, String)>),
}

/// Ready: healthy; or running without a healthcheck; or exited 0 (a one-shot service such
/// as a schema migration). Failed: unhealthy, exited non-zero, dead.
pub fn assess(states: &[ContainerStatus]) -> Readiness {
    let (mut ready, mut waiting, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for status in states {
        let entry = |what: String| (status.service.clone(), what);
        match (status.state.as_str(), status.health.as_deref()) {
            // A finished container's health is stale: its exit code is what counts.
            ("exited", _) if status.exit_code == 0 => ready.push(entry("exited 0".into())),
            ("exited", _) => failed.push(entry(format!("exited with code {}", status.exit_code))),
            (_, Some("unhealthy")) => failed.push(entry("unhealthy".into())),
            ("running", Some("healthy")) => ready.push(entry("healthy".into())),
            ("running", None) => ready.push(entry("running".into())),
            ("dead", _) => failed.push(entry("dead".into())),
            (state, Some(health)) => waiting.push(entry(format!("{state}, {health}"))),
            (state, None) => waiting.push(entry(state.to_string())),
        }
    }
    if !failed.is_empty() {
        Readiness::Failed(failed)
    } else if !waiting.is_empty() {
        Readiness::Waiting(waiting)
    } else {
        Readiness::Ready(ready)
    }
}

fn listed(services: &[(String, String)]) -> String {
    services.iter().map(|(name, state)| format!("`{name}` ({state})")).collect::<Vec<_>>().join(", ")
}

fn wait_ready(docker: &Docker, ids: &[String], timeout: Duration) -> Result<UpOutcome, Problem> {
    if ids.is_empty() {
        return Err(Problem::Failed("compose started no containers: check the services and profiles".into()));
    }
    let started = Instant::now();
    let at = docker.runner.context();
    let mut last_waiting = String::new();
    loop {
        let states = match docker.api.container_states(ids).map_err(|e| failed("checking the compose services", e))? {
            Applied::Done(states) => states,
            Applied::Recorded => return Ok(UpOutcome::Recorded),
        };
        match assess(&states) {
            Readiness::Ready(services) => return Ok(UpOutcome::Ready(services)),
            Readiness::Failed(services) => {
                return Err(Problem::Failed(format!(
                    "compose services failed: {} (see `docker logs <container>`)",
                    listed(&services)
                )))
            }
            Readiness::Waiting(services) => {
                let now = listed(&services);
                if now != last_waiting {
                    at.emit(Event::Progress { message: format!("waiting for {now}") });
                    last_waiting = now.clone();
                }
                if started.elapsed() >= timeout {
                    return Err(Problem::Failed(format!(
                        "compose services not ready within {}: {now}",
                        humantime::format_duration(timeout)
                    )));
                }
            }
        }
        // Ctrl-C and the step's own timeout end the wait at once, as they end `sleep`.
        match pause(Duration::from_millis(500), at.deadline.as_ref()) {
            Ok(()) => {}
            Err(Stopped::Interrupted) => {
                return Err(Problem::Interrupted("waiting for the compose services was interrupted".into()))
            }
            Err(deadline) => {
                return Err(Problem::Failed(format!(
                    "{deadline} while waiting for the compose services: {last_waiting}"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::docker::api::{BuildSpec, ImageInfo, RunOutput, RunSpec};
    use crate::primitives::docker::auth::Credentials;
    use crate::primitives::docker::{DockerApi, DockerError, ImageRef};
    use crate::process::LineObserver;

    fn status(service: &str, state: &str, exit_code: i64, health: Option<&str>) -> ContainerStatus {
        ContainerStatus {
            id: format!("id-{service}"),
            name: format!("project_{service}_1"),
            service: service.into(),
            state: state.into(),
            exit_code,
            health: health.map(str::to_string),
        }
    }

    /// An engine whose containers never become ready.
    struct Starting;

    impl DockerApi for Starting {
        fn inspect_image(&self, _: &str) -> Result<Applied<Option<ImageInfo>>, DockerError> {
            unreachable!()
        }
        fn registry_digest(
            &self,
            _: &ImageRef,
            _: Option<&Credentials>,
        ) -> Result<Applied<Option<String>>, DockerError> {
            unreachable!()
        }
        fn build(&self, _: &BuildSpec, _: &dyn LineObserver) -> Result<Applied<String>, DockerError> {
            unreachable!()
        }
        fn tag(&self, _: &str, _: &ImageRef) -> Result<Applied<()>, DockerError> {
            unreachable!()
        }
        fn push(
            &self,
            _: &ImageRef,
            _: Option<&Credentials>,
            _: &dyn LineObserver,
        ) -> Result<Applied<Option<String>>, DockerError> {
            unreachable!()
        }
        fn pull(
            &self,
            _: &ImageRef,
            _: Option<&Credentials>,
            _: &dyn LineObserver,
        ) -> Result<Applied<()>, DockerError> {
            unreachable!()
        }
        fn remove_image(&self, _: &str, _: bool) -> Result<Applied<bool>, DockerError> {
            unreachable!()
        }
        fn run(&self, _: &RunSpec, _: &dyn LineObserver) -> Result<Applied<RunOutput>, DockerError> {
            unreachable!()
        }
        fn container_states(&self, ids: &[String]) -> Result<Applied<Vec<ContainerStatus>>, DockerError> {
            Ok(Applied::Done(ids.iter().map(|id| status(id, "running", 0, Some("starting"))).collect()))
        }
    }

    #[test]
    fn waiting_gives_up_after_the_timeout_naming_what_is_not_ready() {
        let runner = crate::process::RecordingRunner::new();
        let docker = Docker { api: &Starting, runner: &runner, config: None };
        let error = wait_ready(&docker, &["db".into(), "web".into()], Duration::ZERO).unwrap_err();
        expect_test::expect![
            "compose services not ready within 0s: `db` (running, starting), `web` (running, starting)"
        ]
        .assert_eq(error.message());
        let none = wait_ready(&docker, &[], Duration::ZERO).unwrap_err();
        expect_test::expect!["compose started no containers: check the services and profiles"]
            .assert_eq(none.message());
    }

    #[test]
    fn a_missing_compose_cli_says_what_to_install() {
        struct Nothing;
        impl crate::process::Runner for Nothing {
            fn run(&self, invocation: &Invocation, _: &dyn LineObserver) -> Result<Completion, RunError> {
                Err(RunError::NotFound { program: invocation.program.clone() })
            }
            fn write_file(&self, _: &crate::process::FileWrite) -> Result<crate::process::WriteOutcome, RunError> {
                unreachable!()
            }
        }
        let docker = Docker { api: &Starting, runner: &Nothing, config: None };
        expect_test::expect!["neither `docker compose` (the Compose plugin) nor `docker-compose` is installed: install the `docker-compose-plugin` (or `docker-compose`) package"]
            .assert_eq(detect(&docker).unwrap_err().message());
    }

    #[test]
    fn invocations_for_both_clis() {
        let project = Project {
            dir: "/repo/docker_compose".into(),
            env_file: Some("/repo/docker_compose/generated/.env".into()),
            profiles: vec!["tls".into()],
        };
        let options = UpOptions { build: true, services: vec!["db".into()], ..Default::default() };
        let lines = [
            up_invocation(Cli::Plugin, &project, &options).to_string(),
            up_invocation(Cli::Standalone, &project, &UpOptions::default()).to_string(),
            down_invocation(Cli::Standalone, &project, &DownOptions { volumes: true, ..Default::default() })
                .to_string(),
            ps_invocation(Cli::Plugin, &project, &[]).to_string(),
        ];
        expect_test::expect![[r#"
            cd /repo/docker_compose && docker compose --env-file /repo/docker_compose/generated/.env --profile tls up --detach --build db
            cd /repo/docker_compose && docker-compose --env-file /repo/docker_compose/generated/.env --profile tls up --detach
            cd /repo/docker_compose && docker-compose --env-file /repo/docker_compose/generated/.env --profile tls down --volumes
            cd /repo/docker_compose && docker compose --env-file /repo/docker_compose/generated/.env --profile tls ps --all --quiet"#]]
        .assert_eq(&lines.join("\n"));
    }

    #[test]
    fn readiness_accepts_one_shot_services_and_names_the_failing_ones() {
        let ready = assess(&[
            status("db", "running", 0, Some("healthy")),
            status("web", "running", 0, None),
            status("schema", "exited", 0, Some("starting")),
        ]);
        assert_eq!(
            ready,
            Readiness::Ready(vec![
                ("db".into(), "healthy".into()),
                ("web".into(), "running".into()),
                ("schema".into(), "exited 0".into())
            ])
        );
        let waiting = assess(&[status("db", "running", 0, Some("starting")), status("web", "created", 0, None)]);
        assert_eq!(
            waiting,
            Readiness::Waiting(vec![("db".into(), "running, starting".into()), ("web".into(), "created".into())])
        );
        let Readiness::Failed(failed) = assess(&[
            status("db", "running", 0, Some("unhealthy")),
            status("schema", "exited", 3, None),
            status("web", "running", 0, Some("starting")),
        ]) else {
            panic!("expected a failure")
        };
        expect_test::expect!["`db` (unhealthy), `schema` (exited with code 3)"].assert_eq(&listed(&failed));
    }
}
