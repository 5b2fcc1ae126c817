//! The sandbox against a repository someone else committed to: links out of it or into
//! `.git/`, a folder swapped for a link while the script runs, linked imports, special
//! files, circular imports. Every case runs the real binary on a real file system.
#![allow(clippy::disallowed_methods)]

mod support;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, Instant};

use support::TestRepo;

fn outside() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("outside dir");
    std::fs::write(dir.path().join("secret.txt"), "outside\n").expect("write");
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).expect("list").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn render_dir_does_not_write_through_a_link_in_its_destination() {
    let repo = TestRepo::new();
    let out = outside();
    repo.write("templates/t/sub/p.txt.j2", "{{ x }}\n");
    std::fs::create_dir_all(repo.path().join("out")).unwrap();
    symlink(out.path(), repo.path().join("out/sub")).unwrap();
    // The committed-customer form: the whole destination root is a link.
    symlink(out.path(), repo.path().join("environments/dev/evilco")).unwrap();
    repo.script(
        "render",
        "param(\"dest\", #{ help: \"d\" });\ntemplate::render_dir(\"templates/t\", params.dest, #{ x: 1 });\n",
    );
    for dest in ["out", "environments/dev/evilco/infra"] {
        for mode in [&["--dry-run"][..], &[]] {
            let mut args = vec!["run", "render", "--set"];
            let set = format!("dest={dest}");
            args.push(&set);
            args.extend_from_slice(mode);
            let outcome = repo.run(&args);
            assert_eq!(outcome.code, 2, "{dest} {mode:?}: {}", outcome.transcript());
            assert!(outcome.stderr.contains("goes through the symbolic link"), "{}", outcome.stderr);
        }
    }
    assert_eq!(entries(out.path()), vec!["secret.txt"], "nothing was written outside");
}

#[test]
fn a_link_to_git_is_refused_for_reads_and_writes() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.path().join(".git/hooks")).unwrap();
    std::fs::write(repo.path().join(".git/config"), "[core]\n").unwrap();
    symlink(".git", repo.path().join("gitlink")).unwrap();
    symlink(".git/config", repo.path().join("config-link")).unwrap();
    repo.script("poke", "param(\"op\", #{ help: \"o\" });\nparam(\"path\", #{ help: \"p\" });\nif params.op == \"write\" { fs::write(params.path, \"[core]\\n\\tfsmonitor = touch /tmp/pwned\\n\"); } else { print(fs::read(params.path)); }\n");
    for (op, path) in [
        ("write", "gitlink/config"),
        ("write", "gitlink/hooks/pre-commit"),
        ("write", "config-link"),
        ("read", "gitlink/config"),
        ("read", "config-link"),
        ("write", ".git/config"),
        ("write", "sub/../.git/hooks/x"),
    ] {
        let outcome = repo.run(&["run", "poke", "--set", &format!("op={op}"), "--set", &format!("path={path}")]);
        assert_eq!(outcome.code, 2, "{op} {path}: {}", outcome.transcript());
        assert!(
            outcome.stderr.contains("symbolic link") || outcome.stderr.contains("inside `.git/`"),
            "{op} {path}: {}",
            outcome.stderr
        );
        assert!(outcome.stderr.contains("scripts/poke.rhai:3"), "the script line is named: {}", outcome.stderr);
    }
    assert_eq!(std::fs::read_to_string(repo.path().join(".git/config")).unwrap(), "[core]\n");
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
}

