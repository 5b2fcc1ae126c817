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

variable "location" {
  description = "Azure region this root belongs to. auto passes it; any other value is refused so a root is never applied with another location's settings."
  type        = string
  default     = "westeurope"

  validation {
    condition     = var.location == "westeurope"
    error_message = "This root belongs to location westeurope."
  }
}

variable "prefix" {
  description = "Naming prefix this root belongs to. auto passes it; any other value is refused so a root is never applied with another prefix's settings."
  type        = string
  default     = "anl"

  validation {
    condition     = var.prefix == "anl"
    error_message = "This root belongs to prefix anl."
  }
}

variable "subscription_id" {
  description = "Azure subscription (env.toml [azure].subscription_id). Null uses ARM_SUBSCRIPTION_ID."
  type        = string
  default     = null
}

variable "kube_context" {
  description = "kubeconfig context of the environment's cluster (env.toml [kubernetes].context)."
  type        = string
  default     = "aks-anl-qa"
}

variable "kubeconfig_path" {
  description = "kubeconfig file holding kube_context (converted with kubelogin for Entra ID)."
  type        = string
  default     = "~/.kube/config"
}

variable "operator_ip_ranges" {
  description = "Public IPs/CIDRs (CI egress, operators) admitted by the storage firewall, which Terraform needs to create the filesystem. Storage rules take plain IPs for single hosts, not /32."
  type        = list(string)
  default     = []
}

variable "db_password_version" {
  description = "Bump to rotate the customer's database passwords; the app roots receive the new version and roll their pods."
  type        = number
  default     = 1
}

variable "storage_key_version" {
  description = "Bump after rotating the storage account key so the new key is written to Key Vault (then re-apply the Trino root with a new catalog_credentials_revision)."
  type        = number
  default     = 1
}

variable "namespace_quota" {
  description = "ResourceQuota of the customer namespace (see infra/kubernetes/namespace)."
  type = object({
    requests_cpu    = optional(string, "8")
    requests_memory = optional(string, "24Gi")
    limits_cpu      = optional(string, "16")
    limits_memory   = optional(string, "32Gi")
  })
  default = {}
}
