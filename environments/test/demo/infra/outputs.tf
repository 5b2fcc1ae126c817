# Same names as the real customer infra root.

output "namespace" {
  description = "Kubernetes namespace of the customer's apps."
  value       = "cust-${local.customer}"
}

output "storage_account_name" {
  description = "Customer storage account."
  value       = local.storage_account
}

output "filesystem_name" {
  description = "Customer filesystem."
  value       = local.customer
}

output "postgres_fqdn" {
  description = "Fake flexible server FQDN."
  value       = "${local.prefix}-${local.environment}-psql.postgres.database.azure.com"
}

output "hive_database_name" {
  description = "Hive metastore database."
  value       = "hive_${local.customer}"
}

output "hive_db_user" {
  description = "Hive metastore role."
  value       = "hive_${local.customer}"
}

output "hive_db_password" {
  description = "Fake, deterministic password of hive_db_user."
  value       = local.hive_db_password
  sensitive   = true
}

output "hive_identity_client_id" {
  description = "Fake client ID of the Hive workload identity."
  value       = "00000000-0000-0000-0000-000000000001"
}

output "hive_service_account_name" {
  description = "Service account federated with the Hive identity."
  value       = "hive-metastore"
}

output "superset_database_name" {
  description = "Superset metadata database."
  value       = "superset_${local.customer}"
}

output "superset_db_user" {
  description = "Superset role."
  value       = "superset_${local.customer}"
}

output "superset_db_password" {
  description = "Fake, deterministic password of superset_db_user."
  value       = local.superset_db_password
  sensitive   = true
}

output "db_password_version" {
  description = "Version of the database passwords."
  value       = var.db_password_version
}

output "superset_hostname" {
  description = "Host name of the customer's Superset."
  value       = "${local.customer}.${local.environment}.analytics.example.com"
}

output "trino_catalog" {
  description = "This customer's entry of the Trino catalogs map."
  value = {
    metastore_uri           = "thrift://hive-metastore.cust-${local.customer}.svc:9083"
    storage_account         = local.storage_account
    credentials_secret_name = "trino-catalog-${local.customer}"
  }
}
