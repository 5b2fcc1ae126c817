# State written before infra/stacks/customer_hive existed: the same objects, now
# one module deeper. Terraform moves them on the next plan instead of
# destroying and recreating them; for a root scaffolded later they are no-ops.
moved {
  from = module.hive
  to   = module.stack.module.hive
}
