//! Build contexts: which files the engine receives (`.dockerignore` read the way the docker
//! CLI reads it), the tar that carries them, and the content hash behind `content_tag`.
//!
//! Pure file-system code: no engine, no runner. The matcher follows moby's
//! `patternmatcher` (the code behind `docker build`), not gitignore: patterns are anchored
//! at the context root (`secret.txt` does not match `sub/secret.txt`; `**/secret.txt`
//! does), a pattern matching a folder excludes everything below it, later `!` patterns
//! re-include, and the Dockerfile and `.dockerignore` are always sent (the engine reads
//! them) although `COPY` does not see them when they are ignored.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use regex::Regex;
use sha2::{Digest, Sha256};

use crate::runtime::hex::hex;

/// The parsed `.dockerignore` of a context.
#[derive(Debug, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

#[derive(Debug)]
struct Pattern {
    /// The cleaned pattern, without the leading `!`.
    text: String,
    exclusion: bool,
    regex: Regex,
}

impl DockerIgnore {
    /// Parses `.dockerignore` text: `#` comments, blank lines, `!` exceptions, leading `/`
    /// and `./` dropped, paths cleaned (`a//b/../c` → `a/c`).
    pub fn parse(text: &str) -> Result<DockerIgnore, String> {
        let mut patterns = Vec::new();
        for (number, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
            // As in the docker CLI: a comment starts at column 0, before trimming.
            if line.starts_with('#') {
                continue;
            }
            let mut pattern = line.trim();
            if pattern.is_empty() {
                continue;
            }
            let exclusion = pattern.starts_with('!');
            if exclusion {
                pattern = pattern[1..].trim();
                if pattern.is_empty() {
                    return Err(format!("line {}: `!` must be followed by a pattern", number + 1));
                }
            }
            let mut cleaned = clean(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            let regex = Regex::new(&to_regex(&cleaned))
                .map_err(|e| format!("line {}: invalid pattern `{pattern}`: {e}", number + 1))?;
            patterns.push(Pattern { text: cleaned, exclusion, regex });
        }
        Ok(DockerIgnore { patterns })
    }

    /// Whether `path` (relative to the context, `/`-separated) is left out of the context:
    /// the last pattern that matches it or one of its parent folders decides.
    pub fn is_excluded(&self, path: &str) -> bool {
        let parents: Vec<&str> = match path.rfind('/') {
            Some(end) => path[..end].split('/').collect(),
            None => Vec::new(),
        };
        let mut excluded = false;
        for pattern in &self.patterns {
            // An exception only matters once something matched, a pattern only before.
            if pattern.exclusion != excluded {
                continue;
            }
            let mut matched = pattern.regex.is_match(path);
            if !matched {
                for depth in 1..=parents.len() {
                    if pattern.regex.is_match(&parents[..depth].join("/")) {
                        matched = true;
                        break;
                    }
                }
            }
            if matched {
                excluded = !pattern.exclusion;
            }
        }
        excluded
    }

    /// Whether an excluded folder must still be walked: some exception may re-include a
    /// path below it (the docker CLI's rule).
    fn may_include_below(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.patterns.iter().any(|p| p.exclusion && format!("{}/", p.text).starts_with(&prefix))
    }
}

/// `filepath.Clean` for `/`-separated patterns.
fn clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// moby's pattern → regex translation: `**` spans folders, `*` and `?` stay within one,
/// `[...]` classes pass through, `\` escapes.
fn to_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        match ch {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    out.push_str(".*");
                } else {
                    out.push_str("(.*/)?");
                }
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            '.' | '$' | '+' | '(' | ')' | '{' | '}' | '^' | '|' => {
                out.push('\\');
                out.push(ch);
            }
            '\\' => match chars.get(i) {
                Some(next) => {
                    out.push_str(&regex::escape(&next.to_string()));
                    i += 1;
                }
                None => out.push_str("\\\\"),
            },
            other => out.push(other),
        }
    }
    out.push('$');
    out
}

#[derive(Debug, Clone)]
enum Kind {
    File { size: u64 },
    Dir,
    Symlink(PathBuf),
}

#[derive(Debug, Clone)]
struct Entry {
    /// Relative to the context root, `/`-separated.
    path: String,
    absolute: PathBuf,
    kind: Kind,
    mode: u32,
    mtime: u64,
}

/// The files of one build: what the tar carries and what the content hash covers.
#[derive(Debug)]
pub struct BuildContext {
    /// Repository-relative context folder, for messages.
    display: String,
    /// What the build sees, in walk order (sorted by name within each folder).
    entries: Vec<Entry>,
    /// Sent although ignored (the Dockerfile, `.dockerignore`): the engine needs them.
    forced: Vec<Entry>,
    /// A Dockerfile from outside the context, sent under [`BuildContext::dockerfile`].
    outside_dockerfile: Option<Vec<u8>>,
    dockerfile_name: String,
    dockerfile_text: Vec<u8>,
}

