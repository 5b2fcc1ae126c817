variable "subscription_id" {
  description = "Azure subscription (env.toml [azure].subscription_id). Null uses ARM_SUBSCRIPTION_ID."
  type        = string
  default     = null
}

variable "operator_ip_ranges" {
  description = "Public CIDRs of operators and CI egress: admitted to the AKS API server, Key Vault and the registry. Empty locks the public endpoints to Azure services and VNet subnets only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.operator_ip_ranges : can(cidrhost(c, 0))])
    error_message = "operator_ip_ranges must contain CIDR blocks."
  }
}

variable "aks_admin_group_object_ids" {
  description = "Entra groups whose members administer the cluster."
  type        = list(string)
  default     = []
}

variable "acr_push_principal_ids" {
  description = "Principals (CI identities building apps/*/docker) granted AcrPush, keyed by a stable label."
  type        = map(string)
  default     = {}
}

variable "address_space" {
  description = "VNet address space of the environment; must not overlap other environments if they are ever peered."
  type        = list(string)
  default     = ["10.41.0.0/16"]
}

variable "kubernetes_version" {
  description = "AKS minor version; null lets AKS choose (patches follow the patch channel)."
  type        = string
  default     = null
}

variable "aks_sku_tier" {
  description = "AKS control plane tier; qa runs Standard (uptime SLA) like production would."
  type        = string
  default     = "Standard"
}

variable "user_node_pool_max_count" {
  description = "Upper bound of the analytics user pool autoscaler."
  type        = number
  default     = 4
}

variable "postgres_sku_name" {
  description = "Flexible server SKU shared by all customers of the environment."
  type        = string
  default     = "GP_Standard_D2ds_v5"
}

variable "postgres_high_availability" {
  description = "Zone-redundant standby for the flexible server (not on Burstable SKUs)."
  type        = bool
  default     = false
}

variable "postgres_admin_password_version" {
  description = "Bump to generate a new PostgreSQL administrator password (written to Key Vault first, then to the server)."
  type        = number
  default     = 1
}
