variable "name" {
  description = "Name of the Log Analytics workspace, e.g. anl-dev-log."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$", var.name))
    error_message = "Workspace names are 4-63 characters of letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "resource_group_name" {
  description = "Resource group of the workspace."
  type        = string
}

variable "location" {
  description = "Azure region of the workspace."
  type        = string
}

variable "retention_in_days" {
  description = "Interactive retention of the workspace in days (30-730)."
  type        = number
  default     = 30

  validation {
    condition     = var.retention_in_days >= 30 && var.retention_in_days <= 730
    error_message = "retention_in_days must be between 30 and 730."
  }
}

variable "daily_quota_gb" {
  description = "Daily ingestion cap in GB; -1 for no cap. A cap protects non-production environments from a runaway log source."
  type        = number
  default     = -1
}

variable "tags" {
  description = "Tags applied to the workspace."
  type        = map(string)
  default     = {}
}
