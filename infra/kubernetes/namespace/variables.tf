variable "name" {
  description = "Namespace name (DNS-1123 label)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters."
  }
}

variable "labels" {
  description = "Extra labels (e.g. platform.analytics/customer). Pod Security labels are set from pod_security_level."
  type        = map(string)
  default     = {}
}

variable "pod_security_level" {
  description = "Pod Security Standard enforced on the namespace: restricted (default; every platform workload complies), baseline or privileged."
  type        = string
  default     = "restricted"

  validation {
    condition     = contains(["restricted", "baseline", "privileged"], var.pod_security_level)
    error_message = "pod_security_level must be restricted, baseline or privileged."
  }
}

variable "quota" {
  description = "ResourceQuota hard limits for the whole namespace (sum over all pods)."
  type = object({
    requests_cpu    = optional(string, "8")
    requests_memory = optional(string, "32Gi")
    limits_cpu      = optional(string, "16")
    limits_memory   = optional(string, "48Gi")
    pods            = optional(string, "50")
    services        = optional(string, "20")
    pvcs            = optional(string, "10")
  })
  default = {}
}

variable "container_defaults" {
  description = "LimitRange defaults applied to containers that declare no requests/limits (every platform workload declares its own)."
  type = object({
    request_cpu    = optional(string, "100m")
    request_memory = optional(string, "128Mi")
    limit_cpu      = optional(string, "1")
    limit_memory   = optional(string, "1Gi")
    max_cpu        = optional(string, "8")
    max_memory     = optional(string, "32Gi")
  })
  default = {}
}
