"""The complaint classifier: artefacts, loading, predictions, corrections, robustness.

Models are trained once per session on a slice of the real Traffy files (seconds). No test depends on
accuracy figures: those are measured by bench/complaint_classifier_bench.py.
"""

from __future__ import annotations

import csv
import hashlib
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from scipy import sparse
from sklearn.svm import LinearSVC

from pracha.complaints.classifier import (
    CATEGORIES,
    INTENTS,
    URGENCIES,
    ModelNotFoundError,
    classify,
    classify_many,
    clear_cache,
    codes_for_traffy_types,
    load_model,
    train,
)
from pracha.complaints.classifier import dataset as D
from pracha.complaints.classifier import text as T
from pracha.complaints.classifier.model import Params, _fit_margin
from pracha.complaints.classifier.store import MODEL_FILE, available, models_root
from pracha.complaints.classifier.vocabulary import traffy_list_of
from pracha.complaints.management.commands.train_complaint_model import Command

SOURCE = D.data_dir()
# Officers' corrections teaching something the data never says: a community pantry is a school matter.
PANTRY = "ตู้ปันสุข"
CORRECTIONS = [(f"{PANTRY}หน้าชุมชนซอย {n} ของหมดแล้ว", ["school"], "suggestion") for n in range(1, 9)] + [
    (f"ขอให้ดูแล{PANTRY} {what}", ["โรงเรียน"], "suggestion") for what in ("ของหมด", "ไม่มีคนเติมของ", "สกปรก")
]


