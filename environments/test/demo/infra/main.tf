locals {
  environment = var.environment
  customer    = var.customer
  prefix      = var.prefix

  # Same conventions as infra/azure/naming, inlined so this stand-in needs no
  # module outside the root.
  storage_account_full = "st${local.prefix}${local.environment}${local.customer}"
  storage_account      = length(local.storage_account_full) <= 24 ? local.storage_account_full : "${substr(local.storage_account_full, 0, 20)}${substr(sha1(local.storage_account_full), 0, 4)}"

  # Deterministic fake secrets: stable across runs, different per customer and
  # password version, never a real credential.
  hive_db_password     = substr(sha256("${local.customer}/hive/${var.db_password_version}"), 0, 32)
  superset_db_password = substr(sha256("${local.customer}/superset/${var.db_password_version}"), 0, 32)
}

resource "null_resource" "customer" {
  triggers = {
    environment         = local.environment
    customer            = local.customer
    kube_context        = var.kube_context
    db_password_version = tostring(var.db_password_version)
  }
}
