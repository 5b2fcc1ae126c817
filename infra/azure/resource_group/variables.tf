variable "name" {
  description = "Resource group name, e.g. anl-dev-rg."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9._()-]{1,89}[a-zA-Z0-9_()-]$", var.name))
    error_message = "Resource group names are 1-90 characters of letters, digits, '.', '_', '-', '(' and ')' and must not end with a period."
  }
}

variable "location" {
  description = "Azure region (programmatic name, e.g. westeurope)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+[a-z0-9]*$", var.location))
    error_message = "location must be a programmatic Azure region name such as westeurope (lowercase, no spaces)."
  }
}

variable "lock_level" {
  description = "Management lock on the group: null (none), CanNotDelete or ReadOnly. Use CanNotDelete for groups that hold state or data."
  type        = string
  default     = null

  validation {
    condition     = var.lock_level == null || contains(["CanNotDelete", "ReadOnly"], coalesce(var.lock_level, "none"))
    error_message = "lock_level must be null, CanNotDelete or ReadOnly."
  }
}

variable "tags" {
  description = "Tags applied to the resource group."
  type        = map(string)
  default     = {}
}
