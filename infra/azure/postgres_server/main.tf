locals {
  # Logged connections and TLS 1.2+ are the baseline; callers can add to them.
  server_parameters = merge(
    {
      log_connections              = "on"
      log_disconnections           = "on"
      log_checkpoints              = "on"
      "connection_throttle.enable" = "on"
      ssl_min_protocol_version     = "TLSv1.2"
    },
    var.server_parameters,
  )
}

# VNet integration requires a private zone ending in postgres.database.azure.com;
# the <server>.private.postgres.database.azure.com form is the one Azure
# documents for delegated-subnet servers (privatelink.* is for private endpoints).
resource "azurerm_private_dns_zone" "this" {
  name                = "${var.name}.private.postgres.database.azure.com"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  name                 = "${var.name}-vnet-link"
  private_dns_zone_id  = azurerm_private_dns_zone.this.id
  virtual_network_id   = var.virtual_network_id
  registration_enabled = false
  tags                 = var.tags
}

resource "azurerm_postgresql_flexible_server" "this" {
  #checkov:skip=CKV2_AZURE_57:The server uses VNet integration (delegated subnet + private DNS zone, public access disabled), the private-access model that excludes private endpoints.
  #checkov:skip=CKV_AZURE_136:geo_redundant_backup_enabled is a variable (default true); dev and qa turn it off deliberately.
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  version             = var.postgres_version
  sku_name            = var.sku_name
  zone                = var.zone

  storage_mb        = var.storage_mb
  auto_grow_enabled = true

  backup_retention_days        = var.backup_retention_days
  geo_redundant_backup_enabled = var.geo_redundant_backup_enabled

  # Private access only: the server lives in the delegated subnet and resolves
  # through the linked private zone. There is no public endpoint to firewall.
  delegated_subnet_id           = var.delegated_subnet_id
  private_dns_zone_id           = azurerm_private_dns_zone.this.id
  public_network_access_enabled = false

  # Write-only: the password is sent to Azure when the version changes and is
  # never stored in state. The environment root keeps it in Key Vault.
  administrator_login               = var.administrator_login
  administrator_password_wo         = var.administrator_password
  administrator_password_wo_version = var.administrator_password_version

  authentication {
    password_auth_enabled         = true
    active_directory_auth_enabled = true
    tenant_id                     = var.tenant_id
  }

  dynamic "high_availability" {
    for_each = var.high_availability == null ? [] : [var.high_availability]

    content {
      mode                      = "ZoneRedundant"
      standby_availability_zone = high_availability.value.standby_zone
    }
  }

  maintenance_window {
    day_of_week  = 0
    start_hour   = 2
    start_minute = 0
  }

  tags = var.tags

  depends_on = [azurerm_private_dns_zone_virtual_network_link.this]

  lifecycle {
    # After a failover Azure swaps primary and standby zones; Terraform must
    # not fail back on the next apply.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]

    precondition {
      condition     = var.high_availability == null || startswith(var.sku_name, "GP_") || startswith(var.sku_name, "MO_")
      error_message = "High availability is not available on the Burstable (B_) tier."
    }
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "this" {
  for_each = local.server_parameters

  name      = each.key
  server_id = azurerm_postgresql_flexible_server.this.id
  value     = each.value
}

resource "azurerm_postgresql_flexible_server_active_directory_administrator" "this" {
  count = var.entra_administrator == null ? 0 : 1

  server_name         = azurerm_postgresql_flexible_server.this.name
  resource_group_name = var.resource_group_name
  tenant_id           = var.tenant_id
  object_id           = var.entra_administrator.object_id
  principal_name      = var.entra_administrator.principal_name
  principal_type      = var.entra_administrator.principal_type
}

module "diagnostics" {
  source = "../diagnostic_setting"
  count  = var.diagnostics == null ? 0 : 1

  target_resource_id         = azurerm_postgresql_flexible_server.this.id
  log_analytics_workspace_id = var.diagnostics.log_analytics_workspace_id
}
