"""Azure: Container Apps, Flexible Server, NFS Azure Files, Key Vault, Redis and Front Door.

`cloud.py` is the adapter (registered in `stacks.cloud.CLOUDS`); `stack.py` builds a deployment,
one ComponentResource per concern. Nothing here imports azure-native until `stack.py` is loaded.
"""
