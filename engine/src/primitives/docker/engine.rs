//! The Docker Engine API adapter, through bollard: the only code in `auto` that talks to
//! the engine. It implements [`DockerApi`] for real runs (and for the reads of `--plan`).
//!
//! The engine API is async; the rest of `auto` is threads. Each call blocks the calling
//! thread on a small tokio runtime, and the future itself runs on that thread, so
//! observers (which emit events labelled by the thread's step) see the right context.

use std::collections::HashMap;
use std::future::Future;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::auth::DockerCredentials;
use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    BuildImageOptions, CreateImageOptions, LogsOptions, PushImageOptions, RemoveContainerOptions, RemoveImageOptions,
    TagImageOptions,
};
use bollard::Docker;
use futures_util::StreamExt;

use super::api::{Applied, BuildSpec, ContainerStatus, DockerApi, DockerError, ImageInfo, RunOutput, RunSpec};
use super::auth::Credentials;
use super::reference::ImageRef;
use crate::process::{LineObserver, Stream};
use crate::runtime::interrupt;

/// The engine address when `DOCKER_HOST` is not set.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// Talks to the engine named by `DOCKER_HOST` (default `unix:///var/run/docker.sock`).
/// Connects on first use, so a script that never calls docker never needs an engine;
/// negotiates the API version (the engine may be older than bollard's default).
pub struct EngineClient {
    host: String,
    connection: Mutex<Option<Arc<Connection>>>,
}

struct Connection {
    runtime: tokio::runtime::Runtime,
    docker: Docker,
}

