variable "namespace" {
  description = "Customer namespace the metastore runs in (created by the customer infra root)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label."
  }
}

variable "name" {
  description = "Name of the Deployment, Service and ConfigMap. Trino catalogs address the metastore as thrift://<name>.<namespace>.svc:9083, so keep the default unless the catalogs change too."
  type        = string
  default     = "hive-metastore"
}

variable "image" {
  description = "Hive standalone metastore image (apps/hive/docker: apache/hive 4.x plus the PostgreSQL JDBC driver and hadoop-azure of the image's Hadoop version)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$", var.image))
    error_message = "image must be a fully qualified reference such as acranldev.azurecr.io/hive-metastore:4.1.0."
  }
}

variable "image_pull_policy" {
  description = "IfNotPresent suits immutable (versioned or content-hash) tags; use Always for mutable tags."
  type        = string
  default     = "IfNotPresent"

  validation {
    condition     = contains(["Always", "IfNotPresent"], var.image_pull_policy)
    error_message = "image_pull_policy must be Always or IfNotPresent."
  }
}

variable "replicas" {
  description = "Metastore replicas. The thrift service is stateless; two survive a node drain."
  type        = number
  default     = 2

  validation {
    condition     = var.replicas >= 1 && var.replicas <= 10
    error_message = "replicas must be between 1 and 10."
  }
}

variable "storage_account_name" {
  description = "Customer ADLS Gen2 account holding the warehouse."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be a storage account name (3-24 lowercase letters and digits)."
  }
}

variable "filesystem_name" {
  description = "ADLS Gen2 filesystem (container) of the customer."
  type        = string
}

variable "warehouse_path" {
  description = "Path of the managed warehouse inside the filesystem."
  type        = string
  default     = "warehouse"
}

variable "workload_identity_client_id" {
  description = "Client ID of the customer's Hive identity (federated with <namespace>:<service_account_name>, Storage Blob Data Contributor on the account)."
  type        = string
}

variable "service_account_name" {
  description = "Service account the metastore runs as; must match the federated credential subject."
  type        = string
  default     = "hive-metastore"
}

variable "database" {
  description = "Metastore database on the flexible server: host (FQDN), name and user. TLS is required by Azure."
  type = object({
    host = string
    name = string
    user = string
    port = optional(number, 5432)
  })
}

variable "database_password" {
  description = "Password of database.user; written to a Kubernetes secret with a write-only attribute."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "database_password_version" {
  description = "Revision of database_password; bump (or pass the customer infra password version) to push a new one and roll the pods."
  type        = number
  default     = 1
}

variable "database_pool_size" {
  description = "Maximum JDBC connections per connection pool and pod. The metastore opens several pools; keep replicas x pools x size under the role's connection limit."
  type        = number
  default     = 5
}

variable "metastore_client_namespaces" {
  description = "Namespaces whose pods may open the thrift port (the shared Trino namespace). Pods in the metastore's own namespace are always allowed."
  type        = list(string)
  default     = ["trino"]
}

variable "resources" {
  description = "Container requests and limits. jvm_heap must fit well inside the memory limit (metaspace, thread stacks, direct buffers)."
  type = object({
    requests_cpu    = optional(string, "250m")
    requests_memory = optional(string, "2Gi")
    limits_cpu      = optional(string, "2")
    limits_memory   = optional(string, "2Gi")
    jvm_heap        = optional(string, "1280m")
  })
  default = {}
}

variable "conf_dir" {
  description = "HIVE_CONF_DIR of the image; metastore-site.xml and core-site.xml are mounted into it file by file."
  type        = string
  default     = "/opt/hive/conf"
}

variable "run_as_user" {
  description = "UID/GID the container runs as (the apache/hive image's hive user is 1000)."
  type        = number
  default     = 1000
}

variable "node_selector" {
  description = "Node labels the pods must match, e.g. the user pool label."
  type        = map(string)
  default     = {}
}

variable "schema_job_name" {
  description = "Name of the schematool Job (orchestration scripts wait on job/<name>)."
  type        = string
  default     = "hive-schema-init"
}

variable "schema_init_timeout" {
  description = "How long Terraform waits for the schematool Job before failing the apply."
  type        = string
  default     = "15m"
}

variable "labels" {
  description = "Extra labels for every object (e.g. platform.analytics/customer)."
  type        = map(string)
  default     = {}
}
