output "id" {
  description = "ID of the diagnostic setting."
  value       = azurerm_monitor_diagnostic_setting.this.id
}
