"""The README documents every environment variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_variable_is_in_the_readme():
    source = (ROOT / "faxportal" / "settings.py").read_text()
    names = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', source))
    assert len(names) > 20
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme and name not in readme)
    assert missing == []


def test_readme_set_up_commands_exist():
    readme = (ROOT / "README.md").read_text()
    for script in ("scripts/run", "scripts/test"):
        assert f"```sh\n{script}\n```" in readme
        assert (ROOT / script).stat().st_mode & 0o111
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
