//! Registry credentials, resolved the way the docker CLI resolves them: the script's
//! `username` + `password` first, then `config.json` (in `$DOCKER_CONFIG`, else
//! `~/.docker`): `credHelpers[registry]`, else `credsStore` (the helper runs through the
//! runner seam: `docker-credential-<helper> get` with the server URL on stdin), else
//! `auths[registry]` (base64 `user:password`, or an identity token).
//!
//! Every password and token becomes a [`Secret`] the moment it is read, so it is masked in
//! every message, plan and journal from then on.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::reference::DOCKER_HUB;
use super::Problem;
use crate::process::{describe_failure, Completion, Effect, Invocation, Quiet, RunError, Runner, Stdin};
use crate::secret::Secret;

/// What the engine gets in its `X-Registry-Auth` header.
#[derive(Debug, Clone, PartialEq)]
pub struct Credentials {
    /// The registry host, as the engine expects it (`https://index.docker.io/v1/` for Hub).
    pub server: String,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// OAuth identity token (a credential helper answering with user `<token>`).
    pub identity_token: Option<Secret>,
    pub source: Source,
}

/// Where credentials came from: named in errors so a bad password is easy to trace.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Script,
    Helper(String),
    ConfigAuths(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Script => f.write_str("the `username`/`password` given in the script"),
            Source::Helper(helper) => write!(f, "credential helper `docker-credential-{helper}`"),
            Source::ConfigAuths(path) => write!(f, "`auths` in `{}`", path.display()),
        }
    }
}

/// The options of `docker::push` and `docker::pull`: registry credentials, both or neither.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthOptions {
    /// Registry user name (with `password`).
    /// Default: from the docker config.
    pub username: Option<String>,
    /// Registry password (with `username`).
    /// Default: from the docker config.
    pub password: Option<Secret>,
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker").join("config.json"))
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    auth: Option<String>,
    identitytoken: Option<String>,
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// The credentials for `registry` (a host such as `127.0.0.1:5000`, or `docker.io`), or
/// `None` for anonymous access. `config` is the `config.json` to read (see
/// [`config_path`]); a missing file means no stored credentials.
pub fn resolve(
    registry: &str,
    explicit: &AuthOptions,
    config: Option<&Path>,
    runner: &dyn Runner,
) -> Result<Option<Credentials>, Problem> {
    let server = server_address(registry);
    match (&explicit.username, &explicit.password) {
        (Some(username), Some(password)) => {
            return Ok(Some(Credentials {
                server,
                username: Some(username.clone()),
                password: Some(password.clone()),
                identity_token: None,
                source: Source::Script,
            }))
        }
        (Some(_), None) => {
            return Err(Problem::BadInput(
                "`username` is given without `password`: give both, or neither to use the docker config".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(Problem::BadInput(
                "`password` is given without `username`: give both, or neither to use the docker config".into(),
            ))
        }
        (None, None) => {}
    }
    let Some(path) = config else { return Ok(None) };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Problem::BadInput(format!("cannot read docker config `{}`: {e}", path.display()))),
    };
    // serde_json's messages name a line and column, never the content: safe to show.
    let file: ConfigFile = serde_json::from_str(&text)
        .map_err(|e| Problem::BadInput(format!("docker config `{}` is not valid: {e}", path.display())))?;

    let helper = file
        .cred_helpers
        .iter()
        .find(|(key, _)| registry_of_key(key) == registry)
        .map(|(_, helper)| helper.clone())
        .or_else(|| file.creds_store.clone().filter(|s| !s.is_empty()));
    if let Some(helper) = helper {
        if let Some(found) = from_helper(&helper, registry, &server, path, runner)? {
            return Ok(Some(found));
        }
    }
    let Some((key, entry)) = file.auths.iter().find(|(key, _)| registry_of_key(key) == registry) else {
        return Ok(None);
    };
    if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credentials {
            server,
            username: None,
            password: None,
            identity_token: Some(Secret::new(token)),
            source: Source::ConfigAuths(path.to_path_buf()),
        }));
    }
    let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) else { return Ok(None) };
    let not_basic = || {
        Problem::BadInput(format!("`auths.\"{key}\".auth` in `{}` is not base64 of `user:password`", path.display()))
    };
    let decoded = base64::engine::general_purpose::STANDARD.decode(auth.trim()).map_err(|_| not_basic())?;
    let decoded = String::from_utf8(decoded).map_err(|_| not_basic())?;
    let (username, password) = decoded.split_once(':').ok_or_else(not_basic)?;
    Ok(Some(Credentials {
        server,
        username: Some(username.to_string()),
        password: Some(Secret::new(password)),
        identity_token: None,
        source: Source::ConfigAuths(path.to_path_buf()),
    }))
}

