resource "azurerm_dns_zone" "this" {
  count = var.create_zone ? 1 : 0

  name                = var.zone_name
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

locals {
  # Records wait for the zone when this module owns it; otherwise the zone is
  # the environment's and already exists.
  zone_name = var.create_zone ? azurerm_dns_zone.this[0].name : var.zone_name
}

resource "azurerm_dns_a_record" "this" {
  for_each = var.a_records

  name                = each.key
  zone_name           = local.zone_name
  resource_group_name = var.resource_group_name
  ttl                 = each.value.ttl
  target_resource_id  = each.value.target_resource_id
  records             = each.value.records
  tags                = var.tags
}

resource "azurerm_dns_cname_record" "this" {
  for_each = var.cname_records

  name                = each.key
  zone_name           = local.zone_name
  resource_group_name = var.resource_group_name
  ttl                 = each.value.ttl
  record              = each.value.record
  tags                = var.tags
}
