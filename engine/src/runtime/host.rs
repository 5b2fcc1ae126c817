//! The state a run shares with every binding: the repository, the runner (which decides
//! the mode), the parameters, the journal. Bindings hold an `Arc<Host>`; primitives get
//! only the parts they need.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::process::{Mode, Runner};
use crate::repo::Repo;
use crate::runtime::data::Data;
use crate::runtime::journal::Journal;
use crate::runtime::locks::Locks;
use crate::runtime::steps::StepLedger;
use crate::script::limits::Limits;
use crate::script::params::ParamSpec;

pub enum ParamPhase {
    /// Evaluating the declaration prefix: `param()` records specs.
    Declaring(Vec<ParamSpec>),
    /// Running: `param()` returns the bound value.
    Bound(BTreeMap<String, Data>),
}

pub struct Host {
    pub repo: Repo,
    pub runner: Arc<dyn Runner>,
    params: Mutex<ParamPhase>,
    pub steps: StepLedger,
    pub locks: Locks,
    pub run_id: String,
    /// Repository-relative path of the main script and the limits it runs under: what
    /// rendering an error from inside a step or parallel task needs.
    pub script: String,
    pub limits: Limits,
}

impl Host {
    pub fn new(
        repo: Repo,
        runner: Arc<dyn Runner>,
        run_id: String,
        journal: Option<Arc<Journal>>,
        script: String,
        limits: Limits,
    ) -> Arc<Host> {
        let locks = Locks::new(repo.root().join(".auto").join("locks"), run_id.clone(), runner.mode() == Mode::Run);
        Arc::new(Host {
            repo,
            runner,
            params: Mutex::new(ParamPhase::Declaring(Vec::new())),
            steps: StepLedger::new(journal),
            locks,
            run_id,
            script,
            limits,
        })
    }

    pub fn mode(&self) -> Mode {
        self.runner.mode()
    }

    pub fn begin_declarations(&self) {
        *self.params.lock().unwrap_or_else(|e| e.into_inner()) = ParamPhase::Declaring(Vec::new());
    }

    pub fn declared_params(&self) -> Vec<ParamSpec> {
        match &*self.params.lock().unwrap_or_else(|e| e.into_inner()) {
            ParamPhase::Declaring(specs) => specs.clone(),
            ParamPhase::Bound(_) => Vec::new(),
        }
    }

    pub fn bind_params(&self, values: BTreeMap<String, Data>) {
        *self.params.lock().unwrap_or_else(|e| e.into_inner()) = ParamPhase::Bound(values);
    }

    /// `param(name, options)`: declare (first phase) or look up (run).
    pub fn param(&self, name: &str, options: &Data) -> Result<Data, String> {
        let mut phase = self.params.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *phase {
            ParamPhase::Declaring(specs) => {
                let spec = ParamSpec::declare(name, options)?;
                if specs.iter().any(|s| s.name == spec.name) {
                    return Err(format!("param `{name}` is declared twice"));
                }
                let default = spec.default.clone().unwrap_or(Data::Null);
                specs.push(spec);
                Ok(default)
            }
            ParamPhase::Bound(values) => values.get(name).cloned().ok_or_else(|| {
                format!("param `{name}` must be declared at the top of the script, before any other statement")
            }),
        }
    }

    /// The bound parameters (redacted JSON) for the journal and the run-started event.
    pub fn params_json(&self) -> serde_json::Value {
        match &*self.params.lock().unwrap_or_else(|e| e.into_inner()) {
            ParamPhase::Bound(values) => Data::Map(values.clone()).to_json_redacted(),
            ParamPhase::Declaring(_) => serde_json::Value::Null,
        }
    }

    /// The default bound for `parallel`: the `runtime.parallelism` of the environment named
    /// by the `env` parameter, or 4.
    pub fn default_parallelism(&self) -> usize {
        let env = match &*self.params.lock().unwrap_or_else(|e| e.into_inner()) {
            ParamPhase::Bound(values) => match values.get("env") {
                Some(Data::Str(env)) => Some(env.clone()),
                _ => None,
            },
            _ => None,
        };
        env.and_then(|env| self.repo.environment(&env).ok()).map(|e| e.config.runtime.parallelism).unwrap_or(4)
    }
}

impl Host {
    /// Renders a script error (with file:line) the way the run's final report would.
    pub fn diagnose(&self, error: &rhai::EvalAltResult) -> crate::script::diagnostics::Diagnostic {
        let context = crate::script::diagnostics::SourceContext {
            repo_root: self.repo.root(),
            main: &self.script,
            limits: &self.limits,
        };
        crate::script::diagnostics::diagnose(error, &context)
    }
}
