output "resource_group_name" {
  description = "Environment resource group."
  value       = module.resource_group.name
}

output "kubernetes_cluster_name" {
  description = "AKS cluster name (az aks get-credentials --name)."
  value       = module.aks.name
}

output "oidc_issuer_url" {
  description = "AKS OIDC issuer, the issuer of every customer's federated credentials."
  value       = module.aks.oidc_issuer_url
}

output "postgres_fqdn" {
  description = "Private FQDN of the shared PostgreSQL flexible server."
  value       = module.postgres.fqdn
}

output "postgres_administrator_login" {
  description = "Administrator login of the flexible server (password in Key Vault, secret postgres_admin_secret_name)."
  value       = module.postgres.administrator_login
}

output "postgres_admin_secret_name" {
  description = "Key Vault secret holding the administrator password."
  value       = module.postgres_admin_secret.name
}

output "key_vault_name" {
  description = "Environment Key Vault."
  value       = module.key_vault.name
}

output "key_vault_id" {
  description = "Resource ID of the environment Key Vault."
  value       = module.key_vault.id
}

output "container_registry_login_server" {
  description = "Registry login server; must equal env.toml [registry].server."
  value       = module.container_registry.login_server
}

output "dns_zone_name" {
  description = "Public DNS zone of the environment."
  value       = module.dns.zone_name
}

output "dns_name_servers" {
  description = "Name servers to delegate the zone to from the parent domain."
  value       = module.dns.name_servers
}

output "ingress_public_ip" {
  description = "Static public IP for the ingress controller's load balancer."
  value       = azurerm_public_ip.ingress.ip_address
}

output "log_analytics_workspace_id" {
  description = "Log Analytics workspace of the environment."
  value       = module.log_analytics.id
}
