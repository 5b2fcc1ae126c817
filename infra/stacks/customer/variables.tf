# Every variable is required: the customer infra roots
# (environments/<env>/<customer>/infra, scaffolded from templates/customer)
# hold the defaults and the guards that a root is applied only with the
# environment, customer, location and prefix it was scaffolded with.

variable "environment" {
  description = "Environment the customer is onboarded in (names, tags, labels)."
  type        = string
}

variable "customer" {
  description = "Customer id (names, tags, labels)."
  type        = string
}

variable "location" {
  description = "Azure region of the customer's resources (env.toml [azure].location)."
  type        = string
}

variable "prefix" {
  description = "Naming prefix of the platform (env.toml [naming].prefix)."
  type        = string
}

variable "operator_ip_ranges" {
  description = "Public IPs/CIDRs (CI egress, operators) admitted by the storage firewall, which Terraform needs to create the filesystem. Storage rules take plain IPs for single hosts, not /32."
  type        = list(string)
}

variable "db_password_version" {
  description = "Bump to rotate the customer's database passwords; the app roots receive the new version and roll their pods."
  type        = number
}

variable "storage_key_version" {
  description = "Bump after rotating the storage account key so the new key is written to Key Vault (then re-apply the Trino root with a new catalog_credentials_revision)."
  type        = number
}

variable "namespace_quota" {
  description = "ResourceQuota of the customer namespace (see infra/kubernetes/namespace)."
  type = object({
    requests_cpu    = optional(string, "8")
    requests_memory = optional(string, "24Gi")
    limits_cpu      = optional(string, "16")
    limits_memory   = optional(string, "32Gi")
  })
}
