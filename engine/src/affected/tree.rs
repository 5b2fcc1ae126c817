//! The files at head, as change detection needs them: which folders hold terraform, which
//! folders are roots, where each file's contents come from.
//!
//! Built from a listing of the head commit (only the folders the changes need, plus the
//! working tree's changes with `--include-uncommitted`), so it is exactly the head commit
//! whatever is checked out, and every question below is a lookup in memory instead of a
//! system call per folder.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Where a file's contents are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Blob {
    /// A git object id (read with `git cat-file --batch`).
    Git(String),
    /// The working tree (uncommitted changes).
    Disk,
}

/// Roots start below `environments/<env>/`: the environment folder itself holds settings.
pub const MIN_ROOT_DEPTH: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The repository folder on disk, for [`Blob::Disk`] files.
    disk_root: PathBuf,
    /// Folder → its files (name, blob), sorted by name; `""` is the repository folder.
    files: HashMap<String, Vec<(String, Blob)>>,
    /// Every folder holding files, with all its ancestors; sorted.
    dirs: BTreeSet<String>,
}

impl Tree {
    /// A tree of repository-relative, `/`-separated paths.
    pub fn new(disk_root: &Path, entries: impl IntoIterator<Item = (String, Blob)>) -> Tree {
        let mut tree = Tree { disk_root: disk_root.to_path_buf(), ..Tree::default() };
        for (path, blob) in entries {
            let (dir, name) = split(&path);
            if !tree.files.contains_key(dir) {
                let mut ancestor = dir;
                while tree.dirs.insert(ancestor.to_string()) && !ancestor.is_empty() {
                    ancestor = parent(ancestor);
                }
            }
            tree.files.entry(dir.to_string()).or_default().push((name.to_string(), blob));
        }
        for list in tree.files.values_mut() {
            list.sort();
        }
        tree
    }

    /// The working tree as it is on disk (`.git` aside), every file a [`Blob::Disk`].
    #[cfg(test)]
    pub fn from_disk(root: &Path) -> Tree {
        fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, Blob)>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
                if entry.path().is_dir() {
                    if name != ".git" {
                        walk(&entry.path(), &path, out);
                    }
                } else {
                    out.push((path, Blob::Disk));
                }
            }
        }
        let mut entries = Vec::new();
        walk(root, "", &mut entries);
        Tree::new(root, entries)
    }

    pub fn disk_path(&self, relative: &str) -> PathBuf {
        self.disk_root.join(relative)
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }

    pub fn is_file(&self, path: &str) -> bool {
        let (dir, name) = split(path);
        self.files.get(dir).is_some_and(|files| files.binary_search_by(|(n, _)| n.as_str().cmp(name)).is_ok())
    }

    /// Names and blobs of the files directly in `dir`.
    pub fn files_in(&self, dir: &str) -> &[(String, Blob)] {
        self.files.get(dir).map(Vec::as_slice).unwrap_or_default()
    }

    /// The `*.tf` files directly in `dir`. Hidden folders (`.terraform`) hold none that count.
    pub fn tf_files(&self, dir: &str) -> impl Iterator<Item = &(String, Blob)> {
        let hidden = dir.split('/').any(|part| part.starts_with('.'));
        self.files_in(dir).iter().filter(move |(name, _)| !hidden && name.ends_with(".tf"))
    }

    pub fn has_tf(&self, dir: &str) -> bool {
        self.tf_files(dir).next().is_some()
    }

    /// Every folder holding `*.tf`.
    pub fn terraform_dirs(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str).filter(|dir| self.has_tf(dir))
    }

    /// The nearest folder at or above `path`'s folder holding `*.tf`, no higher than
    /// `boundary` (itself included unless it is the repository folder `""`).
    pub fn module_of(&self, path: &str, boundary: &str) -> Option<String> {
        let mut dir = parent(path);
        loop {
            let inside = if boundary.is_empty() { !dir.is_empty() } else { dir == boundary || is_below(dir, boundary) };
            if !inside {
                return None;
            }
            if self.has_tf(dir) {
                return Some(dir.to_string());
            }
            dir = parent(dir);
        }
    }

    /// The root holding `path`: the shallowest folder below `environments/<env>/` on the way
    /// down to the file that holds `*.tf` (a root's local modules are part of it).
    pub fn root_of(&self, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.split('/').collect();
        // Folders only: the last part is the file itself.
        (MIN_ROOT_DEPTH..parts.len()).map(|depth| parts[..depth].join("/")).find(|dir| self.has_tf(dir))
    }

    /// Every root at or below `scope` (a folder under `environments/`), sorted.
    pub fn roots_under(&self, scope: &str) -> Vec<String> {
        self.dirs
            .range(scope.to_string()..)
            .take_while(|dir| *dir == scope || is_below(dir, scope))
            .filter(|dir| dir.starts_with("environments/"))
            .filter(|dir| dir.split('/').count() >= MIN_ROOT_DEPTH && self.has_tf(dir))
            .filter(|dir| self.root_of(&format!("{dir}/_")).as_deref() == Some(dir.as_str()))
            .cloned()
            .collect()
    }
}

