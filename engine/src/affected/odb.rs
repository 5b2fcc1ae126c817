//! [`GitRead`] answered from the object database in this process (gitoxide): refs, the
//! merge-base, tree diffs and file contents without starting git. On a 30,000-file
//! repository the whole detection of a 50-file change then costs about what one `git diff`
//! process does; each git process started would cost as much again.
//!
//! Only what gitoxide reads exactly as git does is answered here. Repositories it cannot
//! open, shallow clones (whose parents are grafted away) and any failure along the way
//! make detection start over with git processes ([`super::git::Git`]), which also explain
//! unknown refs; this reader never guesses.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use gix::bstr::ByteSlice;
use gix::objs::tree::EntryRef;
use gix::ObjectId;

use super::error::AffectedError;
use super::git::{ChangedFile, FileStatus, GitRead, RepoState, EMPTY_TREE};

pub struct InProcess {
    repo: gix::Repository,
    /// The auto repository's folder relative to the work tree's top (`""` or `sub/dir/`).
    prefix: String,
}

/// Variables that change which repository or which objects git reads: with one set,
/// git processes answer, so that `auto affected` sees what `git` sees.
const GIT_ENVIRONMENT: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_GRAFT_FILE",
    "GIT_SHALLOW_FILE",
];

/// Enough for the trees on the paths of a few hundred changed files.
const OBJECT_CACHE_BYTES: usize = 16 * 1024 * 1024;

impl InProcess {
    /// Opens the repository holding `dir`, or says why this reader cannot serve it.
    pub fn open(dir: &Path) -> Result<InProcess, String> {
        if let Some(variable) = GIT_ENVIRONMENT.iter().find(|name| std::env::var_os(name).is_some()) {
            return Err(format!("{variable} is set: git decides what it means"));
        }
        let mut repo = gix::discover(dir).map_err(|error| error.to_string())?;
        // The diff, the listing and the refresh each walk down from the top tree: decoded
        // trees are kept, not decompressed again (a 2,000-customer folder is 66 KB).
        repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
        let top = repo.workdir().ok_or("a bare repository has no files to compare")?;
        if repo.is_shallow().map_err(|error| error.to_string())? {
            return Err("shallow clone: git itself decides which parents exist".into());
        }
        let canonical =
            |path: &Path| std::fs::canonicalize(path).map_err(|error| format!("{}: {error}", path.display()));
        let (top, here) = (canonical(top)?, canonical(dir)?);
        let relative = here.strip_prefix(&top).map_err(|_| "the folder is outside the work tree".to_string())?;
        let mut prefix = String::new();
        for part in relative.components() {
            prefix.push_str(part.as_os_str().to_str().ok_or("the folder's path is not UTF-8")?);
            prefix.push('/');
        }
        Ok(InProcess { repo, prefix })
    }

    fn object_id(&self, hex: &str) -> Result<ObjectId, AffectedError> {
        ObjectId::from_hex(hex.as_bytes()).map_err(|error| git_error(format!("object id `{hex}`: {error}")))
    }

    /// The tree of a commit; `None` for [`EMPTY_TREE`] (the base of a first commit).
    fn commit_tree(&self, commit: &str) -> Result<Option<ObjectId>, AffectedError> {
        if commit == EMPTY_TREE {
            return Ok(None);
        }
        let commit = self.repo.find_commit(self.object_id(commit)?).map_err(git_error)?;
        Ok(Some(commit.tree_id().map_err(git_error)?.detach()))
    }

    fn tree_data(&self, id: Option<ObjectId>) -> Result<Vec<u8>, AffectedError> {
        match id {
            Some(id) => Ok(self.repo.find_tree(id).map_err(git_error)?.detach().data),
            None => Ok(Vec::new()),
        }
    }

