"""Verification with real files: pdfsig (poppler, a standard PDF validator) and pyHanko agree; one changed
byte, a revocation, an expiry, a foreign signature and a key rotation each give the right answer."""

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from pracha.core.errors import PrachaError
from pracha.credentials import keys, services
from pracha.credentials.models import CredentialKey

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "credentials"
# poppler-utils: installed here and in CI (a standard validator independent of pyHanko).
PDFSIG, PDFTOPPM = (
    shutil.which("pdfsig") or "/usr/bin/pdfsig",
    shutil.which("pdftoppm") or "/usr/bin/pdftoppm",
)


def pdfsig(data: bytes, tmp_path: Path, nss: Path | None = None) -> str:
    path = tmp_path / "licence.pdf"
    path.write_bytes(data)
    argv = [PDFSIG, *(["-nssdir", f"sql:{nss}"] if nss else []), str(path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)  # noqa: S603
    return done.stdout + done.stderr


def trust_store(tmp_path: Path) -> Path:
    """A throw-away NSS database that trusts the platform root CA, as a relying party would set up."""
    certutil = shutil.which("certutil")
    if certutil is None:
        # .ci/run installs libnss3-tools, so CI always runs this; elsewhere say what is missing.
        if os.environ.get("CI"):
            pytest.fail("certutil is missing (apt-get install libnss3-tools)")
        pytest.skip("certutil is not installed (apt-get install libnss3-tools)")
    store, root = tmp_path / "nss", tmp_path / "pracha-root.pem"
    store.mkdir()
    root.write_text(keys.root_key().certificate)
    for argv in (
        [certutil, "-N", "-d", f"sql:{store}", "--empty-password"],
        # Trusted as a CA for every use: pdfsig checks a signer for e-mail signing, so "C,," (TLS
        # only) would still leave the certificate untrusted.
        [certutil, "-A", "-n", "pracha-root", "-t", "C,C,C", "-i", str(root), "-d", f"sql:{store}"],
    ):
        subprocess.run(argv, check=True, capture_output=True, timeout=60)  # noqa: S603
    return store


def flip_signed_byte(pdf: bytes) -> bytes:
    """Change one byte of the page content (inside the signed range, outside the signature itself)."""
    position = pdf.index(b"stream", 200) + 40
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


def test_standard_validator_and_pyhanko_accept_a_licence(issue, tmp_path):
    credential = issue()
    report = pdfsig(credential.pdf, tmp_path)
    assert "Signature is Valid." in report
    assert "Total document signed" in report
    assert "Signer Certificate Common Name: Department of Internal Trade" in report
    assert "ETSI.CAdES.detached" in report  # PAdES
    # Without our root in its NSS store pdfsig calls the issuer untrusted; see the next test.
    assert "Certificate issuer isn't Trusted." in report
    result = services.verify_pdf(credential.pdf)
    assert result.result == "valid" and result.ok
    assert result.checks == {"intact": True, "valid": True, "trusted": True, "covers_whole_file": True}
    assert result.signed_by.code == "MOC.DIT" and result.credential == credential
    assert result.key_id == credential.pdf_key.kid


def test_pdfsig_trusts_a_licence_once_the_platform_root_is_in_its_store(issue, tmp_path):
    credential, store = issue(), trust_store(tmp_path)
    report = pdfsig(credential.pdf, tmp_path, nss=store)
    assert "Signature is Valid." in report
    assert "Certificate is Trusted." in report
    # Trust in the root does not make a changed document pass.
    tampered = pdfsig(flip_signed_byte(credential.pdf), tmp_path, nss=store)
    assert "Signature is Valid." not in tampered


def test_one_changed_byte_fails_both_validators(issue, tmp_path):
    credential = issue()
    tampered = flip_signed_byte(credential.pdf)
    report = pdfsig(tampered, tmp_path)
    assert "Signature is Valid." not in report
    assert "Digest Mismatch" in report or "Signature is Invalid" in report
    result = services.verify_pdf(tampered)
    assert result.result == "altered" and not result.ok
    assert result.public()["credential"] is None


def test_every_single_byte_change_in_the_signature_is_caught(issue):
    """Bytes the signature does not cover (its own /Contents) are caught by the registry's hash."""
    credential = issue()
    pdf = credential.pdf
    start = pdf.index(b"/Contents <") + len(b"/Contents <")
    for offset in (2, 200, 2000):  # inside the CMS structure and in its zero padding
        changed = bytearray(pdf)
        changed[start + offset] = ord("1") if changed[start + offset] != ord("1") else ord("2")
        assert services.verify_pdf(bytes(changed)).result == "altered"


def test_content_added_after_signing_is_altered(issue):
    from pyhanko.pdf_utils.generic import TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    credential = issue()
    writer = IncrementalPdfFileWriter(io.BytesIO(credential.pdf))
    writer.root["/PrachaNote"] = TextStringObject("changed")  # an incremental update after the signature
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = services.verify_pdf(out.getvalue())
    assert result.result == "altered"
    assert result.checks["covers_whole_file"] is False


def test_revoked_and_expired(issue, dit, make_officer):
    revoked = issue()
    supervisor = make_officer("supervisor.dit", dit, role="supervisor")
    services.revoke(revoked, actor=supervisor, reason="เพิกถอนตามคำสั่งที่ 12/2569")
    for result in (
        services.verify_pdf(revoked.pdf),
        services.verify_jws(revoked.jws),
        services.verify_id(revoked.public_id),
    ):
        assert result.result == "revoked"
        assert result.public()["credential"]["revocation_reason"] == "เพิกถอนตามคำสั่งที่ 12/2569"
    with pytest.raises(PrachaError) as caught:
        services.revoke(revoked, actor=supervisor, reason="again")
    assert caught.value.code == "credential_already_revoked" and caught.value.status == 409

    today = timezone.localdate()
    expired = issue(valid_from=today - dt.timedelta(days=400), valid_until=today - dt.timedelta(days=1))
    assert expired.status == "expired"
    assert services.verify_pdf(expired.pdf).result == "expired"
    assert services.verify_jws(expired.jws).result == "expired"
    last_day = issue(valid_from=today - dt.timedelta(days=30), valid_until=today)
    assert last_day.status == "valid"  # in force through its last day


def test_pdf_we_did_not_sign(issue, tmp_path):
    import weasyprint

    issue()  # the platform's root and the agency's keys exist
    plain = weasyprint.HTML(string="<p>ใบอนุญาตปลอม</p>").write_pdf()
    assert services.verify_pdf(plain).result == "not_issued_by_us"
    # Signed properly, with the same agency name, but by a CA the platform does not know: still not ours.
    signed = _signed_by_a_stranger(plain)
    assert "Signature is Valid." in pdfsig(signed, tmp_path)
    result = services.verify_pdf(signed)
    assert result.result == "not_issued_by_us" and result.checks["intact"] is True


def _signed_by_a_stranger(pdf: bytes) -> bytes:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    now = timezone.now()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Department of Internal Trade")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(keys._pkcs8(key)),
        cert_registry=SimpleCertificateStore(),
    )
    meta = signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer).getvalue()


