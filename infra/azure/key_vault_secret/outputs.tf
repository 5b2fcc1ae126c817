output "id" {
  description = "Versioned ID of the secret."
  value       = azurerm_key_vault_secret.this.id
}

output "versionless_id" {
  description = "Versionless ID of the secret (always resolves to the latest version)."
  value       = azurerm_key_vault_secret.this.versionless_id
}

output "name" {
  description = "Name of the secret; readers fetch it with an ephemeral azurerm_key_vault_secret."
  value       = azurerm_key_vault_secret.this.name
}
