# Same inputs as environments/<env>/trino of a real environment
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

variable "subscription_id" {
  description = "Unused stand-in for the Azure subscription."
  type        = string
  default     = null
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

variable "catalogs" {
  description = "One Hive catalog per customer, from catalogs.auto.tfvars.json."
  type = map(object({
    metastore_uri           = string
    storage_account         = string
    credentials_secret_name = string
  }))
}

variable "catalog_credentials_revision" {
  description = "Stand-in for the catalog credential revision."
  type        = number
  default     = 1
}

variable "trino_image" {
  description = "Trino image."
  type        = string
  default     = "127.0.0.1:5000/trino:479"
}

variable "workers" {
  description = "Number of Trino workers."
  type        = number
  default     = 2
}
