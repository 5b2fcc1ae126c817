# State written before infra/stacks/environment existed: the same objects,
# now one module deeper. Terraform moves them on the next plan instead of
# destroying and recreating them; these blocks can go once every environment
# has been applied with them.
moved {
  from = module.resource_group
  to   = module.stack.module.resource_group
}

moved {
  from = module.log_analytics
  to   = module.stack.module.log_analytics
}

moved {
  from = module.network
  to   = module.stack.module.network
}

moved {
  from = module.aks
  to   = module.stack.module.aks
}

moved {
  from = azurerm_public_ip.ingress
  to   = module.stack.azurerm_public_ip.ingress
}

moved {
  from = module.dns
  to   = module.stack.module.dns
}

moved {
  from = module.container_registry
  to   = module.stack.module.container_registry
}

moved {
  from = module.key_vault
  to   = module.stack.module.key_vault
}

moved {
  from = module.postgres_admin_secret
  to   = module.stack.module.postgres_admin_secret
}

moved {
  from = module.postgres
  to   = module.stack.module.postgres
}
