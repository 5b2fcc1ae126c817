locals {
  environment = "test"
  prefix      = "anl"
}

resource "null_resource" "environment" {
  triggers = {
    environment                     = local.environment
    postgres_admin_password_version = tostring(var.postgres_admin_password_version)
  }
}
