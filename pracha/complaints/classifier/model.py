"""The models: categories (multi-label), intent, and the plain TF-IDF baseline they are compared with.

Categories: TF-IDF of newmm words (with category keyword markers) and of character 2-4-grams, one
linear SVM per category (one-vs-rest, squared hinge) over those features scaled by how much more
often they occur in the category's texts than in the others' (NB-SVM; decision 0511), whose margin a
sigmoid turns into the category's confidence: how likely a complainant would be to name it.
Complainants chose from two Traffy type lists that file the same problem differently (decision
0510), so each category's model also has one intercept per list, and a third model, over the same
features, tells how likely a text is to come from each list; a category's confidence is the mixture
of its per-list confidences weighted by those chances. At prediction all of it is one matrix product
(the weights are stacked at training), which keeps a single classification fast.
Intent: multinomial logistic regression over words and question/suggestion cue markers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from . import text as T
from .dataset import Example
from .vocabulary import INTENTS, OTHER, TRAFFY_LISTS, rule_categories


@dataclass(frozen=True)
class Params:
    """Every parameter of the models; part of the model's version."""

    char_ngrams: tuple[int, int] = (2, 4)
    char_max_features: int = 150_000
    char_min_df: int = 2
    # The categories' NB-SVMs (decision 0511: +2.9 points of top-1 on the choosing CV against
    # logistic regression with C=10, in less than half its training time).
    category_c: float = 0.3
    category_scale: float = 2.0  # confidence = sigmoid(scale x margin): a margin of 1 gives 0.88
    nb_alpha: float = 1.0  # smoothing of the document counts of the naive-Bayes ratios
    nb_power: float = 0.5  # the ratios' magnitude is raised to this power (1: plain NB-SVM)
    # The type-list model (which list a text's complainant would have used); 3 rather than 10 softens
    # its chances, so the mixture hedges between the lists more (decision 0511).
    list_c: float = 3.0
    min_examples: int = 3  # a category needs this many examples to be learned
    predict_threshold: float = 0.3  # categories at least this likely are predicted (besides the top one)
    max_categories: int = 5
    intent_c: float = 10.0
    # Balanced: 95 % of the labelled intents are complaints; unweighted, questions and suggestions
    # are almost never predicted (macro-F1 0.50 against 0.61, accuracy 95.7 % against 95.2 %).
    intent_class_weight: str | None = "balanced"
    correction_weight: float = 2.0  # an officer's correction counts as two complainants' choices
    rule_confidence: float = 0.6  # a category found by its pattern (no training data yet)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Raw:
    """One text's outputs before urgency: categories (sorted), intent, whether the text said anything,
    and the prepared text (urgency reads it too)."""

    categories: list[tuple[str, float]]
    intent: tuple[str, float]
    signal: bool
    prepared: str


# Up to this many texts are vectorised one by one (fast for one); more go through scikit-learn at once.
_ONE_BY_ONE = 4


