# Inputs named after the outputs of ../infra: auto passes them after applying
# the customer infra root. Like every variable, secrets arrive in the 0600
# variables file auto attaches (-var-file=), never on the command line.

variable "environment" {
  description = "Environment this root belongs to. auto passes it; any other value is refused so a root is never applied with another environment's settings."
  type        = string
  default     = "dev"

  validation {
    condition     = var.environment == "dev"
    error_message = "This root belongs to environment dev."
  }
}

variable "customer" {
  description = "Customer this root belongs to. auto passes it; any other value is refused so a root is never applied with another customer's settings."
  type        = string
  default     = "demo"

  validation {
    condition     = var.customer == "demo"
    error_message = "This root belongs to customer demo."
  }
}

variable "kube_context" {
  description = "kubeconfig context of the environment's cluster (env.toml [kubernetes].context)."
  type        = string
  default     = "aks-anl-dev"
}

variable "kubeconfig_path" {
  description = "kubeconfig file holding kube_context."
  type        = string
  default     = "~/.kube/config"
}

variable "namespace" {
  description = "Customer namespace (infra output namespace)."
  type        = string
  default     = "cust-demo"
}

variable "postgres_fqdn" {
  description = "Flexible server FQDN (infra output postgres_fqdn)."
  type        = string
}

variable "superset_database_name" {
  description = "Superset metadata database (infra output superset_database_name)."
  type        = string
}

variable "superset_db_user" {
  description = "Superset database role (infra output superset_db_user)."
  type        = string
}

variable "superset_db_password" {
  description = "Password of superset_db_user (infra output superset_db_password). Ephemeral: not stored in saved plans; written to the cluster write-only."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_password_version" {
  description = "Password version (infra output db_password_version); a new value rewrites the secret and rolls Superset."
  type        = number
  default     = 1
}

variable "superset_hostname" {
  description = "Public host name (infra output superset_hostname)."
  type        = string
  default     = "demo.dev.analytics.example.com"
}

variable "superset_image" {
  description = "Superset image built from apps/superset/docker; auto passes the tag it built."
  type        = string
  default     = "acranldev.azurecr.io/superset:6.1.0"
}

variable "admin_email" {
  description = "E-mail of the bootstrap administrator."
  type        = string
  default     = "platform-team@example.com"
}

variable "tls_secret_name" {
  description = "TLS secret for superset_hostname in the namespace (cert-manager); null serves HTTP, acceptable only in development."
  type        = string
  default     = null
}

variable "trino_host" {
  description = "In-cluster host of the shared Trino coordinator (Trino root output host)."
  type        = string
  default     = "trino.trino.svc.cluster.local"
}

variable "trino_port" {
  description = "Port of the Trino coordinator."
  type        = number
  default     = 8080
}
