//! Error classification: a failed kubectl's stderr turned into the [`KubectlError`] that
//! says what to do (unknown context, unreachable cluster, rejected credentials, RBAC,
//! missing object), and telling kubectl's own failures from those of a command it `exec`s.

use super::{Cluster, KubectlError};
use crate::process::{describe_failure, Invocation, Output};
use crate::secret::redact;

/// kubectl's own error lines, as opposed to the output of a command run by `exec`.
pub(super) fn kubectl_itself_failed(output: &Output) -> bool {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.lines().any(|line| {
        line.starts_with("Error from server")
            || line.starts_with("error: ")
            || line.starts_with("Unable to connect to the server")
            || line.starts_with("Error in configuration")
    })
}

/// Turns a failed kubectl's stderr into an error that says what to do.
pub fn classify(cluster: &Cluster, invocation: &Invocation, output: &Output, namespace: Option<&str>) -> KubectlError {
    let stderr = redact(&String::from_utf8_lossy(&output.stderr));
    // klog lines (`E1125 13:56:42.641294 ... memcache.go:381] ...`) repeat the real error.
    let meaningful: Vec<&str> = stderr.lines().filter(|l| !is_klog(l) && !l.trim().is_empty()).collect();
    let detail = meaningful.last().map(|l| l.trim().to_string()).unwrap_or_default();
    let has = |needle: &str| stderr.contains(needle);
    let env = cluster.env.clone();
    let context = cluster.context.clone();

    if has("failed to run \"diff\"") {
        return KubectlError::Failed(
            "`kubectl diff` needs the `diff` program on PATH: install GNU diffutils (`apt-get install diffutils`)"
                .into(),
        );
    }
    let missing_context =
        meaningful.iter().any(|l| l.starts_with("error: context \"") && l.ends_with("does not exist"));
    if missing_context || has("context was not found for specified context") || has("no context exists with the name") {
        return KubectlError::UnknownContext { env, context };
    }
    if has("Unable to connect to the server")
        || has("The connection to the server")
        || has("connection refused")
        || has("no such host")
        || has("i/o timeout")
        || has("TLS handshake timeout")
    {
        return KubectlError::Unreachable { env, context, detail };
    }
    if has("(Unauthorized)") || has("You must be logged in to the server") {
        return KubectlError::Unauthorized { env, context, detail };
    }
    if let Some(line) = meaningful.iter().find(|l| l.contains("(Forbidden)")) {
        let (verb, resource, ns) = forbidden_parts(line);
        return KubectlError::Forbidden {
            context,
            verb: verb.unwrap_or_else(|| "access".into()),
            resource: resource.unwrap_or_else(|| "this resource".into()),
            namespace: ns.or(namespace.map(str::to_string)),
            detail: line.trim().to_string(),
        };
    }
    if let Some(line) = meaningful.iter().find(|l| l.contains("(NotFound)")) {
        let what = line
            .split_once("(NotFound):")
            .map(|(_, rest)| rest.trim().trim_end_matches("not found").trim().to_string())
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "the object".into());
        return KubectlError::NotFound { context, what: format!("`{what}`"), namespace: namespace.map(str::to_string) };
    }
    KubectlError::Failed(describe_failure(invocation, output))
}

fn is_klog(line: &str) -> bool {
    let mut chars = line.chars();
    matches!(chars.next(), Some('E' | 'W' | 'I' | 'F'))
        && line.len() > 5
        && line[1..5].chars().all(|c| c.is_ascii_digit())
        && line[5..].starts_with(' ')
}

