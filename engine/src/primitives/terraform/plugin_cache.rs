//! One provider cache for every root of a repository: without it each root's `init` unpacks
//! its own copy of every provider (azurerm is hundreds of MB), so onboarding 50 customers
//! fills 150 `.terraform` folders with the same files. With `TF_PLUGIN_CACHE_DIR` terraform
//! unpacks a provider once and links it into each root. It stays safe with the dependency
//! lock file: terraform (>= 1.4) still checks the cached package against the lock file's
//! checksums, and `TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE` is never set.

use std::path::{Path, PathBuf};

/// Where the repository's cache lives (git-ignored with the rest of `.auto/`).
pub const CACHE_DIR: &str = ".auto/terraform-plugin-cache";

/// The cache auto gives `init`, or `None` when terraform should decide: the user set
/// `TF_PLUGIN_CACHE_DIR` (terraform reads it from the inherited environment) or turned
/// auto's cache off with `AUTO_TF_PLUGIN_CACHE=off` (a `plugin_cache_dir` in their CLI
/// configuration then applies).
pub fn for_repository(repo_root: &Path) -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if set("TF_PLUGIN_CACHE_DIR").is_some() || set("AUTO_TF_PLUGIN_CACHE").is_some_and(|v| v == "off") {
        return None;
    }
    Some(repo_root.join(CACHE_DIR))
}
