# Control plane identity is user-assigned so that its role assignments exist
# before the cluster does: AKS needs Network Contributor on a bring-your-own
# subnet, and a system-assigned identity could only be granted afterwards.
resource "azurerm_user_assigned_identity" "cluster" {
  name                = "${var.name}-id"
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

resource "azurerm_role_assignment" "subnet_network_contributor" {
  scope                = var.vnet_subnet_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
  principal_type       = "ServicePrincipal"
}

# Static public IPs for the ingress load balancer live in the environment's
# resource group (they must outlive the cluster); AKS needs to join them.
resource "azurerm_role_assignment" "resource_group_network_contributor" {
  scope                = var.resource_group_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_kubernetes_cluster" "this" {
  #checkov:skip=CKV_AZURE_226:os_disk_type comes from var.system_node_pool (default Ephemeral); checkov cannot resolve optional() defaults.
  #checkov:skip=CKV_AZURE_168:max_pods comes from var.system_node_pool (default 110, validated >= 50); checkov cannot resolve optional() defaults.
  #checkov:skip=CKV_AZURE_117:Node disks use platform-managed keys; customer data lives in ADLS and PostgreSQL, not on nodes, so a disk encryption set adds key management without reducing risk.
  #checkov:skip=CKV_AZURE_172:The Secrets Store CSI driver add-on is not enabled; secrets reach pods as Kubernetes secrets written by Terraform with write-only attributes.
  #checkov:skip=CKV_AZURE_115:The API server stays public but restricted to api_server_authorized_ip_ranges so hosted CI can reach it; set private_cluster_enabled where runners sit in the VNet.
  #checkov:skip=CKV_AZURE_227:Host encryption needs the EncryptionAtHost subscription feature; it is a variable (host_encryption_enabled) enabled per environment once registered.
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  node_resource_group = var.node_resource_group_name
  dns_prefix          = var.name
  kubernetes_version  = var.kubernetes_version
  sku_tier            = var.sku_tier

  automatic_upgrade_channel = var.automatic_upgrade_channel
  node_os_upgrade_channel   = "NodeImage"

  # Workload identity: pods exchange a projected service account token for an
  # Entra token; no secrets for Azure access live in the cluster.
  oidc_issuer_enabled       = true
  workload_identity_enabled = true

  # Entra ID authentication with Azure RBAC authorization; the static admin
  # kubeconfig is disabled so every API call is attributable to a principal.
  role_based_access_control_enabled = true
  local_account_disabled            = true

  azure_active_directory_role_based_access_control {
    tenant_id              = var.tenant_id
    azure_rbac_enabled     = true
    admin_group_object_ids = var.admin_group_object_ids
  }

  private_cluster_enabled = var.private_cluster_enabled

  dynamic "api_server_access_profile" {
    for_each = var.private_cluster_enabled ? [] : [1]

    content {
      authorized_ip_ranges = var.api_server_authorized_ip_ranges
    }
  }

  azure_policy_enabled  = true
  image_cleaner_enabled = true
  # Stale images are removed two days after they stop being used.
  image_cleaner_interval_hours = 48

  default_node_pool {
    name                         = "system"
    vm_size                      = var.system_node_pool.vm_size
    vnet_subnet_id               = var.vnet_subnet_id
    zones                        = var.system_node_pool.zones
    auto_scaling_enabled         = true
    min_count                    = var.system_node_pool.min_count
    max_count                    = var.system_node_pool.max_count
    max_pods                     = var.system_node_pool.max_pods
    os_sku                       = "AzureLinux"
    os_disk_type                 = var.system_node_pool.os_disk_type
    os_disk_size_gb              = var.system_node_pool.os_disk_size_gb
    host_encryption_enabled      = var.host_encryption_enabled
    only_critical_addons_enabled = true
    # Changing the VM size rotates the pool through this temporary pool
    # instead of recreating the cluster.
    temporary_name_for_rotation = "systemtmp"
    tags                        = var.tags

    upgrade_settings {
      max_surge = "33%"
    }
  }

  # azurerm 5 requires the block. Manual: node pools are declared here and in
  # azurerm_kubernetes_cluster_node_pool, not created by node auto-provisioning.
  node_provisioning_profile {
    mode = "Manual"
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.cluster.id]
  }

  # Azure CNI in overlay mode with the Cilium data plane: nodes take VNet IPs,
  # pods do not (so the VNet does not have to be sized for pods), and
  # NetworkPolicy is enforced by Cilium.
  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    pod_cidr            = var.network.pod_cidr
    service_cidr        = var.network.service_cidr
    dns_service_ip      = var.network.dns_service_ip
    load_balancer_sku   = "standard"
    outbound_type       = "loadBalancer"
  }

  dynamic "oms_agent" {
    for_each = var.diagnostics == null ? [] : [var.diagnostics]

    content {
      log_analytics_workspace_id      = oms_agent.value.log_analytics_workspace_id
      msi_auth_for_monitoring_enabled = true
    }
  }

  tags = var.tags

  depends_on = [
    azurerm_role_assignment.subnet_network_contributor,
    azurerm_role_assignment.resource_group_network_contributor,
  ]

  lifecycle {
    # The autoscaler owns the node count.
    ignore_changes = [default_node_pool[0].node_count]
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  #checkov:skip=CKV_AZURE_168:max_pods comes from var.user_node_pool (default 110, validated >= 50); checkov cannot resolve optional() defaults.
  #checkov:skip=CKV_AZURE_227:Host encryption follows var.host_encryption_enabled, enabled per environment once the EncryptionAtHost feature is registered.
  name                  = var.user_node_pool.name
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  mode                  = "User"
  vm_size               = var.user_node_pool.vm_size
  vnet_subnet_id        = var.vnet_subnet_id
  zones                 = var.user_node_pool.zones
  auto_scaling_enabled  = true
  min_count             = var.user_node_pool.min_count
  max_count             = var.user_node_pool.max_count
  max_pods              = var.user_node_pool.max_pods
  os_sku                = "AzureLinux"
  os_disk_type          = var.user_node_pool.os_disk_type
  os_disk_size_gb       = var.user_node_pool.os_disk_size_gb
  # Kept in sync with the cluster so a control plane upgrade does not leave the
  # pool on an older minor than AKS supports.
  orchestrator_version        = var.kubernetes_version
  host_encryption_enabled     = var.host_encryption_enabled
  node_labels                 = var.user_node_pool.node_labels
  temporary_name_for_rotation = "${substr(var.user_node_pool.name, 0, 8)}tmp"
  tags                        = var.tags

  upgrade_settings {
    max_surge = "33%"
  }

  lifecycle {
    ignore_changes = [node_count]
  }
}

resource "azurerm_role_assignment" "cluster_admin" {
  for_each = var.cluster_admin_principal_ids

  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin"
  principal_id         = each.value
}

module "diagnostics" {
  source = "../diagnostic_setting"
  count  = var.diagnostics == null ? 0 : 1

  target_resource_id         = azurerm_kubernetes_cluster.this.id
  log_analytics_workspace_id = var.diagnostics.log_analytics_workspace_id
  # kube-audit-admin (write-only audit) plus control plane components; the
  # full kube-audit stream is rarely worth its ingestion cost.
  log_category_groups = ["audit"]
}
