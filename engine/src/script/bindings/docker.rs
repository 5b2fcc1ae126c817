//! `docker::build/content_tag/tag/push/pull/inspect/exists/remove/run/compose_up/
//! compose_down`: converts Rhai values to typed requests, resolves paths against the
//! repository, calls the docker primitive, converts the result back. See docs/docker.md.

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};

use super::{at_call, options};
use super::{scope_of, Bound};
use crate::error::FailureKind;
use crate::primitives::docker::auth::{self, AuthOptions};
use crate::primitives::docker::compose::{self, DownOptions, UpOptions, UpOutcome};
use crate::primitives::docker::{
    self as primitive, BuildOptions, ContentTagOptions, ContextPaths, Docker, DockerApi, ExistsOptions, Problem,
    RemoveOptions, RunOptions, RunOutcome,
};
use crate::process::Scoped;
use crate::run::RunScope;
use crate::runtime::data::Data;
use crate::runtime::review::Reviewed;
use crate::runtime::steps::{Changes, Outcome as _};
use crate::script::convert::{to_dynamic, Unknown};
use crate::script::{bad_input, failure, raise};

type Outcome<T> = Result<T, Box<EvalAltResult>>;

/// What every docker function shares: the run's bindings (repository, run).
struct Shared {
    host: Arc<Bound>,
}

/// The docker calls of one scope: the engine seam the run's mode picked and the scope's
/// runner, both reporting and recording there.
struct Calls {
    api: Arc<dyn DockerApi>,
    runner: Scoped,
}

impl Calls {
    fn at(here: &RunScope) -> Calls {
        // One scoped runner serves both: the calls record through the runner they run with.
        let runner = here.runner();
        Calls { api: here.run.docker_with(Arc::new(runner.clone())), runner }
    }

    fn docker(&self) -> Docker<'_> {
        Docker { api: self.api.as_ref(), runner: &self.runner, config: auth::config_path() }
    }
}

impl Shared {
    fn resolve(&self, function: &str, what: &str, path: &str) -> Outcome<std::path::PathBuf> {
        self.host.run.repo.resolve(path).map_err(|e| bad_input(format!("docker::{function}: {what}: {e}")))
    }

    /// The build context folder and its Dockerfile (relative to the context).
    fn context(&self, function: &str, dir: &str, dockerfile: Option<&str>) -> Outcome<ContextPaths> {
        let resolved = self.resolve(function, "context", dir)?;
        let display = self.host.run.repo.relative(&resolved);
        let display = if display.is_empty() { ".".to_string() } else { display };
        let dockerfile_text = primitive::join_display(&display, dockerfile.unwrap_or("Dockerfile"));
        let dockerfile = self.resolve(function, "dockerfile", &dockerfile_text)?;
        let display_dockerfile = self.host.run.repo.relative(&dockerfile);
        Ok(ContextPaths { dir: resolved, display, dockerfile, display_dockerfile })
    }
}

fn problem(error: Problem) -> Box<EvalAltResult> {
    match error {
        Problem::BadInput(message) => bad_input(message),
        Problem::Failed(message) => failure(message),
        Problem::Interrupted(message) => raise(message, FailureKind::Interrupted),
        Problem::NotReviewed(message) => raise(message, FailureKind::NotReviewed),
    }
}

