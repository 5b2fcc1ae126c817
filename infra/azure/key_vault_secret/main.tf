resource "azurerm_key_vault_secret" "this" {
  #checkov:skip=CKV_AZURE_41:Platform-generated credentials are rotated by bumping value_version, not by a vault expiry date; an expired secret would silently break the workloads that read it.
  name             = var.name
  key_vault_id     = var.key_vault_id
  content_type     = var.content_type
  value_wo         = var.value
  value_wo_version = var.value_version
  tags             = var.tags
}
