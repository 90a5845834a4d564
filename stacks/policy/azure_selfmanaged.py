"""A self-managed database VM (stacks/azure/database_vm.py) has none of a managed server's
guarantees by default, so each is a mandatory control: TLS required, no public IP, automatic
patching, and (production) a backup in the Recovery Services vault. Not applicable to a plan
without one. Imports no SDK."""

from __future__ import annotations

import base64
import binascii
import re

from .model import BOTH, PRODUCTION
from .registry import as_list, control, get, judge, of_type, refers_to

VM = "azure-native:compute:VirtualMachine"
NIC = "azure-native:network:NetworkInterface"
PROTECTED_ITEM = "azure-native:recoveryservices:ProtectedItem"
TLS_REQUIRED = re.compile(r"^\s*require_secure_transport\s*=\s*ON\s*$", re.MULTILINE | re.IGNORECASE)


def _cloud_init(vm) -> str:
    try:
        return base64.b64decode(str(get(vm.inputs, "osProfile.customData") or "")).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


@control("CK-AZR-034", "A self-managed database requires TLS", severity="high", tiers=BOTH, mandatory=True,
         benchmarks=("MCSB DP-3",), ncsc=("1",), types=(VM,), subject="database VM")
def vm_database_tls(resources, facts):
    """The server's config (written by the VM's cloud-init) must set `require_secure_transport =
    ON`, as the managed servers' parameter does (CK-AZR controls for flexible servers)."""
    return [judge(vm, bool(TLS_REQUIRED.search(_cloud_init(vm))), "require_secure_transport = ON in its server config",
                  "its cloud-init does not set require_secure_transport = ON: clients may connect unencrypted")
            for vm in of_type(resources, VM)]


@control("CK-AZR-035", "A self-managed database has no public IP and is patched automatically", severity="high",
         tiers=BOTH, mandatory=True, benchmarks=("MCSB NS-2", "MCSB PV-6"), ncsc=("5", "11"), types=(VM, NIC),
         subject="database VM", scope="stack")
def vm_database_exposure(resources, facts):
    """No network interface of the VM carries a public IP, and Azure installs Critical and Security
    patches (`patchMode: AutomaticByPlatform`; automatic-vm-guest-patching.md)."""
    nics = of_type(resources, NIC)
    out = []
    for vm in of_type(resources, VM):
        mine = [n for n in nics for ref in as_list(get(vm.inputs, "networkProfile.networkInterfaces"))
                if refers_to(get(ref, "id"), n)]
        public = [n.name for n in mine for ip in as_list(n.inputs.get("ipConfigurations")) if ip.get("publicIPAddress")]
        mode = get(vm.inputs, "osProfile.linuxConfiguration.patchSettings.patchMode")
        problems = ([f"public IP on {', '.join(public)}"] if public else []) + (
            [] if mode == "AutomaticByPlatform" else [f"patch mode {mode or 'ImageDefault'}: Azure does not patch it"])
        out.append(judge(vm, not problems, "private address only; patched by Azure (AutomaticByPlatform)",
                         "; ".join(problems)))
    return out


@control("CK-AZR-036", "A production self-managed database is backed up by Azure Backup", severity="high",
         tiers=PRODUCTION, mandatory=True, benchmarks=("MCSB BR-1",), ncsc=("10",), types=(VM, PROTECTED_ITEM),
         subject="database VM", scope="stack")
def vm_database_backup(resources, facts):
    """A protected item in the Recovery Services vault names the VM (backup.py); the nightly dump is
    a second copy, not a replacement."""
    items = of_type(resources, PROTECTED_ITEM)
    return [judge(vm, any(refers_to(get(i.inputs, "properties.sourceResourceId"), vm) for i in items),
                  "protected in the Recovery Services vault", "no Azure Backup protected item for this VM")
            for vm in of_type(resources, VM)]
