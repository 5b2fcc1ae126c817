locals {
  environment = var.environment
  customer    = var.customer
}

module "superset" {
  source = "../../../apps/superset/kubernetes"

  namespace = var.namespace
  image     = var.superset_image

  database = {
    host = var.postgres_fqdn
    name = var.superset_database_name
    user = var.superset_db_user
  }
  database_password         = var.superset_db_password
  database_password_version = var.db_password_version

  admin = { email = var.admin_email }

  # The customer's own catalog, queried as the customer's Trino user (Trino's
  # access rules confine that user to that catalog).
  trino = {
    host          = var.trino_host
    port          = var.trino_port
    catalog       = local.customer
    user          = local.customer
    database_name = "Trino (${local.customer})"
  }

  hostname        = var.superset_hostname
  tls_secret_name = var.tls_secret_name
  node_selector   = { "platform.analytics/pool" = "workload" }

  labels = {
    "platform.analytics/customer"    = local.customer
    "platform.analytics/environment" = local.environment
  }
}
