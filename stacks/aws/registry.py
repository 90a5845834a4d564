"""Registry: an ECR repository for images the council builds itself (e.g. LocalGov Drupal).

Tags are immutable (a blueprint's tag always means the same image), images are scanned on
push and encrypted with KMS; untagged layers expire.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment


@dataclass
class RegistryArgs:
    deployment: Deployment


class Registry(pulumi.ComponentResource):
    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Registry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        self.repository = aws.ecr.Repository(
            f"{name}-repo",
            name=f"councilkit/{d.council_slug[:150]}/{d.app_id}-{d.tier}",
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")],
            # Destroy deletes the images with the repository: they are rebuilt from the stack
            # folder's image/ (ECR DeleteRepository refuses a repository holding images otherwise).
            force_delete=True,
            # A readable, fixed name (it appears in the build and push commands): a change that
            # replaces the repository deletes the old one first, so the names never collide.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-expire-untagged",
            repository=self.repository.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": "expire untagged layers after 14 days",
                            "selection": {
                                "tagStatus": "untagged",
                                "countType": "sinceImagePushed",
                                "countUnit": "days",
                                "countNumber": 14,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=child,
        )
        self.url = self.repository.repository_url
        self.register_outputs({"url": self.url})
