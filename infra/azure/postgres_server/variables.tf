variable "name" {
  description = "Flexible server name (globally unique DNS label), e.g. anl-dev-psql."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.name))
    error_message = "Server names are 3-63 characters of lowercase letters, digits and hyphens, not starting or ending with a hyphen."
  }
}

variable "resource_group_name" {
  description = "Resource group of the server and its private DNS zone."
  type        = string
}

variable "location" {
  description = "Azure region of the server."
  type        = string
}

variable "postgres_version" {
  description = "PostgreSQL major version. 15+ makes the public schema owned by the database owner, which the customer database module relies on."
  type        = string
  default     = "16"

  validation {
    condition     = contains(["15", "16", "17"], var.postgres_version)
    error_message = "postgres_version must be 15, 16 or 17."
  }
}

variable "sku_name" {
  description = "Compute SKU: <tier>_<size>, e.g. B_Standard_B2ms (dev), GP_Standard_D4ds_v5 (prod)."
  type        = string
  default     = "GP_Standard_D2ds_v5"

  validation {
    condition     = can(regex("^(B|GP|MO)_Standard_[A-Za-z0-9_]+$", var.sku_name))
    error_message = "sku_name must look like B_Standard_B2ms, GP_Standard_D4ds_v5 or MO_Standard_E4ds_v5."
  }
}

variable "storage_mb" {
  description = "Provisioned storage in MiB (can only grow). Auto-grow is enabled on top."
  type        = number
  default     = 32768

  validation {
    condition     = contains([32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608, 16777216, 33553408], var.storage_mb)
    error_message = "storage_mb must be one of the sizes Azure offers (32768, 65536, 131072, ...)."
  }
}

variable "zone" {
  description = "Availability zone of the primary."
  type        = string
  default     = "1"
}

variable "high_availability" {
  description = "Zone-redundant standby in standby_zone. Null disables HA (acceptable for dev/qa: restore from backup instead)."
  type = object({
    standby_zone = string
  })
  default = null
}

variable "backup_retention_days" {
  description = "Point-in-time restore window in days (7-35)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "geo_redundant_backup_enabled" {
  description = "Replicate backups to the paired region (cannot be changed after creation)."
  type        = bool
  default     = true
}

variable "delegated_subnet_id" {
  description = "Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers (VNet integration; the server gets no public endpoint)."
  type        = string
}

variable "virtual_network_id" {
  description = "VNet the private DNS zone is linked to, so pods and runners in it resolve the server FQDN to its private IP."
  type        = string
}

variable "administrator_login" {
  description = "Administrator login (member of azure_pg_admin, not a superuser)."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.administrator_login)) && !contains(["admin", "administrator", "root", "azure_superuser", "azure_pg_admin", "guest", "public", "postgres"], var.administrator_login)
    error_message = "administrator_login must be a lowercase PostgreSQL identifier and not a reserved name (admin, root, postgres, azure_* ...)."
  }
}

variable "administrator_password" {
  description = "Administrator password, written with a write-only attribute so it never lands in state or plan. Pass an ephemeral value."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "administrator_password_version" {
  description = "Bump to push a new administrator_password (write-only attributes are only sent when this changes)."
  type        = number
  default     = 1
}

variable "entra_administrator" {
  description = "Optional Entra ID administrator (group recommended) for human access with tokens instead of the password."
  type = object({
    object_id      = string
    principal_name = string
    principal_type = optional(string, "Group")
  })
  default = null
}

variable "tenant_id" {
  description = "Entra tenant for Microsoft Entra authentication on the server."
  type        = string
}

variable "server_parameters" {
  description = "Server parameters to set, merged over the secure defaults of this module (connection logging, TLS 1.2+)."
  type        = map(string)
  default     = {}
}

variable "diagnostics" {
  description = "When set, server logs and metrics go to this Log Analytics workspace."
  type = object({
    log_analytics_workspace_id = string
  })
  default = null
}

variable "tags" {
  description = "Tags applied to the server and its private DNS zone."
  type        = map(string)
  default     = {}
}
