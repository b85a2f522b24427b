# CX as Code for the Genesys Cloud side of secure initiation. Apply after the SAM stack: the
# variables take its outputs (ApiUrl, ValidateSessionFunctionArn, GenesysDataActionRoleArn) and
# the Basic credential from its DataActionSecret.
#
# The provider reads its OAuth client from GENESYSCLOUD_OAUTHCLIENT_ID,
# GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION, an AWS-style region such as
# us-east-1 (for mypurecloud.com) or eu-west-1 (mypurecloud.ie), not the Genesys domain (see
# docs/src/platform/genesys-terraform.md).
#
# 1.68.5 or later: from that version `genesyscloud_flow`'s file_content_hash is computed only,
# so flow.tf triggers updates with update_trigger_hash = filesha256(...) instead.

terraform {
  required_version = ">= 1.5"

  required_providers {
    genesyscloud = {
      source  = "mypurecloud/genesyscloud"
      version = ">= 1.68.5, < 2.0.0"
    }
  }
}
