//! `environments/<env>/env.toml`: the settings a run needs for one environment.
//!
//! Unknown keys are rejected, so a misspelt `alowed_contexts` is an error and not a guard
//! that silently allows nothing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::RepoError;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    pub azure: AzureConfig,
    pub naming: NamingConfig,
    pub backend: BackendConfig,
    pub kubernetes: KubernetesConfig,
    pub registry: RegistryConfig,
    #[serde(default)]
    pub runtime: RuntimeConfig,
    #[serde(default)]
    pub terraform: TerraformConfig,
}

/// `[terraform]`: how applies in this environment are guarded.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TerraformConfig {
    /// Resource types that hold data: an apply never destroys or replaces one unless the
    /// call names it (`allow_destroy: ["<address>"]`). Replaces the default list.
    #[serde(default = "default_protected_types")]
    pub protected_types: Vec<String>,
}

impl Default for TerraformConfig {
    fn default() -> Self {
        TerraformConfig { protected_types: default_protected_types() }
    }
}

/// What holds data on this platform (docs/guide/run-modes.md lists them): servers and
/// their databases, storage accounts and their filesystems, key vaults, the cluster,
/// Kubernetes namespaces and volumes.
pub fn default_protected_types() -> Vec<String> {
    [
        "azurerm_resource_group",
        "azurerm_postgresql_flexible_server",
        "azurerm_postgresql_flexible_server_database",
        "postgresql_database",
        "azurerm_storage_account",
        "azurerm_storage_container",
        "azurerm_storage_data_lake_gen2_filesystem",
        "azurerm_key_vault",
        "azurerm_kubernetes_cluster",
        "kubernetes_namespace",
        "kubernetes_namespace_v1",
        "kubernetes_persistent_volume_claim",
        "kubernetes_persistent_volume_claim_v1",
        "kubernetes_persistent_volume",
        "kubernetes_persistent_volume_v1",
    ]
    .map(String::from)
    .to_vec()
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AzureConfig {
    pub subscription_id: String,
    pub tenant_id: String,
    pub location: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NamingConfig {
    pub prefix: String,
}

/// Where terraform keeps state for the roots of this environment.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BackendConfig {
    /// One blob per root in an Azure storage container (state key derived from the root path).
    Azurerm { resource_group: String, storage_account: String, container: String },
    /// `terraform.tfstate` next to the root: tests and local experiments.
    Local,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KubernetesConfig {
    pub context: String,
    /// Contexts a run against this environment may touch (Tilt's `allow_k8s_contexts`).
    pub allowed_contexts: Vec<String>,
    /// Whether the environment has a cluster `auto doctor` should find in the kubeconfig
    /// (`false`: the `test` environment, whose kubectl is a stand-in).
    #[serde(default = "has_cluster")]
    pub cluster: bool,
}

fn has_cluster() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    pub server: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Default bound for `parallel(...)` in this environment.
    #[serde(default = "default_parallelism")]
    pub parallelism: usize,
}

fn default_parallelism() -> usize {
    4
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig { parallelism: default_parallelism() }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: String,
    pub dir: PathBuf,
    pub config: EnvironmentConfig,
}

/// `environments/<env>/<customer>/customer.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustomerConfig {
    pub display_name: String,
    #[serde(default)]
    pub apps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub env: String,
    pub id: String,
    pub dir: PathBuf,
    pub config: CustomerConfig,
}

pub(super) fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, RepoError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| RepoError::Read { path: path.to_path_buf(), message: e.to_string() })?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        RepoError::Config { path: path.to_path_buf(), line, message: e.message().to_string() }
    })
}

impl EnvironmentConfig {
    pub fn validate(&self, path: &Path) -> Result<(), RepoError> {
        let invalid = |message: String| Err(RepoError::Config { path: path.to_path_buf(), line: None, message });
        let prefix = &self.naming.prefix;
        if !(2..=6).contains(&prefix.len()) || !prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return invalid(format!("naming.prefix `{prefix}` must be 2-6 lowercase letters or digits"));
        }
        if self.runtime.parallelism == 0 || self.runtime.parallelism > 256 {
            return invalid(format!("runtime.parallelism must be between 1 and 256, not {}", self.runtime.parallelism));
        }
        if !self.kubernetes.allowed_contexts.contains(&self.kubernetes.context) {
            return invalid(format!(
                "kubernetes.context `{}` is not in kubernetes.allowed_contexts {:?}",
                self.kubernetes.context, self.kubernetes.allowed_contexts
            ));
        }
        Ok(())
    }

    /// Non-secret settings scripts may read, as plain data.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
