# Every variable is required: the environment roots (environments/<env>/infra)
# hold the defaults, so the values that differ between environments stay
# visible there.

variable "environment" {
  description = "Environment name (dev, qa, ...): part of every resource name (infra/azure/naming) and of the tags."
  type        = string
}

variable "prefix" {
  description = "Naming prefix of the platform (env.toml [naming].prefix)."
  type        = string
}

variable "location" {
  description = "Azure region of the environment (env.toml [azure].location)."
  type        = string
}

variable "operator_ip_ranges" {
  description = "Public CIDRs of operators and CI egress: admitted to the AKS API server, Key Vault and the registry. Empty locks the public endpoints to Azure services and VNet subnets only."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.operator_ip_ranges : can(cidrhost(c, 0))])
    error_message = "operator_ip_ranges must contain CIDR blocks."
  }
}

variable "aks_admin_group_object_ids" {
  description = "Entra groups whose members administer the cluster."
  type        = list(string)
}

variable "acr_push_principal_ids" {
  description = "Principals (CI identities building apps/*/docker) granted AcrPush, keyed by a stable label."
  type        = map(string)
}

variable "address_space" {
  description = "VNet address space of the environment; must not overlap other environments if they are ever peered."
  type        = list(string)
}

variable "kubernetes_version" {
  description = "AKS minor version; null lets AKS choose (patches follow the patch channel)."
  type        = string
}

variable "aks_sku_tier" {
  description = "AKS control plane tier: Free (no SLA) or Standard (uptime SLA)."
  type        = string
}

variable "user_node_pool_max_count" {
  description = "Upper bound of the analytics user pool autoscaler."
  type        = number
}

variable "postgres_sku_name" {
  description = "Flexible server SKU shared by all customers of the environment."
  type        = string
}

variable "postgres_high_availability" {
  description = "Zone-redundant standby for the flexible server (not on Burstable SKUs)."
  type        = bool
}

variable "postgres_admin_password_version" {
  description = "Bump to generate a new PostgreSQL administrator password (written to Key Vault first, then to the server)."
  type        = number
}
