"""File identifiers and paths of the SIM files this package uses (TS 51.011 section 10).

Ki and OPc have no standard file: every card vendor stores them in proprietary EFs. This
package uses two write-only transparent EFs under DF.GSM:

* ``6FF0`` EF.KI  - 16 bytes, the subscriber key Ki
* ``6FF1`` EF.OPC - 16 bytes, the operator variant key OPc

Both have the access conditions READ = NEVER, UPDATE = ADM, like the key files of real
blank cards. They are not allocated by TS 51.011 or TS 31.102.
"""

from __future__ import annotations

MF = 0x3F00
DF_TELECOM = 0x7F10
DF_GSM = 0x7F20

EF_ICCID = 0x2FE2
EF_IMSI = 0x6F07
EF_SPN = 0x6F46
EF_MSISDN = 0x6F40
EF_KI = 0x6FF0
EF_OPC = 0x6FF1

# Paths from the MF, as SELECTed one FID after another.
PATH_ICCID = (MF, EF_ICCID)
PATH_IMSI = (MF, DF_GSM, EF_IMSI)
PATH_SPN = (MF, DF_GSM, EF_SPN)
PATH_KI = (MF, DF_GSM, EF_KI)
PATH_OPC = (MF, DF_GSM, EF_OPC)
PATH_MSISDN = (MF, DF_TELECOM, EF_MSISDN)

# ADM level used in VERIFY P2 and in the access condition nibbles (TS 51.011 9.3).
ADM_LEVEL = 0x0A


def format_path(path: tuple[int, ...]) -> str:
    return "/".join(f"{fid:04X}" for fid in path)
