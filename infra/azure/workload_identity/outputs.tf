output "id" {
  description = "Resource ID of the identity."
  value       = azurerm_user_assigned_identity.this.id
}

output "client_id" {
  description = "Client ID: the value of the azure.workload.identity/client-id annotation on the service account."
  value       = azurerm_user_assigned_identity.this.client_id
}

output "principal_id" {
  description = "Object ID of the identity's service principal (for further role assignments)."
  value       = azurerm_user_assigned_identity.this.principal_id
}

output "tenant_id" {
  description = "Tenant of the identity."
  value       = azurerm_user_assigned_identity.this.tenant_id
}

output "subject" {
  description = "Federated credential subject (system:serviceaccount:<namespace>:<service account>)."
  value       = azurerm_federated_identity_credential.this.subject
}
