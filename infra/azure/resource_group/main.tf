resource "azurerm_resource_group" "this" {
  name     = var.name
  location = var.location
  tags     = var.tags
}

# A lock turns an accidental `terraform destroy` (or a portal click) on a group
# that holds customer data into an explicit two-step operation.
resource "azurerm_management_lock" "this" {
  count = var.lock_level == null ? 0 : 1

  name       = "${var.name}-lock"
  scope      = azurerm_resource_group.this.id
  lock_level = var.lock_level
  notes      = "Managed by Terraform: remove this lock deliberately before deleting the group."
}