def test_not_a_pdf_is_refused():
    with pytest.raises(PrachaError) as caught:
        services.verify_pdf(b"GIF89a not a pdf")
    assert caught.value.code == "credential_not_pdf"


def test_rotation_keeps_old_credentials_valid(issue, dit):
    before = issue()
    old_pdf_kid, old_jws_kid = before.pdf_key.kid, before.jws_key.kid
    new_pdf, new_jws = keys.rotate(dit, actor="test")
    after = issue()
    assert after.pdf_key == new_pdf and after.jws_key == new_jws
    assert {new_pdf.kid, new_jws.kid}.isdisjoint({old_pdf_kid, old_jws_kid})
    for credential in (before, after):
        assert services.verify_pdf(credential.pdf).result == "valid"
        assert services.verify_jws(credential.jws).result == "valid"
    assert services.verify_pdf(before.pdf).key_id == old_pdf_kid
    published = {k["kid"] for k in keys.jwks(dit)["keys"]}
    assert {old_jws_kid, new_jws.kid} <= published
    assert CredentialKey.objects.get(kid=old_pdf_kid).current is False


def test_jws_tampering_and_foreign_keys(issue):
    credential = issue()
    header, payload, signature = credential.jws.split(".")
    forged_payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    assert services.verify_jws(f"{header}.{forged_payload}.{signature}").result == "altered"
    from jwcrypto import jwk, jws

    stranger = jwk.JWK.generate(kty="OKP", crv="Ed25519", kid=credential.jws_key.kid + "x")
    token = jws.JWS(b'{"jti":"%s"}' % credential.public_id.encode())
    token.add_signature(stranger, None, {"alg": "EdDSA", "kid": stranger.kid})
    assert services.verify_jws(token.serialize(compact=True)).result == "not_issued_by_us"
    with pytest.raises(PrachaError) as caught:
        services.verify_jws("not a token")
    assert caught.value.code == "credential_jws_malformed"


def test_qr_in_the_pdf_opens_the_verification_page(issue, tmp_path):
    credential = issue()
    (tmp_path / "licence.pdf").write_bytes(credential.pdf)
    page = str(tmp_path / "page")
    subprocess.run(  # noqa: S603
        [PDFTOPPM, "-png", "-r", "110", "-f", "1", "-l", "1", str(tmp_path / "licence.pdf"), page],
        check=True,
        timeout=60,
    )
    picture = next(tmp_path.glob("page*.png"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "licence-page-1.png").write_bytes(picture.read_bytes())  # for people to look at
    found = [b.text for b in zxingcpp.read_barcodes(Image.open(picture))]
    assert found == [credential.verification_url]
    assert services.verify_qr_image(picture.read_bytes()).credential == credential
    assert services.public_id_from_url(found[0]) == credential.public_id


def test_qr_photo_without_a_qr_is_a_clear_error():
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, "PNG")
    with pytest.raises(PrachaError) as caught:
        services.verify_qr_image(blank.getvalue())
    assert caught.value.code == "credential_no_qr"
