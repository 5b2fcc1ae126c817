variable "name" {
  description = "Name of the Deployment; also of the PodDisruptionBudget, and of the Service and NetworkPolicy unless they are given their own."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 label."
  }
}

variable "namespace" {
  description = "Namespace of every object."
  type        = string
}

variable "labels" {
  description = "Labels of every object. The Deployment and its pods also carry selector_labels."
  type        = map(string)
  default     = {}
}

variable "selector_labels" {
  description = "Labels that identify the pods: the Deployment selector, and what the Service, PodDisruptionBudget, topology spread and NetworkPolicy select. They must not change over the life of the Deployment (its selector is immutable)."
  type        = map(string)

  validation {
    condition     = length(var.selector_labels) > 0
    error_message = "selector_labels must not be empty: an empty selector would match every pod of the namespace."
  }
}

variable "pod_labels" {
  description = "Extra labels of the pod template only (e.g. azure.workload.identity/use)."
  type        = map(string)
  default     = {}
}

variable "pod_annotations" {
  description = "Annotations of the pod template. Put checksums of the configuration and secret revisions here: a change rolls the pods."
  type        = map(string)
  default     = {}
}

variable "replicas" {
  description = "Number of pods."
  type        = number

  validation {
    condition     = var.replicas >= 1 && floor(var.replicas) == var.replicas
    error_message = "replicas must be a positive integer."
  }
}

variable "strategy" {
  description = "RollingUpdate (one extra pod at a time, none unavailable) or Recreate (old pods stop before new ones start)."
  type        = string
  default     = "RollingUpdate"

  validation {
    condition     = contains(["RollingUpdate", "Recreate"], var.strategy)
    error_message = "strategy must be RollingUpdate or Recreate."
  }
}

variable "service_account_name" {
  description = "Service account of the pods (see infra/kubernetes/service_account). Its API token is not mounted."
  type        = string
}

variable "node_selector" {
  description = "Node labels the pods must match, e.g. the user pool label."
  type        = map(string)
  default     = {}
}

variable "termination_grace_period_seconds" {
  description = "Time a pod gets between SIGTERM and SIGKILL."
  type        = number
  default     = 60
}

variable "run_as_user" {
  description = "UID the container runs as; also its GID and the fsGroup of the volumes. Must be the image's non-root user."
  type        = number

  validation {
    condition     = var.run_as_user > 0
    error_message = "run_as_user must not be 0: the pods run as non-root."
  }
}

variable "topology_spread_keys" {
  description = "Node label keys the pods are spread over, one soft (ScheduleAnyway) constraint each, e.g. kubernetes.io/hostname and topology.kubernetes.io/zone."
  type        = list(string)
  default     = ["kubernetes.io/hostname"]
}

variable "container_name" {
  description = "Name of the container."
  type        = string
}

variable "image" {
  description = "Container image. The app modules validate their own image references."
  type        = string

  validation {
    condition     = length(var.image) > 0
    error_message = "image must not be empty."
  }
}

variable "image_pull_policy" {
  description = "IfNotPresent suits immutable (versioned or content-hash) tags; use Always for mutable tags."
  type        = string
  default     = "IfNotPresent"

  validation {
    condition     = contains(["Always", "IfNotPresent"], var.image_pull_policy)
    error_message = "image_pull_policy must be Always or IfNotPresent."
  }
}

variable "ports" {
  description = "TCP ports of the container by name (name => port). The Service exposes each one under the same name and number."
  type        = map(number)

  validation {
    condition     = length(var.ports) > 0 && alltrue([for n, p in var.ports : can(regex("^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$", n)) && p >= 1 && p <= 65535])
    error_message = "ports needs at least one entry; names are at most 15 lowercase letters, digits and '-', ports 1-65535."
  }
}

variable "env" {
  description = "Plain environment variables (name => value)."
  type        = map(string)
  default     = {}
}

variable "secret_env" {
  description = "Environment variables read from secrets (name => { secret, key }). Read at container start: put the secret's revision in pod_annotations so a new value rolls the pods."
  type = map(object({
    secret = string
    key    = string
  }))
  default = {}
}

