"""MILENAGE, the 3GPP example authentication functions f1, f1*, f2, f3, f4, f5 and f5*.

Implemented from 3GPP TS 35.206 (algorithm specification) with AES-128 as the kernel
function E_K; TS 35.207/35.208 give the test sets the tests check. The GSM conversion
functions c2 and c3 (TS 33.102 section 6.8.1.2) derive SRES and Kc for 2G access.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16
# TS 35.206 section 4.1: the constants c1..c5 and rotations r1..r5 (in bits).
_C = (0x00, 0x01, 0x02, 0x04, 0x08)
_R = (64, 0, 32, 64, 96)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _rotate(block: bytes, bits: int) -> bytes:
    """Cyclic left rotation of a 128-bit block by a multiple of 8 bits."""
    step = (bits // 8) % BLOCK
    return block[step:] + block[:step]


def _constant(index: int) -> bytes:
    return bytes(BLOCK - 1) + bytes([_C[index]])


class Milenage:
    """The functions for one subscriber key K and operator variant key OPc."""

    def __init__(self, k: bytes, opc: bytes) -> None:
        if len(k) != BLOCK or len(opc) != BLOCK:
            raise ValueError("K and OPc are 16 bytes each")
        self._encryptor = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
        self.opc = opc

    @classmethod
    def from_op(cls, k: bytes, op: bytes) -> Milenage:
        return cls(k, derive_opc(k, op))

    def _e(self, block: bytes) -> bytes:
        return self._encryptor.update(block)

    def _out(self, temp: bytes, index: int) -> bytes:
        # OUTi = E_K(rot(TEMP xor OPc, ri) xor ci) xor OPc, for i = 2..5 (index 1..4).
        rotated = _rotate(_xor(temp, self.opc), _R[index])
        return _xor(self._e(_xor(rotated, _constant(index))), self.opc)

    def _temp(self, rand: bytes) -> bytes:
        if len(rand) != BLOCK:
            raise ValueError("RAND is 16 bytes")
        return self._e(_xor(rand, self.opc))

    def f1_both(self, rand: bytes, sqn: bytes, amf: bytes) -> tuple[bytes, bytes]:
        """(MAC-A, MAC-S): f1 and f1* of TS 35.206 section 4.1."""
        if len(sqn) != 6 or len(amf) != 2:
            raise ValueError("SQN is 6 bytes and AMF 2 bytes")
        temp = self._temp(rand)
        in1 = (sqn + amf) * 2
        rotated = _rotate(_xor(in1, self.opc), _R[0])
        out1 = _xor(self._e(_xor(temp, _xor(rotated, _constant(0)))), self.opc)
        return out1[:8], out1[8:]

    def f1(self, rand: bytes, sqn: bytes, amf: bytes) -> bytes:
        return self.f1_both(rand, sqn, amf)[0]

    def f1_star(self, rand: bytes, sqn: bytes, amf: bytes) -> bytes:
        return self.f1_both(rand, sqn, amf)[1]

    def f2345(self, rand: bytes) -> Vector:
        """RES (f2), CK (f3), IK (f4) and AK (f5) for ``rand``."""
        temp = self._temp(rand)
        out2 = self._out(temp, 1)
        return Vector(res=out2[8:], ak=out2[:6], ck=self._out(temp, 2), ik=self._out(temp, 3))

    def f5_star(self, rand: bytes) -> bytes:
        return self._out(self._temp(rand), 4)[:6]


@dataclass(frozen=True, repr=False)
class Vector:
    res: bytes
    ck: bytes
    ik: bytes
    ak: bytes

    def __repr__(self) -> str:
        return "Vector(***)"  # CK and IK are session keys


def derive_opc(k: bytes, op: bytes) -> bytes:
    """OPc = OP xor E_K(OP) (TS 35.206 section 4.1)."""
    encryptor = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
    return _xor(encryptor.update(op), op)


def c2_sres(res: bytes) -> bytes:
    """SRES from a 64-bit RES: the xor of its two 32-bit halves (TS 33.102 6.8.1.2)."""
    if len(res) != 8:
        raise ValueError("c2 takes a 64-bit RES")
    return _xor(res[:4], res[4:])


def c3_kc(ck: bytes, ik: bytes) -> bytes:
    """Kc = CK1 xor CK2 xor IK1 xor IK2 (64-bit halves; TS 33.102 6.8.1.2)."""
    return _xor(_xor(ck[:8], ck[8:]), _xor(ik[:8], ik[8:]))


def build_autn(milenage: Milenage, rand: bytes, sqn: bytes, amf: bytes) -> bytes:
    """AUTN = SQN xor AK || AMF || MAC-A, as a network computes it (TS 33.102 6.3.2)."""
    vector = milenage.f2345(rand)
    return _xor(sqn, vector.ak) + amf + milenage.f1(rand, sqn, amf)
