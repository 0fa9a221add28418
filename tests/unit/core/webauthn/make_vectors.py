#!/usr/bin/python3
"""Writes vectors.json beside this script: WebAuthn registrations and assertions made by real
keys (python3-cryptography) and real CBOR (python3-cbor2), independent of the C++ under test.

One credential per algorithm (ES256 in the shape Chrome's virtual authenticator gives, EdDSA with
an extension, RS256), each registered and then asserted; and cases that only a signer can make
(an assertion without the UP flag) or that need a real CBOR encoder (COSE keys that do not fit
their algorithm, attestation formats we accept unverified). Keys are new at each run, so the
file changes whenever the script is run; the test reads what was committed. It also writes
the seeds of fuzz/webauthn_fuzz.cpp (fuzz/corpus/webauthn/) from the same vectors.

    /usr/bin/python3 tests/unit/core/webauthn/make_vectors.py
"""
import base64
import hashlib
import json
import os
import struct
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

RP_ID = "localhost"
ORIGIN = "https://localhost:8443"
UP, UV, AT, ED = 0x01, 0x04, 0x40, 0x80


def b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def client_data(kind: str, challenge: bytes, **extra) -> bytes:
    data = {"type": kind, "challenge": b64u(challenge), "origin": ORIGIN, "crossOrigin": False}
    data.update(extra)
    return json.dumps(data, separators=(",", ":")).encode()


def authenticator_data(flags: int, count: int, rest: bytes = b"") -> bytes:
    return hashlib.sha256(RP_ID.encode()).digest() + bytes([flags]) + struct.pack(">I", count) + rest


def attested(credential_id: bytes, cose_key) -> bytes:
    aaguid = bytes(16)  # Chrome's virtual authenticator, like "none" attestation, sends zeros
    key = cose_key if isinstance(cose_key, bytes) else cbor2.dumps(cose_key)
    return aaguid + struct.pack(">H", len(credential_id)) + credential_id + key


def map_with_pairs(pairs: list) -> bytes:
    """A CBOR map of these pairs as they are, repeated keys too (a dict cannot hold those)."""
    assert len(pairs) < 24
    return bytes([0xA0 | len(pairs)]) + b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in pairs)


class Credential:
    def __init__(self, name: str, alg: int):
        self.name, self.alg = name, alg
        self.id = os.urandom(32 if alg == -7 else 48)
        if alg == -7:
            self.key = ec.generate_private_key(ec.SECP256R1())
            n = self.key.public_key().public_numbers()
            self.cose = {1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")}
        elif alg == -8:
            self.key = ed25519.Ed25519PrivateKey.generate()
            raw = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                     serialization.PublicFormat.Raw)
            self.cose = {1: 1, 3: -8, -1: 6, -2: raw}
        else:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            n = self.key.public_key().public_numbers()
            self.cose = {1: 3, 3: -257, -1: n.n.to_bytes(256, "big"), -2: n.e.to_bytes(3, "big")}

    def der(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, message: bytes) -> bytes:
        if self.alg == -7:
            return self.key.sign(message, ec.ECDSA(hashes.SHA256()))  # DER
        if self.alg == -8:
            return self.key.sign(message)
        return self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def registration(cred: Credential, flags: int, fmt="none", statement=None, cose=None,
                 extensions=None, **client_extra) -> dict:
    challenge = os.urandom(32)
    rest = attested(cred.id, cose if cose is not None else cred.cose)
    if extensions is not None:
        flags |= ED
        rest += cbor2.dumps(extensions)
    auth = authenticator_data(flags | AT, 0, rest)
    obj = cbor2.dumps({"fmt": fmt, "attStmt": statement or {}, "authData": auth})
    return {"challenge": b64u(challenge), "clientDataJSON": b64u(client_data(
        "webauthn.create", challenge, **client_extra)), "attestationObject": b64u(obj)}


def assertion(cred: Credential, flags: int, count: int) -> dict:
    challenge = os.urandom(32)
    cdj = client_data("webauthn.get", challenge)
    auth = authenticator_data(flags, count)
    signature = cred.sign(auth + hashlib.sha256(cdj).digest())
    return {"challenge": b64u(challenge), "credentialId": b64u(cred.id),
            "clientDataJSON": b64u(cdj), "authenticatorData": b64u(auth),
            "signature": b64u(signature), "signCount": count}


