//! Reading what changed from git: refs, the merge-base, one diff, files at head and, on
//! request, `git status`.
//!
//! [`GitRead`] is what change detection asks; two implementations answer it. [`Git`] runs
//! git processes through the runner seam as `Effect::Read` (invocations are built by pure,
//! unit-tested functions; none of these commands has a dry-run of its own): it works with
//! every repository git can read and is the one that explains failures. The in-process
//! reader ([`super::odb`]) answers the same questions from the object database without
//! starting a process: the fast path, falling back to [`Git`] whenever it cannot answer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::AffectedError;
use crate::process::{describe_failure, Completion, Effect, Invocation, Output, Quiet, Runner, Stdin};

/// The object id of the empty tree: the base of a repository's first commit.
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// One changed path, relative to the git top level, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangedFile {
    pub path: String,
    pub status: FileStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileStatus {
    Added,
    Modified,
    Deleted,
}

/// What `git rev-parse` told us in the first call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoState {
    /// The auto repository's folder relative to the git top level (`""` or `sub/dir/`).
    pub prefix: String,
    pub shallow: bool,
    /// The git folder shared by all work trees (where the module-graph index is kept).
    pub common_dir: PathBuf,
    /// Commit ids of the refs asked for, in order.
    pub commits: Vec<String>,
}

/// What change detection reads from git. Object ids are lowercase hex; paths are relative
/// to the git top level, `/`-separated.
pub trait GitRead {
    /// `None` when some ref does not resolve to a commit ([`Git`] then explains why).
    fn state(&self, refs: &[&str]) -> Result<Option<RepoState>, AffectedError>;
    /// The first parent of `commit`; `None` for a first commit or a shallow boundary.
    fn parent(&self, commit: &str) -> Result<Option<String>, AffectedError>;
    /// The merge-base of two commits, or `None` when they share no history (here).
    fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, AffectedError>;
    /// Changed files between two commits (`base` may be [`EMPTY_TREE`]), renames split
    /// into a deletion and an addition.
    fn diff(&self, base: &str, head: &str) -> Result<Vec<ChangedFile>, AffectedError>;
    /// Every file (blob or symlink; not submodules) at `commit` below `paths` (folders or
    /// files; none and no `files_in`: all), and at least the files directly in the folders
    /// `files_in`, with its object id; each path once.
    fn ls_tree(
        &self,
        commit: &str,
        paths: &[String],
        files_in: &[String],
    ) -> Result<Vec<(String, String)>, AffectedError>;
    /// Contents of the objects `ids`, by id; unknown ids are left out.
    fn cat_file(&self, ids: &[&str]) -> Result<HashMap<String, Vec<u8>>, AffectedError>;
}

/// Runs git in one folder through a runner.
pub struct Git<'a> {
    runner: &'a dyn Runner,
    dir: PathBuf,
}

/// `git rev-parse --show-prefix --is-shallow-repository --git-common-dir <ref>^{commit}… --`:
/// one process for everything the defaults need. `--` makes every ref a revision, never a
/// path.
pub fn state_invocation(dir: &Path, refs: &[&str]) -> Invocation {
    git(dir)
        .args(["rev-parse", "--show-prefix", "--is-shallow-repository", "--git-common-dir"])
        .args(refs.iter().map(|r| format!("{r}^{{commit}}")))
        .arg("--")
}

/// `git rev-parse --verify --quiet <ref>^{commit}`: exit 1 (no output) for an unknown ref.
pub fn verify_invocation(dir: &Path, reference: &str) -> Invocation {
    git(dir).args(["rev-parse", "--verify", "--quiet"]).arg(format!("{reference}^{{commit}}"))
}

pub fn merge_base_invocation(dir: &Path, a: &str, b: &str) -> Invocation {
    git(dir).args(["merge-base", a, b])
}

/// `--no-renames`: a rename is a delete plus an add, so both the old and the new place
/// count. `-z`: paths verbatim, no quoting.
pub fn diff_invocation(dir: &Path, base: &str, head: &str) -> Invocation {
    git(dir).args(["diff", "--name-status", "-z", "--no-renames", "--no-ext-diff", base, head, "--"])
}

