output "deployment_name" {
  description = "Name of the Deployment."
  value       = kubernetes_deployment_v1.this.metadata[0].name
}

output "service_name" {
  description = "Name of the Service, or null without one (depend on this output to wait for the Service)."
  value       = one(kubernetes_service_v1.this[*].metadata[0].name)
}
