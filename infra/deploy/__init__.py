"""The boto3 deployer: plan a CloudFormation change set, apply it under a per-environment lock,
verify through each service's own API, and record every deploy."""
