variable "name" {
  description = "Key Vault name (globally unique), e.g. anl-dev-kv."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.name)) && !can(regex("--", var.name))
    error_message = "Key Vault names are 3-24 characters of letters, digits and single hyphens, starting with a letter."
  }
}

variable "resource_group_name" {
  description = "Resource group of the vault."
  type        = string
}

variable "location" {
  description = "Azure region of the vault."
  type        = string
}

variable "tenant_id" {
  description = "Entra tenant that authenticates requests to the vault."
  type        = string
}

variable "sku_name" {
  description = "standard, or premium for HSM-backed keys."
  type        = string
  default     = "standard"

  validation {
    condition     = contains(["standard", "premium"], var.sku_name)
    error_message = "sku_name must be standard or premium."
  }
}

variable "purge_protection_enabled" {
  description = "Prevent permanent deletion during the soft-delete window. Cannot be turned off once on."
  type        = bool
  default     = true
}

variable "soft_delete_retention_days" {
  description = "Days a deleted vault or secret can be recovered (7-90)."
  type        = number
  default     = 90

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90
    error_message = "soft_delete_retention_days must be between 7 and 90."
  }
}

variable "allowed_ip_ranges" {
  description = "Public CIDRs admitted by the vault firewall (operators, hosted CI egress). Everything else is denied."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_ip_ranges : can(cidrhost(c, 0))])
    error_message = "allowed_ip_ranges must contain CIDR blocks."
  }
}

variable "allowed_subnet_ids" {
  description = "Subnets (with the Microsoft.KeyVault service endpoint) admitted by the vault firewall, e.g. a self-hosted runner subnet."
  type        = list(string)
  default     = []
}

variable "secrets_officer_principal_ids" {
  description = "Principals that write secrets (the deployment identity), keyed by a stable label: Key Vault Secrets Officer."
  type        = map(string)
  default     = {}
}

variable "secrets_user_principal_ids" {
  description = "Principals that only read secrets, keyed by a stable label: Key Vault Secrets User."
  type        = map(string)
  default     = {}
}

variable "diagnostics" {
  description = "When set, the vault's audit log goes to this Log Analytics workspace."
  type = object({
    log_analytics_workspace_id = string
  })
  default = null
}

variable "tags" {
  description = "Tags applied to the vault."
  type        = map(string)
  default     = {}
}