    /// Walks two trees side by side, descending only where ids differ (as `git diff` does).
    /// Entries are read as the walk goes: a 2,000-customer folder is never copied into a list.
    fn diff_trees(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
        out: &mut Vec<ChangedFile>,
    ) -> Result<(), AffectedError> {
        let (old_data, new_data) = (self.tree_data(old)?, self.tree_data(new)?);
        let (mut old_entries, mut new_entries) = (entries(&old_data).peekable(), entries(&new_data).peekable());
        loop {
            // Git's tree order: the walk meets each name once on each side.
            let order = match (old_entries.peek(), new_entries.peek()) {
                (Some(Ok(a)), Some(Ok(b))) => a.cmp(b),
                (Some(Ok(_)), None) => Ordering::Less,
                (None, Some(Ok(_))) => Ordering::Greater,
                (None, None) => return Ok(()),
                // The error itself comes out of `next` below.
                (Some(Err(_)), _) => Ordering::Less,
                (_, Some(Err(_))) => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    let entry = next_entry(&mut old_entries)?;
                    self.one_side(&entry, prefix, FileStatus::Deleted, out)?;
                }
                Ordering::Greater => {
                    let entry = next_entry(&mut new_entries)?;
                    self.one_side(&entry, prefix, FileStatus::Added, out)?;
                }
                Ordering::Equal => {
                    let (a, b) = (next_entry(&mut old_entries)?, next_entry(&mut new_entries)?);
                    if a.oid != b.oid || a.mode != b.mode {
                        let path = join(prefix, a.filename)?;
                        if a.mode.is_tree() {
                            self.diff_trees(Some(a.oid.to_owned()), Some(b.oid.to_owned()), &path, out)?;
                        } else {
                            out.push(ChangedFile { path, status: FileStatus::Modified });
                        }
                    }
                }
            }
        }
    }

    /// An entry on one side only: a file, or every file of a folder.
    fn one_side(
        &self,
        entry: &EntryRef<'_>,
        prefix: &str,
        status: FileStatus,
        out: &mut Vec<ChangedFile>,
    ) -> Result<(), AffectedError> {
        let path = join(prefix, entry.filename)?;
        if !entry.mode.is_tree() {
            out.push(ChangedFile { path, status });
            return Ok(());
        }
        let id = Some(entry.oid.to_owned());
        match status {
            FileStatus::Deleted => self.diff_trees(id, None, &path, out),
            _ => self.diff_trees(None, id, &path, out),
        }
    }

    /// Every file below the tree `id`, whose path is `prefix`.
    fn list(&self, id: ObjectId, prefix: &str, out: &mut BTreeMap<String, String>) -> Result<(), AffectedError> {
        let data = self.tree_data(Some(id))?;
        for entry in entries(&data) {
            let entry = entry.map_err(git_error)?;
            let path = join(prefix, entry.filename)?;
            if entry.mode.is_tree() {
                self.list(entry.oid.to_owned(), &path, out)?;
            } else if entry.mode.is_blob_or_symlink() {
                out.insert(path, entry.oid.to_string());
            }
        }
        Ok(())
    }

    /// The files below `wanted` (paths split into names, sorted; an empty one: everything
    /// here, or with `false` only the files directly here) in the tree `id` at `at`. Paths
    /// sharing a folder share one read of it: looking each up from the top would
    /// decompress a 2,000-customer folder once per path.
    fn walk(
        &self,
        id: ObjectId,
        at: &str,
        wanted: &[(&[&str], bool)],
        out: &mut BTreeMap<String, String>,
    ) -> Result<(), AffectedError> {
        if wanted.iter().any(|(names, below)| names.is_empty() && *below) {
            return self.list(id, at, out);
        }
        let files_here = wanted.iter().any(|(names, _)| names.is_empty());
        let data = self.tree_data(Some(id))?;
        // Few names are wanted from folders of thousands: look each entry up among them.
        let deeper: Vec<(&[&str], bool)> = wanted.iter().copied().filter(|(names, _)| !names.is_empty()).collect();
        let groups: Vec<&[(&[&str], bool)]> = deeper.chunk_by(|a, b| a.0[0] == b.0[0]).collect();
        let by_name: HashMap<&[u8], &[(&[&str], bool)]> =
            groups.iter().map(|group| (group[0].0[0].as_bytes(), *group)).collect();
        for entry in entries(&data) {
            let entry = entry.map_err(git_error)?;
            let file = entry.mode.is_blob_or_symlink();
            let group = by_name.get(entry.filename.as_bytes());
            if group.is_none() && !(files_here && file) {
                continue;
            }
            let path = join(at, entry.filename)?;
            let rest: Vec<(&[&str], bool)> =
                group.into_iter().flat_map(|group| group.iter().map(|(names, below)| (&names[1..], *below))).collect();
            if entry.mode.is_tree() && !rest.is_empty() {
                self.walk(entry.oid.to_owned(), &path, &rest, out)?;
            } else if file && (files_here || rest.iter().any(|(names, _)| names.is_empty())) {
                out.insert(path, entry.oid.to_string());
            }
        }
        Ok(())
    }
}

