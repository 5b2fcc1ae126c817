output "url" {
  description = "Public URL of the customer's Superset."
  value       = module.superset.url
}

output "admin_username" {
  description = "Bootstrap administrator user."
  value       = module.superset.admin_username
}

output "admin_password" {
  description = "Bootstrap administrator password."
  value       = module.superset.admin_password
  sensitive   = true
}

output "trino_database_uri" {
  description = "Trino connection registered in Superset."
  value       = module.superset.trino_database_uri
}
