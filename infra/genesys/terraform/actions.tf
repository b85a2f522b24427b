# Generated from config/attributes.toml by
# `cargo run -p genesys-as-code --bin generate-artifacts`; do not edit by hand.
#
# The validate-session data action for both integration types (integrations.tf). The
# same actions as ../data-actions/*.json. Changing a contract makes Genesys Cloud
# recreate the action with a new id: re-select it in every Call Data Action.

locals {
  # What differs between the two integration types; the resource below holds the rest.
  validate_session_actions = {
    web_services = {
      enabled              = var.enable_web_services_action
      category             = var.web_services_integration_name
      integration_id       = one(genesyscloud_integration.web_services_integration[*].id)
      request_url_template = "${trimsuffix(var.api_base_url, "/")}/v1/session-validations"
      request_template     = "{\"sessionHash\": \"$esc.jsonString($${input.sessionHash})\", \"conversationId\": \"$esc.jsonString($${input.conversationId})\", \"participantId\": \"$!esc.jsonString($!{input.participantId})\"}"
      headers = {
        "Content-Type" = "application/json"
      }
      translation_map = {
        "authenticated"      = "$.authenticated"
        "geo_segment"        = "$.geo_segment"
        "order_id"           = "$.order_id"
        "participant_update" = "$.participant_update"
        "priority_tier"      = "$.priority_tier"
        "reason"             = "$.reason"
        "risk_score"         = "$.risk_score"
        "valid"              = "$.valid"
      }
      translation_map_defaults = {
        "authenticated"      = "\"\""
        "geo_segment"        = "\"\""
        "order_id"           = "\"\""
        "participant_update" = "\"skipped\""
        "priority_tier"      = "\"\""
        "reason"             = "\"unknown\""
        "risk_score"         = "\"\""
        "valid"              = "false"
      }
      success_template = "{\"valid\": $${valid}, \"reason\": $${reason}, \"participant_update\": $${participant_update}, \"priority_tier\": $${priority_tier}, \"geo_segment\": $${geo_segment}, \"order_id\": $${order_id}, \"risk_score\": $${risk_score}, \"authenticated\": $${authenticated}}"
    }
    aws_lambda = {
      enabled                  = var.enable_aws_lambda_action
      category                 = var.aws_lambda_integration_name
      integration_id           = one(genesyscloud_integration.aws_lambda_integration[*].id)
      request_url_template     = var.validate_session_function_arn
      request_template         = "$${input.rawRequest}"
      headers                  = {}
      translation_map          = {}
      translation_map_defaults = {}
      success_template         = "$${rawResult}"
    }
  }
}

resource "genesyscloud_integration_action" "validate_session" {
  for_each               = { for type, action in local.validate_session_actions : type => action if action.enabled }
  name                   = "Validate secure session"
  category               = each.value.category
  integration_id         = each.value.integration_id
  secure                 = false
  config_timeout_seconds = 6
  contract_input = jsonencode(jsondecode(<<-EOT
    {
      "$schema": "http://json-schema.org/draft-04/schema#",
      "additionalProperties": false,
      "description": "Asks the backend whether a session hash read from the participant data is genuine, and binds it to this conversation.",
      "properties": {
        "conversationId": {
          "description": "Message.ConversationId of the conversation asking.",
          "type": "string"
        },
        "participantId": {
          "description": "Optional: the customer participant id, to have the attributes written onto the participant.",
          "type": "string"
        },
        "sessionHash": {
          "description": "The participant's `session_hash` attribute (Get Participant Data).",
          "type": "string"
        }
      },
      "required": [
        "sessionHash",
        "conversationId"
      ],
      "title": "ValidateSessionInput",
      "type": "object"
    }
  EOT
  ))
  contract_output = jsonencode(jsondecode(<<-EOT
    {
      "$schema": "http://json-schema.org/draft-04/schema#",
      "additionalProperties": false,
      "description": "Flat, string-typed outputs (besides `valid`) so Architect compares exact strings. Attributes are empty strings when `valid` is false.",
      "properties": {
        "authenticated": {
          "description": "The session was verified against the site's identity provider. (boolean; empty when invalid)",
          "type": "string"
        },
        "geo_segment": {
          "description": "Geographic segment from the identity provider. (string, one of na-east, na-west, latam, emea, apac; empty when invalid)",
          "type": "string"
        },
        "order_id": {
          "description": "The order the customer asks about: requested by the browser, set only once the site's ownership check says the signed-in customer owns it. (string, pattern `[0-9]{1,12}`, max 12 chars; empty when invalid)",
          "type": "string"
        },
        "participant_update": {
          "description": "Write-back of the attributes onto the participant: skipped, written, failed, timeout.",
          "type": "string"
        },
        "priority_tier": {
          "description": "Customer priority tier from the identity provider. (integer, 1..=3; empty when invalid)",
          "type": "string"
        },
        "reason": {
          "description": "One of: ok, unknown, expired, revoked, replayed, malformed, risk.",
          "type": "string"
        },
        "risk_score": {
          "description": "Risk score from 0 (trusted) to 100, computed before any Genesys resource is allocated. (integer, 0..=100; empty when invalid)",
          "type": "string"
        },
        "valid": {
          "description": "True only for a genuine, unexpired hash bound to this conversation.",
          "type": "boolean"
        }
      },
      "required": [
        "valid",
        "reason",
        "participant_update",
        "priority_tier",
        "geo_segment",
        "order_id",
        "risk_score",
        "authenticated"
      ],
      "title": "ValidateSessionOutput",
      "type": "object"
    }
  EOT
  ))

  config_request {
    request_url_template = each.value.request_url_template
    request_type         = "POST"
    request_template     = each.value.request_template
    headers              = each.value.headers
  }

  config_response {
    translation_map          = each.value.translation_map
    translation_map_defaults = each.value.translation_map_defaults
    success_template         = each.value.success_template
  }
}

# Each type had a resource of its own before (validate_session_<type>, with count): their
# state moves to the instances above, so an existing deployment plans no change.

moved {
  from = genesyscloud_integration_action.validate_session_web_services[0]
  to   = genesyscloud_integration_action.validate_session["web_services"]
}

moved {
  from = genesyscloud_integration_action.validate_session_aws_lambda[0]
  to   = genesyscloud_integration_action.validate_session["aws_lambda"]
}
