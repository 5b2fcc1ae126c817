//! Templates and files through the binary: `template::render_dir` (tree, `.j2` stripping,
//! report), escaping per output type, atomic only-when-changed writes, 0600 for files that
//! hold a secret, dry-run, strict undefined values, and `fs::`.
#![allow(clippy::disallowed_methods)] // tests start the binary under test directly

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use expect_test::expect;
use support::TestRepo;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/templates");

/// Copies `engine/tests/fixtures/templates/<name>` into the repository at `templates/<name>`.
fn with_fixture(repo: &TestRepo, name: &str) {
    support::copy_tree(&Path::new(FIXTURES).join(name), &repo.path().join("templates").join(name));
}

const RENDER_CONF: &str = r#"//! Renders the conf fixture.
let vars = #{
    container: "warehouse",
    storage_account: "anldevacme",
    display_name: "Acme & <Sons>",
    port: 9083,
    customer: "acme",
    catalogs: ["hive", "iceberg"],
    resources: #{ requests: #{ cpu: "250m", memory: "1Gi" } },
    db_user: "hive",
    db_password: secret("s3cret-db-pass"),
};
let report = template::render_dir("templates/conf", ".auto/rendered/acme", vars);
print(`created: ${report.created}`);
print(`updated: ${report.updated}`);
print(`unchanged: ${report.unchanged}`);
"#;

fn conf_repo() -> TestRepo {
    let repo = TestRepo::new();
    with_fixture(&repo, "conf");
    repo.script("render_conf", RENDER_CONF);
    repo
}

