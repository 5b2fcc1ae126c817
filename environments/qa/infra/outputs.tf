# The outputs of infra/stacks/environment (described there), under the
# same names.

output "resource_group_name" {
  value = module.stack.resource_group_name
}

output "kubernetes_cluster_name" {
  value = module.stack.kubernetes_cluster_name
}

output "oidc_issuer_url" {
  value = module.stack.oidc_issuer_url
}

output "postgres_fqdn" {
  value = module.stack.postgres_fqdn
}

output "postgres_administrator_login" {
  value = module.stack.postgres_administrator_login
}

output "postgres_admin_secret_name" {
  value = module.stack.postgres_admin_secret_name
}

output "key_vault_name" {
  value = module.stack.key_vault_name
}

output "key_vault_id" {
  value = module.stack.key_vault_id
}

output "container_registry_login_server" {
  value = module.stack.container_registry_login_server
}

output "dns_zone_name" {
  value = module.stack.dns_zone_name
}

output "dns_name_servers" {
  value = module.stack.dns_name_servers
}

output "ingress_public_ip" {
  value = module.stack.ingress_public_ip
}

output "log_analytics_workspace_id" {
  value = module.stack.log_analytics_workspace_id
}
