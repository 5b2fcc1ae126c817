variable "name" {
  description = "Secret name (1-127 letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,127}$", var.name))
    error_message = "Key Vault secret names are 1-127 characters of letters, digits and hyphens."
  }
}

variable "key_vault_id" {
  description = "Resource ID of the vault."
  type        = string
}

variable "value" {
  description = "Secret value. Written through the write-only value_wo attribute, so it never reaches state or plan; ephemeral values are accepted."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "value_version" {
  description = "Bump to write a new value (write-only attributes are only sent when the version changes)."
  type        = number
  default     = 1
}

variable "content_type" {
  description = "What the secret is, e.g. 'PostgreSQL administrator password'. Shown to operators browsing the vault."
  type        = string
}

variable "tags" {
  description = "Tags applied to the secret."
  type        = map(string)
  default     = {}
}
