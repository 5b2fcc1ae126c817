provider "azurerm" {
  # Null falls back to ARM_SUBSCRIPTION_ID, which auto sets from env.toml.
  subscription_id = var.subscription_id

  # azurerm 5 registers no resource providers by default; register exactly the
  # ones this root creates resources in, nothing broader.
  resource_provider_registrations = "none"
  resource_providers_to_register = [
    "Microsoft.ContainerRegistry",
    "Microsoft.ContainerService",
    "Microsoft.DBforPostgreSQL",
    "Microsoft.Insights",
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",
    "Microsoft.Network",
    "Microsoft.OperationalInsights",
    "Microsoft.OperationsManagement",
    "Microsoft.Storage",
  ]

  features {
    key_vault {
      # Purge protection is on: a destroyed vault stays recoverable.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }

    resource_group {
      prevent_deletion_if_contains_resources = true
    }
  }
}
