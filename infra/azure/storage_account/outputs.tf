output "id" {
  description = "Resource ID of the storage account (scope for data role assignments)."
  value       = azurerm_storage_account.this.id
}

output "name" {
  description = "Name of the storage account."
  value       = azurerm_storage_account.this.name
}

output "primary_dfs_endpoint" {
  description = "ADLS Gen2 (DFS) endpoint, https://<name>.dfs.core.windows.net/."
  value       = azurerm_storage_account.this.primary_dfs_endpoint
}

output "primary_dfs_host" {
  description = "DFS host name, used in abfss:// URIs and per-account Hadoop settings."
  value       = azurerm_storage_account.this.primary_dfs_host
}

output "filesystems" {
  description = "Created filesystems: name => resource ID."
  value       = { for k, f in azurerm_storage_data_lake_gen2_filesystem.this : k => f.id }
}

output "primary_access_key" {
  description = "Primary account key, for consumers that authenticate with Shared Key (Trino). azurerm keeps it in state regardless; do not copy it anywhere but Key Vault."
  value       = azurerm_storage_account.this.primary_access_key
  sensitive   = true
}
