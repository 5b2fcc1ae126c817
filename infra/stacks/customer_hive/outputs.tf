output "metastore_uri" {
  description = "Thrift URI of the customer's metastore (the metastore_uri of its Trino catalog)."
  value       = module.hive.metastore_uri
}

output "warehouse_dir" {
  description = "abfss:// URI of the customer's managed warehouse."
  value       = module.hive.warehouse_dir
}

output "schema_job_name" {
  description = "Name of the schematool Job (complete once the schema matches the deployed image)."
  value       = module.hive.schema_job_name
}
