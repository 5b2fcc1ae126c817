output "id" {
  description = "Resource ID of the vault."
  value       = azurerm_key_vault.this.id
}

output "name" {
  description = "Name of the vault."
  value       = azurerm_key_vault.this.name
}

output "vault_uri" {
  description = "Data plane URI of the vault."
  value       = azurerm_key_vault.this.vault_uri
}

output "rbac_ready" {
  description = "Depend on this before writing secrets: the officer role assignments it waits for must exist first."
  value       = [for a in azurerm_role_assignment.secrets_officer : a.id]
}