/// The invocation that asks a credential helper (pure; unit-tested).
pub fn helper_invocation(helper: &str, server: &str) -> Invocation {
    Invocation::new(format!("docker-credential-{helper}"), Effect::Read)
        .arg("get")
        .stdin(Stdin::Plain(server.as_bytes().to_vec()))
}

fn from_helper(
    helper: &str,
    registry: &str,
    server: &str,
    config: &Path,
    runner: &dyn Runner,
) -> Result<Option<Credentials>, Problem> {
    let invocation = helper_invocation(helper, server);
    // Quiet: the helper prints the secret; none of its output may reach a report.
    let output = match runner.run(&invocation, &Quiet) {
        Ok(Completion::Ran(output)) => output,
        // Dry-run: the helper is not asked, and whatever would use the credentials is
        // only recorded too.
        Ok(Completion::Recorded) => return Ok(None),
        Err(RunError::NotFound { program }) => {
            return Err(Problem::Failed(format!(
                "credential helper `{program}` (named in `{}`) is not installed: install it, or remove it from the docker config",
                config.display()
            )))
        }
        Err(RunError::Interrupted { command }) => {
            return Err(Problem::Interrupted(format!("`{command}` was interrupted")))
        }
        Err(e) => return Err(Problem::Failed(e.to_string())),
    };
    if !output.success() {
        let said = String::from_utf8_lossy(&output.stdout).to_lowercase();
        if said.contains("credentials not found") {
            return Ok(None);
        }
        return Err(Problem::Failed(format!(
            "cannot get the credentials for `{registry}`: {}",
            describe_failure(&invocation, &output)
        )));
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout).map_err(|_| {
        Problem::Failed(format!(
            "credential helper `docker-credential-{helper}` did not answer with JSON for `{registry}`"
        ))
    })?;
    let source = Source::Helper(helper.to_string());
    let server = server.to_string();
    // `<token>` as user name: the secret is an identity token, as in the docker CLI.
    if answer.username == "<token>" {
        return Ok(Some(Credentials {
            server,
            username: None,
            password: None,
            identity_token: Some(Secret::new(answer.secret)),
            source,
        }));
    }
    Ok(Some(Credentials {
        server,
        username: Some(answer.username),
        password: Some(Secret::new(answer.secret)),
        identity_token: None,
        source,
    }))
}

