# Same inputs as environments/<env>/<customer>/superset of a real environment
# (engine/tests/twins.rs keeps them equal).

variable "environment" {
  description = "Environment this root belongs to. auto passes it; any other value is refused so a root is never applied with another environment's settings."
  type        = string
  default     = "test"

  validation {
    condition     = var.environment == "test"
    error_message = "This root belongs to environment test."
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
  description = "kubeconfig context (env.toml [kubernetes].context)."
  type        = string
  default     = "auto-test"
}

variable "kubeconfig_path" {
  description = "Unused stand-in for the kubeconfig path."
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
  description = "Password of superset_db_user (infra output superset_db_password). Ephemeral: not stored in saved plans or state; only checked to be set at apply."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_password_version" {
  description = "Password version (infra output db_password_version)."
  type        = number
  default     = 1
}

variable "superset_hostname" {
  description = "Public host name (infra output superset_hostname)."
  type        = string
  default     = "demo.test.analytics.example.com"
}

variable "superset_image" {
  description = "Superset image."
  type        = string
  default     = "127.0.0.1:5000/superset:6.1.0"
}

variable "admin_email" {
  description = "E-mail of the bootstrap administrator."
  type        = string
  default     = "platform-team@example.com"
}

variable "tls_secret_name" {
  description = "TLS secret for superset_hostname; null serves HTTP."
  type        = string
  default     = null
}

variable "trino_host" {
  description = "In-cluster host of the Trino coordinator."
  type        = string
  default     = "trino.trino.svc.cluster.local"
}

variable "trino_port" {
  description = "Port of the Trino coordinator."
  type        = number
  default     = 8080
}
