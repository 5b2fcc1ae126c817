variable "databases" {
  description = "The customer's databases keyed by application (hive, superset). Each gets a login role that owns it."
  type = map(object({
    database         = string
    role             = string
    connection_limit = optional(number, 50)
  }))

  validation {
    condition = alltrue(flatten([
      for d in values(var.databases) : [
        can(regex("^[a-z_][a-z0-9_]{0,62}$", d.database)),
        can(regex("^[a-z_][a-z0-9_]{0,62}$", d.role)),
      ]
    ]))
    error_message = "Database and role names must be lowercase PostgreSQL identifiers (letters, digits, underscores; at most 63 characters)."
  }

  validation {
    condition     = alltrue([for d in values(var.databases) : d.connection_limit >= 1])
    error_message = "connection_limit must be at least 1: the flexible server's max_connections is shared by every customer."
  }
}

variable "password_version" {
  description = "Bump to rotate every role password of this customer: new passwords are generated and pushed with the roles' write-only password_wo."
  type        = number
  default     = 1

  validation {
    condition     = var.password_version >= 1 && floor(var.password_version) == var.password_version
    error_message = "password_version must be a positive integer."
  }
}

variable "lc_collate" {
  description = "Collation of the databases (Azure flexible server locales, e.g. en_US.utf8)."
  type        = string
  default     = "en_US.utf8"
}
