output "web_services_action_id" {
  description = "Id of the Web Services validate-session action (select it in Call Data Action)."
  value       = try(genesyscloud_integration_action.validate_session["web_services"].id, null)
}

output "aws_lambda_action_id" {
  description = "Id of the AWS Lambda validate-session action."
  value       = try(genesyscloud_integration_action.validate_session["aws_lambda"].id, null)
}

output "inbound_message_flow_id" {
  description = "Id of the published inbound message flow (select it in the Messenger deployment)."
  value       = genesyscloud_flow.secure_inbound_message.id
}