class _Block:
    """A fitted TfidfVectorizer (sublinear tf, smooth idf, l2 norm) reduced to what one text needs."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int):
        self.analyze = vectorizer.build_analyzer()
        self.index = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float32)
        self.offset = offset

    def row(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(i for f in self.analyze(doc) if (i := self.index.get(f)) is not None)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[idx]
        return idx, values / np.sqrt(values @ values)


class _CharBlock:
    """The character n-gram block (a TfidfVectorizer with analyzer="char", lowercase=False): the same
    TF-IDF rows, counted with numpy. Each n-gram becomes a number, its length followed by its
    characters' places in the alphabet of the vocabulary, looked up in the vocabulary's numbers,
    sorted. scikit-learn makes every n-gram a Python string and looks it up in a dict, which was
    most of the classifier's time (decision 0541)."""

    _WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's char analyzer normalises them

    def __init__(self, vectorizer: TfidfVectorizer, offset: int):
        self.low, self.high = vectorizer.ngram_range
        grams = list(vectorizer.vocabulary_)
        self.alphabet = np.array(sorted({ord(ch) for gram in grams for ch in gram}), dtype=np.int64)
        self.bits = len(self.alphabet).bit_length()  # places 1..len: 0 is a character outside it
        if self.bits * self.high + self.high.bit_length() > 62:
            raise ValueError("character n-grams too long for 64-bit keys")
        places = {chr(code): i + 1 for i, code in enumerate(self.alphabet.tolist())}
        keys = np.array([self._key(gram, places) for gram in grams], dtype=np.int64)
        order = np.argsort(keys)
        self.keys = keys[order]
        self.columns = np.fromiter(vectorizer.vocabulary_.values(), dtype=np.intp, count=len(grams))[order]
        self.idf = vectorizer.idf_.astype(np.float32)
        self.offset = offset

    def _key(self, gram: str, places: dict[str, int]) -> int:
        key = len(gram)
        for ch in gram:
            key = (key << self.bits) | places[ch]
        return key

    def row(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        one = self.matrix([doc])
        return one.indices, one.data

    def matrix(self, docs: Sequence[str]) -> sparse.csr_matrix:
        """The rows of texts, as TfidfVectorizer.transform gives them. All texts are counted at once,
        joined by a character outside the alphabet, so that no n-gram spans two of them."""
        docs = [self._WHITE_SPACES.sub(" ", doc) for doc in docs]
        joined = "\0".join(docs)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        at = np.minimum(np.searchsorted(self.alphabet, codes), len(self.alphabet) - 1)
        places = np.where(self.alphabet[at] == codes, at + 1, 0)
        starts = np.cumsum([0] + [len(doc) + 1 for doc in docs[:-1]])
        places[starts[1:] - 1] = 0  # the joins, even if the alphabet had that character
        cells = []
        for n in range(self.low, self.high + 1):
            m = len(places) - n + 1
            if m <= 0:
                break
            keys = np.full(m, n, dtype=np.int64)
            known = np.ones(m, dtype=bool)
            for j in range(n):
                part = places[j : j + m]
                keys = (keys << self.bits) | part
                known &= part > 0
            position = np.flatnonzero(known)
            at = np.minimum(np.searchsorted(self.keys, keys[position]), len(self.keys) - 1)
            hit = self.keys[at] == keys[position]
            doc_of = np.searchsorted(starts, position[hit], side="right") - 1
            cells.append(doc_of * len(self.idf) + self.columns[at[hit]])
        cell, tf = np.unique(np.concatenate(cells) if cells else np.empty(0, np.int64), return_counts=True)
        row, column = np.divmod(cell, len(self.idf))
        values = (1.0 + np.log(tf.astype(np.float32))) * self.idf[column]
        norms = np.sqrt(np.bincount(row, weights=values.astype(np.float64) ** 2, minlength=len(docs)))
        values = (values / norms[row]).astype(np.float32)
        indptr = np.concatenate(([0], np.cumsum(np.bincount(row, minlength=len(docs)))))
        return sparse.csr_matrix((values, column, indptr), shape=(len(docs), len(self.idf)))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _mixture(z: np.ndarray, n_codes: int, list_bias: np.ndarray) -> np.ndarray:
    """Category probabilities from stacked scores: the first `n_codes` columns are the categories'
    scores without a list, the rest the type-list model's (none when there is one list); each list's
    intercepts (`list_bias`, lists x categories) give per-list probabilities, weighted by the list's."""
    lists = _softmax(z[:, n_codes:]) if z.shape[1] > n_codes else np.ones((len(z), 1), dtype=z.dtype)
    base = z[:, :n_codes]
    return sum(lists[:, [k]] * _sigmoid(base + list_bias[k]) for k in range(len(list_bias)))


def _fit_binary(x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    clf = LogisticRegression(C=c, max_iter=3000).fit(x, y, sample_weight=w)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def _fit_margin(
    x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, n_scaled: int, p: Params
) -> tuple[np.ndarray, float]:
    """One category's NB-SVM (Wang & Manning 2012) as plain linear weights and intercept.

    Each of the first `n_scaled` features (the text's; the type-list marks after them are left as
    they are) is multiplied by its log-count ratio r: log of its smoothed share of the category's
    texts over its share of the other texts, magnitude tempered by `nb_power`. A linear SVM learns
    on the scaled features; since score = w . (r * x) = (w * r) . x, the ratios fold into the weights
    and prediction stays one product. The weights are multiplied by `category_scale` so that the
    sigmoid of the score is the confidence (the mixture and the thresholds work on sigmoids)."""
    docs_in = np.bincount(x[y == 1].indices, minlength=x.shape[1]) + p.nb_alpha
    docs_out = np.bincount(x[y == 0].indices, minlength=x.shape[1]) + p.nb_alpha
    r = np.log((docs_in / docs_in.sum()) / (docs_out / docs_out.sum()))
    r = np.sign(r) * np.abs(r) ** p.nb_power
    r[n_scaled:] = 1.0
    clf = LinearSVC(C=p.category_c, random_state=0).fit(x @ sparse.diags(r), y, sample_weight=w)
    scale = p.category_scale
    return (clf.coef_[0] * r * scale).astype(np.float32), float(clf.intercept_[0] * scale)


def _fit_softmax(
    x: sparse.csr_matrix,
    labels: list[str],
    w: np.ndarray,
    c: float,
    class_weight: str | None,
    classes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic regression as (features x classes weights, intercepts) in `classes` order."""
    clf = LogisticRegression(C=c, class_weight=class_weight, max_iter=3000).fit(x, labels, sample_weight=w)
    assert [str(k) for k in clf.classes_] == classes
    coef, b = clf.coef_.T.astype(np.float32), clf.intercept_.astype(np.float32)
    if len(classes) == 2:  # sklearn keeps one row for two classes: make it two
        coef = np.column_stack([-coef[:, 0] / 2, coef[:, 0] / 2])
        b = np.array([-b[0] / 2, b[0] / 2], dtype=np.float32)
    return coef, b


class ComplaintModel:
    def __init__(self, params: Params | None = None):
        self.params = params or Params()

    # --- training ------------------------------------------------------------------------------------

    def fit(self, examples: Sequence[Example], n_jobs: int = 2) -> ComplaintModel:
        self._fit_categories(examples, n_jobs)
        return self.fit_intent_only(examples)

    def _fit_categories(self, examples: Sequence[Example], n_jobs: int) -> None:
        p = self.params
        with_cats = [e for e in examples if e.categories]
        counts = Counter(c for e in with_cats for c in e.categories)
        self.codes = sorted(c for c, n in counts.items() if n >= p.min_examples)
        if not self.codes:
            raise ValueError("No category has enough examples to learn from.")
        docs = [T.prepare(e.text) for e in with_cats]
        self.word_vec = TfidfVectorizer(analyzer=T.category_features, sublinear_tf=True, dtype=np.float32)
        self.char_vec = TfidfVectorizer(
            analyzer="char",
            ngram_range=p.char_ngrams,
            min_df=min(p.char_min_df, len(docs)),
            max_features=p.char_max_features,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        x = sparse.hstack([self.word_vec.fit_transform(docs), self.char_vec.fit_transform(docs)]).tocsr()
        y = np.array([[c in e.categories for c in self.codes] for e in with_cats], dtype=np.int8)
        w = np.array([e.weight for e in with_cats], dtype=np.float64)
        # One indicator column per type list an example's categories were chosen from (corrections
        # have none): each category learns one intercept per list besides its shared weights.
        all_lists = sorted({e.type_list for e in with_cats if e.type_list})
        marks = sparse.csr_matrix(
            np.array([[e.type_list == t for t in all_lists] for e in with_cats], dtype=np.float32).reshape(
                len(with_cats), len(all_lists)
            )
        )
        xm = sparse.hstack([x, marks]).tocsr()
        fitted = Parallel(n_jobs=n_jobs)(
            delayed(_fit_margin)(xm, y[:, j], w, x.shape[1], p) for j in range(len(self.codes))
        )
        coef = np.column_stack([c for c, _ in fitted])  # features (then list marks) x categories
        n = x.shape[1]
        self.cat_b = np.array([b for _, b in fitted], dtype=np.float32)
        # Mixed at prediction: the Traffy lists with enough examples (the hand-labelled file's topics
        # and any list too rare to tell are not something a new complaint comes from).
        counts = Counter(e.type_list for e in with_cats)
        self.type_lists = [t for t in all_lists if t in TRAFFY_LISTS and counts[t] >= p.min_examples]
        self.list_bias = (
            np.vstack([coef[n + all_lists.index(t)] for t in self.type_lists])
            if self.type_lists
            else np.zeros((1, len(self.codes)), dtype=np.float32)
        )
        self.cat_w = coef[:n]
        if len(self.type_lists) > 1:
            rows = [i for i, e in enumerate(with_cats) if e.type_list in self.type_lists]
            lw, lb = _fit_softmax(
                x[rows], [with_cats[i].type_list for i in rows], w[rows], p.list_c, None, self.type_lists
            )
            self.cat_w = np.hstack([self.cat_w, lw])
            self.cat_b = np.concatenate([self.cat_b, lb])

    def fit_intent_only(self, examples: Sequence[Example]) -> ComplaintModel:
        with_intent = [e for e in examples if e.intent]
        idocs = [T.prepare(e.text) for e in with_intent]
        self.intent_vec = TfidfVectorizer(analyzer=T.intent_features, sublinear_tf=True, dtype=np.float32)
        xi = self.intent_vec.fit_transform(idocs)
        labels = [e.intent for e in with_intent]
        if len(set(labels)) < 2:
            raise ValueError("Intent needs examples of at least two intents.")
        self.intent_codes = sorted(set(labels))
        self.intent_w, self.intent_b = _fit_softmax(
            xi,
            labels,
            np.array([e.weight for e in with_intent]),
            self.params.intent_c,
            self.params.intent_class_weight,
            self.intent_codes,
        )
        return self

    # --- prediction ----------------------------------------------------------------------------------

    def predict(self, texts: Sequence[str]) -> list[Raw]:
        p = self.params
        docs = [T.prepare(t) for t in texts]
        if len(docs) <= _ONE_BY_ONE:
            rows = [self._one(doc) for doc in docs]
            known = [k for k, _, _ in rows]
            probs = np.vstack([c for _, c, _ in rows])
            iprobs = np.vstack([i for _, _, i in rows])
        else:
            xw = self.word_vec.transform(docs)
            x = sparse.hstack([xw, self._char_block().matrix(docs)], format="csr")
            probs = _mixture(np.asarray(x @ self.cat_w) + self.cat_b, len(self.codes), self.list_bias)
            iprobs = _softmax(np.asarray(self.intent_vec.transform(docs) @ self.intent_w) + self.intent_b)
            known = (np.diff(xw.indptr) > 0).tolist()
        out = []
        for i, doc in enumerate(docs):
            # A text none of whose words the model knows, or made of fewer than three different
            # letters ("กกกก", "5555"), says nothing: uniform, low confidences.
            if not known[i] or len(set(doc) - {" "}) < 3:
                out.append(
                    Raw([(OTHER, 0.0)], (self._uniform_intent(), round(1 / len(INTENTS), 4)), False, doc)
                )
                continue
            scores = dict(zip(self.codes, probs[i].tolist(), strict=True))
            for code in rule_categories(doc):
                scores[code] = max(scores.get(code, 0.0), p.rule_confidence)
            ranked = sorted(scores.items(), key=lambda kv: -kv[1])
            chosen = [ranked[0]] + [kv for kv in ranked[1 : p.max_categories] if kv[1] >= p.predict_threshold]
            j = int(np.argmax(iprobs[i]))
            out.append(
                Raw(
                    [(c, round(float(s), 4)) for c, s in chosen],
                    (self.intent_codes[j], round(float(iprobs[i, j]), 4)),
                    True,
                    doc,
                )
            )
        return out

    def _one(self, doc: str) -> tuple[bool, np.ndarray, np.ndarray]:
        """One prepared text without scikit-learn's per-call overhead (about 0.5 ms per vectorizer):
        the same TF-IDF rows, gathered straight from the fitted vocabularies and weights."""
        blocks = self.__dict__.get("_blocks") or self._make_blocks()
        (wi, wv), (ci, cv), (ii, iv) = (b.row(doc) for b in blocks)
        z = wv @ self.cat_w[wi] + cv @ self.cat_w[ci + blocks[1].offset] + self.cat_b
        zi = iv @ self.intent_w[ii] + self.intent_b
        return len(wi) > 0, _mixture(z[None, :], len(self.codes), self.list_bias)[0], _softmax(zi[None, :])[0]

    def _char_block(self) -> _CharBlock:
        return (self.__dict__.get("_blocks") or self._make_blocks())[1]

    def _make_blocks(self) -> tuple[_Block, _CharBlock, _Block]:
        # Built on first use, not pickled (the vocabularies are already in the vectorizers). Threads
        # that race here build equal blocks; the last assignment wins.
        blocks = (
            _Block(self.word_vec, 0),
            _CharBlock(self.char_vec, len(self.word_vec.vocabulary_)),
            _Block(self.intent_vec, 0),
        )
        self._blocks = blocks
        return blocks

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_blocks"}

    def category_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities of every learned category (columns in `codes` order), for evaluation."""
        docs = [T.prepare(t) for t in texts]
        x = sparse.hstack([self.word_vec.transform(docs), self._char_block().matrix(docs)], format="csr")
        return _mixture(np.asarray(x @ self.cat_w) + self.cat_b, len(self.codes), self.list_bias)

    def intent_of(self, texts: Sequence[str]) -> list[str]:
        xi = self.intent_vec.transform([T.prepare(t) for t in texts])
        return [
            self.intent_codes[j] for j in np.argmax(np.asarray(xi @ self.intent_w) + self.intent_b, axis=1)
        ]

    def _uniform_intent(self) -> str:
        return "complaint" if "complaint" in self.intent_codes else self.intent_codes[0]


class BaselineModel:
    """The plain baseline: TF-IDF of newmm words of the raw text, one-vs-rest logistic regression
    with scikit-learn's defaults (C=1), Traffy rows only. What the issue's "about 62%" refers to."""

    def fit(self, examples: Sequence[Example]) -> BaselineModel:
        rows = [e for e in examples if e.categories]
        counts = Counter(c for e in rows for c in e.categories)
        self.codes = sorted(c for c, n in counts.items() if n >= 3)
        self.vec = TfidfVectorizer(analyzer=T.plain_words)
        x = self.vec.fit_transform([e.text for e in rows])
        y = np.array([[c in e.categories for c in self.codes] for e in rows], dtype=np.int8)
        fitted = Parallel(n_jobs=2)(
            delayed(_fit_binary)(x, y[:, j], np.ones(len(rows)), 1.0) for j in range(len(self.codes))
        )
        self.w = np.column_stack([coef for coef, _ in fitted])
        self.b = np.array([b for _, b in fitted], dtype=np.float32)
        return self

    def category_scores(self, texts: Sequence[str]) -> np.ndarray:
        return _sigmoid(np.asarray(self.vec.transform(list(texts)) @ self.w) + self.b)