impl BuildContext {
    /// Reads `.dockerignore` and walks `root`. `dockerfile` may lie outside the context
    /// (it is then sent under a generated name, as the docker CLI does).
    pub fn scan(root: &Path, display: &str, dockerfile: &Path) -> Result<BuildContext, String> {
        let unreadable = |path: &Path, e: io::Error| format!("cannot read `{}`: {e}", shown(root, display, path));
        let ignore_path = root.join(".dockerignore");
        let ignore = match fs::read_to_string(&ignore_path) {
            Ok(text) => DockerIgnore::parse(&text).map_err(|e| format!("`{display}/.dockerignore` {e}"))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => DockerIgnore::default(),
            Err(e) => return Err(unreadable(&ignore_path, e)),
        };
        let dockerfile_text = fs::read(dockerfile).map_err(|e| unreadable(dockerfile, e))?;

        let mut entries = Vec::new();
        walk(root, "", &ignore, &mut entries).map_err(|(path, e)| unreadable(&path, e))?;

        let mut forced = Vec::new();
        let (dockerfile_name, outside_dockerfile) = match dockerfile.strip_prefix(root) {
            Ok(relative) => {
                let name = relative.to_string_lossy().replace('\\', "/");
                (name, None)
            }
            Err(_) => {
                let digest = Sha256::digest(&dockerfile_text);
                (format!(".auto-dockerfile-{}", &hex(&digest)[..12]), Some(dockerfile_text.clone()))
            }
        };
        let mut must_send = vec![".dockerignore".to_string()];
        if outside_dockerfile.is_none() {
            must_send.push(dockerfile_name.clone());
        }
        for name in must_send {
            let absolute = root.join(&name);
            if entries.iter().any(|e: &Entry| e.path == name) || !absolute.is_file() {
                continue;
            }
            let meta = fs::symlink_metadata(&absolute).map_err(|e| unreadable(&absolute, e))?;
            forced.push(entry(name, absolute, &meta).map_err(|(path, e)| unreadable(&path, e))?);
        }
        Ok(BuildContext {
            display: display.to_string(),
            entries,
            forced,
            outside_dockerfile,
            dockerfile_name,
            dockerfile_text,
        })
    }

    /// The Dockerfile's path inside the tar (the engine's `dockerfile` parameter).
    pub fn dockerfile(&self) -> &str {
        &self.dockerfile_name
    }

    /// Paths the build sees (after `.dockerignore`), in tar order.
    pub fn paths(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.path.as_str()).collect()
    }

    /// SHA-256 (hex) over what decides the image: every file the build sees (path,
    /// executable bit, content; symlink targets), the Dockerfile, the build args and, when
    /// set, target and platform. Timestamps, owners and other permission bits are left
    /// out so a fresh checkout hashes the same as the working copy it came from.
    pub fn content_hash(&self, inputs: &HashInputs) -> Result<String, String> {
        let mut hasher = Sha256::new();
        hasher.update(b"auto-docker-context-v1\0");
        for entry in &self.entries {
            match &entry.kind {
                Kind::Dir => hasher.update(format!("d {}\0", entry.path).as_bytes()),
                Kind::Symlink(target) => {
                    hasher.update(format!("l {}\0{}\0", entry.path, target.to_string_lossy()).as_bytes())
                }
                Kind::File { size } => {
                    let exec = if entry.mode & 0o111 != 0 { "x" } else { "-" };
                    hasher.update(format!("f {}\0{exec}\0{size}\0", entry.path).as_bytes());
                    let mut file = fs::File::open(&entry.absolute)
                        .map_err(|e| format!("cannot read `{}/{}`: {e}", self.display, entry.path))?;
                    let mut buffer = vec![0u8; 64 * 1024];
                    loop {
                        let read = file
                            .read(&mut buffer)
                            .map_err(|e| format!("cannot read `{}/{}`: {e}", self.display, entry.path))?;
                        if read == 0 {
                            break;
                        }
                        hasher.update(&buffer[..read]);
                    }
                }
            }
        }
        hasher.update(b"dockerfile\0");
        hasher.update(&self.dockerfile_text);
        for (key, value) in &inputs.build_args {
            hasher.update(format!("\0arg\0{key}\0{value}").as_bytes());
        }
        if let Some(target) = &inputs.target {
            hasher.update(format!("\0target\0{target}").as_bytes());
        }
        if let Some(platform) = &inputs.platform {
            hasher.update(format!("\0platform\0{platform}").as_bytes());
        }
        Ok(hex(&hasher.finalize()))
    }

    /// Writes the context as an uncompressed tar (owners 0:0, like the docker CLI).
    pub fn write_tar<W: Write>(&self, out: W) -> io::Result<()> {
        let mut tar = tar::Builder::new(out);
        for entry in self.entries.iter().chain(&self.forced) {
            let with_path = |e: io::Error| io::Error::new(e.kind(), format!("`{}/{}`: {e}", self.display, entry.path));
            let mut header = tar::Header::new_gnu();
            header.set_mode(entry.mode & 0o7777);
            header.set_mtime(entry.mtime);
            header.set_uid(0);
            header.set_gid(0);
            match &entry.kind {
                Kind::Dir => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_size(0);
                    tar.append_data(&mut header, format!("{}/", entry.path), io::empty()).map_err(with_path)?;
                }
                Kind::Symlink(target) => {
                    header.set_entry_type(tar::EntryType::Symlink);
                    header.set_size(0);
                    tar.append_link(&mut header, &entry.path, target).map_err(with_path)?;
                }
                Kind::File { size } => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(*size);
                    let file = fs::File::open(&entry.absolute).map_err(with_path)?;
                    // A file that changes size while it is sent would corrupt the tar.
                    tar.append_data(&mut header, &entry.path, file.take(*size)).map_err(with_path)?;
                }
            }
        }
        if let Some(text) = &self.outside_dockerfile {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_size(text.len() as u64);
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut header, &self.dockerfile_name, text.as_slice())?;
        }
        tar.into_inner()?.flush()
    }
}

