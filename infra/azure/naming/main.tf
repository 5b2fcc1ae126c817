locals {
  env_scope = "${var.prefix}-${var.environment}"
  scope     = var.customer == null ? local.env_scope : "${local.env_scope}-${var.customer}"

  # Resources whose names allow hyphens follow <prefix>-<env>[-<customer>]-<kind>.
  # Storage accounts and registries allow only [a-z0-9] and are globally unique
  # DNS labels; they use the compact kind-first form (st<prefix><env><customer>,
  # acr<prefix><env>), which is also the form env.toml uses for the registry and
  # the state account. Storage names are capped at 24 characters: a long
  # customer id is truncated and disambiguated with a stable hash so two ids
  # with a common 20-character stem never collide.
  storage_account_full = "st${replace(local.scope, "-", "")}"
  storage_account = (
    length(local.storage_account_full) <= 24
    ? local.storage_account_full
    : "${substr(local.storage_account_full, 0, 20)}${substr(sha1(local.storage_account_full), 0, 4)}"
  )

  env = {
    resource_group     = "${local.env_scope}-rg"
    virtual_network    = "${local.env_scope}-vnet"
    kubernetes_cluster = "${local.env_scope}-aks"
    aks_node_rg        = "${local.env_scope}-aks-nodes-rg"
    aks_identity       = "${local.env_scope}-aks-id"
    log_analytics      = "${local.env_scope}-log"
    postgres_server    = "${local.env_scope}-psql"
    key_vault          = "${local.env_scope}-kv"
    container_registry = "acr${replace(local.env_scope, "-", "")}"
    ingress_public_ip  = "${local.env_scope}-ingress-pip"
    dns_zone           = "${var.environment}.${var.dns_parent_domain}"
    subnets = {
      aks_nodes = "${local.env_scope}-aks-nodes-snet"
      postgres  = "${local.env_scope}-postgres-snet"
    }
    postgres_admin_login = "pgadmin_${var.environment}"
    # Key Vault secret holding the flexible server administrator password
    # (the name only; the value never passes through Terraform state).
    #checkov:skip=CKV_SECRET_6:This is the name of a Key Vault secret, not a secret value.
    postgres_admin_secret = "postgres-admin-password"
    trino_namespace       = "trino"
  }

  customer = var.customer == null ? null : {
    resource_group  = "${local.scope}-rg"
    storage_account = local.storage_account
    # One ADLS Gen2 filesystem per customer, named after the customer.
    filesystem = var.customer
    # The Kubernetes namespace holding every app of the customer. The prefix
    # keeps customer ids from colliding with platform namespaces (trino,
    # kube-system, ...).
    namespace            = "cust-${var.customer}"
    hive_identity        = "${local.scope}-hive-id"
    hive_service_account = "hive-metastore"
    hive_service         = "hive-metastore"
    # PostgreSQL identifiers: letters, digits and underscores only.
    hive_database     = "hive_${var.customer}"
    hive_role         = "hive_${var.customer}"
    superset_database = "superset_${var.customer}"
    superset_role     = "superset_${var.customer}"
    # Key Vault secret with the storage account key that the shared Trino
    # deployment reads when it renders the customer's catalog credentials.
    storage_key_secret = "${var.customer}-storage-access-key"
    # Kubernetes secret in the Trino namespace carrying that key.
    trino_catalog_secret = "trino-catalog-${var.customer}"
    trino_catalog        = var.customer
    metastore_uri        = "thrift://hive-metastore.cust-${var.customer}.svc:9083"
    superset_record      = var.customer
  }

  tags = merge(
    {
      platform    = "analytics"
      environment = var.environment
      managed-by  = "terraform"
    },
    var.customer == null ? {} : { customer = var.customer },
  )
}
