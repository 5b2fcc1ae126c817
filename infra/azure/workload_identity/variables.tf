variable "name" {
  description = "Name of the user-assigned identity, e.g. anl-dev-demo-hive-id."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$", var.name))
    error_message = "Identity names are 3-128 characters of letters, digits, '-' and '_', starting with a letter or digit."
  }
}

variable "resource_group_name" {
  description = "Resource group of the identity."
  type        = string
}

variable "location" {
  description = "Azure region of the identity."
  type        = string
}

variable "oidc_issuer_url" {
  description = "OIDC issuer URL of the AKS cluster whose service account tokens are trusted."
  type        = string

  validation {
    condition     = startswith(var.oidc_issuer_url, "https://")
    error_message = "oidc_issuer_url must be an https URL (the cluster's oidc_issuer_url)."
  }
}

variable "namespace" {
  description = "Kubernetes namespace of the service account."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label."
  }
}

variable "service_account" {
  description = "Name of the Kubernetes service account that may assume the identity."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.service_account))
    error_message = "service_account must be a DNS-1123 subdomain."
  }
}

variable "role_assignments" {
  description = "Azure roles for the identity, keyed by a stable label. role_definition_name defaults to Storage Blob Data Contributor (read/write on ADLS data, no account management)."
  type = map(object({
    scope                = string
    role_definition_name = optional(string, "Storage Blob Data Contributor")
  }))
  default = {}
}

variable "tags" {
  description = "Tags applied to the identity."
  type        = map(string)
  default     = {}
}
