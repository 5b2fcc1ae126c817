output "namespace" {
  description = "Kubernetes namespace of the customer's apps."
  value       = module.namespace.name
}

output "storage_account_name" {
  description = "Customer ADLS Gen2 storage account."
  value       = module.storage.name
}

output "filesystem_name" {
  description = "Customer ADLS Gen2 filesystem (container)."
  value       = local.names.filesystem
}

output "postgres_fqdn" {
  description = "Private FQDN of the shared flexible server."
  value       = data.azurerm_postgresql_flexible_server.env.fqdn
}

output "hive_database_name" {
  description = "Hive metastore database."
  value       = module.databases.databases["hive"]
}

output "hive_db_user" {
  description = "Login role of the Hive metastore (owner of hive_database_name)."
  value       = module.databases.roles["hive"]
}

output "hive_db_password" {
  description = "Password of hive_db_user."
  value       = module.databases.passwords["hive"]
  sensitive   = true
}

output "hive_identity_client_id" {
  description = "Client ID of the Hive workload identity (annotation of the hive service account)."
  value       = module.hive_identity.client_id
}

output "hive_service_account_name" {
  description = "Service account federated with the Hive identity."
  value       = local.names.hive_service_account
}

output "superset_database_name" {
  description = "Superset metadata database."
  value       = module.databases.databases["superset"]
}

output "superset_db_user" {
  description = "Login role of Superset (owner of superset_database_name)."
  value       = module.databases.roles["superset"]
}

output "superset_db_password" {
  description = "Password of superset_db_user."
  value       = module.databases.passwords["superset"]
  sensitive   = true
}

output "db_password_version" {
  description = "Version of the database passwords (revision of the Kubernetes secrets holding them)."
  value       = module.databases.password_version
}

output "superset_hostname" {
  description = "Public host name of the customer's Superset."
  value       = module.dns.fqdns[local.names.superset_record]
}

output "trino_catalog" {
  description = "This customer's entry of the Trino root's catalogs map (catalogs.auto.tfvars.json), keyed by the customer id."
  value = {
    metastore_uri           = local.names.metastore_uri
    storage_account         = module.storage.name
    credentials_secret_name = local.names.trino_catalog_secret
  }
}
