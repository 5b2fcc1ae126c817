# The outputs of infra/stacks/trino (described there), under the
# same names.

output "namespace" {
  value = module.stack.namespace
}

output "host" {
  value = module.stack.host
}

output "port" {
  value = module.stack.port
}

output "catalog_names" {
  value = module.stack.catalog_names
}

output "catalogs_checksum" {
  value = module.stack.catalogs_checksum
}
