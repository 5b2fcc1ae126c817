output "zone_name" {
  description = "Name of the DNS zone."
  value       = local.zone_name
}

output "name_servers" {
  description = "Name servers to delegate the zone to from its parent (empty when the zone is not owned here)."
  value       = var.create_zone ? azurerm_dns_zone.this[0].name_servers : []
}

output "fqdns" {
  description = "FQDNs of the A and CNAME records created here, keyed by relative name."
  value = merge(
    { for k, r in azurerm_dns_a_record.this : k => trimsuffix(r.fqdn, ".") },
    { for k, r in azurerm_dns_cname_record.this : k => trimsuffix(r.fqdn, ".") },
  )
}
