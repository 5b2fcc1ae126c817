# Only used to read the catalogs' storage keys from the environment Key Vault
# (ephemeral: they never reach this root's state).
provider "azurerm" {
  # Null falls back to ARM_SUBSCRIPTION_ID, which auto sets from env.toml.
  subscription_id = var.subscription_id

  resource_provider_registrations = "none"

  features {}
}

# The kube context is the one auto validated against env.toml
# [kubernetes].allowed_contexts before running this root.
provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}
