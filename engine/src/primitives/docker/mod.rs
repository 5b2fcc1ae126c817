//! The docker primitive: build (with content-hash tags that skip unchanged images), tag,
//! push, pull, inspect, remove, run to completion, and compose.
//!
//! Images and containers go through the Docker Engine API: [`api`] is the seam and its
//! one factory, [`engine`] the bollard adapter (the only code that talks to the engine),
//! `recording` the backends of `--dry-run` and `--plan`, and [`cli`] the `docker …`
//! equivalents plans show. Compose goes through the compose CLI and the runner seam
//! ([`compose`]). Plain Rust: no Rhai types. Paths arrive resolved by the binding.

pub mod api;
pub mod auth;
pub mod build;
mod calls;
pub mod cli;
pub mod compose;
pub mod engine;
mod recording;
pub mod reference;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

pub use api::{Applied, DockerApi, DockerError};
pub use calls::DockerCalls;
pub use reference::ImageRef;

use crate::process::{describe_failure, LineObserver, Output, Runner, Stream, Value};
use crate::report::{Event, LogLevel};
use crate::runtime::data::Data;
use crate::secret::redact;
use api::{BuildSpec, ImageInfo, RunSpec};
use auth::{AuthOptions, Credentials};
use build::{BuildContext, HashInputs};

/// What a docker call needs from the run: the engine seam, the process seam (credential
/// helpers, compose) and where stored registry credentials live.
pub struct Docker<'a> {
    pub api: &'a dyn DockerApi,
    pub runner: &'a dyn Runner,
    /// `config.json` for registry credentials (see [`auth::config_path`]).
    pub config: Option<PathBuf>,
}

/// Why a docker call failed; decides the exit code.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The script asked for something invalid (exit 2).
    BadInput(String),
    /// The engine, a registry or a tool failed (exit 1).
    Failed(String),
    /// Ctrl-C (exit 130).
    Interrupted(String),
    /// `auto apply`: the build is not the reviewed one (exit 5).
    NotReviewed(String),
}

impl Problem {
    pub fn message(&self) -> &str {
        match self {
            Problem::BadInput(m) | Problem::Failed(m) | Problem::Interrupted(m) | Problem::NotReviewed(m) => m,
        }
    }
}

/// `what failed: engine message`, except for an unreachable engine, whose message stands
/// alone (it names the address and the fix). Redacted: registry errors may echo input.
fn failed(what: &str, error: DockerError) -> Problem {
    match error {
        DockerError::Interrupted => Problem::Interrupted(format!("{what} was interrupted")),
        DockerError::Unreachable { .. } => Problem::Failed(redact(&error.to_string())),
        other => Problem::Failed(redact(&format!("{what} failed: {other}"))),
    }
}

fn parse_image(text: &str) -> Result<ImageRef, Problem> {
    ImageRef::parse(text).map_err(Problem::BadInput)
}

/// A plain string for a command line, image label or build argument: secrets are refused
/// (they would be readable in `docker inspect` or the image history).
fn plain(value: &Data, what: &str, why_not_secret: &str) -> Result<String, Problem> {
    match value {
        Data::Str(s) => Ok(s.clone()),
        Data::Int(_) | Data::Float(_) | Data::Bool(_) => Ok(value.to_string()),
        Data::Secret(_) => Err(Problem::BadInput(format!("{what} is a secret: {why_not_secret}"))),
        Data::Unknown(u) => Err(Problem::BadInput(format!("{what} is not known until after apply ({u})"))),
        other => Err(Problem::BadInput(format!("{what} must be a string, not {}", other.kind()))),
    }
}

// ---------------------------------------------------------------------------------------
// build and content_tag

/// The options of `docker::build`; the field docs are its option table in the reference.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildOptions {
    /// The Dockerfile, relative to the context.
    /// Default: `"Dockerfile"`.
    pub dockerfile: Option<String>,
    /// Full references to tag the image with.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Plain values (a secret is refused: it would stay in the image history).
    #[serde(default)]
    pub build_args: BTreeMap<String, Data>,
    /// The build stage.
    /// Default: the last stage.
    pub target: Option<String>,
    /// Image labels, plain values.
    #[serde(default)]
    pub labels: BTreeMap<String, Data>,
    /// E.g. `"linux/amd64"`.
    /// Default: the engine's.
    pub platform: Option<String>,
    /// `"registry/repo"`: tag the image `repo:<hash of the context>` and skip the build when
    /// that tag exists locally or in the registry.
    pub content_tag: Option<String>,
    /// Always pull newer base images.
    #[serde(default)]
    pub pull: bool,
    /// User name for the registry check of `content_tag`.
    /// Default: from the docker config.
    pub username: Option<String>,
    /// Password for the registry check of `content_tag`.
    /// Default: from the docker config.
    pub password: Option<crate::secret::Secret>,
}

