# The outputs of infra/stacks/customer_superset (described there), under the
# same names.

output "url" {
  value = module.stack.url
}

output "admin_username" {
  value = module.stack.admin_username
}

output "admin_password" {
  value     = module.stack.admin_password
  sensitive = true
}

output "trino_database_uri" {
  value = module.stack.trino_database_uri
}
