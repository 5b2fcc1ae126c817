variable "name" {
  description = "AKS cluster name, e.g. anl-dev-aks. Also used as DNS prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$", var.name))
    error_message = "Cluster names are 2-63 characters of letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "resource_group_name" {
  description = "Resource group of the cluster resource."
  type        = string
}

variable "resource_group_id" {
  description = "Resource ID of that resource group: the cluster identity gets Network Contributor on it so LoadBalancer services can use static public IPs placed there."
  type        = string
}

variable "node_resource_group_name" {
  description = "Name of the AKS-managed node resource group (defaults to MC_* when null). Naming it keeps cost reports readable."
  type        = string
  default     = null
}

variable "location" {
  description = "Azure region of the cluster."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version (e.g. 1.33). Null lets AKS pick its default; the patch level follows automatic_upgrade_channel."
  type        = string
  default     = null

  validation {
    condition     = var.kubernetes_version == null || can(regex("^1\\.[0-9]{2}$", coalesce(var.kubernetes_version, "1.00")))
    error_message = "kubernetes_version must be a minor version such as 1.33 (patches are applied by the upgrade channel)."
  }
}

variable "sku_tier" {
  description = "Control plane tier: Free (no SLA, dev only), Standard (uptime SLA) or Premium (long-term support)."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Free, Standard or Premium."
  }
}

variable "tenant_id" {
  description = "Entra ID tenant used for Kubernetes authentication."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", var.tenant_id))
    error_message = "tenant_id must be a GUID."
  }
}

variable "admin_group_object_ids" {
  description = "Entra groups whose members are cluster administrators (Azure RBAC 'Cluster Admin' on the cluster)."
  type        = list(string)
  default     = []
}

variable "cluster_admin_principal_ids" {
  description = "Additional principals (e.g. the deployment identity that applies the app roots) that get 'Azure Kubernetes Service RBAC Cluster Admin', keyed by a stable label."
  type        = map(string)
  default     = {}
}

variable "vnet_subnet_id" {
  description = "Subnet for the nodes (Azure CNI overlay: pods get IPs from pod_cidr, nodes from this subnet)."
  type        = string
}

variable "network" {
  description = "Cluster network settings. The pod and service CIDRs must not overlap the VNet or anything peered with it."
  type = object({
    pod_cidr       = optional(string, "192.168.0.0/16")
    service_cidr   = optional(string, "172.16.0.0/16")
    dns_service_ip = optional(string, "172.16.0.10")
  })
  default = {}

  validation {
    condition     = can(cidrhost(var.network.pod_cidr, 0)) && can(cidrhost(var.network.service_cidr, 0))
    error_message = "network.pod_cidr and network.service_cidr must be valid CIDR blocks."
  }
}

variable "private_cluster_enabled" {
  description = "Expose the API server only inside the VNet. Requires runners with VNet access; when false, api_server_authorized_ip_ranges restricts the public endpoint."
  type        = bool
  default     = false
}

variable "api_server_authorized_ip_ranges" {
  description = "CIDRs allowed to reach a public API server (operators, CI egress). Ignored for private clusters."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.api_server_authorized_ip_ranges : can(cidrhost(c, 0))])
    error_message = "api_server_authorized_ip_ranges must contain CIDR blocks."
  }
}

variable "system_node_pool" {
  description = "System pool: only critical add-ons run here (CriticalAddonsOnly taint). Ephemeral OS disks need a VM size whose cache/temp disk fits os_disk_size_gb."
  type = object({
    vm_size         = optional(string, "Standard_D4ds_v5")
    min_count       = optional(number, 2)
    max_count       = optional(number, 3)
    max_pods        = optional(number, 110)
    os_disk_size_gb = optional(number, 128)
    os_disk_type    = optional(string, "Ephemeral")
    zones           = optional(list(string), ["1", "2", "3"])
  })
  default = {}

  validation {
    condition     = var.system_node_pool.min_count >= 1 && var.system_node_pool.min_count <= var.system_node_pool.max_count
    error_message = "system_node_pool needs 1 <= min_count <= max_count."
  }

  validation {
    condition     = can(regex("^Standard_[A-Za-z0-9_]+$", var.system_node_pool.vm_size))
    error_message = "system_node_pool.vm_size must be an Azure VM size such as Standard_D4ds_v5."
  }

  validation {
    condition     = var.system_node_pool.max_pods >= 50
    error_message = "system_node_pool.max_pods must be at least 50 so add-on pods do not exhaust the node."
  }
}

variable "user_node_pool" {
  description = "Autoscaling user pool for the analytics workloads (Trino, Hive, Superset). Pods select it with the label in node_labels."
  type = object({
    name            = optional(string, "workload")
    vm_size         = optional(string, "Standard_E8ds_v5")
    min_count       = optional(number, 1)
    max_count       = optional(number, 6)
    max_pods        = optional(number, 110)
    os_disk_size_gb = optional(number, 128)
    os_disk_type    = optional(string, "Ephemeral")
    zones           = optional(list(string), ["1", "2", "3"])
    node_labels     = optional(map(string), { "platform.analytics/pool" = "workload" })
  })
  default = {}

  validation {
    condition     = var.user_node_pool.min_count >= 0 && var.user_node_pool.min_count <= var.user_node_pool.max_count
    error_message = "user_node_pool needs 0 <= min_count <= max_count."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,11}$", var.user_node_pool.name))
    error_message = "user_node_pool.name must be 1-12 lowercase letters/digits starting with a letter (AKS pool name rules)."
  }

  validation {
    condition     = can(regex("^Standard_[A-Za-z0-9_]+$", var.user_node_pool.vm_size))
    error_message = "user_node_pool.vm_size must be an Azure VM size such as Standard_E8ds_v5."
  }

  validation {
    condition     = var.user_node_pool.max_pods >= 50
    error_message = "user_node_pool.max_pods must be at least 50."
  }
}

variable "host_encryption_enabled" {
  description = "Encrypt node temp disks and caches at the host. Requires the EncryptionAtHost feature to be registered on the subscription."
  type        = bool
  default     = false
}

variable "automatic_upgrade_channel" {
  description = "Control plane upgrade channel: none, patch, stable, rapid or node-image."
  type        = string
  default     = "patch"

  validation {
    condition     = contains(["none", "patch", "stable", "rapid", "node-image"], var.automatic_upgrade_channel)
    error_message = "automatic_upgrade_channel must be none, patch, stable, rapid or node-image."
  }
}

variable "diagnostics" {
  description = "When set, Container Insights (managed identity auth) and the control plane logs (API server audit, scheduler, autoscaler) go to this workspace."
  type = object({
    log_analytics_workspace_id = string
  })
  default = null
}

variable "tags" {
  description = "Tags applied to the cluster, its identity and node pools."
  type        = map(string)
  default     = {}
}