impl EngineClient {
    pub fn from_env() -> EngineClient {
        let host = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| DEFAULT_HOST.into());
        EngineClient { host, connection: Mutex::new(None) }
    }

    fn connect(&self) -> Result<Arc<Connection>, DockerError> {
        let mut slot = self.connection.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(connection) = &*slot {
            return Ok(connection.clone());
        }
        if self.host.starts_with("tcp://") && std::env::var_os("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty()) {
            return Err(DockerError::Unreachable {
                host: self.host.clone(),
                reason: "TLS connections to the engine are not supported".into(),
                hint: "use the engine's unix socket or an SSH tunnel to it, and unset DOCKER_TLS_VERIFY".into(),
            });
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("auto-docker")
            .enable_all()
            .build()
            .map_err(|e| DockerError::Failed(format!("cannot start the Docker client: {e}")))?;
        let docker = {
            let _entered = runtime.enter();
            Docker::connect_with_host(&self.host).map_err(|e| self.error(e))?
        };
        let docker = runtime.block_on(interruptible(docker.negotiate_version()))?.map_err(|e| self.error(e))?;
        let connection = Arc::new(Connection { runtime, docker });
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `f` against the engine on the calling thread, stopping at Ctrl-C.
    fn call<T, F, Fut>(&self, f: F) -> Result<T, DockerError>
    where
        F: FnOnce(Docker) -> Fut,
        Fut: Future<Output = Result<T, DockerError>>,
    {
        let connection = self.connect()?;
        let docker = connection.docker.clone();
        connection.runtime.block_on(interruptible(f(docker)))?
    }

    fn error(&self, error: BollardError) -> DockerError {
        to_docker_error(&self.host, error)
    }
}

fn to_docker_error(host: &str, error: BollardError) -> DockerError {
    let unreachable = |reason: String| {
        let hint = if reason.to_lowercase().contains("permission denied") {
            "add your user to the `docker` group (then log in again), or run with access to the socket".to_string()
        } else {
            "is the daemon running? Start it with `systemctl start docker`, or check DOCKER_HOST".to_string()
        };
        DockerError::Unreachable { host: host.to_string(), reason, hint }
    };
    match error {
        BollardError::SocketNotFoundError(path) => unreachable(format!("socket `{path}` does not exist")),
        BollardError::UnsupportedURISchemeError { uri } => DockerError::Unreachable {
            host: host.to_string(),
            reason: format!("`{uri}` is not a supported address"),
            hint: "set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port".into(),
        },
        BollardError::RequestTimeoutError => unreachable("no answer within 2 minutes".into()),
        BollardError::HyperLegacyError { err } if err.is_connect() => unreachable(root_cause(&err)),
        BollardError::IOError { err } => unreachable(err.to_string()),
        BollardError::DockerResponseServerError { status_code, message } => {
            DockerError::Engine { status: status_code, message: message.trim().to_string() }
        }
        BollardError::DockerStreamError { error } => DockerError::Failed(error.trim().to_string()),
        other => DockerError::Failed(other.to_string()),
    }
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Resolves to `Err(Interrupted)` once Ctrl-C was pressed; dropping the future closes the
/// connection, which makes the engine cancel a build or pull.
async fn interruptible<F: Future>(future: F) -> Result<F::Output, DockerError> {
    tokio::select! {
        output = future => Ok(output),
        _ = async {
            while !interrupt::is_interrupted() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        } => Err(DockerError::Interrupted),
    }
}

fn credentials(auth: Option<&Credentials>) -> Option<DockerCredentials> {
    auth.map(|a| DockerCredentials {
        username: a.username.clone(),
        password: a.password.as_ref().map(|p| p.expose().to_string()),
        identitytoken: a.identity_token.as_ref().map(|t| t.expose().to_string()),
        serveraddress: Some(a.server.clone()),
        ..Default::default()
    })
}

/// Splits streamed chunks into lines for the observer (build output arrives in pieces).
#[derive(Default)]
struct Lines {
    partial: String,
}

impl Lines {
    fn push(&mut self, chunk: &str, mut emit: impl FnMut(&str)) {
        self.partial.push_str(chunk);
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            emit(line.trim_end_matches(['\n', '\r']));
        }
    }

    fn flush(&mut self, mut emit: impl FnMut(&str)) {
        if !self.partial.is_empty() {
            emit(self.partial.trim_end_matches('\r'));
            self.partial.clear();
        }
    }
}

/// The classic builder colours a step's stderr (`\x1b[91m…\x1b[0m`): plain text for
/// reports and error messages.
fn strip_ansi(line: &str) -> String {
    static ESCAPES: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").expect("ansi pattern"));
    ESCAPES.replace_all(line, "").into_owned()
}

/// Feeds the tar writer's output into the request body.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<Result<Vec<u8>, io::Error>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sender
            .blocking_send(Ok(buf.to_vec()))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the engine stopped reading the build context"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl DockerApi for EngineClient {
    fn inspect_image(&self, image: &str) -> Result<Applied<Option<ImageInfo>>, DockerError> {
        let host = self.host.clone();
        self.call(|docker| async move {
            match docker.inspect_image(image).await {
                Ok(found) => Ok(Some(image_info(found))),
                Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
                Err(e) => Err(to_docker_error(&host, e)),
            }
        })
        .map(Applied::Done)
    }

    fn registry_digest(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
    ) -> Result<Applied<Option<String>>, DockerError> {
        let host = self.host.clone();
        let name = image.with_tag_or_latest();
        let auth = credentials(auth);
        self.call(|docker| async move {
            match docker.inspect_registry_image(&name, auth).await {
                Ok(found) => Ok(found.descriptor.digest),
                Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
                Err(e) => Err(to_docker_error(&host, e)),
            }
        })
        .map(Applied::Done)
    }

    fn build(&self, spec: &BuildSpec, observer: &dyn LineObserver) -> Result<Applied<String>, DockerError> {
        let connection = self.connect()?;
        let options = BuildImageOptions {
            dockerfile: spec.context.dockerfile().to_string(),
            t: spec.tags.first().cloned(),
            buildargs: (!spec.build_args.is_empty()).then(|| spec.build_args.iter().cloned().collect()),
            labels: (!spec.labels.is_empty()).then(|| spec.labels.iter().cloned().collect()),
            target: spec.target.clone().unwrap_or_default(),
            platform: spec.platform.clone().unwrap_or_default(),
            pull: spec.pull.then(|| "1".to_string()),
            rm: true,
            // Intermediate containers of a failed step are removed too.
            forcerm: true,
            ..Default::default()
        };
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, io::Error>>(16);
        let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|chunk| (chunk.map(Into::into), receiver))
        });
        let host = self.host.clone();
        std::thread::scope(|scope| {
            // The context is streamed: written into the request body as it is read.
            let writer = scope.spawn(move || {
                let mut out = io::BufWriter::with_capacity(256 * 1024, ChannelWriter { sender: sender.clone() });
                let result = spec.context.write_tar(&mut out).and_then(|_| out.flush());
                if let Err(e) = &result {
                    let _ = sender.blocking_send(Err(io::Error::new(e.kind(), e.to_string())));
                }
                result
            });
            let docker = connection.docker.clone();
            let built = connection.runtime.block_on(interruptible(async {
                let mut stream = docker.build_image(options, None, Some(bollard::body_try_stream(body)));
                let mut lines = Lines::default();
                let mut image_id = None;
                while let Some(item) = stream.next().await {
                    match item {
                        Ok(info) => {
                            if let Some(text) = &info.stream {
                                lines.push(text, |line| observer.line(Stream::Stdout, &strip_ansi(line)));
                            }
                            if let Some(status) = &info.status {
                                observer.line(Stream::Stdout, &strip_ansi(status));
                            }
                            if let Some(id) = info.aux.and_then(|aux| aux.id) {
                                image_id = Some(id);
                            }
                        }
                        Err(e) => {
                            lines.flush(|line| observer.line(Stream::Stdout, &strip_ansi(line)));
                            return Err(to_docker_error(&host, e));
                        }
                    }
                }
                lines.flush(|line| observer.line(Stream::Stdout, &strip_ansi(line)));
                Ok(image_id)
            }));
            let written = writer.join().unwrap_or_else(|_| Err(io::Error::other("the context writer panicked")));
            // An unreadable context file is the real cause when both failed.
            if let Err(e) = &written {
                if e.kind() != io::ErrorKind::BrokenPipe {
                    return Err(DockerError::Failed(format!("cannot send the build context: {e}")));
                }
            }
            let image_id = built??;
            let image_id = match image_id {
                Some(id) => id,
                // Engines that do not report the ID: look it up by the first tag.
                None => {
                    let tag = spec
                        .tags
                        .first()
                        .ok_or_else(|| DockerError::Failed("the engine did not report the built image's ID".into()))?;
                    match self.inspect_image(tag)? {
                        Applied::Done(Some(info)) => info.id,
                        _ => return Err(DockerError::Failed(format!("the built image `{tag}` is not present"))),
                    }
                }
            };
            for tag in spec.tags.iter().skip(1) {
                let target = ImageRef::parse(tag).map_err(DockerError::Failed)?;
                self.tag(&image_id, &target)?;
            }
            Ok(Applied::Done(image_id))
        })
    }

    fn tag(&self, source: &str, target: &ImageRef) -> Result<Applied<()>, DockerError> {
        let host = self.host.clone();
        let options =
            TagImageOptions { repo: Some(target.name.clone()), tag: Some(target.tag_or_latest().to_string()) };
        self.call(|docker| async move {
            docker.tag_image(source, Some(options)).await.map_err(|e| to_docker_error(&host, e))
        })
        .map(Applied::Done)
    }

    fn push(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
        observer: &dyn LineObserver,
    ) -> Result<Applied<Option<String>>, DockerError> {
        let host = self.host.clone();
        let options = PushImageOptions { tag: Some(image.tag_or_latest().to_string()), platform: None };
        let auth = credentials(auth);
        let name = image.name.clone();
        self.call(|docker| async move {
            let mut stream = docker.push_image(&name, Some(options), auth);
            let mut digest = None;
            while let Some(item) = stream.next().await {
                let info = item.map_err(|e| to_docker_error(&host, e))?;
                let Some(status) = info.status else { continue };
                // `1.0: digest: sha256:… size: 528` ends a successful push.
                if let Some((_, rest)) = status.split_once("digest: ") {
                    digest = rest.split_whitespace().next().map(str::to_string);
                }
                if !matches!(status.as_str(), "Pushing" | "Preparing" | "Waiting") {
                    observer.line(Stream::Stdout, &status);
                }
            }
            Ok(digest)
        })
        .map(Applied::Done)
    }

    fn pull(
        &self,
        image: &ImageRef,
        auth: Option<&Credentials>,
        observer: &dyn LineObserver,
    ) -> Result<Applied<()>, DockerError> {
        let host = self.host.clone();
        let options = CreateImageOptions {
            from_image: Some(image.name.clone()),
            tag: Some(match &image.digest {
                Some(digest) => digest.clone(),
                None => image.tag_or_latest().to_string(),
            }),
            ..Default::default()
        };
        let auth = credentials(auth);
        self.call(|docker| async move {
            let mut stream = docker.create_image(Some(options), None, auth);
            while let Some(item) = stream.next().await {
                let info = item.map_err(|e| to_docker_error(&host, e))?;
                if let Some(status) = info.status {
                    if !matches!(status.as_str(), "Downloading" | "Extracting" | "Waiting") {
                        observer.line(Stream::Stdout, &status);
                    }
                }
            }
            Ok(())
        })
        .map(Applied::Done)
    }

    fn remove_image(&self, image: &str, force: bool) -> Result<Applied<bool>, DockerError> {
        let host = self.host.clone();
        let options = RemoveImageOptions { force, noprune: false, platforms: None };
        self.call(|docker| async move {
            match docker.remove_image(image, Some(options), None).await {
                Ok(_) => Ok(true),
                Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(false),
                Err(e) => Err(to_docker_error(&host, e)),
            }
        })
        .map(Applied::Done)
    }

    fn run(&self, spec: &RunSpec, observer: &dyn LineObserver) -> Result<Applied<RunOutput>, DockerError> {
        let connection = self.connect()?;
        let docker = connection.docker.clone();
        let host = self.host.clone();
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: spec.cmd.clone(),
            env: (!spec.env.is_empty()).then(|| spec.env.iter().map(|(k, v)| format!("{k}={}", v.expose())).collect()),
            working_dir: spec.workdir.clone(),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            labels: Some(HashMap::from([("auto.managed".to_string(), "true".to_string())])),
            host_config: Some(HostConfig {
                binds: (!spec.binds.is_empty()).then(|| spec.binds.clone()),
                network_mode: spec.network.clone(),
                ..Default::default()
            }),
            ..Default::default()
        };
        connection.runtime.block_on(async {
            let created = docker.create_container(None, body).await.map_err(|e| match e {
                BollardError::DockerResponseServerError { status_code: 404, message } => DockerError::Engine {
                    status: 404,
                    message: format!("{message} (docker::run does not pull: build or docker::pull the image first)"),
                },
                other => to_docker_error(&host, other),
            })?;
            let id = created.id;
            let work = async {
                docker.start_container(&id, None).await.map_err(|e| to_docker_error(&host, e))?;
                let mut logs = docker
                    .logs(&id, Some(LogsOptions { follow: true, stdout: true, stderr: true, ..Default::default() }));
                let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
                let (mut out_lines, mut err_lines) = (Lines::default(), Lines::default());
                while let Some(item) = logs.next().await {
                    match item.map_err(|e| to_docker_error(&host, e))? {
                        bollard::container::LogOutput::StdOut { message } => {
                            stdout.extend_from_slice(&message);
                            out_lines.push(&String::from_utf8_lossy(&message), |l| observer.line(Stream::Stdout, l));
                        }
                        bollard::container::LogOutput::StdErr { message } => {
                            stderr.extend_from_slice(&message);
                            err_lines.push(&String::from_utf8_lossy(&message), |l| observer.line(Stream::Stderr, l));
                        }
                        _ => {}
                    }
                }
                out_lines.flush(|l| observer.line(Stream::Stdout, l));
                err_lines.flush(|l| observer.line(Stream::Stderr, l));
                let mut waited = docker.wait_container(&id, None);
                let code = match waited.next().await {
                    Some(Ok(response)) => response.status_code,
                    Some(Err(BollardError::DockerContainerWaitError { code, .. })) => code,
                    Some(Err(e)) => return Err(to_docker_error(&host, e)),
                    None => return Err(DockerError::Failed("the engine did not report the exit code".into())),
                };
                Ok(RunOutput { code, stdout, stderr })
            };
            let outcome = match spec.timeout {
                Some(limit) => match tokio::time::timeout(limit, interruptible(work)).await {
                    Ok(result) => result,
                    Err(_) => Err(DockerError::TimedOut(limit)),
                },
                None => interruptible(work).await,
            };
            // Always removed: a failed, timed-out or interrupted run leaves nothing behind.
            let removed =
                docker.remove_container(&id, Some(RemoveContainerOptions { force: true, v: true, link: false })).await;
            let output = outcome??;
            removed.map_err(|e| to_docker_error(&host, e))?;
            Ok(Applied::Done(output))
        })
    }

    fn container_states(&self, ids: &[String]) -> Result<Applied<Vec<ContainerStatus>>, DockerError> {
        let host = self.host.clone();
        self.call(|docker| async move {
            let mut states = Vec::new();
            for id in ids {
                let found = docker.inspect_container(id, None).await.map_err(|e| to_docker_error(&host, e))?;
                let name = found.name.unwrap_or_default().trim_start_matches('/').to_string();
                let service = found
                    .config
                    .as_ref()
                    .and_then(|c| c.labels.as_ref())
                    .and_then(|l| l.get("com.docker.compose.service").cloned())
                    .unwrap_or_else(|| name.clone());
                let state = found.state.unwrap_or_default();
                states.push(ContainerStatus {
                    id: id.clone(),
                    name,
                    service,
                    state: state.status.map(|s| s.to_string()).unwrap_or_default(),
                    exit_code: state.exit_code.unwrap_or_default(),
                    health: state
                        .health
                        .and_then(|h| h.status)
                        .map(|s| s.to_string())
                        .filter(|s| !s.is_empty() && s != "none"),
                });
            }
            Ok(states)
        })
        .map(Applied::Done)
    }
}

