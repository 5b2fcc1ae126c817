variable "namespace" {
  description = "Namespace of the shared Trino deployment (created by the Trino root)."
  type        = string
  default     = "trino"
}

variable "name" {
  description = "Base name of the objects; the coordinator Service is <name> (http://<name>.<namespace>.svc:8080)."
  type        = string
  default     = "trino"
}

variable "environment" {
  description = "node.environment of every Trino node (a node only joins a coordinator of the same environment)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_]*$", var.environment))
    error_message = "environment must be lowercase letters, digits and underscores."
  }
}

variable "image" {
  description = "Trino image (trinodb/trino:<version>, or a mirror of it in the environment registry)."
  type        = string
  default     = "trinodb/trino:479"
}

variable "image_pull_policy" {
  description = "IfNotPresent suits versioned tags; use Always for mutable tags."
  type        = string
  default     = "IfNotPresent"

  validation {
    condition     = contains(["Always", "IfNotPresent"], var.image_pull_policy)
    error_message = "image_pull_policy must be Always or IfNotPresent."
  }
}

variable "catalogs" {
  description = <<-EOT
    One Hive catalog per customer, keyed by customer id (the catalog name):
    metastore_uri          thrift://hive-metastore.<namespace>.svc:9083
    storage_account        the customer's ADLS Gen2 account
    credentials_secret_name secret in this namespace with key AZURE_STORAGE_ACCESS_KEY
  EOT
  type = map(object({
    metastore_uri           = string
    storage_account         = string
    credentials_secret_name = string
  }))

  validation {
    condition     = alltrue([for k in keys(var.catalogs) : can(regex("^[a-z][a-z0-9]{2,19}$", k))])
    error_message = "Catalog keys must be customer ids (3-20 lowercase letters/digits, starting with a letter)."
  }

  validation {
    condition     = alltrue([for c in values(var.catalogs) : can(regex("^thrift://[a-z0-9.-]+:[0-9]+$", c.metastore_uri))])
    error_message = "metastore_uri must look like thrift://hive-metastore.<namespace>.svc:9083."
  }

  validation {
    condition     = alltrue([for c in values(var.catalogs) : can(regex("^[a-z0-9]{3,24}$", c.storage_account))])
    error_message = "storage_account must be a storage account name (3-24 lowercase letters and digits)."
  }
}

variable "catalog_credentials_revision" {
  description = "Revision of the catalog credential secrets; part of the checksum so a rotated key rolls the pods (env vars are read at start)."
  type        = number
  default     = 1
}

variable "admin_users" {
  description = "Trino users with access to every catalog: platform operators, and `trino`, the user of the CLI inside the coordinator pod (smoke checks via kubectl exec, which already requires cluster admin rights)."
  type        = list(string)
  default     = ["platform-admin", "trino"]
}

variable "workers" {
  description = "Number of worker pods."
  type        = number
  default     = 2

  validation {
    condition     = var.workers >= 1
    error_message = "At least one worker is required (the coordinator does not schedule splits)."
  }
}

variable "coordinator_resources" {
  description = "Coordinator container requests/limits. The JVM takes heap_percent of the memory limit."
  type = object({
    requests_cpu = optional(string, "1")
    limits_cpu   = optional(string, "2")
    memory       = optional(string, "8Gi")
    heap_percent = optional(number, 75)
  })
  default = {}
}

variable "worker_resources" {
  description = "Worker container requests/limits. Requests equal limits for memory: Trino sizes its memory pools from the heap and must not be OOM-killed below it."
  type = object({
    requests_cpu = optional(string, "2")
    limits_cpu   = optional(string, "4")
    memory       = optional(string, "16Gi")
    heap_percent = optional(number, 80)
  })
  default = {}
}

variable "query_max_memory" {
  description = "query.max-memory: cluster-wide user memory one query may use."
  type        = string
  default     = "16GB"
}

variable "query_max_memory_per_node" {
  description = "query.max-memory-per-node: must stay well below the worker heap (about 30% headroom)."
  type        = string
  default     = "4GB"
}

variable "shared_secret_version" {
  description = "Bump to rotate internal-communication.shared-secret (rolls coordinator and workers together)."
  type        = number
  default     = 1
}

variable "node_selector" {
  description = "Node labels the pods must match, e.g. the user pool label."
  type        = map(string)
  default     = {}
}

variable "client_namespaces" {
  description = "Namespaces whose pods may reach the coordinator on 8080 (the customer namespaces running Superset). Null allows every namespace."
  type        = list(string)
  default     = null
}

variable "labels" {
  description = "Extra labels for every object."
  type        = map(string)
  default     = {}
}
