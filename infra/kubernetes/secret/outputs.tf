output "name" {
  description = "Name of the secret."
  value       = kubernetes_secret_v1.this.metadata[0].name
}

output "revision" {
  description = "Revision of the data last written; put it in a pod annotation so a new revision rolls the pods that read the secret."
  value       = kubernetes_secret_v1.this.data_wo_revision
}
