# The kube context is the one auto validated against env.toml
# [kubernetes].allowed_contexts before running this root.
provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}