#[test]
fn swapping_a_folder_for_a_link_while_the_script_runs_reaches_nothing_outside() {
    let repo = TestRepo::new();
    let out = outside();
    std::fs::create_dir_all(repo.path().join("data")).unwrap();
    std::fs::write(repo.path().join("data/secret.txt"), "inside\n").unwrap();
    // Reads and writes in a loop until the test has swapped enough (`stop` appears: the
    // race's length is counted in swaps, not in time, so a loaded machine runs it too);
    // errors (the link is there) are caught and counted.
    repo.script(
        "race",
        r#"let outside = 0; let refused = 0; let i = 0;
while !fs::exists("stop") && i < 1000000 {
    try { if fs::read("data/secret.txt") != "inside\n" { outside += 1; } } catch { refused += 1; }
    try { fs::write("data/w.txt", `${i}`); } catch { refused += 1; }
    i += 1;
}
print(`outside=${outside} refused=${refused}`);
"#,
    );
    let child = repo
        .command(&["run", "race", "--max-operations", "1000000000"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("auto runs");
    let data = repo.path().join("data");
    let parked = repo.path().join("data.real");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut child = child;
    let mut swaps = 0;
    while child.try_wait().expect("wait").is_none() && Instant::now() < deadline {
        // data/ <-> link to outside, as fast as the file system allows. The script's writes
        // may make a new data/ while the real one is parked: that one is removed.
        if std::fs::rename(&data, &parked).is_ok() {
            let _ = symlink(out.path(), &data);
            std::thread::yield_now();
            while std::fs::rename(&parked, &data).is_err() {
                match std::fs::symlink_metadata(&data) {
                    Ok(meta) if meta.file_type().is_symlink() => std::fs::remove_file(&data).unwrap(),
                    Ok(_) => std::fs::remove_dir_all(&data).unwrap_or(()),
                    Err(_) => {}
                }
            }
            swaps += 1;
            if swaps == 1000 {
                std::fs::write(repo.path().join("stop"), "").unwrap();
            }
        }
    }
    let output = child.wait_with_output().expect("finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(swaps > 100, "the race ran ({swaps} swaps)");
    assert!(stderr.contains("outside=0 "), "no read returned the outside file: {stderr}");
    assert_eq!(entries(out.path()), vec!["secret.txt"], "nothing (no file, no temporary file) was written outside");
}

#[test]
fn imports_do_not_follow_links_out_of_scripts() {
    let repo = TestRepo::new();
    let out = outside();
    std::fs::write(out.path().join("evil.rhai"), "fn f() { 42 }\n").unwrap();
    symlink(out.path().join("evil.rhai"), repo.path().join("scripts/lib/evil.rhai")).unwrap();
    symlink(out.path(), repo.path().join("scripts/ext")).unwrap();
    for (name, import) in [("file_link", "lib/evil"), ("folder_link", "ext/evil")] {
        repo.script(name, &format!("import \"{import}\" as e;\nprint(e::f());\n"));
        for command in [&["run", name][..], &["check", &format!("scripts/{name}.rhai")]] {
            let outcome = repo.run(command);
            assert_eq!(outcome.code, 2, "{command:?}: {}", outcome.transcript());
            assert!(outcome.stderr.contains("symbolic link"), "{command:?}: {}", outcome.stderr);
            assert!(outcome.stderr.contains(&format!("scripts/{name}.rhai:1")), "{command:?}: {}", outcome.stderr);
        }
    }
}

#[test]
fn an_import_that_climbs_out_is_named_at_its_line() {
    let repo = TestRepo::new();
    repo.write("rootmod.rhai", "fn f() { 1 }\n");
    repo.script("climb", "print(1);\nimport \"../rootmod\" as r;\n");
    let outcome = repo.run(&["run", "climb"]);
    assert_eq!(outcome.code, 2, "{}", outcome.transcript());
    assert!(outcome.stderr.contains("import \"../rootmod\" leaves `scripts/`"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("scripts/climb.rhai:2"), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("not found"), "{}", outcome.stderr);
}

#[test]
fn circular_imports_are_an_error_naming_the_cycle_in_run_check_and_list() {
    let repo = TestRepo::new();
    repo.write("scripts/lib/a.rhai", "import \"lib/b\" as b;\nfn fa() { 1 }\n");
    repo.write("scripts/lib/b.rhai", "import \"lib/a\" as a;\nfn fb() { 2 }\n");
    repo.script("cyclic", "//! Imports a cycle.\nimport \"lib/a\" as a;\nprint(a::fa());\n");
    for command in [&["run", "cyclic"][..], &["check", "scripts/cyclic.rhai"], &["list"]] {
        let outcome = repo.run(command);
        assert_ne!(outcome.code, 134, "no stack overflow: {}", outcome.transcript());
        let all = format!("{}{}", outcome.stdout, outcome.stderr);
        assert!(all.contains("circular import: `lib/a` imports `lib/b` imports `lib/a`"), "{command:?}: {all}");
        if command[0] != "list" {
            assert_eq!(outcome.code, 2, "{command:?}: {}", outcome.transcript());
            assert!(all.contains("scripts/lib/b.rhai:1"), "{command:?}: {all}");
        }
    }
}

#[test]
fn special_files_are_refused_without_blocking_and_reads_are_capped() {
    let repo = TestRepo::new();
    nix::unistd::mkfifo(&repo.path().join("fifo"), nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    // A character device inside the repository needs mknod (root); /dev/zero by link is
    // refused as a link, and by its path as outside.
    let device = nix::sys::stat::mknod(
        &repo.path().join("zero"),
        nix::sys::stat::SFlag::S_IFCHR,
        nix::sys::stat::Mode::from_bits_truncate(0o666),
        nix::sys::stat::makedev(1, 5),
    )
    .is_ok();
    symlink("/dev/zero", repo.path().join("zero-link")).unwrap();
    // One byte more than the default string limit of a script (16 MiB).
    std::fs::write(repo.path().join("big.txt"), "x".repeat(16 * 1024 * 1024 + 1)).unwrap();
    repo.script("readit", "param(\"path\", #{ help: \"p\" });\nprint(fs::read(params.path).len());\n");
    let mut cases = vec![("fifo", "a FIFO"), ("zero-link", "symbolic link"), ("/dev/zero", "outside the repository")];
    if device {
        cases.push(("zero", "a character device"));
    }
    for (path, why) in cases {
        let started = Instant::now();
        let outcome = repo.run(&["run", "readit", "--set", &format!("path={path}")]);
        assert!(started.elapsed() < Duration::from_secs(30), "{path} did not block");
        assert_eq!(outcome.code, 2, "{path}: {}", outcome.transcript());
        assert!(outcome.stderr.contains(why), "{path}: {}", outcome.stderr);
    }
    let capped = repo.run(&["run", "readit", "--set", "path=big.txt"]);
    assert_eq!(capped.code, 2, "{}", capped.transcript());
    assert!(capped.stderr.contains("more than the 16777216 bytes a script's string may hold"), "{}", capped.stderr);
}

#[test]
fn a_file_written_as_a_secret_is_read_back_as_one() {
    let repo = TestRepo::new();
    repo.script(
        "roundtrip",
        r#"let pw = random_secret(16);
fs::write(".auto/pw", pw);
fs::write("plain.txt", "hello");
let back = fs::read(".auto/pw");
print(`secret=${is_secret(back)} plain=${is_secret(fs::read("plain.txt"))} same=${back == pw}`);
exec::run(["echo", back]);
"#,
    );
    let outcome = repo.run(&["run", "roundtrip"]);
    assert!(outcome.stderr.contains("secret=true plain=false same=true"), "{}", outcome.transcript());
    assert_eq!(outcome.code, 2, "the copy is refused on a command line like the original: {}", outcome.transcript());
    assert!(outcome.stderr.contains("scripts/roundtrip.rhai:6"), "{}", outcome.stderr);
}