variable "resources" {
  description = "Container requests and limits."
  type = object({
    requests_cpu    = string
    requests_memory = string
    limits_cpu      = string
    limits_memory   = string
  })
}

variable "probes" {
  description = <<-EOT
    The startup, readiness and liveness probes, each with exactly one check:
    http_get { path, port }, tcp_socket { port } or exec { command } (port by
    name or number). Timings left null default to: startup every 10 s, 30
    failures (up to five minutes before liveness checks begin), timeout 1 s;
    readiness every 10 s, timeout 5 s, 3 failures; liveness every 20 s,
    timeout 5 s, 3 failures.
  EOT
  type = map(object({
    http_get = optional(object({
      path = string
      port = string
    }))
    tcp_socket = optional(object({
      port = string
    }))
    exec = optional(object({
      command = list(string)
    }))
    period_seconds    = optional(number)
    timeout_seconds   = optional(number)
    failure_threshold = optional(number)
  }))

  validation {
    condition     = length(var.probes) == 3 && alltrue([for kind in ["startup", "readiness", "liveness"] : contains(keys(var.probes), kind)])
    error_message = "probes must have exactly the keys startup, readiness and liveness."
  }

  validation {
    condition     = alltrue([for p in values(var.probes) : length([for check in [p.http_get, p.tcp_socket, p.exec] : check if check != null]) == 1])
    error_message = "Each probe needs exactly one of http_get, tcp_socket or exec."
  }
}

variable "volumes" {
  description = "Pod volumes, in order: each a config_map (ConfigMap name) or an emptyDir of empty_dir_size_limit (e.g. \"1Gi\"), not both. The root filesystem is read-only, so anything the app writes needs an emptyDir."
  type = list(object({
    name                 = string
    config_map           = optional(string)
    empty_dir_size_limit = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for v in var.volumes : (v.config_map == null) != (v.empty_dir_size_limit == null)])
    error_message = "Each volume needs exactly one of config_map or empty_dir_size_limit."
  }
}

variable "volume_mounts" {
  description = "Volume mounts of the container, in order: volume (a name from volumes), mount_path, optional sub_path (one file of the volume) and read_only."
  type = list(object({
    volume     = string
    mount_path = string
    sub_path   = optional(string)
    read_only  = optional(bool, false)
  }))
  default = []

  validation {
    condition     = alltrue([for m in var.volume_mounts : contains([for v in var.volumes : v.name], m.volume)])
    error_message = "Every volume mount must name a volume of volumes."
  }
}

variable "service" {
  description = "ClusterIP Service selecting the pods and exposing every port of ports; name defaults to var.name. null: no Service."
  type = object({
    name = optional(string)
  })
  default = {}
}

variable "pod_disruption_budget" {
  description = "Whether a PodDisruptionBudget lets voluntary disruptions (node drains) take at most one pod at a time."
  type        = bool
  default     = true
}

variable "network_policy" {
  description = <<-EOT
    Ingress NetworkPolicy; null: none. It selects pod_selector (default
    selector_labels) and is named name (default var.name). Each ingress rule
    admits traffic from the pods of the policy's own namespace
    (from_own_namespace), of the namespaces in from_namespaces and/or of every
    namespace (from_all_namespaces), to the named container ports in ports
    (empty: every port).
  EOT
  type = object({
    name         = optional(string)
    pod_selector = optional(map(string))
    ingress = list(object({
      from_own_namespace  = optional(bool, false)
      from_namespaces     = optional(list(string))
      from_all_namespaces = optional(bool, false)
      ports               = optional(list(string), [])
    }))
  })
  default = null

  validation {
    condition     = var.network_policy == null || alltrue([for r in try(var.network_policy.ingress, []) : r.from_own_namespace || r.from_namespaces != null || r.from_all_namespaces])
    error_message = "Each ingress rule needs at least one source (a rule without one would admit every pod of the cluster)."
  }
}
