//! What can go wrong with kubectl, each error worded to say what to do next, and whether
//! it is the script author's to fix (exit 2). Which error a failed kubectl's stderr means
//! is decided in [`super::classify`].

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KubectlError {
    #[error("`kubectl` was not found on PATH: install kubectl 1.29+ or run `auto doctor`")]
    NotInstalled,
    #[error(
        "AUTO_KUBE_CONTEXT=`{context}` is not allowed for environment `{env}`: allowed contexts are {}; \
         unset AUTO_KUBE_CONTEXT or add the context to `kubernetes.allowed_contexts` in environments/{env}/env.toml",
        list(.allowed)
    )]
    ContextNotAllowed { env: String, context: String, allowed: Vec<String> },
    #[error(
        "context `{context}` (environment `{env}`) is not in your kubeconfig: fetch it with \
         `az aks get-credentials --resource-group <group> --name <cluster> --context {context}`"
    )]
    UnknownContext { env: String, context: String },
    #[error(
        "cannot reach the Kubernetes API server of context `{context}` (environment `{env}`): {detail}\n\
         hint: check your network or VPN; if the cluster's address or credentials changed, run \
         `az aks get-credentials --resource-group <group> --name <cluster> --context {context}`"
    )]
    Unreachable { env: String, context: String, detail: String },
    #[error(
        "the credentials of context `{context}` (environment `{env}`) were rejected: {detail}\n\
         hint: log in again (`az login`, then `az aks get-credentials --resource-group <group> --name <cluster> --context {context}`)"
    )]
    Unauthorized { env: String, context: String, detail: String },
    #[error(
        "kubectl may not {verb} {resource}{} in context `{context}`: {detail}\n\
         hint: check the RBAC role bindings of your identity: `kubectl auth can-i {verb} {resource}{} --context {context}`",
        in_namespace(.namespace), namespace_flag(.namespace)
    )]
    Forbidden { context: String, verb: String, resource: String, namespace: Option<String>, detail: String },
    #[error(
        "{what} was not found{} in context `{context}`\n\
         hint: check the name, and pass the namespace it lives in (`#{{ namespace: \"...\" }}`)",
        in_namespace(.namespace)
    )]
    NotFound { context: String, what: String, namespace: Option<String> },
    #[error("{0}")]
    Failed(String),
    #[error("{0}")]
    BadRequest(String),
    /// `auto apply`: the apply is not the reviewed one (its diff differs).
    #[error("{0}")]
    NotReviewed(String),
}

fn list(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn in_namespace(namespace: &Option<String>) -> String {
    namespace.as_ref().map(|ns| format!(" in namespace `{ns}`")).unwrap_or_default()
}

fn namespace_flag(namespace: &Option<String>) -> String {
    namespace.as_ref().map(|ns| format!(" -n {ns}")).unwrap_or_default()
}

impl KubectlError {
    /// Bad options and refused contexts are the script author's to fix (exit 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, KubectlError::BadRequest(_) | KubectlError::ContextNotAllowed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    #[test]
    fn kubectl_missing_says_how_to_install_it() {
        expect!["`kubectl` was not found on PATH: install kubectl 1.29+ or run `auto doctor`"]
            .assert_eq(&KubectlError::NotInstalled.to_string());
    }
}
