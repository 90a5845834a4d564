"""Security groups: who may talk to whom. Internet → load balancer → tasks → data, nothing else.

Each data service admits only the tasks' group on its own port, so a database or file system is
never reachable from the internet or from other workloads in the account. The tasks may reach
the internet only on HTTPS and the mail-submission ports (image pulls, AWS APIs, the council's
mail relay, the app's own calls), and each data service only on its port in its own group.
DNS to the VPC resolver needs no rule: security groups do not filter Amazon DNS traffic
(https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html, "Security groups
don't filter traffic destined to and from ... Amazon Domain Name Services (DNS)").

Rule and group descriptions are limited by EC2 to `A-Za-z0-9`, space and `._-:/()#,@[]+=&;{}!$*`
(terraform-provider-aws internal/service/ec2 `validSecurityGroupRuleDescription`, from the EC2
API's IpRange): no apostrophes. The deployability rules check every plan against that set.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.stacks.spec import NETWORK_CIDR

EVERYWHERE = ["0.0.0.0/0"]
EVERYWHERE_CIDR = EVERYWHERE[0]
HTTPS = 443
# Mail submission to a relay: 587 (STARTTLS, RFC 6409) and 465 (implicit TLS, RFC 8314). Port 25
# is not opened: AWS throttles it by default and councils relay through their own service.
MAIL_PORTS = (587, 465)
CACHE_PORT = 6379
NFS_PORT = 2049


@dataclass
class FirewallArgs:
    vpc_id: pulumi.Input[str]
    app_port: int
    db_port: int | None
    cache: bool
    files: bool
    internal_ports: list[int]
    """ports of the app's internal services, open between its own tasks only"""


def task_egress_plan(args: FirewallArgs) -> list[tuple[str, int, str]]:
    """(what, port, to) of every outbound rule of the tasks' group; `to` is a CIDR or the name
    of a data group ("database", "cache", "files", "tasks")."""
    rules = [("HTTPS to the internet and AWS APIs", HTTPS, EVERYWHERE_CIDR)]
    rules += [(f"mail submission to the relay, port {p}", p, EVERYWHERE_CIDR) for p in MAIL_PORTS]
    if args.db_port is not None:
        rules.append((f"to the database, port {args.db_port}", args.db_port, "database"))
    if args.cache:
        rules.append((f"to the cache, port {CACHE_PORT}", CACHE_PORT, "cache"))
    if args.files:
        rules.append((f"to the file system, port {NFS_PORT}", NFS_PORT, "files"))
    rules += [(f"between the app services, port {p}", p, "tasks") for p in sorted(set(args.internal_ports))]
    return rules


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
                    cidr_blocks=[NETWORK_CIDR], description="to the app tasks",
                )
            ],
            opts=child,
        )
        # No inline egress here: outbound rules are separate resources (below) because they
        # name the data groups, which name this group in their ingress; inline on both sides
        # would be a cycle. The provider removes the default allow-all egress rule EC2 adds to
        # a new group (terraform-provider-aws aws_security_group: "remove this default rule").
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
                        description="between the app services",
                    )
                    for port in sorted(set(args.internal_ports))
                ],
            ],
            revoke_rules_on_delete=True,
            opts=child,
        )
        self.database = self._inbound(name, "database", args.vpc_id, args.db_port, child)
        self.cache = self._inbound(name, "cache", args.vpc_id, CACHE_PORT if args.cache else None, child)
        self.files = self._inbound(name, "files", args.vpc_id, NFS_PORT if args.files else None, child)
        groups = {"database": self.database, "cache": self.cache, "files": self.files, "tasks": self.tasks}
        for i, (what, port, to) in enumerate(task_egress_plan(args)):
            target = {"cidr_ipv4": to} if to == EVERYWHERE_CIDR else {"referenced_security_group_id": groups[to].id}
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-tasks-out-{i}",
                security_group_id=self.tasks.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=what,
                **target,
                opts=child,
            )
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
