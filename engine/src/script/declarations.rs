//! The parameters a script declares, collected while its leading `param(...)` statements
//! run (see `script::declared_params`). Once the run starts, `param(name)` reads the bound
//! value from the run instead.

use std::sync::Mutex;

use super::params::ParamSpec;
use crate::runtime::data::Data;

#[derive(Default)]
pub struct Declarations {
    /// `Some` while the declarations are being evaluated.
    collecting: Mutex<Option<Vec<ParamSpec>>>,
}

impl Declarations {
    pub fn begin(&self) {
        *self.collecting.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
    }

    /// The declared parameters; `param()` looks values up from here on.
    pub fn finish(&self) -> Vec<ParamSpec> {
        self.collecting.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default()
    }

    /// `param(name, options)` while declaring: records the spec and returns its default.
    /// `None` when not declaring (the run is under way).
    pub fn declare(&self, name: &str, options: &Data) -> Option<Result<Data, String>> {
        let mut collecting = self.collecting.lock().unwrap_or_else(|e| e.into_inner());
        let specs = collecting.as_mut()?;
        Some((|| {
            let spec = ParamSpec::declare(name, options)?;
            if specs.iter().any(|s| s.name == spec.name) {
                return Err(format!("param `{name}` is declared twice"));
            }
            let default = spec.default.clone().unwrap_or(Data::Null);
            specs.push(spec);
            Ok(default)
        })())
    }
}
