# The metastore is infra/stacks/customer_hive; this root holds what is
# particular to this customer and environment: the backend, the provider, the
# guards and the defaults.
module "stack" {
  source = "../../../../infra/stacks/customer_hive"

  environment = var.environment
  customer    = var.customer
  namespace   = var.namespace

  storage_account_name      = var.storage_account_name
  filesystem_name           = var.filesystem_name
  postgres_fqdn             = var.postgres_fqdn
  hive_database_name        = var.hive_database_name
  hive_db_user              = var.hive_db_user
  hive_db_password          = var.hive_db_password
  db_password_version       = var.db_password_version
  hive_identity_client_id   = var.hive_identity_client_id
  hive_service_account_name = var.hive_service_account_name

  hive_image = var.hive_image
  replicas   = var.replicas
}
