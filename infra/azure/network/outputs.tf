output "id" {
  description = "Resource ID of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "name" {
  description = "Name of the virtual network."
  value       = azurerm_virtual_network.this.name
}

output "subnet_ids" {
  description = "Subnet resource IDs keyed like var.subnets."
  value       = { for k, s in azurerm_subnet.this : k => s.id }
}

output "subnet_names" {
  description = "Subnet names keyed like var.subnets."
  value       = { for k, s in azurerm_subnet.this : k => s.name }
}

output "network_security_group_ids" {
  description = "NSG resource IDs keyed like var.subnets, for callers that add rules."
  value       = { for k, n in azurerm_network_security_group.this : k => n.id }
}
