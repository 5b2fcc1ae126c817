locals {
  environment = var.environment
  customer    = var.customer
}

resource "null_resource" "hive" {
  # The password itself stays out of the triggers (and so out of state).
  triggers = {
    namespace           = var.namespace
    image               = var.hive_image
    storage_account     = var.storage_account_name
    filesystem          = var.filesystem_name
    database            = "${var.hive_db_user}@${var.postgres_fqdn}/${var.hive_database_name}"
    db_password_version = tostring(var.db_password_version)
    client_id           = var.hive_identity_client_id
    service_account     = var.hive_service_account_name
    replicas            = tostring(var.replicas)
  }

  # Where the real root writes the password to the cluster (write-only), the
  # stand-in only checks it was given at apply: ephemeral values may be used
  # here but not in triggers, and an apply without it fails.
  provisioner "local-exec" {
    command = "test -n \"$DB_PASSWORD\""
    environment = {
      DB_PASSWORD = var.hive_db_password
    }
  }
}
