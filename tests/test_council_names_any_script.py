"""Council names in any script (issue 14, class 10): "Cyngor Sir Ynys Môn" is a real council (the
Isle of Anglesey County Council's Welsh name) and was refused by an ASCII-only check. Names are
accepted as written (read in Unicode NFC), kept as written where people read them (the plan, the
runbook, stack outputs), and every cloud name and tag comes from an ASCII slug."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from councilkit.blueprints.deployment import COUNCIL_RE, build_deployment, slugify
from councilkit.blueprints.errors import UserError

# Official Welsh, Scottish Gaelic, Irish and Cornish names of councils (as the councils publish
# them), beside English ones with a typographic apostrophe.
REAL_NAMES = {
    "Cyngor Sir Ynys Môn": "cyngor-sir-ynys-mon",
    "Cyngor Gwynedd": "cyngor-gwynedd",
    "Cyngor Bwrdeistref Sirol Rhondda Cynon Taf": "cyngor-bwrdeistref-sirol-rhondda-cynon-taf",
    "Comhairle nan Eilean Siar": "comhairle-nan-eilean-siar",
    "Comhairle na Gàidhealtachd": "comhairle-na-gaidhealtachd",
    "Comhairle Contae Dhún na nGall": "comhairle-contae-dhun-na-ngall",
    "Konsel Kernow": "konsel-kernow",
    "King\u2019s Lynn & West Norfolk": "king-s-lynn-west-norfolk",
}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize("name,slug", sorted(REAL_NAMES.items()))
@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_real_council_names_are_accepted_as_written_and_named_in_ascii(name, slug, cloud):
    d = build_deployment("nextcloud", cloud=cloud, tier="trial", council=name)
    assert d.council == name
    assert d.council_slug == slug
    assert d.tags["council"] == slug and d.stack_name == f"{slug}-nextcloud-trial"
    assert d.domain == f"nextcloud.{slug}.example.org"


def test_decomposed_input_is_read_as_the_same_name():
    """A name typed with a combining circumflex (NFD, as some keyboards and macOS file names give)
    is the same council as the precomposed one."""
    decomposed = unicodedata.normalize("NFD", "Cyngor Sir Ynys Môn")
    assert decomposed != "Cyngor Sir Ynys Môn"
    d = build_deployment("nextcloud", cloud="aws", tier="trial", council=decomposed)
    assert d.council == "Cyngor Sir Ynys Môn" and d.council_slug == "cyngor-sir-ynys-mon"


@pytest.mark.parametrize("bad", ["Council\nof Evil", "Tab\tCouncil", "\U0001F3F0 Castle Council", "_Council",
                                 "Council <script>", "x" * 81, "A"])
def test_what_is_not_a_name_is_refused_in_one_line(bad):
    with pytest.raises(UserError) as raised:
        build_deployment("nextcloud", cloud="aws", tier="trial", council=bad)
    message = str(raised.value)
    assert message.startswith("council: ") and "\n" not in message
    assert "Cyngor Sir Ynys Môn" in message  # the example says names in any script are welcome


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_a_welsh_council_plans_cleanly_and_reads_as_written(cli, tmp_path, cloud):
    out = tmp_path / "plan.json"
    result = cli("plan", "nextcloud", "--cloud", cloud, "--tier", "production", "--council", "Cyngor Sir Ynys Môn",
                 "--domain", "ffeiliau.ynysmon.llyw.cymru", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "Cyngor Sir Ynys Môn" in result.stdout
    assert "no violations" in result.stdout
    assert "cyngor-sir-ynys-mon-nextcloud-production" in result.stdout
    import json

    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["deployment"]["council"] == "Cyngor Sir Ynys Môn"


def test_the_stack_folder_keeps_the_name_as_written(cli, tmp_path):
    folder = tmp_path / "stack"
    result = cli("new", "nextcloud", "--cloud", "azure", "--tier", "trial", "--council", "Cyngor Sir Ynys Môn",
                 "--dir", str(folder))
    assert result.returncode == 0, result.stderr
    assert "# Runbook: Nextcloud for Cyngor Sir Ynys Môn" in (folder / "RUNBOOK.md").read_text(encoding="utf-8")
    stack_files = list(folder.glob("Pulumi.*.yaml"))
    assert any("Cyngor Sir Ynys Môn" in f.read_text(encoding="utf-8") for f in stack_files)
    replan = cli("plan", str(folder))
    assert replan.returncode == 0, replan.stderr
    assert "Cyngor Sir Ynys Môn" in replan.stdout


@settings(max_examples=300, deadline=None)
@given(name=st.from_regex(COUNCIL_RE, fullmatch=True))
def test_any_accepted_name_in_any_script_gives_an_ascii_slug(name):
    """The regex admits letters and digits of every script; the slug is always [a-z0-9-], never
    empty, so cloud names derived from it (tested per cloud in test_deployability_names.py) hold."""
    slug = slugify(name)
    assert SLUG.match(slug), (name, slug)


def test_letters_nfc_leaves_decomposed_are_letters_and_marks_alone_are_not_a_name():
    """U+0958 (Devanagari qa) is a composition exclusion: NFC gives क + nukta (a combining mark),
    which belongs to the letter; a name of nothing but marks is refused."""
    d = build_deployment("nextcloud", cloud="aws", tier="trial", council="\u0958\u0930 Council")
    assert unicodedata.normalize("NFC", "\u0958") == "\u0915\u093c" and "\u093c" in d.council
    assert SLUG.match(d.council_slug)
    with pytest.raises(UserError, match="^council: "):
        build_deployment("nextcloud", cloud="aws", tier="trial", council="\u0301\u0301\u0301")