/// What besides the files goes into the content hash.
#[derive(Debug, Default, Clone)]
pub struct HashInputs {
    /// Sorted by name.
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    pub platform: Option<String>,
}

fn shown(root: &Path, display: &str, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(relative) if relative.as_os_str().is_empty() => display.to_string(),
        Ok(relative) => format!("{display}/{}", relative.display()),
        Err(_) => path.display().to_string(),
    }
}

type WalkError = (PathBuf, io::Error);

fn walk(dir: &Path, prefix: &str, ignore: &DockerIgnore, out: &mut Vec<Entry>) -> Result<(), WalkError> {
    let mut children: Vec<(String, PathBuf)> = fs::read_dir(dir)
        .map_err(|e| (dir.to_path_buf(), e))?
        .map(|item| item.map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())))
        .collect::<Result<_, _>>()
        .map_err(|e| (dir.to_path_buf(), e))?;
    children.sort();
    for (name, absolute) in children {
        let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        let meta = fs::symlink_metadata(&absolute).map_err(|e| (absolute.clone(), e))?;
        let excluded = ignore.is_excluded(&path);
        if meta.is_dir() {
            if !excluded {
                out.push(entry(path.clone(), absolute.clone(), &meta)?);
                walk(&absolute, &path, ignore, out)?;
            } else if ignore.may_include_below(&path) {
                walk(&absolute, &path, ignore, out)?;
            }
        } else if !excluded && (meta.is_file() || meta.file_type().is_symlink()) {
            // Sockets, fifos and devices cannot be copied into an image: skipped, as the
            // docker CLI does.
            out.push(entry(path, absolute, &meta)?);
        }
    }
    Ok(())
}

