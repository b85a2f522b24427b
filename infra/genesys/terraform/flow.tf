# Generated from config/routing.toml by
# `cargo run -p genesys-as-code --bin generate-artifacts`; do not edit by hand.
#
# The inbound message flow (../flows/secure-inbound-message.yaml) as CX as Code. The flow
# names the validate-session data action by category (its integration's name) and action
# name, not by id: a contract change that recreates the action needs no change here and no
# re-selection in Architect. Queues are named too; create_queues = true creates them.

variable "queue_names" {
  description = "Genesys Cloud queue name of each queue of config/routing.toml (the flow transfers to them by name)."
  type        = map(string)
  default = {
    general  = "Web Messaging"
    review   = "Web Messaging Review"
    priority = "Web Messaging Priority"
    standard = "Web Messaging Standard"
    basic    = "Web Messaging Basic"
  }

  validation {
    condition     = alltrue([for id in ["general", "review", "priority", "standard", "basic"] : contains(keys(var.queue_names), id)])
    error_message = "The queue_names map needs a name for every queue of config/routing.toml: general, review, priority, standard, basic."
  }
}

locals {
  # The validate-session action the flow calls, by category and name.
  flow_data_action = var.flow_data_action == "aws_lambda" ? {
    category = var.aws_lambda_integration_name
    name     = try(genesyscloud_integration_action.validate_session["aws_lambda"].name, null)
    } : {
    category = var.web_services_integration_name
    name     = try(genesyscloud_integration_action.validate_session["web_services"].name, null)
  }
}

resource "genesyscloud_routing_queue" "secure_initiation" {
  for_each = var.create_queues ? var.queue_names : {}
  name     = each.value
}

resource "genesyscloud_flow" "secure_inbound_message" {
  filepath            = "${path.module}/../flows/secure-inbound-message.yaml"
  force_unlock        = var.flow_force_unlock
  update_trigger_hash = filesha256("${path.module}/../flows/secure-inbound-message.yaml")
  substitutions = {
    flow_name            = var.flow_name
    division             = var.flow_division
    default_language     = var.flow_default_language
    integration_category = local.flow_data_action.category
    data_action_name     = local.flow_data_action.name
    queue_general        = var.queue_names["general"]
    queue_review         = var.queue_names["review"]
    queue_priority       = var.queue_names["priority"]
    queue_standard       = var.queue_names["standard"]
    queue_basic          = var.queue_names["basic"]
  }
  depends_on = [genesyscloud_routing_queue.secure_initiation]

  lifecycle {
    precondition {
      condition     = local.flow_data_action.name != null
      error_message = "The flow calls the ${var.flow_data_action} validate-session action, which is disabled (enable_${var.flow_data_action}_action = false)."
    }
  }
}
