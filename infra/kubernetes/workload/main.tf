resource "kubernetes_deployment_v1" "this" {
  #checkov:skip=CKV_K8S_10:CPU requests are always set from var.resources (a required object checkov cannot resolve).
  #checkov:skip=CKV_K8S_11:CPU limits are always set from var.resources (a required object checkov cannot resolve).
  #checkov:skip=CKV_K8S_12:Memory limits are always set from var.resources (a required object checkov cannot resolve).
  #checkov:skip=CKV_K8S_13:Memory requests are always set from var.resources (a required object checkov cannot resolve).
  #checkov:skip=CKV_K8S_14:The image comes from var.image; callers pass versioned or content-hash tags (hive and superset validate a fully qualified reference).
  #checkov:skip=CKV_K8S_15:IfNotPresent is deliberate for immutable versioned/content-hash tags; image_pull_policy is a variable for mutable ones.
  #checkov:skip=CKV_K8S_43:Digests are accepted (tag@sha256:...) but not required: the build pipeline produces immutable content-hash tags, Trino uses versioned tags.
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = merge(var.labels, var.selector_labels)
  }

  spec {
    replicas               = var.replicas
    revision_history_limit = 5

    selector {
      match_labels = var.selector_labels
    }

    strategy {
      type = var.strategy

      # A new pod is ready before an old one stops: a rollout never lowers
      # the serving capacity.
      dynamic "rolling_update" {
        for_each = var.strategy == "RollingUpdate" ? [1] : []

        content {
          max_surge       = "1"
          max_unavailable = "0"
        }
      }
    }

    template {
      metadata {
        labels      = merge(var.labels, var.selector_labels, var.pod_labels)
        annotations = var.pod_annotations
      }

      spec {
        service_account_name             = var.service_account_name
        automount_service_account_token  = false
        enable_service_links             = false
        node_selector                    = var.node_selector
        termination_grace_period_seconds = var.termination_grace_period_seconds

        # Meets the Pod Security Standard "restricted" that the tenant
        # namespaces enforce (infra/kubernetes/namespace).
        security_context {
          run_as_non_root = true
          run_as_user     = var.run_as_user
          run_as_group    = var.run_as_user
          fs_group        = var.run_as_user

          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        dynamic "topology_spread_constraint" {
          for_each = var.topology_spread_keys

          content {
            max_skew           = 1
            topology_key       = topology_spread_constraint.value
            when_unsatisfiable = "ScheduleAnyway"

            label_selector {
              match_labels = var.selector_labels
            }
          }
        }

        container {
          name              = var.container_name
          image             = var.image
          image_pull_policy = var.image_pull_policy

          dynamic "port" {
            for_each = var.ports

            content {
              name           = port.key
              container_port = port.value
              protocol       = "TCP"
            }
          }

          dynamic "env" {
            for_each = var.env

            content {
              name  = env.key
              value = env.value
            }
          }

          dynamic "env" {
            for_each = var.secret_env

            content {
              name = env.key

              value_from {
                secret_key_ref {
                  name = env.value.secret
                  key  = env.value.key
                }
              }
            }
          }

          resources {
            requests = {
              cpu    = var.resources.requests_cpu
              memory = var.resources.requests_memory
            }
            limits = {
              cpu    = var.resources.limits_cpu
              memory = var.resources.limits_memory
            }
          }

          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            run_as_non_root            = true

            capabilities {
              drop = ["ALL"]
            }
          }

          # Terraform has no way to reuse a block under another name, so the
          # three probes spell out the same three kinds of check each.
          startup_probe {
            dynamic "http_get" {
              for_each = var.probes.startup.http_get[*]

              content {
                path = http_get.value.path
                port = http_get.value.port
              }
            }

            dynamic "tcp_socket" {
              for_each = var.probes.startup.tcp_socket[*]

              content {
                port = tcp_socket.value.port
              }
            }

            dynamic "exec" {
              for_each = var.probes.startup.exec[*]

              content {
                command = exec.value.command
              }
            }

            period_seconds    = coalesce(var.probes.startup.period_seconds, 10)
            timeout_seconds   = var.probes.startup.timeout_seconds
            failure_threshold = coalesce(var.probes.startup.failure_threshold, 30)
          }

          readiness_probe {
            dynamic "http_get" {
              for_each = var.probes.readiness.http_get[*]

              content {
                path = http_get.value.path
                port = http_get.value.port
              }
            }

            dynamic "tcp_socket" {
              for_each = var.probes.readiness.tcp_socket[*]

              content {
                port = tcp_socket.value.port
              }
            }

            dynamic "exec" {
              for_each = var.probes.readiness.exec[*]

              content {
                command = exec.value.command
              }
            }

            period_seconds    = coalesce(var.probes.readiness.period_seconds, 10)
            timeout_seconds   = coalesce(var.probes.readiness.timeout_seconds, 5)
            failure_threshold = coalesce(var.probes.readiness.failure_threshold, 3)
          }

          liveness_probe {
            dynamic "http_get" {
              for_each = var.probes.liveness.http_get[*]

              content {
                path = http_get.value.path
                port = http_get.value.port
              }
            }

            dynamic "tcp_socket" {
              for_each = var.probes.liveness.tcp_socket[*]

              content {
                port = tcp_socket.value.port
              }
            }

            dynamic "exec" {
              for_each = var.probes.liveness.exec[*]

              content {
                command = exec.value.command
              }
            }

            period_seconds    = coalesce(var.probes.liveness.period_seconds, 20)
            timeout_seconds   = coalesce(var.probes.liveness.timeout_seconds, 5)
            failure_threshold = coalesce(var.probes.liveness.failure_threshold, 3)
          }

          dynamic "volume_mount" {
            for_each = var.volume_mounts

            content {
              name       = volume_mount.value.volume
              mount_path = volume_mount.value.mount_path
              sub_path   = volume_mount.value.sub_path
              read_only  = volume_mount.value.read_only
            }
          }
        }

        dynamic "volume" {
          for_each = var.volumes

          content {
            name = volume.value.name

            dynamic "config_map" {
              for_each = volume.value.config_map[*]

              content {
                name = config_map.value
              }
            }

            dynamic "empty_dir" {
              for_each = volume.value.empty_dir_size_limit[*]

              content {
                size_limit = empty_dir.value
              }
            }
          }
        }
      }
    }
  }

  timeouts {
    create = "10m"
    update = "10m"
  }
}

