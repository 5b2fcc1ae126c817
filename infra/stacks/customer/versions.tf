terraform {
  required_version = ">= 1.11.0"

  # No provider configuration here: the calling root configures azurerm,
  # kubernetes (its validated kube context) and postgresql (the environment's
  # flexible server, administrator password read ephemerally from Key Vault).
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.0"
    }
    postgresql = {
      source  = "cyrilgdn/postgresql"
      version = "~> 1.26"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}
