# Same inputs as environments/<env>/infra of a real environment
# (engine/tests/twins.rs keeps them equal).

variable "subscription_id" {
  description = "Unused stand-in for the Azure subscription."
  type        = string
  default     = null
}

variable "operator_ip_ranges" {
  description = "Unused stand-in for the operator allow-list."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.operator_ip_ranges : can(cidrhost(c, 0))])
    error_message = "operator_ip_ranges must contain CIDR blocks."
  }
}

variable "aks_admin_group_object_ids" {
  description = "Unused stand-in for the cluster administrator groups."
  type        = list(string)
  default     = []
}

variable "acr_push_principal_ids" {
  description = "Unused stand-in for the AcrPush principals."
  type        = map(string)
  default     = {}
}

variable "address_space" {
  description = "Unused stand-in for the VNet address space."
  type        = list(string)
  default     = ["10.40.0.0/16"]
}

variable "kubernetes_version" {
  description = "Unused stand-in for the AKS version."
  type        = string
  default     = null
}

variable "aks_sku_tier" {
  description = "Unused stand-in for the AKS control plane tier."
  type        = string
  default     = "Free"
}

variable "user_node_pool_max_count" {
  description = "Unused stand-in for the user pool autoscaler bound."
  type        = number
  default     = 4
}

variable "postgres_sku_name" {
  description = "Unused stand-in for the flexible server SKU."
  type        = string
  default     = "B_Standard_B2ms"
}

variable "postgres_high_availability" {
  description = "Unused stand-in for the flexible server standby."
  type        = bool
  default     = false
}

variable "postgres_admin_password_version" {
  description = "Stand-in for the administrator password version."
  type        = number
  default     = 1
}
