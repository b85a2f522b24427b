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

# The inbound message flow (flow.tf, generated; ../flows/secure-inbound-message.yaml).

variable "flow_name" {
  description = "Name of the inbound message flow in Architect (changing it creates a new flow; the old one stays)."
  type        = string
  default     = "Secure inbound message"
}

variable "flow_division" {
  description = "Division of the inbound message flow, by name."
  type        = string
  default     = "Home"
}

variable "flow_default_language" {
  description = "The flow's default (and only supported) language, such as en-us."
  type        = string
  default     = "en-us"
}

variable "flow_data_action" {
  description = "Which validate-session action the flow calls: web_services or aws_lambda (that action must be enabled)."
  type        = string
  default     = "web_services"

  validation {
    condition     = contains(["web_services", "aws_lambda"], var.flow_data_action)
    error_message = "The flow_data_action must be web_services or aws_lambda."
  }
}

variable "flow_force_unlock" {
  description = "Unlock the flow before publishing it, should someone have left it open for editing in Architect."
  type        = bool
  default     = false
}

variable "create_queues" {
  description = "Create the queues of queue_names (false: they must exist already; the flow names them)."
  type        = bool
  default     = false
}
