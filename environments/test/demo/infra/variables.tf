# Same inputs as environments/<env>/<customer>/infra of a real environment
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

variable "operator_ip_ranges" {
  description = "Unused stand-in for the storage firewall allow-list."
  type        = list(string)
  default     = []
}

variable "db_password_version" {
  description = "Password version; changes the fake passwords like a rotation would."
  type        = number
  default     = 1
}

variable "storage_key_version" {
  description = "Unused stand-in for the storage key version."
  type        = number
  default     = 1
}

variable "namespace_quota" {
  description = "Unused stand-in for the namespace quota."
  type = object({
    requests_cpu    = optional(string, "8")
    requests_memory = optional(string, "24Gi")
    limits_cpu      = optional(string, "16")
    limits_memory   = optional(string, "32Gi")
  })
  default = {}
}
