"""Multi-label linear text classifier over TF-IDF word and character n-grams, stored as plain arrays.

One logistic regression per label (one-vs-rest) over a TF-IDF matrix of word n-grams (the toolkit's ``tokenize``;
unigrams, or unigrams and bigrams) and character n-grams within word boundaries, plus optionally a length column
(the standardised log of the number of tokens, computed from the text) and dense extra features (e.g. cue-lexicon
scores). Per-label decision thresholds are tuned on out-of-fold predictions inside the training data only, and so is
C when several values are given.
Auxiliary training units (e.g. sentences labelled in another annotation of the same articles) can train the
coefficients without being scored. Optionally each label's word columns are scaled by Naive Bayes log-count ratios
before its regression is fitted (NBSVM), the scaling folded back into the stored coefficients.

The fitted model is vocabularies + idf + coefficients + intercepts + thresholds: ``save`` writes them as JSON and
an ``.npz`` (``allow_pickle=False``), so loading a model runs no code; inference is re-implemented here from the
arrays (counts with a fixed vocabulary, sublinear tf, idf, l2 norm, the length column, dot product, logistic).

References:
    Salton & Buckley (1988), term-weighting approaches (TF-IDF); scikit-learn's ``TfidfVectorizer``
    (``sublinear_tf``, smooth idf) and ``LogisticRegression`` (liblinear).
    Wang & Manning (2012). Baselines and Bigrams: Simple, Good Sentiment and Topic Classification. ACL (NBSVM).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from scipy import sparse

from toolkit.errors import ToolkitError
from toolkit.segment import tokenize

FORMAT = "toolkit-linear-multilabel/1"
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 4)


def word_analyzer(text: str) -> list[str]:
    """Word unigrams and bigrams from the toolkit's tokenizer."""
    tokens = tokenize(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _word_analyzer(word_ngrams: int):
    """The word analyzer of a model: unigrams (``tokenize``) or unigrams and bigrams (``word_analyzer``)."""
    if word_ngrams not in (1, 2):
        raise ToolkitError(f"word_ngrams: expected 1 (unigrams) or 2 (unigrams and bigrams), got {word_ngrams!r}")
    return tokenize if word_ngrams == 1 else word_analyzer


def nb_ratios(B: sparse.csr_matrix, y: np.ndarray, weights: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Naive Bayes log-count ratios of the columns of the 0/1 presence matrix ``B`` for the binary labels ``y``:
    ``log((p / |p|_1) / (q / |q|_1))`` with ``p = alpha + Σ w·B`` over the positive rows and ``q`` the same over the
    negative rows (``weights``: one per row). Wang & Manning (2012), NBSVM."""
    y = np.asarray(y, dtype=bool)
    pos = alpha + np.asarray(B[y].T @ weights[y]).ravel()
    neg = alpha + np.asarray(B[~y].T @ weights[~y]).ravel()
    return np.log((pos / pos.sum()) / (neg / neg.sum()))


def _char_analyzer(ngram_range: tuple[int, int]):
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer="char_wb", ngram_range=tuple(ngram_range), lowercase=True).build_analyzer()


def _counts(texts: list[str], analyzer, vocabulary: dict[str, int], n_out: list | None = None) -> sparse.csr_matrix:
    """Counts of the vocabulary's features in each text; ``n_out`` (a list) receives each text's number of features."""
    indptr, indices = [0], []
    for text in texts:
        features = analyzer(text)
        if n_out is not None:
            n_out.append(len(features))
        for feature in features:
            j = vocabulary.get(feature)
            if j is not None:
                indices.append(j)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    X = sparse.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)), shape=(len(texts), len(vocabulary)))
    X.sum_duplicates()
    return X


def n_words(texts) -> np.ndarray:
    """Number of tokens of each text (the toolkit's ``tokenize``): the input of the length feature."""
    return np.array([len(tokenize(text)) for text in texts], dtype=np.float64)


def _objective(P: np.ndarray, Y: np.ndarray, thresholds: np.ndarray, mix: float) -> float:
    """``(1 - mix) * micro-F1 + mix * macro-F1`` (macro over labels with positives) of ``P >= thresholds``."""
    Y = np.asarray(Y, dtype=bool)
    pred = P >= thresholds
    tp, fp, fn = (pred & Y).sum(axis=0), (pred & ~Y).sum(axis=0), (~pred & Y).sum(axis=0)
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1)
    has = Y.any(axis=0)
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    macro = f1[has].mean() if has.any() else 0.0
    return float((1 - mix) * micro + mix * macro)


def _tfidf(X: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear term frequency × idf, each row scaled to unit length; on the stored values (no matrix products)."""
    X = sparse.csr_matrix(X, dtype=np.float64, copy=True)
    X.data = (1.0 + np.log(X.data)) * idf[X.indices]
    row = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    norms = np.sqrt(np.bincount(row, weights=X.data * X.data, minlength=X.shape[0]))
    norms[norms == 0] = 1.0
    X.data *= (1.0 / norms)[row]
    return X


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The threshold on ``scores`` that maximises F1 for the binary labels ``y`` (ties: the higher threshold)."""
    y = np.asarray(y, dtype=bool)
    if not y.any():
        return 1.0
    best_t, best_f = 0.5, -1.0
    for t in THRESHOLD_GRID:
        pred = scores >= t
        tp = np.sum(pred & y)
        f = 2 * tp / (pred.sum() + y.sum()) if (pred.sum() + y.sum()) else 0.0
        if f >= best_f:
            best_t, best_f = float(t), f
    return best_t


def joint_thresholds(P: np.ndarray, Y: np.ndarray, mix: float = 0.5, n_passes: int = 3, grid=None) -> np.ndarray:
    """Per-label thresholds maximising ``(1 - mix) * micro-F1 + mix * macro-F1`` by coordinate ascent.

    Thresholding each label for its own F1 over-predicts rare labels and costs micro-F1; optimising the averaged
    objective directly weighs each label's contribution to both (Lipton, Elkan & Naryanaswamy 2014, on F1-optimal
    thresholds). Starts from the best single threshold for all labels. ``grid``: candidate thresholds, shared
    (1-D) or one row per label (2-D, e.g. quantiles of unbounded scores); default ``THRESHOLD_GRID``.

    References:
        Lipton, Elkan & Naryanaswamy (2014). Optimal Thresholding of Classifiers to Maximize F1 Measure. ECML PKDD.
    """
    Y = np.asarray(Y, dtype=bool)
    grid = THRESHOLD_GRID if grid is None else np.asarray(grid, dtype=float)
    grid2 = np.tile(grid, (Y.shape[1], 1)) if grid.ndim == 1 else grid
    pred = P[:, :, None] >= grid2[None, :, :]  # units × labels × candidates
    tp = (pred & Y[:, :, None]).sum(axis=0).astype(float)
    fp = (pred & ~Y[:, :, None]).sum(axis=0).astype(float)
    pos = Y.sum(axis=0).astype(float)[:, None]
    fn = pos - tp
    f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    n_labels = Y.shape[1]
    has = pos[:, 0] > 0
    n_has = max(int(has.sum()), 1)

    def objective(choice):
        idx = np.arange(n_labels)
        TP, FP, FN = tp[idx, choice].sum(), fp[idx, choice].sum(), fn[idx, choice].sum()
        micro = 2 * TP / max(2 * TP + FP + FN, 1)
        macro = f1[idx, choice][has].sum() / n_has
        return (1 - mix) * micro + mix * macro

    n_grid = grid2.shape[1]
    start = max(range(n_grid), key=lambda g: (objective(np.full(n_labels, g)), g))
    choice = np.full(n_labels, start)
    for _ in range(n_passes):
        changed = False
        for j in range(n_labels):
            best_g, best_v = choice[j], objective(choice)
            for g in range(n_grid):
                c = choice.copy()
                c[j] = g
                v = objective(c)
                if v > best_v + 1e-12:
                    best_g, best_v = g, v
            if best_g != choice[j]:
                choice[j] = best_g
                changed = True
        if not changed:
            break
    return grid2[np.arange(n_labels), choice].astype(float)


def _group_sums(X: sparse.csr_matrix, groups=None) -> sparse.csr_matrix:
    """Each row replaced by the sum of the rows with the same group value (all rows one group when None)."""
    n = X.shape[0]
    if groups is None:
        codes = np.zeros(n, dtype=np.int64)
    else:
        if len(groups) != n:
            raise ToolkitError(f"groups: expected {n} values (one per text), got {len(groups)}")
        _, codes = np.unique(np.asarray(groups), return_inverse=True)
    M = sparse.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, int(codes.max()) + 1 if n else 0))
    return sparse.csr_matrix(M @ (M.T @ X))


def shrunk_thresholds(P: np.ndarray, Y: np.ndarray, mix: float = 0.5, prior: float = 20.0, grid=None) -> np.ndarray:
    """Per-label thresholds (``joint_thresholds``) shrunk toward the one global threshold that maximises the same
    objective, with weight ``n_pos / (n_pos + prior)`` on the label's own threshold: a rare label's tuned threshold
    rests on a handful of positives and is mostly noise. ``prior=0`` gives the plain per-label thresholds.
    """
    Y = np.asarray(Y, dtype=bool)
    per_label = joint_thresholds(P, Y, mix=mix, grid=grid)
    if prior <= 0:
        return per_label
    grid1 = THRESHOLD_GRID if grid is None else np.asarray(grid, dtype=float)
    common = joint_thresholds(P, Y, mix=mix, n_passes=0, grid=grid1)
    n_pos = Y.sum(axis=0).astype(float)
    w = n_pos / (n_pos + float(prior))
    return w * per_label + (1 - w) * common


class LinearMultiLabel:
    """One-vs-rest logistic regression over TF-IDF word + char n-grams with tuned per-label thresholds.

    Parameters:
        labels: label names, in the column order of ``Y``.
        C: inverse regularisation strength of each logistic regression, or a list of values to choose from on the
            inner folds (see ``fit``).
        class_weight: ``"balanced"`` or None.
        char_ngrams: character n-gram range, or None for words only.
        min_df: minimum document frequency of a feature in the training texts.
        max_features: keep the most frequent features of each kind.
        threshold: ``"tuned"`` (per label, on out-of-fold predictions of ``inner_folds`` folds of the training
            data, see ``joint_thresholds``) or a number used for every label.
        threshold_mix: weight of macro-F1 (against micro-F1) in the tuning objective.
        single_label: predict exactly one label per text (the most probable), as for genre.
        random_state: seed of the inner folds.
        threshold_prior: shrink each tuned threshold toward the common one (see ``shrunk_thresholds``); 0: off.
        context_weight: weight of the context block (the word TF-IDF of all texts of the same group, e.g. the
            article of a paragraph; see ``transform``); 0: no context block.
        length_weight: weight of the length feature (standardised ``log(1 + n_words)``, see ``transform``); 0: off.
        word_ngrams: 1 for word unigrams, 2 for unigrams and bigrams.
        nb_scale: exponent ``g`` of the Naive Bayes feature scaling; 0: off. With ``g`` > 0 each label's regression
            sees every word column scaled by ``|r| ** g``, ``r`` the label's log-count ratio of the word
            (``nb_ratios``, smoothing ``nb_alpha``), and the stored coefficient is the fitted one times the same
            scale: still one linear model over the unscaled features, whose regularisation now lets words that
            separate the label in the training texts weigh more (Wang & Manning 2012, NBSVM, with logistic
            regression; ``g`` = 1 is their scaling, smaller values soften it).
        nb_alpha: additive smoothing of the word counts in ``nb_ratios``.

    With tuned thresholds the model is cross-fitted: the stored coefficients are the mean of the ``inner_folds``
    inner models whose out-of-fold probabilities tuned the thresholds (no refit on all the training texts).
    """

    def __init__(self, labels, C=10.0, class_weight="balanced", char_ngrams=(3, 5), min_df=2,
                 max_features=60000, threshold="tuned", threshold_mix=0.5, inner_folds=4, single_label=False,
                 random_state=0, threshold_prior=0.0, context_weight=0.0, length_weight=0.0, word_ngrams=2,
                 nb_scale=0.0, nb_alpha=1.0):
        self.labels = list(labels)
        self.C = C
        self.class_weight = class_weight
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.threshold = threshold
        self.threshold_mix = threshold_mix
        self.inner_folds = inner_folds
        self.single_label = single_label
        self.random_state = random_state
        self.threshold_prior = threshold_prior
        self.context_weight = context_weight
        self.length_weight = length_weight
        self.word_ngrams = word_ngrams
        self.nb_scale = nb_scale
        self.nb_alpha = nb_alpha

    # -- features ---------------------------------------------------------------------------------------------
    def _fit_vocabularies(self, texts):
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        blocks = [("word", _word_analyzer(self.word_ngrams))]
        if self.char_ngrams:
            blocks.append(("char", _char_analyzer(self.char_ngrams)))
        self.vocabularies_, self.idf_, counts = {}, {}, {}
        for name, analyzer in blocks:
            cv = CountVectorizer(analyzer=analyzer, min_df=min(self.min_df, max(1, len(texts))),
                                 max_features=self.max_features)
            X = cv.fit_transform(texts)
            vocab = {term: int(i) for term, i in cv.vocabulary_.items()}
            self.vocabularies_[name] = vocab
            self.idf_[name] = TfidfTransformer(sublinear_tf=True).fit(X).idf_
            counts[name] = X.tocsr()
        return counts

    def _analyzers(self):
        out = {"word": _word_analyzer(self.word_ngrams)}
        if "char" in self.vocabularies_:
            out["char"] = _char_analyzer(self.char_ngrams)
        return out

    def transform(self, texts, extra=None, counts=None, groups=None, lengths=None) -> sparse.csr_matrix:
        """The feature matrix: TF-IDF blocks (each l2-normalised), the context block, the length feature, then the
        scaled extras.

        With ``context_weight`` > 0, each text also gets the word TF-IDF of its context, the sum of the word counts
        of all texts with the same ``groups`` value (e.g. the paragraphs of one article; ``groups`` None: all
        ``texts`` are one group), l2-normalised and scaled by ``context_weight``. With ``length_weight`` > 0, one
        more column: ``log(1 + n_words)`` (``n_words``: tokens of the toolkit's tokenizer), standardised with the
        training mean and standard deviation and scaled by ``length_weight``. The l2 norm of the TF-IDF blocks
        removes a text's length, which is strong evidence for whether a paragraph uses any technique at all.
        ``counts`` and ``lengths`` (precomputed word counts and ``n_words``) are for ``fit``.
        """
        texts = list(texts)
        blocks = []
        word_counts = None
        for name, analyzer in self._analyzers().items():
            n_out = [] if name == "word" and lengths is None else None
            c = counts[name] if counts else _counts(texts, analyzer, self.vocabularies_[name], n_out=n_out)
            if name == "word":
                word_counts = c
                if n_out is not None and not counts:
                    # the word analyzer yields n tokens (and n - 1 bigrams): this is len(tokenize(text))
                    n_out = np.asarray(n_out, dtype=np.float64)
                    lengths = n_out if self.word_ngrams == 1 else (n_out + 1) // 2
            blocks.append(_tfidf(c, self.idf_[name]))
        if getattr(self, "context_weight", 0.0) and len(texts):
            blocks.append(self.context_weight * _tfidf(_group_sums(word_counts, groups), self.idf_["word"]))
        if getattr(self, "length_weight", 0.0):
            if lengths is None:
                lengths = n_words(texts)
            z = (np.log1p(np.asarray(lengths, dtype=np.float64)) - self.length_mean_) / self.length_scale_
            blocks.append(sparse.csr_matrix(self.length_weight * z[:, None]))
        if self.n_extra_:
            if extra is None or np.shape(extra) != (len(texts), self.n_extra_):
                raise ToolkitError(f"extra features: expected an array of shape ({len(texts)}, {self.n_extra_}), got {None if extra is None else np.shape(extra)}")
            z = (np.asarray(extra, dtype=np.float64) - self.extra_mean_) / self.extra_scale_
            blocks.append(sparse.csr_matrix(z * self.extra_weight_))
        return sparse.hstack(blocks, format="csr")

    # -- fitting ----------------------------------------------------------------------------------------------
    def _fit_coefs(self, X, Y, C=None, sample_weight=None):
        from sklearn.linear_model import LogisticRegression

        from threadpoolctl import threadpool_limits

        C = self.C if C is None else C
        n_labels = Y.shape[1]
        coef = np.zeros((n_labels, X.shape[1]))
        intercept = np.zeros(n_labels)
        nb_scale = float(self.nb_scale)
        if nb_scale > 0:
            n_word = len(self.vocabularies_["word"])  # the word block comes first (see ``transform``)
            presence = sparse.csr_matrix(X[:, :n_word], copy=True)
            presence.data[:] = 1.0
            weights = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        for j in range(n_labels):
            y = Y[:, j]
            if y.min() == y.max():  # constant label in this training set: a constant log-odds
                p = min(max(float(y.mean()), 1e-3), 1 - 1e-3)
                intercept[j] = np.log(p / (1 - p))
                continue
            scale = None
            if nb_scale > 0:
                scale = np.ones(X.shape[1])
                scale[:n_word] = np.abs(nb_ratios(presence, y, weights, self.nb_alpha)) ** nb_scale
            model = LogisticRegression(C=C, class_weight=self.class_weight, max_iter=2000,
                                       random_state=self.random_state)
            with threadpool_limits(1):  # small problems: threads only add contention
                model.fit(X if scale is None else X @ sparse.diags(scale), y, sample_weight=sample_weight)
            coef[j] = model.coef_[0] if scale is None else model.coef_[0] * scale
            intercept[j] = model.intercept_[0]
        return coef, intercept

    def fit(self, texts, Y, groups=None, extra=None, extra_weight=0.3, aux=None, aux_weight=1.0):
        """Fit on ``texts`` with the 0/1 label matrix ``Y`` (n_texts × n_labels).

        ``groups`` (e.g. article ids of paragraphs) keep a group in one inner fold when thresholds are tuned;
        ``extra`` is an optional dense array of additional features, standardised and scaled by ``extra_weight``.
        ``aux``: optional auxiliary training units ``(texts, Y, groups)`` or ``(texts, Y, groups, lengths)`` (e.g.
        sentences of the same articles, labelled in another annotation) that train the coefficients with sample
        weight ``aux_weight`` (one number, or one per auxiliary unit) but are never scored: the vocabulary, the
        thresholds and the choice of C rest on ``texts`` alone. ``lengths``: the number of words the length column
        reads for each auxiliary unit instead of its own (e.g. a marked span stands for its paragraph). In each inner
        fold, the auxiliary units of the held-out groups are left out (requires ``groups``). Not with ``extra``.

        A list of several ``C`` values is chosen from by the tuning objective on the inner out-of-fold predictions
        (each C with its own tuned thresholds); the chosen value is ``C_``.
        """
        from sklearn.model_selection import GroupKFold, KFold

        texts = list(texts)
        Y = np.asarray(Y, dtype=np.int8)
        if Y.ndim != 2 or Y.shape != (len(texts), len(self.labels)):
            raise ToolkitError(f"labels: expected a {len(texts)} × {len(self.labels)} matrix, got shape {Y.shape}")
        Cs = [float(c) for c in self.C] if isinstance(self.C, (list, tuple)) else [float(self.C)]
        tuned = self.threshold == "tuned" and not self.single_label and len(texts) >= 2 * self.inner_folds
        if len(Cs) > 1 and not tuned:
            raise ToolkitError(f"C: several values ({Cs}) need tuned thresholds on inner folds "
                               f"(threshold='tuned', multi-label, at least {2 * self.inner_folds} texts)")
        if aux is not None and (groups is None or extra is not None):
            raise ToolkitError("aux: auxiliary training units need groups (to keep held-out groups out of the "
                               "inner folds) and cannot be combined with extra features")
        if extra is not None:
            extra = np.asarray(extra, dtype=np.float64)
            self.n_extra_ = extra.shape[1]
            self.extra_mean_ = extra.mean(axis=0)
            scale = extra.std(axis=0)
            self.extra_scale_ = np.where(scale > 0, scale, 1.0)
            self.extra_weight_ = float(extra_weight)
        else:
            self.n_extra_ = 0
            self.extra_mean_ = self.extra_scale_ = np.zeros(0)
            self.extra_weight_ = 0.0
        counts = self._fit_vocabularies(texts)
        lengths = n_words(texts)
        log_len = np.log1p(lengths)
        self.length_mean_ = float(log_len.mean()) if len(texts) else 0.0
        self.length_scale_ = float(log_len.std()) if len(texts) and log_len.std() > 0 else 1.0
        X = self.transform(texts, extra, counts=counts, groups=groups, lengths=lengths)
        if aux is not None:
            aux_texts, aux_Y, aux_groups = list(aux[0]), np.asarray(aux[1], dtype=np.int8), np.asarray(aux[2])
            aux_lengths = np.asarray(aux[3], dtype=np.float64) if len(aux) > 3 and aux[3] is not None else None
            if (aux_Y.shape != (len(aux_texts), len(self.labels)) or len(aux_groups) != len(aux_texts)
                    or (aux_lengths is not None and aux_lengths.shape != (len(aux_texts),))):
                raise ToolkitError(f"aux: expected {len(aux_texts)} texts, a {len(aux_texts)} × {len(self.labels)} "
                                   f"label matrix, {len(aux_texts)} groups (and optionally {len(aux_texts)} lengths), "
                                   f"got {aux_Y.shape}, {len(aux_groups)} groups and "
                                   f"{'no' if aux_lengths is None else aux_lengths.shape} lengths")
            X_aux = self.transform(aux_texts, groups=aux_groups, lengths=aux_lengths)
            aux_w = np.asarray(aux_weight, dtype=np.float64)
            if aux_w.ndim not in (0, 1) or (aux_w.ndim == 1 and len(aux_w) != len(aux_texts)):
                raise ToolkitError(f"aux_weight: expected one number or one per auxiliary unit ({len(aux_texts)}), "
                                   f"got shape {aux_w.shape}")
            aux_w = np.broadcast_to(aux_w, (len(aux_texts),))
        else:
            aux_groups = np.zeros(0)
        self.n_aux_ = len(aux_groups)

        def fit_on(rows, C, held_out_groups=()):
            """Coefficients from the rows ``rows`` of X plus the auxiliary units outside ``held_out_groups``."""
            if aux is None or not len(aux_groups):
                return self._fit_coefs(X[rows], Y[rows], C)
            keep = np.flatnonzero(~np.isin(aux_groups, list(held_out_groups)))
            Xa = sparse.vstack([X[rows], X_aux[keep]], format="csr")
            Ya = np.vstack([Y[rows], aux_Y[keep]])
            w = np.concatenate([np.ones(len(rows)), aux_w[keep]])
            return self._fit_coefs(Xa, Ya, C, sample_weight=w)

        if tuned:
            # Cross-fit: one model per inner fold, thresholds tuned on their out-of-fold probabilities, and the
            # stored model is the average of the inner models (mean coefficients and intercepts, i.e. mean
            # log-odds), so the thresholds apply to the same kind of scores they were tuned on. A model refitted
            # on all training texts is more confident than the inner ones and the thresholds do not transfer.
            # The vocabulary and idf (fitted without labels on the training texts) are shared by the inner folds.
            if groups is not None:
                rng = np.random.RandomState(self.random_state)
                uniq = np.unique(np.asarray(groups))
                perm = dict(zip(uniq, rng.permutation(len(uniq))))
                splits = list(GroupKFold(self.inner_folds).split(texts, groups=[perm[g] for g in groups]))
            else:
                splits = list(KFold(self.inner_folds, shuffle=True, random_state=self.random_state).split(texts))
            best = None
            self.C_scores_ = {}
            for C in Cs:
                oof = np.zeros(Y.shape)
                coefs, intercepts = [], []
                for tr, te in splits:
                    held_out = set(np.asarray(groups)[te]) if groups is not None else ()
                    coef, intercept = fit_on(tr, C, held_out)
                    oof[te] = 1.0 / (1.0 + np.exp(-(np.asarray(X[te] @ coef.T) + intercept)))
                    coefs.append(coef)
                    intercepts.append(intercept)
                thresholds = shrunk_thresholds(oof, Y, mix=self.threshold_mix, prior=self.threshold_prior)
                value = _objective(oof, Y, thresholds, self.threshold_mix)
                self.C_scores_[C] = value
                if best is None or value > best[0] + 1e-12:
                    best = (value, C, oof, coefs, intercepts, thresholds)
            _, self.C_, oof, coefs, intercepts, self.thresholds_ = best
            self.inner_splits_ = splits  # for a second stage fitted on ``oof_`` (see ``toolkit.detectors.spans``)
            self.coef_ = np.mean(coefs, axis=0).astype(np.float32).astype(np.float64)  # as save() stores it
            self.intercept_ = np.mean(intercepts, axis=0)
            self.oof_ = oof
        else:
            self.C_ = Cs[0]
            self.inner_splits_ = None
            coef, self.intercept_ = fit_on(np.arange(len(texts)), self.C_)
            self.coef_ = coef.astype(np.float32).astype(np.float64)  # what save() stores, so a reload predicts the same
            t = 0.5 if self.threshold == "tuned" else float(self.threshold)
            self.thresholds_ = np.full(Y.shape[1], t)
        return self

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("labels", "C", "class_weight", "char_ngrams", "min_df", "max_features",
                                              "threshold", "threshold_mix", "inner_folds", "single_label",
                                              "random_state", "threshold_prior", "context_weight", "length_weight",
                                              "word_ngrams", "nb_scale", "nb_alpha")}

    # -- inference --------------------------------------------------------------------------------------------
    def decision_function(self, texts, extra=None, groups=None) -> np.ndarray:
        return self.decision_from_features(self.transform(texts, extra, groups=groups))

    def decision_from_features(self, X) -> np.ndarray:
        """Per-label log-odds from a feature matrix laid out as ``transform`` builds it."""
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, texts, extra=None, groups=None) -> np.ndarray:
        """Per-label probabilities (n_texts × n_labels); ``groups``: see ``transform`` (context models only)."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(texts, extra, groups)))

    def predict(self, texts, extra=None, proba=None, groups=None) -> np.ndarray:
        """0/1 predictions: probability ≥ the label's threshold (or the arg-max for a single-label model)."""
        p = self.predict_proba(texts, extra, groups) if proba is None else proba
        if self.single_label:
            out = np.zeros(p.shape, dtype=np.int8)
            out[np.arange(len(p)), p.argmax(axis=1)] = 1
            return out
        return (p >= self.thresholds_).astype(np.int8)

    def explain(self, text: str, k: int = 8, extra=None) -> dict[str, list[tuple[str, float]]]:
        """Per label, the word n-grams of ``text`` that pushed its score up most (feature value × coefficient)."""
        vocab = self.vocabularies_["word"]
        X = _tfidf(_counts([text], _word_analyzer(self.word_ngrams), vocab), self.idf_["word"])
        names = self._word_names()
        row = X.getrow(0)
        out = {}
        for j, label in enumerate(self.labels):
            contrib = row.data * self.coef_[j, row.indices]
            order = np.argsort(-contrib)[:k]
            out[label] = [(names[row.indices[i]], round(float(contrib[i]), 4)) for i in order if contrib[i] > 0]
        return out

    def top_features(self, k: int = 15) -> dict[str, list[tuple[str, float]]]:
        """Per label, the word n-grams with the largest positive coefficients."""
        names = self._word_names()
        n_word = len(names)
        return {label: [(names[i], round(float(self.coef_[j, i]), 4)) for i in np.argsort(-self.coef_[j, :n_word])[:k]]
                for j, label in enumerate(self.labels)}

    def _word_names(self) -> list[str]:
        vocab = self.vocabularies_["word"]
        names = [""] * len(vocab)
        for term, i in vocab.items():
            names[i] = term
        return names

    # -- storage ----------------------------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike, metadata: dict | None = None) -> Path:
        """Write ``model.json`` and ``arrays.npz`` into ``folder`` (atomically: written aside, then renamed)."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        params = self.get_params()
        params["char_ngrams"] = list(self.char_ngrams) if self.char_ngrams else None
        params["C"] = list(self.C) if isinstance(self.C, (list, tuple)) else self.C
        doc = {
            "format": FORMAT,
            "params": params,
            "vocabularies": {name: sorted(v, key=v.get) for name, v in self.vocabularies_.items()},
            "metadata": metadata or {},
            "C_": getattr(self, "C_", None),
        }
        arrays = {"coef": self.coef_.astype(np.float32), "intercept": self.intercept_, "thresholds": self.thresholds_,
                  "extra_mean": self.extra_mean_, "extra_scale": self.extra_scale_,
                  "extra_weight": np.array([self.extra_weight_]),
                  "length": np.array([getattr(self, "length_mean_", 0.0), getattr(self, "length_scale_", 1.0)])}
        for name, idf in self.idf_.items():
            arrays[f"idf_{name}"] = idf
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
        with open(tmp / "model.json", "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False)
        with open(tmp / "arrays.npz", "wb") as fh:
            np.savez_compressed(fh, **arrays)
        if folder.exists():
            old = folder.with_name(folder.name + ".old")
            os.replace(folder, old)
            os.replace(tmp, folder)
            import shutil

            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> "LinearMultiLabel":
        """Read a model written by ``save`` (JSON and an npz read with ``allow_pickle=False``)."""
        folder = Path(folder)
        meta_path, arrays_path = folder / "model.json", folder / "arrays.npz"
        if not meta_path.is_file() or not arrays_path.is_file():
            raise ToolkitError(f"model folder '{folder}': expected model.json and arrays.npz")
        with open(meta_path, encoding="utf-8") as fh:
            doc = json.load(fh)
        if doc.get("format") != FORMAT:
            raise ToolkitError(f"{meta_path}: format {doc.get('format')!r}, expected {FORMAT!r}")
        params = doc["params"]
        params["char_ngrams"] = tuple(params["char_ngrams"]) if params["char_ngrams"] else None
        model = cls(**params)
        with np.load(arrays_path, allow_pickle=False) as z:
            model.coef_ = z["coef"].astype(np.float64)
            model.intercept_ = z["intercept"]
            model.thresholds_ = z["thresholds"]
            model.extra_mean_ = z["extra_mean"]
            model.extra_scale_ = z["extra_scale"]
            model.extra_weight_ = float(z["extra_weight"][0])
            if "length" in z.files:
                model.length_mean_, model.length_scale_ = (float(v) for v in z["length"])
            model.idf_ = {name: z[f"idf_{name}"] for name in doc["vocabularies"]}
        model.n_extra_ = len(model.extra_mean_)
        model.vocabularies_ = {name: {t: i for i, t in enumerate(terms)} for name, terms in doc["vocabularies"].items()}
        model.metadata_ = doc.get("metadata", {})
        model.C_ = doc.get("C_")
        return model
