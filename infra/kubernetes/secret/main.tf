resource "kubernetes_secret_v1" "this" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = merge(var.labels, { "app.kubernetes.io/managed-by" = "terraform" })
  }

  type = "Opaque"

  # Write-only: the values exist in the cluster (etcd, encrypted at rest by
  # AKS) and nowhere in Terraform's state or saved plans.
  data_wo          = var.data
  data_wo_revision = var.revision
}
