"""A software security key for the REST tests (docs/two-factor.md#security-keys): an ES256 key
made by Debian's python3-cryptography, answering navigator.credentials.create() and .get() with
real CBOR (python3-cbor2), as a browser would hand them to the web UI."""
import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64u(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SecurityKey:
    def __init__(self, origin, rp_id="localhost"):
        self.origin, self.rp_id = origin, rp_id
        self.id = os.urandom(32)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.count = 0

    def _client_data(self, kind, challenge):
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _auth_data(self, flags, rest=b""):
        return (hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) +
                struct.pack(">I", self.count) + rest)

    def create(self, options):
        """The answer to navigator.credentials.create(options.publicKey), base64url fields."""
        n = self.key.public_key().public_numbers()
        cose = {1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")}
        attested = bytes(16) + struct.pack(">H", len(self.id)) + self.id + cbor2.dumps(cose)
        self.count += 1
        auth = self._auth_data(UP | UV | AT, attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth})
        return {"id": b64u(self.id),
                "clientDataJSON": b64u(self._client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64u(attestation)}

    def get(self, options, count_step=1):
        """The answer to navigator.credentials.get(options), base64url fields."""
        self.count += count_step
        client = self._client_data("webauthn.get", options["challenge"])
        auth = self._auth_data(UP | UV)
        signature = self.key.sign(auth + hashlib.sha256(client).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64u(self.id), "clientDataJSON": b64u(client),
                "authenticatorData": b64u(auth), "signature": b64u(signature)}
