"""The Lambda runtime the bundle targets: the ONE place its Python version is written down.

Everything that must agree with it (pip's --python-version, the CloudFormation Runtime, the
toolchain image check) imports these names instead of repeating "3.11".
"""

from __future__ import annotations

LAMBDA_PYTHON = "3.11"
LAMBDA_RUNTIME = f"python{LAMBDA_PYTHON}"
LAMBDA_ARCHITECTURE = "x86_64"
# Lambda's python3.11 runs on Amazon Linux 2 (glibc 2.26): manylinux2014 (glibc 2.17) wheels fit.
LAMBDA_PLATFORM = "manylinux2014_x86_64"
LAMBDA_HANDLER = "app.lambda_handler.handler"
MAX_BUNDLE_BYTES = 15 * 1024 * 1024
