"""End-to-end encryption exactly as the real clients do it.

tweetnacl's ``box.before(theirPublic, mySecret)`` + ``box.after(msg, nonce, key)``
is PyNaCl's ``Box(mySecret, theirPublic).encrypt(msg, nonce)``: XSalsa20-Poly1305
with a fresh random 24-byte nonce, everything base64 on the wire.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

from nacl.public import Box, PrivateKey, PublicKey
from nacl.utils import random

ENVELOPE_VERSION = 1
NONCE_BYTES = Box.NONCE_SIZE


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def b64decode(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@dataclass
class KeyPair:
    secret: PrivateKey = field(default_factory=PrivateKey.generate)

    @property
    def public_b64(self) -> str:
        return b64encode(bytes(self.secret.public_key))

    def box_with(self, their_public_b64: str) -> Box:
        return Box(self.secret, PublicKey(b64decode(their_public_b64)))


def seal(box: Box, session_id: str, msg_type: str, payload: Any, seq: int) -> dict[str, Any]:
    """Encrypt one plaintext message into the envelope that travels."""
    plaintext = json.dumps({"type": msg_type, "payload": payload, "seq": seq}).encode()
    nonce = random(NONCE_BYTES)
    sealed = box.encrypt(plaintext, nonce)
    return {
        "version": ENVELOPE_VERSION,
        "sessionId": session_id,
        "nonce": b64encode(nonce),
        "ciphertext": b64encode(sealed.ciphertext),
        "timestamp": int(time.time() * 1000),
    }


def open_envelope(box: Box, envelope: dict[str, Any]) -> dict[str, Any]:
    """Decrypt an envelope back into its plaintext ``{type, payload, seq}``."""
    plaintext = box.decrypt(b64decode(envelope["ciphertext"]), b64decode(envelope["nonce"]))
    return json.loads(plaintext)
