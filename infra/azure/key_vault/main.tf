resource "azurerm_key_vault" "this" {
  #checkov:skip=CKV2_AZURE_32:No private endpoint: Terraform runs from hosted CI, so the vault keeps a public endpoint whose firewall denies everything but allowed_ip_ranges and allowed_subnet_ids.
  #checkov:skip=CKV_AZURE_189:Same reason: public network access stays enabled behind a default-deny firewall.
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  tenant_id           = var.tenant_id
  sku_name            = var.sku_name

  # Access is granted with Azure RBAC role assignments (azurerm 5 makes this
  # argument mandatory); legacy access policies are not used.
  rbac_authorization_enabled = true

  purge_protection_enabled   = var.purge_protection_enabled
  soft_delete_retention_days = var.soft_delete_retention_days

  public_network_access_enabled = true

  network_acls {
    default_action             = "Deny"
    bypass                     = "AzureServices"
    ip_rules                   = var.allowed_ip_ranges
    virtual_network_subnet_ids = var.allowed_subnet_ids
  }

  tags = var.tags
}

resource "azurerm_role_assignment" "secrets_officer" {
  for_each = var.secrets_officer_principal_ids

  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = each.value
}

resource "azurerm_role_assignment" "secrets_user" {
  for_each = var.secrets_user_principal_ids

  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = each.value
}

module "diagnostics" {
  source = "../diagnostic_setting"
  count  = var.diagnostics == null ? 0 : 1

  target_resource_id         = azurerm_key_vault.this.id
  log_analytics_workspace_id = var.diagnostics.log_analytics_workspace_id
  log_category_groups        = ["audit"]
}
