terraform {
  required_version = ">= 1.11.0"

  # No provider configuration here: the calling root configures kubernetes
  # with the kube context auto validated.
  required_providers {
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
