variable "zone_name" {
  description = "Public DNS zone, e.g. dev.analytics.example.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.zone_name))
    error_message = "zone_name must be a lowercase DNS name such as dev.analytics.example.com."
  }
}

variable "resource_group_name" {
  description = "Resource group of the zone."
  type        = string
}

variable "create_zone" {
  description = "True in the environment root that owns the zone; false in customer roots that only add records to it."
  type        = bool
  default     = true
}

variable "a_records" {
  description = "A records keyed by relative name. Use target_resource_id (an alias to a public IP, follows IP changes) or records (literal IPs)."
  type = map(object({
    ttl                = optional(number, 300)
    target_resource_id = optional(string)
    records            = optional(list(string))
  }))
  default = {}

  validation {
    condition     = alltrue([for r in values(var.a_records) : (r.target_resource_id == null) != (r.records == null)])
    error_message = "Each A record needs exactly one of target_resource_id or records."
  }
}

variable "cname_records" {
  description = "CNAME records keyed by relative name."
  type = map(object({
    ttl    = optional(number, 300)
    record = string
  }))
  default = {}
}

variable "tags" {
  description = "Tags applied to the zone and records."
  type        = map(string)
  default     = {}
}
