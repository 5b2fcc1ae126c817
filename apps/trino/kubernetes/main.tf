locals {
  http_port  = 8080
  config_dir = "/etc/trino"
  data_dir   = "/data/trino"

  base_labels = merge(var.labels, {
    "app.kubernetes.io/name"       = "trino"
    "app.kubernetes.io/instance"   = var.name
    "app.kubernetes.io/part-of"    = "analytics-platform"
    "app.kubernetes.io/managed-by" = "terraform"
  })

  roles = {
    coordinator = {
      selector  = { "app.kubernetes.io/name" = "trino", "app.kubernetes.io/instance" = var.name, "app.kubernetes.io/component" = "coordinator" }
      resources = var.coordinator_resources
      config = {
        coordinator                            = "true"
        "node-scheduler.include-coordinator"   = "false"
        "http-server.http.port"                = tostring(local.http_port)
        "discovery.uri"                        = "http://localhost:${local.http_port}"
        "query.max-memory"                     = var.query_max_memory
        "query.max-memory-per-node"            = var.query_max_memory_per_node
        "internal-communication.shared-secret" = "$${ENV:TRINO_SHARED_SECRET}"
      }
    }
    worker = {
      selector  = { "app.kubernetes.io/name" = "trino", "app.kubernetes.io/instance" = var.name, "app.kubernetes.io/component" = "worker" }
      resources = var.worker_resources
      config = {
        coordinator                            = "false"
        "http-server.http.port"                = tostring(local.http_port)
        "discovery.uri"                        = "http://${var.name}.${var.namespace}.svc:${local.http_port}"
        "query.max-memory-per-node"            = var.query_max_memory_per_node
        "internal-communication.shared-secret" = "$${ENV:TRINO_SHARED_SECRET}"
      }
    }
  }

  # Environment variable carrying each catalog's storage key. Catalog files
  # reference it as ${ENV:...}; the key itself only exists in the secret.
  catalog_key_env = { for c, _ in var.catalogs : c => "CATALOG_${upper(c)}_AZURE_ACCESS_KEY" }

  catalog_files = {
    for c, cfg in var.catalogs : "${c}.properties" => join("\n", [
      "# Catalog of customer ${c}; data in storage account ${cfg.storage_account},",
      "# key from secret ${cfg.credentials_secret_name}. Rendered by Terraform.",
      "connector.name=hive",
      "hive.metastore.uri=${cfg.metastore_uri}",
      "fs.native-azure.enabled=true",
      # ACCESS_KEY rather than DEFAULT (workload identity): one identity would
      # serve every catalog, while a key per catalog confines each catalog to
      # its customer's account.
      "azure.auth-type=ACCESS_KEY",
      "azure.access-key=$${ENV:${local.catalog_key_env[c]}}",
      "",
    ])
  }

  # File-based access control: a customer's user sees only its own catalog.
  # Trino users are asserted by the client (no authentication inside the
  # cluster yet), so this guards against misrouted queries, not against a
  # hostile tenant; the network policy limits who can connect at all.
  access_rules = jsonencode({
    catalogs = concat(
      [for u in var.admin_users : { user = u, catalog = ".*", allow = "all" }],
      [for c, _ in var.catalogs : { user = c, catalog = c, allow = "all" }],
      [{ catalog = "system", allow = "read-only" }],
      [{ catalog = ".*", allow = "none" }],
    )
  })

  common_files = {
    "node.properties" = join("\n", [
      "node.environment=${var.environment}",
      "node.data-dir=${local.data_dir}",
      "",
    ])
    "log.properties" = "io.trino=INFO\n"
    "access-control.properties" = join("\n", [
      "access-control.name=file",
      "security.config-file=${local.config_dir}/rules.json",
      "",
    ])
    "rules.json" = local.access_rules
  }

  config_files = {
    for role, r in local.roles : role => merge(local.common_files, {
      "config.properties" = join("\n", concat([for k in sort(keys(r.config)) : "${k}=${r.config[k]}"], [""]))
      "jvm.config" = join("\n", [
        "-server",
        "-XX:InitialRAMPercentage=${r.resources.heap_percent}",
        "-XX:MaxRAMPercentage=${r.resources.heap_percent}",
        "-XX:G1HeapRegionSize=32M",
        "-XX:+ExplicitGCInvokesConcurrent",
        "-XX:+ExitOnOutOfMemoryError",
        "-XX:+HeapDumpOnOutOfMemoryError",
        "-XX:HeapDumpPath=${local.data_dir}",
        "-XX:-OmitStackTraceInFastThrow",
        "-XX:ReservedCodeCacheSize=512M",
        "-XX:PerMethodRecompilationCutoff=10000",
        "-XX:PerBytecodeRecompilationCutoff=10000",
        "-Djdk.attach.allowAttachSelf=true",
        "-Djdk.nio.maxCachedBufferSize=2000000",
        "-Dfile.encoding=UTF-8",
        "-XX:+EnableDynamicAgentLoading",
        "-Djava.io.tmpdir=/tmp",
        "",
      ])
    })
  }

  # Catalog checksum: adding, removing or changing a catalog, or rotating its
  # credentials, changes the pod templates of coordinator and workers alike,
  # so the whole cluster restarts with a consistent catalog set.
  catalogs_checksum = sha256(jsonencode({
    files       = local.catalog_files
    secrets     = { for c, cfg in var.catalogs : c => cfg.credentials_secret_name }
    credentials = var.catalog_credentials_revision
  }))

  secret_env = merge(
    { TRINO_SHARED_SECRET = { secret = module.shared_secret.name, key = "TRINO_SHARED_SECRET" } },
    { for c, cfg in var.catalogs : local.catalog_key_env[c] => { secret = cfg.credentials_secret_name, key = "AZURE_STORAGE_ACCESS_KEY" } },
  )
}

