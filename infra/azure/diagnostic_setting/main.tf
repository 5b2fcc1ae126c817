# One module instead of a diagnostic setting block in every resource module:
# the category-group and metric shape changed between azurerm majors (v5
# removed `metric` in favour of `enabled_metric`), so it is kept in one place.
resource "azurerm_monitor_diagnostic_setting" "this" {
  name                       = var.name
  target_resource_id         = var.target_resource_id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  dynamic "enabled_log" {
    for_each = toset(var.log_category_groups)

    content {
      category_group = enabled_log.value
    }
  }

  dynamic "enabled_metric" {
    for_each = toset(var.metric_categories)

    content {
      category = enabled_metric.value
    }
  }
}
