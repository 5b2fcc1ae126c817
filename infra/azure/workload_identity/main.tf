resource "azurerm_user_assigned_identity" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

# Trusts exactly one service account of one cluster: a token from another
# namespace, another service account or another cluster is rejected by Entra.
resource "azurerm_federated_identity_credential" "this" {
  name                      = "${var.namespace}-${var.service_account}"
  user_assigned_identity_id = azurerm_user_assigned_identity.this.id
  issuer                    = var.oidc_issuer_url
  subject                   = "system:serviceaccount:${var.namespace}:${var.service_account}"
  audience                  = ["api://AzureADTokenExchange"]
}

resource "azurerm_role_assignment" "this" {
  for_each = var.role_assignments

  scope                = each.value.scope
  role_definition_name = each.value.role_definition_name
  principal_id         = azurerm_user_assigned_identity.this.principal_id
  # The identity was just created: declaring the principal type stops Azure
  # from looking it up in a not-yet-replicated directory and failing.
  principal_type = "ServicePrincipal"
}
