"""Issue 12, "ERPNext on Azure": a blueprint whose engine Azure offers as no managed service
(MariaDB) gets a self-managed database VM, pinned on the real ERPNext plans: where it runs, how it
is reached, installed, secured, patched, backed up, watched and priced, and each new control's
catch (mutation self-tests)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt

import pytest
import yaml

from councilkit.blueprints.clouds import facts
from councilkit.blueprints.deployment import build_deployment as build
from councilkit.blueprints.errors import UserError
from councilkit.stacks.azure import database_vm
from councilkit.stacks.cost import estimate
from councilkit.stacks.policy import CONTROLS, Facts, run
from councilkit.stacks.policy import types as t

from helpers import planned

CONTROL = {c.id: c for c in CONTROLS}
TODAY = dt.date(2026, 11, 25)
VM = "azure-native:compute:VirtualMachine"


def _one(plan, type_):
    (r,) = plan.of_type(type_)
    return r


def _cloud_init(plan) -> str:
    return base64.b64decode(_one(plan, VM).inputs["osProfile"]["customData"]).decode()


def test_erpnext_runs_self_managed_on_azure_and_a_blueprint_allowing_mysql_stays_managed():
    erp = build("erpnext", cloud="azure", tier="production")
    assert (erp.database_engine, erp.database_hosting) == ("mariadb", "self-managed")
    # localgov-drupal is mariadb `also_runs_on: [mysql]`: the managed MySQL flexible server wins.
    drupal = build("localgov-drupal", cloud="azure", tier="production")
    assert (drupal.database_engine, drupal.database_hosting) == ("mysql", "managed")
    assert build("erpnext", cloud="aws", tier="trial").database_hosting == "managed"


def test_the_version_table_and_the_cloud_facts_agree():
    assert {e: tuple(v for (e2, v) in database_vm.IMAGES if e2 == e) for e, _ in database_vm.IMAGES} \
        == dict(facts("azure").self_managed_engines)
    image = database_vm.image_for("mariadb", "10.11")
    # Microsoft's automatic guest patching list names this exact publisher/offer/sku.
    assert (image.publisher, image.offer, image.sku) == ("Canonical", "ubuntu-24_04-lts", "server")


def test_a_version_no_supported_image_ships_is_refused_before_planning_with_one_line():
    d = build("erpnext", cloud="aws", tier="trial")
    bp = d.blueprint.model_copy(update={"database": d.blueprint.database.model_copy(update={"version": "10.6"})})
    with pytest.raises(UserError) as err:
        build("erpnext", cloud="azure", tier="trial", locked=(bp, d.blueprint_dir))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{d.blueprint.ref} needs mariadb 10.6, which azure would run self-managed, but no supported image")
    assert "it runs mariadb 10.11" in message


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_the_vm_is_private_zonal_patched_by_azure_with_its_data_on_zone_redundant_premium_ssd(tier):
    d, plan = planned("erpnext", "azure", tier)
    vm = _one(plan, VM)
    assert vm.inputs["zones"] == ["1"]
    assert vm.inputs["hardwareProfile"]["vmSize"] == database_vm.VM_SIZE[(tier, d.sizes.database.size)]
    assert vm.inputs["storageProfile"]["imageReference"] == {
        "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
    linux = vm.inputs["osProfile"]["linuxConfiguration"]
    assert linux["provisionVMAgent"] is True
    assert linux["patchSettings"]["patchMode"] == "AutomaticByPlatform"
    assert vm.inputs["storageProfile"]["osDisk"]["managedDisk"]["storageAccountType"] == "Premium_LRS"
    disk = _one(plan, "azure-native:compute:Disk")
    assert (disk.inputs["sku"], disk.inputs["diskSizeGB"]) == ({"name": "Premium_ZRS"}, d.sizes.database.storage_gib)
    nic = _one(plan, "azure-native:network:NetworkInterface")
    (ip,) = nic.inputs["ipConfigurations"]
    assert "publicIPAddress" not in ip and ip["privateIPAddress"] == "10.20.2.4"
    # The database subnet is no flexible server's: not delegated, egress through the NAT gateway.
    subnet = next(s for s in plan.of_type(t.SUBNET) if s.inputs["subnetName"] == "database")
    assert not subnet.inputs.get("delegations")
    assert "natGateway" in subnet.inputs
    # No managed flexible server is planned beside it.
    assert not plan.of_type(t.MYSQL) and not plan.of_type(t.POSTGRES)


def test_the_apps_reach_mariadb_on_3306_from_the_apps_subnet_only():
    d, plan = planned("erpnext", "azure", "production")
    db_nsg = next(g for g in plan.of_type(t.NSG) if g.name.endswith("-database-nsg"))
    rule = next(r for r in db_nsg.inputs["securityRules"] if r["name"] == "allow-apps-db-in")
    assert (rule["sourceAddressPrefix"], rule["destinationPortRanges"]) == ("10.20.0.0/23", ["3306"])
    ep_nsg = next(g for g in plan.of_type(t.NSG) if g.name.endswith("-endpoints-nsg"))
    vm_rule = next(r for r in ep_nsg.inputs["securityRules"] if r["name"] == "allow-db-vm-endpoints-in")
    assert (vm_rule["sourceAddressPrefix"], vm_rule["destinationPortRanges"]) == ("10.20.2.0/24", ["443"])
    backend = next(a for a in plan.of_type("azure-native:app:ContainerApp")
                   if a.inputs["containerAppName"] == "erpnext-backend")
    env = {e["name"]: e.get("value") for c in backend.inputs["template"]["containers"] for e in c.get("env", [])}
    assert (env["DB_HOST"], env["DB_PORT"], env["DB_ROOT_USER"]) == ("10.20.2.4", "3306", "erpnext")


def test_cloud_init_installs_the_distros_mariadb_with_tls_required_and_the_blueprints_parameters():
    d, plan = planned("erpnext", "azure", "production")
    text = _cloud_init(plan)
    assert text.startswith("#cloud-config\n")
    doc = yaml.safe_load(text)
    assert "mariadb-server" in doc["packages"] and "unattended-upgrades" in doc["packages"]
    files = {f["path"]: f["content"] for f in doc["write_files"]}
    cnf = files["/etc/mysql/mariadb.conf.d/60-councilkit.cnf"]
    assert "require_secure_transport = ON" in cnf
    for key, value in d.blueprint.database.parameters.items():
        assert f"{key} = {value}" in cnf
    # The password comes from Key Vault at boot, through the managed identity: never in the text.
    secret = files["/usr/local/sbin/councilkit-db-secret"]
    assert "169.254.169.254/metadata/identity/oauth2/token" in secret and "resource=https%3A%2F%2Fvault.azure.net" in secret
    assert "/secrets/db-password?api-version=7.4" in secret
    assert "IDENTIFIED BY '$quoted'" in files["/usr/local/sbin/councilkit-db-setup"]
    # Nightly dump to the private container, on a systemd timer.
    assert "mariadb-dump" in files["/usr/local/sbin/councilkit-db-dump"]
    assert "OnCalendar=*-*-* 01:30:00 UTC" in files["/etc/systemd/system/councilkit-db-dump.timer"]
    assert "councilkit-db-dump.timer" in str(doc["runcmd"])


def test_the_vm_identity_reads_only_its_secret_and_writes_only_the_dumps_container():
    _, plan = planned("erpnext", "azure", "trial")
    grants = [r for r in plan.of_type(t.ROLE_ASSIGNMENT) if r.name.startswith("database-")]
    scopes = {r.name: r.inputs["scope"] for r in grants}
    assert set(scopes) == {"database-secret-read", "database-dumps-write"}
    assert scopes["database-secret-read"].endswith("/secrets/db-password")
    account = next(a for a in plan.of_type(t.STORAGE_ACCOUNT) if a.name == "database-dumps")
    assert (account.inputs["publicNetworkAccess"], account.inputs["allowSharedKeyAccess"]) == ("Disabled", False)


def test_production_backs_the_vm_up_in_the_vault_and_a_trial_does_not():
    _, plan = planned("erpnext", "azure", "production")
    item = next(i for i in plan.of_type("azure-native:recoveryservices:ProtectedItem")
                if i.inputs["properties"]["protectedItemType"] == "Microsoft.Compute/virtualMachines")
    vm = _one(plan, VM)
    assert item.inputs["protectedItemName"] == f"vm;iaasvmcontainerv2;rg-example-council-erpnext-production;{vm.inputs['vmName']}"
    assert item.inputs["containerName"].startswith("iaasvmcontainer;iaasvmcontainerv2;")
    _, trial = planned("erpnext", "azure", "trial")
    assert not trial.of_type("azure-native:recoveryservices:ProtectedItem")


def test_alerts_watch_cpu_disk_and_availability_of_the_vm():
    _, plan = planned("erpnext", "azure", "trial")
    alerts = {a.inputs["ruleName"]: a.inputs["criteria"]["allOf"][0] for a in plan.of_type("azure-native:monitor:MetricAlert")}
    assert alerts["db-cpu"]["metricName"] == "Percentage CPU"
    assert alerts["db-disk"]["metricName"] == "Data Disk IOPS Consumed Percentage"
    assert (alerts["db-availability"]["metricName"], alerts["db-availability"]["operator"]) == ("VmAvailabilityMetric", "LessThan")


def test_the_estimate_lists_the_vm_hosted_databases_lines():
    _, plan = planned("erpnext", "azure", "production")
    est = estimate(plan.resources, cloud="azure", region="uksouth", tier="production")
    keys = {line.price.key for line in est.lines}
    assert {"vm.linux.Standard_D2s_v5", "managed_disk.premium_lrs.P4", "managed_disk.premium_zrs.P10",
            "backup.vm.instance_500gb", "backup.vm.grs.gb_month", "nat_gateway.hour", "blob.hot.zrs.gb_month"} <= keys
    derived = [line for line in est.lines if line.price.key.startswith(("vm.", "managed_disk.", "nat_gateway."))]
    assert all("derived" in line.price.unit for line in derived)
    assert not [u for u in est.unpriced if u.type in (VM, "azure-native:compute:Disk")]


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_the_new_controls_pass_on_the_real_plans(tier):
    _, plan = planned("erpnext", "azure", tier)
    facts_ = Facts(cloud="azure", tier=tier, today=TODAY)
    for cid in ("CK-AZR-034", "CK-AZR-035") + (("CK-AZR-036",) if tier == "production" else ()):
        assert CONTROL[cid].mandatory
        assert run(CONTROL[cid], plan.resources, facts_).status == "passed", cid


def _replace(plan, target, inputs):
    changed = dataclasses.replace(target, inputs=inputs)
    return [changed if r.urn == target.urn else r for r in plan.resources]


def test_tls_control_catches_a_planted_config_without_require_secure_transport():
    _, plan = planned("erpnext", "azure", "production")
    vm = _one(plan, VM)
    text = _cloud_init(plan).replace("require_secure_transport = ON", "require_secure_transport = OFF")
    planted = {**vm.inputs, "osProfile": {**vm.inputs["osProfile"],
                                          "customData": base64.b64encode(text.encode()).decode()}}
    result = run(CONTROL["CK-AZR-034"], _replace(plan, vm, planted), Facts(cloud="azure", tier="production", today=TODAY))
    assert result.status == "failed"
    assert "does not set require_secure_transport = ON" in result.failures[0].reason


@pytest.mark.parametrize("plant, why", [("public-ip", "public IP on database-nic"), ("patch", "patch mode ImageDefault")])
def test_exposure_control_catches_a_planted_public_ip_or_image_default_patching(plant, why):
    _, plan = planned("erpnext", "azure", "production")
    if plant == "public-ip":
        nic = _one(plan, "azure-native:network:NetworkInterface")
        (ip,) = nic.inputs["ipConfigurations"]
        resources = _replace(plan, nic, {**nic.inputs, "ipConfigurations": [{**ip, "publicIPAddress": {"id": "pip"}}]})
    else:
        vm = _one(plan, VM)
        linux = vm.inputs["osProfile"]["linuxConfiguration"]
        resources = _replace(plan, vm, {**vm.inputs, "osProfile": {**vm.inputs["osProfile"], "linuxConfiguration": {
            **linux, "patchSettings": {"patchMode": "ImageDefault"}}}})
    result = run(CONTROL["CK-AZR-035"], resources, Facts(cloud="azure", tier="production", today=TODAY))
    assert result.status == "failed"
    assert why in result.failures[0].reason


def test_backup_control_catches_a_vm_without_a_protected_item():
    _, plan = planned("erpnext", "azure", "production")
    kept = [r for r in plan.resources if not (r.type == "azure-native:recoveryservices:ProtectedItem"
                                              and r.inputs["properties"]["protectedItemType"] == "Microsoft.Compute/virtualMachines")]
    result = run(CONTROL["CK-AZR-036"], kept, Facts(cloud="azure", tier="production", today=TODAY))
    assert result.status == "failed"
    assert result.failures[0].reason == "no Azure Backup protected item for this VM"