/// Staged, unstaged and untracked files (`-uall`: files, not just their folders).
pub fn status_invocation(dir: &Path) -> Invocation {
    git(dir).args(["status", "--porcelain", "-z", "--no-renames", "--untracked-files=all"])
}

/// Every file at `commit` below `paths` (from the top level; none: all), with its object
/// id: the tree targets are resolved against.
pub fn ls_tree_invocation(dir: &Path, commit: &str, paths: &[String]) -> Invocation {
    git(dir).args(["ls-tree", "-r", "-z", "--full-tree", commit, "--"]).args(paths.iter().cloned())
}

/// Contents of many objects in one process: ids on stdin, one per line.
pub fn cat_file_invocation(dir: &Path, ids: &[&str]) -> Invocation {
    let mut stdin = Vec::with_capacity(ids.len() * 41);
    for id in ids {
        stdin.extend_from_slice(id.as_bytes());
        stdin.push(b'\n');
    }
    // --buffer: one flush at the end instead of one per object (thousands of pipe wake-ups).
    git(dir).args(["cat-file", "--batch", "--buffer"]).stdin(Stdin::Plain(stdin))
}

pub fn inside_work_tree_invocation(dir: &Path) -> Invocation {
    git(dir).args(["rev-parse", "--is-inside-work-tree"])
}

pub fn is_shallow_invocation(dir: &Path) -> Invocation {
    git(dir).args(["rev-parse", "--is-shallow-repository"])
}

fn git(dir: &Path) -> Invocation {
    // GIT_OPTIONAL_LOCKS=0: `git status` must not take the index lock (a concurrent
    // `git commit` in an editor would fail), and reading needs no lock.
    Invocation::new("git", Effect::Read).cwd(dir).env("GIT_OPTIONAL_LOCKS", "0")
}

/// Parses `rev-parse --show-prefix --is-shallow-repository --git-common-dir <refs>… --`
/// output run in `dir` (a relative common dir is relative to it).
pub fn parse_state(dir: &Path, stdout: &str, refs: usize) -> Option<RepoState> {
    let mut lines = stdout.lines();
    let prefix = lines.next()?.to_string();
    let shallow = match lines.next()? {
        "true" => true,
        "false" => false,
        _ => return None,
    };
    let common_dir = dir.join(lines.next().filter(|line| !line.is_empty())?);
    let commits: Vec<String> = lines.take(refs).map(str::to_string).collect();
    if commits.len() != refs || commits.iter().any(|c| c.len() < 40 || !c.bytes().all(|b| b.is_ascii_hexdigit())) {
        return None;
    }
    Some(RepoState { prefix, shallow, common_dir, commits })
}

/// Parses `git diff --name-status -z --no-renames`: `<status>\0<path>\0`, repeated.
pub fn parse_diff(stdout: &[u8]) -> Result<Vec<ChangedFile>, String> {
    let mut fields = stdout.split(|b| *b == 0).filter(|f| !f.is_empty());
    let mut files = Vec::new();
    while let Some(status) = fields.next() {
        let path = fields.next().ok_or("`git diff` output ended after a status without a path")?;
        let status = match status.first() {
            Some(b'A') => FileStatus::Added,
            Some(b'D') => FileStatus::Deleted,
            // M, T (type change), U (unmerged), X: the path is there on both sides.
            Some(_) => FileStatus::Modified,
            None => return Err("empty status in `git diff` output".into()),
        };
        files.push(ChangedFile { path: text(path)?, status });
    }
    Ok(files)
}

/// Parses `git status --porcelain -z --no-renames`: `XY <path>\0`, repeated.
pub fn parse_status(stdout: &[u8]) -> Result<Vec<ChangedFile>, String> {
    let mut files = Vec::new();
    for entry in stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        if entry.len() < 4 || entry[2] != b' ' {
            return Err(format!("unexpected `git status` entry `{}`", String::from_utf8_lossy(entry)));
        }
        let (x, y) = (entry[0], entry[1]);
        let status = if x == b'D' || y == b'D' {
            FileStatus::Deleted
        } else if x == b'?' || x == b'A' {
            FileStatus::Added
        } else {
            FileStatus::Modified
        };
        files.push(ChangedFile { path: text(&entry[3..])?, status });
    }
    Ok(files)
}

