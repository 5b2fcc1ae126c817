//! The `docker …` command line equivalent to an engine call: what plans, recorded effects
//! and `CommandStarted` events show. Only ever displayed or recorded, never executed (the
//! engine is called directly), so secrets are masked. Pure; unit-tested.

use super::api::{BuildSpec, RunSpec};
use crate::process::{Effect, Invocation};
use crate::secret::MASK;

pub fn build_command(spec: &BuildSpec) -> Invocation {
    let mut invocation = Invocation::new("docker", Effect::Write).arg("build").arg(&spec.display_context);
    if spec.display_dockerfile != format!("{}/Dockerfile", spec.display_context) {
        invocation = invocation.args(["-f", &spec.display_dockerfile]);
    }
    for tag in &spec.tags {
        invocation = invocation.args(["-t", tag]);
    }
    for (key, value) in &spec.build_args {
        invocation = invocation.args(["--build-arg".to_string(), format!("{key}={value}")]);
    }
    for (key, value) in &spec.labels {
        invocation = invocation.args(["--label".to_string(), format!("{key}={value}")]);
    }
    if let Some(target) = &spec.target {
        invocation = invocation.args(["--target", target]);
    }
    if let Some(platform) = &spec.platform {
        invocation = invocation.args(["--platform", platform]);
    }
    if spec.pull {
        invocation = invocation.arg("--pull");
    }
    invocation
}

pub fn run_command(spec: &RunSpec) -> Invocation {
    let mut invocation = Invocation::new("docker", Effect::Write).args(["run", "--rm"]);
    for (key, value) in &spec.env {
        let shown = match value {
            crate::process::Value::Plain(v) => format!("{key}={v}"),
            // This invocation is only ever displayed: the value goes to the engine directly.
            crate::process::Value::Secret(_) => format!("{key}={MASK}"),
        };
        invocation = invocation.args(["-e".to_string(), shown]);
    }
    for bind in &spec.binds {
        invocation = invocation.args(["-v", bind]);
    }
    if let Some(network) = &spec.network {
        invocation = invocation.args(["--network", network]);
    }
    if let Some(workdir) = &spec.workdir {
        invocation = invocation.args(["-w", workdir]);
    }
    invocation = invocation.arg(&spec.image);
    if let Some(cmd) = &spec.cmd {
        invocation = invocation.args(cmd.iter().cloned());
    }
    invocation
}

pub(super) fn simple(effect: Effect, args: &[&str]) -> Invocation {
    Invocation::new("docker", effect).args(args.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::Value;
    use crate::secret::Secret;

    #[test]
    fn run_commands_mask_secret_env_values() {
        let spec = RunSpec {
            image: "app:1".into(),
            cmd: Some(vec!["busybox".into(), "echo".into(), "hi there".into()]),
            env: vec![
                ("MODE".into(), Value::Plain("x".into())),
                ("TOKEN".into(), Value::Secret(Secret::new("tok-123456"))),
            ],
            binds: vec!["/repo/data:/data:ro".into()],
            network: Some("none".into()),
            workdir: Some("/data".into()),
            timeout: None,
        };
        expect_test::expect!["docker run --rm -e 'MODE=x' -e 'TOKEN=***' -v /repo/data:/data:ro --network none -w /data app:1 busybox echo 'hi there'"]
            .assert_eq(&run_command(&spec).to_string());
    }
}
