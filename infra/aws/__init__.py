"""The one place the release side talks to AWS: typed boto3 clients (`clients`), sessions per
target (`sessions`), and `aws_call`, which turns every botocore error into `infra.aws.errors`.

Per-service adapters live next to these (one module per service concern); nothing outside this
package imports boto3 or botocore on the release side.
"""

from infra.aws.calls import aws_call, error_code
from infra.aws.clients import AwsClients, Endpoint

__all__ = ["AwsClients", "Endpoint", "aws_call", "error_code"]
