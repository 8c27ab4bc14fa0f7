"""Keys made lazily by several workers at once: one root and one current key per agency and kind."""

import pytest

from pracha.credentials import services
from pracha.credentials.models import Credential, CredentialKey
from pracha.testing import in_threads, needs_postgres


@pytest.mark.django_db(transaction=True)
def test_first_issues_in_parallel_make_one_set_of_keys(dit, holder):
    needs_postgres()

    def issue(i: int) -> str:
        return services.issue(
            agency=dit,
            kind="rice-trading-licence",
            title={"th": "ใบอนุญาตค้าข้าว", "en": "Rice-trading licence"},
            holder=holder,
            holder_name=holder.name_th,
            claims={"shop_name": f"ร้าน {i}"},
            subject=("test.application", str(i)),
        ).public_id

    public_ids = in_threads(3, issue)
    assert CredentialKey.objects.filter(kind="root_ca").count() == 1
    assert CredentialKey.objects.filter(agency=dit, current=True).count() == 2
    assert Credential.objects.count() == 3
    for public_id in public_ids:
        credential = Credential.objects.get(public_id=public_id)
        assert services.verify_pdf(credential.pdf).result == "valid"
