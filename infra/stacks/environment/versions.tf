terraform {
  required_version = ">= 1.11.0"

  # No provider configuration here: the calling root configures azurerm (and
  # the resource providers it registers) and passes it down implicitly.
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}
