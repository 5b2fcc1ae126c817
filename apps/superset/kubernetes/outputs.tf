output "service_name" {
  description = "Name of the Superset Service (port 8088)."
  value       = module.workload.service_name
}

output "url" {
  description = "Public URL of the customer's Superset, or null without an Ingress."
  value       = var.hostname == null ? null : "${local.tls_enabled ? "https" : "http"}://${var.hostname}"
}

output "admin_username" {
  description = "User name of the bootstrap administrator."
  value       = var.admin.username
}

output "admin_password" {
  description = "Password of the bootstrap administrator (rotate with admin.password_version)."
  value       = random_password.admin.result
  sensitive   = true
}

output "trino_database_uri" {
  description = "SQLAlchemy URI of the Trino connection registered by the bootstrap Job."
  value       = local.trino_uri
}

output "bootstrap_job_name" {
  description = "Name of the bootstrap Job of the current image and configuration."
  value       = kubernetes_job_v1.bootstrap.metadata[0].name
}
