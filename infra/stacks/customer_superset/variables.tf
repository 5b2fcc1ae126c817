# Every variable is required: the customer superset roots
# (environments/<env>/<customer>/superset, scaffolded from templates/customer)
# hold the defaults and the guards on environment and customer. Inputs are
# named after the outputs of the customer infra root (infra/stacks/customer).

variable "environment" {
  description = "Environment the customer is onboarded in (labels)."
  type        = string
}

variable "customer" {
  description = "Customer id: labels, and the Trino catalog and user Superset queries as."
  type        = string
}

variable "namespace" {
  description = "Customer namespace (infra output namespace)."
  type        = string
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
}

variable "superset_hostname" {
  description = "Public host name (infra output superset_hostname)."
  type        = string
}

variable "superset_image" {
  description = "Superset image built from apps/superset/docker; auto passes the tag it built."
  type        = string
}

variable "admin_email" {
  description = "E-mail of the bootstrap administrator."
  type        = string
}

variable "tls_secret_name" {
  description = "TLS secret for superset_hostname in the namespace (cert-manager); null serves HTTP, acceptable only in development."
  type        = string
}

variable "trino_host" {
  description = "In-cluster host of the shared Trino coordinator (Trino root output host)."
  type        = string
}

variable "trino_port" {
  description = "Port of the Trino coordinator."
  type        = number
}
