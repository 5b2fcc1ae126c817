output "id" {
  description = "Resource ID of the workspace (the value the diagnostics inputs of the other modules take)."
  value       = azurerm_log_analytics_workspace.this.id
}

output "name" {
  description = "Name of the workspace."
  value       = azurerm_log_analytics_workspace.this.name
}

output "workspace_id" {
  description = "Workspace (customer) GUID used by agents and queries."
  value       = azurerm_log_analytics_workspace.this.workspace_id
}
