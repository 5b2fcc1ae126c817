output "id" {
  description = "Resource ID of the flexible server."
  value       = azurerm_postgresql_flexible_server.this.id
}

output "name" {
  description = "Name of the flexible server."
  value       = azurerm_postgresql_flexible_server.this.name
}

output "fqdn" {
  description = "FQDN of the server; resolves to its private IP inside the linked VNet."
  value       = azurerm_postgresql_flexible_server.this.fqdn
}

output "administrator_login" {
  description = "Administrator login name (the password is in Key Vault, never in state)."
  value       = azurerm_postgresql_flexible_server.this.administrator_login
}

output "private_dns_zone_id" {
  description = "ID of the private DNS zone, for linking further VNets (e.g. a runner VNet)."
  value       = azurerm_private_dns_zone.this.id
}
