# Every variable is required: the customer hive roots
# (environments/<env>/<customer>/hive, scaffolded from templates/customer) hold
# the defaults and the guards on environment and customer. Inputs are named
# after the outputs of the customer infra root (infra/stacks/customer).

variable "environment" {
  description = "Environment the customer is onboarded in (labels)."
  type        = string
}

variable "customer" {
  description = "Customer id (labels)."
  type        = string
}

variable "namespace" {
  description = "Customer namespace (infra output namespace)."
  type        = string
}

variable "storage_account_name" {
  description = "Customer ADLS Gen2 account (infra output storage_account_name)."
  type        = string
}

variable "filesystem_name" {
  description = "Customer ADLS Gen2 filesystem (infra output filesystem_name)."
  type        = string
}

variable "postgres_fqdn" {
  description = "Flexible server FQDN (infra output postgres_fqdn)."
  type        = string
}

variable "hive_database_name" {
  description = "Metastore database (infra output hive_database_name)."
  type        = string
}

variable "hive_db_user" {
  description = "Metastore database role (infra output hive_db_user)."
  type        = string
}

variable "hive_db_password" {
  description = "Password of hive_db_user (infra output hive_db_password). Ephemeral: not stored in saved plans; written to the cluster write-only."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_password_version" {
  description = "Password version (infra output db_password_version); a new value rewrites the secret and rolls the metastore."
  type        = number
}

variable "hive_identity_client_id" {
  description = "Client ID of the Hive workload identity (infra output hive_identity_client_id)."
  type        = string
}

variable "hive_service_account_name" {
  description = "Service account federated with the identity (infra output hive_service_account_name)."
  type        = string
}

variable "hive_image" {
  description = "Hive metastore image built from apps/hive/docker; auto passes the tag it built."
  type        = string
}

variable "replicas" {
  description = "Metastore replicas."
  type        = number
}
