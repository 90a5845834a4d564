"""Facts about Azure regions the stack needs (kept apart so tests and costs can read them)."""

from __future__ import annotations

# Regions with availability zones, where zone-redundant HA and environments exist. UK West has
# none: a production deployment there gets same-zone HA and a single-zone environment instead.
ZONAL = {
    "uksouth", "northeurope", "westeurope", "francecentral", "germanywestcentral", "swedencentral",
    "norwayeast", "switzerlandnorth", "italynorth", "polandcentral", "spaincentral",
    "eastus", "eastus2", "centralus", "westus2", "westus3", "southcentralus", "canadacentral",
    "australiaeast", "japaneast", "koreacentral", "southeastasia", "eastasia", "centralindia",
    "southafricanorth", "uaenorth", "qatarcentral", "israelcentral", "brazilsouth", "mexicocentral",
}


def zone_redundant(region: str) -> bool:
    return region in ZONAL
