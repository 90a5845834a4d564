"""AWS: ECS Fargate behind an ALB, with RDS, EFS, ElastiCache and Secrets Manager.

`cloud.py` is the adapter (registered in `stacks.cloud.CLOUDS`); `stack.py` builds a deployment,
one ComponentResource per concern. Nothing here imports pulumi_aws until `stack.py` is loaded.
"""
