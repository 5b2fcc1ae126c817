output "namespace" {
  description = "Namespace of the shared Trino deployment."
  value       = module.namespace.name
}

output "host" {
  description = "In-cluster host of the Trino coordinator (trino_host of the Superset roots)."
  value       = module.trino.host
}

output "port" {
  description = "Port of the Trino coordinator."
  value       = module.trino.port
}

output "catalog_names" {
  description = "Catalogs configured on the cluster."
  value       = module.trino.catalog_names
}

output "catalogs_checksum" {
  description = "Checksum of the rendered catalogs (pod annotation that rolls Trino)."
  value       = module.trino.catalogs_checksum
}
