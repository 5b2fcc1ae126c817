//! Import resolution confined to `scripts/`: `import "lib/common" as common;` loads
//! `scripts/lib/common.rhai`. The file is read through the repository's directory
//! capability, so a link (a linked file in `scripts/lib/`, a linked folder) is refused like
//! a path that climbs out (`../x`, `/etc/x`). A module being imported that imports itself
//! again, directly or through others, is an error naming the cycle — Rhai alone would
//! recurse until the stack overflows.

use std::collections::HashMap;
use std::path::{Component, Path};
use std::sync::Mutex;
use std::thread::ThreadId;

use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared, AST};

use crate::repo::Repo;
use crate::script::bad_input;

pub struct ScriptsResolver {
    repo: Repo,
    /// Modules already evaluated, by import path: each is evaluated once per run.
    cache: Mutex<HashMap<String, Shared<Module>>>,
    /// The imports being evaluated, per thread, outermost first: evaluating a module runs
    /// its own imports on the same thread, so a path already on its thread's stack is a
    /// cycle (two threads importing the same module at once are not).
    importing: Mutex<HashMap<ThreadId, Vec<String>>>,
}

impl ScriptsResolver {
    pub fn new(repo: Repo) -> Self {
        ScriptsResolver { repo, cache: Mutex::default(), importing: Mutex::default() }
    }

    fn compile(&self, engine: &Engine, path: &str, pos: Position) -> Result<AST, Box<EvalAltResult>> {
        if !stays_inside(path) {
            return Err(EvalAltResult::ErrorModuleNotFound(path.to_string(), pos).into());
        }
        let file = format!("scripts/{path}.rhai");
        let refused = |message: String| EvalAltResult::ErrorInModule(path.to_string(), bad_input_at(message, pos), pos);
        let confined = self.repo.confine(&file).map_err(|e| refused(format!("import \"{path}\": {e}")))?;
        let limit = crate::primitives::template::files::TEMPLATE_MAX_BYTES;
        let bytes = match self.repo.dir().read(&confined, limit) {
            Ok(bytes) => bytes,
            Err(crate::repo::Confinement::NotFound { .. }) => {
                return Err(EvalAltResult::ErrorModuleNotFound(path.to_string(), pos).into())
            }
            Err(e) => return Err(refused(format!("import \"{path}\": {e}")).into()),
        };
        let source =
            String::from_utf8(bytes).map_err(|_| refused(format!("import \"{path}\": `{file}` is not UTF-8 text")))?;
        let mut ast =
            engine.compile(source).map_err(|e| EvalAltResult::ErrorInModule(path.to_string(), e.into(), pos))?;
        ast.set_source(path.to_string());
        Ok(ast)
    }

    fn stack(&self) -> std::sync::MutexGuard<'_, HashMap<ThreadId, Vec<String>>> {
        self.importing.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A bad-input error at `pos` (errors made here have no position of their own).
fn bad_input_at(message: String, pos: Position) -> Box<EvalAltResult> {
    match *bad_input(message) {
        EvalAltResult::ErrorRuntime(value, _) => EvalAltResult::ErrorRuntime(value, pos).into(),
        other => other.into(),
    }
}

/// Plain relative components only: `lib/x`, not `../x`, `/x` or `lib/../x`.
pub fn stays_inside(path: &str) -> bool {
    let path = Path::new(path);
    !path.is_absolute() && path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

impl ModuleResolver for ScriptsResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        // Relative to scripts/, not to the importing file: `lib/x` means the same everywhere.
        let _ = source;
        if let Some(module) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
            return Ok(module.clone());
        }
        let thread = std::thread::current().id();
        {
            let mut stacks = self.stack();
            let stack = stacks.entry(thread).or_default();
            if let Some(first) = stack.iter().position(|p| p == path) {
                let cycle: Vec<String> =
                    stack[first..].iter().chain(std::iter::once(&path.to_string())).map(|p| format!("`{p}`")).collect();
                let message = format!(
                    "circular import: {} (a module cannot import itself, directly or through others: move what both need into a third module)",
                    cycle.join(" imports ")
                );
                return Err(EvalAltResult::ErrorInModule(path.to_string(), bad_input_at(message, pos), pos).into());
            }
            stack.push(path.to_string());
        }
        let evaluated = self.compile(engine, path, pos).and_then(|ast| {
            Module::eval_ast_as_new(Scope::new(), &ast, engine)
                .map_err(|e| EvalAltResult::ErrorInModule(path.to_string(), e, pos).into())
        });
        {
            let mut stacks = self.stack();
            if let Some(stack) = stacks.get_mut(&thread) {
                stack.pop();
                if stack.is_empty() {
                    stacks.remove(&thread);
                }
            }
        }
        let module: Shared<Module> = evaluated?.into();
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(path.to_string(), module.clone());
        Ok(module)
    }

    fn resolve_ast(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Option<Result<AST, Box<EvalAltResult>>> {
        let _ = source;
        Some(self.compile(engine, path, pos))
    }
}