impl GitRead for InProcess {
    fn state(&self, refs: &[&str]) -> Result<Option<RepoState>, AffectedError> {
        let mut commits = Vec::with_capacity(refs.len());
        for reference in refs {
            // Any ref gitoxide does not resolve goes to git, which knows every syntax.
            match self.repo.rev_parse_single(format!("{reference}^{{commit}}").as_str()) {
                Ok(id) => commits.push(id.detach().to_string()),
                Err(_) => return Ok(None),
            }
        }
        Ok(Some(RepoState {
            prefix: self.prefix.clone(),
            shallow: false,
            common_dir: self.repo.common_dir().to_path_buf(),
            commits,
        }))
    }

    fn parent(&self, commit: &str) -> Result<Option<String>, AffectedError> {
        let commit = self.repo.find_commit(self.object_id(commit)?).map_err(git_error)?;
        let parent = commit.parent_ids().next().map(|id| id.detach().to_string());
        Ok(parent)
    }

    fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, AffectedError> {
        let base = self.repo.merge_base(self.object_id(a)?, self.object_id(b)?).map_err(git_error)?;
        Ok(base.map(|id| id.detach().to_string()))
    }

    fn diff(&self, base: &str, head: &str) -> Result<Vec<ChangedFile>, AffectedError> {
        let mut out = Vec::new();
        self.diff_trees(self.commit_tree(base)?, self.commit_tree(head)?, "", &mut out)?;
        Ok(out)
    }

    fn ls_tree(
        &self,
        commit: &str,
        paths: &[String],
        files_in: &[String],
    ) -> Result<Vec<(String, String)>, AffectedError> {
        let Some(root) = self.commit_tree(commit)? else { return Ok(Vec::new()) };
        let mut split: Vec<(Vec<&str>, bool)> = paths
            .iter()
            .map(|path| (path, true))
            .chain(files_in.iter().map(|path| (path, false)))
            .map(|(path, below)| (path.split('/').filter(|name| !name.is_empty()).collect(), below))
            .collect();
        if split.is_empty() {
            split.push((Vec::new(), true));
        }
        split.sort_unstable();
        let wanted: Vec<(&[&str], bool)> = split.iter().map(|(names, below)| (names.as_slice(), *below)).collect();
        let mut files = BTreeMap::new();
        self.walk(root, "", &wanted, &mut files)?;
        Ok(files.into_iter().collect())
    }

    fn cat_file(&self, ids: &[&str]) -> Result<HashMap<String, Vec<u8>>, AffectedError> {
        let mut objects = HashMap::with_capacity(ids.len());
        for id in ids {
            // Every id comes from a tree at head, so a missing object means a partial clone
            // (git fetches it on demand) or a damaged one: an error, and git answers.
            let object = self.repo.find_object(self.object_id(id)?).map_err(git_error)?;
            objects.insert(id.to_string(), object.detach().data);
        }
        Ok(objects)
    }
}

fn entries(data: &[u8]) -> gix::objs::TreeRefIter<'_> {
    gix::objs::TreeRefIter::from_bytes(data, gix::hash::Kind::Sha1)
}

type Entries<'a> = std::iter::Peekable<gix::objs::TreeRefIter<'a>>;

fn next_entry<'a>(entries: &mut Entries<'a>) -> Result<EntryRef<'a>, AffectedError> {
    entries.next().ok_or_else(|| git_error("a tree ended while read"))?.map_err(git_error)
}

fn join(prefix: &str, name: &gix::bstr::BStr) -> Result<String, AffectedError> {
    let name = name.to_str().map_err(|_| git_error(format!("path `{prefix}/{name}` is not UTF-8")))?;
    Ok(if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") })
}

fn git_error(error: impl std::fmt::Display) -> AffectedError {
    AffectedError::Git { message: format!("reading the git object database: {error}") }
}
