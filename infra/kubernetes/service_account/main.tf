resource "kubernetes_service_account_v1" "this" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = merge(var.labels, { "app.kubernetes.io/managed-by" = "terraform" })

    # The workload identity webhook reads the client ID from here and injects
    # AZURE_CLIENT_ID, AZURE_TENANT_ID and a projected token into pods that
    # carry the azure.workload.identity/use=true label.
    annotations = var.workload_identity_client_id == null ? {} : {
      "azure.workload.identity/client-id" = var.workload_identity_client_id
    }
  }

  # No pod of the platform talks to the Kubernetes API. The workload identity
  # token is a separate projected volume added by the webhook, so it still works.
  automount_service_account_token = false
}
