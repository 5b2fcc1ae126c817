locals {
  # Azure subnet names use hyphens; keys stay Terraform-friendly identifiers.
  subnet_names = { for k, s in var.subnets : k => coalesce(s.name, "${var.name}-${replace(k, "_", "-")}-snet") }
}

resource "azurerm_virtual_network" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  address_space       = var.address_space
  tags                = var.tags
}

resource "azurerm_subnet" "this" {
  for_each = var.subnets

  name                 = local.subnet_names[each.key]
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = each.value.address_prefixes

  # Nothing in the platform relies on implicit outbound (retired for new
  # subnets by Azure): AKS egresses through its load balancer, the database
  # subnet needs no egress at all.
  default_outbound_access_enabled = false

  # azurerm 5 replaced the service_endpoints list with one block per endpoint.
  dynamic "service_endpoint" {
    for_each = toset(each.value.service_endpoints)

    content {
      service = service_endpoint.value
    }
  }

  dynamic "delegation" {
    for_each = each.value.delegation == null ? [] : [each.value.delegation]

    content {
      name = replace(delegation.value.service, "/", "-")

      service_delegation {
        name    = delegation.value.service
        actions = delegation.value.actions
      }
    }
  }
}

# One NSG per subnet, with only Azure's default rules (VNet-internal and load
# balancer traffic allowed, everything else from the internet denied). Rules
# are added per subnet when a flow needs them, never shared between subnets.
resource "azurerm_network_security_group" "this" {
  for_each = var.subnets

  name                = "${local.subnet_names[each.key]}-nsg"
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

resource "azurerm_subnet_network_security_group_association" "this" {
  for_each = var.subnets

  subnet_id                 = azurerm_subnet.this[each.key].id
  network_security_group_id = azurerm_network_security_group.this[each.key].id
}