/// Parses `git ls-tree -r -z`: `<mode> <type> <id>\t<path>\0`, blobs only (a submodule is
/// a `commit` entry and holds nothing to read).
pub fn parse_ls_tree(stdout: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    for entry in stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let tab = entry.iter().position(|b| *b == b'\t').ok_or("`git ls-tree` entry without a tab")?;
        let mut meta = entry[..tab].split(|b| *b == b' ');
        let (_mode, kind, id) = (meta.next(), meta.next(), meta.next());
        if kind == Some(b"blob") {
            let id = id.ok_or("`git ls-tree` entry without an object id")?;
            files.push((text(&entry[tab + 1..])?, text(id)?));
        }
    }
    Ok(files)
}

/// Parses `git cat-file --batch`: `<id> blob <size>\n<contents>\n` per object, or
/// `<id> missing\n`.
pub fn parse_cat_file(stdout: &[u8]) -> Result<HashMap<String, Vec<u8>>, String> {
    let mut objects = HashMap::new();
    let mut at = 0;
    while at < stdout.len() {
        let end = stdout[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map(|i| at + i)
            .ok_or("`git cat-file` header without a newline")?;
        let header = text(&stdout[at..end])?;
        let mut parts = header.split(' ');
        let (id, kind, size) = (parts.next().unwrap_or_default(), parts.next(), parts.next());
        at = end + 1;
        if kind == Some("missing") {
            continue;
        }
        let size: usize =
            size.and_then(|s| s.parse().ok()).ok_or_else(|| format!("unexpected `git cat-file` header `{header}`"))?;
        let contents = stdout.get(at..at + size).ok_or("`git cat-file` output ended inside an object")?;
        objects.insert(id.to_string(), contents.to_vec());
        at += size + 1;
    }
    Ok(objects)
}

fn text(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("path `{}` is not UTF-8", String::from_utf8_lossy(bytes)))
}

/// Merges uncommitted changes into the committed ones: one entry per path, the working
/// tree's view winning (a file deleted then re-created is modified).
pub fn merge_changes(committed: Vec<ChangedFile>, uncommitted: Vec<ChangedFile>) -> Vec<ChangedFile> {
    let mut by_path: std::collections::BTreeMap<String, FileStatus> = std::collections::BTreeMap::new();
    for file in committed {
        by_path.insert(file.path, file.status);
    }
    for file in uncommitted {
        let status = match (by_path.get(&file.path), file.status) {
            (Some(FileStatus::Deleted), FileStatus::Added) => FileStatus::Modified,
            (Some(FileStatus::Added), FileStatus::Modified) => FileStatus::Added,
            (_, status) => status,
        };
        by_path.insert(file.path, status);
    }
    by_path.into_iter().map(|(path, status)| ChangedFile { path, status }).collect()
}

