variable "prefix" {
  description = "Platform naming prefix from env.toml [naming].prefix: 2-6 lowercase letters/digits, starting with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,5}$", var.prefix))
    error_message = "prefix must be 2-6 characters of [a-z0-9] and start with a letter."
  }
}

variable "environment" {
  description = "Environment name (the folder under environments/), e.g. dev or qa."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.environment))
    error_message = "environment must be 2-8 characters of [a-z0-9] and start with a letter."
  }
}

variable "customer" {
  description = "Customer id (the folder under environments/<env>/). Null when naming environment-wide resources only."
  type        = string
  default     = null

  validation {
    condition     = var.customer == null || can(regex("^[a-z][a-z0-9]{2,19}$", var.customer))
    error_message = "customer must be 3-20 characters of [a-z0-9] and start with a letter (it becomes a namespace, a database suffix and part of a storage account name)."
  }
}

variable "dns_parent_domain" {
  description = "Organisation domain under which each environment gets its public zone <environment>.<dns_parent_domain>."
  type        = string
  default     = "analytics.example.com"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.dns_parent_domain))
    error_message = "dns_parent_domain must be a lowercase DNS name."
  }
}
