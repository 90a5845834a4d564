"""Security groups: who may talk to whom. Internet → load balancer → tasks → data, nothing else.

Each data service admits only the tasks' group on its own port, so a database or file system is
never reachable from the internet or from other workloads in the account.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

EVERYWHERE = ["0.0.0.0/0"]


@dataclass
class FirewallArgs:
    vpc_id: pulumi.Input[str]
    app_port: int
    db_port: int | None
    cache: bool
    files: bool
    internal_ports: list[int]
    """ports of the app's internal services, open between its own tasks only"""


class Firewall(pulumi.ComponentResource):
    def __init__(self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Firewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.edge = aws.ec2.SecurityGroup(
            f"{name}-edge",
            vpc_id=args.vpc_id,
            description="Load balancer: HTTPS and HTTP (redirected) from the internet",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp", from_port=443, to_port=443, cidr_blocks=EVERYWHERE, description="HTTPS"
                ),
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp", from_port=80, to_port=80, cidr_blocks=EVERYWHERE,
                    description="HTTP, answered only with a redirect to HTTPS",
                ),
            ],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="tcp", from_port=args.app_port, to_port=args.app_port,
                    cidr_blocks=["10.20.0.0/16"], description="to the app tasks",
                )
            ],
            opts=child,
        )
        self.tasks = aws.ec2.SecurityGroup(
            f"{name}-tasks",
            vpc_id=args.vpc_id,
            description="App tasks: only the load balancer may connect",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp", from_port=args.app_port, to_port=args.app_port,
                    security_groups=[self.edge.id], description="from the load balancer",
                ),
                *[
                    aws.ec2.SecurityGroupIngressArgs(
                        protocol="tcp", from_port=port, to_port=port, self=True,
                        description="between the app's own services",
                    )
                    for port in sorted(set(args.internal_ports))
                ],
            ],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="-1", from_port=0, to_port=0, cidr_blocks=EVERYWHERE,
                    description="image pulls, AWS APIs, SMTP and the app's own outbound calls",
                )
            ],
            opts=child,
        )
        self.database = self._inbound(name, "database", args.vpc_id, args.db_port, child)
        self.cache = self._inbound(name, "cache", args.vpc_id, 6379 if args.cache else None, child)
        self.files = self._inbound(name, "files", args.vpc_id, 2049 if args.files else None, child)
        self.register_outputs({})

    def _inbound(self, name, what, vpc_id, port, child):
        if port is None:
            return None
        return aws.ec2.SecurityGroup(
            f"{name}-{what}",
            vpc_id=vpc_id,
            description=f"{what.capitalize()}: only the app tasks, port {port}",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp", from_port=port, to_port=port,
                    security_groups=[self.tasks.id], description="from the app tasks",
                )
            ],
            egress=[],
            opts=child,
        )
