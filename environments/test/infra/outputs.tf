# Same names as the real environment infra root, with fixed fake values.

output "resource_group_name" {
  description = "Environment resource group."
  value       = "${local.prefix}-${local.environment}-rg"
}

output "kubernetes_cluster_name" {
  description = "Cluster name."
  value       = "${local.prefix}-${local.environment}-aks"
}

output "oidc_issuer_url" {
  description = "Fake OIDC issuer."
  value       = "https://oidc.example.invalid/${local.environment}/"
}

output "postgres_fqdn" {
  description = "Fake flexible server FQDN."
  value       = "${local.prefix}-${local.environment}-psql.postgres.database.azure.com"
}

output "postgres_administrator_login" {
  description = "Administrator login."
  value       = "pgadmin_${local.environment}"
}

output "postgres_admin_secret_name" {
  description = "Key Vault secret holding the administrator password."
  value       = "postgres-admin-password"
}

output "key_vault_name" {
  description = "Environment Key Vault."
  value       = "${local.prefix}-${local.environment}-kv"
}

output "key_vault_id" {
  description = "Fake Key Vault resource ID."
  value       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${local.prefix}-${local.environment}-rg/providers/Microsoft.KeyVault/vaults/${local.prefix}-${local.environment}-kv"
}

output "container_registry_login_server" {
  description = "Registry of the test environment (env.toml [registry].server)."
  value       = "127.0.0.1:5000"
}

output "dns_zone_name" {
  description = "DNS zone."
  value       = "${local.environment}.analytics.example.com"
}

output "dns_name_servers" {
  description = "Fake name servers."
  value       = []
}

output "ingress_public_ip" {
  description = "Loopback stand-in for the ingress IP."
  value       = "127.0.0.1"
}

output "log_analytics_workspace_id" {
  description = "Fake workspace ID."
  value       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${local.prefix}-${local.environment}-rg/providers/Microsoft.OperationalInsights/workspaces/${local.prefix}-${local.environment}-log"
}