fn read(repo: &TestRepo, path: &str) -> String {
    std::fs::read_to_string(repo.path().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn mode(repo: &TestRepo, path: &str) -> u32 {
    std::fs::metadata(repo.path().join(path)).expect("metadata").permissions().mode() & 0o777
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                walk(base, &entry.path(), out);
            } else {
                out.push(entry.path().strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn render_dir_keeps_the_tree_strips_j2_and_reports_what_it_did() {
    let repo = conf_repo();
    let first = repo.run(&["run", "render_conf"]);
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        auto scripts/render_conf.rhai (run, run [RUN])
        render templates/conf → .auto/rendered/acme: 5 created, 0 updated, 0 unchanged
        created: [".auto/rendered/acme/core-site.xml", ".auto/rendered/acme/metastore.properties", ".auto/rendered/acme/secrets/db.env", ".auto/rendered/acme/static/README.txt", ".auto/rendered/acme/values.yaml"]
        updated: []
        unchanged: []

        changed
          files  5 written
        ok in [T]
    "#]]
    .assert_eq(&first.transcript());
    expect![[r#"
        [
            "core-site.xml",
            "metastore.properties",
            "secrets/db.env",
            "static/README.txt",
            "values.yaml",
        ]
    "#]]
    .assert_debug_eq(&files_under(&repo.path().join(".auto/rendered/acme")));
    // Not a template: copied as it is.
    assert_eq!(read(&repo, ".auto/rendered/acme/static/README.txt"), "Copied as it is: {{ this is not a template }}\n");

    // Same inputs: nothing is rewritten.
    let second = repo.run(&["run", "render_conf"]);
    assert!(
        second.stderr.contains("created: []\nupdated: []\nunchanged: [\".auto/rendered/acme/core-site.xml\""),
        "{}",
        second.stderr
    );

    // One input changes: only the files that use it are updated.
    repo.script("render_conf", &RENDER_CONF.replace("9083", "9084"));
    let third = repo.run(&["run", "render_conf"]);
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        auto scripts/render_conf.rhai (run, run [RUN])
        render templates/conf → .auto/rendered/acme: 0 created, 1 updated, 4 unchanged
        created: []
        updated: [".auto/rendered/acme/metastore.properties"]
        unchanged: [".auto/rendered/acme/core-site.xml", ".auto/rendered/acme/secrets/db.env", ".auto/rendered/acme/static/README.txt", ".auto/rendered/acme/values.yaml"]

        changed
          files  1 written
        ok in [T]
    "#]]
    .assert_eq(&third.transcript());
}

#[test]
fn xml_is_escaped_and_yaml_and_properties_are_not() {
    let repo = conf_repo();
    assert_eq!(repo.run(&["run", "render_conf"]).code, 0);
    expect![[r#"
        <?xml version="1.0"?>
        <configuration>
          <property>
            <name>fs.defaultFS</name>
            <value>abfss://warehouse@anldevacme.dfs.core.windows.net</value>
          </property>
          <property>
            <name>auto.customer.display-name</name>
            <value>Acme &amp; &lt;Sons&gt;</value>
          </property>
        </configuration>
    "#]]
    .assert_eq(&read(&repo, ".auto/rendered/acme/core-site.xml"));
    expect![[r#"
        # Rendered by auto: values are written as they are (no escaping in .properties).
        metastore.display-name=Acme & <Sons>
        metastore.port=9083
        metastore.warehouse=abfss://warehouse@anldevacme.dfs.core.windows.net/warehouse
    "#]]
    .assert_eq(&read(&repo, ".auto/rendered/acme/metastore.properties"));
    expect![[r#"
        customer: acme
        displayName: "Acme & <Sons>"
        catalogs:
          - name: hive
          - name: iceberg
        resources:
          requests:
            cpu: 250m
            memory: 1Gi
    "#]]
    .assert_eq(&read(&repo, ".auto/rendered/acme/values.yaml"));
}

#[test]
fn files_holding_a_secret_are_0600_and_the_others_0644() {
    let repo = conf_repo();
    assert_eq!(repo.run(&["run", "render_conf"]).code, 0);
    assert_eq!(read(&repo, ".auto/rendered/acme/secrets/db.env"), "DB_USER=hive\nDB_PASSWORD=s3cret-db-pass\n");
    assert_eq!(mode(&repo, ".auto/rendered/acme/secrets/db.env"), 0o600);
    for plain in ["core-site.xml", "metastore.properties", "values.yaml", "static/README.txt"] {
        assert_eq!(mode(&repo, &format!(".auto/rendered/acme/{plain}")), 0o644, "{plain}");
    }
}

#[test]
fn writes_are_atomic_and_only_when_the_content_changed() {
    let repo = conf_repo();
    assert_eq!(repo.run(&["run", "render_conf"]).code, 0);
    let out = repo.path().join(".auto/rendered/acme");
    let mtimes = |files: &[String]| -> Vec<std::time::SystemTime> {
        files.iter().map(|f| std::fs::metadata(out.join(f)).and_then(|m| m.modified()).expect("mtime")).collect()
    };
    let files = files_under(&out);
    let before = mtimes(&files);
    // Long enough for any rewrite to show in the modification time.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(repo.run(&["run", "render_conf"]).code, 0);
    assert_eq!(mtimes(&files), before, "an unchanged file was rewritten");
    // The temp files of the atomic write never remain.
    assert_eq!(files_under(&out), files);
    assert!(files.iter().all(|f| !f.contains("auto-tmp")), "{files:?}");
}

#[test]
fn dry_run_writes_nothing_and_shows_sizes_only() {
    let repo = conf_repo();
    let outcome = repo.run(&["run", "render_conf", "--dry-run"]);
    expect![[r#"
        exit 3
        --- stdout
        --- stderr
        auto scripts/render_conf.rhai (dry-run, not journaled)
        would create .auto/rendered/acme/core-site.xml (295 bytes)
        would create .auto/rendered/acme/metastore.properties (218 bytes)
        would create .auto/rendered/acme/secrets/db.env (40 bytes, secret, mode 0600)
        would create .auto/rendered/acme/static/README.txt (46 bytes)
        would create .auto/rendered/acme/values.yaml (140 bytes)
        render templates/conf → .auto/rendered/acme: 5 created, 0 updated, 0 unchanged
        (dry-run, nothing done) created: [".auto/rendered/acme/core-site.xml", ".auto/rendered/acme/metastore.properties", ".auto/rendered/acme/secrets/db.env", ".auto/rendered/acme/static/README.txt", ".auto/rendered/acme/values.yaml"]
        (dry-run, nothing done) updated: []
        (dry-run, nothing done) unchanged: []

        dry-run: would change; nothing was changed
          files     5 to write
          recorded  5 command(s) and file write(s), not run
        pending in [T]
    "#]]
    .assert_eq(&outcome.transcript());
    assert!(!repo.path().join(".auto/rendered").exists());
    assert!(!outcome.stderr.contains("s3cret-db-pass"));
}

#[test]
fn render_returns_a_secret_when_a_secret_was_used() {
    let repo = TestRepo::new();
    repo.script(
        "inline",
        r#"let plain = template::render("host={{ host }}", #{ host: "pg.local" });
let url = template::render("url=postgres://hive:{{ pw }}@pg", #{ pw: secret("pw-123456") });
let encoded = template::render("{{ pw | b64encode }}", #{ pw: secret("pw-123456") });
print(`${plain} ${is_secret(plain)}`);
print(`${url} ${is_secret(url)}`);
print(`${encoded} ${is_secret(encoded)}`);
"#,
    );
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        auto scripts/inline.rhai (run, run [RUN])
        host=pg.local false
        *** true
        *** true
        ok in [T]
    "#]]
    .assert_eq(&repo.run(&["run", "inline"]).transcript());
}

#[test]
fn an_undefined_value_names_the_variable_template_line_and_script_line() {
    let repo = TestRepo::new();
    repo.write("templates/app.yaml.j2", "name: {{ name }}\nport: {{ prot }}\n");
    repo.script(
        "undefined",
        "let text = template::render_file(\"templates/app.yaml.j2\", #{ name: \"x\", port: 1 });\n",
    );
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        auto scripts/undefined.rhai (run, run [RUN])
        error: template::render_file: undefined value: `prot` is undefined (in templates/app.yaml.j2:2)
        hint: pass the variable to the template, or make it optional with `{{ name | default("...") }}` or `{% if name is defined %}`
        --------------------------------- app.yaml.j2 ---------------------------------
           1 | name: {{ name }}
           2 > port: {{ prot }}
             i          ^^^^ undefined value
        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
          --> scripts/undefined.rhai:1:22
          |
        1 | let text = template::render_file("templates/app.yaml.j2", #{ name: "x", port: 1 });
          |                      ^
    "#]]
    .assert_eq(&repo.run(&["run", "undefined"]).transcript());
}

#[test]
fn fs_reads_writes_and_lists_inside_the_repository_only() {
    let repo = TestRepo::new();
    repo.write("data/a.txt", "alpha\n").write("data/sub/b.txt", "beta\n");
    repo.script(
        "files",
        r#"print(fs::read("data/a.txt"));
print(fs::exists("data/a.txt"));
print(fs::exists("data/nope.txt"));
print(fs::list("data"));
print(fs::write(".auto/out/plain.txt", "hello\n"));
print(fs::write(".auto/out/plain.txt", "hello\n"));
print(fs::write(".auto/out/token", secret("tok-123456")));
try { fs::read("../outside.txt"); } catch (e) { print(e.message); }
try { fs::write(".git/config", "x"); } catch (e) { print(e.message); }
try { fs::write("x.json", #{ a: 1 }); } catch (e) { print(e.message); }
try { fs::read("data/missing.txt"); } catch (e) { print(e.message); }
"#,
    );
    let outcome = repo.run(&["run", "files"]);
    expect![[r#"
        exit 0
        --- stdout
        --- stderr
        auto scripts/files.rhai (run, run [RUN])
        alpha
        true
        false
        ["data/a.txt", "data/sub"]
        created
        unchanged
        created
        fs::read: `../outside.txt` is outside the repository: scripts may only reach files under `[REPO]`
        fs::write: `.git/config` is inside `.git/`: scripts may not read or write git's own files (a hook or `core.fsmonitor` there runs commands)
        fs::write: content must be a string or a secret, not map (render structured data with a template: `{{ value | to_json }}`)
        fs::read: cannot read `data/missing.txt`: no such file or directory

        changed
          files  2 written
        ok in [T]
    "#]]
    .assert_eq(&outcome.transcript());
    assert_eq!(read(&repo, ".auto/out/plain.txt"), "hello\n");
    assert_eq!(mode(&repo, ".auto/out/plain.txt"), 0o644);
    assert_eq!(read(&repo, ".auto/out/token"), "tok-123456");
    assert_eq!(mode(&repo, ".auto/out/token"), 0o600);
}

#[test]
fn render_dir_refuses_to_render_into_its_own_source() {
    let repo = conf_repo();
    repo.script("inside", "template::render_dir(\"templates/conf\", \"templates/conf/out\", #{});\n");
    expect![[r#"
        exit 2
        --- stdout
        --- stderr
        auto scripts/inside.rhai (run, run [RUN])
        error: template::render_dir: the destination `templates/conf/out` is inside the source `templates/conf`: render into a separate folder (e.g. under `.auto/`)
          --> scripts/inside.rhai:1:11
          |
        1 | template::render_dir("templates/conf", "templates/conf/out", #{});
          |           ^
    "#]].assert_eq(&repo.run(&["run", "inside"]).transcript());
}
