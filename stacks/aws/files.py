"""Shared files: one encrypted EFS file system, an access point per shared path, TLS enforced.

Every replica mounts the same paths (uploads, or for Nextcloud its whole web root), so web
replicas and cron see one set of files. Each access point pins the owner (uid/gid) the app
expects, and the file system policy refuses any client not using TLS and IAM.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment

from . import iam


@dataclass
class FilesArgs:
    deployment: Deployment
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


class Files(pulumi.ComponentResource):
    def __init__(self, name: str, args: FilesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Files", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        self.file_system = aws.efs.FileSystem(
            f"{name}-fs",
            encrypted=True,
            kms_key_id=args.kms_key_arn,
            performance_mode="generalPurpose",
            throughput_mode=d.sizes.files_throughput,
            lifecycle_policies=[aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia="AFTER_30_DAYS")],
            opts=child,
        )
        aws.efs.FileSystemPolicy(
            f"{name}-tls-only",
            file_system_id=self.file_system.id,
            policy=iam.document(
                {
                    "Sid": "DenyWithoutTLS",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "*",
                    "Resource": self.file_system.arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ),
            opts=child,
        )
        # EFS automatic backups stay off in both tiers: production's AWS Backup plan (backup.py)
        # already backs the file system up daily into the stack's vault, and a second, automatic
        # plan (EFS user guide, "Automatic backups": daily, 35 days, into the default vault) would
        # double the storage bill and keep recovery points that destroy cannot see. Trials keep none.
        aws.efs.BackupPolicy(
            f"{name}-backup",
            file_system_id=self.file_system.id,
            backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="DISABLED"),
            opts=child,
        )
        self.mount_targets = [
            aws.efs.MountTarget(
                f"{name}-mount-{i}",
                file_system_id=self.file_system.id,
                subnet_id=subnet,
                security_groups=[args.security_group_id],
                opts=child,
            )
            for i, subnet in enumerate(args.subnet_ids)
        ]
        self.access_points: dict[str, aws.efs.AccessPoint] = {}
        for shared in d.blueprint.files:
            self.access_points[shared.name] = aws.efs.AccessPoint(
                f"{name}-{shared.name}",
                file_system_id=self.file_system.id,
                posix_user=aws.efs.AccessPointPosixUserArgs(uid=shared.uid, gid=shared.gid),
                root_directory=aws.efs.AccessPointRootDirectoryArgs(
                    path=f"/{shared.name}",
                    creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                        owner_uid=shared.uid, owner_gid=shared.gid, permissions=shared.mode[1:]
                    ),
                ),
                tags={"Name": f"{d.stack_name}-{shared.name}", "path": shared.path},
                opts=child,
            )
        self.register_outputs({"file_system_id": self.file_system.id})
