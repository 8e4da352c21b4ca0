"""What a written or refused SIM card shows, whichever reader drove it (MemoryReader straight
on the card, or PcscReader through pcscd): the checks both readers' suites make."""

from __future__ import annotations

import pytest

from branchdesk.devices import apdu
from branchdesk.devices import sim_files as fids
from branchdesk.devices.errors import AdmRejected, CardNotBlank, NoReaderOrCard
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.reader import Reader
from branchdesk.devices.virtual_card import VirtualCard

WRONG_ADM = "12345678"
"""An ADM key that no test card has."""


def adm_presented(card: VirtualCard) -> int:
    """VERIFY commands that carried a key (not retry-counter queries)."""
    return sum(1 for c in card.commands if c[1] == apdu.INS_VERIFY and len(c) > 5)


def assert_written_with(reader: Reader, card: VirtualCard, profile: SimProfile) -> None:
    """``card`` holds ``profile``: it verifies, reads its IMSI, is no longer blank, has its
    keys in the write-only files, and the ADM key went to the card once."""
    assert reader.verify(profile).matches
    assert reader.read_imsi() == profile.imsi
    assert not reader.is_blank()
    assert card.peek(fids.PATH_KI) == bytes.fromhex(profile.ki)
    assert card.peek(fids.PATH_OPC) == bytes.fromhex(profile.opc)
    assert adm_presented(card) == 1


def assert_a_wrong_adm_is_sent_once(reader: Reader, card: VirtualCard, profile: SimProfile) -> None:
    """``profile`` with a wrong ADM key: refused with two tries left after the one VERIFY that
    carried it, and nothing written."""
    wrong = SimProfile(profile.iccid, profile.imsi, profile.ki, profile.opc, WRONG_ADM)
    with pytest.raises(AdmRejected) as caught:
        reader.write_profile(wrong)
    assert caught.value.code == "adm_rejected"
    assert caught.value.tries_left == 2
    assert adm_presented(card) == 1
    assert card.update_count == 0


def assert_no_card_to_read(reader: Reader) -> None:
    """Reading the card's ICCID fails as no card: the reader keeps no answer from before."""
    with pytest.raises(NoReaderOrCard):
        reader.read_iccid()


def assert_a_written_card_is_refused(
    reader: Reader, card: VirtualCard, profile: SimProfile, imsi: str
) -> None:
    """``card``, already written with ``imsi``, reads so; a write of ``profile`` is refused as
    not blank before any ADM key is sent."""
    assert not reader.is_blank()
    assert reader.read_imsi() == imsi
    with pytest.raises(CardNotBlank) as caught:
        reader.write_profile(profile)
    assert caught.value.code == "card_not_blank"
    assert adm_presented(card) == 0
