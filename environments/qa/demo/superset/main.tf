# Superset is infra/stacks/customer_superset; this root holds what is
# particular to this customer and environment: the backend, the provider, the
# guards and the defaults.
module "stack" {
  source = "../../../../infra/stacks/customer_superset"

  environment = var.environment
  customer    = var.customer
  namespace   = var.namespace

  postgres_fqdn          = var.postgres_fqdn
  superset_database_name = var.superset_database_name
  superset_db_user       = var.superset_db_user
  superset_db_password   = var.superset_db_password
  db_password_version    = var.db_password_version
  superset_hostname      = var.superset_hostname

  superset_image  = var.superset_image
  admin_email     = var.admin_email
  tls_secret_name = var.tls_secret_name
  trino_host      = var.trino_host
  trino_port      = var.trino_port
}
