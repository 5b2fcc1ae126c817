//! Path resolution against the repository's directory capability: whatever path a script
//! names, a read returns only a file inside the repository (never the outside file a link
//! points at, never `.git/`), a folder opened for writing is inside, and nothing panics.
#![no_main]
use std::os::unix::fs::symlink;
use std::sync::OnceLock;

use auto::repo::{Confinement, RepoDir};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    _dir: tempfile::TempDir,
    _outside: tempfile::TempDir,
    repo: RepoDir,
}

/// A repository with folders, files that say "inside", a `.git/` whose files say "git",
/// and links out of it, into `.git/` and within it; and a folder outside whose files say
/// "outside".
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("outside");
        let root = dir.path().canonicalize().expect("canonical");
        for folder in ["a/b", "scripts/lib", ".git/hooks"] {
            std::fs::create_dir_all(root.join(folder)).expect("mkdir");
        }
        for file in ["a/f", "a/b/f", "scripts/lib/x.rhai"] {
            std::fs::write(root.join(file), "inside").expect("write");
        }
        std::fs::write(root.join(".git/config"), "git").expect("write");
        std::fs::write(outside.path().join("f"), "outside").expect("write");
        symlink(outside.path(), root.join("out")).expect("link");
        symlink(".git", root.join("g")).expect("link");
        symlink("a/f", root.join("l")).expect("link");
        symlink("../..", root.join("a/b/up")).expect("link");
        let repo = RepoDir::open(&root).expect("open");
        Fixture { _dir: dir, _outside: outside, repo }
    })
}

fuzz_target!(|input: &[u8]| {
    let Ok(path) = std::str::from_utf8(input) else { return };
    let fixture = fixture();
    let repo = &fixture.repo;
    let Ok(confined) = repo.confine(path) else { return };
    assert!(confined.as_path().components().all(|c| matches!(c, std::path::Component::Normal(_))));
    assert!(!confined.as_path().components().any(|c| c.as_os_str() == ".git"));
    assert!(repo.absolute(&confined).starts_with(repo.root()));
    match repo.read(&confined, 1 << 16) {
        Ok(bytes) => assert_eq!(bytes, b"inside", "{path:?} read {:?}", String::from_utf8_lossy(&bytes)),
        Err(error) => {
            let _ = error.to_string();
        }
    }
    let _ = repo.kind(&confined);
    let _ = repo.list(&confined);
    let _ = repo.check_no_links(&confined);
    // Opening (without making) the folder a write would go into: only real folders inside.
    if let Ok(parent) = repo.open_parent(&confined, false) {
        let _ = parent;
    } else if let Err(Confinement::Symlink { link, .. }) = repo.open_parent(&confined, false) {
        assert!(!link.is_empty());
    }
});
