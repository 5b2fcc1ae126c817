locals {
  thrift_port = 9083
  dfs_host    = "${var.storage_account_name}.dfs.core.windows.net"

  selector_labels = {
    "app.kubernetes.io/name"     = "hive-metastore"
    "app.kubernetes.io/instance" = var.name
  }

  labels = merge(var.labels, local.selector_labels, {
    "app.kubernetes.io/component"  = "metastore"
    "app.kubernetes.io/part-of"    = "analytics-platform"
    "app.kubernetes.io/managed-by" = "terraform"
  })

  # ${env.*} is expanded by Hadoop's Configuration when the value is read, so
  # the password never appears in the ConfigMap and the Azure settings always
  # match what the workload identity webhook injected into the pod.
  metastore_site = {
    "javax.jdo.option.ConnectionURL"         = "jdbc:postgresql://${var.database.host}:${var.database.port}/${var.database.name}?sslmode=require"
    "javax.jdo.option.ConnectionDriverName"  = "org.postgresql.Driver"
    "javax.jdo.option.ConnectionUserName"    = var.database.user
    "javax.jdo.option.ConnectionPassword"    = "$${env.HIVE_DB_PASSWORD}"
    "datanucleus.connectionPool.maxPoolSize" = tostring(var.database_pool_size)
    # The schema belongs to schematool (the init Job); the server must never
    # create or alter tables on its own.
    "datanucleus.schema.autoCreateAll" = "false"
    "metastore.schema.verification"    = "true"
    "metastore.thrift.port"            = tostring(local.thrift_port)
    "metastore.warehouse.dir"          = "abfss://${var.filesystem_name}@${local.dfs_host}/${var.warehouse_path}"
    "metastore.warehouse.external.dir" = "abfss://${var.filesystem_name}@${local.dfs_host}/${var.warehouse_path}/external"
  }

  # Per-account ABFS settings: the metastore can only ever authenticate to the
  # customer's own account, with the customer's own workload identity.
  core_site = {
    "fs.defaultFS"                                           = "abfss://${var.filesystem_name}@${local.dfs_host}"
    "hadoop.tmp.dir"                                         = "/tmp/hadoop"
    "fs.azure.account.auth.type.${local.dfs_host}"           = "OAuth"
    "fs.azure.account.oauth.provider.type.${local.dfs_host}" = "org.apache.hadoop.fs.azurebfs.oauth2.WorkloadIdentityTokenProvider"
    "fs.azure.account.oauth2.msi.tenant.${local.dfs_host}"   = "$${env.AZURE_TENANT_ID}"
    "fs.azure.account.oauth2.client.id.${local.dfs_host}"    = "$${env.AZURE_CLIENT_ID}"
    "fs.azure.account.oauth2.token.file.${local.dfs_host}"   = "$${env.AZURE_FEDERATED_TOKEN_FILE}"
    "fs.azure.account.hns.enabled.${local.dfs_host}"         = "true"
  }

  config_files = {
    "metastore-site.xml" = templatefile("${path.module}/templates/hadoop-site.xml.tftpl", { properties = local.metastore_site })
    "core-site.xml"      = templatefile("${path.module}/templates/hadoop-site.xml.tftpl", { properties = local.core_site })
  }

  # Any change to the rendered files or the password revision changes the pod
  # template and so rolls the Deployment (subPath mounts are never refreshed
  # in place, and env vars from secrets are read only at container start).
  config_checksum = sha256(jsonencode({
    files             = local.config_files
    password_revision = var.database_password_version
  }))

  db_secret_name = "${var.name}-db"

  env = {
    SERVICE_NAME = "metastore"
    # The schema is initialised or upgraded by the Job below; the server
    # starts without running schematool itself.
    IS_RESUME = "true"
    DB_DRIVER = "postgres"
    # Appended by the image entrypoint after its own -Xmx, so this heap wins.
    SERVICE_OPTS   = "-Xmx${var.resources.jvm_heap} -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
    HADOOP_LOG_DIR = "/tmp/logs"
  }
}

module "service_account" {
  source = "../../../infra/kubernetes/service_account"

  name                        = var.service_account_name
  namespace                   = var.namespace
  workload_identity_client_id = var.workload_identity_client_id
  labels                      = local.labels
}

module "db_secret" {
  source = "../../../infra/kubernetes/secret"