fn map(entries: Vec<(&str, Dynamic)>) -> Map {
    entries.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

fn strings(items: Vec<String>) -> Dynamic {
    items.into_iter().map(Dynamic::from).collect::<rhai::Array>().into()
}

fn auth_options(function: &str, opts: &Map) -> Outcome<AuthOptions> {
    options(&format!("docker::{function}"), opts)
}

/// Registers `name(a)` and `name(a, options)` (the one-argument form passes `#{}`).
macro_rules! with_options {
    ($module:expr, $name:literal, $shared:expr, $body:expr) => {{
        let s = $shared.clone();
        let body = $body;
        let one = body.clone();
        FuncRegistration::new($name).with_volatility(true).set_into_module(
            $module,
            move |ctx: NativeCallContext, first: &str, opts: Map| -> Outcome<Dynamic> {
                body(&s, &scope_of(&ctx, &s.host.run), first, &opts).map_err(at_call(&ctx))
            },
        );
        let s = $shared.clone();
        FuncRegistration::new($name).with_volatility(true).set_into_module(
            $module,
            move |ctx: NativeCallContext, first: &str| -> Outcome<Dynamic> {
                one(&s, &scope_of(&ctx, &s.host.run), first, &Map::new()).map_err(at_call(&ctx))
            },
        );
    }};
}

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let shared = Arc::new(Shared { host: host.clone() });
    let mut module = Module::new();
    let m = &mut module;

    with_options!(m, "build", shared, |s: &Arc<Shared>, here: &RunScope, dir: &str, opts: &Map| -> Outcome<Dynamic> {
        let options: BuildOptions = options("docker::build", opts)?;
        let paths = s.context("build", dir, options.dockerfile.as_deref())?;
        let gate = |build: &primitive::BuildIdentity| {
            let effect = Reviewed::DockerBuild {
                context: build.context.clone(),
                content_hash: build.content_hash.clone(),
                tags: build.tags.clone(),
            };
            here.run.review.keep(effect.clone());
            here.run.review.check(&effect).map_err(|d| Problem::NotReviewed(d.to_string()))
        };
        let outcome = primitive::build(&Calls::at(here).docker(), &paths, &options, &gate).map_err(problem)?;
        here.settle(outcome.changes());
        Ok(map(vec![
            ("image_id", to_dynamic(outcome.image_id)),
            ("tags", strings(outcome.tags)),
            ("skipped", outcome.skipped.into()),
            ("content_tag", outcome.content_tag.map(Dynamic::from).unwrap_or(Dynamic::UNIT)),
        ])
        .into())
    });

    with_options!(m, "content_tag", shared, |s: &Arc<Shared>,
                                             _: &RunScope,
                                             dir: &str,
                                             opts: &Map|
     -> Outcome<Dynamic> {
        let options: ContentTagOptions = options("docker::content_tag", opts)?;
        let paths = s.context("content_tag", dir, options.dockerfile.as_deref())?;
        primitive::content_tag(&paths, &options).map(Dynamic::from).map_err(problem)
    });

    let s = shared.clone();
    FuncRegistration::new("tag").with_volatility(true).set_into_module(
        m,
        move |ctx: NativeCallContext, source: &str, target: &str| -> Outcome<()> {
            let here = scope_of(&ctx, &s.host.run);
            let tagged =
                primitive::tag(&Calls::at(&here).docker(), source, target).map_err(problem).map_err(at_call(&ctx))?;
            here.settle(Changes::changed_if(tagged));
            Ok(())
        },
    );

    with_options!(m, "push", shared, |_: &Arc<Shared>, here: &RunScope, image: &str, opts: &Map| -> Outcome<Dynamic> {
        let explicit = auth_options("push", opts)?;
        let outcome = primitive::push(&Calls::at(here).docker(), image, &explicit).map_err(problem)?;
        here.settle(outcome.changes());
        Ok(map(vec![("image", outcome.image.into()), ("digest", to_dynamic(outcome.digest))]).into())
    });

    with_options!(m, "pull", shared, |_: &Arc<Shared>, here: &RunScope, image: &str, opts: &Map| -> Outcome<Dynamic> {
        let explicit = auth_options("pull", opts)?;
        let outcome = primitive::pull(&Calls::at(here).docker(), image, &explicit).map_err(problem)?;
        here.settle(outcome.changes());
        Ok(map(vec![("image", outcome.image.into()), ("image_id", to_dynamic(outcome.image_id))]).into())
    });

    let s = shared.clone();
    FuncRegistration::new("inspect").with_volatility(true).set_into_module(
        m,
        move |ctx: NativeCallContext, image: &str| -> Outcome<Dynamic> {
            primitive::inspect(&Calls::at(&scope_of(&ctx, &s.host.run)).docker(), image)
                .map(to_dynamic)
                .map_err(problem)
                .map_err(at_call(&ctx))
        },
    );

    with_options!(m, "exists", shared, |_: &Arc<Shared>,
                                        here: &RunScope,
                                        image: &str,
                                        opts: &Map|
     -> Outcome<Dynamic> {
        let options: ExistsOptions = options("docker::exists", opts)?;
        primitive::exists(&Calls::at(here).docker(), image, &options).map(to_dynamic).map_err(problem)
    });

    with_options!(m, "remove", shared, |_: &Arc<Shared>,
                                        here: &RunScope,
                                        image: &str,
                                        opts: &Map|
     -> Outcome<Dynamic> {
        let options: RemoveOptions = options("docker::remove", opts)?;
        let removed = primitive::remove(&Calls::at(here).docker(), image, &options).map_err(problem)?;
        here.settle(Changes::changed_if(removed == Data::Bool(true)));
        Ok(to_dynamic(removed))
    });

    with_options!(m, "run", shared, |s: &Arc<Shared>, here: &RunScope, image: &str, opts: &Map| -> Outcome<Dynamic> {
        let options: RunOptions = options("docker::run", opts)?;
        let resolve = |path: &str| s.host.run.repo.resolve(path).map_err(|e| e.to_string());
        let spec = primitive::run_spec(image, &options, &resolve).map_err(problem)?;
        match primitive::run(&Calls::at(here).docker(), &spec, options.check.unwrap_or(true)).map_err(problem)? {
            RunOutcome::Completed { code, stdout, stderr } => {
                // A container ran: auto cannot see what it changed, so it did.
                here.settle(Changes::changed_if(true));
                // The container was given a secret: what it prints may be derived from it.
                let given_a_secret = options.env.values().any(Data::contains_secret);
                let output = |text| to_dynamic(crate::primitives::exec::tool_output(text, given_a_secret));
                Ok(map(vec![("code", code.into()), ("stdout", output(stdout)), ("stderr", output(stderr))]).into())
            }
            RunOutcome::Recorded => {
                let what = format!("docker run {image}");
                Ok(map(vec![
                    ("code", Dynamic::from(Unknown(format!("{what}.code")))),
                    ("stdout", Dynamic::from(Unknown(format!("{what}.stdout")))),
                    ("stderr", Dynamic::from(Unknown(format!("{what}.stderr")))),
                ])
                .into())
            }
        }
    });

    with_options!(m, "compose_up", shared, |s: &Arc<Shared>,
                                            here: &RunScope,
                                            dir: &str,
                                            opts: &Map|
     -> Outcome<Dynamic> {
        let options: UpOptions = options("docker::compose_up", opts)?;
        let project = project(s, "compose_up", dir, options.env_file.as_deref(), &options.profiles)?;
        match compose::up(&Calls::at(here).docker(), &project, &options).map_err(problem)? {
            UpOutcome::Ready(services) => {
                here.settle(Changes::changed_if(true));
                let services: BTreeMap<String, Data> = services.into_iter().map(|(k, v)| (k, Data::Str(v))).collect();
                Ok(map(vec![("services", to_dynamic(Data::Map(services)))]).into())
            }
            UpOutcome::Recorded => {
                Ok(map(vec![("services", Dynamic::from(Unknown(format!("docker compose up {dir}.services"))))]).into())
            }
        }
    });

    with_options!(m, "compose_down", shared, |s: &Arc<Shared>,
                                              here: &RunScope,
                                              dir: &str,
                                              opts: &Map|
     -> Outcome<Dynamic> {
        let options: DownOptions = options("docker::compose_down", opts)?;
        let project = project(s, "compose_down", dir, options.env_file.as_deref(), &options.profiles)?;
        let stopped = compose::down(&Calls::at(here).docker(), &project, &options).map_err(problem)?;
        here.settle(Changes::changed_if(stopped));
        Ok(Dynamic::UNIT)
    });

    engine.register_static_module("docker", module.into());
}

fn project(
    s: &Shared,
    function: &str,
    dir: &str,
    env_file: Option<&str>,
    profiles: &[String],
) -> Outcome<compose::Project> {
    let resolved = s.resolve(function, "dir", dir)?;
    if !resolved.is_dir() {
        return Err(bad_input(format!("docker::{function}: compose folder `{dir}` does not exist")));
    }
    let env_file = env_file.map(|f| s.resolve(function, "env_file", f)).transpose()?;
    if let Some(file) = &env_file {
        if !file.is_file() {
            return Err(bad_input(format!(
                "docker::{function}: env_file `{}` does not exist",
                s.host.run.repo.relative(file)
            )));
        }
    }
    Ok(compose::Project { dir: resolved, env_file, profiles: profiles.to_vec() })
}
