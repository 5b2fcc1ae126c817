locals {
  environment = var.environment
  customer    = var.customer
  trino_uri   = "trino://${local.customer}@${var.trino_host}:${var.trino_port}/${local.customer}"
}

resource "terraform_data" "superset" {
  # What the real deployment rolls out in place (an update).
  input = {
    image               = var.superset_image
    db_password_version = tostring(var.db_password_version)
    trino_uri           = local.trino_uri
  }
  # What it cannot change in place: where it runs and what it is bound to.
  triggers_replace = {
    namespace = var.namespace
    database  = "${var.superset_db_user}@${var.postgres_fqdn}/${var.superset_database_name}"
    hostname  = var.superset_hostname
  }

  # Where the real root writes the password to the cluster (write-only), the
  # stand-in only checks it was given at apply: ephemeral values may be used
  # here but not in triggers, and an apply without it fails.
  provisioner "local-exec" {
    command = "test -n \"$DB_PASSWORD\""
    environment = {
      DB_PASSWORD = var.superset_db_password
    }
  }
}