/// What the engine and credential helpers call the registry: Hub's historical URL, or the
/// host itself.
pub fn server_address(registry: &str) -> String {
    if registry == DOCKER_HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

/// The registry a `config.json` key names: `https://reg:5000/v1/` → `reg:5000`; Hub's
/// aliases → `docker.io`.
fn registry_of_key(key: &str) -> String {
    let without_scheme = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let host = without_scheme.split('/').next().unwrap_or_default();
    match host {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => DOCKER_HUB.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::{Backend as _, RecordingRunner};

    fn config(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), text).unwrap();
        dir
    }

    fn resolved(registry: &str, explicit: &AuthOptions, text: &str) -> Result<Option<Credentials>, Problem> {
        let dir = config(text);
        resolve(registry, explicit, Some(&dir.path().join("config.json")), &RecordingRunner::new())
    }

    #[test]
    fn the_script_wins_over_the_config() {
        let explicit = AuthOptions { username: Some("ci".into()), password: Some(Secret::new("from-script-pw")) };
        let found = resolved("reg:5000", &explicit, r#"{"auths":{"reg:5000":{"auth":"dTpw"}}}"#).unwrap().unwrap();
        assert_eq!((found.username.as_deref(), found.source), (Some("ci"), Source::Script));
        assert_eq!(found.password.unwrap().expose(), "from-script-pw");
    }

    #[test]
    fn auths_are_matched_by_host_whatever_the_key_spelling() {
        let text = r#"{"auths":{"https://reg.example.com:5000/v2/":{"auth":"dXNlcjpwYTpzcw=="},"https://index.docker.io/v1/":{"auth":"aHViOmh1YnB3"}}}"#;
        let found = resolved("reg.example.com:5000", &AuthOptions::default(), text).unwrap().unwrap();
        assert_eq!(
            (found.username.as_deref(), found.password.as_ref().map(|p| p.expose())),
            (Some("user"), Some("pa:ss"))
        );
        assert_eq!(found.server, "reg.example.com:5000");
        let hub = resolved("docker.io", &AuthOptions::default(), text).unwrap().unwrap();
        assert_eq!((hub.username.as_deref(), hub.server.as_str()), (Some("hub"), "https://index.docker.io/v1/"));
        assert_eq!(resolved("other:5000", &AuthOptions::default(), text).unwrap(), None);
    }

    #[test]
    fn helpers_run_through_the_runner_and_are_only_recorded_in_dry_run() {
        let dir = config(r#"{"credHelpers":{"reg:5000":"pass"},"credsStore":"desktop"}"#);
        let runner = RecordingRunner::new();
        let found =
            resolve("reg:5000", &AuthOptions::default(), Some(&dir.path().join("config.json")), &runner).unwrap();
        assert_eq!(found, None);
        let _ = resolve("other:1", &AuthOptions::default(), Some(&dir.path().join("config.json")), &runner).unwrap();
        let commands: Vec<String> = runner.recorded().into_iter().map(|e| e.command).collect();
        expect_test::expect![[r#"
            [
                "docker-credential-pass get < (stdin: 8 bytes)",
                "docker-credential-desktop get < (stdin: 7 bytes)",
            ]
        "#]]
        .assert_debug_eq(&commands);
    }

    /// Answers every invocation with one canned result.
    struct Canned(Result<(i32, &'static str), RunError>);

    impl Runner for Canned {
        fn run(&self, _: &Invocation, _: &dyn crate::process::LineObserver) -> Result<Completion, RunError> {
            self.0.clone().map(|(code, stdout)| {
                Completion::Ran(crate::process::Output {
                    code: Some(code),
                    stdout: stdout.as_bytes().to_vec(),
                    stderr: b"helper stderr".to_vec(),
                    elapsed: std::time::Duration::ZERO,
                })
            })
        }
        fn write_file(&self, _: &crate::process::FileWrite) -> Result<crate::process::WriteOutcome, RunError> {
            unreachable!("credential resolution writes no files")
        }
    }

    #[test]
    fn helper_answers_tokens_misses_and_failures() {
        let dir = config(r#"{"credsStore":"fake","auths":{"reg:1":{"auth":"dTpmcm9tLWF1dGhz"}}}"#);
        let path = dir.path().join("config.json");
        let ask = |runner: Canned| resolve("reg:1", &AuthOptions::default(), Some(&path), &runner);

        let found = ask(Canned(Ok((0, r#"{"ServerURL":"reg:1","Username":"bob","Secret":"helper-secret-1"}"#))));
        let found = found.unwrap().unwrap();
        assert_eq!((found.username.as_deref(), found.source), (Some("bob"), Source::Helper("fake".into())));
        let token = ask(Canned(Ok((0, r#"{"Username":"<token>","Secret":"identity-token-1"}"#)))).unwrap().unwrap();
        assert_eq!(token.identity_token.map(|t| t.expose().to_string()), Some("identity-token-1".into()));
        // Not in the helper: the `auths` entry still counts.
        let fallback = ask(Canned(Ok((1, "credentials not found in native keychain")))).unwrap().unwrap();
        assert_eq!(fallback.password.map(|p| p.expose().to_string()), Some("from-auths".into()));

        let errors = [
            ask(Canned(Err(RunError::NotFound { program: "docker-credential-fake".into() }))).unwrap_err(),
            ask(Canned(Ok((0, "not json, maybe even the secret")))).unwrap_err(),
            ask(Canned(Ok((2, "")))).unwrap_err(),
        ]
        .map(|m| m.message().replace(&dir.path().display().to_string(), "[TMP]"));
        expect_test::expect![[r#"
            credential helper `docker-credential-fake` (named in `[TMP]/config.json`) is not installed: install it, or remove it from the docker config
            credential helper `docker-credential-fake` did not answer with JSON for `reg:1`
            cannot get the credentials for `reg:1`: `docker-credential-fake get < (stdin: 5 bytes)` failed with exit code 2:
            helper stderr"#]]
        .assert_eq(&errors.join("\n"));
    }

    #[test]
    fn user_errors_name_the_file_and_never_the_secret() {
        let half = AuthOptions { username: Some("u".into()), password: None };
        let broken = resolved("reg:1", &AuthOptions::default(), r#"{"auths":{"reg:1":{"auth":"not-base64!"}}}"#);
        let invalid = resolved("reg:1", &AuthOptions::default(), "{ nope");
        let messages = [resolved("reg:1", &half, "{}").unwrap_err(), broken.unwrap_err(), invalid.unwrap_err()]
            .map(|m| m.message().replace(&std::env::temp_dir().display().to_string(), "[TMP]"));
        let messages: Vec<String> = messages
            .iter()
            .map(|m| regex::Regex::new(r"\[TMP\]/[^/]+").unwrap().replace_all(m, "[TMP]").into_owned())
            .collect();
        expect_test::expect![[r#"
            `username` is given without `password`: give both, or neither to use the docker config
            `auths."reg:1".auth` in `[TMP]/config.json` is not base64 of `user:password`
            docker config `[TMP]/config.json` is not valid: key must be a string at line 1 column 3"#]]
        .assert_eq(&messages.join("\n"));
    }
}
