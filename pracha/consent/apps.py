from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "pracha.consent"
    label = "consent"
    verbose_name = "PDPA consent and data agreements"

    def ready(self) -> None:
        from pracha.audit.chain import register_chain_check
        from pracha.core.errors import ERROR_MESSAGES

        from .errors import ERRORS

        ERROR_MESSAGES.update(ERRORS)
        register_chain_check("consent chains", _check_consent_chains)


def _check_consent_chains() -> tuple[bool, str]:
    from .chain import verify

    result = verify()
    if result.ok:
        return True, f"{result.records} consent records of {result.people} people verified"
    return False, "; ".join(result.problems[:5])
