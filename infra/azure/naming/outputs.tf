output "env" {
  description = "Names of the environment-wide resources (resource group, network, AKS, PostgreSQL, Key Vault, registry, ...)."
  value       = local.env
}

output "customer" {
  description = "Names of the customer's resources (storage account, filesystem, namespace, databases, roles, secrets); null when no customer was given."
  value       = local.customer
}

output "tags" {
  description = "Baseline tags every Azure resource of this scope carries (platform, environment, managed-by and, for customer scopes, customer)."
  value       = local.tags
}