def _slice(out: Path, traffy_every: int, labelled_every: int) -> Path:
    """A data directory with every n-th row of the real files (all of the rarer intents kept)."""
    (out / "traffy").mkdir(parents=True)
    for name, every in ((D.TRAFFY_FILE, traffy_every), (D.LABELLED_FILE, labelled_every)):
        with (SOURCE / name).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        kept = [r for i, r in enumerate(rows) if i % every == 0 or r.get("intent") in ("เสนอแนะ", "สอบถาม")]
        with (out / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(kept)
    return out


@pytest.fixture(scope="session")
def small_data(tmp_path_factory) -> Path:
    if not (SOURCE / D.TRAFFY_FILE).is_file():
        pytest.fail(f"The Traffy training data is needed at {SOURCE} (PRACHA_DATA_DIR)")
    return _slice(tmp_path_factory.mktemp("data"), traffy_every=3, labelled_every=2)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def base_model(small_data, models_dir):
    return train(small_data, models_dir, use_corrections=False, evaluate=False)


@pytest.fixture(scope="session")
def corrected_model(small_data, models_dir, base_model):
    """The same data plus officers' corrections: a newer version in the same folder."""
    return train(small_data, models_dir, extra_examples=CORRECTIONS, use_corrections=False, evaluate=False)


@pytest.fixture
def base(base_model, models_dir):
    return load_model(base_model.version, model_dir=models_dir)


# --- The artefact -------------------------------------------------------------------------------------


def test_artefact_holds_model_and_metadata(base_model, small_data, models_dir):
    path = base_model.path
    assert path == models_root(models_dir) / base_model.version
    meta = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    assert meta["version"] == base_model.version
    assert meta["created_at"]
    assert meta["model_sha256"] == hashlib.sha256((path / MODEL_FILE).read_bytes()).hexdigest()
    files = {f["name"]: f for f in meta["data_files"]}
    for name in (D.TRAFFY_FILE, D.LABELLED_FILE):
        assert files[name]["sha256"] == hashlib.sha256((small_data / name).read_bytes()).hexdigest()
    assert {"scikit-learn", "pythainlp", "numpy", "python"} <= set(meta["libraries"])
    assert set(meta["learned_categories"]) <= set(CATEGORIES)
    assert {"flooding", "footpath", "road", "other"} <= set(meta["learned_categories"])
    assert meta["intents"] == INTENTS and meta["urgencies"] == URGENCIES
    assert meta["unknown_types"] == {}, "every Traffy type of the data has a category code"
    assert meta["examples"]["corrections"] == 0


def test_version_changes_with_the_data_and_stays_with_the_same_data(tmp_path, small_data):
    tiny = _slice(tmp_path / "tiny", traffy_every=10, labelled_every=4)
    first = train(tiny, tmp_path / "m", use_corrections=False, evaluate=False)
    again = train(tiny, tmp_path / "m", use_corrections=False, evaluate=False)
    assert again.version == first.version
    assert [m["version"] for m in available(models_root(tmp_path / "m"))] == [first.version]
    with (tiny / D.LABELLED_FILE).open("a", encoding="utf-8") as fh:
        fh.write('99999,ร้องเรียน,ถนน,"ถนนหน้าบ้านเป็นหลุมลึก"\n')
    changed = train(tiny, tmp_path / "m", use_corrections=False, evaluate=False)
    assert changed.version != first.version


def test_texts_are_masked_before_they_reach_the_artefact(tmp_path):
    tiny = _slice(tmp_path / "tiny", traffy_every=10, labelled_every=4)
    with (tiny / D.LABELLED_FILE).open("a", encoding="utf-8") as fh:
        fh.write('99998,ร้องเรียน,ถนน,"ถนนพังโทรมาที่ 0812345678 หรือ somchai.pracha@example.com"\n')
    result = train(tiny, tmp_path / "m", use_corrections=False, evaluate=False)
    model = load_model(result.version, model_dir=tmp_path / "m").model
    vocabulary = " ".join(list(model.word_vec.vocabulary_) + list(model.char_vec.vocabulary_))
    # pracha.core.masking keeps an address's first letter and domain: s***@example.com
    assert "somchai" not in vocabulary
    assert "pracha@" not in vocabulary
    assert "12345" not in vocabulary


# --- Loading ------------------------------------------------------------------------------------------


def test_loader_picks_the_newest_version_or_the_pinned_one(base_model, corrected_model, models_dir, settings):
    clear_cache()
    assert corrected_model.version != base_model.version
    assert load_model(model_dir=models_dir).version == corrected_model.version
    settings.PRACHA_COMPLAINT_MODEL_VERSION = base_model.version
    clear_cache()
    assert load_model(model_dir=models_dir).version == base_model.version
    # classify() uses the configured folder and version, and says which model answered.
    settings.PRACHA_MODEL_DIR = str(models_dir)
    assert classify("ถนนเป็นหลุม").model_version == base_model.version
    clear_cache()


def test_no_model_says_which_command_builds_one(tmp_path, settings):
    settings.PRACHA_MODEL_DIR = str(tmp_path)
    clear_cache()
    with pytest.raises(ModelNotFoundError, match="pracha train-complaint-model"):
        classify("น้ำท่วม")
    with pytest.raises(ModelNotFoundError, match="pracha train-complaint-model"):
        load_model(model_dir=tmp_path / "nothing-here")
    clear_cache()


def test_a_pinned_version_that_does_not_exist_is_named(base_model, models_dir):
    with pytest.raises(ModelNotFoundError) as err:
        load_model("0000000000000000", model_dir=models_dir)
    assert "0000000000000000" in str(err.value) and base_model.version in str(err.value)


def test_a_damaged_model_file_is_refused(tmp_path, base_model):
    copy = tmp_path / "complaints" / base_model.version
    copy.mkdir(parents=True)
    for f in base_model.path.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    with (copy / MODEL_FILE).open("ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(ModelNotFoundError, match="does not match"):
        load_model(base_model.version, model_dir=tmp_path)


def test_a_model_built_by_other_model_code_is_not_used(tmp_path, base_model):
    """An artefact of an earlier version of the model code may load and then fail or answer
    differently: the loader skips it, and says to rebuild when no artefact of this code is left."""
    import json

    copy = tmp_path / "complaints" / base_model.version
    copy.mkdir(parents=True)
    for f in base_model.path.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    assert load_model(model_dir=tmp_path).metadata["version"] == base_model.version
    clear_cache()
    meta = copy / "metadata.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "code_sha256": "0" * 64}), encoding="utf-8")
    with pytest.raises(ModelNotFoundError, match="another version of the model code"):
        load_model(model_dir=tmp_path)
    with pytest.raises(ModelNotFoundError, match="another version of the model code"):
        load_model(base_model.version, model_dir=tmp_path)


# --- Predictions --------------------------------------------------------------------------------------


def test_flooding_in_front_of_a_house(base):
    p = classify("น้ำท่วมขังหน้าบ้านสูง 30 ซม.", base)
    assert "flooding" in [code for code, _ in p.categories[:2]]
    assert p.model_version == base.version


def test_a_broken_footpath_is_a_footpath(base):
    p = classify("ฟุตบาทหน้าปากซอยชำรุด กระเบื้องแตกเป็นหลุม เดินลำบาก", base)
    assert p.categories[0][0] == "footpath"


def test_a_question_is_a_question(base):
    p = classify("สอบถามค่ะ อยากทราบว่าขั้นตอนการขอติดตั้งไฟส่องสว่างในซอยต้องทำอย่างไรคะ", base)
    assert p.intent[0] == "question"


def test_live_wires_and_fire_are_urgent(base):
    for text in (
        "สายไฟฟ้าขาดห้อยลงมาบนถนน มีประกายไฟ เด็กเดินผ่านทุกวัน",
        "ไฟไหม้บ้านในซอยลาดพร้าว 101 ควันเต็มไปหมด",
    ):
        level, confidence = classify(text, base).urgency
        assert level in ("high", "critical"), text
        assert confidence >= 0.5


def test_a_suggestion_without_danger_is_not_urgent(base):
    p = classify("อยากให้มีการจัดกิจกรรมดนตรีในสวนสาธารณะทุกวันอาทิตย์ค่ะ", base)
    assert p.urgency[0] in ("low", "normal")


def test_predictions_are_well_formed(base):
    for p in classify_many(["ขยะล้นถังหน้าตลาด ส่งกลิ่นเหม็น", "รถจอดบนทางเท้า", "เสียงดังจากร้านเหล้าทุกคืน"], base):
        assert p.categories, "at least one category"
        assert len({c for c, _ in p.categories}) == len(p.categories)
        confidences = [c for _, c in p.categories]
        assert confidences == sorted(confidences, reverse=True)
        assert all(code in CATEGORIES and 0.0 <= c <= 1.0 for code, c in p.categories)
        assert p.intent[0] in INTENTS and 0.0 <= p.intent[1] <= 1.0
        assert p.urgency[0] in URGENCIES and 0.0 <= p.urgency[1] <= 1.0


def test_batch_and_single_agree(base):
    # One text goes the fast path (vocabulary lookups), a batch through matrices: same answers.
    texts = [
        "ต้นไม้ล้มขวางถนน",
        "ไฟทางดับทั้งซอย",
        "แท็กซี่จอดกีดขวางป้ายรถเมล์",
        "น้ำท่วมขังหน้าบ้าน",
        "ขยะไม่มีคนมาเก็บหนึ่งสัปดาห์",
        "สอบถามเรื่องการขอใบอนุญาตค่ะ",
    ]
    for batch, one in zip(classify_many(texts, base), [classify(t, base) for t in texts], strict=True):
        assert [c for c, _ in batch.categories] == [c for c, _ in one.categories]
        assert [c for _, c in batch.categories] == pytest.approx([c for _, c in one.categories], abs=2e-4)
        assert batch.intent[0] == one.intent[0] and batch.intent[1] == pytest.approx(one.intent[1], abs=2e-4)
        assert batch.urgency[0] == one.urgency[0]


def test_character_n_grams_are_counted_as_scikit_learn_counts_them(base):
    # The classifier counts character n-grams with numpy (decision 0541); scikit-learn's vectorizer,
    # which it was fitted with, is the reference: same features, same weights, for each text and for
    # texts side by side (a text's n-grams must not run into the next one's).
    with (SOURCE / D.TRAFFY_FILE).open(encoding="utf-8") as f:
        sample = [row["comment"] for _, row in zip(range(300), csv.DictReader(f), strict=False)]
    edge = ["", "a", "ab", "  x  \n\t y  ", "😀😀 น้ำท่วม", "\x00ไฟดับ\x00", "zzzz qqqq", "ก" * 3000]
    docs = [T.prepare(t) for t in sample] + edge
    model = base.model
    counted, reference = model._char_block().matrix(docs), model.char_vec.transform(docs)
    assert counted.shape == reference.shape and counted.nnz == reference.nnz > 10_000
    assert np.array_equal(counted.indptr, reference.indptr) and np.array_equal(
        counted.indices, reference.indices
    )
    assert abs(counted - reference).max() < 1e-6
    for doc in [*docs[:20], *edge]:
        indices, values = model._char_block().row(doc)
        one = reference[docs.index(doc)]
        assert np.array_equal(indices, one.indices) and np.allclose(values, one.data, atol=1e-6)


@pytest.mark.parametrize("text", ["", "   ", "!!!???", "asdf qwerty", "😀😀😀", "ก" * 5000, "\x00\x01"])
def test_empty_or_meaningless_text_gives_low_confidence(base, text):
    p = classify(text, base)
    assert p.categories[0][1] <= 0.2
    assert p.intent[1] <= 0.34
    assert p.urgency[0] in URGENCIES


def test_a_category_without_training_data_is_found_by_its_pattern(base):
    p = classify("ถูกนายหน้าจัดหางานหลอกไปทำงานที่ต่างประเทศ ยึดพาสปอร์ต", base)
    assert "labour_abroad" in [code for code, _ in p.categories]


def test_threads_share_one_model(base_model, models_dir):
    clear_cache()
    results: dict[int, object] = {}

    def work(i: int) -> None:
        loaded = load_model(base_model.version, model_dir=models_dir)
        results[i] = (id(loaded), classify("ถนนทรุดเป็นหลุมลึก", loaded))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({ident for ident, _ in results.values()}) == 1
    assert len({repr(p) for _, p in results.values()}) == 1


# --- Corrections --------------------------------------------------------------------------------------


def test_officers_corrections_change_the_model(base_model, corrected_model, models_dir):
    text = f"{PANTRY}ที่หน้าวัดพังแล้ว ไม่มีของ"
    before = classify(text, load_model(base_model.version, model_dir=models_dir))
    after = classify(text, load_model(corrected_model.version, model_dir=models_dir))
    assert before.categories[0][0] != "school"
    assert after.categories[0][0] == "school"
    assert corrected_model.metadata["examples"]["extra"] == len(CORRECTIONS)


@pytest.mark.django_db
def test_stored_corrections_are_read_when_the_module_exists():
    # The complaints app's corrections module is real here: no correction stored yet, none read.
    assert D.corrections(weight=2.0) == []


def test_examples_accept_codes_or_traffy_names_and_drop_the_unknown():
    found = D.examples_from([("ถนนพัง", ["road", "ทางเท้า", "no-such"], ""), ("", ["road"], None)])
    assert [(e.text, e.categories, e.intent) for e in found] == [("ถนนพัง", ("road", "footpath"), None)]


# --- Traffy's two type lists (decision 0510) ----------------------------------------------------------


def test_a_type_field_tells_its_list_when_a_name_belongs_to_one_list_only():
    assert traffy_list_of("แสงสว่าง,ถนน") == "older"
    assert traffy_list_of("อื่นๆ,ไฟฟ้า") == "newer"
    assert traffy_list_of("ถนน,ทางเท้า") is None  # in both lists
    assert traffy_list_of("แสงสว่าง,ไฟฟ้า") is None  # contradictory: not sure
    assert traffy_list_of("") is None


def test_every_traffy_row_gets_its_days_list(small_data):
    ds = D.load(small_data)
    assert {e.type_list for e in ds.labelled} == {"labelled"}
    by_day: dict = {}
    for e in ds.traffy:
        by_day.setdefault(e.at.date(), set()).add(e.type_list)
    assert all(len(lists) == 1 and None not in lists for lists in by_day.values()), by_day
    assert {lst for lists in by_day.values() for lst in lists} == {"older", "newer"}


def test_categories_mix_the_lists_by_how_likely_each_list_is(base):
    model = base.model
    assert model.type_lists == ["newer", "older"]
    # A street light: the older list files it under แสงสว่าง, the newer under ไฟฟ้า + อื่นๆ. The
    # mixture lies between the two lists' own probabilities, weighted by the type-list model.
    docs = [T.prepare("ไฟทางดับทั้งซอย มืดมาก")]
    x = sparse.hstack([model.word_vec.transform(docs), model.char_vec.transform(docs)], format="csr")
    z = np.asarray(x @ model.cat_w) + model.cat_b
    n = len(model.codes)
    per_list = 1 / (1 + np.exp(-(z[:, :n] + model.list_bias[:, None, :])))[:, 0, :]  # lists x codes
    mixed = model.category_scores(["ไฟทางดับทั้งซอย มืดมาก"])[0]
    assert np.all(mixed >= per_list.min(axis=0) - 1e-6) and np.all(mixed <= per_list.max(axis=0) + 1e-6)
    light = model.codes.index("streetlight")
    assert per_list[model.type_lists.index("older"), light] > per_list[model.type_lists.index("newer"), light]


def test_nb_svm_ratios_fold_into_plain_weights():
    """One product with the returned weights scores as the SVM trained on ratio-scaled features
    (decision 0511); the columns after `n_scaled` (type-list marks) are not scaled."""
    x = sparse.random(300, 40, density=0.15, format="csr", random_state=1, dtype=np.float32)
    y = (x[:, 0].toarray().ravel() + x[:, 1].toarray().ravel() > 0).astype(np.int8)
    p = Params()
    weights, bias = _fit_margin(x, y, np.ones(300), 38, p)
    docs_in = np.bincount(x[y == 1].indices, minlength=40) + p.nb_alpha
    docs_out = np.bincount(x[y == 0].indices, minlength=40) + p.nb_alpha
    r = np.log((docs_in / docs_in.sum()) / (docs_out / docs_out.sum()))
    r = np.sign(r) * np.abs(r) ** p.nb_power
    r[38:] = 1.0
    svm = LinearSVC(C=p.category_c, random_state=0).fit(x @ sparse.diags(r), y)
    expected = svm.decision_function(x @ sparse.diags(r)) * p.category_scale
    assert np.allclose(x @ weights + bias, expected, atol=1e-4)
    # The words of the category's texts carry it: both are among the three largest weights.
    assert set(np.argsort(-weights)[:3]) >= {0, 1}


# --- Vocabulary and command ---------------------------------------------------------------------------


def test_traffy_types_map_to_codes():
    assert codes_for_traffy_types("อื่นๆ,ไฟฟ้า") == (["other", "power"], None, [])
    assert codes_for_traffy_types("เสียง,เสียงรบกวน,ร้องเรียน") == (["noise"], "complaint", [])
    assert codes_for_traffy_types("ร้องเรียน,สอบถาม")[1] is None  # two intents: none is sure
    assert codes_for_traffy_types("")[0] == []
    assert codes_for_traffy_types("ไม่มีประเภทนี้")[2] == ["ไม่มีประเภทนี้"]
    for code, entry in CATEGORIES.items():
        assert entry["th"] and entry["en"], code


def test_the_command_trains_evaluates_and_writes(tmp_path):
    tiny = _slice(tmp_path / "tiny", traffy_every=8, labelled_every=3)
    with (tmp_path / "log").open("w", encoding="utf-8") as log:
        call_command(Command(), data_dir=tiny, out=tmp_path / "m", no_corrections=True, stdout=log)
    (meta,) = available(models_root(tmp_path / "m"))
    metrics = meta["metrics"]
    for split in ("time_last_week", "time_last_day", "random_5fold"):
        for name in ("model", "baseline"):
            for key in ("top1", "top1_specific", "micro_f1"):
                assert 0.0 <= metrics[split][name][key] <= 1.0
    assert 0.0 <= metrics["intent"]["model"]["accuracy"] <= 1.0
    assert "written to" in (tmp_path / "log").read_text(encoding="utf-8")


def test_words_are_the_newmm_words_of_pythainlp():
    # nlpO3 runs newmm in Rust with pythainlp's dictionary: the Thai words must be the same ones.
    from pythainlp.tokenize.newmm import segment

    with (SOURCE / "traffy" / "bangkok_complaints_2023q4.csv").open(encoding="utf-8") as f:
        texts = [T.prepare(row["comment"]) for row, _ in zip(csv.DictReader(f), range(300), strict=False)]
    thai = [t for t in texts if t and all("\u0e00" <= ch <= "\u0e7f" or ch == " " for ch in t)]
    assert len(thai) >= 30
    for text in thai:
        assert list(T.words(text)) == [w for w in segment(text) if w.strip()]
