locals {
  premium = var.sku == "Premium"
}

resource "azurerm_container_registry" "this" {
  #checkov:skip=CKV_AZURE_233:Zone redundancy is enabled whenever sku is Premium (the default); Basic/Standard do not offer it.
  #checkov:skip=CKV_AZURE_139:Images are built by hosted CI, so the registry keeps a public endpoint; on Premium it is restricted with allowed_ip_ranges.
  #checkov:skip=CKV_AZURE_165:Single-region platform: geo-replication would replicate to a region nothing runs in.
  #checkov:skip=CKV_AZURE_166:Quarantine blocks every pull until an external scanner releases the image; image scanning runs in CI before push instead.
  #checkov:skip=CKV_AZURE_163:Vulnerability scanning is Defender for Containers, enabled at subscription level, not a registry argument.
  #checkov:skip=CKV_AZURE_164:Content trust was retired by Azure and removed in azurerm 5 (trust_policy_enabled).
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  sku                 = var.sku

  # Access is Entra-only (AcrPull/AcrPush role assignments); no admin user,
  # no anonymous pulls.
  admin_enabled          = false
  anonymous_pull_enabled = false

  zone_redundancy_enabled  = local.premium
  data_endpoint_enabled    = local.premium
  retention_policy_in_days = local.premium && var.untagged_retention_days > 0 ? var.untagged_retention_days : null

  public_network_access_enabled = true
  network_rule_bypass_option    = "AzureServices"

  # azurerm declares network_rule_set and ip_rule as lists of objects
  # (attributes, not blocks): an empty list means no rule set.
  network_rule_set = local.premium && length(var.allowed_ip_ranges) > 0 ? [{
    default_action = "Deny"
    ip_rule = [for ip_range in sort(distinct(var.allowed_ip_ranges)) : {
      action   = "Allow"
      ip_range = ip_range
    }]
  }] : []

  tags = var.tags
}

resource "azurerm_role_assignment" "pull" {
  for_each = var.pull_principal_ids

  scope                = azurerm_container_registry.this.id
  role_definition_name = "AcrPull"
  principal_id         = each.value
}

resource "azurerm_role_assignment" "push" {
  for_each = var.push_principal_ids

  scope                = azurerm_container_registry.this.id
  role_definition_name = "AcrPush"
  principal_id         = each.value
}

module "diagnostics" {
  source = "../diagnostic_setting"
  count  = var.diagnostics == null ? 0 : 1

  target_resource_id         = azurerm_container_registry.this.id
  log_analytics_workspace_id = var.diagnostics.log_analytics_workspace_id
}
