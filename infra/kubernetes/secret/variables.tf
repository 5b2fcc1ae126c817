variable "name" {
  description = "Secret name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 subdomain."
  }
}

variable "namespace" {
  description = "Namespace of the secret."
  type        = string
}

variable "data" {
  description = "Secret data (plain strings; the provider base64-encodes them). Written with the write-only data_wo attribute: never stored in state or plan, so ephemeral values are accepted."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "revision" {
  description = "Bump whenever data changes: write-only data is only sent to the cluster when the revision changes (and on create)."
  type        = number
  default     = 1

  validation {
    condition     = var.revision >= 1 && floor(var.revision) == var.revision
    error_message = "revision must be a positive integer."
  }
}

variable "labels" {
  description = "Labels of the secret."
  type        = map(string)
  default     = {}
}