resource "kubernetes_service_v1" "this" {
  count = var.service == null ? 0 : 1

  metadata {
    name      = coalesce(var.service.name, var.name)
    namespace = var.namespace
    labels    = var.labels
  }

  spec {
    type     = "ClusterIP"
    selector = var.selector_labels

    dynamic "port" {
      for_each = var.ports

      content {
        name        = port.key
        port        = port.value
        target_port = port.key
        protocol    = "TCP"
      }
    }
  }
}

resource "kubernetes_pod_disruption_budget_v1" "this" {
  count = var.pod_disruption_budget ? 1 : 0

  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = var.labels
  }

  spec {
    max_unavailable = "1"

    selector {
      match_labels = var.selector_labels
    }
  }
}

resource "kubernetes_network_policy_v1" "this" {
  count = var.network_policy == null ? 0 : 1

  metadata {
    name      = coalesce(var.network_policy.name, var.name)
    namespace = var.namespace
    labels    = var.labels
  }

  spec {
    pod_selector {
      match_labels = coalesce(var.network_policy.pod_selector, var.selector_labels)
    }

    policy_types = ["Ingress"]

    dynamic "ingress" {
      for_each = var.network_policy.ingress

      content {
        dynamic "from" {
          for_each = ingress.value.from_own_namespace ? [1] : []

          content {
            pod_selector {}
          }
        }

        dynamic "from" {
          for_each = ingress.value.from_namespaces == null ? [] : [ingress.value.from_namespaces]

          content {
            namespace_selector {
              match_expressions {
                key      = "kubernetes.io/metadata.name"
                operator = "In"
                values   = from.value
              }
            }
          }
        }

        dynamic "from" {
          for_each = ingress.value.from_all_namespaces ? [1] : []

          content {
            namespace_selector {}
          }
        }

        dynamic "ports" {
          for_each = ingress.value.ports

          content {
            port     = ports.value
            protocol = "TCP"
          }
        }
      }
    }
  }
}
