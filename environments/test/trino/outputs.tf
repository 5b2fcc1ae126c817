output "namespace" {
  description = "Namespace of the shared Trino deployment."
  value       = "trino"
}

output "host" {
  description = "In-cluster host of the Trino coordinator."
  value       = "trino.trino.svc.cluster.local"
}

output "port" {
  description = "Port of the Trino coordinator."
  value       = 8080
}

output "catalog_names" {
  description = "Catalogs configured on the cluster."
  value       = sort(keys(var.catalogs))
}

output "catalogs_checksum" {
  description = "Checksum of the catalogs."
  value       = local.catalogs_checksum
}
