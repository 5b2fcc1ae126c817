//! The script API reference as the editor asks it: a function by name with its signatures
//! and documentation, a module's functions, the option keys of a call's option map, and
//! which arguments name an environment or a customer. The source is the one
//! docs/script-api.md is generated from (`bindings::reference()`: the Markdown beside each
//! binding and the option structs), so hover text and the reference never differ.

use crate::script::bindings;
use crate::script::reference::api::{signatures, Signature};
use crate::script::reference::markdown::function_doc;
use crate::script::reference::options::{Key, Options};
use crate::script::reference::source::{Function, Section};

pub struct Reference {
    sections: Vec<Section>,
}

/// What a string argument names, for the names to complete in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Names {
    /// An environment: a folder of `environments/` with an `env.toml`.
    Environment,
    /// A customer of the environment named by the argument at `env`.
    Customer { env: usize },
}

impl Default for Reference {
    fn default() -> Self {
        Reference { sections: bindings::reference() }
    }
}

impl Reference {
    /// auto's function `name` (`step`, `terraform::apply`).
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.sections.iter().flat_map(|s| &s.functions).find(|f| f.name == name)
    }

    /// The section of module `name` (`terraform`).
    pub fn module(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.module.as_deref() == Some(name))
    }

    /// auto's modules, in reference order.
    pub fn modules(&self) -> impl Iterator<Item = &Section> {
        self.sections.iter().filter(|s| s.module.is_some())
    }

    /// auto's global functions (no module), in reference order.
    pub fn globals(&self) -> impl Iterator<Item = &Function> {
        self.sections.iter().filter(|s| s.module.is_none()).flat_map(|s| &s.functions)
    }
}

/// Its signatures as a script calls it: `terraform::apply(root: string) -> map`.
pub fn full_signatures(f: &Function) -> Vec<String> {
    let prefix = f.name.rsplit_once("::").map(|(module, _)| format!("{module}::")).unwrap_or_default();
    f.signatures.iter().map(|s| format!("{prefix}{s}")).collect()
}

/// The signature shown as a completion's detail: the one with the most parameters.
pub fn detail(f: &Function) -> String {
    let all = full_signatures(f);
    all.iter().max_by_key(|s| s.matches(':').count()).cloned().unwrap_or_else(|| f.name.clone())
}

/// Its entry as the reference shows it: the signatures, then the text with the option table.
pub fn documentation(f: &Function) -> String {
    format!("```rhai\n{}\n```\n\n{}", full_signatures(f).join("\n"), function_doc(f).trim())
}

/// The option struct of `f`'s argument `argument`, when that argument is its options.
pub fn options(f: &Function, argument: usize) -> Option<&Options> {
    let takes = signatures(f).iter().any(|s| s.options_index() == Some(argument));
    takes.then_some(f.options.as_ref()).flatten()
}

/// The keys where `path` leads in an option map (`[]`: the top; `["retries"]`: the map of
/// `retries`); `None` for a path to no nested map.
pub fn keys_at<'o>(options: &'o Options, path: &[&str]) -> Option<&'o [Key]> {
    let mut keys = options.keys.as_slice();
    for step in path {
        keys = keys.iter().find(|k| k.name == *step)?.nested.as_slice();
    }
    Some(keys)
}

/// A key's entry: its path, type, default and doc.
pub fn key_documentation(function: &str, path: &[&str], key: &Key) -> String {
    let full: Vec<&str> = path.iter().copied().chain([key.name.as_str()]).collect();
    format!("`{}` — option of `{function}`\n\n{} · default: {}\n\n{}", full.join("."), key.ty, key.default, key.doc)
}

/// What `f`'s argument `argument` names, read from its parameter names in the reference:
/// `env` is an environment (`customers(env)`, `kubectl::apply(env, …)`); `id` or `customer`
/// after an `env` is one of that environment's customers (`customer(env, id)`).
pub fn names(f: &Function, argument: usize) -> Option<Names> {
    signatures(f).iter().find_map(|s: &Signature| {
        let (name, ty) = s.params.get(argument)?;
        if ty != "string" {
            return None;
        }
        let env = s.params.iter().position(|(n, _)| n == "env");
        match (name.as_str(), env) {
            ("env", _) => Some(Names::Environment),
            ("id" | "customer", Some(env)) if env < argument => Some(Names::Customer { env }),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_options_and_names_come_from_the_reference() {
        let reference = Reference::default();
        let apply = reference.function("terraform::apply").expect("documented");
        assert!(full_signatures(apply).contains(&"terraform::apply(root: string, options: map) -> map".to_string()));
        assert!(documentation(apply).contains("| `retries.attempts` |"), "the option table is in the entry");
        let options = options(apply, 1).expect("argument 2 is the options");
        let retries: Vec<&str> = keys_at(options, &["retries"]).unwrap().iter().map(|k| k.name.as_str()).collect();
        assert!(retries.contains(&"attempts"), "{retries:?}");
        assert!(super::options(apply, 0).is_none());
        let customer = reference.function("customer").expect("documented");
        assert_eq!(names(customer, 0), Some(Names::Environment));
        assert_eq!(names(customer, 1), Some(Names::Customer { env: 0 }));
        assert_eq!(names(reference.function("kubectl::apply").unwrap(), 0), Some(Names::Environment));
        assert_eq!(names(apply, 0), None);
    }
}
