# State written before infra/stacks/trino existed: the same objects, now one
# module deeper. Terraform moves them on the next plan instead of destroying
# and recreating them; these blocks can go once every environment has been
# applied with them.
moved {
  from = module.namespace
  to   = module.stack.module.namespace
}

moved {
  from = module.catalog_secret
  to   = module.stack.module.catalog_secret
}

moved {
  from = module.trino
  to   = module.stack.module.trino
}
