locals {
  environment = var.environment
  customer    = var.customer
  trino_uri   = "trino://${local.customer}@${var.trino_host}:${var.trino_port}/${local.customer}"
}

resource "null_resource" "superset" {
  triggers = {
    namespace           = var.namespace
    image               = var.superset_image
    database            = "${var.superset_db_user}@${var.postgres_fqdn}/${var.superset_database_name}"
    db_password_version = tostring(var.db_password_version)
    hostname            = var.superset_hostname
    trino_uri           = local.trino_uri
  }
}
