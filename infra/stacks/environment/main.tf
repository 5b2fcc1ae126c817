locals {
  environment = var.environment
  prefix      = var.prefix
  location    = var.location
}

data "azurerm_client_config" "current" {}

module "names" {
  source = "../../azure/naming"

  prefix      = local.prefix
  environment = local.environment
}

locals {
  names = module.names.env
  tags  = merge(module.names.tags, { root = "environments/${local.environment}/infra" })
  # The identity running this root also applies the app roots: it needs to
  # write Key Vault secrets and to deploy into the cluster.
  deployer_object_id = data.azurerm_client_config.current.object_id
  diagnostics        = { log_analytics_workspace_id = module.log_analytics.id }
}

module "resource_group" {
  source = "../../azure/resource_group"

  name       = local.names.resource_group
  location   = local.location
  lock_level = "CanNotDelete"
  tags       = local.tags
}

module "log_analytics" {
  source = "../../azure/log_analytics"

  name                = local.names.log_analytics
  resource_group_name = module.resource_group.name
  location            = module.resource_group.location
  daily_quota_gb      = 5
  tags                = local.tags
}

module "network" {
  source = "../../azure/network"

  name                = local.names.virtual_network
  resource_group_name = module.resource_group.name
  location            = module.resource_group.location
  address_space       = var.address_space

  subnets = {
    aks_nodes = {
      name             = local.names.subnets.aks_nodes
      address_prefixes = [cidrsubnet(var.address_space[0], 4, 0)]
      # Lets the customer storage accounts and the Key Vault admit the nodes
      # by subnet instead of by IP.
      service_endpoints = ["Microsoft.Storage", "Microsoft.KeyVault"]
    }
    postgres = {
      name             = local.names.subnets.postgres
      address_prefixes = [cidrsubnet(var.address_space[0], 8, 16)]
      delegation = {
        service = "Microsoft.DBforPostgreSQL/flexibleServers"
        actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
      }
    }
  }

  tags = local.tags
}

module "aks" {
  source = "../../azure/aks"

  name                     = local.names.kubernetes_cluster
  resource_group_name      = module.resource_group.name
  resource_group_id        = module.resource_group.id
  node_resource_group_name = local.names.aks_node_rg
  location                 = module.resource_group.location
  kubernetes_version       = var.kubernetes_version
  sku_tier                 = var.aks_sku_tier
  tenant_id                = data.azurerm_client_config.current.tenant_id
  vnet_subnet_id           = module.network.subnet_ids["aks_nodes"]

  admin_group_object_ids          = var.aks_admin_group_object_ids
  cluster_admin_principal_ids     = { deployer = local.deployer_object_id }
  api_server_authorized_ip_ranges = var.operator_ip_ranges

  system_node_pool = {
    vm_size         = "Standard_D2ds_v5"
    min_count       = 1
    max_count       = 2
    os_disk_size_gb = 64
    zones           = ["1", "2"]
  }

  user_node_pool = {
    vm_size         = "Standard_E4ds_v5"
    min_count       = 1
    max_count       = var.user_node_pool_max_count
    os_disk_size_gb = 128
    zones           = ["1", "2"]
  }

  diagnostics = local.diagnostics
  tags        = local.tags
}

# Static address of the cluster ingress. It lives in the environment resource
# group (not the AKS node group) so it survives a cluster rebuild and the
# customers' DNS alias records keep pointing at it.
resource "azurerm_public_ip" "ingress" {
  name                = local.names.ingress_public_ip
  resource_group_name = module.resource_group.name
  location            = module.resource_group.location
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
  tags                = local.tags
}

module "dns" {
  source = "../../azure/dns"

  zone_name           = local.names.dns_zone
  resource_group_name = module.resource_group.name
  tags                = local.tags
}

module "container_registry" {
  source = "../../azure/container_registry"

  name                = local.names.container_registry
  resource_group_name = module.resource_group.name
  location            = module.resource_group.location
  sku                 = "Standard"
  pull_principal_ids  = { aks_kubelet = module.aks.kubelet_identity_object_id }
  push_principal_ids  = var.acr_push_principal_ids
  diagnostics         = local.diagnostics
  tags                = local.tags
}

module "key_vault" {
  source = "../../azure/key_vault"

  name                = local.names.key_vault
  resource_group_name = module.resource_group.name
  location            = module.resource_group.location
  tenant_id           = data.azurerm_client_config.current.tenant_id
  allowed_ip_ranges   = var.operator_ip_ranges
  allowed_subnet_ids  = [module.network.subnet_ids["aks_nodes"]]

  secrets_officer_principal_ids = { deployer = local.deployer_object_id }

  diagnostics = local.diagnostics
  tags        = local.tags
}

# The administrator password is generated at apply time and never stored in
# state: it is written to Key Vault first, read back from there and only then
# sent to the server. If an apply fails half-way, the next one reads the
# value Key Vault already holds instead of generating a different one.
ephemeral "random_password" "postgres_admin" {
  length      = 40
  special     = false
  min_lower   = 4
  min_upper   = 4
  min_numeric = 4
}

module "postgres_admin_secret" {
  source = "../../azure/key_vault_secret"

  name          = local.names.postgres_admin_secret
  key_vault_id  = module.key_vault.id
  value         = ephemeral.random_password.postgres_admin.result
  value_version = var.postgres_admin_password_version
  content_type  = "PostgreSQL flexible server administrator password (${local.names.postgres_admin_login})"
  tags          = local.tags

  depends_on = [module.key_vault]
}

ephemeral "azurerm_key_vault_secret" "postgres_admin" {
  name         = module.postgres_admin_secret.name
  key_vault_id = module.key_vault.id
}

module "postgres" {
  source = "../../azure/postgres_server"

  name                = local.names.postgres_server
  resource_group_name = module.resource_group.name
  location            = module.resource_group.location
  sku_name            = var.postgres_sku_name
  tenant_id           = data.azurerm_client_config.current.tenant_id

  delegated_subnet_id = module.network.subnet_ids["postgres"]
  virtual_network_id  = module.network.id

  administrator_login            = local.names.postgres_admin_login
  administrator_password         = ephemeral.azurerm_key_vault_secret.postgres_admin.value
  administrator_password_version = var.postgres_admin_password_version

  high_availability            = var.postgres_high_availability ? { standby_zone = "2" } : null
  geo_redundant_backup_enabled = false
  backup_retention_days        = 7

  diagnostics = local.diagnostics
  tags        = local.tags
}
