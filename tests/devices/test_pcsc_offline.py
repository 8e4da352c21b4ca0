"""PcscReader and the PC/SC fixtures where no pcscd is involved."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from branchdesk.devices.errors import ServiceUnavailable
from branchdesk.devices.pcsc import PcscReader
from branchdesk.devices.reader import Reader
from support import pcsc as support_pcsc
from support.processes import python_prints


def test_importing_devices_does_not_load_pyscard() -> None:
    script = (
        "import sys\n"
        "import branchdesk.devices, branchdesk.devices.pcsc, branchdesk.devices.memory\n"
        "import branchdesk.devices.vcard, branchdesk.devices.vcard_cli\n"
        "branchdesk.devices.pcsc.PcscReader('Virtual PCD')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'smartcard'))\n"
    )
    assert python_prints(script).strip() == "[]"


def test_pcsc_reader_is_a_reader() -> None:
    assert isinstance(PcscReader(), Reader)


def test_missing_pcsc_library_is_service_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry makes "from smartcard import scard" raise ImportError, as it does when
    # pyscard or libpcsclite is not installed.
    monkeypatch.setitem(sys.modules, "smartcard", None)
    reader = PcscReader()
    with pytest.raises(ServiceUnavailable) as caught:
        reader.list_readers()
    assert caught.value.code == "pcsc_unavailable"
    with pytest.raises(ServiceUnavailable):
        reader.wait_for_card(0.1)


def test_fixtures_skip_without_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(support_pcsc.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="pcscd is not installed"):
        support_pcsc.unavailable("pcscd is not installed")


def test_fixtures_fail_when_the_stack_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(support_pcsc.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="pcscd is not installed"):
        support_pcsc.unavailable("pcscd is not installed")


def test_missing_driver_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(support_pcsc, "VPCD_DRIVER", tmp_path / "libifdvpcd.so")
    if support_pcsc._pcscd_binary() is None:
        assert support_pcsc._missing_requirement() == "pcscd is not installed"
    else:
        assert support_pcsc._missing_requirement() == "the vsmartcard vpcd driver is not installed"


def test_the_package_imports_no_module_and_has_no_import_cycle() -> None:
    # Issue 16: devices/__init__ imported profile and reader, which imported the package back.
    script = (
        "import sys\n"
        "import branchdesk.devices\n"
        "print(sorted(m for m in sys.modules if m.startswith('branchdesk.devices.')))\n"
        "import branchdesk.devices.profile, branchdesk.devices.reader, branchdesk.devices.pcsc\n"
        "print('smartcard' in sys.modules)\n"
    )
    assert python_prints(script).split("\n")[:2] == ["[]", "False"]