/// Whether `dir` is a root: a folder below `environments/<env>/` holding `.tf` with no such
/// folder above it (a root's local modules belong to it), as [`Tree::roots_under`] says.
/// `is_folder` says which folders hold `.tf`: the module graph asks it of names, not of a
/// tree (its snapshot marks roots when built, its re-read folders may change them).
pub fn is_root(dir: &str, is_folder: impl Fn(&str) -> bool) -> bool {
    if !dir.starts_with("environments/") || dir.split('/').count() < MIN_ROOT_DEPTH || !is_folder(dir) {
        return false;
    }
    // The folders above `dir` deep enough to be roots: `dir[..slash]` for the slashes
    // after the first MIN_ROOT_DEPTH - 1.
    let mut above = dir.match_indices('/').map(|(at, _)| at).skip(MIN_ROOT_DEPTH - 1);
    above.all(|at| !is_folder(&dir[..at]))
}

/// Whether `path` is strictly inside folder `dir`.
pub fn is_below(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// `a/b/c` → `a/b`; `a` → `` (the repository folder).
pub fn parent(path: &str) -> &str {
    split(path).0
}

fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree_of(paths: &[&str]) -> Tree {
        Tree::new(Path::new("/repo"), paths.iter().map(|p| (p.to_string(), Blob::Git("0".repeat(40)))))
    }

    #[test]
    fn finds_the_shallowest_roots_and_skips_hidden_folders() {
        let tree = tree_of(&[
            "environments/dev/env.toml",
            "environments/dev/trino/main.tf",
            "environments/dev/acme/customer.toml",
            "environments/dev/acme/hive/main.tf",
            "environments/dev/acme/hive/modules/local/main.tf",
            "environments/dev/acme/hive-extra/notes.txt",
            "environments/dev/acme/infra/main.tf",
            "environments/dev/acme/infra/variables.tf",
            "environments/dev/beta/.terraform/modules/x/main.tf",
            "environments/qa/beta/superset/main.tf",
            "environments/main.tf",
        ]);
        expect_test::expect![[r#"
            [
                "environments/dev/acme/hive",
                "environments/dev/acme/infra",
                "environments/dev/trino",
                "environments/qa/beta/superset",
            ]
        "#]]
        .assert_debug_eq(&tree.roots_under("environments"));
        assert_eq!(
            tree.roots_under("environments/dev/acme"),
            ["environments/dev/acme/hive", "environments/dev/acme/infra"]
        );
        assert_eq!(tree.roots_under("environments/dev/acme/hive"), ["environments/dev/acme/hive"]);
        assert!(tree.roots_under("environments/dev/beta").is_empty());
        assert_eq!(
            tree.root_of("environments/dev/acme/hive/modules/local/main.tf").as_deref(),
            Some("environments/dev/acme/hive")
        );
        assert_eq!(tree.root_of("environments/dev/acme/customer.toml"), None);
        assert!(
            tree.is_dir("environments/dev/acme")
                && tree.is_dir("")
                && !tree.is_dir("environments/dev/acme/customer.toml")
        );
        assert!(tree.is_file("environments/dev/acme/customer.toml") && !tree.is_file("environments/dev/acme"));
    }

    #[test]
    fn a_module_is_the_nearest_terraform_folder_inside_the_boundary() {
        let tree = tree_of(&["infra/kubernetes/namespace/main.tf", "infra/kubernetes/namespace/templates/ns.yaml"]);
        assert_eq!(
            tree.module_of("infra/kubernetes/namespace/templates/ns.yaml", "infra").as_deref(),
            Some("infra/kubernetes/namespace")
        );
        assert_eq!(tree.module_of("infra/kubernetes/gone/main.tf", "infra"), None);
        assert_eq!(tree.module_of("apps/x/kubernetes/main.tf", "apps/x/kubernetes"), None);
        let tree = tree_of(&["infra/x.tf", "apps/x/kubernetes/main.tf", "main.tf"]);
        assert_eq!(tree.module_of("infra/kubernetes/gone/main.tf", "infra").as_deref(), Some("infra"));
        assert_eq!(
            tree.module_of("apps/x/kubernetes/files/a.yaml", "apps/x/kubernetes").as_deref(),
            Some("apps/x/kubernetes")
        );
        // The repository folder itself is never a module.
        assert_eq!(tree.module_of("apps/y.tf", ""), None);
    }
}
