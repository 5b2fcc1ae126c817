# State written before infra/stacks/customer_superset existed: the same objects, now
# one module deeper. Terraform moves them on the next plan instead of
# destroying and recreating them; for a root scaffolded later they are no-ops.
moved {
  from = module.superset
  to   = module.stack.module.superset
}
