output "name" {
  description = "Name of the service account."
  value       = kubernetes_service_account_v1.this.metadata[0].name
}
