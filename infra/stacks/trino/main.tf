locals {
  environment = var.environment
  prefix      = var.prefix
}

module "names" {
  source = "../../azure/naming"

  prefix      = local.prefix
  environment = local.environment
}

# Per-customer names (Key Vault secret of the storage key, namespace) come
# from the same convention the customer infra roots used to create them.
module "customer_names" {
  source   = "../../azure/naming"
  for_each = var.catalogs

  prefix      = local.prefix
  environment = local.environment
  customer    = each.key
}

data "azurerm_key_vault" "env" {
  name                = module.names.env.key_vault
  resource_group_name = module.names.env.resource_group
}

module "namespace" {
  source = "../../kubernetes/namespace"

  name   = module.names.env.trino_namespace
  labels = { "platform.analytics/environment" = local.environment }

  quota = {
    requests_cpu    = "12"
    requests_memory = "64Gi"
    limits_cpu      = "24"
    limits_memory   = "64Gi"
  }
}

ephemeral "azurerm_key_vault_secret" "storage_key" {
  for_each = var.catalogs

  name         = module.customer_names[each.key].customer.storage_key_secret
  key_vault_id = data.azurerm_key_vault.env.id
}

# The catalog credentials live in the Trino namespace (pods can only read
# secrets of their own namespace). Written write-only from the ephemeral Key
# Vault read, so no storage key is stored in this root's state.
module "catalog_secret" {
  source   = "../../kubernetes/secret"
  for_each = var.catalogs

  name      = each.value.credentials_secret_name
  namespace = module.namespace.name
  data      = { AZURE_STORAGE_ACCESS_KEY = ephemeral.azurerm_key_vault_secret.storage_key[each.key].value }
  revision  = var.catalog_credentials_revision
  labels    = { "platform.analytics/customer" = each.key }
}

module "trino" {
  source = "../../../apps/trino/kubernetes"

  namespace   = module.namespace.name
  environment = local.environment
  image       = var.trino_image
  workers     = var.workers

  catalogs                     = var.catalogs
  catalog_credentials_revision = var.catalog_credentials_revision

  # Only the customers' namespaces (where Superset runs) may query Trino.
  client_namespaces = [for n in values(module.customer_names) : n.customer.namespace]
  node_selector     = { "platform.analytics/pool" = "workload" }
  labels            = { "platform.analytics/environment" = local.environment }

  depends_on = [module.catalog_secret]
}
