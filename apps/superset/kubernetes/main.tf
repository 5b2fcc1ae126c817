locals {
  http_port   = 8088
  config_dir  = "/app/superset_config"
  tls_enabled = var.tls_secret_name != null

  selector_labels = {
    "app.kubernetes.io/name"     = "superset"
    "app.kubernetes.io/instance" = var.name
  }

  labels = merge(var.labels, local.selector_labels, {
    "app.kubernetes.io/component"  = "web"
    "app.kubernetes.io/part-of"    = "analytics-platform"
    "app.kubernetes.io/managed-by" = "terraform"
  })

  trino_database_name = coalesce(var.trino.database_name, var.trino.catalog)
  # No password: Trino is reached inside the cluster and identifies the caller
  # by user name only; the user is the customer id so Trino access control can
  # pin it to its own catalog.
  trino_uri = "trino://${var.trino.user}@${var.trino.host}:${var.trino.port}/${var.trino.catalog}"

  config_files = {
    "superset_config.py" = file("${path.module}/files/superset_config.py")
  }

  secret_names = {
    secret_key = "${var.name}-secret-key"
    database   = "${var.name}-db"
    admin      = "${var.name}-admin"
  }

  plain_env = {
    DATABASE_HOST           = var.database.host
    DATABASE_PORT           = tostring(var.database.port)
    DATABASE_DB             = var.database.name
    DATABASE_USER           = var.database.user
    SUPERSET_CONFIG_PATH    = "${local.config_dir}/superset_config.py"
    SUPERSET_HOME           = "/app/superset_home"
    SUPERSET_HTTPS          = tostring(local.tls_enabled)
    SERVER_WORKER_AMOUNT    = tostring(var.gunicorn_workers)
    PYTHONDONTWRITEBYTECODE = "1"
  }

  secret_env = merge(
    {
      SUPERSET_SECRET_KEY = { secret = module.secret_key.name, key = "SUPERSET_SECRET_KEY" }
      DATABASE_PASSWORD   = { secret = module.db_secret.name, key = "DATABASE_PASSWORD" }
    },
    var.redis_secret_name == null ? {} : {
      REDIS_URL = { secret = var.redis_secret_name, key = "REDIS_URL" }
    },
  )

  # Rolls the web pods when the configuration or any secret they read changes.
  pod_checksum = sha256(jsonencode({
    files      = local.config_files
    secret_key = var.secret_key_version
    database   = var.database_password_version
    env        = local.plain_env
  }))

  # Bootstrap steps run in order as init containers of one Job; the last one
  # registers the customer's Trino catalog. Every step is idempotent, so a
  # re-run (new image, new admin password, new Trino URI) is safe.
  bootstrap_steps = [
    { name = "db-upgrade", args = ["db", "upgrade"] },
    { name = "init", args = ["init"] },
    {
      name = "create-admin"
      # $(VAR) is expanded by Kubernetes from the container env: no shell.
      args = ["fab", "create-admin", "--username", var.admin.username, "--firstname", var.admin.first_name,
      "--lastname", var.admin.last_name, "--email", var.admin.email, "--password", "$(ADMIN_PASSWORD)"]
    },
    {
      # create-admin does nothing for an existing user; this keeps the password
      # in line with the secret after a rotation.
      name = "reset-admin-password"
      args = ["fab", "reset-password", "--username", var.admin.username, "--password", "$(ADMIN_PASSWORD)"]
    },
  ]

  # Changes whenever a bootstrap step would do something different; as a pod
  # template annotation it replaces the (immutable) Job, which re-runs it.
  bootstrap_checksum = sha256(jsonencode({
    image    = var.image
    files    = local.config_files
    trino    = local.trino_uri
    admin    = var.admin
    database = var.database_password_version
  }))
}

# SECRET_KEY must stay stable for the life of the deployment (it encrypts
# stored connection passwords), so it is a persistent random_password; the
# Kubernetes secret is still written write-only so it is not stored twice.
resource "random_password" "secret_key" {
  length  = 64
  special = false

  keepers = {
    version = var.secret_key_version
  }
}

resource "random_password" "admin" {
  length      = 24
  special     = true
  min_special = 2
  # Characters safe on a command line and in a $(VAR) expansion.
  override_special = "-_.,"

  keepers = {
    version = var.admin.password_version
  }
}

module "secret_key" {
  source = "../../../infra/kubernetes/secret"

  name      = local.secret_names.secret_key
  namespace = var.namespace
  data      = { SUPERSET_SECRET_KEY = random_password.secret_key.result }
  revision  = var.secret_key_version
  labels    = local.labels
}

module "db_secret" {
  source = "../../../infra/kubernetes/secret"

  name      = local.secret_names.database
  namespace = var.namespace
  data      = { DATABASE_PASSWORD = var.database_password }
  revision  = var.database_password_version
  labels    = local.labels
}

module "admin_secret" {
  source = "../../../infra/kubernetes/secret"

  name      = local.secret_names.admin
  namespace = var.namespace
  data      = { ADMIN_PASSWORD = random_password.admin.result }
  revision  = var.admin.password_version
  labels    = local.labels
}

module "service_account" {
  source = "../../../infra/kubernetes/service_account"

  # Superset needs no Azure access: no workload identity annotation.
  name      = var.name
  namespace = var.namespace
  labels    = local.labels
}