impl<'a> Git<'a> {
    pub fn new(runner: &'a dyn Runner, dir: &Path) -> Git<'a> {
        Git { runner, dir: dir.to_path_buf() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `invocation`; a non-zero exit is returned as output, not as an error.
    pub fn output(&self, invocation: &Invocation) -> Result<Output, AffectedError> {
        match self.runner.run(invocation, &Quiet) {
            Ok(Completion::Ran(output)) => Ok(output),
            // Only a system runner is ever passed in; a recorded read has no result to use.
            Ok(Completion::Recorded) => Err(AffectedError::Git {
                message: format!("`{invocation}` was recorded, not run: `auto affected` needs real git output"),
            }),
            Err(error) => Err(AffectedError::Git { message: error.to_string() }),
        }
    }

    /// Runs `invocation` and fails with its stderr when git exits non-zero.
    pub fn checked(&self, invocation: &Invocation) -> Result<Output, AffectedError> {
        let output = self.output(invocation)?;
        if output.success() {
            Ok(output)
        } else {
            Err(AffectedError::Git { message: describe_failure(invocation, &output) })
        }
    }

    pub fn is_inside_work_tree(&self) -> Result<bool, AffectedError> {
        let output = self.output(&inside_work_tree_invocation(&self.dir))?;
        Ok(output.success() && output.stdout_text().trim() == "true")
    }

    pub fn is_shallow(&self) -> Result<bool, AffectedError> {
        let output = self.output(&is_shallow_invocation(&self.dir))?;
        Ok(output.success() && output.stdout_text().trim() == "true")
    }

    /// The commit id of `reference`, or `None` when git does not know it.
    pub fn resolve(&self, reference: &str) -> Result<Option<String>, AffectedError> {
        let output = self.output(&verify_invocation(&self.dir, reference))?;
        Ok(if output.success() { Some(output.stdout_text().trim().to_string()) } else { None })
    }

    pub fn status(&self) -> Result<Vec<ChangedFile>, AffectedError> {
        let output = self.checked(&status_invocation(&self.dir))?;
        parse_status(&output.stdout).map_err(|message| AffectedError::Git { message })
    }
}

impl GitRead for Git<'_> {
    fn state(&self, refs: &[&str]) -> Result<Option<RepoState>, AffectedError> {
        let output = self.output(&state_invocation(&self.dir, refs))?;
        Ok(if output.success() { parse_state(&self.dir, &output.stdout_text(), refs.len()) } else { None })
    }

    fn parent(&self, commit: &str) -> Result<Option<String>, AffectedError> {
        self.resolve(&format!("{commit}^"))
    }

    fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, AffectedError> {
        let invocation = merge_base_invocation(&self.dir, a, b);
        let output = self.output(&invocation)?;
        match output.code {
            Some(0) => Ok(Some(output.stdout_text().trim().to_string())),
            // Exit 1 with no output: no common ancestor.
            Some(1) if output.stdout.is_empty() => Ok(None),
            _ => Err(AffectedError::Git { message: describe_failure(&invocation, &output) }),
        }
    }

    fn diff(&self, base: &str, head: &str) -> Result<Vec<ChangedFile>, AffectedError> {
        let output = self.checked(&diff_invocation(&self.dir, base, head))?;
        parse_diff(&output.stdout).map_err(|message| AffectedError::Git { message })
    }

    fn ls_tree(
        &self,
        commit: &str,
        paths: &[String],
        files_in: &[String],
    ) -> Result<Vec<(String, String)>, AffectedError> {
        // One process: `files_in` listed with their subfolders (more than asked, never less).
        let paths: Vec<String> = paths.iter().chain(files_in).cloned().collect();
        let output = self.checked(&ls_tree_invocation(&self.dir, commit, &paths))?;
        parse_ls_tree(&output.stdout).map_err(|message| AffectedError::Git { message })
    }

    fn cat_file(&self, ids: &[&str]) -> Result<HashMap<String, Vec<u8>>, AffectedError> {
        let output = self.checked(&cat_file_invocation(&self.dir, ids))?;
        parse_cat_file(&output.stdout).map_err(|message| AffectedError::Git { message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocations_are_read_only_and_never_take_paths_for_refs() {
        let dir = Path::new("/repo");
        let all = [
            state_invocation(dir, &["HEAD", "origin/main"]),
            diff_invocation(dir, "abc", "def"),
            status_invocation(dir),
            merge_base_invocation(dir, "HEAD", "origin/main"),
            verify_invocation(dir, "HEAD^"),
        ];
        assert!(all.iter().all(|i| i.effect == Effect::Read));
        let shown: Vec<String> = all.iter().map(|i| i.to_string()).collect();
        expect_test::expect![[r#"
            cd /repo && GIT_OPTIONAL_LOCKS=0 git rev-parse --show-prefix --is-shallow-repository --git-common-dir HEAD^{commit} origin/main^{commit} --
            cd /repo && GIT_OPTIONAL_LOCKS=0 git diff --name-status -z --no-renames --no-ext-diff abc def --
            cd /repo && GIT_OPTIONAL_LOCKS=0 git status --porcelain -z --no-renames '--untracked-files=all'
            cd /repo && GIT_OPTIONAL_LOCKS=0 git merge-base HEAD origin/main
            cd /repo && GIT_OPTIONAL_LOCKS=0 git rev-parse --verify --quiet HEAD^^{commit}"#]]
        .assert_eq(&shown.join("\n"));
    }

    #[test]
    fn parses_rev_parse_state() {
        let sha = "f596a43d01c0e9a532bdbada0c23305890d54b5f";
        let dir = Path::new("/repo/sub");
        let out = format!("sub/\nfalse\n../.git\n{sha}\n{sha}\n--\n");
        assert_eq!(
            parse_state(dir, &out, 2),
            Some(RepoState {
                prefix: "sub/".into(),
                shallow: false,
                common_dir: PathBuf::from("/repo/sub/../.git"),
                commits: vec![sha.into(), sha.into()]
            })
        );
        let top = format!("\ntrue\n/elsewhere/.git\n{sha}\n--\n");
        assert_eq!(
            parse_state(dir, &top, 1).map(|s| (s.prefix, s.shallow, s.common_dir)),
            Some((String::new(), true, PathBuf::from("/elsewhere/.git")))
        );
        assert_eq!(parse_state(dir, "\nfalse\n.git\n", 1), None);
    }

    #[test]
    fn parses_diff_with_odd_paths() {
        let out = b"M\0apps/hive/docker/Dockerfile\0D\0environments/dev/a b/main.tf\0A\0new\nline.tf\0T\0link\0";
        let files = parse_diff(out).expect("parses");
        let shown: Vec<String> = files.iter().map(|f| format!("{:?} {:?}", f.status, f.path)).collect();
        expect_test::expect![[r#"
            Modified "apps/hive/docker/Dockerfile"
            Deleted "environments/dev/a b/main.tf"
            Added "new\nline.tf"
            Modified "link""#]]
        .assert_eq(&shown.join("\n"));
        assert!(parse_diff(b"M\0").is_err());
    }

    #[test]
    fn parses_status_entries() {
        let out = b" M scripts/a.rhai\0?? new dir/x.tf\0D  gone.tf\0 D also_gone.tf\0A  staged.tf\0MM both.tf\0";
        let files = parse_status(out).expect("parses");
        let shown: Vec<String> = files.iter().map(|f| format!("{:?} {}", f.status, f.path)).collect();
        expect_test::expect![[r#"
            Modified scripts/a.rhai
            Added new dir/x.tf
            Deleted gone.tf
            Deleted also_gone.tf
            Added staged.tf
            Modified both.tf"#]]
        .assert_eq(&shown.join("\n"));
        assert!(parse_status(b"garbage\0").is_err());
    }

    #[test]
    fn parses_ls_tree_and_cat_file() {
        let listing = b"100644 blob e0cdc6a2085dedc57fab996c13321f808f2ec53f\tREADME.md\x00160000 commit 1111111111111111111111111111111111111111\tvendor/sub\x00100644 blob f098d1592db27d2aef4b6ac00d85b1422007f8a5\tdir/with space.tf\0";
        expect_test::expect![[r#"
            [
                (
                    "README.md",
                    "e0cdc6a2085dedc57fab996c13321f808f2ec53f",
                ),
                (
                    "dir/with space.tf",
                    "f098d1592db27d2aef4b6ac00d85b1422007f8a5",
                ),
            ]
        "#]]
        .assert_debug_eq(&parse_ls_tree(listing).expect("parses"));
        let batch = b"aaaa blob 5\nab\ncd\nbbbb missing\ncccc blob 0\n\n";
        let objects = parse_cat_file(batch).expect("parses");
        assert_eq!(objects.get("aaaa").map(Vec::as_slice), Some(&b"ab\ncd"[..]));
        assert_eq!(objects.get("cccc").map(Vec::as_slice), Some(&b""[..]));
        assert_eq!(objects.len(), 2);
        assert!(parse_cat_file(b"aaaa blob 10\nshort\n").is_err());
        let invocation = cat_file_invocation(Path::new("/repo"), &["aaaa", "bbbb"]);
        assert!(matches!(&invocation.stdin, Some(Stdin::Plain(bytes)) if bytes == b"aaaa\nbbbb\n"));
    }

    #[test]
    fn uncommitted_changes_win_over_committed_ones() {
        let file = |path: &str, status| ChangedFile { path: path.into(), status };
        let merged = merge_changes(
            vec![file("a", FileStatus::Deleted), file("b", FileStatus::Added), file("c", FileStatus::Modified)],
            vec![file("a", FileStatus::Added), file("b", FileStatus::Modified), file("d", FileStatus::Deleted)],
        );
        assert_eq!(
            merged,
            vec![
                file("a", FileStatus::Modified),
                file("b", FileStatus::Added),
                file("c", FileStatus::Modified),
                file("d", FileStatus::Deleted)
            ]
        );
    }
}