/// `… User "bob" cannot list resource "pods" in API group "" in the namespace "dev"`.
fn forbidden_parts(line: &str) -> (Option<String>, Option<String>, Option<String>) {
    let after = |marker: &str| line.split_once(marker).map(|(_, rest)| rest);
    let verb = after(" cannot ").and_then(|rest| rest.split_whitespace().next()).map(str::to_string);
    let quoted = |marker: &str| after(marker).and_then(|rest| rest.split('"').nth(1)).map(str::to_string);
    let resource = quoted(" resource ");
    let group = quoted(" in API group ").filter(|g| !g.is_empty());
    let resource = match (resource, group) {
        (Some(resource), Some(group)) => Some(format!("{resource}.{group}")),
        (resource, _) => resource,
    };
    (verb, resource, quoted(" in the namespace "))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::primitives::kubectl::get_invocation;
    use expect_test::expect;

    fn cluster() -> Cluster {
        Cluster { env: "dev".into(), context: "dev-aks".into() }
    }

    fn failed(stderr: &str) -> Output {
        Output { code: Some(1), stdout: Vec::new(), stderr: stderr.as_bytes().to_vec(), elapsed: Duration::ZERO }
    }

    fn message(stderr: &str, namespace: Option<&str>) -> String {
        let invocation = get_invocation(&cluster(), "deployment/hive-metastore", namespace);
        classify(&cluster(), &invocation, &failed(stderr), namespace).to_string()
    }

    #[test]
    fn unreachable_cluster_names_the_context_and_suggests_credentials() {
        let stderr = "E1125 13:56:49.195316    5203 memcache.go:381] \"Couldn't get current server API group list\" err=\"...\"\n\
                      Unable to connect to the server: dial tcp: lookup dev-aks-dns.hcp.westeurope.azmk8s.io: no such host\n";
        expect![[r#"
            cannot reach the Kubernetes API server of context `dev-aks` (environment `dev`): Unable to connect to the server: dial tcp: lookup dev-aks-dns.hcp.westeurope.azmk8s.io: no such host
            hint: check your network or VPN; if the cluster's address or credentials changed, run `az aks get-credentials --resource-group <group> --name <cluster> --context dev-aks`"#]]
        .assert_eq(&message(stderr, None));
        let refused = "error: unable to recognize \"m.yaml\": Get \"https://127.0.0.1:1/api?timeout=32s\": dial tcp 127.0.0.1:1: connect: connection refused\n";
        assert!(message(refused, None).starts_with("cannot reach the Kubernetes API server of context `dev-aks`"));
    }

    #[test]
    fn unknown_context_says_how_to_fetch_it() {
        expect!["context `dev-aks` (environment `dev`) is not in your kubeconfig: fetch it with `az aks get-credentials --resource-group <group> --name <cluster> --context dev-aks`"]
            .assert_eq(&message("Error in configuration: context was not found for specified context: dev-aks\n", None));
    }

    #[test]
    fn a_missing_context_in_the_kubeconfig_is_named() {
        let expected = expect!["context `dev-aks` (environment `dev`) is not in your kubeconfig: fetch it with `az aks get-credentials --resource-group <group> --name <cluster> --context dev-aks`"];
        expected.assert_eq(&message("error: context \"dev-aks\" does not exist\n", None));
    }

    #[test]
    fn unauthorized_says_to_log_in_again() {
        expect![[r#"
            the credentials of context `dev-aks` (environment `dev`) were rejected: error: You must be logged in to the server (Unauthorized)
            hint: log in again (`az login`, then `az aks get-credentials --resource-group <group> --name <cluster> --context dev-aks`)"#]]
        .assert_eq(&message("error: You must be logged in to the server (Unauthorized)\n", None));
    }

    #[test]
    fn forbidden_names_verb_and_resource_and_suggests_rbac() {
        let stderr = "Error from server (Forbidden): deployments.apps \"hive-metastore\" is forbidden: User \"bob@example.com\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"acme\"\n";
        expect![[r#"
            kubectl may not get deployments.apps in namespace `acme` in context `dev-aks`: Error from server (Forbidden): deployments.apps "hive-metastore" is forbidden: User "bob@example.com" cannot get resource "deployments" in API group "apps" in the namespace "acme"
            hint: check the RBAC role bindings of your identity: `kubectl auth can-i get deployments.apps -n acme --context dev-aks`"#]]
        .assert_eq(&message(stderr, Some("acme")));
    }

    #[test]
    fn not_found_names_the_object_and_suggests_the_namespace() {
        expect![[r#"
            `deployments.apps "hive-metastore"` was not found in namespace `acme` in context `dev-aks`
            hint: check the name, and pass the namespace it lives in (`#{ namespace: "..." }`)"#]]
        .assert_eq(&message(
            "Error from server (NotFound): deployments.apps \"hive-metastore\" not found\n",
            Some("acme"),
        ));
    }

    #[test]
    fn other_failures_show_the_command_and_stderr() {
        expect![[r#"
            `kubectl --context dev-aks get deployment/hive-metastore --output json` failed with exit code 1:
            error: the server doesn't have a resource type "deploymentz""#]]
        .assert_eq(&message("error: the server doesn't have a resource type \"deploymentz\"\n", None));
    }
}
