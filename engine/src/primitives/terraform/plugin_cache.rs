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

/// Terraform documents its plugin cache as not safe for concurrent use: an `init` that
/// installs a provider (a root without a lock-file entry for it) replaces the cached copy
/// that other roots' `.terraform` folders link to, and a `plan` running at that moment in
/// another root finds "no package cached in .terraform/providers". So, across threads and
/// processes: an `init` holds the cache exclusively, every other terraform command holds
/// it shared. A waiting `init` goes first (the turnstile), so a stream of parallel applies
/// cannot starve it.
pub struct CacheUse {
    _held: std::fs::File,
}

/// Takes the cache for `init` (exclusive) or for any other command (shared). Blocks until
/// it is free; `None` when the cache folder does not exist (dry-run, plan before any
/// real init: nothing to protect).
pub fn hold(cache: &Path, exclusive: bool) -> std::io::Result<Option<CacheUse>> {
    if !cache.is_dir() {
        return Ok(None);
    }
    let open = |name: &str| std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(cache.join(name));
    let turnstile = open(".auto-turnstile.lock")?;
    turnstile.lock()?;
    let held = open(".auto-cache.lock")?;
    if exclusive {
        held.lock()?;
    } else {
        held.lock_shared()?;
    }
    drop(turnstile);
    Ok(Some(CacheUse { _held: held }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn an_init_waits_for_the_users_of_the_cache_and_they_for_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = dir.path().to_path_buf();
        let inside = Arc::new(AtomicUsize::new(0));
        let shared = hold(&cache, false).expect("lock").expect("held");
        let (cache2, inside2) = (cache.clone(), inside.clone());
        let init = std::thread::spawn(move || {
            let _exclusive = hold(&cache2, true).expect("lock").expect("held");
            inside2.fetch_add(1, Ordering::SeqCst);
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(inside.load(Ordering::SeqCst), 0, "the init waits while a plan holds the cache");
        drop(shared);
        init.join().expect("init");
        assert_eq!(inside.load(Ordering::SeqCst), 1);
        assert!(hold(&dir.path().join("missing"), true).expect("no error").is_none());
    }
}
