# The customer's resources are infra/stacks/customer; this root holds what is
# particular to this customer and environment: the backend, the providers, the
# guards and the defaults.
module "stack" {
  source = "../../../../infra/stacks/customer"

  environment = var.environment
  customer    = var.customer
  location    = var.location
  prefix      = var.prefix

  operator_ip_ranges  = var.operator_ip_ranges
  db_password_version = var.db_password_version
  storage_key_version = var.storage_key_version
  namespace_quota     = var.namespace_quota
}