fn entry(path: String, absolute: PathBuf, meta: &fs::Metadata) -> Result<Entry, WalkError> {
    let kind = if meta.is_dir() {
        Kind::Dir
    } else if meta.file_type().is_symlink() {
        Kind::Symlink(fs::read_link(&absolute).map_err(|e| (absolute.clone(), e))?)
    } else {
        Kind::File { size: meta.len() }
    };
    Ok(Entry { path, absolute, kind, mode: meta.permissions().mode(), mtime: meta.mtime().max(0) as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(ignore: &str, paths: &[&str]) -> Vec<String> {
        let ignore = DockerIgnore::parse(ignore).unwrap();
        paths.iter().filter(|p| ignore.is_excluded(p)).map(|p| p.to_string()).collect()
    }

    #[test]
    fn patterns_are_anchored_at_the_context_root() {
        let paths = ["secret.txt", "sub/secret.txt", "sub/deep/secret.txt", "a.log", "sub/b.log", "keep"];
        assert_eq!(excluded("secret.txt", &paths), ["secret.txt"]);
        assert_eq!(excluded("/secret.txt\n", &paths), ["secret.txt"]);
        assert_eq!(excluded("**/secret.txt", &paths), ["secret.txt", "sub/secret.txt", "sub/deep/secret.txt"]);
        assert_eq!(excluded("*.log", &paths), ["a.log"]);
        assert_eq!(excluded("**/*.log", &paths), ["a.log", "sub/b.log"]);
        assert_eq!(excluded("sub/*/secret.txt", &paths), ["sub/deep/secret.txt"]);
        assert_eq!(excluded("s?b", &paths), ["sub/secret.txt", "sub/deep/secret.txt", "sub/b.log"]);
    }

    #[test]
    fn a_matching_folder_excludes_everything_below_unless_an_exception_follows() {
        let paths = ["Dockerfile", "deps", "deps/a.jar", "deps/sub/b.jar", "src/main.rs", "README.md"];
        assert_eq!(excluded("deps", &paths), ["deps", "deps/a.jar", "deps/sub/b.jar"]);
        // The hive image's .dockerignore: everything but the Dockerfile and deps/.
        assert_eq!(excluded("*\n!Dockerfile\n!deps\n!deps/**\n", &paths), ["src/main.rs", "README.md"]);
        assert_eq!(excluded("deps\n!deps/a.jar", &paths), ["deps", "deps/sub/b.jar"]);
        // An exception before the pattern it would undo has no effect.
        assert_eq!(excluded("!deps/a.jar\ndeps", &paths), ["deps", "deps/a.jar", "deps/sub/b.jar"]);
    }

    #[test]
    fn comments_blank_lines_and_cleaning() {
        let paths = ["#notes", "a/b", "c", "x.y", "xzy"];
        assert_eq!(excluded("# comment\n\n  ./a//b/../b  \n\\#notes\n", &paths), ["#notes", "a/b"]);
        // `.` is literal, not a regex wildcard.
        assert_eq!(excluded("x.y", &paths), ["x.y"]);
        expect_test::expect!["line 2: `!` must be followed by a pattern"]
            .assert_eq(&DockerIgnore::parse("a\n!\n").unwrap_err());
    }

    fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    fn tar_listing(context: &BuildContext) -> Vec<String> {
        let mut bytes = Vec::new();
        context.write_tar(&mut bytes).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect()
    }

    #[test]
    fn the_tar_holds_what_dockerignore_lets_through_plus_the_build_files() {
        let dir = context(&[
            ("Dockerfile", "FROM scratch\n"),
            (".dockerignore", "Dockerfile\n.dockerignore\n**/*.log\nsecret/\n"),
            ("app/main.txt", "hi"),
            ("app/debug.log", "noise"),
            ("secret/key", "k"),
        ]);
        let ctx = BuildContext::scan(dir.path(), "apps/x", &dir.path().join("Dockerfile")).unwrap();
        assert_eq!(ctx.paths(), ["app", "app/main.txt"]);
        assert_eq!(tar_listing(&ctx), ["app/", "app/main.txt", ".dockerignore", "Dockerfile"]);
        assert_eq!(ctx.dockerfile(), "Dockerfile");
    }

    #[test]
    fn a_dockerfile_outside_the_context_travels_under_a_generated_name() {
        let dir = context(&[("ctx/a.txt", "a"), ("Dockerfile.app", "FROM scratch\n")]);
        let ctx = BuildContext::scan(&dir.path().join("ctx"), "ctx", &dir.path().join("Dockerfile.app")).unwrap();
        assert!(ctx.dockerfile().starts_with(".auto-dockerfile-"));
        assert_eq!(tar_listing(&ctx), ["a.txt".to_string(), ctx.dockerfile().to_string()]);
    }

    #[test]
    fn the_content_hash_covers_files_dockerfile_and_args_but_not_ignored_files() {
        let dir = context(&[("Dockerfile", "FROM scratch\n"), (".dockerignore", "*.log\n"), ("a.txt", "a")]);
        let scan = || BuildContext::scan(dir.path(), "x", &dir.path().join("Dockerfile")).unwrap();
        let none = HashInputs::default();
        let base = scan().content_hash(&none).unwrap();
        assert_eq!(base.len(), 64);

        fs::write(dir.path().join("debug.log"), "ignored").unwrap();
        assert_eq!(scan().content_hash(&none).unwrap(), base, "an ignored file changes nothing");

        let args = HashInputs { build_args: vec![("V".into(), "1".into())], ..Default::default() };
        let with_args = scan().content_hash(&args).unwrap();
        assert_ne!(with_args, base);

        fs::write(dir.path().join("a.txt"), "b").unwrap();
        assert_ne!(scan().content_hash(&none).unwrap(), base, "content counts");

        fs::write(dir.path().join("a.txt"), "a").unwrap();
        assert_eq!(scan().content_hash(&none).unwrap(), base, "same content, same hash");
        fs::set_permissions(dir.path().join("a.txt"), fs::Permissions::from_mode(0o755)).unwrap();
        assert_ne!(scan().content_hash(&none).unwrap(), base, "the executable bit counts");

        fs::write(dir.path().join("Dockerfile"), "FROM scratch\nCMD [\"x\"]\n").unwrap();
        fs::set_permissions(dir.path().join("a.txt"), fs::Permissions::from_mode(0o644)).unwrap();
        assert_ne!(scan().content_hash(&none).unwrap(), base, "the Dockerfile counts");
    }
}
