variable "name" {
  description = "Service account name; must match the federated credential subject of its workload identity."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 subdomain."
  }
}

variable "namespace" {
  description = "Namespace of the service account."
  type        = string
}

variable "workload_identity_client_id" {
  description = "Client ID of the user-assigned identity this account federates with; null for an account without Azure access."
  type        = string
  default     = null

  validation {
    condition     = var.workload_identity_client_id == null || can(regex("^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", coalesce(var.workload_identity_client_id, "x")))
    error_message = "workload_identity_client_id must be a GUID (the identity's client_id) or null."
  }
}

variable "labels" {
  description = "Labels of the service account."
  type        = map(string)
  default     = {}
}
