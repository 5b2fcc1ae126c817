variable "name" {
  description = "Virtual network name, e.g. anl-dev-vnet. Subnet and NSG names are derived from it."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}[a-zA-Z0-9_]$", var.name))
    error_message = "Virtual network names are 2-64 characters of letters, digits, '.', '_' and '-'."
  }
}

variable "resource_group_name" {
  description = "Resource group of the network."
  type        = string
}

variable "location" {
  description = "Azure region of the network."
  type        = string
}

variable "address_space" {
  description = "Address space of the virtual network (CIDR blocks). Must not overlap with peered networks or with the AKS pod and service CIDRs."
  type        = list(string)

  validation {
    condition     = length(var.address_space) > 0 && alltrue([for c in var.address_space : can(cidrhost(c, 0))])
    error_message = "address_space must contain at least one valid CIDR block."
  }
}

variable "subnets" {
  description = <<-EOT
    Subnets keyed by a stable role name (e.g. aks_nodes, postgres). Each gets its own NSG.
    name: Azure subnet name; defaults to <vnet>-<key>-snet.
    delegation: service delegation such as Microsoft.DBforPostgreSQL/flexibleServers.
    service_endpoints: e.g. ["Microsoft.Storage"] so storage firewalls can admit the subnet.
  EOT
  type = map(object({
    name              = optional(string)
    address_prefixes  = list(string)
    service_endpoints = optional(list(string), [])
    delegation = optional(object({
      service = string
      actions = list(string)
    }))
  }))

  validation {
    condition = alltrue(flatten([
      for s in values(var.subnets) : [for p in s.address_prefixes : can(cidrhost(p, 0))]
    ]))
    error_message = "Every subnet address prefix must be a valid CIDR block."
  }

  validation {
    condition     = alltrue([for k in keys(var.subnets) : can(regex("^[a-z][a-z0-9_]{1,40}$", k))])
    error_message = "Subnet keys must be lowercase identifiers (letters, digits, underscores)."
  }
}

variable "tags" {
  description = "Tags applied to the network and its security groups."
  type        = map(string)
  default     = {}
}
