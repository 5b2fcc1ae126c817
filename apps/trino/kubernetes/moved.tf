# State written before infra/kubernetes/workload existed: the same objects,
# now one module deeper (one module instance per role). Terraform moves them
# on the next plan instead of destroying and recreating them; for a root
# applied later they are no-ops.
moved {
  from = kubernetes_deployment_v1.this["coordinator"]
  to   = module.workload["coordinator"].kubernetes_deployment_v1.this
}

moved {
  from = kubernetes_deployment_v1.this["worker"]
  to   = module.workload["worker"].kubernetes_deployment_v1.this
}

moved {
  from = kubernetes_service_v1.this
  to   = module.workload["coordinator"].kubernetes_service_v1.this[0]
}

moved {
  from = kubernetes_pod_disruption_budget_v1.workers
  to   = module.workload["worker"].kubernetes_pod_disruption_budget_v1.this[0]
}

moved {
  from = kubernetes_network_policy_v1.this
  to   = module.workload["coordinator"].kubernetes_network_policy_v1.this[0]
}
