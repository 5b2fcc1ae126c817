variable "namespace" {
  description = "Customer namespace Superset runs in (created by the customer infra root)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label."
  }
}

variable "name" {
  description = "Name of the Deployment, Service, ConfigMap and Ingress."
  type        = string
  default     = "superset"
}

variable "image" {
  description = "Superset image with psycopg2 and the trino driver installed (apps/superset/docker, FROM apache/superset)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$", var.image))
    error_message = "image must be a fully qualified reference such as acranldev.azurecr.io/superset:6.1.0."
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

variable "replicas" {
  description = "Web server replicas."
  type        = number
  default     = 2

  validation {
    condition     = var.replicas >= 1 && var.replicas <= 10
    error_message = "replicas must be between 1 and 10."
  }
}

variable "gunicorn_workers" {
  description = "Gunicorn worker processes per pod (SERVER_WORKER_AMOUNT of the image's run-server.sh)."
  type        = number
  default     = 4
}

variable "database" {
  description = "Superset metadata database on the flexible server: host (FQDN), name and user."
  type = object({
    host = string
    name = string
    user = string
    port = optional(number, 5432)
  })
}

variable "database_password" {
  description = "Password of database.user; written to a Kubernetes secret with a write-only attribute."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "database_password_version" {
  description = "Revision of database_password; bump to push a new one and roll the pods."
  type        = number
  default     = 1
}

variable "secret_key_version" {
  description = "Bump to generate a new SECRET_KEY. Run `superset re-encrypt-secrets` with the previous key first, or stored connection passwords become unreadable."
  type        = number
  default     = 1
}

variable "admin" {
  description = "Bootstrap administrator. Its password is generated (output admin_password); bump password_version to rotate it."
  type = object({
    username         = optional(string, "admin")
    email            = string
    first_name       = optional(string, "Superset")
    last_name        = optional(string, "Admin")
    password_version = optional(number, 1)
  })
}

variable "trino" {
  description = "Trino connection registered in Superset as trino://{user}@{host}:{port}/{catalog}; catalog is the customer's own catalog."
  type = object({
    host          = string
    port          = optional(number, 8080)
    catalog       = string
    user          = string
    database_name = optional(string)
  })
}

variable "hostname" {
  description = "Public host name of this customer's Superset (DNS record created by the customer infra root). Null disables the Ingress."
  type        = string
  default     = null
}

variable "ingress_class_name" {
  description = "IngressClass serving the host (AKS application routing add-on by default)."
  type        = string
  default     = "webapprouting.kubernetes.azure.com"
}

variable "tls_secret_name" {
  description = "Secret with the TLS certificate for hostname (e.g. issued by cert-manager). Null serves plain HTTP and disables secure-only cookies: development only."
  type        = string
  default     = null
}

variable "redis_secret_name" {
  description = "Optional existing secret in the namespace with key REDIS_URL (rediss://...) for shared caching and rate limiting. Null uses a per-process cache."
  type        = string
  default     = null
}

variable "resources" {
  description = "Web container requests and limits."
  type = object({
    requests_cpu    = optional(string, "500m")
    requests_memory = optional(string, "1Gi")
    limits_cpu      = optional(string, "2")
    limits_memory   = optional(string, "2Gi")
  })
  default = {}
}

variable "run_as_user" {
  description = "UID/GID the containers run as (the apache/superset image's superset user is 1000)."
  type        = number
  default     = 1000
}

variable "node_selector" {
  description = "Node labels the pods must match, e.g. the user pool label."
  type        = map(string)
  default     = {}
}

variable "bootstrap_timeout" {
  description = "How long Terraform waits for the bootstrap Job (migrations can be slow on a major upgrade)."
  type        = string
  default     = "20m"
}

variable "labels" {
  description = "Extra labels for every object."
  type        = map(string)
  default     = {}
}
