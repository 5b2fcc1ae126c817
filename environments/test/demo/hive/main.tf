locals {
  environment = var.environment
  customer    = var.customer
}

resource "terraform_data" "hive" {
  # The password itself stays out of the state.
  # What the real deployment rolls out in place (an update): a new image, a new
  # password version, another replica count.
  input = {
    image               = var.hive_image
    db_password_version = tostring(var.db_password_version)
    replicas            = tostring(var.replicas)
  }
  # What it cannot change in place: where it runs and what it is bound to.
  triggers_replace = {
    namespace       = var.namespace
    storage_account = var.storage_account_name
    filesystem      = var.filesystem_name
    database        = "${var.hive_db_user}@${var.postgres_fqdn}/${var.hive_database_name}"
    client_id       = var.hive_identity_client_id
    service_account = var.hive_service_account_name
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
