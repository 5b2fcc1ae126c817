# State written before infra/kubernetes/workload existed: the same objects,
# now one module deeper. Terraform moves them on the next plan instead of
# destroying and recreating them; for a root applied later they are no-ops.
moved {
  from = kubernetes_deployment_v1.this
  to   = module.workload.kubernetes_deployment_v1.this
}

moved {
  from = kubernetes_service_v1.this
  to   = module.workload.kubernetes_service_v1.this[0]
}

moved {
  from = kubernetes_pod_disruption_budget_v1.this
  to   = module.workload.kubernetes_pod_disruption_budget_v1.this
}

moved {
  from = kubernetes_network_policy_v1.this
  to   = module.workload.kubernetes_network_policy_v1.this[0]
}
