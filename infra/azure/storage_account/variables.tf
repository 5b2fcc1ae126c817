variable "name" {
  description = "Storage account name (globally unique, 3-24 lowercase letters and digits), e.g. stanldevdemo."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.name))
    error_message = "Storage account names are 3-24 lowercase letters and digits."
  }
}

variable "resource_group_name" {
  description = "Resource group of the account."
  type        = string
}

variable "location" {
  description = "Azure region of the account."
  type        = string
}

variable "replication_type" {
  description = "Redundancy: LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS. ZRS survives a zone outage without paying for a secondary region."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.replication_type)
    error_message = "replication_type must be LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS."
  }
}

variable "shared_access_key_enabled" {
  description = "Allow account-key (Shared Key) authorization. Required while a consumer authenticates with the key (Trino's azure.auth-type=ACCESS_KEY); Hive uses workload identity either way."
  type        = bool
  default     = true
}

variable "filesystems" {
  description = "ADLS Gen2 filesystems (containers) to create in the account."
  type        = set(string)

  validation {
    condition     = alltrue([for f in var.filesystems : can(regex("^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$", f))])
    error_message = "Filesystem names are 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit."
  }
}

variable "allowed_subnet_ids" {
  description = "Subnets (with the Microsoft.Storage service endpoint) admitted by the firewall: the AKS node subnet, runner subnets."
  type        = list(string)
  default     = []
}

variable "allowed_ip_ranges" {
  description = "Public CIDRs admitted by the firewall, e.g. CI egress that creates the filesystems. Storage IP rules do not accept /31 or /32 prefixes: give plain IPs for single hosts."
  type        = list(string)
  default     = []
}

variable "blob_soft_delete_days" {
  description = "Days deleted blobs and containers can be restored (1-365)."
  type        = number
  default     = 14

  validation {
    condition     = var.blob_soft_delete_days >= 1 && var.blob_soft_delete_days <= 365
    error_message = "blob_soft_delete_days must be between 1 and 365."
  }
}

variable "diagnostics" {
  description = "When set, blob service logs and metrics go to this Log Analytics workspace."
  type = object({
    log_analytics_workspace_id = string
  })
  default = null
}

variable "tags" {
  description = "Tags applied to the account."
  type        = map(string)
  default     = {}
}
