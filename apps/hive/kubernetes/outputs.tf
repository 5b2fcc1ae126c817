output "service_name" {
  description = "Name of the metastore Service."
  value       = module.workload.service_name
}

output "metastore_uri" {
  description = "Thrift URI of the metastore for Trino catalogs (hive.metastore.uri)."
  value       = "thrift://${module.workload.service_name}.${var.namespace}.svc:${local.thrift_port}"
}

output "warehouse_dir" {
  description = "abfss:// URI of the managed warehouse."
  value       = local.metastore_site["metastore.warehouse.dir"]
}

output "service_account_name" {
  description = "Service account the metastore pods run as."
  value       = module.service_account.name
}

output "config_checksum" {
  description = "Checksum of the rendered configuration and password revision (the pod annotation that rolls the Deployment)."
  value       = local.config_checksum
}

output "schema_job_name" {
  description = "Name of the schematool Job of the current image and configuration."
  value       = kubernetes_job_v1.schema.metadata[0].name
}
