# Inputs named after the outputs of ../infra: auto passes them after applying
# the customer infra root. Like every variable, secrets arrive in the 0600
# variables file auto attaches (-var-file=), never on the command line.

variable "environment" {
  description = "Environment this root belongs to. auto passes it; any other value is refused so a root is never applied with another environment's settings."
  type        = string
  default     = "qa"

  validation {
    condition     = var.environment == "qa"
    error_message = "This root belongs to environment qa."
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
  description = "kubeconfig context of the environment's cluster (env.toml [kubernetes].context)."
  type        = string
  default     = "aks-anl-qa"
}

variable "kubeconfig_path" {
  description = "kubeconfig file holding kube_context."
  type        = string
  default     = "~/.kube/config"
}

variable "namespace" {
  description = "Customer namespace (infra output namespace)."
  type        = string
  default     = "cust-demo"
}

variable "storage_account_name" {
  description = "Customer ADLS Gen2 account (infra output storage_account_name)."
  type        = string
}

variable "filesystem_name" {
  description = "Customer ADLS Gen2 filesystem (infra output filesystem_name)."
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
  description = "Password of hive_db_user (infra output hive_db_password). Ephemeral: not stored in saved plans; written to the cluster write-only."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_password_version" {
  description = "Password version (infra output db_password_version); a new value rewrites the secret and rolls the metastore."
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
  description = "Hive metastore image built from apps/hive/docker; auto passes the tag it built."
  type        = string
  default     = "acranlqa.azurecr.io/hive-metastore:4.1.0"
}

variable "replicas" {
  description = "Metastore replicas."
  type        = number
  default     = 2
}
