locals {
  environment = var.environment
  customer    = var.customer
}

module "hive" {
  source = "../../../apps/hive/kubernetes"

  namespace                   = var.namespace
  image                       = var.hive_image
  replicas                    = var.replicas
  storage_account_name        = var.storage_account_name
  filesystem_name             = var.filesystem_name
  workload_identity_client_id = var.hive_identity_client_id
  service_account_name        = var.hive_service_account_name

  database = {
    host = var.postgres_fqdn
    name = var.hive_database_name
    user = var.hive_db_user
  }
  database_password         = var.hive_db_password
  database_password_version = var.db_password_version

  # Only the shared Trino deployment queries the metastore from outside the
  # customer namespace.
  metastore_client_namespaces = ["trino"]
  node_selector               = { "platform.analytics/pool" = "workload" }

  labels = {
    "platform.analytics/customer"    = local.customer
    "platform.analytics/environment" = local.environment
  }
}
