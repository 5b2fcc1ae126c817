# Same inputs as environments/<env>/infra of a real environment.

variable "subscription_id" {
  description = "Unused stand-in for the Azure subscription."
  type        = string
  default     = null
}

variable "operator_ip_ranges" {
  description = "Unused stand-in for the operator allow-list."
  type        = list(string)
  default     = []
}

variable "postgres_admin_password_version" {
  description = "Stand-in for the administrator password version."
  type        = number
  default     = 1
}
