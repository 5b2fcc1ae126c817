resource "azurerm_storage_account" "this" {
  #checkov:skip=CKV2_AZURE_1:Encryption uses Microsoft-managed keys plus infrastructure (double) encryption; customer-managed keys would add a Key Vault key per customer without a requirement for them.
  #checkov:skip=CKV2_AZURE_33:No private endpoint: consumers reach the account through the AKS subnet service endpoint and the firewall denies everything else.
  #checkov:skip=CKV2_AZURE_40:Shared Key stays enabled because Trino authenticates catalogs with the account key (azure.auth-type=ACCESS_KEY, one key per customer for isolation); see shared_access_key_enabled.
  #checkov:skip=CKV_AZURE_33:Queue service logging does not apply: the account holds an ADLS Gen2 filesystem and no queues.
  #checkov:skip=CKV_AZURE_59:Public network access stays enabled for the service endpoint and IP firewall rules; network_rules default-deny admits only allowed subnets and ranges.
  #checkov:skip=CKV_AZURE_206:Replication is a variable (default ZRS); geo-redundancy is chosen per environment.
  #checkov:skip=CKV2_AZURE_38:Soft delete is configured in blob_properties (delete and container retention); the check does not see the HNS-compatible settings.
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location

  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.replication_type

  # ADLS Gen2: hierarchical namespace (atomic renames, POSIX ACLs) is what the
  # abfss:// drivers of Hive and Trino expect. Changing it replaces the account.
  is_hns_enabled = true

  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  shared_access_key_enabled         = var.shared_access_key_enabled
  default_to_oauth_authentication   = true
  infrastructure_encryption_enabled = true
  cross_tenant_replication_enabled  = false
  local_user_enabled                = false
  sftp_enabled                      = false
  public_network_access_enabled     = true

  network_rules {
    default_action             = "Deny"
    bypass                     = ["AzureServices", "Logging", "Metrics"]
    virtual_network_subnet_ids = var.allowed_subnet_ids
    ip_rules                   = var.allowed_ip_ranges
  }

  # Any SAS someone signs with the account key is flagged in the logs once it
  # outlives a day; the platform itself issues none.
  sas_policy {
    expiration_period = "01.00:00:00"
    expiration_action = "Log"
  }

  blob_properties {
    delete_retention_policy {
      days = var.blob_soft_delete_days
    }

    container_delete_retention_policy {
      days = var.blob_soft_delete_days
    }
  }

  tags = var.tags
}

# Filesystems are data plane objects: the azurerm provider creates them through
# the DFS endpoint, so the machine running Terraform must pass the firewall
# (allowed_ip_ranges / allowed_subnet_ids).
resource "azurerm_storage_data_lake_gen2_filesystem" "this" {
  for_each = var.filesystems

  name               = each.value
  storage_account_id = azurerm_storage_account.this.id
}

module "diagnostics" {
  source = "../diagnostic_setting"
  count  = var.diagnostics == null ? 0 : 1

  # Logs are emitted per service; the blob service carries the DFS traffic.
  target_resource_id         = "${azurerm_storage_account.this.id}/blobServices/default"
  log_analytics_workspace_id = var.diagnostics.log_analytics_workspace_id
  metric_categories          = ["Transaction"]
}
