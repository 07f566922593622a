"""The toolkit's features as a scikit-learn transformer, for a ``Pipeline``."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from toolkit.features import feature_names, featurize


class FeatureTransformer(TransformerMixin, BaseEstimator):
    """The toolkit's features as a scikit-learn transformer (texts or an article table in, a matrix out).

    Parameters:
        families: as in ``featurize``.
        n_jobs: worker processes.
    """

    def __init__(self, families=None, n_jobs=1):
        self.families = families
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        self.feature_names_out_ = np.asarray(feature_names(self.families), dtype=object)
        self.n_features_out_ = len(self.feature_names_out_)
        return self

    def transform(self, X):
        table = featurize(X, self.families, n_jobs=self.n_jobs)
        return table.reindex(columns=list(self.feature_names_out_)).to_numpy(dtype=np.float64)

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_out_