def main() -> None:
    es256, eddsa, rs256 = Credential("es256", -7), Credential("eddsa", -8), Credential("rs256", -257)
    credentials = {
        # Chrome's virtual authenticator: UP|UV|AT, count 0, "none", an extra clientData key.
        "es256": {"registration": registration(es256, UP | UV, other_keys_can_be_added_here=
                                               "do not compare clientDataJSON against a template"),
                  "assertion": assertion(es256, UP | UV, 1)},
        # No UV; an extension after the key; a counter the authenticator does not keep (0).
        "eddsa": {"registration": registration(eddsa, UP, extensions={"credProtect": 1}),
                  "assertion": assertion(eddsa, UP, 0)},
        "rs256": {"registration": registration(rs256, UP | UV), "assertion": assertion(rs256, UP | UV, 7)},
    }
    for name, cred in (("es256", es256), ("eddsa", eddsa), ("rs256", rs256)):
        credentials[name].update(credentialId=b64u(cred.id), publicKeyDer=b64u(cred.der()),
                                 algorithm=cred.alg)
    x, y = es256.cose[-2], es256.cose[-3]
    n, e = rs256.cose[-1], rs256.cose[-2]
    cases = {
        "es256_assertion_without_up": assertion(es256, UV, 2),
        "registration_packed_unverified": registration(
            es256, UP, fmt="packed", statement={"alg": -7, "sig": os.urandom(70)}),
        "registration_fido_u2f_unverified": registration(
            es256, UP, fmt="fido-u2f", statement={"sig": os.urandom(70), "x5c": [os.urandom(300)]}),
        "registration_none_with_statement": registration(es256, UP, statement={"sig": b"x"}),
        "registration_ec2_key_with_eddsa_alg": registration(
            es256, UP, cose={1: 2, 3: -8, -1: 1, -2: x, -3: y}),
        "registration_rsa_key_with_es256_alg": registration(rs256, UP, cose={1: 3, 3: -7, -1: n, -2: e}),
        "registration_es384_alg": registration(es256, UP, cose={1: 2, 3: -35, -1: 2, -2: x, -3: y}),
        "registration_p384_curve": registration(es256, UP, cose={1: 2, 3: -7, -1: 2, -2: x, -3: y}),
        "registration_point_off_curve": registration(
            es256, UP, cose={1: 2, 3: -7, -1: 1, -2: x, -3: bytes(31) + b"\x01"}),
        "registration_short_x": registration(es256, UP, cose={1: 2, 3: -7, -1: 1, -2: x[1:], -3: y}),
        "registration_rsa_1024": registration(rs256, UP, cose={1: 3, 3: -257, -1: n[:128], -2: e}),
        "registration_cose_key_twice": registration(
            es256, UP, cose=map_with_pairs([(1, 2), (3, -7), (-1, 1), (-2, x), (-3, y), (1, 2)])),
    }
    out = {"rp": {"id": RP_ID, "origin": ORIGIN}, "credentials": credentials, "cases": cases}
    path = Path(__file__).resolve().with_name("vectors.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    write_fuzz_seeds(out, path.parents[4] / "fuzz" / "corpus" / "webauthn")


def write_fuzz_seeds(out: dict, folder: Path) -> None:
    """Attestation objects, assertion authData and COSE keys, as the harness reads each."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    unb64 = lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    for name, cred in out["credentials"].items():
        obj = unb64(cred["registration"]["attestationObject"])
        (folder / f"{name}-attestation.cbor").write_bytes(obj)
        (folder / f"{name}-assertion-authdata.bin").write_bytes(
            unb64(cred["assertion"]["authenticatorData"]))
        auth = cbor2.loads(obj)["authData"]
        id_length = struct.unpack(">H", auth[53:55])[0]
        (folder / f"{name}-cose-key.cbor").write_bytes(cbor2.dumps(cbor2.loads(auth[55 + id_length:])))
    for name, case in out["cases"].items():
        if "attestationObject" in case:
            (folder / f"{name}.cbor").write_bytes(unb64(case["attestationObject"]))
    chrome = Path(__file__).resolve().with_name("chrome_vectors.json")  # capture_chrome.mjs
    if chrome.exists():
        captured = json.loads(chrome.read_text())
        (folder / "chrome-attestation.cbor").write_bytes(
            unb64(captured["registration"]["attestationObject"]))
        (folder / "chrome-assertion-authdata.bin").write_bytes(
            unb64(captured["assertions"][0]["authenticatorData"]))
    (folder / "deep-arrays.cbor").write_bytes(b"\x81" * 20 + b"\x00")
    (folder / "huge-map.cbor").write_bytes(b"\xbb" + b"\xff" * 8)


if __name__ == "__main__":
    main()
