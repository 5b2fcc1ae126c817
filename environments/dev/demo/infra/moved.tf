# State written before infra/stacks/customer existed: the same objects, now
# one module deeper. Terraform moves them on the next plan instead of
# destroying and recreating them; for a root scaffolded later they are no-ops.
moved {
  from = module.resource_group
  to   = module.stack.module.resource_group
}

moved {
  from = module.storage
  to   = module.stack.module.storage
}

moved {
  from = module.storage_key_secret
  to   = module.stack.module.storage_key_secret
}

moved {
  from = module.hive_identity
  to   = module.stack.module.hive_identity
}

moved {
  from = module.namespace
  to   = module.stack.module.namespace
}

moved {
  from = module.databases
  to   = module.stack.module.databases
}

moved {
  from = module.dns
  to   = module.stack.module.dns
}
