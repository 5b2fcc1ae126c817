provider "azurerm" {
  # Null falls back to ARM_SUBSCRIPTION_ID, which auto sets from env.toml.
  subscription_id = var.subscription_id

  # azurerm 5 registers no resource providers by default. The environment
  # root registered everything this root uses.
  resource_provider_registrations = "none"

  features {}
}

# What the postgresql provider needs is looked up here, before the stack runs
# (infra/stacks/customer looks the server up again for its own outputs):
# the environment's flexible server and its administrator password, found by
# the names of infra/azure/naming.
module "names" {
  source = "../../../../infra/azure/naming"

  prefix      = var.prefix
  environment = var.environment
}

data "azurerm_postgresql_flexible_server" "env" {
  name                = module.names.env.postgres_server
  resource_group_name = module.names.env.resource_group
}

data "azurerm_key_vault" "env" {
  name                = module.names.env.key_vault
  resource_group_name = module.names.env.resource_group
}

ephemeral "azurerm_key_vault_secret" "postgres_admin" {
  name         = module.names.env.postgres_admin_secret
  key_vault_id = data.azurerm_key_vault.env.id
}

# The flexible server is private: this provider connects through the VNet,
# so the runner applying this root needs network access to it (a runner in
# the VNet or a peered one). The administrator password is read from Key
# Vault per run (ephemeral) and never stored in state.
provider "postgresql" {
  host            = data.azurerm_postgresql_flexible_server.env.fqdn
  port            = 5432
  database        = "postgres"
  username        = data.azurerm_postgresql_flexible_server.env.administrator_login
  password        = ephemeral.azurerm_key_vault_secret.postgres_admin.value
  sslmode         = "require"
  connect_timeout = 15
  # The Azure administrator is a member of azure_pg_admin, not a superuser.
  superuser = false
}

# The kube context is the one auto validated against env.toml
# [kubernetes].allowed_contexts before running this root.
provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}
