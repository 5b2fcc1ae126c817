//! Import resolution confined to `scripts/`: `import "lib/common" as common;` loads
//! `scripts/lib/common.rhai`; a path that climbs out (`../x`, `/etc/x`) is refused.

use std::path::{Component, Path, PathBuf};

use rhai::module_resolvers::FileModuleResolver;
use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Shared};

pub struct ScriptsResolver {
    inner: FileModuleResolver,
}

impl ScriptsResolver {
    pub fn new(scripts_dir: PathBuf) -> Self {
        let mut inner = FileModuleResolver::new_with_path_and_extension(scripts_dir, "rhai");
        inner.enable_cache(true);
        ScriptsResolver { inner }
    }
}

fn stays_inside(path: &str) -> bool {
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
        if !stays_inside(path) {
            return Err(
                EvalAltResult::ErrorModuleNotFound(format!("{path} (imports must stay inside scripts/)"), pos).into()
            );
        }
        // Relative to scripts/, not to the importing file: `lib/x` means the same everywhere.
        let _ = source;
        self.inner.resolve(engine, None, path, pos)
    }

    fn resolve_ast(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Option<Result<rhai::AST, Box<EvalAltResult>>> {
        if !stays_inside(path) {
            return Some(Err(EvalAltResult::ErrorModuleNotFound(
                format!("{path} (imports must stay inside scripts/)"),
                pos,
            )
            .into()));
        }
        let _ = source;
        self.inner.resolve_ast(engine, None, path, pos)
    }
}
