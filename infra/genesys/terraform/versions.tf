# CX as Code for the Genesys Cloud side of secure initiation. Apply after the SAM stack: the
# variables take its outputs (ApiUrl, ValidateSessionFunctionArn, GenesysDataActionRoleArn) and
# the Basic credential from its DataActionSecret.
#
# The provider reads its OAuth client from GENESYSCLOUD_OAUTHCLIENT_ID,
# GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION (see the README).

terraform {
  required_version = ">= 1.5"

  required_providers {
    genesyscloud = {
      source  = "mypurecloud/genesyscloud"
      version = ">= 1.40.0"
    }
  }
}