  name      = local.db_secret_name
  namespace = var.namespace
  data      = { HIVE_DB_PASSWORD = var.database_password }
  revision  = var.database_password_version
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

# Creates or upgrades the metastore schema before any server starts. A Job's
# pod template is immutable, so a new image or configuration (the checksum
# annotation below) replaces the Job and schematool runs again; it is
# idempotent (-initOrUpgradeSchema). An unchanged Job stays completed and
# nothing re-runs.
resource "kubernetes_job_v1" "schema" {
  metadata {
    name      = var.schema_job_name
    namespace = var.namespace
    labels    = merge(local.labels, { "app.kubernetes.io/component" = "schema-init" })
  }

  spec {
    backoff_limit           = 3
    active_deadline_seconds = 1800

    template {
      metadata {
        labels = merge(local.labels, { "app.kubernetes.io/component" = "schema-init" })

        annotations = {
          "checksum/config" = sha256(jsonencode(local.config_files))
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

        container {
          name              = "schematool"
          image             = var.image
          image_pull_policy = var.image_pull_policy
          command           = ["/opt/hive/bin/schematool", "-dbType", "postgres", "-initOrUpgradeSchema"]

          env {
            name = "HIVE_DB_PASSWORD"

            value_from {
              secret_key_ref {
                name = module.db_secret.name
                key  = "HIVE_DB_PASSWORD"
              }
            }
          }

          env {
            name  = "HADOOP_LOG_DIR"
            value = "/tmp/logs"
          }

          resources {
            requests = {
              cpu    = "250m"
              memory = "1Gi"
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
            mount_path = "${var.conf_dir}/metastore-site.xml"
            sub_path   = "metastore-site.xml"
            read_only  = true
          }

          volume_mount {
            name       = "config"
            mount_path = "${var.conf_dir}/core-site.xml"
            sub_path   = "core-site.xml"
            read_only  = true
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
          name = "tmp"

          empty_dir {
            size_limit = "512Mi"
          }
        }
      }
    }
  }

  # Terraform blocks until schematool finished, so the Deployment below never
  # starts against a missing or outdated schema.
  wait_for_completion = true

  timeouts {
    create = var.schema_init_timeout
    update = var.schema_init_timeout
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

  # Opt-in for the workload identity webhook (token + AZURE_* env).
  pod_labels      = { "azure.workload.identity/use" = "true" }
  pod_annotations = { "checksum/config" = local.config_checksum }

  # Spread replicas over nodes and zones so a drain or a zone outage leaves a
  # metastore serving.
  topology_spread_keys = ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]

  container_name    = "metastore"
  image             = var.image
  image_pull_policy = var.image_pull_policy
  ports             = { thrift = local.thrift_port }
  env               = local.env
  secret_env        = { HIVE_DB_PASSWORD = { secret = module.db_secret.name, key = "HIVE_DB_PASSWORD" } }
  resources         = var.resources

  # The JVM plus schema verification can take a while on first start; the
  # startup probe's default gives it up to five minutes before liveness
  # checks begin.
  probes = {
    startup   = { tcp_socket = { port = local.thrift_port } }
    readiness = { tcp_socket = { port = local.thrift_port }, timeout_seconds = 3 }
    liveness  = { tcp_socket = { port = local.thrift_port } }
  }

  volumes = [
    { name = "config", config_map = kubernetes_config_map_v1.this.metadata[0].name },
    { name = "tmp", empty_dir_size_limit = "2Gi" },
  ]
  volume_mounts = [
    { volume = "config", mount_path = "${var.conf_dir}/metastore-site.xml", sub_path = "metastore-site.xml", read_only = true },
    { volume = "config", mount_path = "${var.conf_dir}/core-site.xml", sub_path = "core-site.xml", read_only = true },
    { volume = "tmp", mount_path = "/tmp" },
  ]

  pod_disruption_budget = var.replicas > 1

  # The metastore has no authentication of its own (no Kerberos/SASL): the
  # network policy is what keeps other tenants' pods off this customer's
  # metadata. Only the customer's namespace and the Trino namespace may connect.
  network_policy = {
    ingress = [{
      from_own_namespace = true
      from_namespaces    = var.metastore_client_namespaces
      ports              = ["thrift"]
    }]
  }

  # Terraform waits for schematool, so the metastore never starts against a
  # missing or outdated schema.
  depends_on = [kubernetes_job_v1.schema]
}
