# Same inputs as environments/<env>/<customer>/hive of a real environment
# (engine/tests/twins.rs keeps them equal).

variable "environment" {
  description = "Environment this root belongs to. auto passes it; any other value is refused so a root is never applied with another environment's settings."
  type        = string
  default     = "test"

  validation {
    condition     = var.environment == "test"
    error_message = "This root belongs to environment test."
  }
}

variable "customer" {
  description = "Customer this root belongs to. auto passes it; any other value is refused so a root is never applied with another customer's settings."
  type        = string
  default     = "demo"

  validation {
    condition     = var.customer == "demo"
    error_message = "This root belongs to customer demo."
  }
}

variable "kube_context" {
  description = "kubeconfig context (env.toml [kubernetes].context)."
  type        = string
  default     = "auto-test"
}

variable "kubeconfig_path" {
  description = "Unused stand-in for the kubeconfig path."
  type        = string
  default     = "~/.kube/config"
}

variable "namespace" {
  description = "Customer namespace (infra output namespace)."
  type        = string
  default     = "cust-demo"
}

variable "storage_account_name" {
  description = "Customer storage account (infra output storage_account_name)."
  type        = string
}

variable "filesystem_name" {
  description = "Customer filesystem (infra output filesystem_name)."
  type        = string
}

variable "postgres_fqdn" {
  description = "Flexible server FQDN (infra output postgres_fqdn)."
  type        = string
}

variable "hive_database_name" {
  description = "Metastore database (infra output hive_database_name)."
  type        = string
}

variable "hive_db_user" {
  description = "Metastore database role (infra output hive_db_user)."
  type        = string
}

variable "hive_db_password" {
  description = "Password of hive_db_user (infra output hive_db_password). Ephemeral: not stored in saved plans or state; only checked to be set at apply."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_password_version" {
  description = "Password version (infra output db_password_version)."
  type        = number
  default     = 1
}

variable "hive_identity_client_id" {
  description = "Client ID of the Hive workload identity (infra output hive_identity_client_id)."
  type        = string
}

variable "hive_service_account_name" {
  description = "Service account federated with the identity (infra output hive_service_account_name)."
  type        = string
  default     = "hive-metastore"
}

variable "hive_image" {
  description = "Hive metastore image."
  type        = string
  default     = "127.0.0.1:5000/hive-metastore:4.1.0"
}

variable "replicas" {
  description = "Metastore replicas."
  type        = number
  default     = 2
}
