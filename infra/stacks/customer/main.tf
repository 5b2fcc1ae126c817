locals {
  environment = var.environment
  customer    = var.customer
  prefix      = var.prefix
  location    = var.location
}

data "azurerm_client_config" "current" {}

module "names" {
  source = "../../azure/naming"

  prefix      = local.prefix
  environment = local.environment
  customer    = local.customer
}

locals {
  env_names = module.names.env
  names     = module.names.customer
  tags      = merge(module.names.tags, { root = "environments/${local.environment}/${local.customer}/infra" })
}

# Environment resources are looked up by their conventional names (see
# infra/azure/naming) rather than read from another root's state.
data "azurerm_resource_group" "env" {
  name = local.env_names.resource_group
}

data "azurerm_kubernetes_cluster" "env" {
  name                = local.env_names.kubernetes_cluster
  resource_group_name = data.azurerm_resource_group.env.name
}

data "azurerm_subnet" "aks_nodes" {
  name                 = local.env_names.subnets.aks_nodes
  virtual_network_name = local.env_names.virtual_network
  resource_group_name  = data.azurerm_resource_group.env.name
}

data "azurerm_postgresql_flexible_server" "env" {
  name                = local.env_names.postgres_server
  resource_group_name = data.azurerm_resource_group.env.name
}

data "azurerm_key_vault" "env" {
  name                = local.env_names.key_vault
  resource_group_name = data.azurerm_resource_group.env.name
}

data "azurerm_public_ip" "ingress" {
  name                = local.env_names.ingress_public_ip
  resource_group_name = data.azurerm_resource_group.env.name
}

module "resource_group" {
  source = "../../azure/resource_group"

  name     = local.names.resource_group
  location = local.location
  # The group holds the customer's data lake: deleting it takes an explicit
  # lock removal (offboarding runbook), not a stray destroy.
  lock_level = "CanNotDelete"
  tags       = local.tags
}

module "storage" {
  source = "../../azure/storage_account"

  name                = local.names.storage_account
  resource_group_name = module.resource_group.name
  location            = module.resource_group.location
  filesystems         = [local.names.filesystem]
  allowed_subnet_ids  = [data.azurerm_subnet.aks_nodes.id]
  allowed_ip_ranges   = var.operator_ip_ranges
  tags                = local.tags
}

# Trino reads the key from here when it renders this customer's catalog; it
# is the only consumer of Shared Key access to the account.
module "storage_key_secret" {
  source = "../../azure/key_vault_secret"

  name          = local.names.storage_key_secret
  key_vault_id  = data.azurerm_key_vault.env.id
  value         = module.storage.primary_access_key
  value_version = var.storage_key_version
  content_type  = "Access key of storage account ${module.storage.name} (Trino catalog ${local.names.trino_catalog})"
  tags          = local.tags
}

module "hive_identity" {
  source = "../../azure/workload_identity"

  name                = local.names.hive_identity
  resource_group_name = module.resource_group.name
  location            = module.resource_group.location
  oidc_issuer_url     = data.azurerm_kubernetes_cluster.env.oidc_issuer_url
  namespace           = local.names.namespace
  service_account     = local.names.hive_service_account

  role_assignments = {
    storage = { scope = module.storage.id }
  }

  tags = local.tags
}

# The namespace is customer-wide (quota over Hive and Superset together), so it
# is created here and not by either app root; the two can then be applied in
# parallel.
module "namespace" {
  source = "../../kubernetes/namespace"

  name  = local.names.namespace
  quota = var.namespace_quota

  labels = {
    "platform.analytics/customer"    = local.customer
    "platform.analytics/environment" = local.environment
  }
}

module "databases" {
  source = "../../database/customer_databases"

  databases = {
    hive     = { database = local.names.hive_database, role = local.names.hive_role }
    superset = { database = local.names.superset_database, role = local.names.superset_role }
  }

  password_version = var.db_password_version
}

module "dns" {
  source = "../../azure/dns"

  zone_name           = local.env_names.dns_zone
  resource_group_name = data.azurerm_resource_group.env.name
  create_zone         = false

  a_records = {
    (local.names.superset_record) = { target_resource_id = data.azurerm_public_ip.ingress.id }
  }

  tags = local.tags
}
