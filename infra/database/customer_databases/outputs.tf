output "databases" {
  description = "Database names keyed by application."
  value       = { for k, d in postgresql_database.this : k => d.name }
}

output "roles" {
  description = "Login role names keyed by application."
  value       = { for k, r in postgresql_role.this : k => r.name }
}

output "passwords" {
  description = "Role passwords keyed by application."
  value       = { for k, p in random_password.this : k => p.result }
  sensitive   = true
}

output "password_version" {
  description = "Version of the passwords; consumers use it as the revision of the Kubernetes secrets holding them."
  value       = var.password_version
}
