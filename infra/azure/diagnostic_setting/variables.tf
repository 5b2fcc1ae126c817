variable "name" {
  description = "Name of the diagnostic setting (unique per target resource)."
  type        = string
  default     = "to-log-analytics"
}

variable "target_resource_id" {
  description = "Resource ID whose platform logs and metrics are exported."
  type        = string
}

variable "log_analytics_workspace_id" {
  description = "Resource ID of the Log Analytics workspace receiving the logs."
  type        = string
}

variable "log_category_groups" {
  description = "Log category groups to export. 'allLogs' for everything, 'audit' for the security-relevant subset only."
  type        = list(string)
  default     = ["allLogs"]

  validation {
    condition     = alltrue([for g in var.log_category_groups : contains(["allLogs", "audit"], g)])
    error_message = "log_category_groups entries must be allLogs or audit."
  }
}

variable "metric_categories" {
  description = "Metric categories to export; an empty list exports none."
  type        = list(string)
  default     = ["AllMetrics"]
}
