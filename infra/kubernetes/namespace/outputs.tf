output "name" {
  description = "Name of the namespace (depend on this output so resources wait for the namespace)."
  value       = kubernetes_namespace_v1.this.metadata[0].name
}