resource "random_password" "shared_secret" {
  length  = 64
  special = false

  keepers = {
    version = var.shared_secret_version
  }
}

module "shared_secret" {
  source = "../../../infra/kubernetes/secret"

  name      = "${var.name}-internal"
  namespace = var.namespace
  data      = { TRINO_SHARED_SECRET = random_password.shared_secret.result }
  revision  = var.shared_secret_version
  labels    = local.base_labels
}

module "service_account" {
  source = "../../../infra/kubernetes/service_account"

  name      = var.name
  namespace = var.namespace
  labels    = local.base_labels
}

resource "kubernetes_config_map_v1" "config" {
  for_each = local.roles

  metadata {
    name      = "${var.name}-${each.key}"
    namespace = var.namespace
    labels    = merge(local.base_labels, { "app.kubernetes.io/component" = each.key })
  }

  data = local.config_files[each.key]
}

resource "kubernetes_config_map_v1" "catalogs" {
  metadata {
    name      = "${var.name}-catalogs"
    namespace = var.namespace
    labels    = local.base_labels
  }

  data = local.catalog_files
}

module "workload" {
  source   = "../../../infra/kubernetes/workload"
  for_each = local.roles

  name            = "${var.name}-${each.key}"
  namespace       = var.namespace
  labels          = local.base_labels
  selector_labels = each.value.selector
  # A single coordinator: Trino has no coordinator HA; a restart is a short
  # outage that clients retry.
  replicas                         = each.key == "coordinator" ? 1 : var.workers
  strategy                         = each.key == "coordinator" ? "Recreate" : "RollingUpdate"
  termination_grace_period_seconds = each.key == "coordinator" ? 60 : 120
  service_account_name             = module.service_account.name
  node_selector                    = var.node_selector
  # The trino user of the trinodb/trino image.
  run_as_user = 1000

  pod_annotations = {
    "checksum/catalogs" = local.catalogs_checksum
    "checksum/config"   = sha256(jsonencode(local.config_files[each.key]))
    "checksum/secret"   = tostring(var.shared_secret_version)
  }

  container_name    = "trino"
  image             = var.image
  image_pull_policy = var.image_pull_policy
  ports             = { http = local.http_port }
  secret_env        = local.secret_env

  resources = {
    requests_cpu    = each.value.resources.requests_cpu
    requests_memory = each.value.resources.memory
    limits_cpu      = each.value.resources.limits_cpu
    limits_memory   = each.value.resources.memory
  }

  probes = {
    startup = { http_get = { path = "/v1/info", port = "http" } }
    # health-check (shipped in the image) reports ready only once the node has
    # finished starting and is not shutting down.
    readiness = { exec = { command = ["/usr/lib/trino/bin/health-check"] } }
    liveness  = { http_get = { path = "/v1/info", port = "http" }, failure_threshold = 6 }
  }

  volumes = [
    { name = "config", config_map = kubernetes_config_map_v1.config[each.key].metadata[0].name },
    { name = "catalogs", config_map = kubernetes_config_map_v1.catalogs.metadata[0].name },
    { name = "data", empty_dir_size_limit = "20Gi" },
    { name = "tmp", empty_dir_size_limit = "5Gi" },
  ]
  volume_mounts = [
    { volume = "config", mount_path = local.config_dir, read_only = true },
    { volume = "catalogs", mount_path = "${local.config_dir}/catalog", read_only = true },
    { volume = "data", mount_path = local.data_dir },
    { volume = "tmp", mount_path = "/tmp" },
  ]

  # Clients reach the cluster through the coordinator's Service <name>; the
  # workers get the disruption budget.
  service               = each.key == "coordinator" ? { name = var.name } : null
  pod_disruption_budget = each.key == "worker"

  # One policy for coordinator and workers (it selects both roles), kept with
  # the coordinator. Workers and the coordinator talk to each other; clients
  # reach only the coordinator, and only from the listed namespaces.
  network_policy = each.key != "coordinator" ? null : {
    name         = var.name
    pod_selector = { "app.kubernetes.io/name" = "trino", "app.kubernetes.io/instance" = var.name }
    ingress = [
      { from_own_namespace = true },
      {
        from_namespaces     = var.client_namespaces
        from_all_namespaces = var.client_namespaces == null
        ports               = ["http"]
      },
    ]
  }
}
