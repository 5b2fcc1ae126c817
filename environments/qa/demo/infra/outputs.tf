# The outputs of infra/stacks/customer (described there), under the same
# names. Every output is consumed by name: auto reads them after applying this
# root and passes them as variables of the same names to the hive and superset
# roots, and uses trino_catalog to regenerate the Trino catalogs file.

output "namespace" {
  value = module.stack.namespace
}

output "storage_account_name" {
  value = module.stack.storage_account_name
}

output "filesystem_name" {
  value = module.stack.filesystem_name
}

output "postgres_fqdn" {
  value = module.stack.postgres_fqdn
}

output "hive_database_name" {
  value = module.stack.hive_database_name
}

output "hive_db_user" {
  value = module.stack.hive_db_user
}

output "hive_db_password" {
  value     = module.stack.hive_db_password
  sensitive = true
}

output "hive_identity_client_id" {
  value = module.stack.hive_identity_client_id
}

output "hive_service_account_name" {
  value = module.stack.hive_service_account_name
}

output "superset_database_name" {
  value = module.stack.superset_database_name
}

output "superset_db_user" {
  value = module.stack.superset_db_user
}

output "superset_db_password" {
  value     = module.stack.superset_db_password
  sensitive = true
}

output "db_password_version" {
  value = module.stack.db_password_version
}

output "superset_hostname" {
  value = module.stack.superset_hostname
}

output "trino_catalog" {
  value = module.stack.trino_catalog
}
