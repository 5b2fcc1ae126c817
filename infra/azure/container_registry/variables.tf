variable "name" {
  description = "Registry name (globally unique, 5-50 letters and digits); the login server is <name>.azurecr.io and must match env.toml [registry].server."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{5,50}$", var.name))
    error_message = "Registry names are 5-50 letters and digits."
  }
}

variable "resource_group_name" {
  description = "Resource group of the registry."
  type        = string
}

variable "location" {
  description = "Azure region of the registry."
  type        = string
}

variable "sku" {
  description = "Basic, Standard or Premium. Premium adds zone redundancy, untagged-manifest retention and dedicated data endpoints."
  type        = string
  default     = "Premium"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.sku)
    error_message = "sku must be Basic, Standard or Premium."
  }
}

variable "untagged_retention_days" {
  description = "Premium only: days after which untagged manifests are purged (0 disables)."
  type        = number
  default     = 14
}

variable "allowed_ip_ranges" {
  description = "Premium only: public CIDRs allowed to push/pull (CI egress); AKS pulls via trusted Azure services. Empty keeps the registry open to any authenticated caller."
  type        = list(string)
  default     = []
}

variable "pull_principal_ids" {
  description = "Principals granted AcrPull (e.g. the AKS kubelet identity), keyed by a stable label."
  type        = map(string)
  default     = {}
}

variable "push_principal_ids" {
  description = "Principals granted AcrPush (the CI identity that builds images), keyed by a stable label."
  type        = map(string)
  default     = {}
}

variable "diagnostics" {
  description = "When set, registry login and repository events go to this Log Analytics workspace."
  type = object({
    log_analytics_workspace_id = string
  })
  default = null
}

variable "tags" {
  description = "Tags applied to the registry."
  type        = map(string)
  default     = {}
}
