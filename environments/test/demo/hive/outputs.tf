output "metastore_uri" {
  description = "Thrift URI of the customer's metastore."
  value       = "thrift://hive-metastore.${var.namespace}.svc:9083"
}

output "warehouse_dir" {
  description = "abfss:// URI of the customer's managed warehouse."
  value       = "abfss://${var.filesystem_name}@${var.storage_account_name}.dfs.core.windows.net/warehouse"
}

output "schema_job_name" {
  description = "Name of the schematool Job."
  value       = "hive-schema-init"
}
