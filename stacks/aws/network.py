"""Network: a VPC over two availability zones with public and private subnets.

Production: tasks and databases in private subnets, egress through one NAT gateway per AZ so an
AZ outage does not cut the other off. Trial: no NAT gateways (about $70/month for two); tasks
run in the public subnets with a public IP for egress, but their security group admits only the
load balancer, and the database stays in private subnets with no route to the internet. A free
S3 gateway endpoint keeps image-layer pulls off the internet in both tiers. VPC flow logs go to
CloudWatch in both tiers (AWS FSBP EC2.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.spec import NETWORK_CIDR

from . import iam

AZ_SUFFIXES = ("a", "b")


@dataclass
class NetworkArgs:
    deployment: Deployment
    log_retention_days: int
    kms_key_arn: pulumi.Input[str]


class Network(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Network", name, None, opts)
        d = args.deployment
        child = pulumi.ResourceOptions(parent=self)
        self.cidr = NETWORK_CIDR
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=NETWORK_CIDR,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{d.stack_name}"},
            opts=child,
        )
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            opts=child,
        )
        self.public_subnet_ids, self.private_subnet_ids = [], []
        private_route_tables = []
        for i, suffix in enumerate(AZ_SUFFIXES):
            az = f"{d.region}{suffix}"
            public = aws.ec2.Subnet(
                f"{name}-public-{suffix}",
                vpc_id=self.vpc.id,
                cidr_block=f"10.20.{i}.0/24",
                availability_zone=az,
                map_public_ip_on_launch=False,
                tags={"Name": f"{d.stack_name}-public-{suffix}", "tier-network": "public"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{suffix}", subnet_id=public.id, route_table_id=public_rt.id, opts=child
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{suffix}",
                vpc_id=self.vpc.id,
                cidr_block=f"10.20.{10 + i}.0/24",
                availability_zone=az,
                tags={"Name": f"{d.stack_name}-private-{suffix}", "tier-network": "private"},
                opts=child,
            )
            routes = []
            if d.production:
                eip = aws.ec2.Eip(f"{name}-nat-{suffix}", domain="vpc", opts=child)
                nat = aws.ec2.NatGateway(
                    f"{name}-nat-{suffix}", allocation_id=eip.id, subnet_id=public.id, opts=child
                )
                routes = [aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)]
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{suffix}", vpc_id=self.vpc.id, routes=routes, opts=child
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{suffix}", subnet_id=private.id, route_table_id=private_rt.id, opts=child
            )
            private_route_tables.append(private_rt.id)
            self.public_subnet_ids.append(public.id)
            self.private_subnet_ids.append(private.id)

        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{d.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[public_rt.id, *private_route_tables],
            opts=child,
        )
        # The default security group of a VPC allows all traffic between its members; take every
        # rule away so nothing relies on it (AWS FSBP EC2.2).
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=self.vpc.id, opts=child)
        self._flow_logs(name, args, child)
        self.register_outputs({"vpc_id": self.vpc.id})

    def _flow_logs(self, name: str, args: NetworkArgs, child: pulumi.ResourceOptions) -> None:
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", retention_in_days=args.log_retention_days, kms_key_id=args.kms_key_arn, opts=child
        )
        role = iam.role(
            f"{name}-flow-logs",
            "vpc-flow-logs.amazonaws.com",
            iam.document(
                iam.allow(
                    ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    [group.arn, pulumi.Output.concat(group.arn, ":*")],
                )
            ),
            child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            opts=child,
        )
