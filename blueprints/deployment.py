"""A Deployment: one blueprint plus one council's answers, validated and resolved.

Everything downstream (stacks, plan, policy, cost) reads this, never the raw answers, so a bad
answer is refused here with one clear line, before anything is built.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .clouds import CLOUDS, UK_REGIONS, facts
from .dates import strict_date, today  # noqa: F401  (today: re-exported, callers import it from here)
from .errors import UserError
from .loader import resolve
from .model import Blueprint, TierSizes

TIERS = ("trial", "production")
DEFAULT_COUNCIL = "Example Council"
DEFAULT_TRIAL_DAYS = 30
# A council's name as it writes it, in any script ("Cyngor Sir Ynys Môn", "Comhairle na
# Gàidhealtachd"), read in Unicode NFC: letters and digits of any script (`[^\W_]`), spaces and the
# punctuation real names use (straight or typographic apostrophe). It appears as written in
# reports, the runbook and stack outputs; every cloud name and tag is derived from its ASCII slug.
COUNCIL_RE = re.compile(r"^[^\W_](?:[^\W_]|[ &'\u2019.,()-]){1,79}$")
DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$")


def clouds_for(bp: Blueprint) -> tuple[str, ...]:
    """The clouds that can host the blueprint's database: as a managed service (its engine or one
    it also runs on), or else its own engine self-managed on a VM (CloudFacts.self_managed_engines)."""
    db = bp.database
    if db is None:
        return CLOUDS
    return tuple(c for c in CLOUDS if any(e in facts(c).managed_engines for e in (db.engine, *db.also_runs_on))
                 or db.engine in facts(c).self_managed_engines)


def slugify(name: str) -> str:
    """'Royal Borough of Kingston upon Thames' → 'royal-borough-of-kingston-upon-thames';
    'Cyngor Sir Ynys Môn' → 'cyngor-sir-ynys-mon': any script is transliterated to ASCII first
    (anyascii), so every cloud name and tag derived from the slug stays within [a-z0-9-]."""
    from anyascii import anyascii

    slug = re.sub(r"[^a-z0-9]+", "-", anyascii(unicodedata.normalize("NFC", name)).lower()).strip("-")
    return slug or "council"


def placeholder_label(council: str) -> str:
    """The council's slug as one DNS label of the placeholder domain: at most 63 characters
    (RFC 1035 2.3.4), never ending in a hyphen."""
    return slugify(council)[:63].rstrip("-") or "council"


@dataclass(frozen=True)
class Deployment:
    blueprint: Blueprint
    blueprint_dir: Path
    council: str
    cloud: str
    tier: str
    region: str
    domain: str
    contact: str
    expires_on: str | None
    non_uk_region: bool = False
    defaults_used: tuple[str, ...] = field(default=())

    @property
    def council_slug(self) -> str:
        return slugify(self.council)

    @property
    def app_id(self) -> str:
        return self.blueprint.id

    @property
    def sizes(self) -> TierSizes:
        return getattr(self.blueprint.tiers, self.tier)

    @property
    def database_engine(self) -> str | None:
        """The engine this deployment's database runs: the blueprint's, or the first engine it
        also runs on that the cloud offers as a managed service, or else the blueprint's own,
        self-managed (checked in build_deployment). Managed is preferred wherever it is allowed."""
        db = self.blueprint.database
        if db is None:
            return None
        managed = facts(self.cloud).managed_engines
        return next((e for e in (db.engine, *db.also_runs_on) if e in managed), db.engine)

    @property
    def database_hosting(self) -> str | None:
        """"managed" (the cloud's database service) or "self-managed" (a VM the stack builds and
        the council patches: stacks/<cloud>/database_vm.py); None without a database."""
        if self.blueprint.database is None:
            return None
        return "managed" if self.database_engine in facts(self.cloud).managed_engines else "self-managed"

    @property
    def caches(self):
        """The caches this deployment runs (see Cache.only_with_replicas)."""
        return self.blueprint.caches_for(self.tier)

    @property
    def production(self) -> bool:
        return self.tier == "production"

    @property
    def stack_name(self) -> str:
        return f"{self.council_slug}-{self.app_id}-{self.tier}"

    @property
    def tags(self) -> dict[str, str]:
        """The tags DESIGN.md requires on every taggable resource."""
        tags = {
            "council": self.council_slug,
            "app": self.app_id,
            "blueprint": self.blueprint.ref,
            "tier": self.tier,
            "managed-by": "councilkit",
            # One stack's resources, whatever the council runs beside it: what its budget
            # filters on and what `destroy` and the acceptance suite check is gone.
            "stack": self.stack_name,
        }
        if self.expires_on:
            tags["expires-on"] = self.expires_on
        return tags


def _without_marks(text: str) -> str:
    """`text` less its combining marks (Unicode category M): NFC leaves some letters decomposed
    (Devanagari क़ is क + nukta), and a mark is part of the letter before it, not punctuation."""
    return "".join(c for c in text if not unicodedata.category(c).startswith("M"))


def _check(value: str, pattern: re.Pattern, what: str, example: str) -> str:
    if not pattern.match(value):
        raise UserError(f"{what}: {value!r} is not valid; expected e.g. {example}")
    return value


def build_deployment(
    app: str,
    *,
    cloud: str,
    tier: str,
    council: str | None = None,
    domain: str | None = None,
    contact: str | None = None,
    region: str | None = None,
    allow_non_uk_region: bool = False,
    trial_days: int = DEFAULT_TRIAL_DAYS,
    expires_on: str | None = None,
    blueprint_dirs: tuple = (),
    locked: tuple[Blueprint, Path] | None = None,
) -> Deployment:
    """Validate the answers and resolve the blueprint; raises UserError with one line.

    `locked` (a rendered stack's blueprint and its folder of build files) is used instead of the
    catalogue, so a stack deploys what its lock says whatever blueprints are installed.
    """
    if cloud not in CLOUDS:
        raise UserError(f"cloud: {cloud!r} is not supported; expected one of {', '.join(CLOUDS)}")
    if tier not in TIERS:
        raise UserError(f"tier: {tier!r} is not valid; expected one of {', '.join(TIERS)}")
    defaults = [name for name, given in (("council", council), ("domain", domain), ("contact", contact)) if given is None]
    council = DEFAULT_COUNCIL if council is None else council
    council = unicodedata.normalize("NFC", council.strip())
    if len(council) > 80 or not COUNCIL_RE.match(_without_marks(council)):
        raise UserError(f"council: {council!r} is not valid; expected e.g. 'Borsetshire County Council' "
                        "or 'Cyngor Sir Ynys Môn'")
    if locked is not None:
        bp, blueprint_dir = locked
    else:
        bp, path = resolve(app, tuple(blueprint_dirs))
        blueprint_dir = path.parent
    if domain is None:
        domain = f"{bp.id}.{placeholder_label(council)}.example.org"
    domain = _check(domain.strip().lower(), DOMAIN_RE, "domain", "intranet.borsetshire.gov.uk")
    if contact is None:
        contact = f"it-team@{placeholder_label(council)}.example.org"
    contact = _check(contact.strip(), EMAIL_RE, "contact", "it-team@borsetshire.gov.uk")
    cloud_facts = facts(cloud)
    region = (region or cloud_facts.default_region).strip()
    if not cloud_facts.region_pattern.match(region):
        raise UserError(f"region: {region!r} is not a region of {cloud_facts.title}; expected e.g. {cloud_facts.default_region}")
    from .regions import unknown_region

    unknown = unknown_region(cloud_facts, region)
    if unknown:
        raise UserError(unknown)
    non_uk = region not in cloud_facts.uk_regions
    if non_uk and not allow_non_uk_region:
        raise UserError(
            f"region: {region} is outside the UK; UK regions for {cloud} are "
            f"{', '.join(cloud_facts.uk_regions)} (pass --allow-non-uk-region to place data elsewhere)"
        )
    if cloud not in clouds_for(bp):
        db = bp.database
        raise UserError(
            f"{bp.ref} needs {db.engine}, which {cloud} neither offers as a managed database "
            f"(it offers {', '.join(cloud_facts.managed_engines)}) nor runs self-managed; "
            f"plan it on {' or '.join(clouds_for(bp))}"
        )
    db = bp.database
    shipped = cloud_facts.self_managed_engines.get(db.engine, ()) if db else ()
    if db and db.engine not in cloud_facts.managed_engines and not set(db.also_runs_on) & set(cloud_facts.managed_engines) \
            and db.version not in shipped:
        raise UserError(
            f"{bp.ref} needs {db.engine} {db.version}, which {cloud} would run self-managed, but no supported "
            f"image ships that version (it runs {db.engine} {', '.join(shipped)}); plan it on another cloud "
            "or use a blueprint version on a supported release"
        )
    cpu_max, memory_max = cloud_facts.max_process
    for name, size in getattr(bp.tiers, tier).processes.items():
        if size.cpu > cpu_max or size.memory_gib > memory_max:
            raise UserError(
                f"{bp.ref}: process {name} asks for {size.cpu:g} vCPU / {size.memory_gib:g} GiB on {tier}; "
                f"{cloud} runs at most {cpu_max:g} vCPU / {memory_max:g} GiB per process"
            )
    if tier == "trial":
        if expires_on is None:
            if not 1 <= trial_days <= 365:
                raise UserError(f"expires: {trial_days} days is not valid; expected 1 to 365 days")
            expires_on = (today() + dt.timedelta(days=trial_days)).isoformat()
        else:
            if strict_date(expires_on) is None:
                raise UserError(f"expires-on: expected a date YYYY-MM-DD, got {expires_on!r}")
    else:
        expires_on = None
    return Deployment(
        blueprint=bp,
        blueprint_dir=blueprint_dir,
        council=council,
        cloud=cloud,
        tier=tier,
        region=region,
        domain=domain,
        contact=contact,
        expires_on=expires_on,
        non_uk_region=non_uk,
        defaults_used=tuple(defaults),
    )
