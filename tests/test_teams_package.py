"""`msbot teams-package`: the zip validates against Microsoft's manifest schema, carries the bot
id, commands, the message-extension action and the RSC permission, and two icons of the sizes
Teams requires; placeholders are refused unless asked for."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from jsonschema import Draft4Validator, Draft6Validator
from PIL import Image

from bot.config import ConfigError
from handlers.cli import main
from handlers.teams import package

SCHEMA = Path(__file__).parent / "data" / "teams-manifest-v1.22.schema.json"
BOT_ID = "6f1c2b9e-4d3a-4c8b-9e7f-2a1b3c4d5e6f"
REAL = {
    "TEAMS_APP_ID": BOT_ID,
    "TEAMS_DEVELOPER_NAME": "Crown Commercial Team",
    "TEAMS_DEVELOPER_URL": "https://complaints.gov.test/help",
    "TEAMS_PRIVACY_URL": "https://complaints.gov.test/privacy",
    "TEAMS_TERMS_URL": "https://complaints.gov.test/terms",
    "TEAMS_VALID_DOMAINS": "msbot.complaints.gov.test",
}
# The schema says draft-04 but uses draft-06's `const` (for manifestVersion): without it a
# draft-04 validator would accept any manifestVersion.
ManifestValidator = jsonschema.validators.extend(
    Draft4Validator, {"const": Draft6Validator.VALIDATORS["const"]}
)


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text())
    ManifestValidator.check_schema(schema)
    return ManifestValidator(schema)


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _settings(**overrides):
    return package.load_package_settings({**REAL, **overrides})


def test_the_manifest_is_valid_against_microsofts_schema():
    manifest = package.build_manifest(_settings())
    errors = sorted(_validator().iter_errors(manifest), key=str)
    assert errors == []
    assert manifest["manifestVersion"] == "1.22"
    assert manifest["$schema"].endswith("/v1.22/MicrosoftTeams.schema.json")


def test_the_validator_does_catch_a_broken_manifest():
    """The schema check is not vacuous: wrong version, bad GUID and an unknown key all fail."""
    manifest = package.build_manifest(_settings())
    broken = {**manifest, "manifestVersion": "1.5", "id": "not-a-guid", "surprise": True}
    messages = " ".join(error.message for error in _validator().iter_errors(broken))
    assert "'1.22' was expected" in messages
    assert "not-a-guid" in messages
    assert "surprise" in messages


def test_the_manifest_carries_the_bot_commands_extension_and_rsc_permission():
    manifest = package.build_manifest(_settings())
    (bot,) = manifest["bots"]
    assert bot["botId"] == BOT_ID and manifest["id"] == BOT_ID
    assert set(bot["scopes"]) == {"personal", "team"}
    # A lead's subject-access export comes as a file in the 1:1 chat (file consent).
    assert bot["supportsFiles"] is True
    by_scope = {
        tuple(c["scopes"]): [cmd["title"] for cmd in c["commands"]] for c in bot["commandLists"]
    }
    assert {"help", "home", "complaint", "spotcheck", "timeline", "shadow", "privacy"} <= set(
        by_scope[("personal",)]
    )
    assert len(by_scope[("personal",)]) <= 10  # Teams shows at most ten
    assert {"help", "assign", "status", "tell-supplier", "reveal"} <= set(by_scope[("team",)])
    (extension,) = manifest["composeExtensions"]
    raise_complaint, spot_check = extension["commands"]
    assert extension["botId"] == BOT_ID
    assert [(a["id"], a["type"], a["title"], a["fetchTask"]) for a in extension["commands"]] == [
        ("raiseComplaint", "action", "Raise a complaint", True),
        ("openSpotCheck", "action", "Open a spot check", True),
    ]
    # A spot check is no message's: it opens from the message box only.
    assert "message" in raise_complaint["context"] and "message" not in spot_check["context"]
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}
    ]
    assert manifest["webApplicationInfo"]["id"] == BOT_ID
    assert manifest["validDomains"] == ["msbot.complaints.gov.test"]
    assert manifest["developer"]["privacyUrl"] == "https://complaints.gov.test/privacy"


def test_the_zip_holds_the_manifest_and_two_icons_at_its_top_level():
    files = _unzip(package.package_bytes(_settings()))
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}

    color = Image.open(io.BytesIO(files["color.png"]))
    assert (color.format, color.size) == ("PNG", (192, 192))
    outline = Image.open(io.BytesIO(files["outline.png"])).convert("RGBA")
    assert (outline.size, Image.open(io.BytesIO(files["outline.png"])).mode) == ((32, 32), "RGBA")
    raw = outline.tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    # Teams' rule for the outline icon: white, on a transparent background.
    assert {p[:3] for p in pixels if p[3]} == {(255, 255, 255)}
    assert pixels[0][3] == 0 and sum(1 for p in pixels if p[3] == 0) > len(pixels) // 2
    assert any(p[3] == 255 for p in pixels)


def test_the_same_settings_build_the_same_bytes():
    assert package.package_bytes(_settings()) == package.package_bytes(_settings())


@pytest.mark.parametrize("missing", sorted(package.PLACEHOLDERS))
def test_a_placeholder_is_refused_unless_asked_for(missing):
    env = {k: v for k, v in REAL.items() if k != missing}
    with pytest.raises(ConfigError) as refused:
        package.load_package_settings(env)
    assert any(
        missing in problem and "placeholder" in problem for problem in refused.value.problems
    )
    allowed = package.load_package_settings(env, allow_placeholders=True)
    assert missing in allowed.placeholders_used


def test_an_example_domain_typed_in_by_hand_counts_as_a_placeholder():
    with pytest.raises(ConfigError) as refused:
        _settings(TEAMS_PRIVACY_URL="https://www.example.com/privacy")
    assert any("TEAMS_PRIVACY_URL is a placeholder" in p for p in refused.value.problems)


def test_every_wrong_setting_is_reported_at_once():
    with pytest.raises(ConfigError) as refused:
        _settings(
            TEAMS_APP_ID="1234",
            TEAMS_PRIVACY_URL="http://complaints.gov.test/privacy",
            TEAMS_DEVELOPER_NAME="x" * 40,
            TEAMS_VALID_DOMAINS="https://msbot.gov.test/path",
            TEAMS_APP_VERSION="v2",
        )
    text = "\n".join(refused.value.problems)
    for expected in (
        "GUID",
        "TEAMS_PRIVACY_URL must be an https://",
        "40 characters",
        "host names",
    ):
        assert expected in text
    assert "MAJOR.MINOR.PATCH" in text


def test_no_valid_domain_is_refused():
    with pytest.raises(ConfigError) as refused:
        _settings(TEAMS_VALID_DOMAINS=" , ")
    assert any("at least the bot's public host" in p for p in refused.value.problems)


def test_placeholders_build_a_valid_package_for_the_playground():
    settings = package.load_package_settings({}, allow_placeholders=True)
    assert settings.bot_id == package.NIL_GUID
    assert list(_validator().iter_errors(package.build_manifest(settings))) == []


def test_the_command_writes_the_zip(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no .env here
    for key, value in REAL.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "dist" / "msbot.zip"
    assert main(["teams-package", "--out", str(out), "--app-version", "1.2.3"]) == 0
    manifest = json.loads(_unzip(out.read_bytes())["manifest.json"])
    assert (manifest["version"], manifest["bots"][0]["botId"]) == ("1.2.3", BOT_ID)
    assert "Wrote" in capsys.readouterr().out

    other = "0b9f2c1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
    assert main(["teams-package", "--out", str(out), "--bot-id", other]) == 0
    assert json.loads(_unzip(out.read_bytes())["manifest.json"])["bots"][0]["botId"] == other


def test_the_command_refuses_placeholders_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for key in REAL:
        monkeypatch.delenv(key, raising=False)
    out = tmp_path / "msbot.zip"
    assert main(["teams-package", "--out", str(out)]) == 2
    assert not out.exists()
    assert "TEAMS_APP_ID" in capsys.readouterr().err
    assert main(["teams-package", "--out", str(out), "--placeholders"]) == 0
    assert "test tenant" in capsys.readouterr().out and out.exists()
