"""File identifiers, short file identifiers and paths of the UICC files this package uses.

References: ETSI TS 102 221 section 13 (MF level: EF.DIR, EF.ICCID, EF.PL, EF.ARR),
3GPP TS 31.102 section 4.2 (ADF.USIM) and 4.4 (DF.TELECOM), TS 51.011 section 10 (DF.GSM).

Ki and OPc have no standard file: every card vendor stores them in proprietary EFs. This
package uses two write-only transparent EFs under ADF.USIM (and the same files under DF.GSM,
which shares its subscription files with the USIM, as blank 128K USIM cards do):

* ``6FF0`` EF.KI  - 16 bytes, the subscriber key Ki
* ``6FF1`` EF.OPC - 16 bytes, the operator variant key OPc

Both have the access conditions READ = NEVER, UPDATE = ADM, like the key files of real
blank cards. They are not allocated by TS 51.011 or TS 31.102.
"""

from __future__ import annotations

MF = 0x3F00
DF_TELECOM = 0x7F10
DF_GSM = 0x7F20
ADF_USIM = 0x7FFF  # the FID the USIM application answers to once selected by AID
DF_GSM_ACCESS = 0x5F3B  # under ADF.USIM (TS 31.102 4.4.3)

# RID A000000087 (3GPP), application code 1002 (USIM); the rest is the provider's.
USIM_AID_PREFIX = bytes.fromhex("A0000000871002")
USIM_AID = USIM_AID_PREFIX + bytes.fromhex("FF86FFFF89060100FF")

# MF level (TS 102 221 13.1-13.4).
EF_DIR = 0x2F00
EF_ICCID = 0x2FE2
EF_PL = 0x2F05
EF_ARR_MF = 0x2F06

# ADF.USIM (TS 31.102 4.2) and the DF.GSM files of the same FID (TS 51.011 10.3).
EF_LI = 0x6F05  # EF.LP under DF.GSM
EF_IMSI = 0x6F07
EF_KEYS = 0x6F08
EF_KEYS_PS = 0x6F09
EF_KC = 0x6F20
EF_PLMNSEL = 0x6F30
EF_HPPLMN = 0x6F31
EF_UST = 0x6F38  # EF.SST under DF.GSM
EF_MSISDN = 0x6F40
EF_SMSP = 0x6F42
EF_SPN = 0x6F46
EF_KC_GPRS = 0x6F52
EF_LOCI_GPRS = 0x6F53
EF_EST = 0x6F56
EF_START_HFN = 0x6F5B
EF_THRESHOLD = 0x6F5C
EF_PLMNWACT = 0x6F60
EF_OPLMNWACT = 0x6F61
EF_HPLMNWACT = 0x6F62
EF_PSLOCI = 0x6F73
EF_BCCH = 0x6F74
EF_ACC = 0x6F78
EF_FPLMN = 0x6F7B
EF_LOCI = 0x6F7E
EF_AD = 0x6FAD
EF_PHASE = 0x6FAE
EF_ECC = 0x6FB7
EF_NETPAR = 0x6FC4
EF_EPSLOCI = 0x6FE3
EF_ARR = 0x6F06
# DF.GSM-ACCESS (TS 31.102 4.4.3.1-2).
EF_KC_USIM = 0x4F20
EF_KC_GPRS_USIM = 0x4F52
EF_KI = 0x6FF0
EF_OPC = 0x6FF1

# DF.TELECOM (TS 31.102 4.4.2, TS 51.011 10.5).
EF_ADN = 0x6F3A
EF_SMS = 0x6F3C
EF_SMSS = 0x6F43
EF_EXT1 = 0x6F4A

# Short file identifiers (TS 102 221 13, TS 31.102 4.2): READ/UPDATE BINARY with P1=80|SFI.
SFI_ICCID = 0x02
SFI_PL = 0x05
SFI_DIR = 0x1E
SFI_ARR_MF = 0x06
SFI_USIM: dict[int, int] = {
    EF_ECC: 0x01,
    EF_LI: 0x02,
    EF_AD: 0x03,
    EF_UST: 0x04,
    EF_EST: 0x05,
    EF_ACC: 0x06,
    EF_IMSI: 0x07,
    EF_KEYS: 0x08,
    EF_KEYS_PS: 0x09,
    EF_PLMNWACT: 0x0A,
    EF_LOCI: 0x0B,
    EF_PSLOCI: 0x0C,
    EF_FPLMN: 0x0D,
    EF_START_HFN: 0x0F,
    EF_THRESHOLD: 0x10,
    EF_OPLMNWACT: 0x11,
    EF_HPPLMN: 0x12,
    EF_HPLMNWACT: 0x13,
    EF_ARR: 0x17,
    EF_EPSLOCI: 0x1E,
}

# Paths from the MF, as SELECTed one FID after another (CLA A0) or as one path (CLA 00).
PATH_ICCID = (MF, EF_ICCID)
PATH_IMSI = (MF, DF_GSM, EF_IMSI)
PATH_SPN = (MF, DF_GSM, EF_SPN)
PATH_KI = (MF, DF_GSM, EF_KI)
PATH_OPC = (MF, DF_GSM, EF_OPC)
PATH_MSISDN = (MF, DF_TELECOM, EF_MSISDN)
PATH_SMSP = (MF, DF_TELECOM, EF_SMSP)

# Key references (TS 102 221 9.5.1): PIN1 (universal... application PIN) and ADM1.
PIN1 = 0x01
PIN2 = 0x81
ADM_LEVEL = 0x0A


def format_path(path: tuple[int, ...]) -> str:
    return "/".join(f"{fid:04X}" for fid in path)
