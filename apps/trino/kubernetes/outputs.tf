output "host" {
  description = "In-cluster host name of the coordinator Service."
  value       = "${module.workload["coordinator"].service_name}.${var.namespace}.svc.cluster.local"
}

output "port" {
  description = "HTTP port of the coordinator Service."
  value       = local.http_port
}

output "catalog_names" {
  description = "Catalogs configured on the cluster (one per customer)."
  value       = sort(keys(var.catalogs))
}

output "catalogs_checksum" {
  description = "Checksum of the rendered catalogs and their credential references (the checksum/catalogs pod annotation)."
  value       = local.catalogs_checksum
}
