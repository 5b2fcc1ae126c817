terraform {
  required_version = ">= 1.11.0"

  # Partial configuration: auto passes resource_group_name, storage_account_name,
  # container_name, key (one per root), use_azuread_auth and use_oidc with
  # -backend-config, from env.toml [backend].
  backend "azurerm" {}

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}
