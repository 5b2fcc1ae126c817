//! The docker primitive against the real engine and a local registry (`docker-registry`,
//! started per test, with and without htpasswd basic auth). Images are `FROM scratch`
//! with a static busybox copied in, so nothing is pulled from the internet.
//!
//! Every test uses image names unique to the test and the process, cleans up after
//! itself (also when it fails), and depends on no other test.
#![allow(clippy::disallowed_methods)] // tests start the binary, the registry and the docker CLI directly

mod support;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use expect_test::expect;
use support::{Outcome, TestRepo};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/docker");

fn require(program: &str, why: &str) -> PathBuf {
    support::find_program(program, &[PathBuf::from("/usr/bin"), PathBuf::from("/bin")])
        .unwrap_or_else(|| panic!("`{program}` is missing ({why}): run `bash .ci/install-tools.sh`"))
}

/// The docker CLI, for checks independent of the code under test.
fn docker(args: &[&str]) -> std::process::Output {
    Command::new(require("docker", "the Docker CLI checks what the engine holds"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("docker CLI runs")
}

fn image_exists(image: &str) -> bool {
    docker(&["image", "inspect", image]).status.success()
}

/// The IDs of the containers, running or stopped, made from `image`: empty when none is left.
fn containers_of(image: &str) -> String {
    let listing = docker(&["ps", "-a", "--quiet", "--filter", &format!("ancestor={image}")]);
    String::from_utf8_lossy(&listing.stdout).trim().to_string()
}

/// Removes every image whose reference contains `token`, every container of them, and
/// the untagged layers a failed build left (labelled `auto.test=<token>`, see
/// [`World::new`]) when dropped, also when the test panics.
struct Cleanup {
    token: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let listing = docker(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        for image in String::from_utf8_lossy(&listing.stdout).lines().filter(|l| l.contains(&self.token)) {
            for id in containers_of(image).split_whitespace() {
                let _ = docker(&["rm", "-f", id]);
            }
            let _ = docker(&["rmi", "-f", image]);
        }
        // Children before parents: a pass removes what has no children left.
        for _ in 0..5 {
            let left = docker(&["images", "-aq", "--filter", &format!("label=auto.test={}", self.token)]);
            let ids: Vec<String> =
                String::from_utf8_lossy(&left.stdout).split_whitespace().map(str::to_string).collect();
            if ids.is_empty() {
                break;
            }
            for id in ids {
                let _ = docker(&["rmi", &id]);
            }
        }
    }
}

/// A local registry on a free port, storage in a temp dir, killed on drop.
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start(basic_auth: Option<(&str, &str)>) -> Registry {
        let binary = require("docker-registry", "the tests push to a local registry");
        let dir = tempfile::tempdir().expect("registry dir");
        let port = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some((user, password)) = basic_auth {
            let htpasswd = Command::new(require("htpasswd", "the registry's basic auth needs a bcrypt htpasswd file"))
                .args(["-Bbn", user, password])
                .output()
                .expect("htpasswd runs");
            assert!(htpasswd.status.success(), "htpasswd failed");
            std::fs::write(dir.path().join("htpasswd"), &htpasswd.stdout).expect("htpasswd file");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: auto-test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            ));
        }
        std::fs::write(dir.path().join("config.yml"), config).expect("registry config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("registry log");
        let child = Command::new(binary)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("docker-registry starts");
        let registry = Registry { child, port, _dir: dir };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "the registry did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one test works with: an image name unique to the test and the process (`name`), a
/// repository with docker fixtures under `apps/`, a local registry when the test asked for
/// one, and the test's images removed when it ends.
struct World {
    _cleanup: Cleanup,
    name: String,
    repo: TestRepo,
    registry: Option<Registry>,
    /// For each fixture with a Dockerfile: the `step i/n` lines of building it, and the line
    /// that stands for them in transcripts (see [`World::normalised`]).
    build_steps: Vec<(String, String)>,
}

impl World {
    /// The fixtures `fixtures` copied to `apps/<fixture>`, busybox beside each Dockerfile,
    /// and each Dockerfile labelled `auto.test=<name>` right after `FROM scratch`.
    ///
    /// The label makes every layer of a test's images its own: tests run concurrently, and
    /// removing an image also removes its untagged parents, which would pull a shared cached
    /// layer from under another test's build.
    fn new(test: &str, fixtures: &[&str]) -> World {
        let name = format!("auto-test-{test}-{}", std::process::id());
        let repo = TestRepo::new();
        let busybox = require("busybox", "test images are FROM scratch with a static busybox");
        let mut build_steps = Vec::new();
        for fixture in fixtures {
            let dir = repo.path().join("apps").join(fixture);
            support::copy_tree(&Path::new(FIXTURES).join(fixture), &dir);
            let dockerfile = dir.join("Dockerfile");
            if dockerfile.is_file() {
                std::fs::copy(&busybox, dir.join("busybox")).expect("copy busybox");
                let text = std::fs::read_to_string(&dockerfile).expect("Dockerfile");
                let labelled = text.replacen("FROM scratch\n", &format!("FROM scratch\nLABEL auto.test={name}\n"), 1);
                std::fs::write(&dockerfile, &labelled).expect("label the Dockerfile");
                build_steps.push(steps_of(&labelled, fixture, repo.path()));
            }
        }
        World { _cleanup: Cleanup { token: name.clone() }, name, repo, registry: None, build_steps }
    }

    /// [`World::new`] with a local registry, with htpasswd basic auth for `(user, password)`.
    fn with_registry(test: &str, fixtures: &[&str], basic_auth: Option<(&str, &str)>) -> World {
        World { registry: Some(Registry::start(basic_auth)), ..World::new(test, fixtures) }
    }

    /// `text` with `{name}` and `{registry}` (the registry's host:port) filled in: a plain
    /// replace, so the braces of Rhai maps and of JSON are written as they are.
    fn fill(&self, text: &str) -> String {
        let text = text.replace("{name}", &self.name);
        match &self.registry {
            Some(registry) => text.replace("{registry}", &registry.host()),
            None => text,
        }
    }

    /// Writes `scripts/<script>.rhai`, filled in.
    fn script(&self, script: &str, source: &str) {
        self.repo.script(script, &self.fill(source));
    }

    /// Writes the `config.json` of the private docker config the runs use, filled in.
    fn docker_config(&self, json: &str) {
        self.repo.write(".docker-config/config.json", &self.fill(json));
    }

    /// Runs `auto run <script> <args>` with a private, empty docker config (so the machine's
    /// own `~/.docker/config.json` plays no part) unless the test wrote one: the normalised
    /// transcript.
    fn run_with_env(&self, script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
        let config = self.repo.path().join(".docker-config");
        std::fs::create_dir_all(&config).expect("docker config dir");
        let mut command = self.repo.command(&[&["run", script], args].concat());
        command.env("DOCKER_CONFIG", &config).env_remove("DOCKER_HOST");
        command.envs(env.iter().copied());
        self.normalised(&Outcome::from(command.output().expect("auto runs"), self.repo.path()))
    }

    /// `auto <args>` with the private docker config: the outcome as it is.
    fn auto(&self, args: &[&str]) -> Outcome {
        let config = self.repo.path().join(".docker-config");
        std::fs::create_dir_all(&config).expect("docker config dir");
        let mut command = self.repo.command(args);
        command.env("DOCKER_CONFIG", &config).env_remove("DOCKER_HOST").env_remove("AUTO_PLAN_KEY");
        Outcome::from(command.output().expect("auto runs"), self.repo.path())
    }

    /// [`World::run_with_env`] with no extra environment.
    fn run(&self, script: &str, args: &[&str]) -> String {
        self.run_with_env(script, args, &[])
    }

    /// One run per entry of `each` (its arguments), the transcripts one after the other.
    fn runs(&self, script: &str, each: &[&[&str]]) -> String {
        each.iter().map(|args| self.run(script, args)).collect::<Vec<_>>().join("\n")
    }

    /// The transcript with what differs between runs and machines replaced: image IDs and
    /// digests, content hashes (busybox differs between distributions), ports, the process id.
    ///
    /// Two shortenings that keep every fact: with stdout empty (as in every test here: `auto`
    /// reports on stderr) the transcript is `exit <code>` then stderr, else it is
    /// [`Outcome::transcript`]; and all the `step i/n` lines of a fixture's Dockerfile, exactly
    /// as written and in order, become the one line `[steps 1/n to n/n of
    /// apps/<fixture>/Dockerfile]`, while any other step lines (a step the script added, a
    /// failed build) stay as they are.
    fn normalised(&self, outcome: &Outcome) -> String {
        let mut text = match outcome.stdout.as_str() {
            "" => format!("exit {}\n{}", outcome.code, outcome.stderr),
            _ => outcome.transcript(),
        };
        for (steps, line) in &self.build_steps {
            text = text.replace(&format!("\n{steps}"), &format!("\n{line}"));
        }
        text = text.replace(&std::process::id().to_string(), "[PID]");
        if let Some(registry) = &self.registry {
            text = text.replace(&registry.host(), "[REGISTRY]");
        }
        let rules = [
            (r"sha256:[0-9a-f]{64}", "[SHA]"),
            (r"(:|Step \d+/\d+ : ---> |---> )[0-9a-f]{12}\b", "$1[ID]"),
            (r"Running in [0-9a-f]{12}", "Running in [ID]"),
        ];
        for (pattern, replacement) in rules {
            text = regex::Regex::new(pattern).expect("regex").replace_all(&text, replacement).into_owned();
        }
        text
    }
}

/// The `step i/n <instruction>` lines `auto` prints for building `dockerfile` (normalised as
/// a transcript is), and the line that stands for them.
fn steps_of(dockerfile: &str, fixture: &str, root: &Path) -> (String, String) {
    let instructions: Vec<&str> = dockerfile.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect();
    let n = instructions.len();
    let steps: String =
        instructions.iter().enumerate().map(|(i, instruction)| format!("step {}/{n} {instruction}\n", i + 1)).collect();
    (support::normalise(&steps, root), format!("[steps 1/{n} to {n}/{n} of apps/{fixture}/Dockerfile]\n"))
}

#[test]
fn build_run_tag_push_remove_and_pull_back_round_trip() {
    let world = World::with_registry("roundtrip", &["app"], None);
    world.script(
        "roundtrip",
        r#"
let local = "{name}:dev";
let remote = "{registry}/{name}:1";
let built = docker::build("apps/app", #{ tags: [local], labels: #{ "org.example.purpose": "test" } });
print(`built ${built.tags} skipped=${built.skipped}`);
let hi = docker::run(local, #{ cmd: ["/bin/busybox", "echo", "hi"] });
let out = hi.stdout;
out.trim();
print(`run: code=${hi.code} stdout=${out}`);
// What a container given a secret prints may be derived from it (here: reversed).
let given = docker::run(local, #{ cmd: ["/bin/busybox", "sh", "-c", "echo \"$T\" | /bin/busybox rev"], env: #{ T: secret("tok-abcdef") } });
print(`given a secret, stdout is a secret: ${is_secret(given.stdout)}; plain otherwise: ${is_secret(hi.stdout)}`);
docker::tag(local, remote);
let pushed = docker::push(remote);
print(`pushed ${pushed.image} ${pushed.digest}`);
print(`removed: ${docker::remove(local)} ${docker::remove(remote)} again: ${docker::remove(remote)}`);
print(`exists after remove: ${docker::exists(remote)}; inspect gives (): ${docker::inspect(remote) == ()}`);
let pulled = docker::pull(remote);
print(`pulled ${pulled.image}, same image id: ${pulled.image_id == built.image_id}`);
let info = docker::inspect(remote);
print(`digest kept: ${info.digests.contains(`{registry}/{name}@${pushed.digest}`)} label: ${info.labels["org.example.purpose"]}`);
"#,
    );
    // The script's LABEL makes a sixth step, so this transcript shows every step in full.
    expect![[r#"
        exit 0
        auto scripts/roundtrip.rhai (run, run [RUN])
        step 1/6 FROM scratch
        step 2/6 LABEL auto.test=auto-test-roundtrip-[PID]
        step 3/6 COPY busybox /bin/busybox
        step 4/6 COPY data/ /data/
        step 5/6 CMD ["/bin/busybox", "echo", "hi"]
        step 6/6 LABEL org.example.purpose=test
        built auto-test-roundtrip-[PID]:dev
        built ["auto-test-roundtrip-[PID]:dev"] skipped=false
        run: code=0 stdout=hi
        given a secret, stdout is a secret: true; plain otherwise: false
        pushed [REGISTRY]/auto-test-roundtrip-[PID]:1
        pushed [REGISTRY]/auto-test-roundtrip-[PID]:1 [SHA]
        removed: true true again: false
        exists after remove: false; inspect gives (): true
        pulled [REGISTRY]/auto-test-roundtrip-[PID]:1
        pulled [REGISTRY]/auto-test-roundtrip-[PID]:1, same image id: true
        digest kept: true label: test

        changed
          images  1 built, 1 pushed
        ok in [T]
    "#]]
    .assert_eq(&world.run("roundtrip", &[]));
}

#[test]
fn basic_auth_with_explicit_credentials_and_with_docker_config_auths() {
    let world = World::with_registry("auth", &["app"], Some(("ci-user", "s3cret-pass")));
    world.script(
        "auth",
        r#"
param("via", #{ help: "explicit or config" });
let image = `{registry}/{name}:${params.via}`;
docker::build("apps/app", #{ tags: [image] });
let creds = if params.via == "explicit" { #{ username: "ci-user", password: secret("s3cret-pass") } } else { #{} };
print(`pushed: ${docker::push(image, creds).digest.starts_with("sha256:")}`);
docker::remove(image);
print(`pulled back: ${docker::pull(image, creds).image == image}`);
"#,
    );
    let explicit = world.run("auth", &["--set", "via=explicit"]);
    // The docker CLI's format: base64 of `user:password` under the registry host.
    world.docker_config(r#"{"auths":{"http://{registry}":{"auth":"Y2ktdXNlcjpzM2NyZXQtcGFzcw=="}}}"#);
    let from_config = world.run("auth", &["--set", "via=config"]);
    expect![[r#"
        exit 0
        auto scripts/auth.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built [REGISTRY]/auto-test-auth-[PID]:explicit
        pushed [REGISTRY]/auto-test-auth-[PID]:explicit
        pushed: true
        pulled [REGISTRY]/auto-test-auth-[PID]:explicit
        pulled back: true

        changed
          images  1 built, 1 pushed
        ok in [T]
    "#]]
    .assert_eq(&explicit);
    // Credentials from the docker config work as the explicit ones do.
    assert_eq!(from_config, explicit.replace("explicit", "config"));
}

#[test]
fn credentials_come_from_a_credential_helper_through_the_runner() {
    let world = World::with_registry("helper", &["app"], Some(("helper-user", "helper-pass-42")));
    // A credential helper speaks JSON on stdout for the server URL it reads on stdin.
    let helper = r##"#!/bin/sh
read server
[ "$1" = get ] && [ "$server" = "{registry}" ] || exit 1
echo '{"ServerURL":"'$server'","Username":"helper-user","Secret":"helper-pass-42"}'
"##;
    let bin = support::bin_dir_with(&world.repo, "docker-credential-fake", &world.fill(helper));
    world.docker_config(r#"{"credHelpers":{"{registry}":"fake"}}"#);
    world.script(
        "helper",
        r#"
let image = "{registry}/{name}:1";
docker::build("apps/app", #{ tags: [image] });
print(`pushed: ${docker::push(image).image}`);
"#,
    );
    expect![[r#"
        exit 0
        auto scripts/helper.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built [REGISTRY]/auto-test-helper-[PID]:1
        pushed [REGISTRY]/auto-test-helper-[PID]:1
        pushed: [REGISTRY]/auto-test-helper-[PID]:1

        changed
          images  1 built, 1 pushed
        ok in [T]
    "#]]
    .assert_eq(&world.run_with_env("helper", &[], &[("PATH", &support::path_with(&bin))]));
}

#[test]
fn a_refused_push_says_where_the_credentials_came_from_and_never_shows_them() {
    let world = World::with_registry("refused", &["app"], Some(("ci-user", "right-password")));
    world.script(
        "refused",
        r#"
param("creds", #{ help: "wrong or none" });
let image = "{registry}/{name}:1";
docker::build("apps/app", #{ tags: [image] });
if params.creds == "wrong" {
    docker::push(image, #{ username: "ci-user", password: "wrong-password-123" });
} else {
    docker::push(image);
}
"#,
    );
    let both = world.runs("refused", &[&["--set", "creds=wrong"], &["--set", "creds=none"]]);
    assert!(!both.contains("wrong-password-123"), "the password leaked:\n{both}");
    expect![[r#"
        exit 1
        auto scripts/refused.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built [REGISTRY]/auto-test-refused-[PID]:1

        changed
          images  1 built, 0 pushed
        error: docker push `[REGISTRY]/auto-test-refused-[PID]:1` failed: unauthorized: authentication required
        (the credentials for `[REGISTRY]` came from the `username`/`password` given in the script: check them)
          --> scripts/refused.rhai:6:13
          |
        6 |     docker::push(image, #{ username: "ci-user", password: "***" });
          |             ^

        exit 1
        auto scripts/refused.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built [REGISTRY]/auto-test-refused-[PID]:1

        changed
          images  1 built, 0 pushed
        error: docker push `[REGISTRY]/auto-test-refused-[PID]:1` failed: no basic auth credentials
        (no credentials found for `[REGISTRY]`: pass #{ username, password }, or run `docker login [REGISTRY]`)
          --> scripts/refused.rhai:8:13
          |
        8 |     docker::push(image);
          |             ^
    "#]]
    .assert_eq(&both);
}

#[test]
fn dockerignore_keeps_ignored_files_out_of_the_image() {
    let world = World::new("ignore", &["app"]);
    world.script(
        "ignore",
        r#"
docker::build("apps/app", #{ tags: ["{name}:1"] });
let listing = docker::run("{name}:1", #{ cmd: ["/bin/busybox", "find", "/data"] });
print(listing.stdout);
"#,
    );
    expect![[r#"
        exit 0
        auto scripts/ignore.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built auto-test-ignore-[PID]:1
        /data
        /data/keep.txt
        /data/sub
        /data/sub/nested.txt

        changed
          images  1 built, 0 pushed
        ok in [T]
    "#]]
    .assert_eq(&world.run("ignore", &[]));
}

/// Issue 21: `auto apply` of a plan bundle builds only the context that was reviewed.
#[test]
fn an_apply_of_a_plan_bundle_builds_only_the_reviewed_context() {
    let world = World::new("bundle", &["app"]);
    world.script("build", "docker::build(\"apps/app\", #{ tags: [\"{name}:1\"] });\n");
    let bundle = world.repo.path().join("plan.bundle");
    let bundle = bundle.to_str().unwrap();
    let planned = world.auto(&["run", "build", "--plan", "--out", bundle]);
    assert_eq!(planned.code, 3, "{}", planned.stderr);

    let kept = world.repo.path().join("apps/app/data/keep.txt");
    let reviewed = std::fs::read_to_string(&kept).unwrap();
    world.repo.write("apps/app/data/keep.txt", "changed after the review\n");
    let stopped = world.auto(&["apply", bundle]);
    assert_eq!(stopped.code, 5, "{}", stopped.stderr);
    assert!(
        stopped.stderr.contains(
            "docker build of apps/app differs from the reviewed plan: its context or tags are not the reviewed ones"
        ),
        "{}",
        stopped.stderr
    );
    assert!(!stopped.stderr.contains("built "), "nothing was built: {}", stopped.stderr);

    world.repo.write("apps/app/data/keep.txt", &reviewed);
    let applied = world.auto(&["apply", bundle]);
    assert_eq!(applied.code, 0, "the reviewed context again: {}", applied.stderr);
    assert!(applied.stderr.contains(&format!("built {}:1", world.name)), "{}", applied.stderr);
}

#[test]
fn an_unchanged_context_with_a_content_tag_is_skipped_locally_and_via_the_registry() {
    let world = World::with_registry("content", &["app"], None);
    world.script(
        "content",
        r#"
param("push", #{ help: "push and remove", default_value: false });
let image = docker::build("apps/app", #{ content_tag: "{registry}/{name}" });
print(`skipped=${image.skipped} tag=${image.content_tag} pure=${image.content_tag.ends_with(docker::content_tag("apps/app"))}`);
if params.push {
    docker::push(image.content_tag);
    docker::remove(image.content_tag);
}
"#,
    );
    let first = world.run("content", &["--set", "push=true"]);
    let from_registry = world.run("content", &[]);
    // A change to a file the build sees gives a new tag, hence a build.
    world.repo.write("apps/app/data/keep.txt", "changed\n");
    let built_again = world.run("content", &[]);
    let locally = world.run("content", &[]);
    // Ignored files do not count.
    world.repo.write("apps/app/data/sub/other.log", "noise\n");
    let ignored_change = world.run("content", &[]);
    expect![[r#"
        exit 0
        auto scripts/content.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built [REGISTRY]/auto-test-content-[PID]:[ID]
        skipped=false tag=[REGISTRY]/auto-test-content-[PID]:[ID] pure=true
        pushed [REGISTRY]/auto-test-content-[PID]:[ID]

        changed
          images  1 built, 1 pushed
        ok in [T]

        exit 0
        auto scripts/content.rhai (run, run [RUN])
        [REGISTRY]/auto-test-content-[PID]:[ID] unchanged, skipped (present in the registry)
        skipped=true tag=[REGISTRY]/auto-test-content-[PID]:[ID] pure=true
        ok in [T]

        exit 0
        auto scripts/content.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built [REGISTRY]/auto-test-content-[PID]:[ID]
        skipped=false tag=[REGISTRY]/auto-test-content-[PID]:[ID] pure=true

        changed
          images  1 built, 0 pushed
        ok in [T]

        exit 0
        auto scripts/content.rhai (run, run [RUN])
        [REGISTRY]/auto-test-content-[PID]:[ID] unchanged, skipped (present locally)
        skipped=true tag=[REGISTRY]/auto-test-content-[PID]:[ID] pure=true
        ok in [T]
    "#]]
    .assert_eq(&[first, from_registry, built_again, locally.clone()].join("\n"));
    assert_eq!(ignored_change, locally, "a change to an ignored file counted");
}

#[test]
fn a_failing_dockerfile_step_is_named_with_its_output() {
    let world = World::new("broken", &["broken"]);
    world.script("broken", "docker::build(\"apps/broken\", #{ tags: [\"{name}:1\"] });\n");
    expect![[r#"
        exit 1
        auto scripts/broken.rhai (run, run [RUN])
        step 1/5 FROM scratch
        step 2/5 LABEL auto.test=auto-test-broken-[PID]
        step 3/5 COPY busybox /bin/busybox
        step 4/5 RUN ["/bin/busybox", "sh", "-c", "echo about to fail >&2; exit 3"]
        error: docker build of `apps/broken` failed at step 4/5 `RUN ["/bin/busybox", "sh", "-c", "echo about to fail >&2; exit 3"]`: The command '/bin/busybox sh -c echo about to fail >&2; exit 3' returned a non-zero code: 3
        last output of the step:
          about to fail
          --> scripts/broken.rhai:1:9
          |
        1 | docker::build("apps/broken", #{ tags: ["auto-test-broken-[PID]:1"] });
          |         ^
    "#]]
    .assert_eq(&world.run("broken", &[]));
    assert!(!image_exists(&format!("{}:1", world.name)));
}

#[test]
fn an_unreachable_engine_names_the_address_and_the_fix() {
    let world = World::new("unreachable", &["app"]);
    world.script("unreachable", "print(docker::exists(\"anything:1\"));\n");
    expect![[r#"
        exit 1
        error: cannot reach the Docker engine at `unix:///nonexistent.sock` (socket `/nonexistent.sock` does not exist): is the daemon running? Start it with `systemctl start docker`, or check DOCKER_HOST
          --> scripts/unreachable.rhai:1:15
          |
        1 | print(docker::exists("anything:1"));
          |               ^
    "#]]
    .assert_eq(&world.run_with_env("unreachable", &["-q"], &[("DOCKER_HOST", "unix:///nonexistent.sock")]));
}

#[test]
fn dry_run_records_every_docker_effect_and_touches_nothing() {
    let world = World::new("dryrun", &["app"]);
    world.script(
        "dryrun",
        r#"
let image = docker::build("apps/app", #{ tags: ["{name}:1"], build_args: #{ VERSION: 2 }, content_tag: "127.0.0.1:1/{name}" });
print(`image id: ${image.image_id}`);
docker::tag("{name}:1", "127.0.0.1:1/{name}:latest");
docker::push("127.0.0.1:1/{name}:latest", #{ username: "u", password: "dry-run-password" });
let out = docker::run("{name}:1", #{ cmd: ["/bin/busybox", "true"], env: #{ TOKEN: secret("dry-run-token") }, mounts: ["apps/app/data:/data:ro"] });
print(`known: ${is_known(out.code)}`);
docker::remove("{name}:1", #{ force: true });
"#,
    );
    // No engine is needed: DOCKER_HOST points nowhere.
    let outcome = world.run_with_env("dryrun", &["--dry-run"], &[("DOCKER_HOST", "unix:///nonexistent.sock")]);
    expect![[r#"
        exit 3
        auto scripts/dryrun.rhai (dry-run, not journaled)
        would read docker image inspect 127.0.0.1:1/auto-test-dryrun-[PID]:[ID]
        would run docker build apps/app -t auto-test-dryrun-[PID]:1 -t 127.0.0.1:1/auto-test-dryrun-[PID]:[ID] --build-arg 'VERSION=2'
        (dry-run, nothing done) image id: (known after apply: docker build apps/app.image_id)
        would run docker tag auto-test-dryrun-[PID]:1 127.0.0.1:1/auto-test-dryrun-[PID]:latest
        would run docker push 127.0.0.1:1/auto-test-dryrun-[PID]:latest
        would run docker run --rm -e 'TOKEN=***' -v [REPO]/apps/app/data:/data:ro auto-test-dryrun-[PID]:1 /bin/busybox true
        (dry-run, nothing done) known: false
        would run docker rmi -f auto-test-dryrun-[PID]:1

        dry-run: would change; nothing was changed
          images    1 to build, 1 to push
          recorded  5 command(s) and file write(s), not run
        pending in [T]
    "#]]
    .assert_eq(&outcome);
    assert!(!image_exists(&format!("{}:1", world.name)), "dry-run built an image");
}

#[test]
fn plan_inspects_for_real_and_records_the_build() {
    let world = World::with_registry("plan", &["app"], None);
    world.script(
        "plan",
        r#"
let image = docker::build("apps/app", #{ content_tag: "{registry}/{name}" });
print(`skipped: ${image.skipped}`);
"#,
    );
    expect![[r#"
        exit 3
        auto scripts/plan.rhai (plan, not journaled)
        would run docker build apps/app -t [REGISTRY]/auto-test-plan-[PID]:[ID]
        (plan, nothing done) skipped: false

        plan: would change; nothing was changed
          images    1 to build, 0 to push
          recorded  1 command(s) and file write(s), not run
        pending in [T]

        exit 0
        auto scripts/plan.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built [REGISTRY]/auto-test-plan-[PID]:[ID]
        skipped: false

        changed
          images  1 built, 0 pushed
        ok in [T]

        exit 0
        auto scripts/plan.rhai (plan, not journaled)
        [REGISTRY]/auto-test-plan-[PID]:[ID] unchanged, skipped (present locally)
        (plan, nothing done) skipped: true
        ok in [T]
    "#]]
    .assert_eq(&world.runs("plan", &[&["--plan"], &[], &["--plan"]]));
}

#[test]
fn run_always_removes_its_container() {
    let world = World::new("cleanup", &["app"]);
    world.script(
        "containers",
        r#"
param("scenario", #{ help: "ok, fails, unchecked or slow" });
docker::build("apps/app", #{ tags: ["{name}:1"] });
let cmd = switch params.scenario {
    "ok" => ["/bin/busybox", "true"],
    "slow" => ["/bin/busybox", "sleep", "30"],
    _ => ["/bin/busybox", "sh", "-c", "echo out; echo err >&2; exit 3"],
};
let result = docker::run("{name}:1", #{ cmd: cmd, timeout: "2s", check: params.scenario != "unchecked", env: #{ MODE: params.scenario } });
print(`code=${result.code} stdout=${result.stdout.len()} bytes, stderr=${result.stderr.len()} bytes`);
"#,
    );
    let mut transcripts = Vec::new();
    for case in ["ok", "fails", "unchecked", "slow"] {
        transcripts.push(world.run("containers", &["--set", &format!("scenario={case}")]));
        assert_eq!(containers_of(&format!("{}:1", world.name)), "", "case {case} left a container behind");
    }
    expect![[r#"
        exit 0
        auto scripts/containers.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built auto-test-cleanup-[PID]:1
        code=0 stdout=0 bytes, stderr=0 bytes

        changed
          images  1 built, 0 pushed
        ok in [T]

        exit 1
        auto scripts/containers.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built auto-test-cleanup-[PID]:1

        changed
          images  1 built, 0 pushed
        error: `docker run --rm -e 'MODE=fails' auto-test-cleanup-[PID]:1 /bin/busybox sh -c 'echo out; echo err >&2; exit 3'` failed with exit code 3:
        out
        err
          --> scripts/containers.rhai:9:22
          |
        9 | let result = docker::run("auto-test-cleanup-[PID]:1", #{ cmd: cmd, timeout: "[T]", check: params.scenario != "unchecked", env: #{ MODE: params.scenario } });
          |                      ^

        exit 0
        auto scripts/containers.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built auto-test-cleanup-[PID]:1
        code=3 stdout=4 bytes, stderr=4 bytes

        changed
          images  1 built, 0 pushed
        ok in [T]

        exit 1
        auto scripts/containers.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/app/Dockerfile]
        built auto-test-cleanup-[PID]:1

        changed
          images  1 built, 0 pushed
        error: `docker run --rm -e 'MODE=slow' auto-test-cleanup-[PID]:1 /bin/busybox sleep 30` did not finish within [T]: the container was stopped and removed
          --> scripts/containers.rhai:9:22
          |
        9 | let result = docker::run("auto-test-cleanup-[PID]:1", #{ cmd: cmd, timeout: "[T]", check: params.scenario != "unchecked", env: #{ MODE: params.scenario } });
          |                      ^
    "#]]
    .assert_eq(&transcripts.join("\n"));
}

#[test]
fn compose_up_waits_for_health_names_the_services_that_fail_and_ends_at_the_step_timeout() {
    let world = World::new("compose", &["healthy", "compose"]);
    // The project name comes from the folder: unique per test process.
    let project = format!("apps/compose{}", std::process::id());
    std::fs::rename(world.repo.path().join("apps/compose"), world.repo.path().join(&project)).expect("rename");
    world.repo.write(&format!("{project}/generated/.env"), &world.fill("IMAGE={name}:1\n"));
    let stack = r#"
param("profile", #{ help: "extra compose profile", default_value: "" });
param("step_timeout", #{ help: "the timeout of the step that starts the stack", default_value: "5m" });
docker::build("apps/healthy", #{ tags: ["{name}:1"] });
let profiles = if params.profile == "" { [] } else { [params.profile] };
try {
    step("up", #{ timeout: params.step_timeout }, || {
        let up = docker::compose_up("{project}", #{ env_file: "{project}/generated/.env", profiles: profiles, timeout: "60s" });
        print(up.services);
    });
} catch (e) {
    print(`compose_up failed: ${e.message}`);
}
docker::compose_down("{project}", #{ env_file: "{project}/generated/.env", profiles: profiles });
"#;
    world.script("stack", &stack.replace("{project}", &project));
    // The third: a service that stays `starting`; the step's timeout (3 s), not
    // compose_up's own (60 s), ends the wait.
    let both = world
        .runs("stack", &[&[], &["--set", "profile=broken"], &["--set", "profile=stuck", "--set", "step_timeout=3s"]]);
    // `waiting for …` progress lines depend on how fast health checks pass: left out.
    let text = both.lines().filter(|line| !line.starts_with("[up] waiting for ")).collect::<Vec<_>>().join("\n");
    expect![[r#"
        exit 0
        auto scripts/stack.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/healthy/Dockerfile]
        built auto-test-compose-[PID]:1
        [up] ▶ up
        #{"migrate": "exited 0", "web": "healthy"}
        [up] ✔ up ([T])

        step  status       time
        up    changed [T]

        changed
          images  1 built, 0 pushed
        ok=0 changed=1 failed=0 skipped=0
        ok in [T]

        exit 0
        auto scripts/stack.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/healthy/Dockerfile]
        built auto-test-compose-[PID]:1
        [up] ▶ up
        [up] ✘ up ([T]): compose services failed: `broken` (unhealthy) (see `docker logs <container>`)
        compose_up failed: compose services failed: `broken` (unhealthy) (see `docker logs <container>`)

        step  status       time
        up    failed [T]

        changed
          images  1 built, 0 pushed
        ok=0 changed=0 failed=1 skipped=0
        ok in [T]

        exit 0
        auto scripts/stack.rhai (run, run [RUN])
        [steps 1/5 to 5/5 of apps/healthy/Dockerfile]
        built auto-test-compose-[PID]:1
        [up] ▶ up
        [up] ✘ up ([T]): step `up` exceeded its timeout of [T] while waiting for the compose services: `stuck` (running, starting)
        compose_up failed: step `up` exceeded its timeout of [T] while waiting for the compose services: `stuck` (running, starting)

        step  status       time
        up    failed [T]

        changed
          images  1 built, 0 pushed
        ok=0 changed=0 failed=1 skipped=0
        ok in [T]"#]]
    .assert_eq(&text);
    assert_eq!(containers_of(&format!("{}:1", world.name)), "", "compose_down left containers behind");
}

#[test]
fn bad_calls_fail_at_the_script_line_with_what_to_do() {
    let world = World::new("bad", &["app"]);
    world.repo.write("apps/compose/docker-compose.yml", "services: {}\n");
    world.script(
        "bad",
        r#"
let calls = [
    || docker::build("apps/nothing-here"),
    || docker::build("apps/app", #{ dockerfile: "Dockerfile.prod" }),
    || docker::build("apps/app", #{ content_tag: "127.0.0.1:5000/app:v1" }),
    // A literal map with an unknown key is refused before the run (`auto check`); one
    // built at run time is refused by the binding, here.
    || { let options = #{ tag: "x:1" }; docker::build("apps/app", options) },
    || docker::build("../outside"),
    || docker::push("Registry/App:1"),
    || docker::run("auto-test-never-built:1", #{ cmd: ["/bin/busybox", "true"] }),
    || docker::exists("app:1", #{ username: "u" }),
    || docker::push("127.0.0.1:5000/app:1", #{ password: "half-given" }),
    || docker::compose_up("apps/no-such-stack"),
    || docker::compose_up("apps/compose", #{ env_file: "apps/compose/.env.missing" }),
];
for f in calls {
    try { f.call(); print("no error?"); } catch (e) { print(e.message); }
}
"#,
    );
    expect![[r#"
        exit 0
        auto scripts/bad.rhai (run, run [RUN])
        build context `apps/nothing-here` is not a directory
        Dockerfile `apps/app/Dockerfile.prod` not found: create it, or name another with `dockerfile` (relative to the context)
        content_tag `127.0.0.1:5000/app:v1` must be a repository without a tag: the tag is the content hash
        docker::build: unknown field `tag`, expected one of `dockerfile`, `tags`, `build_args`, `target`, `labels`, `platform`, `content_tag`, `pull`, `username`, `password`
        docker::build: context: `../outside` is outside the repository: scripts may only reach files under `[REPO]`
        invalid image reference `Registry/App:1`: repository names must be lowercase
        `docker run --rm auto-test-never-built:1 /bin/busybox true` failed: No such image: auto-test-never-built:1 (docker::run does not pull: build or docker::pull the image first)
        `username`/`password` only apply with `registry: true`
        `password` is given without `username`: give both, or neither to use the docker config
        docker::compose_up: compose folder `apps/no-such-stack` does not exist
        docker::compose_up: env_file `apps/compose/.env.missing` does not exist
        ok in [T]
    "#]]
    .assert_eq(&world.run("bad", &[]));
}