/// The options of `docker::content_tag`: what the hash covers besides the context's files.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentTagOptions {
    /// The Dockerfile, relative to the context.
    /// Default: `"Dockerfile"`.
    pub dockerfile: Option<String>,
    /// Build arguments, as for `build`.
    #[serde(default)]
    pub build_args: BTreeMap<String, Data>,
    /// The build stage.
    /// Default: the last stage.
    pub target: Option<String>,
    /// E.g. `"linux/amd64"`.
    /// Default: the engine's.
    pub platform: Option<String>,
}

/// A build context with its paths resolved by the binding.
#[derive(Debug, Clone)]
pub struct ContextPaths {
    pub dir: PathBuf,
    /// Repository-relative, for plans and messages.
    pub display: String,
    pub dockerfile: PathBuf,
    pub display_dockerfile: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BuildOutcome {
    /// `Unknown` when only recorded; `Null` when skipped because the image exists only in
    /// the registry.
    pub image_id: Data,
    pub tags: Vec<String>,
    pub skipped: bool,
    /// `registry/repo:<hash>` when `content_tag` was given.
    pub content_tag: Option<String>,
    /// Whether something changed (an image was built or tagged for real).
    pub changed: bool,
}

fn hash_inputs(
    build_args: &BTreeMap<String, Data>,
    target: &Option<String>,
    platform: &Option<String>,
) -> Result<HashInputs, Problem> {
    let build_args = build_args
        .iter()
        .map(|(key, value)| {
            let text = plain(
                value,
                &format!("build arg `{key}`"),
                "build args are stored in the image history; mount secrets at build time or inject them at run time",
            )?;
            Ok((key.clone(), text))
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    Ok(HashInputs { build_args, target: target.clone(), platform: platform.clone() })
}

fn scan(paths: &ContextPaths) -> Result<BuildContext, Problem> {
    if !paths.dir.is_dir() {
        return Err(Problem::BadInput(format!("build context `{}` is not a directory", paths.display)));
    }
    if !paths.dockerfile.is_file() {
        return Err(Problem::BadInput(format!(
            "Dockerfile `{}` not found: create it, or name another with `dockerfile` (relative to the context)",
            paths.display_dockerfile
        )));
    }
    BuildContext::scan(&paths.dir, &paths.display, &paths.dockerfile).map_err(Problem::Failed)
}

/// The content tag of a context: the first 12 hex digits of its content hash.
pub fn content_tag(paths: &ContextPaths, options: &ContentTagOptions) -> Result<String, Problem> {
    let context = scan(paths)?;
    let inputs = hash_inputs(&options.build_args, &options.target, &options.platform)?;
    let hash = context.content_hash(&inputs).map_err(Problem::Failed)?;
    Ok(hash[..12].to_string())
}

/// Follows `Step n/m : …` lines so a failure can name the step, and turns build output
/// into events: steps are progress, the rest tool output.
struct StepLog {
    state: Mutex<(Option<String>, Vec<String>)>,
    /// Where the build's lines are reported.
    at: crate::report::Context,
}

impl LineObserver for StepLog {
    fn line(&self, _: Stream, line: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(step) = line.strip_prefix("Step ") {
            *state = (Some(step.to_string()), Vec::new());
            self.at.emit(Event::Progress { message: format!("step {}", step.replacen(" : ", " ", 1)) });
        } else {
            // ` ---> Running in 1a2b` and friends: noise in a failure message.
            if !line.starts_with(" ---> ") && !line.starts_with("Removing intermediate container") {
                state.1.push(line.to_string());
            }
            self.at.emit(Event::ToolOutput { line: line.to_string() });
        }
    }
}

impl StepLog {
    fn new(at: crate::report::Context) -> StepLog {
        StepLog { state: Mutex::default(), at }
    }

    /// `at step 3/5 `RUN false``, and the last lines that step printed.
    fn failure(&self, display: &str, engine_message: &str) -> String {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut message = format!("docker build of `{display}` failed");
        if let Some(step) = &state.0 {
            match step.split_once(" : ") {
                Some((number, instruction)) => message.push_str(&format!(" at step {number} `{instruction}`")),
                None => message.push_str(&format!(" at step {step}")),
            }
        }
        message.push_str(&format!(": {engine_message}"));
        let output: Vec<&String> = state.1.iter().filter(|l| !l.trim().is_empty()).collect();
        if !output.is_empty() {
            message.push_str("\nlast output of the step:");
            for line in &output[output.len().saturating_sub(10)..] {
                message.push_str(&format!("\n  {line}"));
            }
        }
        redact(&message)
    }
}

/// What a build is, for a plan bundle: its context, the hash of the context's content and
/// build inputs, and the tags it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildIdentity {
    pub context: String,
    pub content_hash: String,
    pub tags: Vec<String>,
}

/// Builds the image, once `gate` lets the build that is about to happen through (a plan
/// bundle keeps it, `auto apply` compares it with the reviewed one).
pub fn build(
    docker: &Docker,
    paths: &ContextPaths,
    options: &BuildOptions,
    gate: &dyn Fn(&BuildIdentity) -> Result<(), Problem>,
) -> Result<BuildOutcome, Problem> {
    let context = scan(paths)?;
    let inputs = hash_inputs(&options.build_args, &options.target, &options.platform)?;
    let labels = options
        .labels
        .iter()
        .map(|(key, value)| {
            Ok((
                key.clone(),
                plain(value, &format!("label `{key}`"), "labels are readable by anyone who can pull the image")?,
            ))
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    let mut tags = Vec::new();
    for tag in &options.tags {
        tags.push(parse_image(tag)?.to_string());
    }
    let content_hash = context.content_hash(&inputs).map_err(Problem::Failed)?;
    let content_ref = match &options.content_tag {
        Some(repo) => {
            let parsed = parse_image(repo)?;
            if parsed.tag.is_some() || parsed.digest.is_some() {
                return Err(Problem::BadInput(format!(
                    "content_tag `{repo}` must be a repository without a tag: the tag is the content hash"
                )));
            }
            Some(ImageRef { name: parsed.name, tag: Some(content_hash[..12].to_string()), digest: None })
        }
        None => None,
    };
    // Before the existing image is looked for: an image of this content built since the
    // plan is the reviewed build, done.
    let mut identity_tags = tags.clone();
    identity_tags.extend(content_ref.iter().map(ImageRef::to_string));
    gate(&BuildIdentity { context: paths.display.clone(), content_hash, tags: identity_tags })?;
    let mut content = None;
    if let Some(reference) = content_ref {
        if let Some(outcome) = existing(docker, &reference, &tags, options)? {
            return Ok(outcome);
        }
        tags.push(reference.to_string());
        content = Some(reference.to_string());
    }
    let spec = BuildSpec {
        context,
        display_context: paths.display.clone(),
        display_dockerfile: paths.display_dockerfile.clone(),
        tags: tags.clone(),
        build_args: inputs.build_args,
        labels,
        target: options.target.clone(),
        platform: options.platform.clone(),
        pull: options.pull,
    };
    let log = StepLog::new(docker.runner.context());
    match docker.api.build(&spec, &log) {
        Ok(Applied::Done(image_id)) => {
            docker.runner.context().emit(Event::Progress {
                message: format!("built {}", tags.first().cloned().unwrap_or_else(|| short_id(&image_id))),
            });
            Ok(BuildOutcome {
                image_id: Data::Str(image_id),
                tags,
                skipped: false,
                content_tag: content,
                changed: true,
            })
        }
        Ok(Applied::Recorded) => Ok(BuildOutcome {
            image_id: Data::Unknown(format!("docker build {}.image_id", paths.display)),
            tags,
            skipped: false,
            content_tag: content,
            changed: false,
        }),
        Err(DockerError::Failed(message)) => Err(Problem::Failed(log.failure(&paths.display, &message))),
        Err(other) => Err(failed(&format!("docker build of `{}`", paths.display), other)),
    }
}

/// The skip decision of a content-tagged build: the tag is present locally (the other tags
/// are added to it) or in the registry.
fn existing(
    docker: &Docker,
    reference: &ImageRef,
    tags: &[String],
    options: &BuildOptions,
) -> Result<Option<BuildOutcome>, Problem> {
    let shown = reference.to_string();
    let skipped = |image_id: Data, changed: bool, tags: Vec<String>| BuildOutcome {
        image_id,
        tags,
        skipped: true,
        content_tag: Some(shown.clone()),
        changed,
    };
    match docker.api.inspect_image(&shown).map_err(|e| failed(&format!("inspecting `{shown}`"), e))? {
        Applied::Done(Some(info)) => {
            let mut changed = false;
            for tag in tags {
                let target = parse_image(tag)?;
                if let Applied::Done(()) = docker
                    .api
                    .tag(&info.id, &target)
                    .map_err(|e| failed(&format!("docker tag `{shown}` `{tag}`"), e))?
                {
                    changed = true;
                }
            }
            docker
                .runner
                .context()
                .emit(Event::Progress { message: format!("{shown} unchanged, skipped (present locally)") });
            let mut all = tags.to_vec();
            all.push(shown.clone());
            return Ok(Some(skipped(Data::Str(info.id), changed, all)));
        }
        Applied::Recorded => return Ok(None),
        Applied::Done(None) => {}
    }
    let explicit = AuthOptions { username: options.username.clone(), password: options.password.clone() };
    let credentials = auth::resolve(reference.registry(), &explicit, docker.config.as_deref(), docker.runner)?;
    match docker.api.registry_digest(reference, credentials.as_ref()) {
        Ok(Applied::Done(Some(_))) => {
            docker
                .runner
                .context()
                .emit(Event::Progress { message: format!("{shown} unchanged, skipped (present in the registry)") });
            Ok(Some(skipped(Data::Null, false, vec![shown.clone()])))
        }
        Ok(Applied::Done(None)) | Ok(Applied::Recorded) => Ok(None),
        Err(DockerError::Interrupted) => Err(Problem::Interrupted("docker build was interrupted".into())),
        Err(error @ DockerError::Unreachable { .. }) => Err(failed("", error)),
        Err(error) => {
            // A registry we cannot ask is not a reason to fail the build: building is
            // always correct, only slower.
            docker.runner.context().emit(Event::Log {
                level: LogLevel::Warn,
                message: redact(&format!("cannot check whether `{shown}` is in the registry ({error}): building it")),
            });
            Ok(None)
        }
    }
}

fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

// ---------------------------------------------------------------------------------------
// tag, push, pull, inspect, exists, remove

pub fn tag(docker: &Docker, source: &str, target: &str) -> Result<bool, Problem> {
    if source.is_empty() {
        return Err(Problem::BadInput("docker::tag needs a source image".into()));
    }
    let target = parse_image(target)?;
    match docker.api.tag(source, &target).map_err(|e| failed(&format!("docker tag `{source}` `{target}`"), e))? {
        Applied::Done(()) => Ok(true),
        Applied::Recorded => Ok(false),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PushOutcome {
    pub image: String,
    /// The manifest digest (`Unknown` when recorded, `Null` if the engine did not say).
    pub digest: Data,
    pub changed: bool,
}

fn credentials_for(docker: &Docker, image: &ImageRef, explicit: &AuthOptions) -> Result<Option<Credentials>, Problem> {
    auth::resolve(image.registry(), explicit, docker.config.as_deref(), docker.runner)
}

/// A registry refusal, with where the credentials came from (never what they were).
fn registry_failure(what: &str, image: &ImageRef, credentials: Option<&Credentials>, error: DockerError) -> Problem {
    let message = error.to_string().to_lowercase();
    let refused = ["unauthorized", "authentication required", "denied", "no basic auth credentials", "forbidden"]
        .iter()
        .any(|needle| message.contains(needle));
    let problem = failed(what, error);
    match (problem, refused) {
        (Problem::Failed(text), true) => {
            let registry = image.registry();
            let hint = match credentials {
                Some(found) => format!("the credentials for `{registry}` came from {}: check them", found.source),
                None => format!(
                    "no credentials found for `{registry}`: pass #{{ username, password }}, or run `docker login {registry}`"
                ),
            };
            Problem::Failed(format!("{text}\n({hint})"))
        }
        (other, _) => other,
    }
}

pub fn push(docker: &Docker, image: &str, explicit: &AuthOptions) -> Result<PushOutcome, Problem> {
    let reference = parse_image(image)?;
    let credentials = credentials_for(docker, &reference, explicit)?;
    let observer = |_: Stream, line: &str| docker.runner.context().emit(Event::ToolOutput { line: line.to_string() });
    let shown = reference.with_tag_or_latest();
    match docker.api.push(&reference, credentials.as_ref(), &observer) {
        Ok(Applied::Done(digest)) => {
            docker.runner.context().emit(Event::Progress { message: format!("pushed {shown}") });
            Ok(PushOutcome { image: shown, digest: digest.map(Data::Str).unwrap_or(Data::Null), changed: true })
        }
        Ok(Applied::Recorded) => Ok(PushOutcome {
            digest: Data::Unknown(format!("docker push {shown}.digest")),
            image: shown,
            changed: false,
        }),
        Err(error) => Err(registry_failure(&format!("docker push `{shown}`"), &reference, credentials.as_ref(), error)),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PullOutcome {
    pub image: String,
    pub image_id: Data,
    pub changed: bool,
}

pub fn pull(docker: &Docker, image: &str, explicit: &AuthOptions) -> Result<PullOutcome, Problem> {
    let reference = parse_image(image)?;
    let credentials = credentials_for(docker, &reference, explicit)?;
    let observer = |_: Stream, line: &str| docker.runner.context().emit(Event::ToolOutput { line: line.to_string() });
    let shown = reference.with_tag_or_latest();
    match docker.api.pull(&reference, credentials.as_ref(), &observer) {
        Ok(Applied::Done(())) => {
            docker.runner.context().emit(Event::Progress { message: format!("pulled {shown}") });
            let image_id =
                match docker.api.inspect_image(&shown).map_err(|e| failed(&format!("inspecting `{shown}`"), e))? {
                    Applied::Done(Some(info)) => Data::Str(info.id),
                    _ => Data::Null,
                };
            Ok(PullOutcome { image: shown, image_id, changed: true })
        }
        Ok(Applied::Recorded) => Ok(PullOutcome {
            image_id: Data::Unknown(format!("docker pull {shown}.image_id")),
            image: shown,
            changed: false,
        }),
        Err(error) => Err(registry_failure(&format!("docker pull `{shown}`"), &reference, credentials.as_ref(), error)),
    }
}

fn info_data(info: ImageInfo) -> Data {
    let strings = |items: Vec<String>| Data::List(items.into_iter().map(Data::Str).collect());
    let optional = |value: Option<String>| value.map(Data::Str).unwrap_or(Data::Null);
    Data::Map(BTreeMap::from([
        ("id".to_string(), Data::Str(info.id)),
        ("tags".to_string(), strings(info.tags)),
        ("digests".to_string(), strings(info.digests)),
        ("created".to_string(), optional(info.created)),
        ("size".to_string(), info.size.map(Data::Int).unwrap_or(Data::Null)),
        ("architecture".to_string(), optional(info.architecture)),
        ("os".to_string(), optional(info.os)),
        ("labels".to_string(), Data::Map(info.labels.into_iter().map(|(k, v)| (k, Data::Str(v))).collect())),
        ("env".to_string(), strings(info.env)),
        ("cmd".to_string(), strings(info.cmd)),
        ("entrypoint".to_string(), strings(info.entrypoint)),
        ("workdir".to_string(), optional(info.workdir)),
    ]))
}

/// The local image's metadata, `Null` when absent, `Unknown` in dry-run.
pub fn inspect(docker: &Docker, image: &str) -> Result<Data, Problem> {
    if image.is_empty() {
        return Err(Problem::BadInput("docker::inspect needs an image".into()));
    }
    match docker.api.inspect_image(image).map_err(|e| failed(&format!("docker image inspect `{image}`"), e))? {
        Applied::Done(Some(info)) => Ok(info_data(info)),
        Applied::Done(None) => Ok(Data::Null),
        Applied::Recorded => Ok(Data::Unknown(format!("docker image inspect {image}"))),
    }
}

/// The options of `docker::exists`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExistsOptions {
    /// Ask the registry instead of the local engine.
    #[serde(default)]
    pub registry: bool,
    /// Registry user name, only with `registry: true`.
    /// Default: from the docker config.
    pub username: Option<String>,
    /// Registry password, only with `registry: true`.
    /// Default: from the docker config.
    pub password: Option<crate::secret::Secret>,
}

/// Whether the image is present locally (or, with `registry: true`, in its registry).
pub fn exists(docker: &Docker, image: &str, options: &ExistsOptions) -> Result<Data, Problem> {
    if !options.registry {
        if options.username.is_some() || options.password.is_some() {
            return Err(Problem::BadInput("`username`/`password` only apply with `registry: true`".into()));
        }
        return Ok(match inspect(docker, image)? {
            Data::Unknown(what) => Data::Unknown(what),
            Data::Null => Data::Bool(false),
            _ => Data::Bool(true),
        });
    }
    let reference = parse_image(image)?;
    let explicit = AuthOptions { username: options.username.clone(), password: options.password.clone() };
    let credentials = credentials_for(docker, &reference, &explicit)?;
    let shown = reference.with_tag_or_latest();
    match docker.api.registry_digest(&reference, credentials.as_ref()) {
        Ok(Applied::Done(found)) => Ok(Data::Bool(found.is_some())),
        Ok(Applied::Recorded) => Ok(Data::Unknown(format!("docker manifest inspect {shown}"))),
        Err(error) => Err(registry_failure(
            &format!("checking `{shown}` in the registry"),
            &reference,
            credentials.as_ref(),
            error,
        )),
    }
}

/// The options of `docker::remove`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveOptions {
    /// Remove even if other tags or stopped containers use the image.
    #[serde(default)]
    pub force: bool,
}

/// Removes a local image; `false` when there was none (removing is idempotent).
pub fn remove(docker: &Docker, image: &str, options: &RemoveOptions) -> Result<Data, Problem> {
    if image.is_empty() {
        return Err(Problem::BadInput("docker::remove needs an image".into()));
    }
    match docker.api.remove_image(image, options.force).map_err(|e| failed(&format!("docker rmi `{image}`"), e))? {
        Applied::Done(removed) => Ok(Data::Bool(removed)),
        Applied::Recorded => Ok(Data::Unknown(format!("docker rmi {image}"))),
    }
}

// ---------------------------------------------------------------------------------------
// run

/// The options of `docker::run`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    /// The command, replacing the image's CMD (a secret is refused: `docker inspect` shows
    /// it).
    /// Default: the image's CMD.
    pub cmd: Option<Vec<Data>>,
    /// Environment of the container; values may be secrets (masked in plans).
    #[serde(default)]
    pub env: BTreeMap<String, Data>,
    /// `"host:container[:ro]"`; a host side with `/` or starting with `.` is a repository
    /// path, a bare name a volume.
    #[serde(default)]
    pub mounts: Vec<String>,
    /// The network to attach.
    /// Default: the default network.
    pub network: Option<String>,
    /// The working directory.
    /// Default: the image's.
    pub workdir: Option<String>,
    /// E.g. `"30s"`: the container is stopped and the call fails after this long.
    pub timeout: Option<String>,
    /// Whether a non-zero exit is an error (with the last stderr lines), like `exec::run`;
    /// `false` returns the code.
    /// Default: `true`.
    pub check: Option<bool>,
}

/// One parsed `mounts` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    /// A host path (to resolve against the repository), or a named volume.
    pub source: MountSource,
    pub target: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MountSource {
    Path(String),
    Volume(String),
}

pub fn parse_mount(text: &str) -> Result<Mount, Problem> {
    let bad = |why: &str| Problem::BadInput(format!("mount `{text}`: {why} (expected `host:container[:ro]`)"));
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, read_only) = match parts.as_slice() {
        [source, target] => (*source, *target, false),
        [source, target, "ro"] => (*source, *target, true),
        [source, target, "rw"] => (*source, *target, false),
        [_, _, mode] => return Err(bad(&format!("unknown mode `{mode}`, use `ro` or `rw`"))),
        _ => return Err(bad("wrong number of `:`-separated parts")),
    };
    if source.is_empty() {
        return Err(bad("the host side is empty"));
    }
    if !target.starts_with('/') {
        return Err(bad("the container path must be absolute"));
    }
    let is_path = source.starts_with('/') || source.starts_with('.') || source.contains('/');
    let source = if is_path { MountSource::Path(source.to_string()) } else { MountSource::Volume(source.to_string()) };
    Ok(Mount { source, target: target.to_string(), read_only })
}

/// Builds the container spec (pure; host paths resolved through `resolve`).
pub fn run_spec(
    image: &str,
    options: &RunOptions,
    resolve: &dyn Fn(&str) -> Result<PathBuf, String>,
) -> Result<RunSpec, Problem> {
    if image.is_empty() {
        return Err(Problem::BadInput("docker::run needs an image".into()));
    }
    let cmd = match &options.cmd {
        Some(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    plain(
                        item,
                        &format!("cmd[{i}]"),
                        "a container's command line is readable with `docker inspect`; pass it in `env`",
                    )
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let mut env = Vec::new();
    for (key, value) in &options.env {
        env.push(match value {
            Data::Secret(secret) => (key.clone(), Value::Secret(secret.clone())),
            other => (key.clone(), Value::Plain(plain(other, &format!("env `{key}`"), "")?)),
        });
    }
    let mut binds = Vec::new();
    for text in &options.mounts {
        let mount = parse_mount(text)?;
        let source = match &mount.source {
            MountSource::Path(path) => {
                resolve(path).map_err(|e| Problem::BadInput(format!("mount `{text}`: {e}")))?.display().to_string()
            }
            MountSource::Volume(name) => name.clone(),
        };
        binds.push(format!("{source}:{}{}", mount.target, if mount.read_only { ":ro" } else { "" }));
    }
    let timeout = options
        .timeout
        .as_deref()
        .map(crate::primitives::exec::parse_duration)
        .transpose()
        .map_err(Problem::BadInput)?;
    Ok(RunSpec {
        image: image.to_string(),
        cmd,
        env,
        binds,
        network: options.network.clone(),
        workdir: options.workdir.clone(),
        timeout,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    Completed { code: i64, stdout: String, stderr: String },
    Recorded,
}

pub fn run(docker: &Docker, spec: &RunSpec, check: bool) -> Result<RunOutcome, Problem> {
    let command = cli::run_command(spec);
    docker.runner.context().emit(Event::CommandStarted { command: command.to_string() });
    let observer = |_: Stream, line: &str| docker.runner.context().emit(Event::ToolOutput { line: line.to_string() });
    let started = std::time::Instant::now();
    let ran = docker.api.run(spec, &observer);
    if !matches!(ran, Ok(Applied::Recorded)) {
        let exit_code = match &ran {
            Ok(Applied::Done(output)) => i32::try_from(output.code).ok(),
            _ => None,
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        docker.runner.context().emit(Event::CommandFinished { command: command.to_string(), exit_code, elapsed_ms });
    }
    match ran {
        Ok(Applied::Done(output)) => {
            if check && output.code != 0 {
                let shown = Output {
                    code: Some(output.code as i32),
                    stdout: output.stdout.clone(),
                    stderr: output.stderr.clone(),
                    elapsed: Duration::ZERO,
                };
                return Err(Problem::Failed(describe_failure(&command, &shown)));
            }
            Ok(RunOutcome::Completed {
                code: output.code,
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
        Ok(Applied::Recorded) => Ok(RunOutcome::Recorded),
        Err(DockerError::TimedOut(limit)) => Err(Problem::Failed(format!(
            "`{command}` did not finish within {}: the container was stopped and removed",
            humantime::format_duration(limit)
        ))),
        Err(error) => Err(failed(&format!("`{command}`"), error)),
    }
}

/// `dir/name` for messages, from a repository-relative folder.
pub fn join_display(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_string()
    } else {
        format!("{}/{name}", dir.trim_end_matches('/'))
    }
}

use crate::report::summary::Counted;

/// The repository-relative path of `path` given the repository root (for messages).
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

impl crate::runtime::steps::Outcome for BuildOutcome {
    /// Counted as built when it was, or (recorded) would be.
    fn changes(&self) -> crate::runtime::steps::Changes {
        let would = !self.skipped && matches!(self.image_id, Data::Unknown(_));
        crate::runtime::steps::Changes {
            counted: Counted { images_built: (self.changed || would) as u64, ..Counted::default() },
            ..crate::runtime::steps::Changes::changed_if(self.changed)
        }
    }
}

impl crate::runtime::steps::Outcome for PushOutcome {
    /// Counted as pushed when it was, or (recorded) would be.
    fn changes(&self) -> crate::runtime::steps::Changes {
        let would = matches!(self.digest, Data::Unknown(_));
        crate::runtime::steps::Changes {
            counted: Counted { images_pushed: (self.changed || would) as u64, ..Counted::default() },
            ..crate::runtime::steps::Changes::changed_if(self.changed)
        }
    }
}

impl crate::runtime::steps::Outcome for PullOutcome {
    fn changes(&self) -> crate::runtime::steps::Changes {
        crate::runtime::steps::Changes::changed_if(self.changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn mounts_are_parsed_and_paths_resolved() {
        let resolve = |p: &str| -> Result<PathBuf, String> {
            if p.starts_with("../") {
                Err(format!("`{p}` is outside the repository"))
            } else {
                Ok(PathBuf::from("/repo").join(p))
            }
        };
        let options = RunOptions {
            mounts: vec!["data:/data:ro".into(), "./out:/out".into(), "cache:/cache:rw".into()],
            cmd: Some(vec![Data::Str("ls".into()), Data::Int(1)]),
            env: BTreeMap::from([
                ("A".into(), Data::Str("1".into())),
                ("T".into(), Data::Secret(Secret::new("t0ken-value"))),
            ]),
            timeout: Some("5s".into()),
            ..Default::default()
        };
        let spec = run_spec("img", &options, &resolve).unwrap();
        assert_eq!(spec.binds, ["data:/data:ro", "/repo/./out:/out", "cache:/cache"]);
        assert_eq!(spec.cmd, Some(vec!["ls".to_string(), "1".to_string()]));
        assert_eq!(spec.timeout, Some(Duration::from_secs(5)));

        let errors: Vec<String> = [
            RunOptions { mounts: vec!["../x:/x".into()], ..Default::default() },
            RunOptions { mounts: vec!["a:b".into()], ..Default::default() },
            RunOptions { mounts: vec!["a:/b:rx".into()], ..Default::default() },
            RunOptions { cmd: Some(vec![Data::Secret(Secret::new("cmd-secret-1"))]), ..Default::default() },
            RunOptions { timeout: Some("soon".into()), ..Default::default() },
        ]
        .iter()
        .map(|o| run_spec("img", o, &resolve).unwrap_err().message().to_string())
        .collect();
        expect_test::expect![[r#"
            mount `../x:/x`: `../x` is outside the repository
            mount `a:b`: the container path must be absolute (expected `host:container[:ro]`)
            mount `a:/b:rx`: unknown mode `rx`, use `ro` or `rw` (expected `host:container[:ro]`)
            cmd[0] is a secret: a container's command line is readable with `docker inspect`; pass it in `env`
            invalid duration `soon`: expected number at 0; use a number and a unit, e.g. "500ms", "30s", "5m", "1h", "1h 30m" (units: ms, s, m, h, d)"#]]
        .assert_eq(&errors.join("\n"));
    }

    #[test]
    fn build_args_must_not_be_secret() {
        let args = BTreeMap::from([("TOKEN".to_string(), Data::Secret(Secret::new("build-secret-1")))]);
        expect_test::expect!["build arg `TOKEN` is a secret: build args are stored in the image history; mount secrets at build time or inject them at run time"]
            .assert_eq(hash_inputs(&args, &None, &None).unwrap_err().message());
    }

    #[test]
    fn a_failed_build_names_its_step_and_output() {
        let log = StepLog::new(crate::report::Context::silent());
        for line in [
            "Step 1/2 : FROM scratch",
            " ---> ",
            "Step 2/2 : RUN [\"/bin/busybox\", \"false\"]",
            " ---> Running in 1a2b3c",
            "oops",
        ] {
            log.line(Stream::Stdout, line);
        }
        expect_test::expect![[r#"
            docker build of `apps/x` failed at step 2/2 `RUN ["/bin/busybox", "false"]`: The command '/bin/busybox false' returned a non-zero code: 1
            last output of the step:
              oops"#]]
        .assert_eq(&log.failure("apps/x", "The command '/bin/busybox false' returned a non-zero code: 1"));
    }
}
