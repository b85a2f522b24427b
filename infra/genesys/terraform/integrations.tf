# The integrations the validate-session actions (actions.tf, generated) belong to, with their
# credentials. Both can exist at once; a flow uses one of them.

# Web Services data actions: Genesys calls the HTTP API with this Basic credential, which
# validate-session compares in constant time with its DataActionSecret.
resource "genesyscloud_integration_credential" "web_services_basic_auth" {
  count                = var.enable_web_services_action ? 1 : 0
  name                 = "${var.web_services_integration_name} credential"
  credential_type_name = "basicAuth"
  fields = {
    userName = var.data_action_username
    password = var.data_action_password
  }
}

resource "genesyscloud_integration" "web_services_integration" {
  count            = var.enable_web_services_action ? 1 : 0
  intended_state   = "ENABLED"
  integration_type = "custom-rest-actions"
  config {
    name       = var.web_services_integration_name
    properties = jsonencode({})
    advanced   = jsonencode({})
    notes      = "validate-session through the HTTP API (secure Web Messaging initiation)"
    credentials = {
      basicAuth = genesyscloud_integration_credential.web_services_basic_auth[0].id
    }
  }

  lifecycle {
    precondition {
      condition     = var.api_base_url != "" && var.data_action_username != "" && var.data_action_password != ""
      error_message = "The Web Services action needs api_base_url, data_action_username and data_action_password (or set enable_web_services_action = false)."
    }
  }
}

# AWS Lambda data actions: Genesys assumes this role (trust: Genesys Cloud's AWS account, your
# org id as external id) and invokes validate-session directly.
resource "genesyscloud_integration_credential" "aws_lambda_role" {
  count                = var.enable_aws_lambda_action ? 1 : 0
  name                 = "${var.aws_lambda_integration_name} role"
  credential_type_name = "amazonWebServicesARN"
  fields = {
    ARN = var.data_action_role_arn
  }
}

resource "genesyscloud_integration" "aws_lambda_integration" {
  count            = var.enable_aws_lambda_action ? 1 : 0
  intended_state   = "ENABLED"
  integration_type = "aws-lambda-data-actions"
  config {
    name       = var.aws_lambda_integration_name
    properties = jsonencode({})
    advanced   = jsonencode({})
    notes      = "validate-session invoked directly (secure Web Messaging initiation)"
    credentials = {
      AmazonWebServicesARN = genesyscloud_integration_credential.aws_lambda_role[0].id
    }
  }

  lifecycle {
    precondition {
      condition     = var.data_action_role_arn != "" && var.validate_session_function_arn != ""
      error_message = "The AWS Lambda action needs data_action_role_arn and validate_session_function_arn (or set enable_aws_lambda_action = false)."
    }
  }
}
