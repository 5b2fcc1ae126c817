# The environment itself is infra/stacks/environment; this root holds what is
# particular to qa: the backend, the providers, and the variable defaults.
module "stack" {
  source = "../../../infra/stacks/environment"

  environment = "qa"
  prefix      = "anl"
  location    = "westeurope"

  operator_ip_ranges              = var.operator_ip_ranges
  aks_admin_group_object_ids      = var.aks_admin_group_object_ids
  acr_push_principal_ids          = var.acr_push_principal_ids
  address_space                   = var.address_space
  kubernetes_version              = var.kubernetes_version
  aks_sku_tier                    = var.aks_sku_tier
  user_node_pool_max_count        = var.user_node_pool_max_count
  postgres_sku_name               = var.postgres_sku_name
  postgres_high_availability      = var.postgres_high_availability
  postgres_admin_password_version = var.postgres_admin_password_version
}
