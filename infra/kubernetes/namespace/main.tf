resource "kubernetes_namespace_v1" "this" {
  metadata {
    name = var.name

    labels = merge(var.labels, {
      "app.kubernetes.io/managed-by" = "terraform"
      # Enforce and warn at the same level so violations fail at admission
      # instead of surfacing as crash loops.
      "pod-security.kubernetes.io/enforce" = var.pod_security_level
      "pod-security.kubernetes.io/warn"    = var.pod_security_level
      "pod-security.kubernetes.io/audit"   = var.pod_security_level
    })
  }
}

# The quota caps what one tenant can take from the shared user node pool; with
# a compute quota in place every pod must declare requests and limits, which
# the LimitRange below defaults for containers that forget.
resource "kubernetes_resource_quota_v1" "this" {
  metadata {
    name      = "${var.name}-quota"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }

  spec {
    hard = {
      "requests.cpu"           = var.quota.requests_cpu
      "requests.memory"        = var.quota.requests_memory
      "limits.cpu"             = var.quota.limits_cpu
      "limits.memory"          = var.quota.limits_memory
      "pods"                   = var.quota.pods
      "services"               = var.quota.services
      "persistentvolumeclaims" = var.quota.pvcs
      # Tenants get no load balancers of their own: traffic enters through the
      # shared ingress.
      "services.loadbalancers" = "0"
      "services.nodeports"     = "0"
    }
  }
}

resource "kubernetes_limit_range_v1" "this" {
  metadata {
    name      = "${var.name}-limits"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }

  spec {
    limit {
      type = "Container"

      default_request = {
        cpu    = var.container_defaults.request_cpu
        memory = var.container_defaults.request_memory
      }

      default = {
        cpu    = var.container_defaults.limit_cpu
        memory = var.container_defaults.limit_memory
      }

      max = {
        cpu    = var.container_defaults.max_cpu
        memory = var.container_defaults.max_memory
      }
    }
  }
}
