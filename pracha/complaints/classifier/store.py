"""Model artefacts on disk: `<PRACHA_MODEL_DIR or var/models>/complaints/<version>/`.

A version directory holds `model.joblib` and `metadata.json` (version, created_at, data files with
sha256, metrics, vocabularies, library versions, the model file's sha256). Artefacts are built by
`pracha train-complaint-model` and never committed (var/ is git-ignored). They are pickles, so only
directories this platform wrote may be loaded: the model file's hash is checked against the metadata.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import joblib
from django.conf import settings

from .model import ComplaintModel

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
BUILD_COMMAND = "pracha train-complaint-model"


class ModelNotFoundError(RuntimeError):
    """No usable model artefact: the message says where it looked and which command builds one."""


@dataclass(frozen=True)
class LoadedModel:
    model: ComplaintModel
    metadata: dict
    path: Path

    @property
    def version(self) -> str:
        return self.metadata["version"]


def models_root(base: str | Path | None = None) -> Path:
    """The folder of complaint model versions under `base` (else PRACHA_MODEL_DIR, else var/models)."""
    if base is None:
        base = getattr(settings, "PRACHA_MODEL_DIR", None) or Path(settings.VAR_DIR) / "models"
    return Path(base) / "complaints"


def pinned_version() -> str | None:
    return getattr(settings, "PRACHA_COMPLAINT_MODEL_VERSION", None) or os.environ.get(
        "PRACHA_COMPLAINT_MODEL_VERSION"
    )


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# The code a pickled model's behaviour depends on: an artefact built by other code may load and then
# fail or answer differently, so only artefacts of this code are used.
_MODEL_CODE = ("dataset.py", "model.py", "text.py", "vocabulary.py")


@functools.cache
def code_digest() -> str:
    h = hashlib.sha256()
    for name in _MODEL_CODE:
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()


def available(root: Path) -> list[dict]:
    """Metadata of every complete version under `root`, newest first (by created_at)."""
    found = []
    if root.is_dir():
        for meta in root.glob(f"*/{METADATA_FILE}"):
            if (meta.parent / MODEL_FILE).is_file():
                try:
                    found.append(json.loads(meta.read_text(encoding="utf-8")))
                except (OSError, ValueError):
                    continue  # a half-written or damaged directory is not a version
    return sorted(found, key=lambda m: (m.get("created_at", ""), m.get("version", "")), reverse=True)


def read(root: Path, version: str | None) -> LoadedModel:
    versions = available(root)
    if version is None:
        if not versions:
            raise ModelNotFoundError(
                f"No complaint classifier model in {root}. Build one with `{BUILD_COMMAND}` "
                f"(it reads the training data from PRACHA_DATA_DIR or ../shared/data)."
            )
        current = [m for m in versions if m.get("code_sha256") == code_digest()]
        if not current:
            raise ModelNotFoundError(
                f"The complaint classifier models in {root} were built by another version of the model "
                f"code. Build one with `{BUILD_COMMAND}`."
            )
        version = current[0]["version"]
    directory = root / version
    meta_path = directory / METADATA_FILE
    if not meta_path.is_file() or not (directory / MODEL_FILE).is_file():
        known = ", ".join(m["version"] for m in versions) or "none"
        raise ModelNotFoundError(
            f"Complaint classifier model version {version!r} is not in {root} (versions there: {known}). "
            f"Build one with `{BUILD_COMMAND}` or unset PRACHA_COMPLAINT_MODEL_VERSION."
        )
    metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    if metadata.get("code_sha256") != code_digest():
        raise ModelNotFoundError(
            f"Complaint classifier model version {version} in {root} was built by another version of the "
            f"model code. Rebuild it with `{BUILD_COMMAND}` or unset PRACHA_COMPLAINT_MODEL_VERSION."
        )
    if sha256_of(directory / MODEL_FILE) != metadata.get("model_sha256"):
        raise ModelNotFoundError(
            f"The model file of version {version} in {root} does not match its metadata (damaged or "
            f"replaced). Rebuild it with `{BUILD_COMMAND}`."
        )
    try:
        model = joblib.load(directory / MODEL_FILE)
    except Exception as exc:  # e.g. built by an incompatible version of the code or of scikit-learn
        raise ModelNotFoundError(
            f"The model of version {version} in {root} cannot be loaded ({exc}). "
            f"Rebuild it with `{BUILD_COMMAND}`."
        ) from exc
    return LoadedModel(model, metadata, directory)


_lock = threading.Lock()
_cache: dict[tuple[str, str | None], LoadedModel] = {}


def load_model(version: str | None = None, model_dir: str | Path | None = None) -> LoadedModel:
    """The model `version` (default: PRACHA_COMPLAINT_MODEL_VERSION, else the newest), loaded once per
    process. Raises ModelNotFoundError when there is none."""
    root = models_root(model_dir)
    version = version or pinned_version()
    key = (str(root), version)
    found = _cache.get(key)
    if found is None:
        with _lock:  # one thread loads; the others wait and share it
            found = _cache.get(key)
            if found is None:
                found = _cache[key] = read(root, version)
    return found


def clear_cache() -> None:
    """Forget loaded models (after training a new one in this process, or in tests)."""
    with _lock:
        _cache.clear()