fn image_info(found: bollard::models::ImageInspect) -> ImageInfo {
    let config = found.config.unwrap_or_default();
    ImageInfo {
        id: found.id.unwrap_or_default(),
        tags: found.repo_tags.unwrap_or_default(),
        digests: found.repo_digests.unwrap_or_default(),
        created: found.created.map(|c| c.to_string()),
        size: found.size,
        architecture: found.architecture,
        os: found.os,
        labels: config.labels.unwrap_or_default().into_iter().collect(),
        env: config.env.unwrap_or_default(),
        cmd: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
        workdir: config.working_dir.filter(|w| !w.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_socket_is_reported_with_the_address_and_what_to_do() {
        let error =
            to_docker_error("unix:///nonexistent.sock", BollardError::SocketNotFoundError("/nonexistent.sock".into()));
        expect_test::expect!["cannot reach the Docker engine at `unix:///nonexistent.sock` (socket `/nonexistent.sock` does not exist): is the daemon running? Start it with `systemctl start docker`, or check DOCKER_HOST"]
            .assert_eq(&error.to_string());
    }

    #[test]
    fn lines_are_reassembled_from_chunks() {
        let mut lines = Lines::default();
        let mut seen = Vec::new();
        lines.push("Step 1/2 : FROM", |l| seen.push(l.to_string()));
        lines.push(" scratch\n ---> \nStep 2", |l| seen.push(l.to_string()));
        lines.flush(|l| seen.push(l.to_string()));
        assert_eq!(seen, ["Step 1/2 : FROM scratch", " ---> ", "Step 2"]);
        assert_eq!(strip_ansi("\x1b[91mabout to fail"), "about to fail");
    }
}
