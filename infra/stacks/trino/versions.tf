terraform {
  required_version = ">= 1.11.0"

  # No provider configuration here: the calling root configures azurerm (Key
  # Vault reads) and kubernetes (its validated kube context).
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