resource "kubernetes_config_map_v1" "this" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }

  data = local.config_files
}

resource "kubernetes_job_v1" "bootstrap" {
  metadata {
    name      = "${var.name}-bootstrap"
    namespace = var.namespace
    labels    = merge(local.labels, { "app.kubernetes.io/component" = "bootstrap" })
  }

  spec {
    backoff_limit           = 2
    active_deadline_seconds = 3600

    template {
      metadata {
        labels = merge(local.labels, { "app.kubernetes.io/component" = "bootstrap" })

        annotations = {
          "checksum/bootstrap" = local.bootstrap_checksum
        }
      }

      spec {
        restart_policy                  = "Never"
        service_account_name            = module.service_account.name
        automount_service_account_token = false
        enable_service_links            = false
        node_selector                   = var.node_selector

        security_context {
          run_as_non_root = true
          run_as_user     = var.run_as_user
          run_as_group    = var.run_as_user
          fs_group        = var.run_as_user

          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        dynamic "init_container" {
          for_each = local.bootstrap_steps

          content {
            name              = init_container.value.name
            image             = var.image
            image_pull_policy = var.image_pull_policy
            command           = ["superset"]
            args              = init_container.value.args

            dynamic "env" {
              for_each = local.plain_env

              content {
                name  = env.key
                value = env.value
              }
            }

            dynamic "env" {
              for_each = merge(local.secret_env, {
                ADMIN_PASSWORD = { secret = module.admin_secret.name, key = "ADMIN_PASSWORD" }
              })

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
                cpu    = "250m"
                memory = "1Gi"
              }
              limits = {
                cpu    = "1"
                memory = "2Gi"
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

            volume_mount {
              name       = "config"
              mount_path = local.config_dir
              read_only  = true
            }

            volume_mount {
              name       = "home"
              mount_path = "/app/superset_home"
            }

            volume_mount {
              name       = "tmp"
              mount_path = "/tmp"
            }
          }
        }

        container {
          name              = "register-trino"
          image             = var.image
          image_pull_policy = var.image_pull_policy
          command           = ["superset"]
          args              = ["set-database-uri", "--database_name", local.trino_database_name, "--uri", local.trino_uri]

          dynamic "env" {
            for_each = local.plain_env

            content {
              name  = env.key
              value = env.value
            }
          }

          dynamic "env" {
            for_each = local.secret_env

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
              cpu    = "100m"
              memory = "512Mi"
            }
            limits = {
              cpu    = "1"
              memory = "1Gi"
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

          volume_mount {
            name       = "config"
            mount_path = local.config_dir
            read_only  = true
          }

          volume_mount {
            name       = "home"
            mount_path = "/app/superset_home"
          }

          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }
        }

        volume {
          name = "config"

          config_map {
            name = kubernetes_config_map_v1.this.metadata[0].name
          }
        }

        volume {
          name = "home"

          empty_dir {
            size_limit = "256Mi"
          }
        }

        volume {
          name = "tmp"

          empty_dir {
            size_limit = "512Mi"
          }
        }
      }
    }
  }

  wait_for_completion = true

  timeouts {
    create = var.bootstrap_timeout
    update = var.bootstrap_timeout
  }
}

module "workload" {
  source = "../../../infra/kubernetes/workload"

  name                 = var.name
  namespace            = var.namespace
  labels               = local.labels
  selector_labels      = local.selector_labels
  replicas             = var.replicas
  service_account_name = module.service_account.name
  node_selector        = var.node_selector
  run_as_user          = var.run_as_user
  pod_annotations      = { "checksum/config" = local.pod_checksum }

  container_name    = "superset"
  image             = var.image
  image_pull_policy = var.image_pull_policy
  ports             = { http = local.http_port }
  env               = local.plain_env
  secret_env        = local.secret_env
  resources         = var.resources

  probes = {
    startup   = { http_get = { path = "/health", port = "http" } }
    readiness = { http_get = { path = "/health", port = "http" } }
    liveness  = { http_get = { path = "/health", port = "http" } }
  }

  volumes = [
    { name = "config", config_map = kubernetes_config_map_v1.this.metadata[0].name },
    { name = "home", empty_dir_size_limit = "1Gi" },
    { name = "tmp", empty_dir_size_limit = "1Gi" },
  ]
  volume_mounts = [
    { volume = "config", mount_path = local.config_dir, read_only = true },
    { volume = "home", mount_path = "/app/superset_home" },
    { volume = "tmp", mount_path = "/tmp" },
  ]

  pod_disruption_budget = var.replicas > 1

  # Never serve against an unmigrated metadata database.
  depends_on = [kubernetes_job_v1.bootstrap]
}

resource "kubernetes_ingress_v1" "this" {
  count = var.hostname == null ? 0 : 1

  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    ingress_class_name = var.ingress_class_name

    dynamic "tls" {
      for_each = local.tls_enabled ? [var.tls_secret_name] : []

      content {
        hosts       = [var.hostname]
        secret_name = tls.value
      }
    }

    rule {
      host = var.hostname

      http {
        path {
          path      = "/"
          path_type = "Prefix"

          backend {
            service {
              name = module.workload.service_name

              port {
                name = "http"
              }
            }
          }
        }
      }
    }
  }
}
