variable "enable_web_services_action" {
  description = "Create the Web Services integration and its action (POST {api_base_url}/v1/session-validations with Basic auth)."
  type        = bool
  default     = true
}

variable "enable_aws_lambda_action" {
  description = "Create the AWS Lambda integration and its action (Genesys invokes validate-session through the data-action role)."
  type        = bool
  default     = true
}

variable "web_services_integration_name" {
  description = "Name (and action category) of the Web Services integration."
  type        = string
  default     = "Secure initiation (Web Services)"
}

variable "aws_lambda_integration_name" {
  description = "Name (and action category) of the AWS Lambda integration."
  type        = string
  default     = "Secure initiation (AWS Lambda)"
}

variable "api_base_url" {
  description = "The SAM stack's ApiUrl output, such as https://abc123.execute-api.eu-west-1.amazonaws.com."
  type        = string
  default     = ""

  validation {
    condition     = var.api_base_url == "" || startswith(var.api_base_url, "https://")
    error_message = "The api_base_url must be an https URL: Genesys Cloud calls Web Services data actions over HTTPS only."
  }
}

variable "data_action_username" {
  description = "Field `username` of the stack's DataActionSecret."
  type        = string
  default     = ""
}

variable "data_action_password" {
  description = "Field `password` of the stack's DataActionSecret. Kept in the Terraform state: protect the state."
  type        = string
  default     = ""
  sensitive   = true
}

variable "validate_session_function_arn" {
  description = "The SAM stack's ValidateSessionFunctionArn output."
  type        = string
  default     = ""

  validation {
    condition     = var.validate_session_function_arn == "" || can(regex("^arn:aws[a-z-]*:lambda:", var.validate_session_function_arn))
    error_message = "The validate_session_function_arn must be a Lambda function ARN."
  }
}

variable "data_action_role_arn" {
  description = "The SAM stack's GenesysDataActionRoleArn output (trusts Genesys Cloud with your org id as external id)."
  type        = string
  default     = ""

  validation {
    condition     = var.data_action_role_arn == "" || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.data_action_role_arn))
    error_message = "The data_action_role_arn must be an IAM role ARN."
  }
}
