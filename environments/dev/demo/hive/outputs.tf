# The outputs of infra/stacks/customer_hive (described there), under the
# same names.

output "metastore_uri" {
  value = module.stack.metastore_uri
}

output "warehouse_dir" {
  value = module.stack.warehouse_dir
}

output "schema_job_name" {
  value = module.stack.schema_job_name
}
