output "url" {
  description = "Public URL of the customer's Superset."
  value       = "${var.tls_secret_name == null ? "http" : "https"}://${var.superset_hostname}"
}

output "admin_username" {
  description = "Bootstrap administrator user."
  value       = "admin"
}

output "admin_password" {
  description = "Fake, deterministic administrator password."
  value       = substr(sha256("${local.customer}/superset-admin"), 0, 24)
  sensitive   = true
}

output "trino_database_uri" {
  description = "Trino connection Superset would register."
  value       = local.trino_uri
}
