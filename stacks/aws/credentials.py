"""Whether AWS credentials are visible, before anything calls Pulumi (one clear line if not).

The places the AWS SDKs look, in their order (the AWS SDKs and Tools reference guide,
"Standardized credential providers"): static keys, a named profile, web identity (OIDC in CI),
the container credentials endpoint, then the shared credentials and config files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

MISSING = ("no AWS credentials found; set AWS_PROFILE (after `aws sso login` or `aws configure`) or "
           "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run this again")


def present(env: Mapping[str, str]) -> bool:
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return True
    if env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE"):
        return True
    if env.get("AWS_WEB_IDENTITY_TOKEN_FILE") and env.get("AWS_ROLE_ARN"):
        return True
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return True
    home = Path(os.path.expanduser("~"))
    files = [
        env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials",
        env.get("AWS_CONFIG_FILE") or home / ".aws" / "config",
    ]
    return any(Path(f).is_file() for f in files)
